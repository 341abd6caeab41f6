"""What a turn did, read from what any target reports: the Lex response, the execution's output and,
locally, its history events (the states entered, the model calls, the failures)."""

from __future__ import annotations

import json
from dataclasses import dataclass, field
from typing import Any

from agent_core import registry


@dataclass
class ToolUse:
    name: str
    args: dict[str, str]
    ok: bool
    status: str


@dataclass
class Turn:
    question: str
    answer: str
    response: dict[str, Any]
    output: dict[str, Any]
    status: str
    states: list[str]
    tools: list[ToolUse]
    iterations: int
    llm_calls: int
    elapsed_ms: int
    failures: list[str] = field(default_factory=list)
    selected: list[str] = field(default_factory=list)  # the tools the planner chose first
    transitions: int = 0  # states entered, Map iterations included
    lambda_invocations: int = 0
    events: list[dict[str, Any]] = field(default_factory=list)  # the execution's history, locally
    ledger: dict[str, Any] | None = None  # the fulfilment Lambda's ledger line for the turn (agent_core.ledger)

    def summary(self) -> dict[str, Any]:
        """The ``agent chat --json`` line for this turn."""
        return {**summarise(self, self.output.get("outcome", self.status.lower())), "selected": self.selected}


def summarise(turn: Any, outcome: str) -> dict[str, Any]:
    """The keys every target's turn reports (``agent chat --json``), local or remote."""
    return {
        "question": turn.question,
        "answer": turn.answer,
        "tools": [{"name": t.name, "args": t.args, "ok": t.ok, "status": t.status} for t in turn.tools],
        "states": turn.states,
        "iterations": turn.iterations,
        "llm_calls": turn.llm_calls,
        "elapsed_ms": turn.elapsed_ms,
        "outcome": outcome,
        "sources": sources_of(getattr(turn, "output", None) or {"sources": getattr(turn, "sources", [])}),
        "handoff": handoff_of(getattr(turn, "output", None) or {"handoff": getattr(turn, "handoff", None)}),
        "failures": turn.failures,
        "ledger": getattr(turn, "ledger", None),
    }


def sources_of(output: Any) -> list[str]:
    """The knowledge entries an answer cites (the execution output's ``sources``), read defensively."""
    items = output.get("sources") if isinstance(output, dict) else None
    return [str(item) for item in items if isinstance(item, str)] if isinstance(items, list) else []


def handoff_of(output: Any) -> dict[str, str] | None:
    """``{"reason": ...}`` when the turn handed the conversation to a person, else None."""
    handoff = output.get("handoff") if isinstance(output, dict) else None
    return {"reason": str(handoff.get("reason", ""))} if isinstance(handoff, dict) else None


def tool_uses(output: Any) -> list[ToolUse]:
    """The lookups an execution's output reports (its ``tools``), read defensively: any target's output."""
    items = output.get("tools") if isinstance(output, dict) else None
    known = {t.name: t for t in registry.record_tools()}  # a search has no id: its args stay empty
    return [
        ToolUse(
            name=str(item.get("tool", "")),
            args={known[item["tool"]].argument: str(item.get("id", ""))} if item.get("tool") in known else {},
            ok=item.get("status") in ("found", "not_found"),
            status=str(item.get("status", "")),
        )
        for item in (items if isinstance(items, list) else [])
        if isinstance(item, dict)
    ]


# ---------------------------------------------------------------- an execution's history


def states_entered(events: list[dict[str, Any]]) -> list[str]:
    return [e["stateEnteredEventDetails"]["name"] for e in events if "stateEnteredEventDetails" in e]


def task_payloads(events: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """What each Lambda task returned, in order."""
    payloads = []
    for event in events:
        details = event.get("taskSucceededEventDetails")
        if details:
            payload = json.loads(details.get("output") or "{}").get("Payload")
            if isinstance(payload, dict):
                payloads.append(payload)
    return payloads


def model_calls(events: list[dict[str, Any]]) -> int:
    return sum(p["model_calls"] for p in task_payloads(events) if isinstance(p.get("model_calls"), int))


def first_selection(events: list[dict[str, Any]]) -> list[str]:
    """The tools the parse step accepted first in the turn."""
    return next((list(p["selected"]) for p in task_payloads(events) if "selected" in p), [])


def task_failures(events: list[dict[str, Any]]) -> list[str]:
    failed = (e.get("taskFailedEventDetails") or e.get("taskTimedOutEventDetails") for e in events)
    return [f"{details.get('error')}: {cause_message(details.get('cause'))}" for details in failed if details]


def lambda_invocations(events: list[dict[str, Any]]) -> int:
    return sum(1 for event in events if "taskScheduledEventDetails" in event)


def cause_message(cause: Any) -> str:
    try:
        parsed = json.loads(cause)
        return str(parsed.get("errorMessage", cause))[:300]
    except (TypeError, ValueError, AttributeError):
        return str(cause or "")[:300]


def local_turn(
    question: str,
    answer: str,
    response: dict[str, Any],
    events: list[dict[str, Any]],
    status: str,
    output: dict[str, Any],
    error: tuple[str, str],
    elapsed_ms: int,
) -> Turn:
    """A local turn, from its Lex response and its execution."""
    failures = task_failures(events)
    if status != "SUCCEEDED":
        failures.append(f"execution {status}: {error[0]} {cause_message(error[1])}".strip())
    states = states_entered(events)
    return Turn(
        question,
        answer,
        response,
        output,
        status,
        states,
        tool_uses(output),
        int(output.get("iterations") or 0),
        model_calls(events),
        elapsed_ms,
        failures,
        selected=first_selection(events),
        transitions=len(states),
        lambda_invocations=lambda_invocations(events),
        events=events,
    )
