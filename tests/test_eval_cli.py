"""End to end: materialize sft_dataset -> proxy_model -> evaluation_report, then `routenator eval`."""

from __future__ import annotations

import json
from pathlib import Path

import dagster as dg
import polars as pl
import pytest

from assets.evaluation import (
    dataset_variants,
    evaluation_report,
    proxy_beats_keyword_baseline,
    router_beats_paper_baseline,
    variant_comparison,
)
from assets.training import TINY_LOCAL, proxy_model, qlora_adapter, sft_dataset
from resources.storage import PolarsParquetIOManager
from resources.tracking import WandbResource
from routenator_dagster.cli import main
from routenator_dagster.schema import SYNTHETIC_SCHEMA, conform
from tests.test_proxy_model import synthetic_frame


def _filtered(n: int) -> pl.DataFrame:
    df = synthetic_frame(n, seed=11).with_row_index("i")
    df = df.with_columns(
        pl.format("r{}", pl.col("i")).alias("request_id"),
        pl.when(pl.col("i") % 4 == 0).then(pl.lit("text_llm")).otherwise(pl.lit("heuristic")).alias("route"),
        pl.lit("short").alias("length_bucket"),
        pl.lit("ok").alias("status"),
    )
    return conform(df, SYNTHETIC_SCHEMA)


@dg.asset(name="filtered_dataset")
def _stub_filtered() -> pl.DataFrame:
    return _filtered(700)


@pytest.fixture(scope="module")
def home(tmp_path_factory: pytest.TempPathFactory) -> Path:
    mp = pytest.MonkeyPatch()
    h = tmp_path_factory.mktemp("home")
    mp.setenv("RN_HOME", str(h))
    mp.setenv("HF_HUB_OFFLINE", "1")
    res = {"io_manager": PolarsParquetIOManager(base_dir=str(h)), "wandb": WandbResource(mode="disabled")}
    # held-out rows of the same kind as the training data: there the proxy must beat the floor
    golden = h / "heldout.jsonl"
    golden.write_text("\n".join(json.dumps(r) for r in synthetic_frame(150, seed=77).iter_rows(named=True)) + "\n")
    result = dg.materialize(
        [_stub_filtered, sft_dataset, proxy_model, evaluation_report, proxy_beats_keyword_baseline],
        resources=res,
        run_config={"ops": {"evaluation_report": {"config": {"golden_path": str(golden)}}}},
    )
    assert result.success
    checks = result.get_asset_check_evaluations()
    assert len(checks) == 1 and checks[0].passed, checks
    yield h
    mp.undo()


def test_assets_write_their_files(home: Path) -> None:
    assert (home / "sft" / "train.jsonl").is_file() and (home / "sft" / "hf_dataset" / "dataset_dict.json").is_file()
    report = json.loads((home / "reports" / "evaluation.json").read_text())
    assert set(report["variants"]) == {"keyword", "proxy"}
    assert report["tests"]["proxy"]["mcnemar_function"]["method"] in ("exact binomial", "chi-square with continuity correction")
    assert (home / "reports" / "evaluation_confusion.png").is_file()
    assert (home / "models" / "proxy" / "meta.json").is_file()


def test_floor_check_fails_when_the_proxy_is_worse() -> None:
    def variant(f1: float, cta: float) -> dict:
        return {"function_f1": f1, "content_type_accuracy": cta, "subprompt_similarity": 0.5}

    report = {"variants": {"proxy": variant(0.6, 0.9), "keyword": variant(0.7, 0.5)},
              "tests": {"proxy": {"mcnemar_function": {"pvalue": 0.2}}}}
    res = proxy_beats_keyword_baseline(report)
    assert not res.passed and res.metadata["function_f1_delta"].value == pytest.approx(-0.1)
    report["variants"]["proxy"] = variant(0.8, 0.9)
    assert proxy_beats_keyword_baseline(report).passed


def test_eval_cli_scores_the_last_trained_proxy(home: Path, capsys: pytest.CaptureFixture[str]) -> None:
    assert main(["eval", "--home", str(home)]) == 0
    out = json.loads(capsys.readouterr().out)
    for key in ("n", "function_f1", "content_type_accuracy", "subprompt_similarity", "invalid_rate", "per_content_type"):
        assert key in out
    assert out["n"] >= 160 and out["invalid_rate"] == 0.0
    assert 0.0 <= out["function_f1"] <= 1.0 and "Photo" in out["per_content_type"]


def test_eval_cli_keyword_on_a_custom_golden_file(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    g = tmp_path / "g.jsonl"
    rows = [
        {"query": "create a logo for Mia's bakery", "function": "Generate", "content_type": "Template", "extracted_prompt": "logo for Mia's bakery"},
        {"query": "cat photos", "function": "Search", "content_type": "Photo", "extracted_prompt": "cat"},
        {"query": "make a birthday card", "function": "Search", "content_type": "Template", "extracted_prompt": "birthday card"},
    ]
    g.write_text("\n".join(json.dumps(r) for r in rows) + "\n")
    assert main(["eval", "--golden", str(g), "--model", "keyword"]) == 0
    out = json.loads(capsys.readouterr().out)
    # keyword floor: "create" -> Generate, Any ("logo" is no type word); "cat photos" -> Search, Photo;
    # "make a birthday card" -> Generate (the verb), Any. So CTA 1/3; F1 per class 2/3.
    assert out["n"] == 3
    assert out["content_type_accuracy"] == pytest.approx(1 / 3)
    assert out["function_f1"] == pytest.approx((2 / 3 + 2 / 3) / 2)


def test_eval_cli_errors_are_clear(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    bad = tmp_path / "bad.jsonl"
    bad.write_text('{"query": "x", "function": "Find", "content_type": "Photo", "extracted_prompt": "x"}\n')
    assert main(["eval", "--golden", str(bad), "--model", "keyword"]) == 2
    assert f"{bad}:1: field 'function'" in capsys.readouterr().err
    assert main(["eval", "--model", "proxy", "--home", str(tmp_path / "empty")]) == 2
    assert "no trained proxy model" in capsys.readouterr().err
    assert main(["eval", "--model", "gpt:foo"]) == 2


@dg.asset(name="paper_baseline_dataset")
def _stub_paper_baseline() -> pl.DataFrame:
    from routenator_dagster.paper_baseline import generate_paper_baseline
    from tests.generation_fixtures import catalog, kg_edges, kg_nodes

    return generate_paper_baseline(kg_nodes(), kg_edges(), catalog(), 900, seed=3)


def test_dataset_variants_are_equal_sized_and_named() -> None:
    router = _filtered(400)
    base = _stub_paper_baseline()
    variants, notes = dataset_variants(router, base, min_rows=50, seed=1)
    assert list(variants) == ["paper_3_1", "router", "router_heuristic_only", "router_llm_only"]
    assert {v.height for v in variants.values()} == {100}  # the LLM-only rows (every 4th) set the size
    assert set(variants["router_llm_only"]["route"]) == {"text_llm"} and "text_llm" not in set(variants["router_heuristic_only"]["route"])
    assert variants["router"].equals(dataset_variants(router, base, 50, seed=1)[0]["router"])  # seeded cut
    no_llm = router.filter(pl.col("route") == "heuristic")
    variants, notes = dataset_variants(no_llm, base, min_rows=50, seed=1)
    assert list(variants) == ["paper_3_1", "router"] and any("no LLM-route rows" in n for n in notes)
    assert variants["paper_3_1"].height == variants["router"].height == no_llm.height


def test_router_check_warns_when_the_baseline_wins() -> None:
    def v(f1: float) -> dict:
        return {"function_f1": f1, "content_type_accuracy": 0.5, "subprompt_similarity": 0.5}

    report = {"variants": {"paper_3_1": v(0.7), "router": v(0.6)},
              "tests": {"router": {"mcnemar_function": {"pvalue": 0.03}, "paired_t_similarity": {"pvalue": 0.4}}}}
    res = router_beats_paper_baseline(report)
    assert not res.passed and res.severity == dg.AssetCheckSeverity.WARN
    assert res.metadata["function_f1_delta"].value == pytest.approx(-0.1)
    report["variants"]["router"] = v(0.8)
    assert router_beats_paper_baseline(report).passed


def test_variant_comparison_and_tiny_qlora_materialize(home: Path) -> None:
    res = {"io_manager": PolarsParquetIOManager(base_dir=str(home)), "wandb": WandbResource(mode="disabled")}
    result = dg.materialize(
        [_stub_filtered.to_source_asset(), _stub_paper_baseline, sft_dataset.to_source_asset(), variant_comparison,
         router_beats_paper_baseline, qlora_adapter],
        resources=res,
        selection=dg.AssetSelection.assets(_stub_paper_baseline, variant_comparison),
        run_config={"ops": {"variant_comparison": {"config": {"use_embeddings": False}}}},
    )
    assert result.success
    out = result.output_for_node("variant_comparison")
    assert out["reference"] == "paper_3_1"
    assert set(out["variants"]) == {"paper_3_1", "router", "router_heuristic_only", "router_llm_only"}
    assert "McNemar" in out["table"] and set(out["tests"]) == {"router", "router_heuristic_only", "router_llm_only"}
    assert len(set(out["variant_rows"].values())) == 1  # a fair comparison: equal training sizes
    assert out["variant_rows"]["router"] == 700 // 4  # cut to the LLM-only rows
    for t in out["tests"].values():
        assert 0.0 <= t["mcnemar_function"]["pvalue"] <= 1.0 and "pvalue" in t["paired_t_similarity"]
    saved = json.loads((home / "reports" / "variant_comparison.json").read_text())
    assert saved["reference"] == "paper_3_1" and saved["train_rows"] == out["train_rows"]
    checks = result.get_asset_check_evaluations()
    assert [c.check_name for c in checks] == ["router_beats_paper_baseline"] and checks[0].severity == dg.AssetCheckSeverity.WARN
    result = dg.materialize(
        [sft_dataset.to_source_asset(), qlora_adapter],
        resources=res,
        partition_key=TINY_LOCAL,
        run_config={"ops": {"qlora_adapter": {"config": {"max_steps": 1, "max_train_rows": 8}}}},
    )
    assert result.success
    metrics = result.output_for_node("qlora_adapter")
    assert metrics["global_step"] == 1 and (Path(metrics["adapter_path"]) / "adapter_config.json").is_file()


def _openai_double() -> tuple[str, list[dict], object]:
    """A minimal OpenAI chat-completions server on 127.0.0.1 (stands in for vLLM)."""
    import threading
    from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer

    seen: list[dict] = []

    class Handler(BaseHTTPRequestHandler):
        def do_POST(self) -> None:  # noqa: N802 (http.server's naming)
            body = json.loads(self.rfile.read(int(self.headers["Content-Length"])))
            seen.append({"path": self.path, **body})
            query = body["messages"][-1]["content"]
            call = f'Search(content_type="Photo", extracted_prompt="{query}")' if "photo" in query else "I cannot help"
            payload = json.dumps({
                "id": "x", "object": "chat.completion", "created": 0, "model": body["model"],
                "choices": [{"index": 0, "message": {"role": "assistant", "content": call}, "finish_reason": "stop"}],
                "usage": {"prompt_tokens": 1, "completion_tokens": 1, "total_tokens": 2},
            }).encode()
            self.send_response(200)
            self.send_header("Content-Type", "application/json")
            self.send_header("Content-Length", str(len(payload)))
            self.end_headers()
            self.wfile.write(payload)

        def log_message(self, *args: object) -> None:
            return None

    server = ThreadingHTTPServer(("127.0.0.1", 0), Handler)
    threading.Thread(target=server.serve_forever, daemon=True).start()
    return f"http://127.0.0.1:{server.server_address[1]}/v1", seen, server


def test_eval_cli_openai_spec_picks_the_adapter_by_model_name(tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    url, seen, server = _openai_double()
    g = tmp_path / "g.jsonl"
    g.write_text(
        json.dumps({"query": "cat photo", "function": "Search", "content_type": "Photo", "extracted_prompt": "cat photo"}) + "\n"
        + json.dumps({"query": "logo for Mia", "function": "Generate", "content_type": "Template", "extracted_prompt": "logo for Mia"}) + "\n"
    )
    try:
        assert main(["eval", "--golden", str(g), "--model", f"openai:{url}#routenator-qwen-lora"]) == 0
    finally:
        server.shutdown()
    out = json.loads(capsys.readouterr().out)
    assert out["invalid_rate"] == pytest.approx(0.5)  # "I cannot help" is no call
    assert out["content_type_accuracy"] == pytest.approx(0.5)
    assert {s["model"] for s in seen} == {"routenator-qwen-lora"} and all(s["path"].endswith("/chat/completions") for s in seen)
    assert seen[0]["messages"][0]["role"] == "system" and seen[0]["temperature"] == pytest.approx(0.3)
    assert seen[0]["top_k"] == 50 and seen[0]["seed"] == 42


def test_eval_cli_hf_spec_runs_the_local_model(home: Path, tmp_path: Path, capsys: pytest.CaptureFixture[str]) -> None:
    tiny = home / "models" / TINY_LOCAL  # built by the qlora_adapter materialization above
    if not (tiny / "config.json").is_file():
        from routenator_dagster.training.tiny_model import build_tiny_model

        build_tiny_model(tiny)
    g = tmp_path / "g.jsonl"
    g.write_text(json.dumps({"query": "cat photo", "function": "Search", "content_type": "Photo", "extracted_prompt": "cat"}) + "\n")
    assert main(["eval", "--golden", str(g), "--model", f"hf:{tiny}"]) == 0
    out = json.loads(capsys.readouterr().out)
    assert out["n"] == 1 and out["invalid_rate"] == 1.0 and out["function_f1"] == 0.0  # an untrained model emits no call


def test_adapter_evaluation_scores_vanilla_against_fine_tuned(home: Path) -> None:
    """The finetune job's last step: the tiny model before and after its adapter, on the golden set."""
    from assets.evaluation import adapter_beats_vanilla, adapter_evaluation

    res = {"io_manager": PolarsParquetIOManager(base_dir=str(home)), "wandb": WandbResource(mode="disabled")}
    result = dg.materialize(
        [sft_dataset.to_source_asset(), qlora_adapter, adapter_evaluation, adapter_beats_vanilla],
        resources=res,
        partition_key=TINY_LOCAL,
        run_config={"ops": {
            "qlora_adapter": {"config": {"max_steps": 1, "max_train_rows": 8}},
            "adapter_evaluation": {"config": {"max_queries": 6}},
        }},
    )
    assert result.success
    out = result.output_for_node("adapter_evaluation")
    assert out["reference"] == "vanilla" and set(out["variants"]) == {"vanilla", "fine_tuned"}
    for v in out["variants"].values():
        assert v["n"] == 6 and 0.0 <= v["invalid_rate"] <= 1.0 and 0.0 <= v["function_f1"] <= 1.0
    assert 0.0 <= out["tests"]["fine_tuned"]["mcnemar_function"]["pvalue"] <= 1.0
    saved = json.loads((home / "reports" / "adapters" / f"{TINY_LOCAL}.json").read_text())
    assert saved["base_model"] == TINY_LOCAL and saved["variants"] == json.loads(json.dumps(out["variants"]))
    [check] = result.get_asset_check_evaluations()
    assert check.check_name == "adapter_beats_vanilla" and check.severity == dg.AssetCheckSeverity.WARN


def _free_port() -> int:
    import socket

    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return s.getsockname()[1]


def test_eval_cli_fails_when_nothing_listens(capsys: pytest.CaptureFixture[str]) -> None:
    code = main(["eval", "--model", f"openai:http://127.0.0.1:{_free_port()}/v1#m"])
    captured = capsys.readouterr()
    assert code == 1 and captured.out == ""  # no scores printed for work that did not happen
    assert "161 of 161 requests got no answer" in captured.err.splitlines()[-1]


def test_eval_cli_fails_on_a_wrong_api_key(monkeypatch: pytest.MonkeyPatch, tmp_path: Path,
                                           capsys: pytest.CaptureFixture[str]) -> None:
    from tests.openai_test_server import OpenAITestServer, ServerConfig

    g = tmp_path / "g.jsonl"
    g.write_text(json.dumps({"query": "cat photo", "function": "Search", "content_type": "Photo", "extracted_prompt": "cat"}) + "\n")
    monkeypatch.setenv("VLLM_API_KEY", "wrong-key-marker")
    with OpenAITestServer(ServerConfig(api_key="right-key")) as srv:
        code = main(["eval", "--golden", str(g), "--model", f"openai:{srv.url}#m"])
    captured = capsys.readouterr()
    assert code == 1 and captured.out == ""
    last = captured.err.splitlines()[-1]
    assert srv.url in last and "HTTP 401" in last
    assert "wrong-key-marker" not in captured.err
