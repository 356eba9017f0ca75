"""Real-typing marks on heuristic queries (slang, emoji, questions, foreign greetings, lowercase)
at the rates of heuristic_targets.yaml; prompts stay clean and the label checks accept them."""

from __future__ import annotations

import re

import polars as pl
import pytest

from routenator_dagster.batching import build_batches
from routenator_dagster.catalog_builder import build_seed_catalog
from routenator_dagster.filtering import label_checks, normalize
from routenator_dagster.generation_context import GenerationContext
from routenator_dagster.kg_files import read_seed_graph
from routenator_dagster.router import build_routing_plan
from routenator_dagster.routes import heuristic_targets as HT
from routenator_dagster.routes import vocabulary as V
from routenator_dagster.routes.heuristic import run_heuristic_batch
from routenator_dagster.targets import load_targets
from tests._filtering_rows import frame, row

N = 12_000
_SLANG = re.compile(r"(?<![\w/])(" + "|".join(re.escape(k) for k in V.SLANG if k not in ("pls", "plz", "thx", "u", "pic", "pics"))
                    + r")(?![\w/])")


@pytest.fixture(scope="module")
def ok():
    targets = load_targets()
    nodes, edges = read_seed_graph()
    ctx = GenerationContext.from_tables(nodes, edges, build_seed_catalog(nodes, edges, n_assets=1500)).with_keyword_targets(
        targets.keyword_presence, targets.keyword_positions)
    plan, _ = build_routing_plan(targets, N, {"heuristic": 1.0}, {"heuristic"}, seed=31)
    out = run_heuristic_batch(build_batches(plan, ctx, seed=31, targets=targets), ctx, workers=1)
    return out.filter(pl.col("status") == "ok")


def test_marks_of_real_typing_at_their_rates(ok):
    rates = HT.load().surface
    q = ok["query"]
    emoji = q.str.contains("|".join(V.EMOJI)).mean()
    greet = q.str.contains(r"^(?:" + "|".join(V.FOREIGN_GREETINGS) + r"),").mean()
    slang = q.map_elements(lambda x: bool(_SLANG.search(x)), return_dtype=pl.Boolean).mean()
    lower = (q == q.str.to_lowercase()).mean()
    asks = q.str.ends_with("?").mean()
    assert rates["emoji"] * 0.6 < emoji < rates["emoji"] * 1.5
    english = q.str.contains(r"(?i)^(?:hi|hey|hello|hiya)\b[!,]?\s").mean()
    assert greet > 0 and abs(greet / (greet + english) - rates["foreign_greeting"]) < 0.1
    assert rates["slang"] * 0.4 < slang < rates["slang"] * 1.5
    assert rates["all_lowercase"] - 0.15 < lower < rates["all_lowercase"] + 0.05
    assert asks > rates["question"]


def test_prompts_stay_clean_and_pass_the_label_checks(ok):
    slangy = ok.filter(pl.col("query").map_elements(lambda x: bool(_SLANG.search(x)), return_dtype=pl.Boolean))
    assert slangy.height > 100
    # slang the surface step added is in the query only: the prompt has the clean form
    added = slangy.filter(~pl.col("raw_output").map_elements(lambda x: bool(_SLANG.search(x)), return_dtype=pl.Boolean))
    assert added.height > 100
    assert not added["extracted_prompt"].map_elements(lambda x: bool(_SLANG.search(x)), return_dtype=pl.Boolean).any()
    work = normalize.add_text_columns(slangy.with_row_index("_row").with_columns(pl.col("_row").cast(pl.Int64)))
    bad = label_checks.label_reasons(work)
    assert bad.filter(pl.col("reason") == "prompt_not_grounded").height < 0.01 * slangy.height


@pytest.mark.parametrize("query,prompt,ct", [
    ("ig post for my bakery", "instagram post bakery", "Template"),
    ("bday bg pls", "birthday background", "Background"),
    ("xmas pics of my dog", "christmas dog", "Photo"),
    ("hbd sam lettering", "happy birthday sam lettering", "Text"),
])
def test_label_checks_accept_slang_with_clean_prompts(query, prompt, ct):
    rows = frame([row("s1", query, "Search", ct, prompt)])
    work = normalize.add_text_columns(rows.with_row_index("_row").with_columns(pl.col("_row").cast(pl.Int64)))
    assert label_checks.label_reasons(work).height == 0
