"""Metrics on small cases computed by hand; invalid calls count as wrong."""

from __future__ import annotations

import numpy as np
import pytest

from routenator_dagster.evaluation.metrics import confusion, function_f1, plot_confusion, score_items, summarize


def _toy_embed(texts: list[str]) -> np.ndarray:
    """Bag of three words, so cosine similarities are easy to compute by hand."""
    vocab = ["cat", "dog", "red"]
    return np.array([[t.split().count(w) for w in vocab] for t in texts], dtype=float)


def test_macro_f1_by_hand() -> None:
    gold = ["Search", "Search", "Generate", "Generate"]
    pred = ["Search", "Generate", "Generate", "Generate"]
    # Search: P=1, R=.5 -> 2/3; Generate: P=2/3, R=1 -> .8; macro = (2/3 + .8) / 2
    assert function_f1(gold, pred) == pytest.approx((2 / 3 + 0.8) / 2)


def test_invalid_prediction_is_wrong_for_both_classes() -> None:
    gold = ["Search", "Generate"]
    # Search: tp=1 fp=0 fn=0 -> 1; Generate: tp=0 -> 0
    assert function_f1(gold, ["Search", "invalid"]) == pytest.approx(0.5)
    assert function_f1(gold, ["invalid", "invalid"]) == 0.0


def test_score_items_by_hand() -> None:
    gold_f = ["Search", "Generate", "Search", "Generate"]
    gold_ct = ["Photo", "Any", "Template", "Photo"]
    gold_p = ["cat", "red dog", "cat dog", "dog"]
    outputs = [
        'Search(content_type="Photo", extracted_prompt="cat")',  # all right
        "Generate(content_type='Photo', extracted_prompt='red dog')",  # wrong type, same prompt
        "Search(content_type=Template, extracted_prompt=cat)",  # unquoted: invalid
        '{"name": "Generate", "arguments": {"content_type": "Photo", "extracted_prompt": "cat"}}',  # JSON; cos(cat, dog)=0
    ]
    items = score_items(gold_f, gold_ct, gold_p, outputs, embed=_toy_embed)
    assert items.valid == [True, True, False, True]
    assert items.function_correct == [True, True, False, True]
    assert items.content_type_correct == [True, False, False, True]
    assert items.similarity == pytest.approx([1.0, 1.0, 0.0, 0.0])
    assert items.exact == [True, False, False, False]
    s = summarize(gold_f, gold_ct, items)
    assert s["n"] == 4
    assert s["content_type_accuracy"] == pytest.approx(0.5)
    assert s["subprompt_similarity"] == pytest.approx(0.5)
    assert s["invalid_rate"] == pytest.approx(0.25)
    assert s["exact_match"] == pytest.approx(0.25)
    # Search: tp=1 fn=1 fp=0 -> 2/3; Generate: tp=2 fp=0 fn=0 -> 1
    assert s["function_f1"] == pytest.approx((2 / 3 + 1) / 2)
    assert s["per_content_type"]["Photo"] == pytest.approx(
        {"n": 2, "function_accuracy": 1.0, "content_type_accuracy": 1.0, "subprompt_similarity": 0.5}
    )
    assert s["confusion_content_type"]["Template"]["invalid"] == 1
    assert s["confusion_content_type"]["Any"]["Photo"] == 1


def test_partial_similarity_and_length_mismatch() -> None:
    items = score_items(["Search"], ["Photo"], ["cat dog"], ['Search(content_type="Photo", extracted_prompt="cat")'], embed=_toy_embed)
    assert items.similarity[0] == pytest.approx(1 / np.sqrt(2))
    with pytest.raises(ValueError, match="differ in length"):
        score_items(["Search"], ["Photo"], ["cat"], [], embed=_toy_embed)


def test_real_minilm_similarity_orders_sensibly() -> None:
    items = score_items(
        ["Search", "Search"], ["Photo", "Photo"], ["golden retriever puppy", "golden retriever puppy"],
        ['Search(content_type="Photo", extracted_prompt="retriever puppy")',
         'Search(content_type="Photo", extracted_prompt="tax invoice spreadsheet")'],
    )
    assert items.similarity[0] > 0.7 > items.similarity[1]


def test_confusion_plot_written(tmp_path) -> None:
    m = confusion(["Search", "Generate", "Generate"], ["Search", "Search", "invalid"], ("Search", "Generate"))
    assert m == {"Search": {"Search": 1, "Generate": 0, "invalid": 0}, "Generate": {"Search": 1, "Generate": 0, "invalid": 1}}
    png = plot_confusion(m, tmp_path / "c.png", "t")
    assert png.read_bytes()[:8] == b"\x89PNG\r\n\x1a\n"
