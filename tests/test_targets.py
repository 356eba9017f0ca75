import copy

import pytest
import yaml

from routenator_dagster.targets import DEFAULT_TARGETS_PATH, TargetsError, load_targets, parse_targets


def _raw():
    return yaml.safe_load(DEFAULT_TARGETS_PATH.read_text())


def test_shipped_targets_are_consistent():
    t = load_targets()
    assert abs(sum(t.cell_shares().values()) - 1.0) < 1e-9
    assert t.max_words("Generate") == 40
    # The paper's Search bound of 10 words holds for all but the declared chatty tail, which is
    # thick enough that long queries are not all Generate (heuristic_targets.yaml, minority).
    tail = sum(b.share for b in t.length_buckets["Search"] if b.max_words > 10)
    assert 0 < tail <= 0.15
    assert t.bucket_for("Search", 4) == "s_3_4"
    assert t.bucket_for("Search", 26) is None


def test_shares_must_sum_to_one_and_name_the_field():
    raw = _raw()
    raw["function_split"]["shares"]["Search"] = 0.9
    with pytest.raises(TargetsError, match=r"function_split\.shares"):
        parse_targets(raw, "x.yaml")


def test_unknown_content_type_is_named():
    raw = _raw()
    raw["content_type_shares"]["default"]["Podcast"] = raw["content_type_shares"]["default"].pop("Any")
    with pytest.raises(TargetsError, match="Podcast"):
        parse_targets(raw, "x.yaml")


def test_overlapping_buckets_rejected():
    raw = copy.deepcopy(_raw())
    raw["length_buckets"]["Search"][1]["min_words"] = 2
    with pytest.raises(TargetsError, match="overlap"):
        parse_targets(raw, "x.yaml")


def test_missing_file_and_bad_yaml(tmp_path):
    with pytest.raises(TargetsError, match="not found"):
        load_targets(tmp_path / "nope.yaml")
    bad = tmp_path / "bad.yaml"
    bad.write_bytes(b"\xff\xfe: [")
    with pytest.raises(TargetsError, match="bad.yaml"):
        load_targets(bad)


def test_rounded_published_shares_survive_a_json_round_trip():
    import json

    raw = json.loads(json.dumps(_raw(), sort_keys=True))
    t = parse_targets(raw, "roundtrip")
    assert abs(sum(t.content_type_shares["Search"].values()) - 1.0) < 1e-12
