"""agent eval and agent bench run, on small inputs, and report what they measure."""

from __future__ import annotations

import json
import subprocess

from harness import evaluate
from support import REPO

ORIGINAL = REPO / "data" / "eval" / "original_cases.jsonl"
ROUTING = REPO / "data" / "eval" / "routing_dev.jsonl"


def test_routing_rows_become_cases():
    cases = evaluate.load_cases(ROUTING)
    assert len(cases) == 300
    with_id = next(c for c in cases if "173248" in c.turns[0]["user"])
    assert with_id.turns[0]["expect"] == {"route": ["order_status"], "tools": {"order_status": ["173248"]}}
    no_tool = next(c for c in cases if c.source == "clinc150:weather")
    assert no_tool.turns[0]["expect"] == {"route": [], "tools": {}, "outcome": "no_tool"}
    no_id = next(c for c in cases if c.source == "clinc150:order_status")
    assert no_id.turns[0]["expect"] == {"route": ["order_status"], "tools": {}, "outcome": "clarify"}


def test_evaluate_reports_every_measure_and_gates_on_accuracy(agents, tmp_path, capsys):
    agents.close()
    report = tmp_path / "report.json"
    code = evaluate.main(
        [str(ORIGINAL), str(ROUTING), "--limit", "12", "--json-out", str(report), "--min-accuracy", "0.5"]
    )
    assert code == 0
    printed = capsys.readouterr().out
    assert "routing accuracy" in printed and "confusion matrix" in printed
    metrics = json.loads(report.read_text())["metrics"]
    assert metrics["turns"] == 18
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
    assert evaluate.main([str(ORIGINAL), "--min-accuracy", "1.01"]) == 1


def test_a_recorded_run_replays_to_the_same_results(agents, tmp_path):
    agents.close()
    cassette, first, second = tmp_path / "cassette.json", tmp_path / "a.json", tmp_path / "b.json"
    assert evaluate.main([str(ORIGINAL), "--record", str(cassette), "--json-out", str(first)]) == 0
    assert evaluate.main([str(ORIGINAL), "--llm", f"replay:{cassette}", "--json-out", str(second)]) == 0
    recorded, replayed = json.loads(first.read_text()), json.loads(second.read_text())
    for key in ("routing_accuracy", "id_extraction_accuracy", "answer_check_pass_rate", "confusion_matrix"):
        assert recorded["metrics"][key] == replayed["metrics"][key]
    assert replayed["model"].startswith("replay:")


def test_bench_prints_its_tables_and_meets_the_call_targets(tmp_path):
    out = tmp_path / "bench.json"
    result = subprocess.run(
        [str(REPO / ".venv" / "bin" / "agent"), "bench", "--smoke", "--json-out", str(out)],
        capture_output=True,
        text=True,
        check=True,
        timeout=300,
    )
    assert "### Cold start per Lambda" in result.stdout and "### Prompt sizes" in result.stdout
    figures = json.loads(out.read_text())
    calls = {row["kind"]: (row["llm_calls"], row["original_llm_calls"]) for row in figures["turns"]}
    assert calls["no tool"] == (1, 2)
    assert calls["one tool"][0] == 2
    assert all(ours <= original for ours, original in calls.values())
    assert set(figures["cold_starts"]["functions"]) == {"fulfilment", "llm", "parse", "order_status", "return_status"}
    assert all(row["package_bytes"] < 100_000 for row in figures["cold_starts"]["functions"].values())
    assert figures["cold_starts"]["stepfunctions_client_ms"] > 0
    assert figures["prompts"]["planner"]["tokens"] < 1024  # Flan-UL2 reads 2,048 tokens


def test_the_documents_state_how_many_tools_fit_the_prompt_as_bench_computes_it():
    from harness import bench

    sizes = bench.prompt_sizes()
    fit = sizes["tools_that_fit"]
    growth = {row["tools"]: row["tokens"] for row in sizes["planner_growth"]}
    assert growth[16] < bench.FLAN_UL2_INPUT_TOKENS < growth[32]  # the figure lies between the table's rows
    readme = " ".join((REPO / "README.md").read_text().split())
    assert f"about {fit} tools fit Flan-UL2's 2,048-token input" in readme
    assert f"**{fit} tools** fit Flan-UL2's" in (REPO / "docs" / "performance.md").read_text()


def test_the_cost_document_is_what_the_model_computes():
    from harness import cost as cost_model

    assert (REPO / "docs" / "cost.md").read_text() == cost_model.render(*cost_model.measure()), "run `make cost`"


def test_the_cost_model_favours_this_design_on_model_calls():
    from harness import cost as cost_model

    ours, original = cost_model.measure()
    assert ours["no tool"].llm_calls == 1 and original["no tool"] == 2
    mix_calls = sum(cost_model.MIX[k] * ours[k].llm_calls for k in cost_model.MIX)
    assert mix_calls < sum(cost_model.MIX[k] * original[k] for k in cost_model.MIX)


def test_the_readme_quotes_the_cold_starts_performance_md_holds():
    import re

    performance = (REPO / "docs" / "performance.md").read_text().split("### Cold start per Lambda", 1)[1]
    readme = " ".join((REPO / "README.md").read_text().split())
    rows = dict(re.findall(r"^\| ([a-z_]+) \| (\d+) \| [\d,]+ \|$", performance, re.M))
    assert set(rows) == {"fulfilment", "llm", "parse", "order_status", "return_status"}
    for function, ms in rows.items():
        assert f"{function} {ms} ms" in readme, function
    (floor,) = re.findall(r"the fulfilment Lambda's floor\): (\d+) ms", performance)
    assert f"creating a Step Functions client alone takes {floor} ms" in readme
