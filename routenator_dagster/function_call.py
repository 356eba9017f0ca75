"""Render and parse the function call a model must emit (docs/labelling.md).

Canonical form: `Search(content_type="Photo", extracted_prompt="elephant")`. The parser also takes
single quotes, extra spaces, either argument order, and an OpenAI-style tool-call JSON; anything
else is reported as invalid with a reason rather than guessed at.
"""

from __future__ import annotations

import json
import re
from dataclasses import dataclass

from routenator_dagster.labels import CONTENT_TYPES, FUNCTIONS


@dataclass(frozen=True)
class ParsedCall:
    function: str | None
    content_type: str | None
    extracted_prompt: str | None
    error: str | None = None

    @property
    def valid(self) -> bool:
        return self.error is None


def render_call(function: str, content_type: str, extracted_prompt: str) -> str:
    if function not in FUNCTIONS:
        raise ValueError(f"unknown function {function!r}")
    if content_type not in CONTENT_TYPES:
        raise ValueError(f"unknown content type {content_type!r}")
    return f"{function}(content_type={json.dumps(content_type)}, extracted_prompt={json.dumps(extracted_prompt, ensure_ascii=False)})"


_CALL_RE = re.compile(r"^\s*(?P<fn>[A-Za-z_]\w*)\s*\((?P<args>.*)\)\s*;?\s*$", re.DOTALL)
_ARG_RE = re.compile(
    r"\s*(?P<key>[A-Za-z_]\w*)\s*=\s*(?P<val>\"(?:[^\"\\]|\\.)*\"|'(?:[^'\\]|\\.)*')\s*(?:,|$)",
    re.DOTALL,
)


def _unquote(token: str) -> str:
    body = token[1:-1]
    if token[0] == '"':
        try:
            return json.loads(token)
        except json.JSONDecodeError:
            return body.replace('\\"', '"')
    return body.replace("\\'", "'").replace("\\\\", "\\")


def _strip_wrappers(text: str) -> str:
    t = text.strip()
    fence = re.match(r"^```[a-zA-Z]*\s*(.*?)\s*```$", t, re.DOTALL)
    if fence:
        t = fence.group(1).strip()
    return t


def _check(fn: str | None, args: dict[str, object]) -> ParsedCall:
    if fn not in FUNCTIONS:
        return ParsedCall(None, None, None, f"unknown function {fn!r}")
    unknown = set(args) - {"content_type", "extracted_prompt"}
    if unknown:
        return ParsedCall(fn, None, None, f"unknown argument(s) {sorted(unknown)}")
    ct, ep = args.get("content_type"), args.get("extracted_prompt")
    if not isinstance(ct, str) or not isinstance(ep, str):
        return ParsedCall(fn, None, None, "content_type and extracted_prompt must both be strings")
    if ct not in CONTENT_TYPES:
        return ParsedCall(fn, None, ep, f"unknown content_type {ct!r}")
    return ParsedCall(fn, ct, ep)


def _parse_json(text: str) -> ParsedCall | None:
    try:
        obj = json.loads(text)
    except (json.JSONDecodeError, ValueError):
        return None
    if isinstance(obj, list) and len(obj) == 1:
        obj = obj[0]
    if not isinstance(obj, dict):
        return ParsedCall(None, None, None, "JSON output is not a tool call object")
    if "tool_calls" in obj and isinstance(obj["tool_calls"], list) and obj["tool_calls"]:
        obj = obj["tool_calls"][0]
    if "function" in obj and isinstance(obj["function"], dict):
        obj = obj["function"]
    name = obj.get("name")
    args = obj.get("arguments", obj.get("parameters", {}))
    if isinstance(args, str):
        try:
            args = json.loads(args)
        except json.JSONDecodeError:
            return ParsedCall(name if name in FUNCTIONS else None, None, None, "tool-call arguments are not valid JSON")
    if not isinstance(args, dict):
        return ParsedCall(None, None, None, "tool-call arguments are not an object")
    return _check(name, args)


def parse_call(text: str) -> ParsedCall:
    """Parse a model's output into labels; ``error`` says why when it is not a valid call."""
    if not isinstance(text, str) or not text.strip():
        return ParsedCall(None, None, None, "empty output")
    t = _strip_wrappers(text)
    if t.startswith("{") or t.startswith("["):
        parsed = _parse_json(t)
        if parsed is not None:
            return parsed
    m = _CALL_RE.match(t)
    if not m:
        return ParsedCall(None, None, None, "not of the form Name(key=\"value\", ...)")
    args_text = m.group("args").strip()
    args: dict[str, object] = {}
    pos = 0
    while pos < len(args_text):
        am = _ARG_RE.match(args_text, pos)
        if not am:
            return ParsedCall(None, None, None, f"cannot parse arguments at {args_text[pos:pos + 30]!r}")
        key = am.group("key")
        if key in args:
            return ParsedCall(None, None, None, f"argument {key!r} given twice")
        args[key] = _unquote(am.group("val"))
        pos = am.end()
    return _check(m.group("fn"), args)
