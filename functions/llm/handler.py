"""LLM: renders a named prompt from ``prompts/`` with variables and calls the configured model.

Event: ``{"prompt": "planner" | "interpreter", "turn": {"question", "history", "started_at",
"budget_seconds", ...}, "observations", "tool_results" and "follow_up" (interpreter only), "usage",
"correlation"}``. The planner returns the model's raw text (the parse Lambda validates it); the
interpreter returns a decision (answer, refuse, continue) with the answer and the observations gathered
so far. Both return the turn's ``usage`` with this step added (agent_core.ledger: model calls, time,
tokens), which the state machine carries to the turn's output for the fulfilment Lambda's ledger.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from agent_core import interpreting, llm_requests, memory
from agent_core.backends import Backend
from agent_core.ledger import ModelUsage
from agent_core.model import ModelSettings, backend_from_settings, generate
from agent_core.model_errors import ModelError
from agent_core.observability import add, bind_correlation, count_by, powertools
from agent_core.prompts import PromptError, prompt

logger, metrics = powertools("llm")
SETTINGS = ModelSettings.from_env()
SAFETY_MARGIN_SECONDS = 1.5  # left in the turn for the steps after the model call
MIN_MODEL_SECONDS = 1.0


class TurnBudgetExhausted(Exception):
    """Too little of the turn's time budget is left to call the model."""


_BACKEND: Backend | None = None


def _backend() -> Backend:
    """Made on first use, so a misconfiguration fails the task (and is caught), not the init."""
    global _BACKEND
    if _BACKEND is None:
        _BACKEND = backend_from_settings(SETTINGS)
    return _BACKEND


def model_timeout(event: dict[str, Any], context: LambdaContext) -> float:
    """Seconds the model may take: the configured timeout, cut to what is left of the turn."""
    limit = SETTINGS.timeout_seconds
    turn = event.get("turn") if isinstance(event.get("turn"), dict) else {}
    try:
        started = datetime.fromisoformat(str(turn["started_at"]))
        elapsed = (datetime.now(UTC) - started).total_seconds()
        limit = min(limit, float(turn["budget_seconds"]) - elapsed - SAFETY_MARGIN_SECONDS)
    except (KeyError, TypeError, ValueError):
        logger.warning("turn budget unknown; using the model timeout alone")
    remaining_ms = getattr(context, "get_remaining_time_in_millis", lambda: None)()
    if isinstance(remaining_ms, int):
        limit = min(limit, remaining_ms / 1000 - 0.5)
    if limit < MIN_MODEL_SECONDS:
        add(metrics, "turn_budget_exhausted", 1)
        raise TurnBudgetExhausted(f"{limit:.1f} s left for the model")
    return limit


def _call_model(
    name: str, variables: dict[str, str], event: dict[str, Any], context: LambdaContext, usage: ModelUsage
) -> tuple[str, int, ModelUsage]:
    spec = prompt(name)
    rendered = spec.render(variables)
    timeout = model_timeout(event, context)
    try:
        generation = generate(_backend(), rendered, spec, timeout)
    except ModelError as error:
        add(metrics, "model_errors", 1)
        logger.warning("model call failed", extra={"prompt": name, "error": type(error).__name__})
        raise
    add(metrics, "model_calls", 1)
    add(metrics, "model_latency", generation.latency_ms)
    logger.info(
        "model call",
        extra={
            "prompt": name,
            "prompt_chars": len(rendered),
            "output_chars": len(generation.text),
            "latency_ms": generation.latency_ms,
            "tokens_in": generation.tokens_in,
            "tokens_out": generation.tokens_out,
            "tokens_estimated": generation.tokens_estimated,
        },
    )
    logger.debug("model io", extra={"prompt_text": rendered, "output_text": generation.text})
    usage = usage.with_call(
        generation.latency_ms, generation.tokens_in, generation.tokens_out, generation.tokens_estimated
    )
    return generation.text, generation.latency_ms, usage


def plan(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    usage = ModelUsage.read(event.get("usage")).with_invocation(plan=True)
    text, latency_ms, usage = _call_model("planner", llm_requests.planner_variables(event), event, context, usage)
    return {
        "prompt": "planner",
        "text": text,
        "model": _backend().label,
        "model_calls": 1,
        "latency_ms": latency_ms,
        "usage": usage.to_dict(),
    }


def interpret(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    """The decision; ``text`` is the model's own output (None when no model was asked), which the
    execution's log keeps so that a traced turn can be replayed (agent trace --to-case)."""
    question, observations, follow_up = llm_requests.interpreter_inputs(event)
    history = memory.turn_input(event)[1]
    usage = ModelUsage.read(event.get("usage")).with_invocation(plan=False)
    model_text, calls, latency_ms = None, 0, 0
    variables = llm_requests.interpreter_variables(event)
    if variables is not None:
        model_text, latency_ms, usage = _call_model("interpreter", variables, event, context, usage)
        calls = 1
    result = interpreting.interpret(
        question,
        observations,
        model_text,
        follow_up,
        previous_unanswered=memory.last_unanswered(history),
        fallback=event.get("fallback") is True,
    )
    count_by(metrics, "decision", result.decision)
    logger.info("interpretation", extra={"decision": result.decision, "answered_by": result.answered_by})
    return {
        "prompt": "interpreter",
        **result.to_dict(),
        "text": model_text,
        "model": _backend().label,
        "model_calls": calls,
        "latency_ms": latency_ms,
        "usage": usage.to_dict(),
    }


OPERATIONS = {"planner": plan, "interpreter": interpret}


@metrics.log_metrics
@logger.inject_lambda_context(clear_state=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    bind_correlation(logger, event)
    add(metrics, "llm_invocations", 1)
    operation = OPERATIONS.get(event.get("prompt", ""))
    if operation is None:
        raise PromptError(f"no operation for prompt {event.get('prompt')!r}; use one of {sorted(OPERATIONS)}")
    return operation(event, context)
