"""From tool results and the interpreter's raw text to a decision: answer, refuse or look further.

Tool results are checked before use (a tool Lambda may return anything); the model's answer is used
only when it is grounded in the records, otherwise the records themselves are the answer.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any, Literal

from agent_core import grounding, registry
from agent_core.answers import answer
from agent_core.limits import MAX_ANSWER_CHARS, MAX_OBSERVATION_CHARS, MAX_RECORDS_IN_PROMPT
from agent_core.text import clean_model_text, clean_record_text, clean_user_text, truncate

Status = Literal["found", "not_found", "invalid_id", "error"]
Decision = Literal["answer", "refuse", "continue"]
_STATUSES = {"found", "not_found", "invalid_id"}
_REFUSALS = re.compile(
    r"^\W*(irrelevant|not relevant|unanswerable|i cannot answer|i can't answer|cannot be answered)", re.IGNORECASE
)
# The sentinel alone in any case, or leading in capitals ("MORE: the return"); not "More than one item...".
_MORE = re.compile(r"^\W*(?:(?i:more)\W*$|MORE\b)")


@dataclass(frozen=True)
class Observation:
    tool: str
    id: str
    status: Status
    text: str

    def to_dict(self) -> dict[str, str]:
        return asdict(self)


@dataclass(frozen=True)
class Interpretation:
    decision: Decision
    answer: str
    answered_by: Literal["model", "tools", "rules"]
    fallback_answer: str
    observations: list[dict[str, str]]

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def read_tool_result(item: Any) -> Observation:
    """One Map item's outcome as an observation, attributed to the call that was made.

    ``item`` is the call (``tool``, ``id``) with the tool Lambda's payload under ``result.payload``,
    or with ``error`` when the call failed. Whatever the payload holds, only a known status with some
    text, about the tool and id that were called, counts; anything else is an error observation.
    """
    call = item if isinstance(item, dict) else {}
    result = call.get("result")
    payload = result.get("payload") if isinstance(result, dict) else None
    payload = payload if isinstance(payload, dict) else {}
    if (payload.get("tool"), payload.get("id")) != (call.get("tool"), call.get("id")):
        payload = {}  # a record about another id must never answer for this one
    return _checked(call.get("tool"), call.get("id"), payload.get("status"), payload.get("observation"))


def read_observations(raw: Any) -> list[Observation]:
    """Observations carried from earlier iterations of this turn."""
    if not isinstance(raw, list):
        return []
    return [
        _checked(item.get("tool"), item.get("id"), item.get("status"), item.get("text"))
        for item in raw
        if isinstance(item, dict)
    ]


def _checked(tool_name: Any, value: Any, status: Any, text: Any) -> Observation:
    tool = next((t for t in registry.tools() if t.name == tool_name), None)
    if tool is None or not isinstance(value, str) or not tool.is_valid_id(value):
        return Observation(str(tool_name)[:40], "", "error", "")
    text = clean_record_text(text, MAX_OBSERVATION_CHARS)  # record text is data: no markup, links, ARNs, orders
    if status in _STATUSES and text:
        return Observation(tool.name, value, status, text)
    return Observation(tool.name, value, "error", answer("tool_error", display_name=tool.display_name, id=value))


def merge(earlier: Sequence[Observation], new: Sequence[Observation]) -> list[Observation]:
    merged = {(o.tool, o.id): o for o in earlier}
    for observation in new:
        merged[(observation.tool, observation.id)] = observation
    return list(merged.values())


def records_variable(observations: Sequence[Observation]) -> str:
    """The ``records`` variable of ``prompts/interpreter.txt``: one ``record:`` line per observation,
    the newest few, each cut to size."""
    texts = [clean_model_text(o.text, MAX_OBSERVATION_CHARS) for o in observations if o.text]
    return "\n".join(f"record: {text}" for text in texts[-MAX_RECORDS_IN_PROMPT:])


def interpreter_variables(question: str, observations: Sequence[Observation]) -> dict[str, str]:
    return {"records": records_variable(observations), "question": clean_user_text(question)}


def needs_model(observations: Sequence[Observation]) -> bool:
    """Only found records need interpreting; "not found" and errors are answered as they are."""
    return any(o.status == "found" for o in observations)


def findings(observations: Sequence[Observation]) -> str:
    """Every record's text, within the answer length: each gets a fair share (what shorter ones leave
    goes to longer ones), so no record looked up is dropped for the ones before it."""
    texts = [clean_model_text(o.text, MAX_ANSWER_CHARS) for o in observations]
    texts = [text for text in texts if text]
    left = MAX_ANSWER_CHARS - (len(texts) - 1)  # the spaces between them
    limits: dict[int, int] = {}
    for done, index in enumerate(sorted(range(len(texts)), key=lambda i: len(texts[i]))):
        limits[index] = min(len(texts[index]), left // (len(texts) - done))
        left -= limits[index]
    return " ".join(truncate(text, limits[index]) for index, text in enumerate(texts))


def interpret(
    question: str, observations: Sequence[Observation], model_text: str | None, follow_up: str | None = None
) -> Interpretation:
    """The decision for this iteration. ``model_text`` is None when the model was not asked;
    ``follow_up`` is a question the parse step could not answer by a lookup (an id is missing), asked
    after the answer."""
    found = findings([o for o in observations if o.status == "found"])
    fallback = answer("partial_answer", findings=found) if found else answer("no_progress")
    carried = [o.to_dict() for o in observations]

    def decide(decision: Decision, text: str, by: Literal["model", "tools", "rules"]) -> Interpretation:
        if decision == "answer":
            text = and_ask(text, follow_up)
        return Interpretation(decision, text, by, and_ask(fallback, follow_up), carried)

    if model_text is None:
        return decide("answer", findings(observations) or answer("no_progress"), "tools")
    if len(model_text) > 2 * MAX_ANSWER_CHARS:  # a runaway generation: not an answer
        return decide("answer", findings(observations), "tools")
    text = clean_model_text(model_text, MAX_ANSWER_CHARS)
    if _REFUSALS.match(text):
        return decide("refuse", answer("irrelevant"), "rules")
    if _MORE.match(text):
        return decide("continue", "", "rules")
    if grounding.is_grounded(text, [o.text for o in observations] + [question]):
        return decide("answer", text, "model")
    return decide("answer", findings(observations), "tools")


def and_ask(text: str, question: str | None) -> str:
    """``text`` then ``question``, within the answer length: the text is cut, never the question."""
    question = clean_model_text(question, MAX_ANSWER_CHARS // 2)
    if not question:
        return clean_model_text(text, MAX_ANSWER_CHARS)
    text = clean_model_text(text, MAX_ANSWER_CHARS - len(question) - 1)
    return f"{text} {question}" if text else question


def already_called(raw: Any) -> list[tuple[str, str]]:
    """(tool, id) of every lookup made earlier in this turn."""
    return [(o.tool, o.id) for o in read_observations(raw)]
