"""Token-level text helpers shared by the proxy model and the keyword baseline."""

from __future__ import annotations

import re

from routenator_dagster.labels import TYPE_WORDS

_TOKEN_RE = re.compile(r"\S+")
_EDGE_PUNCT = "\"'.,!?;:()[]{}"

STOPWORDS: frozenset[str] = frozenset(
    "a an the of for to in on at with and or by from my our your me us i we you it this that some any "
    "is are be was please can could would will just so".split()
)
# Words that wrap a request rather than describe what is wanted.
FILLER: frozenset[str] = frozenset(
    "find show search look looking get give need want make create generate design draw build produce "
    "help something anything ideas idea nice good cool kinda maybe hey hi pls plz u im i'm".split()
)
CREATION_VERBS: frozenset[str] = frozenset("create generate make design draw build produce compose write animate".split())
SEARCH_VERBS: frozenset[str] = frozenset("find search show look browse get".split())
TYPE_TOKEN: dict[str, str] = {
    w: ct for ct, words in TYPE_WORDS.items() for w in words if " " not in w
}


def tokens(text: str) -> list[str]:
    """Whitespace tokens with their punctuation (Generate prompts keep it)."""
    return _TOKEN_RE.findall(text)


def norm_token(tok: str) -> str:
    return tok.strip(_EDGE_PUNCT).lower()
