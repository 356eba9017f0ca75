"""The CPU proxy model: learns from labelled rows, beats the keyword floor, round-trips on disk."""

from __future__ import annotations

import random

import polars as pl
import pytest

from routenator_dagster.evaluation.metrics import score_items, summarize
from routenator_dagster.evaluation.predictors import KeywordBaseline, ProxyPredictor
from routenator_dagster.function_call import parse_call
from routenator_dagster.training.proxy_model import ProxyModel, keep_labels, train_proxy, validation_accuracy

_SUBJECTS = ["elephant", "mountain lake", "coffee beans", "city skyline", "golden retriever", "autumn forest",
             "office team", "tropical beach", "vintage car", "sushi", "yoga pose", "snowy cabin", "rose garden",
             "hot air balloon", "desert road", "bakery", "soccer ball", "robot", "sunflower field", "lighthouse"]
_FORMATS = {"Template": ["flyer", "poster", "invitation", "resume", "menu", "instagram story"],
            "Photo": ["photo", "picture", "image"], "Video": ["video", "clip", "footage"],
            "Audio": ["music", "song", "sound effect"], "Background": ["background", "wallpaper", "texture"],
            "Design Asset": ["icon", "sticker", "illustration"], "Text": ["font", "text effect", "lettering"]}
_BARE = {"photo", "picture", "image", "video", "clip", "footage", "music", "song"}
_NAMES = ["Maya", "Oliver", "Sofia", "Ravi", "Lena", "Tomás", "Ines", "Kenji"]
_SCENES = ["riding a unicycle on the moon", "wearing a tiny top hat", "made of glass and neon",
           "juggling oranges in the rain", "reading a map under a lantern", "dancing with a giant snail"]


def synthetic_frame(n: int, seed: int = 0) -> pl.DataFrame:
    """Labelled rows in the contract's shape from a few phrasings (independent of the golden set)."""
    rng = random.Random(seed)
    rows = []
    for i in range(n):
        ct = rng.choice(list(_FORMATS) + ["Any", "Any"])
        subj = rng.choice(_SUBJECTS)
        fmt = rng.choice(_FORMATS[ct]) if ct != "Any" else ""
        if rng.random() < 0.5:
            lead = rng.choice(["", "find ", "show me ", "i need ", "looking for ", "make a ", "create a "])
            if not fmt:
                query = f"{lead}{subj}"
            elif rng.random() < 0.5:
                query = f"{lead}{subj} {fmt}"
            else:
                query = f"{lead}{'' if lead.endswith('a ') else rng.choice(['', 'a '])}{fmt} of {subj}"
            kept = fmt if fmt and fmt not in _BARE else ""
            rows.append((query, "Search", ct, f"{subj} {kept}".strip()))
        else:
            name, scene = rng.choice(_NAMES), rng.choice(_SCENES)
            lead = rng.choice(["create ", "make me ", "generate ", "find ", "show me ", ""])
            spec = f"{fmt + ' of ' if fmt else ''}{name}'s {subj} {scene}"
            rows.append((f"{lead}{'a ' if fmt else ''}{spec}", "Generate", ct, spec))
    return pl.DataFrame(rows, schema=["query", "function", "content_type", "extracted_prompt"], orient="row")


@pytest.fixture(scope="module")
def trained(tmp_path_factory: pytest.TempPathFactory) -> tuple[ProxyModel, str]:
    out = tmp_path_factory.mktemp("proxy")
    model = train_proxy(synthetic_frame(1200, seed=1), out, seed=7, use_embeddings=True)
    return model, str(out)


def test_keep_labels_marks_tokens_of_the_extracted_prompt() -> None:
    assert keep_labels("find me a photo of an elephant", "elephant") == [0, 0, 0, 0, 0, 0, 1]
    assert keep_labels("create a logo for Bob's Diner, red", "logo for Bob's Diner, red") == [0, 0, 1, 1, 1, 1, 1]


def test_proxy_beats_keyword_baseline_on_held_out_rows(trained: tuple[ProxyModel, str]) -> None:
    model, _ = trained
    held = synthetic_frame(300, seed=99)
    gold = (held["function"].to_list(), held["content_type"].to_list(), held["extracted_prompt"].to_list())
    # subprompt similarity with the real all-MiniLM-L6-v2 embeddings
    proxy = summarize(gold[0], gold[1], score_items(*gold, model.predict(held["query"].to_list())))
    base = summarize(gold[0], gold[1], score_items(*gold, KeywordBaseline().predict(held["query"].to_list())))
    assert proxy["function_f1"] > base["function_f1"]
    assert proxy["content_type_accuracy"] > base["content_type_accuracy"]
    assert proxy["subprompt_similarity"] > base["subprompt_similarity"]
    assert proxy["function_f1"] > 0.9 and proxy["content_type_accuracy"] > 0.8


def test_save_load_round_trip_and_calls_parse(trained: tuple[ProxyModel, str]) -> None:
    model, folder = trained
    queries = ["find a poster of a robot", "make me a sticker of Lena's sushi wearing a tiny top hat", "bakery"]
    again = ProxyPredictor(folder)
    assert again.predict(queries) == model.predict(queries)
    for call in again.predict(queries):
        parsed = parse_call(call)
        assert parsed.valid, call
        assert parsed.extracted_prompt
    acc = validation_accuracy(ProxyModel.load(folder), synthetic_frame(100, seed=5))
    assert acc["n"] == 100 and acc["function_accuracy"] > 0.9


def test_training_rejects_bad_frames(tmp_path) -> None:
    bad = synthetic_frame(20).with_columns(pl.lit("Find").alias("function"))
    with pytest.raises(ValueError, match="unknown function"):
        train_proxy(bad, tmp_path, use_embeddings=False)
    with pytest.raises(ValueError, match="lacks column"):
        train_proxy(synthetic_frame(20).drop("extracted_prompt"), tmp_path, use_embeddings=False)
    with pytest.raises(FileNotFoundError, match="not a proxy model folder"):
        ProxyModel.load(tmp_path / "nothing")


def test_an_unchanged_training_set_reuses_the_saved_proxy(tmp_path):
    from routenator_dagster.training.proxy_model import train_or_reuse_proxy

    df = synthetic_frame(400, seed=3)
    out = tmp_path / "proxy"
    first, reused = train_or_reuse_proxy(df, out, seed=1)
    assert not reused
    again, reused = train_or_reuse_proxy(df, out, seed=1)
    assert reused and again.predict(["cat photo"]) == first.predict(["cat photo"])
    _, reused = train_or_reuse_proxy(df, out, seed=2)  # another seed: other weights
    assert not reused
    changed = df.with_columns(pl.when(pl.int_range(pl.len()) == 0).then(pl.lit("a brand new query"))
                              .otherwise(pl.col("query")).alias("query"))
    _, reused = train_or_reuse_proxy(changed, out, seed=2)
    assert not reused
    (out / "meta.json").unlink()  # a save that died between its two files
    _, reused = train_or_reuse_proxy(changed, out, seed=2)
    assert not reused
