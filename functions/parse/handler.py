"""Parse: the planner's raw text in, validated tool calls out (or no tool, or a clarifying question).

Event: ``{"plan_text", "turn": {"question", "history", ...}, "observations", "correlation"}``.
Result: ``{"outcome": "call_tools" | "out_of_scope" | "clarify" | "nothing_new" | "small_talk" | "handoff",
"selected", "rejected", "calls": [{"tool", "id", "function", "payload"}], "message", "handoff"}``;
``function`` is the ARN of the Lambda that serves the tool, from ``TOOL_FUNCTIONS`` (a JSON map of
function name to ARN).
"""

from __future__ import annotations

import json
import os
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from agent_core import interpreting, memory, planning, registry
from agent_core.observability import add, bind_correlation, count_by, powertools

logger, metrics = powertools("parse")
TOOL_FUNCTIONS: dict[str, str] = json.loads(os.environ["TOOL_FUNCTIONS"])


@metrics.log_metrics
@logger.inject_lambda_context(clear_state=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    bind_correlation(logger, event)
    question, history = memory.turn_input(event)
    observations = interpreting.read_observations(event.get("observations"))
    plan = planning.plan_calls(
        plan_text=str(event.get("plan_text") or ""),
        question=question,
        earlier_user_texts=memory.user_texts(history),
        already_called=[(o.tool, o.id) for o in observations],
        previous_unanswered=memory.last_unanswered(history),
    )
    message = plan.message
    if plan.outcome == "clarify" and observations:  # a later step: say what was found, then ask
        message = interpreting.and_ask(interpreting.findings(observations), message)
    calls = []
    for call in plan.calls:
        function = registry.tool(call.tool).function
        calls.append(
            {
                "tool": call.tool,
                "id": call.id,
                "id_source": call.id_source,
                "function": TOOL_FUNCTIONS[function],
                "payload": {"tool": call.tool, "arguments": _arguments(call)},
            }
        )
    add(metrics, "tool_calls_planned", len(calls))
    for name in plan.selected:
        count_by(metrics, "tool_selected", name)
    count_by(metrics, "plan_outcome", plan.outcome)
    if plan.rejected:
        add(metrics, "unknown_tool_names", len(plan.rejected))
    logger.info(
        "plan parsed",
        extra={
            "outcome": plan.outcome,
            "selected": plan.selected,
            "rejected": len(plan.rejected),
            "calls": [f"{c.tool}:{c.id}" for c in plan.calls],
        },
    )
    return {
        "outcome": plan.outcome,
        "selected": plan.selected,
        "rejected": [word[:40] for word in plan.rejected[:5]],
        "calls": calls,
        "message": message,
        "handoff": {"reason": plan.handoff_reason} if plan.handoff_reason else None,
        "fallback": plan.fallback,
    }


def _arguments(call: planning.ToolCall) -> dict[str, Any]:
    arguments: dict[str, Any] = {call.argument: call.value}
    if call.strict:
        arguments["strict"] = True
    return arguments
