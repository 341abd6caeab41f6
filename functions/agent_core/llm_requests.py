"""What the LLM Lambda makes of a state machine task's payload: the planner's prompt variables, and the
interpreter's question, observations and follow-up. The trace command (harness/trace.py) renders a
traced turn's prompts from its logged payloads with these same functions, so a replay cassette holds
exactly the prompts the deployed function sent."""

from __future__ import annotations

from typing import Any

from agent_core import interpreting, memory, planning
from agent_core.interpreting import Observation


def planner_variables(event: Any) -> dict[str, str]:
    question, history = memory.turn_input(event)
    done = interpreting.already_called(event.get("observations") if isinstance(event, dict) else None)
    return planning.planner_variables(question, memory.user_texts(history), done)


def interpreter_inputs(event: Any) -> tuple[str, list[Observation], str | None]:
    """(question, every observation of the turn so far, the parse step's follow-up question)."""
    event = event if isinstance(event, dict) else {}
    question, _ = memory.turn_input(event)
    new = [interpreting.read_tool_result(item) for item in event.get("tool_results") or []]
    observations = interpreting.merge(interpreting.read_observations(event.get("observations")), new)
    follow_up = event.get("follow_up")
    return question, observations, follow_up if isinstance(follow_up, str) else None


def interpreter_variables(event: Any) -> dict[str, str] | None:
    """The interpreter prompt's variables, or None when the records need no model (none was found)."""
    question, observations, _ = interpreter_inputs(event)
    if not interpreting.needs_model(observations):
        return None
    return interpreting.interpreter_variables(question, observations)
