"""The turn ledger: what one turn used (model calls, tokens, lookups, time) and what it cost.

The LLM Lambda adds each model call to the turn's running ``usage`` (it travels through the state
machine and ends in the execution's output); the fulfilment Lambda reads it with the outcome, the
latency and the lookups, prices it with ``prices.json`` (the cost model's prices: harness/cost.py
prices its turns with ``orchestration_cost`` too) and emits it once per turn as metrics and as one
log line. Tokens come from the model's response where it reports them; otherwise they are estimated
at ``TOKEN_CHARS`` characters a token and the ledger says so.
"""

from __future__ import annotations

import json
import math
from collections.abc import Mapping, Sequence
from dataclasses import asdict, dataclass, field
from functools import cache
from typing import Any

from agent_core.observability import Metrics, add, count_by, emit_by, error_outcomes
from agent_core.paths import package_file

TOKEN_CHARS = 4  # characters per token, for models that report no counts (no tokenizer ships here)
EXPRESS_MIN_GB = 0.0625  # Express bills memory in 64 MB steps, 64 MB at least
LLM_OVERHEAD_SECONDS = 0.05  # an LLM Lambda invocation beyond its model call
OTHER_INVOCATION_SECONDS = 0.03  # a parse or tool Lambda invocation


def estimate_tokens(text: str) -> int:
    """Tokens in ``text`` at ``TOKEN_CHARS`` characters a token (an estimate, labelled as one)."""
    return math.ceil(len(text) / TOKEN_CHARS) if text else 0


def _count(raw: Mapping[str, Any], key: str) -> int:
    value = raw.get(key)
    return value if isinstance(value, int) and not isinstance(value, bool) and value >= 0 else 0


@dataclass(frozen=True)
class ModelUsage:
    """The model side of a turn so far. ``estimated_calls``: calls whose tokens were estimated."""

    model_calls: int = 0
    model_ms: int = 0
    tokens_in: int = 0
    tokens_out: int = 0
    estimated_calls: int = 0
    llm_invocations: int = 0
    plans: int = 0

    @classmethod
    def read(cls, raw: Any) -> ModelUsage:
        """From a state machine payload, defensively: anything unreadable counts as nothing."""
        if not isinstance(raw, Mapping):
            return cls()
        return cls(**{name: _count(raw, name) for name in cls.__dataclass_fields__})

    def with_invocation(self, *, plan: bool) -> ModelUsage:
        return ModelUsage(**{**asdict(self), "llm_invocations": self.llm_invocations + 1, "plans": self.plans + plan})

    def with_call(self, latency_ms: int, tokens_in: int, tokens_out: int, estimated: bool) -> ModelUsage:
        return ModelUsage(
            **{
                **asdict(self),
                "model_calls": self.model_calls + 1,
                "model_ms": self.model_ms + max(0, latency_ms),
                "tokens_in": self.tokens_in + max(0, tokens_in),
                "tokens_out": self.tokens_out + max(0, tokens_out),
                "estimated_calls": self.estimated_calls + estimated,
            }
        )

    @property
    def tokens_counted(self) -> str:
        """reported (every call's counts came from the model), estimated, or none (no model call)."""
        if not self.model_calls:
            return "none"
        return "estimated" if self.estimated_calls else "reported"

    def to_dict(self) -> dict[str, int]:
        return asdict(self)


# ---------------------------------------------------------------- prices


@cache
def prices() -> dict[str, float]:
    """Every price of prices.json by name (US dollars per its unit)."""
    document = json.loads(package_file("prices.json").read_text(encoding="utf-8"))
    return {name: float(item["value"]) for name, item in document["items"].items()}


def orchestration_cost(
    price: Mapping[str, float],
    *,
    turn_seconds: float,
    model_calls: float,
    model_seconds: float,
    lambda_invocations: float,
    lookups: float,
    lambda_gb: float,
    express_billed: tuple[float, float] | None = None,
    log_bytes: float | None = None,
    via_lex: bool = True,
) -> dict[str, float]:
    """Dollars of one turn, by component, without the model. ``model_seconds``: all calls together;
    ``express_billed``: (seconds, GB) as Step Functions billed them, else the turn's time at 64 MB;
    ``log_bytes``: None leaves CloudWatch Logs out (the fulfilment Lambda cannot see them)."""
    # The fulfilment Lambda waits for the whole turn; the LLM Lambda for each model call.
    lambda_seconds = (
        turn_seconds
        + model_seconds
        + model_calls * LLM_OVERHEAD_SECONDS
        + max(0.0, lambda_invocations - 1 - model_calls) * OTHER_INVOCATION_SECONDS
    )
    billed_seconds, billed_gb = express_billed or (math.ceil(turn_seconds * 10) / 10, EXPRESS_MIN_GB)
    cost = {
        "Lex": price["lex_text_request"] if via_lex else 0.0,
        "Lambda": lambda_invocations * price["lambda_request"]
        + lambda_seconds * lambda_gb * price["lambda_arm_gb_second"],
        "Step Functions": price["express_request"] + billed_seconds * billed_gb * price["express_gb_second"],
        "DynamoDB": lookups * 0.5 * price["dynamodb_read_unit"],
        "X-Ray": price["xray_trace"],
    }
    if log_bytes is not None:
        cost["CloudWatch Logs"] = log_bytes / 1e9 * price["logs_ingested_gb"]
    return cost


def model_cost(price: Mapping[str, float], model: str, usage: ModelUsage) -> float | None:
    """Dollars of the turn's model calls; None when ``model`` has no price. ``sagemaker:TYPE``: the
    endpoint time the calls took (the endpoint bills by the hour whether used or not);
    ``bedrock:MODEL`` (an inference profile's geography prefix dropped): tokens in and out."""
    kind, _, name = model.partition(":")
    if kind == "sagemaker" and f"sagemaker:{name}" in price:
        return usage.model_ms / 3_600_000 * price[f"sagemaker:{name}"]
    if kind == "bedrock":
        parts = name.split(".")
        base = ".".join(parts[1:]) if parts[0] in {"us", "eu", "apac", "global", "us-gov"} else name
        rates = (price.get(f"bedrock:{base}:input"), price.get(f"bedrock:{base}:output"))
        if rates[0] is not None and rates[1] is not None:
            return usage.tokens_in * rates[0] + usage.tokens_out * rates[1]
    return None


# ---------------------------------------------------------------- the ledger of one turn


@dataclass(frozen=True)
class TurnLedger:
    execution: str
    outcome: str
    failed: bool
    latency_ms: int
    iterations: int
    usage: ModelUsage
    tools: dict[str, dict[str, int]]  # {tool: {"calls": n, "errors": n}}
    model: str
    cost_usd: dict[str, float] = field(default_factory=dict)
    model_priced: bool = False

    @property
    def cost(self) -> float:
        return sum(self.cost_usd.values())

    @property
    def tool_calls(self) -> int:
        return sum(counts["calls"] for counts in self.tools.values())

    def to_dict(self) -> dict[str, Any]:
        """The ledger's log line (without the metric values, which sit beside it)."""
        return {
            "execution": self.execution,
            "outcome": self.outcome,
            "failed": self.failed,
            "latency_ms": self.latency_ms,
            "iterations": self.iterations,
            "model": self.model,
            "model_calls": self.usage.model_calls,
            "model_ms": self.usage.model_ms,
            "tokens_in": self.usage.tokens_in,
            "tokens_out": self.usage.tokens_out,
            "tokens_counted": self.usage.tokens_counted,
            "tool_calls": self.tool_calls,
            "tools": self.tools,
            "cost_usd": round(self.cost, 8),
            "cost_by_component": {name: round(value, 8) for name, value in self.cost_usd.items()},
            "model_priced": self.model_priced,
        }

    def summary(self) -> str:
        return describe(self.to_dict())


def describe(line: Mapping[str, Any]) -> str:
    """A ledger line (``TurnLedger.to_dict``) in one line for a person: what ``make demo`` prints."""
    tools = line.get("tools") if isinstance(line.get("tools"), Mapping) else {}
    looked_up = ", ".join(
        f"{tool} {counts.get('calls', 0)}" + (f" ({counts['errors']} failed)" if counts.get("errors") else "")
        for tool, counts in tools.items()
        if isinstance(counts, Mapping)
    )
    counted = line.get("tokens_counted")
    tokens = f"{line.get('tokens_in', 0)}/{line.get('tokens_out', 0)}" + (
        "" if counted == "reported" else f" ({counted})"
    )
    cost = line.get("cost_usd") if isinstance(line.get("cost_usd"), int | float) else 0
    priced = "" if line.get("model_priced") else ", model not priced"
    return (
        f"{line.get('outcome')} in {line.get('latency_ms')} ms | iterations {line.get('iterations')} | model calls "
        f"{line.get('model_calls')} ({line.get('model_ms')} ms) | tokens in/out {tokens} | lookups "
        f"{looked_up or 'none'} | ~${cost:.6f}{priced} | {line.get('execution')}"
    )


def execution_name(arn: Any) -> str:
    """The execution's name in its ARN (``arn:PARTITION:states:REGION:ACCOUNT:express:MACHINE:NAME:RUN``
    for Express, ``...:execution:MACHINE:NAME`` for Standard); "" for anything else."""
    parts = arn.split(":") if isinstance(arn, str) else []
    return parts[7] if len(parts) >= 8 and parts[5] in ("express", "execution") else ""


def tool_counts(tools: Any) -> dict[str, dict[str, int]]:
    """Lookups and failed lookups per tool, from the execution output's ``tools`` (its observations)."""
    counts: dict[str, dict[str, int]] = {}
    for item in tools if isinstance(tools, Sequence) and not isinstance(tools, str) else []:
        if isinstance(item, Mapping) and isinstance(item.get("tool"), str) and item["tool"]:
            entry = counts.setdefault(item["tool"][:40], {"calls": 0, "errors": 0})
            entry["calls"] += 1
            entry["errors"] += item.get("status") == "error"
    return counts


def turn_ledger(
    *,
    execution: str,
    outcome: str,
    latency_ms: int,
    output: Mapping[str, Any],
    model: str,
    lambda_gb: float,
    express_billed: tuple[float, float] | None = None,
    via_lex: bool = True,
    price: Mapping[str, float] | None = None,
) -> TurnLedger:
    """The ledger of one turn from the execution's output (``{}`` when it gave none)."""
    price = prices() if price is None else price
    usage = ModelUsage.read(output.get("usage"))
    iterations = _count(output, "iterations")
    tools = tool_counts(output.get("tools"))
    lookups = sum(counts["calls"] for counts in tools.values())
    cost = orchestration_cost(
        price,
        turn_seconds=latency_ms / 1000,
        model_calls=usage.model_calls,
        model_seconds=usage.model_ms / 1000,
        # fulfilment, each LLM step, a parse step after each plan, each lookup
        lambda_invocations=1 + usage.llm_invocations + usage.plans + lookups,
        lookups=lookups,
        lambda_gb=lambda_gb,
        express_billed=express_billed,
        via_lex=via_lex,
    )
    spent_on_model = model_cost(price, model, usage)
    return TurnLedger(
        execution=execution,
        outcome=outcome,
        failed=outcome in error_outcomes(),
        latency_ms=latency_ms,
        iterations=iterations,
        usage=usage,
        tools=tools,
        model=model,
        cost_usd={"Model": spent_on_model or 0.0, **cost},
        model_priced=spent_on_model is not None,
    )


def emit(metrics: Metrics, record: TurnLedger, **context: Any) -> None:
    """The turn's metrics, and the ledger as one log line: the invocation's own EMF document (flushed
    when the handler returns) carries the turn's figures as metrics and the ledger (with ``context``:
    the execution ARN, the session) beside them; outcome, tokens and tools go by their dimensions."""
    add(metrics, "turn_latency", record.latency_ms)
    add(metrics, "turn_failed", int(record.failed))
    add(metrics, "iterations", record.iterations)
    add(metrics, "turn_model_calls", record.usage.model_calls)
    add(metrics, "turn_model_latency", record.usage.model_ms)
    add(metrics, "turn_tool_calls", record.tool_calls)
    add(metrics, "turn_cost", round(record.cost, 8))
    metrics.add_metadata(key="ledger", value={**record.to_dict(), **context})
    count_by(metrics, "turn_outcome", record.outcome)
    if record.usage.model_calls:
        usage = record.usage
        emit_by(metrics, usage.tokens_counted, {"tokens_in": usage.tokens_in, "tokens_out": usage.tokens_out})
    for tool, counts in record.tools.items():
        emit_by(metrics, tool, {"tool_calls": counts["calls"], "tool_errors": counts["errors"]})
