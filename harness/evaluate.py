"""Measure the agent: routing, ids, answers, clarifications, LLM calls and latency.

  agent eval DATASET.jsonl [DATASET.jsonl ...] [--llm offline|replay:PATH|sagemaker:ENDPOINT|bedrock:MODEL_ID]
              [--record CASSETTE.json] [--min-accuracy 0.9] [--json-out report.json] [--limit N]

Each conversation runs in its own session through the local runtime (the real state machine and
handlers). Datasets are JSONL in either format of data/eval/README.md: conversations with expected
routes, lookups and answer checks, or the labelled routing rows of routing_dev.jsonl. With
``--llm sagemaker:ENDPOINT --record PATH`` every prompt and response is written to a cassette, so a
team records once against its endpoint and then runs the same evaluation offline with
``--llm replay:PATH``.

Exit status 1 when routing accuracy is below ``--min-accuracy``.
"""

from __future__ import annotations

import argparse
import json
import re
import statistics
import sys
from collections import Counter, defaultdict
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from typing import Any

from harness.expectations import acceptable, lookups, problems
from harness.paths import DATA_DIR
from harness.runtime import LocalAgent, add_local_agent_options

NO_TOOL = "no_tool"


@dataclass
class Case:
    id: str
    source: str
    turns: list[dict[str, Any]]
    dataset: str = ""
    history: list[dict[str, str]] = field(default_factory=list)  # remembered turns the session starts with
    tool_results: list[dict[str, Any]] = field(default_factory=list)  # recorded lookups (a traced turn's)


def load_cases(path: Path) -> list[Case]:
    cases = []
    for number, line in enumerate(path.read_text(encoding="utf-8").splitlines(), start=1):
        if not line.strip():
            continue
        row = json.loads(line)
        if "turns" in row:
            cases.append(
                Case(
                    row["id"],
                    row.get("source", path.name),
                    row["turns"],
                    path.name,
                    history=row.get("history") or [],
                    tool_results=row.get("tool_results") or [],
                )
            )
        elif "expected_tool" in row:
            cases.append(_routing_case(row, f"{path.stem}-{number}", path.name))
        else:
            raise SystemExit(f"{path}:{number}: neither a conversation (turns) nor a routing row (expected_tool)")
    return cases


INTENTS_PATH = DATA_DIR / "eval" / "intent_kinds.json"


@cache
def intents() -> dict[str, dict[str, Any]]:
    return json.loads(INTENTS_PATH.read_text(encoding="utf-8"))["intents"]


def intent_of(source: str) -> dict[str, Any]:
    """The reply a routing row's intent should get (data/eval/intent_kinds.json; "clinc150:*" for the rest)."""
    found = intents().get(source) or intents().get(f"{source.partition(':')[0]}:*")
    if found is None:
        raise SystemExit(f"{INTENTS_PATH}: no reply kind for intent {source!r}")
    return found


def _routing_case(row: dict[str, Any], case_id: str, dataset: str = "") -> Case:
    """A routing_dev.jsonl row as a one-turn conversation (data/eval/README.md, "routing rows" and
    "reply kinds")."""
    intent = intent_of(row.get("source", ""))
    expect: dict[str, Any]
    if intent.get("order_lookup") or (row["expected_tool"] == "order_status" and "with_order" not in intent):
        expect = {"route": ["order_status"]}
        if row.get("has_id"):
            # The data set's own definition, not the registry's pattern: its builder replaced every run of six
            # or more digits with a six-digit id (routing_dev.README.md, "Order ids in Bitext rows").
            ids = sorted(set(re.findall(r"(?<![0-9])[0-9]{6}(?![0-9])", row["text"])))
            expect.update(tools={"order_status": ids}, outcome=["answered"])
        else:
            expect.update(tools={}, outcome=["clarify"])
    else:
        chosen = intent["with_order"] if row["expected_tool"] == "order_status" and "with_order" in intent else intent
        expect = {"tools": {}, "outcome": chosen["outcome"]}
        if chosen.get("route") is not None:
            expect["route"] = chosen["route"]
        if chosen.get("sources"):
            expect["sources"] = chosen["sources"]
    return Case(case_id, row.get("source", ""), [{"user": row["text"], "expect": expect}], dataset)


def reply_kind(summary: dict[str, Any]) -> str:
    """The kind of reply the user got: the turn's outcome, except that a knowledge search that found
    nothing declines the question (it says so and offers a person), like ``out_of_scope``."""
    if summary["outcome"] == "knowledge" and not summary.get("sources"):
        return "out_of_scope"
    return str(summary["outcome"])


def route_of(expect: dict[str, Any]) -> list[str] | None:
    if "route" in expect:
        return sorted(expect["route"])
    if "tools" in expect:
        return sorted(expect["tools"])
    return None


def label(tools: list[str]) -> str:
    return "+".join(sorted(tools)) or NO_TOOL


@dataclass
class Report:
    turns: int = 0
    routed: int = 0
    routed_right: int = 0
    confusion: dict[str, Counter] = field(default_factory=lambda: defaultdict(Counter))
    tool_counts: dict[str, Counter] = field(default_factory=lambda: defaultdict(Counter))
    id_turns: int = 0
    id_right: int = 0
    answer_turns: int = 0
    answer_right: int = 0
    outcome_turns: int = 0
    outcome_right: int = 0
    kinds: dict[str, Counter] = field(default_factory=lambda: defaultdict(Counter))  # expected kind: right, turns
    source_turns: int = 0
    source_right: int = 0
    clarifications: int = 0
    llm_calls: list[int] = field(default_factory=list)
    iterations: list[int] = field(default_factory=list)
    latency_ms: list[int] = field(default_factory=list)
    failed: list[dict[str, Any]] = field(default_factory=list)

    def add(self, case: Case, expect: dict[str, Any], summary: dict[str, Any]) -> None:
        self.turns += 1
        self.llm_calls.append(summary["llm_calls"])
        self.iterations.append(summary["iterations"])
        self.latency_ms.append(summary["elapsed_ms"])
        self.clarifications += summary["outcome"] == "clarify"
        wanted = route_of(expect)
        chosen = sorted(summary.get("selected", []))
        if wanted is not None:
            self.routed += 1
            self.routed_right += wanted == chosen
            self.confusion[label(wanted)][label(chosen)] += 1
            expected_set, chosen_set = set(wanted) or {NO_TOOL}, set(chosen) or {NO_TOOL}
            for tool in expected_set | chosen_set:
                kind = "tp" if tool in expected_set and tool in chosen_set else ("fn" if tool in expected_set else "fp")
                self.tool_counts[tool][kind] += 1
        if expect.get("tools"):
            self.id_turns += 1
            self.id_right += lookups(summary) == {k: sorted(v) for k, v in expect["tools"].items()}
        answer_checks = {k: expect[k] for k in ("answer_contains", "answer_excludes", "answer_equals") if k in expect}
        if answer_checks:
            self.answer_turns += 1
            self.answer_right += not problems(answer_checks, summary)
        if "outcome" in expect:
            wanted_kinds = acceptable(expect["outcome"])
            right = reply_kind(summary) in wanted_kinds
            self.outcome_turns += 1
            self.outcome_right += right
            self.kinds[wanted_kinds[0]]["turns"] += 1
            self.kinds[wanted_kinds[0]]["right"] += right
        if "sources" in expect and (
            acceptable(expect.get("outcome", [])) == ["knowledge"] or summary["outcome"] == "knowledge"
        ):
            self.source_turns += 1
            self.source_right += bool(set(summary.get("sources", [])) & set(expect["sources"]))
        found = problems(expect, summary)
        if wanted is not None and wanted != chosen:
            found.insert(0, f"route {chosen} != expected {wanted}")
        if found:
            self.failed.append({"case": case.id, "question": summary["question"][:120], "problems": found})

    def metrics(self) -> dict[str, Any]:
        def ratio(good: int, total: int) -> float | None:
            return round(good / total, 4) if total else None

        per_tool = {}
        for tool, counts in sorted(self.tool_counts.items()):
            precision = ratio(counts["tp"], counts["tp"] + counts["fp"])
            recall = ratio(counts["tp"], counts["tp"] + counts["fn"])
            per_tool[tool] = {"precision": precision, "recall": recall, "support": counts["tp"] + counts["fn"]}
        return {
            "turns": self.turns,
            "routing_accuracy": ratio(self.routed_right, self.routed),
            "routing_per_tool": per_tool,
            "confusion_matrix": {expected: dict(got) for expected, got in sorted(self.confusion.items())},
            "id_extraction_accuracy": ratio(self.id_right, self.id_turns),
            "answer_check_pass_rate": ratio(self.answer_right, self.answer_turns),
            "outcome_accuracy": ratio(self.outcome_right, self.outcome_turns),
            "reply_kinds": {
                kind: {
                    "turns": counts["turns"],
                    "right": counts["right"],
                    "accuracy": ratio(counts["right"], counts["turns"]),
                }
                for kind, counts in sorted(self.kinds.items())
            },
            "policy_source_accuracy": ratio(self.source_right, self.source_turns),
            "clarification_rate": ratio(self.clarifications, self.turns),
            "llm_calls_per_turn": _distribution(self.llm_calls),
            "iterations_per_turn": _distribution(self.iterations),
            "latency_ms": {"p50": _percentile(self.latency_ms, 50), "p95": _percentile(self.latency_ms, 95)},
            "counted_turns": {
                "routing": self.routed,
                "ids": self.id_turns,
                "answers": self.answer_turns,
                "outcomes": self.outcome_turns,
                "sources": self.source_turns,
            },
        }


def _percentile(values: list[int], percent: int) -> float | None:
    if not values:
        return None
    ordered = sorted(values)
    index = (len(ordered) - 1) * percent / 100
    low = int(index)
    high = min(low + 1, len(ordered) - 1)
    return round(ordered[low] + (ordered[high] - ordered[low]) * (index - low), 1)


def _distribution(values: list[int]) -> dict[str, Any]:
    if not values:
        return {}
    return {
        "mean": round(statistics.fmean(values), 3),
        "max": max(values),
        "counts": dict(sorted(Counter(values).items())),
    }


def evaluate(cases: list[Case], agent: LocalAgent) -> tuple[Report, dict[str, Report]]:
    """The report over every case, and one per data set."""
    report, per_dataset = Report(), defaultdict(Report)
    for case in cases:
        session = agent.session()
        if case.history:
            agent.remember(session, case.history)
        with agent.replay_tools(case.tool_results):
            for turn in case.turns:
                summary = agent.ask(session, turn["user"]).summary()
                report.add(case, turn.get("expect", {}), summary)
                per_dataset[case.dataset].add(case, turn.get("expect", {}), summary)
    return report, dict(per_dataset)


def percent(value: float | None) -> str:
    return "n/a" if value is None else f"{value * 100:.1f}%"


def render_per_dataset(per_dataset: dict[str, dict[str, Any]], names: dict[str, str] | None = None) -> str:
    """The headline figures of each data set (``names``: how to call each file), as make eval prints them
    and docs/evaluation.md quotes them."""
    lines = [
        "| data set | turns | routing | ids looked up exactly | answer checks | right kind of reply "
        "| policy answers citing a right entry |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for name, metrics in per_dataset.items():
        lines.append(
            f"| {(names or {}).get(name, name)} | {metrics['turns']} | {percent(metrics['routing_accuracy'])} | "
            f"{percent(metrics['id_extraction_accuracy'])} | {percent(metrics['answer_check_pass_rate'])} | "
            f"{percent(metrics['outcome_accuracy'])} | {percent(metrics['policy_source_accuracy'])} |"
        )
    return "\n".join(lines)


def render_table(metrics: dict[str, Any], model: str) -> str:
    counted, latency = metrics["counted_turns"], metrics["latency_ms"]
    lines = [
        f"model: {model}",
        f"turns: {metrics['turns']}",
        "",
        "| metric | value | turns counted |",
        "| --- | --- | --- |",
        f"| routing accuracy (exact tool set) | {percent(metrics['routing_accuracy'])} | {counted['routing']} |",
        f"| id extraction accuracy (exact lookups) | {percent(metrics['id_extraction_accuracy'])} | {counted['ids']} |",
        f"| answer checks passed | {percent(metrics['answer_check_pass_rate'])} | {counted['answers']} |",
        f"| right kind of reply (outcome) | {percent(metrics['outcome_accuracy'])} | {counted['outcomes']} |",
        f"| policy questions citing a right entry | {percent(metrics['policy_source_accuracy'])} "
        f"| {counted['sources']} |",
        f"| clarification rate | {percent(metrics['clarification_rate'])} | {metrics['turns']} |",
        f"| LLM calls per turn (mean) | {metrics['llm_calls_per_turn'].get('mean')} | {metrics['turns']} |",
        f"| iterations per turn (mean) | {metrics['iterations_per_turn'].get('mean')} | {metrics['turns']} |",
        f"| latency p50 / p95 (ms) | {latency['p50']} / {latency['p95']} | {metrics['turns']} |",
        "",
        "| tool | precision | recall | support |",
        "| --- | --- | --- | --- |",
    ]
    for tool, scores in metrics["routing_per_tool"].items():
        lines.append(f"| {tool} | {percent(scores['precision'])} | {percent(scores['recall'])} | {scores['support']} |")
    lines += ["", "| expected kind of reply | turns | right kind |", "| --- | --- | --- |"]
    for kind, counts in metrics["reply_kinds"].items():
        lines.append(f"| {kind} | {counts['turns']} | {percent(counts['accuracy'])} |")
    labels = sorted({*metrics["confusion_matrix"], *(k for row in metrics["confusion_matrix"].values() for k in row)})
    lines += ["", "confusion matrix (rows: expected, columns: chosen by the planner)", ""]
    lines.append("| expected \\ chosen | " + " | ".join(labels) + " |")
    lines.append("| --- |" + " --- |" * len(labels))
    for expected in labels:
        row = metrics["confusion_matrix"].get(expected, {})
        lines.append(f"| {expected} | " + " | ".join(str(row.get(chosen, 0)) for chosen in labels) + " |")
    return "\n".join(lines)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("datasets", nargs="+", type=Path)
    add_local_agent_options(parser, memory=False)
    parser.add_argument("--record", type=Path, help="write every prompt and response to this cassette")
    parser.add_argument("--min-accuracy", type=float, help="exit 1 when routing accuracy is below this (0 to 1)")
    parser.add_argument("--json-out", type=Path, help="also write the report as JSON here")
    parser.add_argument("--limit", type=int, help="only the first N conversations of each dataset")
    args = parser.parse_args(argv)

    cases = [case for path in args.datasets for case in load_cases(path)[: args.limit]]
    with LocalAgent(args.llm, max_iterations=args.max_iterations, record_path=args.record) as agent:
        report, per_dataset = evaluate(cases, agent)
        model = agent.model_label
    metrics = report.metrics()
    per_dataset_metrics = {name: part.metrics() for name, part in per_dataset.items()}
    print(render_table(metrics, model))
    if len(per_dataset_metrics) > 1:
        print("\nper data set (the figures above are over all of them):\n")
        print(render_per_dataset(per_dataset_metrics))
    if report.failed:
        print(f"\n{len(report.failed)} turns not as expected (first 10):")
        for failure in report.failed[:10]:
            print(f"  {failure['case']}: {failure['question']!r}: {'; '.join(failure['problems'][:2])}")
    if args.json_out:
        document = {
            "model": model,
            "datasets": [str(p) for p in args.datasets],
            "metrics": metrics,
            "per_dataset": per_dataset_metrics,
            "failed": report.failed,
        }
        args.json_out.parent.mkdir(parents=True, exist_ok=True)
        args.json_out.write_text(json.dumps(document, indent=2) + "\n", encoding="utf-8")
    accuracy = metrics["routing_accuracy"]
    if args.min_accuracy is not None and (accuracy is None or accuracy < args.min_accuracy):
        print(f"\nrouting accuracy {accuracy} is below --min-accuracy {args.min_accuracy}", file=sys.stderr)
        return 1
    return 0
