"""Conversation memory: the last few turns, bounded in count and bytes.

It travels in a Lex session attribute (``agent_history``) and reaches the planner, so follow-ups
("What about order 123457?", "When will it arrive?") are understood. Ids are taken only from the
user's side of it.

The client can write session attributes, so memory kept there is signed: ``agent_history_sig`` is an
HMAC-SHA256 of the memory's exact text together with the bot, the bot alias and the Lex session it
belongs to (a signature cannot be replayed into another session or alias). Memory is trusted only
when its signature verifies; it is measured before it is parsed, and parsing raises nothing.
"""

from __future__ import annotations

import hashlib
import hmac
import json
import re
from collections.abc import Mapping
from typing import Any, Literal, NamedTuple, NotRequired, TypedDict

from agent_core.limits import MAX_HISTORY_BYTES, MAX_HISTORY_TEXT_CHARS, MAX_HISTORY_TURNS
from agent_core.text import clean_model_text, clean_user_text

SESSION_ATTRIBUTE = "agent_history"
SIGNATURE_ATTRIBUTE = "agent_history_sig"
_SIGNATURE = re.compile(r"[0-9a-f]{64}")
_SIGNED_FORMAT = "agent_history/v1"
# Why memory from session attributes was not used (the fulfilment function counts each as MemoryRejected).
Rejection = Literal["no_key", "too_large", "unsigned", "bad_signature", "unreadable"]


class Conversation(NamedTuple):
    """Whose memory it is: a signature binds memory to these."""

    bot_id: str
    bot_alias_id: str
    session_id: str


class Turn(TypedDict):
    user: str
    agent: str
    unanswered: NotRequired[bool]  # the agent could not answer it (twice in a row: a person takes over)


def read_history(raw: Any) -> list[Turn]:
    """Turns from a list (state machine input) or its JSON text; junk is dropped, nothing raises."""
    return _turns(_parsed(raw))


def _parsed(raw: Any) -> Any:
    """A list of turns as parsed, or None: text longer than memory can be is not parsed, and JSON
    nested past the parser's recursion limit (``"[" * 1000``) is unreadable, not an error."""
    if not isinstance(raw, str):
        return raw if isinstance(raw, list) else None
    if len(raw) > MAX_HISTORY_BYTES or len(raw.encode("utf-8", "surrogatepass")) > MAX_HISTORY_BYTES:
        return None
    try:
        parsed = json.loads(raw)
    except (ValueError, RecursionError):
        return None
    return parsed if isinstance(parsed, list) else None


def _turns(raw: Any) -> list[Turn]:
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


def signature(key: bytes, conversation: Conversation, attribute: str) -> str:
    """HMAC-SHA256, hex, over the canonical JSON of (format, bot, alias, session, memory text)."""
    message = json.dumps([_SIGNED_FORMAT, *conversation, attribute], ensure_ascii=False, separators=(",", ":"))
    return hmac.new(key, message.encode("utf-8", "surrogatepass"), hashlib.sha256).hexdigest()


def signed_attributes(history: list[Turn], key: bytes, conversation: Conversation) -> dict[str, str]:
    """The session attributes that carry ``history``: the memory and its signature."""
    attribute = to_attribute(history)
    return {SESSION_ATTRIBUTE: attribute, SIGNATURE_ATTRIBUTE: signature(key, conversation, attribute)}


def read_signed(
    attributes: Mapping[str, Any], key: bytes | None, conversation: Conversation
) -> tuple[list[Turn], Rejection | None]:
    """(turns, why they were rejected) from session attributes. No memory sent: ([], None). Memory
    is used only when ``key`` verifies its signature; it is never parsed before that."""
    raw, sent = attributes.get(SESSION_ATTRIBUTE), attributes.get(SIGNATURE_ATTRIBUTE)
    if raw is None and sent is None:
        return [], None
    if key is None:
        return [], "no_key"
    if not isinstance(raw, str) or len(raw) > MAX_HISTORY_BYTES:
        return [], "too_large" if isinstance(raw, str) else "unreadable"
    if len(raw.encode("utf-8", "surrogatepass")) > MAX_HISTORY_BYTES:
        return [], "too_large"
    if not isinstance(sent, str) or not sent:
        return [], "unsigned"
    if not _SIGNATURE.fullmatch(sent) or not hmac.compare_digest(sent, signature(key, conversation, raw)):
        return [], "bad_signature"
    parsed = _parsed(raw)
    if parsed is None:
        return [], "unreadable"
    return _turns(parsed), None


def _bounded(turns: list[Turn]) -> list[Turn]:
    while turns and len(to_attribute(turns).encode("utf-8")) > MAX_HISTORY_BYTES:
        turns = turns[1:]
    return turns
