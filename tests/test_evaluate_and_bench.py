"""agent eval and agent bench run, on small inputs, and report what they measure."""

from __future__ import annotations

import json

import pytest

from harness import evaluate
from harness.manifest import local_manifest
from support import REPO

ORIGINAL = REPO / "data" / "eval" / "original_cases.jsonl"
ROUTING = REPO / "data" / "eval" / "routing_dev.jsonl"


def test_routing_rows_become_cases():
    cases = evaluate.load_cases(ROUTING)
    assert len(cases) == 300
    with_id = next(c for c in cases if "173248" in c.turns[0]["user"])
    assert with_id.turns[0]["expect"] == {
        "route": ["order_status"],
        "tools": {"order_status": ["173248"]},
        "outcome": ["answered"],
    }
    no_tool = next(c for c in cases if c.source == "clinc150:weather")
    assert no_tool.turns[0]["expect"] == {"route": [], "tools": {}, "outcome": ["out_of_scope"]}
    greeting = next(c for c in cases if c.source == "clinc150:greeting")
    assert greeting.turns[0]["expect"] == {"route": [], "tools": {}, "outcome": ["small_talk"]}
    fee = next(c for c in cases if c.source == "bitext:check_cancellation_fee")
    assert fee.turns[0]["expect"] == {
        "route": ["knowledge_search"],
        "tools": {},
        "outcome": ["knowledge"],
        "sources": ["cancellation-fee"],
    }
    no_id = next(c for c in cases if c.source == "clinc150:order_status")
    assert no_id.turns[0]["expect"] == {"route": ["order_status"], "tools": {}, "outcome": ["clarify"]}


@pytest.fixture(scope="module")
def evaluated(agents, tmp_path_factory):
    """One small evaluation, recorded: the six original cases and the first six routing rows."""
    agents.close()
    folder = tmp_path_factory.mktemp("evaluated")
    cassette, report = folder / "cassette.json", folder / "report.json"
    arguments = [str(ORIGINAL), str(ROUTING), "--limit", "6", "--record", str(cassette), "--json-out", str(report)]
    assert evaluate.main([*arguments, "--min-accuracy", "0.5"]) == 0
    return json.loads(report.read_text()), cassette


def test_evaluate_reports_every_measure(evaluated, capsys):
    report, _ = evaluated
    metrics = report["metrics"]
    assert metrics["turns"] == 12
    assert metrics["routing_accuracy"] is not None and 0 <= metrics["routing_accuracy"] <= 1
    assert sum(sum(row.values()) for row in metrics["confusion_matrix"].values()) == metrics["counted_turns"]["routing"]
    assert set(metrics["routing_per_tool"]) >= {"order_status", "return_status", "no_tool"}
    for key in (
        "id_extraction_accuracy",
        "answer_check_pass_rate",
        "clarification_rate",
        "llm_calls_per_turn",
        "latency_ms",
    ):
        assert metrics[key] is not None, key
    assert metrics["answer_check_pass_rate"] == 1.0  # the six original cases
    per_dataset = report["per_dataset"]
    assert set(per_dataset) == {ORIGINAL.name, ROUTING.name}
    table = evaluate.render_per_dataset(per_dataset)
    routing = per_dataset[ROUTING.name]
    assert f"| {ROUTING.name} | 6 | {evaluate.percent(routing['routing_accuracy'])} " in table


def test_a_recorded_run_replays_to_the_same_results_and_the_gate_fails_below_its_bar(evaluated, tmp_path, capsys):
    recorded, cassette = evaluated
    replayed = tmp_path / "replayed.json"
    arguments = [
        str(ORIGINAL),
        str(ROUTING),
        "--limit",
        "6",
        "--llm",
        f"replay:{cassette}",
        "--json-out",
        str(replayed),
    ]
    assert evaluate.main([*arguments, "--min-accuracy", "1.01"]) == 1
    printed = capsys.readouterr()
    assert "routing accuracy" in printed.out and "confusion matrix" in printed.out
    assert "is below --min-accuracy 1.01" in printed.err
    replayed_report = json.loads(replayed.read_text())
    for key in ("routing_accuracy", "id_extraction_accuracy", "answer_check_pass_rate", "confusion_matrix"):
        assert recorded["metrics"][key] == replayed_report["metrics"][key]
    assert replayed_report["model"].startswith("replay:")


def test_bench_prints_its_tables_and_meets_the_call_targets(agents, tmp_path, capsys):
    from harness import bench

    agents.close()
    out = tmp_path / "bench.json"
    assert bench.main(["--smoke", "--json-out", str(out)]) == 0
    printed = capsys.readouterr().out
    assert "### Cold start per Lambda" in printed and "### Prompt sizes" in printed
    figures = json.loads(out.read_text())
    calls = {row["kind"]: (row["llm_calls"], row["original_llm_calls"]) for row in figures["turns"]}
    assert calls["out of scope"] == (1, 2) and calls["small talk"][0] == 1 and calls["handoff"][0] == 1
    assert calls["one tool"][0] == 2 and calls["policy"][0] <= 2
    assert all(ours <= original for ours, original in calls.values())
    assert set(figures["cold_starts"]["functions"]) == set(local_manifest()["function_names"])
    assert all(row["package_bytes"] < 100_000 for row in figures["cold_starts"]["functions"].values())
    assert figures["cold_starts"]["stepfunctions_client_ms"] > 0
    assert figures["prompts"]["planner_longest"]["tokens"] < 2048  # Flan-UL2 reads 2,048 tokens
    assert figures["prompts"]["interpreter_longest"]["tokens"] < 2048
    found = figures["knowledge"]
    assert found["entries"] == len(list((REPO / "knowledge").glob("*.md"))) - 1  # all but the README
    assert found["index_bytes"] > found["markdown_bytes"] > 0 and found["build_ms"] > 0
    assert figures["prompts"]["planner_longest"]["chars"] > figures["prompts"]["planner"]["chars"] + 1400


def test_the_tools_that_fit_figure_lies_between_the_growth_rows():
    from harness import bench

    sizes = bench.prompt_sizes()
    growth = {row["tools"]: row["tokens"] for row in sizes["planner_growth"]}
    fit = sizes["tools_that_fit"]
    assert sizes["planner"]["tokens"] < bench.FLAN_UL2_INPUT_TOKENS  # it fits today
    below = [tools for tools, tokens in growth.items() if tokens <= bench.FLAN_UL2_INPUT_TOKENS]
    above = [tools for tools, tokens in growth.items() if tokens > bench.FLAN_UL2_INPUT_TOKENS]
    assert max(below, default=0) <= fit < min(above, default=fit + 1)


@pytest.fixture(scope="module")
def measured(agents):
    from harness import cost as cost_model

    agents.close()
    return cost_model.measure()


def test_the_cost_document_is_what_the_model_computes(measured):
    from harness import cost as cost_model

    assert (REPO / "docs" / "cost.md").read_text() == cost_model.render(*measured), "run `make cost`"


def test_the_cost_model_favours_this_design_on_model_calls(measured):
    from harness import cost as cost_model

    ours, original, _ = measured
    assert ours["out of scope"].llm_calls == 1 and original["out of scope"] == 2
    mix_calls = sum(cost_model.MIX[k] * ours[k].llm_calls for k in cost_model.MIX)
    assert mix_calls < sum(cost_model.MIX[k] * original[k] for k in cost_model.MIX)


def test_performance_md_and_its_figures_are_one_run():
    """docs/performance.md is the rendering of docs/performance.json (make bench-docs writes both); the
    README and docs/evaluation.md quote the JSON through generated sections."""
    from harness import bench

    figures = json.loads((REPO / "docs" / "performance.json").read_text())
    assert bench.render(figures) in (REPO / "docs" / "performance.md").read_text()
    assert set(figures["cold_starts"]["functions"]) == set(local_manifest()["function_names"])


def test_the_first_run_records_what_pytest_said():
    from harness import bench

    quiet = "....\n2 failed, 962 passed, 1 skipped, 2 warnings in 148.97s (0:02:28)\nmake: *** Error 1\n"
    verbose = "== 966 passed, 1 skipped in 143.80s (0:02:23) ==\nmake[1]: Leaving directory '/tmp/x'\n"
    assert bench.pytest_summary(quiet) == "2 failed, 962 passed, 1 skipped, 2 warnings"
    assert bench.pytest_summary(verbose) == "966 passed, 1 skipped"
    assert bench.pytest_summary("make: *** No rule to make target 'test'.\n") == ""


def test_make_demo_shows_a_policy_answer_with_its_source_small_talk_and_a_handoff(agents, tmp_path):
    """`make demo`'s second part: every expectation of data/eval/demo.jsonl holds offline."""
    demo = REPO / "data" / "eval" / "demo.jsonl"
    assert f"chat --conversations {demo.relative_to(REPO)}" in (REPO / "Makefile").read_text()
    agents.close()
    report = tmp_path / "runs" / "demo.json"  # a folder that does not exist yet, as .local/runs on a fresh clone
    assert evaluate.main([str(demo), "--json-out", str(report)]) == 0
    result = json.loads(report.read_text())
    assert result["failed"] == []
    kinds = result["metrics"]["reply_kinds"]
    assert {"knowledge", "small_talk", "handoff", "answered"} <= set(kinds)
