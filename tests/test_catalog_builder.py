"""The seed catalog builder: size, schema, determinism, content-type mix, fields built from the graph."""

from __future__ import annotations

import json
import re
from pathlib import Path

import polars as pl
import pytest
import yaml

from routenator_dagster.catalog_builder import (
    DEFAULT_VOCABULARY_PATH,
    CatalogBuildError,
    build_seed_catalog,
    gerund,
    read_graph_csvs,
    write_catalog,
)
from routenator_dagster.cli import main as cli_main
from routenator_dagster.labels import CATALOG_CONTENT_TYPES
from routenator_dagster.schema import CATALOG_SCHEMA


@pytest.fixture(scope="module")
def graph() -> tuple[pl.DataFrame, pl.DataFrame]:
    return read_graph_csvs()


@pytest.fixture(scope="module")
def catalog(graph: tuple[pl.DataFrame, pl.DataFrame]) -> pl.DataFrame:
    return build_seed_catalog(*graph)


def test_size_schema_and_unique_ids(catalog: pl.DataFrame) -> None:
    assert catalog.height == 6000
    assert catalog.schema == pl.Schema(CATALOG_SCHEMA)
    assert catalog["asset_id"].n_unique() == catalog.height
    assert catalog.null_count().select(["asset_id", "content_type", "title", "keywords",
                                         "gentech", "locale", "ctr", "design_type"]).sum_horizontal()[0] == 0


def test_content_type_mix(catalog: pl.DataFrame) -> None:
    counts = dict(catalog.group_by("content_type").len().iter_rows())
    assert set(counts) == set(CATALOG_CONTENT_TYPES)
    ranked = sorted(counts, key=counts.get, reverse=True)
    assert ranked[:2] == ["Template", "Photo"]
    for ct in CATALOG_CONTENT_TYPES:
        assert counts[ct] >= 200, (ct, counts[ct])
    prefixes = catalog.select(pl.col("asset_id").str.split("-").list.first(), "content_type").unique()
    assert prefixes.height == len(CATALOG_CONTENT_TYPES)  # one prefix per content type


def test_deterministic_for_a_seed_and_different_for_another(
    graph: tuple[pl.DataFrame, pl.DataFrame], catalog: pl.DataFrame
) -> None:
    again = build_seed_catalog(*graph)
    assert again.equals(catalog)
    other = build_seed_catalog(*graph, seed=8)
    assert other.height == catalog.height
    same_titles = (other["title"] == catalog["title"]).sum()
    assert same_titles < catalog.height * 0.05


def test_walk_does_not_depend_on_input_row_order(graph: tuple[pl.DataFrame, pl.DataFrame]) -> None:
    nodes, edges = graph
    a = build_seed_catalog(nodes, edges, n_assets=300)
    b = build_seed_catalog(nodes.reverse(), edges.sample(fraction=1.0, shuffle=True, seed=3),
                           n_assets=300)
    assert a.equals(b)


def test_gentech_only_for_photos(catalog: pl.DataFrame) -> None:
    # Decision: gentech marks AI-generated photos; every other content type is False.
    assert not catalog.filter(pl.col("content_type") != "Photo")["gentech"].any()
    share = catalog.filter(pl.col("content_type") == "Photo")["gentech"].mean()
    assert 0.25 < share < 0.42


def test_fields_are_well_formed(catalog: pl.DataFrame) -> None:
    vocab = yaml.safe_load(DEFAULT_VOCABULARY_PATH.read_text(encoding="utf-8"))
    hex_re = re.compile(r"^#[0-9a-f]{6}$")
    for row in catalog.iter_rows(named=True):
        assert 4 <= len(row["keywords"]) <= 10, row
        assert all(k == k.lower() and k.strip() == k and k for k in row["keywords"]), row
        assert len(set(row["keywords"])) == len(row["keywords"]), row
        assert 1 <= len(row["topics"]) <= 4, row
        assert 2 <= len(row["palette"]) <= 5 and all(hex_re.match(c) for c in row["palette"]), row
        assert 0.0 <= row["ctr"] <= 0.25, row
        assert "{" not in row["title"] and "}" not in row["title"], row
        assert row["title"][0].isupper() or row["title"][0].isdigit(), row
        if row["content_type"] == "Template":
            assert row["layout"] in vocab["layouts"], row
        else:
            assert row["layout"] is None, row
    ctr = catalog["ctr"]
    assert ctr.median() < ctr.mean() < 0.1  # right-skewed, like real click-through rates
    locales = catalog["locale"].value_counts(sort=True)
    assert locales["locale"][0] == "en-US" and locales["count"][0] > catalog.height * 0.5
    assert set(locales["locale"]) >= {"en-GB", "es-ES", "fr-FR", "de-DE", "hi-IN", "ja-JP", "pt-BR"}


def test_rows_come_from_the_graph(graph: tuple[pl.DataFrame, pl.DataFrame],
                                  catalog: pl.DataFrame) -> None:
    nodes, _ = graph
    designs = {r["name"]: r for r in nodes.filter(pl.col("label") == "DesignType").iter_rows(named=True)}
    intents = {n.lower() for n in nodes.filter(pl.col("label") == "UserIntent")["name"]}
    for row in catalog.iter_rows(named=True):
        design = designs[row["design_type"]]
        assert design["content_type"] == row["content_type"], row
        assert row["aspect_ratio"] == json.loads(design["props"]).get("aspect_ratio"), row
        assert row["design_type"].lower() in row["keywords"], row
        assert intents & set(row["keywords"]), row
    assert catalog.filter(pl.col("content_type") == "Audio")["aspect_ratio"].is_null().all()
    # Natural apostrophes and non-ASCII survive from the graph into titles.
    assert catalog["title"].str.contains("'").any()
    assert catalog["title"].str.contains("Día").any()


def test_bad_vocabulary_names_file_and_field(tmp_path: Path,
                                             graph: tuple[pl.DataFrame, pl.DataFrame]) -> None:
    raw = yaml.safe_load(DEFAULT_VOCABULARY_PATH.read_text(encoding="utf-8"))
    raw["title_patterns"]["Photo"] = ["{scene} with {sparkles}"]
    bad = tmp_path / "vocab.yaml"
    bad.write_text(yaml.safe_dump(raw), encoding="utf-8")
    with pytest.raises(CatalogBuildError, match=r"vocab\.yaml.*sparkles"):
        build_seed_catalog(*graph, n_assets=50, vocabulary_path=bad)
    del raw["content_type_shares"]["Audio"]
    raw["title_patterns"]["Photo"] = ["{scene}"]
    bad.write_text(yaml.safe_dump(raw), encoding="utf-8")
    with pytest.raises(CatalogBuildError, match="content_type_shares"):
        build_seed_catalog(*graph, n_assets=50, vocabulary_path=bad)


def test_bad_graph_is_a_clear_error(graph: tuple[pl.DataFrame, pl.DataFrame]) -> None:
    nodes, edges = graph
    dangling = pl.concat([edges, pl.DataFrame({"source": ["intent:diwali"], "type": ["FEATURES"],
                                               "target": ["object:unicorn"], "weight": [0.5]})])
    with pytest.raises(CatalogBuildError, match="object:unicorn"):
        build_seed_catalog(nodes, dangling, n_assets=50)
    no_audio = nodes.filter(~((pl.col("label") == "DesignType") & (pl.col("content_type") == "Audio")))
    audio_ids = set(nodes.filter(pl.col("content_type") == "Audio")["id"])
    edges_left = edges.filter(~pl.col("target").is_in(list(audio_ids)))
    with pytest.raises(CatalogBuildError, match="Audio"):
        build_seed_catalog(no_audio, edges_left, n_assets=50)
    with pytest.raises(CatalogBuildError, match="weight"):
        build_seed_catalog(nodes.with_columns(pl.lit(1.5).alias("weight")), edges, n_assets=50)


@pytest.mark.parametrize(("phrase", "expected"), [
    ("cut the cake", "cutting the cake"), ("tie the rakhi", "tying the rakhi"),
    ("light up the sky", "lighting up the sky"), ("blow-dry the hair", "blow-drying the hair"),
    ("open the doors", "opening the doors"), ("swim laps", "swimming laps"),
    ("dance all night", "dancing all night"), ("knit a scarf", "knitting a scarf"),
    ("beat the drum", "beating the drum"), ("ski down the slope", "skiing down the slope"),
])
def test_gerund(phrase: str, expected: str) -> None:
    assert gerund(phrase) == expected


@pytest.mark.parametrize("ext", ["jsonl", "csv", "parquet"])
def test_write_catalog_round_trips(tmp_path: Path, graph: tuple[pl.DataFrame, pl.DataFrame],
                                   ext: str) -> None:
    small = build_seed_catalog(*graph, n_assets=120)
    path = write_catalog(small, tmp_path / f"catalog.{ext}")
    if ext == "parquet":
        back = pl.read_parquet(path)
    elif ext == "jsonl":
        back = pl.read_ndjson(path, schema=CATALOG_SCHEMA)
    else:
        raw = pl.read_csv(path, infer_schema_length=0)
        back = raw.with_columns(
            [pl.col(c).str.json_decode(pl.List(pl.Utf8)) for c in ("keywords", "topics", "palette")]
            + [pl.col("gentech") == "true", pl.col("ctr").cast(pl.Float64)]
        ).select(list(CATALOG_SCHEMA))
    assert back.select(list(CATALOG_SCHEMA)).equals(small)


def test_write_catalog_rejects_unknown_extension(tmp_path: Path,
                                                 graph: tuple[pl.DataFrame, pl.DataFrame]) -> None:
    with pytest.raises(CatalogBuildError, match=r"\.xlsx"):
        write_catalog(build_seed_catalog(*graph, n_assets=20), tmp_path / "c.xlsx")


def test_cli_writes_the_catalog(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    out = tmp_path / "seed.parquet"
    assert cli_main(["build-catalog", "--out", str(out), "--n", "300", "--seed", "3"]) == 0
    written = pl.read_parquet(out)
    assert written.height == 300
    assert "wrote 300 assets" in capsys.readouterr().err
    assert cli_main(["build-catalog", "--out", str(tmp_path / "seed.txt"), "--n", "30"]) == 2
    assert "unknown extension" in capsys.readouterr().err
