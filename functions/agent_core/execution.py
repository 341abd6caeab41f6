"""A turn's execution as its callers see it: its name, its input, and what the user is told for its
response. The same from the fulfilment Lambda and from ``agent chat --target stepfunctions``."""

from __future__ import annotations

import json
import re
import uuid
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from agent_core.answers import answer
from agent_core.limits import LEX_MAX_MESSAGE_CHARS
from agent_core.memory import Turn
from agent_core.text import clean_model_text, fit_utf16

# Outcomes of turns the agent could not answer: two in a row hand the conversation to a person.
UNANSWERED = frozenset({"out_of_scope", "refused", "error", "too_slow", "not_run"})
HANDOFF_ATTRIBUTE, HANDOFF_REASON_ATTRIBUTE = "handoff", "handoff_reason"


@dataclass(frozen=True)
class TurnResult:
    answer: str
    outcome: str
    output: dict[str, Any]  # the execution's output; {} when there is none to read

    @property
    def unanswered(self) -> bool:
        """The agent could not answer: a decline, a refusal, an error, or a knowledge search with no answer."""
        no_source = self.outcome == "knowledge" and not self.output.get("sources")
        return self.outcome in UNANSWERED or no_source

    @property
    def handoff_reason(self) -> str | None:
        handoff = self.output.get("handoff")
        if self.outcome != "handoff":
            return None
        reason = handoff.get("reason") if isinstance(handoff, dict) else None
        return re.sub(r"[^a-z_]", "", str(reason))[:40] if reason else "unknown"


def handoff_attributes(result: TurnResult) -> dict[str, str]:
    """The session attributes a handoff sets, for Amazon Connect or QnABot to route the conversation."""
    reason = result.handoff_reason
    return {HANDOFF_ATTRIBUTE: "true", HANDOFF_REASON_ATTRIBUTE: reason} if reason else {}


def execution_name(session_id: str) -> str:
    """Unique, readable in the console, and within Step Functions' 80-character name rules."""
    prefix = re.sub(r"[^A-Za-z0-9_-]", "", session_id)[:40] or "turn"
    return f"{prefix}-{uuid.uuid4().hex[:16]}"


def execution_input(question: str, history: list[Turn], session_id: str) -> dict[str, Any]:
    """The state machine's input (StartTurn reads it): the cleaned question and the remembered turns."""
    return {"question": question, "history": history, "session_id": session_id[:100]}


def result_of(response: Mapping[str, Any]) -> TurnResult:
    """What the user is told for a StartSyncExecution response: the answer, or a polite one."""
    status = response.get("status")
    if status == "SUCCEEDED":
        return read_output(response.get("output"))
    if status == "TIMED_OUT":
        return TurnResult(answer("too_slow"), "too_slow", {})
    return TurnResult(answer("error"), "error", {})


def read_output(raw: Any) -> TurnResult:
    try:
        output = json.loads(raw)
        text = fit_utf16(clean_model_text(output["answer"], LEX_MAX_MESSAGE_CHARS), LEX_MAX_MESSAGE_CHARS)
    except (TypeError, ValueError, KeyError):
        return TurnResult(answer("error"), "error", {})
    if not text:
        return TurnResult(answer("error"), "error", {})
    outcome = output.get("outcome")
    return TurnResult(text, outcome if isinstance(outcome, str) else "answered", output)
