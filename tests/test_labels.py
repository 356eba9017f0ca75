import pytest

from routenator_dagster.labels import (
    CONTENT_TYPES,
    LabelledQuery,
    content_type_from_slug,
    content_type_slug,
    type_words_in,
)


def test_slug_round_trip():
    for ct in CONTENT_TYPES:
        assert content_type_from_slug(content_type_slug(ct)) == ct
    assert content_type_slug("Design Asset") == "design_asset"


def test_type_words_found_with_positions():
    found = type_words_in("a photo of a beach for my instagram post template")
    assert set(found) == {"Photo", "Template"}
    assert found["Photo"][0] == (2, 7)
    assert type_words_in("diwali") == {}


def test_labelled_query_rejects_unknown_labels():
    with pytest.raises(ValueError, match="function"):
        LabelledQuery("q", "Find", "Photo", "x")
    with pytest.raises(ValueError, match="content_type"):
        LabelledQuery("q", "Search", "Image", "x")
