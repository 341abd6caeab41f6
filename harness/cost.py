"""The cost model behind docs/cost.md: dollars per 1,000 turns and per month, and where they go.

  agent cost            print docs/cost.md
  agent cost --write    rewrite docs/cost.md (make cost; a test keeps it in step with this module)

Usage per turn (LLM calls, Lambda invocations, state transitions, lookups, log bytes) is measured
by running the agent locally (harness/bench.py's questions, the offline stand-in) for this design
and for the original write-up's loop; prices and time assumptions are below, with their sources.
"""

from __future__ import annotations

import argparse
import io
import json
import re
import statistics
import sys
from dataclasses import dataclass

from agent_core import ledger, registry
from agent_core.observability import declared
from agent_core.paths import package_file
from harness.bench import KINDS
from harness.models import OfflineBackend
from harness.original_loop import run as run_original
from harness.paths import REPO
from harness.runtime import LocalAgent

# Latencies, timestamps and counts vary in length run to run: every number (not a digit run inside an
# id) is counted as four characters, so the figures and the documents made from them do not change.
_NUMBER = re.compile(r"(?<![\w.-])\d+(?:\.\d+)?(?:[eE][-+]?\d+)?(?![\w-])")


def _steady_len(text: str) -> int:
    return len(_NUMBER.sub("0000", text))


DOC = REPO / "docs" / "cost.md"


@dataclass(frozen=True)
class Price:
    value: float
    unit: str
    source: str


# us-east-1, on demand, no free tier: functions/agent_core/prices.json, which each turn's ledger prices
# its turn with too.
_PRICE_DOCUMENT = json.loads(package_file("prices.json").read_text(encoding="utf-8"))
PRICES = {
    name: Price(float(item["value"]), item["unit"], item["source"]) for name, item in _PRICE_DOCUMENT["items"].items()
}
PRICES_SEEN = _PRICE_DOCUMENT["seen"]
ENDPOINTS = {
    "Flan-UL2 (bf16) on ml.g5.12xlarge": ("sagemaker:ml.g5.12xlarge", 1.5),
    "Flan-T5-XL on ml.g5.2xlarge": ("sagemaker:ml.g5.2xlarge", 0.6),
}
# Assumptions, stated once: seconds per model call (short generations), the mix of turns, traffic.
MIX = {  # what a support desk's turns are, roughly (two in three are not lookups: issue 14's data)
    "one tool": 0.35,
    "two tools": 0.05,
    "policy": 0.25,
    "small talk": 0.10,
    "out of scope": 0.07,
    "handoff": 0.03,
    "unknown id": 0.05,
    "clarification": 0.10,
}
TRAFFIC = {"pilot": 1_000, "small shop": 30_000, "busy shop": 300_000}  # turns per month
HOURS_PER_MONTH = 730
LAMBDA_GB = 0.25  # 256 MB
GLUE_SECONDS = 0.3  # Lambda starts, the tools and Step Functions' own steps
DAYS_STORED = 30  # log_retention_days' default: a month of ledger lines is kept


@dataclass(frozen=True)
class Usage:
    llm_calls: float
    lambda_invocations: float
    transitions: float
    lookups: float
    log_bytes: float


@dataclass(frozen=True)
class LedgerFigures:
    """What the ledger and the dashboard add to the CloudWatch bill."""

    bytes_per_turn: dict[str, float]  # the fulfilment Lambda's ledger line and metric documents, per kind
    custom_metrics: int  # metric series the ledger creates (each name and dimension value)
    dashboards: int
    alarms: int
    alarm_metrics: int  # metrics the alarms read (an expression's every metric counts)
    widgets: int


def measure() -> tuple[dict[str, Usage], dict[str, float], LedgerFigures]:
    """Per kind of turn: this design's usage (measured), the original loop's LLM calls, and what the
    ledger costs in CloudWatch."""
    ours: dict[str, Usage] = {}
    original: dict[str, float] = {}
    ledger_bytes: dict[str, float] = {}
    sink = io.StringIO()
    with LocalAgent("offline", log_sink=sink) as agent:
        for kind, questions in KINDS.items():
            turns, logged, ledgered = [], [], []
            for question in questions:
                before = len(sink.getvalue())
                turn = agent.ask(agent.session(), question)
                events = turn.events
                # Step Functions logs every state's input and output (level ALL with data) ...
                execution_bytes = sum(_steady_len(json.dumps(event, default=str)) for event in events)
                # ... and the functions their INFO lines and metrics.
                written = sink.getvalue()[before:]
                logged.append(execution_bytes + _steady_len(written))
                ledgered.append(
                    sum(_steady_len(line) + 1 for line in written.splitlines() if _is_ledger_document(line))
                )
                turns.append(turn)
            ledger_bytes[kind] = round(statistics.fmean(ledgered))
            ours[kind] = Usage(
                llm_calls=statistics.fmean(t.llm_calls for t in turns),
                lambda_invocations=statistics.fmean(t.lambda_invocations for t in turns) + 1,  # + fulfilment
                transitions=statistics.fmean(t.transitions for t in turns),
                lookups=statistics.fmean(len(t.tools) for t in turns),
                log_bytes=round(statistics.fmean(logged), -2),
            )
            original[kind] = statistics.fmean(run_original(q, OfflineBackend()).llm_calls for q in questions)
    return ours, original, ledger_figures(ledger_bytes)


def _is_ledger_document(line: str) -> bool:
    """An EMF document of the fulfilment Lambda: the ledger line and the turn's metric documents."""
    try:
        document = json.loads(line)
    except ValueError:
        return False
    return isinstance(document, dict) and "_aws" in document and document.get("service") == "fulfilment"


def ledger_figures(bytes_per_turn: dict[str, float]) -> LedgerFigures:
    """The metric series the ledger creates, from metrics.json and what they are emitted by: the
    outcomes (the state machine's, from modules/monitoring), tokens reported or estimated, the tools."""
    from harness.monitoring import local_monitoring

    monitoring = local_monitoring()
    values = {"outcome": len(monitoring["outcomes"]), "counted": 2, "tool": len(registry.tools())}
    # The ledger's metrics: the fulfilment Lambda's, but for the fallbacks and channel counts it had before.
    ledger_metrics = [
        spec for spec in declared().values() if spec.service == "fulfilment" and spec.dimension in (None, *values)
    ]
    series = sum(values[spec.dimension] if spec.dimension else 1 for spec in ledger_metrics)
    return LedgerFigures(
        bytes_per_turn=bytes_per_turn,
        custom_metrics=series,
        dashboards=1,
        alarms=len(monitoring["alarms"]),
        alarm_metrics=sum(len(alarm["metrics"]) for alarm in monitoring["alarms"].values()),
        widgets=len(monitoring["widgets"]),
    )


def per_turn(usage: Usage, model_seconds: float) -> dict[str, float]:
    """Dollars per turn, by component, for this design: the same formula as each turn's ledger
    (agent_core/ledger.py), with the model's time assumed and the log bytes measured."""
    return ledger.orchestration_cost(
        ledger.prices(),
        turn_seconds=usage.llm_calls * model_seconds + GLUE_SECONDS,
        model_calls=usage.llm_calls,
        model_seconds=usage.llm_calls * model_seconds,
        lambda_invocations=usage.lambda_invocations,
        lookups=usage.lookups,
        lambda_gb=LAMBDA_GB,
        log_bytes=usage.log_bytes,
    )


def original_per_turn(llm_calls: float, lookups: float, model_seconds: float) -> dict[str, float]:
    """The original design: one orchestrator Lambda for the whole turn, tools called from it."""
    turn_seconds = llm_calls * model_seconds + GLUE_SECONDS
    return {
        "Lex": PRICES["lex_text_request"].value,
        "Lambda": (1 + lookups) * PRICES["lambda_request"].value
        + (turn_seconds + lookups * 0.03) * LAMBDA_GB * PRICES["lambda_arm_gb_second"].value,
        "Step Functions": 0.0,
        "DynamoDB": 0.0,  # the original tools read Python dicts
        "CloudWatch Logs": 2_000 / 1e9 * PRICES["logs_ingested_gb"].value,
        "X-Ray": 0.0,
    }


def mixed(values: dict[str, dict[str, float]]) -> dict[str, float]:
    components = next(iter(values.values())).keys()
    return {c: sum(MIX[kind] * values[kind][c] for kind in MIX) for c in components}


def ledger_section(figures: LedgerFigures, mix: dict[str, float]) -> list[str]:
    """What the ledger, the dashboard and the alarms cost in CloudWatch."""
    price = {name: item.value for name, item in PRICES.items()}
    per_turn = sum(share * figures.bytes_per_turn[kind] for kind, share in mix.items())
    ingest = per_turn * 1000 / 1e9 * price["logs_ingested_gb"]
    # Stored compressed; assumed uncompressed here (an upper bound) for log_retention_days' month.
    store = per_turn * 1000 / 1e9 * price["logs_stored_gb_month"] * DAYS_STORED / 30
    fixed = {
        f"{figures.custom_metrics} custom metrics": figures.custom_metrics * price["custom_metric_month"],
        f"{figures.dashboards} dashboard ({figures.widgets} widgets)": figures.dashboards * price["dashboard_month"],
        f"{figures.alarms} alarms reading {figures.alarm_metrics} metrics": figures.alarm_metrics
        * price["alarm_metric_month"],
    }
    kinds = ", ".join(f"{kind} {figures.bytes_per_turn[kind]:,.0f}" for kind in mix)
    lines = [
        "## What the ledger costs in CloudWatch",
        "",
        "Every turn's ledger is one log line with its metrics (embedded metric format), plus a metric",
        f"document per outcome, token count and tool: {per_turn:,.0f} bytes a turn on the mix above, measured:",
        f"{kinds}.",
        "Log bytes are billed per turn; custom metrics, the dashboard and the alarms by the month, however",
        "many turns there are (free tier: 10 metrics, 3 dashboards, 10 alarm metrics per account).",
        "",
        "| item | per 1,000 turns | per month |",
        "| --- | --- | --- |",
        f"| ledger log lines: {per_turn * 1000 / 1e6:.2f} MB ingested | ${ingest:.4f} | |",
        f"| ... kept {DAYS_STORED} days | ${store:.4f} | |",
    ]
    lines += [f"| {item} | | ${value:.2f} |" for item, value in fixed.items()]
    monthly = sum(fixed.values())
    all_together = "; ".join(
        f"{name} ${ingest + store + monthly / turns * 1000:,.2f}" for name, turns in TRAFFIC.items()
    )
    lines += [
        "",
        f"Per 1,000 turns, all together: {all_together}.",
        f"A saved Logs Insights query costs what it scans (${price['logs_insights_scanned_gb']} a GB): a day of",
        f"ledger lines at the busy shop's traffic is {per_turn * TRAFFIC['busy shop'] / 30 / 1e6:.1f} MB.",
        "",
    ]
    return lines


def render(ours: dict[str, Usage], original: dict[str, float], figures: LedgerFigures) -> str:
    calls = sum(MIX[k] * ours[k].llm_calls for k in MIX)
    original_calls = sum(MIX[k] * original[k] for k in MIX)
    lines = [
        "# What it costs",
        "",
        "Generated by `make cost` (harness/cost.py; a test keeps this file in step with it). Prices: us-east-1,",
        f"on demand, no free tier, collected {PRICES_SEEN} from stored copies of public pages (see",
        "[Prices](#prices)); check them in the AWS Pricing Calculator before you rely on them.",
        "",
        "## The short answer",
        "",
        "The endpoint is nearly the whole bill, and it bills by the hour whether anyone chats or not.",
        "Everything else is pay-per-use and costs cents per thousand turns.",
        "",
        "| model and instance | endpoint per month (always on) | "
        + " | ".join(f"{name}: {turns:,} turns/month" for name, turns in TRAFFIC.items())
        + " |",
        "| --- | --- | " + " | ".join("---" for _ in TRAFFIC) + " |",
    ]
    for name, (instance, seconds) in ENDPOINTS.items():
        endpoint = PRICES[instance].value * HOURS_PER_MONTH
        usage = sum(mixed({k: per_turn(ours[k], seconds) for k in MIX}).values())
        cells = []
        for turns in TRAFFIC.values():
            total = endpoint + usage * turns
            cells.append(f"${total:,.0f} (${total / turns * 1000:,.2f} per 1,000 turns)")
        lines.append(f"| {name} | ${endpoint:,.0f} | " + " | ".join(cells) + " |")
    lines += [
        "",
        f"Turn mix assumed: {', '.join(f'{int(share * 100)}% {kind}' for kind, share in MIX.items())}; a model call",
        f"takes {ENDPOINTS['Flan-UL2 (bf16) on ml.g5.12xlarge'][1]} s on ml.g5.12xlarge (Flan-UL2) and "
        f"{ENDPOINTS['Flan-T5-XL on ml.g5.2xlarge'][1]} s on ml.g5.2xlarge (Flan-T5-XL);",
        "Lambda functions have 256 MB. One instance is assumed at every traffic level (see Capacity).",
        "",
        "## Where the money goes, per 1,000 turns (without the endpoint)",
        "",
        "| component | this design, Flan-UL2 | original loop, Flan-UL2 | what drives it |",
        "| --- | --- | --- | --- |",
    ]
    ul2 = ENDPOINTS["Flan-UL2 (bf16) on ml.g5.12xlarge"][1]
    ours_costs = mixed({k: per_turn(ours[k], ul2) for k in MIX})
    original_costs = mixed({k: original_per_turn(original[k], ours[k].lookups, ul2) for k in MIX})
    drivers = {
        "Lex": "one text request per turn",
        "Lambda": "the fulfilment Lambda waits for the turn, the LLM Lambda for each model call",
        "Step Functions": "one Express request, billed per 100 ms at 64 MB",
        "DynamoDB": "half a read unit per lookup",
        "CloudWatch Logs": "level ALL with execution data logs every state's input and output",
        "X-Ray": "one trace per turn",
    }
    for component, value in ours_costs.items():
        lines.append(
            f"| {component} | ${value * 1000:.4f} | ${original_costs[component] * 1000:.4f} | {drivers[component]} |"
        )
    lines += [
        f"| **total** | **${sum(ours_costs.values()) * 1000:.4f}** | **${sum(original_costs.values()) * 1000:.4f}** | |",  # noqa: E501
        "",
        "This design spends a little more on orchestration (Step Functions, a Lambda per step, logs of",
        "every state) than the original single-Lambda loop, and less on the model: it makes",
        f"{calls:.2f} model calls per turn on this mix against the original loop's {original_calls:.2f}, because a",
        "turn with no tool, an unknown id or a missing id ends after one call instead of planning twice.",
        "",
        "## Usage per turn, measured",
        "",
        "| kind of turn | LLM calls (ours) | LLM calls (original) | Lambda invocations | state transitions "
        "| lookups | log bytes |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for kind in MIX:
        usage = ours[kind]
        lines.append(
            f"| {kind} | {usage.llm_calls:.1f} | {original[kind]:.1f} | {usage.lambda_invocations:.1f} | "
            f"{usage.transitions:.1f} | {usage.lookups:.1f} | {usage.log_bytes:,.0f} |"
        )
    busy = TRAFFIC["busy shop"]
    lines += [
        "",
        "## Capacity",
        "",
        "A JumpStart container serves one request at a time per worker, so model seconds per turn set how",
        "many turns an instance can take:",
        "",
        "| model | model seconds per turn (ours / original) | turns per instance-hour (ours / original) "
        "| busy-shop utilisation (ours) |",
        "| --- | --- | --- | --- |",
    ]
    for name, (_, seconds) in ENDPOINTS.items():
        ours_seconds, original_seconds = calls * seconds, original_calls * seconds
        utilisation = busy * ours_seconds / 3600 / HOURS_PER_MONTH
        lines.append(
            f"| {name} | {ours_seconds:.2f} / {original_seconds:.2f} | {3600 / ours_seconds:,.0f} / "
            f"{3600 / original_seconds:,.0f} | {utilisation:.0%} |"
        )
    lines += [
        "",
        "Peaks, not averages, decide the instance count; endpoint autoscaling (`endpoint_autoscaling = true`,",
        "between `endpoint_min_instances` and `endpoint_max_instances`) adds instances under load, and the",
        "idle cost is the floor: one instance always on.",
        "",
        *ledger_section(figures, MIX),
        "## Keeping the bill down",
        "",
        "- Destroy the stack when you are not using it (`make destroy`): the endpoint is the bill.",
        "- A smaller model (Flan-T5-XL on ml.g5.2xlarge) costs a fifth of Flan-UL2 on ml.g5.12xlarge.",
        "- Set `log_execution_data = false` (or a shorter `log_retention_days`) once you no longer need",
        "  each state's input and output in the console: the logs are the largest pay-per-use item.",
        '- Amazon Bedrock (`model_backend = "bedrock"`) has no idle cost: you pay per token.',
        "",
        "## Prices",
        "",
        "| item | price | unit | source |",
        "| --- | --- | --- | --- |",
    ]
    for name, price in PRICES.items():
        value = (
            f"${price.value:.10f}".rstrip("0").rstrip(".")
            if price.value < 0.01
            else f"${price.value:,.4f}".rstrip("0").rstrip(".")
        )
        lines.append(f"| {name} | {value} | {price.unit} | {price.source} |")
    return "\n".join(lines) + "\n"


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--write", action="store_true", help=f"write {DOC.relative_to(REPO)}")
    args = parser.parse_args(argv)
    document = render(*measure())
    if args.write:
        DOC.parent.mkdir(exist_ok=True)
        DOC.write_text(document, encoding="utf-8")
    else:
        sys.stdout.write(document)
    return 0
