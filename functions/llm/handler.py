"""LLM: renders a named prompt from ``prompts/`` with variables and calls the configured model.

Event: ``{"prompt": "planner" | "interpreter", "turn": {"question", "history", "started_at",
"budget_seconds", ...}, "observations", "tool_results" and "follow_up" (interpreter only), "correlation"}``.
The planner returns the model's raw text (the parse Lambda validates it); the interpreter returns a
decision (answer, refuse, continue) with the answer and the observations gathered so far.
"""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from agent_core import interpreting, memory, planning
from agent_core.backends import Backend
from agent_core.model import ModelSettings, backend_from_settings, generate
from agent_core.model_errors import ModelError
from agent_core.observability import MetricUnit, bind_correlation, count_by, powertools
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
        metrics.add_metric(name="TurnBudgetExhausted", unit=MetricUnit.Count, value=1)
        raise TurnBudgetExhausted(f"{limit:.1f} s left for the model")
    return limit


def _call_model(name: str, variables: dict[str, str], event: dict[str, Any], context: LambdaContext) -> tuple[str, int]:
    spec = prompt(name)
    rendered = spec.render(variables)
    timeout = model_timeout(event, context)
    try:
        generation = generate(_backend(), rendered, spec, timeout)
    except ModelError as error:
        metrics.add_metric(name="ModelErrors", unit=MetricUnit.Count, value=1)
        logger.warning("model call failed", extra={"prompt": name, "error": type(error).__name__})
        raise
    metrics.add_metric(name="ModelCalls", unit=MetricUnit.Count, value=1)
    metrics.add_metric(name="ModelLatency", unit=MetricUnit.Milliseconds, value=generation.latency_ms)
    logger.info(
        "model call",
        extra={
            "prompt": name,
            "prompt_chars": len(rendered),
            "output_chars": len(generation.text),
            "latency_ms": generation.latency_ms,
        },
    )
    logger.debug("model io", extra={"prompt_text": rendered, "output_text": generation.text})
    return generation.text, generation.latency_ms


def plan(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    question, history = memory.turn_input(event)
    done = interpreting.already_called(event.get("observations"))
    variables = planning.planner_variables(question, memory.user_texts(history), done)
    text, latency_ms = _call_model("planner", variables, event, context)
    return {"prompt": "planner", "text": text, "model": _backend().label, "model_calls": 1, "latency_ms": latency_ms}


def interpret(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    question, history = memory.turn_input(event)
    new = [interpreting.read_tool_result(item) for item in event.get("tool_results") or []]
    observations = interpreting.merge(interpreting.read_observations(event.get("observations")), new)
    model_text, calls, latency_ms = None, 0, 0
    if interpreting.needs_model(observations):
        variables = interpreting.interpreter_variables(question, observations)
        model_text, latency_ms = _call_model("interpreter", variables, event, context)
        calls = 1
    follow_up = event.get("follow_up")
    result = interpreting.interpret(
        question,
        observations,
        model_text,
        follow_up if isinstance(follow_up, str) else None,
        previous_unanswered=memory.last_unanswered(history),
        fallback=event.get("fallback") is True,
    )
    count_by(metrics, "Decision", "decision", result.decision)
    logger.info("interpretation", extra={"decision": result.decision, "answered_by": result.answered_by})
    return {
        "prompt": "interpreter",
        **result.to_dict(),
        "model": _backend().label,
        "model_calls": calls,
        "latency_ms": latency_ms,
    }


OPERATIONS = {"planner": plan, "interpreter": interpret}


@metrics.log_metrics
@logger.inject_lambda_context(clear_state=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    bind_correlation(logger, event)
    metrics.add_metric(name="Invocations", unit=MetricUnit.Count, value=1)
    operation = OPERATIONS.get(event.get("prompt", ""))
    if operation is None:
        raise PromptError(f"no operation for prompt {event.get('prompt')!r}; use one of {sorted(OPERATIONS)}")
    return operation(event, context)
