import json

import pytest

from routenator_dagster.function_call import parse_call, render_call


def test_round_trip_with_quotes_and_unicode():
    ep = 'logo for "Priya\'s" Plant Shop — café'
    call = render_call("Generate", "Template", ep)
    p = parse_call(call)
    assert p.valid and (p.function, p.content_type, p.extracted_prompt) == ("Generate", "Template", ep)


@pytest.mark.parametrize(
    "text",
    [
        "Search(content_type='Photo', extracted_prompt='elephant')",
        "  Search( extracted_prompt = \"elephant\" ,content_type=\"Photo\" )  ",
        "```\nSearch(content_type=\"Photo\", extracted_prompt=\"elephant\")\n```",
        json.dumps({"name": "Search", "arguments": json.dumps({"content_type": "Photo", "extracted_prompt": "elephant"})}),
        json.dumps({"type": "function", "function": {"name": "Search", "arguments": {"content_type": "Photo", "extracted_prompt": "elephant"}}}),
    ],
)
def test_accepted_variants(text):
    p = parse_call(text)
    assert p.valid, p.error
    assert (p.function, p.content_type, p.extracted_prompt) == ("Search", "Photo", "elephant")


@pytest.mark.parametrize(
    "text,reason",
    [
        ("", "empty"),
        ("Sure! Here is the call: Search(content_type='Photo', extracted_prompt='x')", "form"),
        ("Find(content_type='Photo', extracted_prompt='x')", "unknown function"),
        ("Search(content_type='Image', extracted_prompt='x')", "unknown content_type"),
        ("Search(content_type='Photo', extracted_prompt='x', limit='3')", "unknown argument"),
        ("Search(content_type='Photo', extracted_prompt='x", "form"),
        ("Search(content_type='Photo', extracted_prompt='x)", "parse"),
        ("Search(content_type='Photo', content_type='Video', extracted_prompt='x')", "twice"),
        ('{"name": "Search", "arguments": "{bad json"}', "not valid JSON"),
        ("Search(content_type=Photo, extracted_prompt='x')", "parse"),
    ],
)
def test_invalid_outputs_name_the_reason(text, reason):
    p = parse_call(text)
    assert not p.valid
    assert reason in p.error
