"""Every file in tests/reliability/bad_inputs/ (plus oversized fields generated here) fed to its
loader: each must end in a clear outcome, that is the loader's own error naming the file and,
where it applies, the row/line and the field; or, for hostile but valid data (prompt and Cypher
injection), loading it unchanged as inert text. The share of clear outcomes is printed; it must be
100%. Cypher-injection names are also loaded into a real Bolt server and read back verbatim.
"""

from __future__ import annotations

import json
from collections.abc import Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import neo4j
import polars as pl
import pytest

from resources.knowledge_graph import Neo4jGraphResource
from routenator_dagster.catalog_io import CatalogError, load_catalog
from routenator_dagster.golden import GoldenFormatError, load_golden
from routenator_dagster.kg_files import DEFAULT_MAX_FIELD_CHARS, GraphFileError, read_graph_files
from routenator_dagster.kg_snapshot import KGSnapshot
from routenator_dagster.targets import DEFAULT_TARGETS_PATH, TargetsError, load_targets
from tests.bolt_server import RESOURCE_KWARGS, BoltServer, running_bolt_server

ROOT = Path(__file__).parent / "bad_inputs"
ONE_MB = 1 << 20
# An error must stay readable: it names the problem, it does not echo a megabyte of input.
MAX_MESSAGE_CHARS = 3000


@dataclass(frozen=True)
class Case:
    path: str  # under bad_inputs/ (graph: the case folder), or "generated/<name>" for oversized fields
    names: str = ""  # the file the error must name, relative to the case folder (graph) or ""
    expect: tuple[str, ...] = ()  # fragments the error must contain: row/line, field, key
    verbatim: str | None = None  # hostile but valid: the column whose values must survive unchanged

    @property
    def kind(self) -> str:
        return self.path.split("/")[1].split("_")[0] if self.path.startswith("generated/") else self.path.split("/")[0]


CASES: list[Case] = [
    # ---- catalog
    Case("catalog/empty.csv", expect=("empty file",)),
    Case("catalog/empty.jsonl", expect=("empty file",)),
    Case("catalog/header_only.csv", expect=("no data rows",)),
    Case("catalog/non_utf8.csv", expect=("not UTF-8", "byte 0xe9", "byte offset 64", "line 2")),
    Case("catalog/non_utf8.jsonl", expect=("not UTF-8", "byte offset", "line 2")),
    Case("catalog/missing_column.csv", expect=("missing required column", "'title'")),
    Case("catalog/extra_column.csv", expect=("unknown column", "'url'")),
    Case("catalog/extra_field.jsonl", expect=("line 2", "unknown field", "'price'")),
    Case("catalog/wrong_type_ctr.csv", expect=("row 1", "field 'ctr'")),
    Case("catalog/wrong_type_gentech.csv", expect=("row 1", "field 'gentech'")),
    Case("catalog/wrong_type_keywords.jsonl", expect=("line 2", "field 'keywords'")),
    Case("catalog/wrong_type_title.jsonl", expect=("line 1", "field 'title'")),
    Case("catalog/unknown_content_type.csv", expect=("row 1", "field 'content_type'", "Podcast")),
    Case("catalog/duplicate_ids.csv", expect=("row 3", "field 'asset_id'", "duplicate")),
    Case("catalog/missing_value.jsonl", expect=("line 2", "field 'title'")),
    Case("catalog/not_json.jsonl", expect=("line 2", "not valid JSON")),
    Case("catalog/not_an_object.jsonl", expect=("line 2", "JSON object")),
    Case("catalog/ragged_row.csv", expect=("row 1", "more cells")),
    Case("catalog/bad_palette.jsonl", expect=("line 1", "field 'palette'")),
    Case("catalog/unsupported.xlsx", expect=("unsupported file type",)),
    Case("catalog/prompt_injection.jsonl", verbatim="title"),
    Case("generated/catalog_1mb_title.csv", expect=("row 2", "field 'title'", f"{ONE_MB:,} characters")),
    Case("generated/catalog_1mb_title.jsonl", expect=("line 2", "field 'title'", f"{ONE_MB:,} characters")),
    Case("generated/catalog_1mb_keywords.jsonl", expect=("line 1", "field 'keywords'", "over the limit")),
    # ---- graph (a folder with nodes + relationships)
    Case("graph/empty_nodes", "nodes.csv", ("empty file",)),
    Case("graph/empty_relationships", "relationships.csv", ("empty file",)),
    Case("graph/non_utf8", "nodes.csv", ("not UTF-8", "byte 0xe9", "line 5")),
    Case("graph/missing_column", "nodes.csv", ("missing required column", "'label'")),
    Case("graph/missing_relationship_column", "relationships.csv", ("missing required column", "'weight'")),
    Case("graph/extra_column", "nodes.csv", ("unknown column", "'colour'")),
    Case("graph/extra_field_jsonl", "nodes.jsonl", ("line 2", "unknown field", "'colour'")),
    Case("graph/wrong_type_weight", "nodes.csv", ("row 4", "field 'weight'", "heavy")),
    Case("graph/wrong_type_props", "nodes.csv", ("row 4", "field 'props'")),
    Case("graph/dangling_edge", "relationships.csv", ("row 3", "field 'target'", "object:ghost")),
    Case("graph/duplicate_ids", "nodes.csv", ("row 4", "field 'id'", "duplicate")),
    Case("graph/duplicate_edge", "relationships.csv", ("row 3", "duplicate relationship")),
    Case("graph/unknown_label", "nodes.csv", ("row 4", "field 'label'", "Mood")),
    Case("graph/unknown_relationship", "relationships.csv", ("row 3", "field 'type'", "LOVES")),
    Case("graph/wrong_direction", "relationships.csv", ("row 1", "field 'type'")),
    Case("graph/cypher_injection", verbatim="name"),
    Case("generated/graph_1mb_name", "nodes.csv", ("row 2", "field 'name'", f"{ONE_MB:,} characters")),
    Case("generated/graph_1mb_props", "nodes.jsonl", ("line 1", "field 'props'", "over the limit")),
    # ---- targets
    Case("targets/empty.yaml", expect=("empty or not a mapping",)),
    Case("targets/not_a_mapping.yaml", expect=("not a mapping",)),
    Case("targets/not_yaml.yaml", expect=("not valid YAML", "line 1")),
    Case("targets/non_utf8.yaml", expect=("not UTF-8", "byte 0xe9", "line 24")),
    Case("targets/presence_often.yaml", expect=("keyword_positions.presence", "'often'")),
    Case("targets/non_numeric_bin.yaml", expect=("keyword_positions.bins.start[0]", "'zero'")),
    Case("targets/bin_out_of_order.yaml", expect=("keyword_positions.bins.middle",)),
    Case("targets/shares_not_summing.yaml", expect=("function_split.shares", "sum to 1")),
    Case("targets/negative_share.yaml", expect=("function_split.shares.Generate", "-0.2")),
    Case("targets/non_numeric_share.yaml", expect=("function_split.shares.Search", "'half'")),
    Case("targets/unknown_function.yaml", expect=("content_type_shares.per_function.Serch",)),
    Case("targets/unknown_content_type.yaml", expect=("content_type_shares.default.Podcast",)),
    Case("targets/missing_section.yaml", expect=("missing field keyword_positions",)),
    Case("targets/bucket_wrong_type.yaml", expect=("length_buckets.Search[1].min_words", "'three'")),
    Case("targets/bucket_fractional.yaml", expect=("length_buckets.Search[1].min_words", "2.5")),
    Case("targets/section_not_mapping.yaml", expect=("function_split", "expected a mapping")),
    Case("targets/reference_not_number.yaml", expect=("reference_sample.search_mean_words", "'seven'")),
    Case("generated/targets_1mb_provenance.yaml", expect=("function_split.provenance", f"{ONE_MB:,} characters")),
    # ---- golden sets
    Case("golden/empty.jsonl", expect=("no queries",)),
    Case("golden/non_utf8.jsonl", expect=("not UTF-8", "byte 0xe9", "byte offset", "line 2")),
    Case("golden/missing_field.jsonl", expect=(":2:", "'content_type'")),
    Case("golden/extra_field.jsonl", expect=(":2:", "'difficulty'")),
    Case("golden/wrong_type.jsonl", expect=(":2:", "field 'query'")),
    Case("golden/bad_function.jsonl", expect=(":2:", "field 'function'", "Delete")),
    Case("golden/bad_content_type.jsonl", expect=(":2:", "field 'content_type'", "Podcast")),
    Case("golden/duplicate_ids.jsonl", expect=(":2:", "field 'id'", "repeats line 1")),
    Case("golden/not_json.jsonl", expect=(":2:", "not valid JSON")),
    Case("golden/prompt_injection.jsonl", verbatim="query"),
    Case("generated/golden_1mb_query.jsonl", expect=("line 2", "field 'query'", f"{ONE_MB:,} characters")),
]

ERRORS: dict[str, type[Exception]] = {
    "catalog": CatalogError, "graph": GraphFileError, "targets": TargetsError, "golden": GoldenFormatError,
}


def _generate(name: str, folder: Path) -> Path:
    """Oversized inputs are written at test time (a 1 MB file does not belong in the repository)."""
    big = "x" * ONE_MB
    good = {"asset_id": "t1", "content_type": "Template", "title": "Birthday flyer", "keywords": ["party"],
            "gentech": False}
    folder.mkdir(parents=True, exist_ok=True)
    if name == "catalog_1mb_title.csv":
        path = folder / name
        path.write_text("asset_id,content_type,title,keywords,gentech\nt1,Template,Flyer,party,true\n"
                        f"t2,Template,{big},party,true\n", encoding="utf-8")
    elif name == "catalog_1mb_title.jsonl":
        path = folder / name
        path.write_text(json.dumps(good) + "\n" + json.dumps({**good, "asset_id": "t2", "title": big}) + "\n")
    elif name == "catalog_1mb_keywords.jsonl":
        path = folder / name  # many short strings: the list as a whole is the field
        path.write_text(json.dumps({**good, "keywords": ["word"] * (ONE_MB // 8)}) + "\n")
    elif name == "graph_1mb_name":
        path = folder
        (folder / "nodes.csv").write_text("id,label,name,content_type,weight,props\n"
                                          "style:a,Style,retro,,0.5,{}\n" f"style:b,Style,{big},,0.5,{{}}\n")
        (folder / "relationships.csv").write_text("source,type,target,weight\nstyle:a,SUITS,style:b,0.5\n")
    elif name == "graph_1mb_props":
        path = folder
        node = {"id": "style:a", "label": "Style", "name": "retro", "weight": 0.5, "props": {"blob": big}}
        (folder / "nodes.jsonl").write_text(json.dumps(node) + "\n")
        (folder / "relationships.jsonl").write_text(
            json.dumps({"source": "style:a", "type": "SUITS", "target": "style:a", "weight": 0.5}) + "\n")
    elif name == "targets_1mb_provenance.yaml":
        path = folder / name
        text = DEFAULT_TARGETS_PATH.read_text(encoding="utf-8")
        start = text.index('provenance: "', text.index("function_split:"))
        end = text.index("\n", start)
        path.write_text(text[:start] + f'provenance: "{big}"' + text[end:], encoding="utf-8")
    elif name == "golden_1mb_query.jsonl":
        path = folder / name
        row = {"id": "q1", "query": "cats", "function": "Search", "content_type": "Photo", "extracted_prompt": "cats"}
        path.write_text(json.dumps(row) + "\n" + json.dumps({**row, "id": "q2", "query": big}) + "\n")
    else:
        raise AssertionError(f"no generator for {name}")
    return path


def _locate(case: Case, tmp: Path) -> Path:
    if case.path.startswith("generated/"):
        name = case.path.removeprefix("generated/")
        return _generate(name, tmp / name.replace(".", "_"))
    return ROOT / case.path


def _graph_files(folder: Path) -> tuple[Path, Path]:
    (nodes,) = [p for p in folder.iterdir() if p.stem == "nodes"]
    (rels,) = [p for p in folder.iterdir() if p.stem == "relationships"]
    return nodes, rels


def _load(kind: str, path: Path) -> Any:
    if kind == "catalog":
        return load_catalog(path)
    if kind == "graph":
        return read_graph_files(*_graph_files(path))
    if kind == "targets":
        return load_targets(path)
    return load_golden(path)


def _raw_values(kind: str, path: Path, column: str) -> list[str]:
    """The column's values straight from the file, to compare with what the loader returns."""
    if kind == "graph":
        return pl.read_csv(_graph_files(path)[0], infer_schema=False)[column].to_list()
    return [json.loads(line)[column] for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def outcome(case: Case, tmp: Path) -> tuple[bool, str]:
    """(clear?, what happened) for one bad input."""
    path = _locate(case, tmp)
    named = str(path / case.names) if case.names else str(path)
    try:
        loaded = _load(case.kind, path)
    except ERRORS[case.kind] as exc:
        message = str(exc)
        missing = [f for f in (named, *case.expect) if f not in message]
        if case.verbatim is not None:
            return False, f"hostile but valid input rejected: {message[:300]}"
        if missing:
            return False, f"error lacks {missing}: {message[:300]}"
        if len(message) > MAX_MESSAGE_CHARS:
            return False, f"error of {len(message):,} characters echoes the input"
        return True, message
    except Exception as exc:  # noqa: BLE001 - any other exception is an unclear outcome
        return False, f"unclear {type(exc).__name__}: {str(exc)[:300]}"
    if case.verbatim is None:
        return False, "accepted silently"
    table = loaded[0] if case.kind == "graph" else loaded
    got = sorted(table[case.verbatim].to_list())
    want = sorted(_raw_values(case.kind, path, case.verbatim))
    return (got == want, "stored verbatim" if got == want else f"changed: {got} != {want}")


@pytest.mark.parametrize("case", CASES, ids=[c.path for c in CASES])
def test_bad_input_has_a_clear_outcome(case: Case, tmp_path: Path) -> None:
    clear, detail = outcome(case, tmp_path)
    assert clear, f"{case.path}: {detail}"


def test_share_of_clear_outcomes_is_total(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    results = {c.path: outcome(c, tmp_path / str(i)) for i, c in enumerate(CASES)}
    clear = sum(ok for ok, _ in results.values())
    with capsys.disabled():
        print(f"\nbad inputs: {clear}/{len(CASES)} clear outcomes ({100 * clear / len(CASES):.1f}%), "
              f"{sum(c.verbatim is not None for c in CASES)} of them hostile-but-valid inputs stored verbatim")
        for path, (ok, detail) in results.items():
            if not ok:
                print(f"  UNCLEAR {path}: {detail}")
    assert clear == len(CASES)


def test_every_corpus_file_has_a_case() -> None:
    covered = {c.path for c in CASES if not c.path.startswith("generated/")}
    files = {str(p.relative_to(ROOT)) for p in ROOT.rglob("*") if p.is_file()}
    owners = {f for f in files if f in covered or str(Path(f).parent) in covered}
    assert files == owners, f"corpus files without a case: {sorted(files - owners)}"
    assert all((ROOT / c).exists() for c in covered)


def test_the_field_limit_is_configurable(tmp_path: Path, monkeypatch: pytest.MonkeyPatch) -> None:
    path = tmp_path / "c.jsonl"
    path.write_text(json.dumps({"asset_id": "t1", "content_type": "Photo", "title": "y" * 50, "keywords": ["a"],
                                "gentech": True}) + "\n")
    assert load_catalog(path).height == 1
    with pytest.raises(CatalogError, match=r"line 1: field 'title': 50 characters, over the limit of 40"):
        load_catalog(path, max_chars=40)
    monkeypatch.setenv("RN_MAX_FIELD_CHARS", "40")
    with pytest.raises(CatalogError, match="over the limit of 40 "):
        load_catalog(path)
    monkeypatch.setenv("RN_MAX_FIELD_CHARS", str(DEFAULT_MAX_FIELD_CHARS))
    assert load_catalog(path).height == 1


# ---- Cypher injection through a real Bolt server ------------------------------------------------


@pytest.fixture(scope="module")
def bolt(tmp_path_factory: pytest.TempPathFactory) -> Iterator[BoltServer]:
    with running_bolt_server(str(tmp_path_factory.mktemp("falkordb"))) as server:
        yield server


def _query(server: BoltServer, cypher: str) -> list[dict[str, Any]]:
    with neo4j.GraphDatabase.driver(server.uri, auth=None, connection_timeout=5) as driver:
        return [r.data() for r in driver.execute_query(cypher).records]


def test_cypher_injection_names_are_stored_verbatim_through_parameters(bolt: BoltServer) -> None:
    nodes, edges = read_graph_files(*_graph_files(ROOT / "graph/cypher_injection"))
    kg = Neo4jGraphResource(uri=bolt.uri, **RESOURCE_KWARGS)
    kg.load(nodes, edges)
    kg.load(nodes, edges)  # twice: MERGE by id, so a spliced string would show up as damage here
    stored = _query(bolt, "MATCH (n) WHERE n.id IS NOT NULL AND n.name IS NOT NULL "
                          "RETURN n.id AS id, n.name AS name, n.props AS props")
    assert sorted((r["id"], r["name"], r["props"]) for r in stored) == sorted(
        zip(nodes["id"], nodes["name"], nodes["props"]))
    assert _query(bolt, "MATCH ()-[r]->() RETURN count(r) AS c")[0]["c"] == edges.height
    hostile = [n for n in nodes["name"] if any(tok in n for tok in ("DELETE", "SET", "CALL"))]
    assert len(hostile) >= 4  # the corpus really carries injection attempts
    assert kg.read_snapshot().content_hash == _snapshot_hash(nodes, edges)


def _snapshot_hash(nodes: pl.DataFrame, edges: pl.DataFrame) -> str:
    return KGSnapshot(nodes, edges).content_hash

