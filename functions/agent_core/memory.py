"""Conversation memory: the last few turns, bounded in count and bytes.

It travels in a Lex session attribute (``agent_history``) and reaches the planner, so follow-ups
("What about order 123457?", "When will it arrive?") are understood. Ids are taken only from the
user's side of it.
"""

from __future__ import annotations

import json
from typing import Any, NotRequired, TypedDict

from agent_core.limits import MAX_HISTORY_BYTES, MAX_HISTORY_TEXT_CHARS, MAX_HISTORY_TURNS
from agent_core.text import clean_model_text, clean_user_text

SESSION_ATTRIBUTE = "agent_history"


class Turn(TypedDict):
    user: str
    agent: str
    unanswered: NotRequired[bool]  # the agent could not answer it (twice in a row: a person takes over)


def read_history(raw: Any) -> list[Turn]:
    """Turns from a list (state machine input) or its JSON text (session attribute); junk is dropped."""
    if isinstance(raw, str):
        try:
            raw = json.loads(raw)
        except ValueError:
            return []
    if not isinstance(raw, list):
        return []
    turns: list[Turn] = []
    for item in raw[-MAX_HISTORY_TURNS:]:
        if isinstance(item, dict) and isinstance(item.get("user"), str):
            turn = Turn(
                user=clean_user_text(item["user"], MAX_HISTORY_TEXT_CHARS),
                agent=clean_model_text(item.get("agent", ""), MAX_HISTORY_TEXT_CHARS),
            )
            if item.get("unanswered") is True:
                turn["unanswered"] = True
            turns.append(turn)
    return _bounded(turns)


def turn_input(event: Any) -> tuple[str, list[Turn]]:
    """(question, remembered turns) from a state machine task's ``turn`` object."""
    turn = event.get("turn") if isinstance(event, dict) else None
    if not isinstance(turn, dict):
        return "", []
    question = turn.get("question")
    return (question if isinstance(question, str) else ""), read_history(turn.get("history"))


def user_texts(history: list[Turn]) -> list[str]:
    return [turn["user"] for turn in history]


def remember(history: list[Turn], question: str, answer: str, unanswered: bool = False) -> list[Turn]:
    turn: dict[str, Any] = {"user": question, "agent": answer}
    if unanswered:
        turn["unanswered"] = True
    return read_history([*history, turn])


def last_unanswered(history: list[Turn]) -> bool:
    """The agent could not answer the latest remembered turn."""
    return bool(history) and history[-1].get("unanswered") is True


def to_attribute(history: list[Turn]) -> str:
    return json.dumps(history, ensure_ascii=False, separators=(",", ":"))


def _bounded(turns: list[Turn]) -> list[Turn]:
    while turns and len(to_attribute(turns).encode("utf-8")) > MAX_HISTORY_BYTES:
        turns = turns[1:]
    return turns
