"""From tool results and the interpreter's raw text to a decision: answer, refuse or look further.

Tool results are checked before use (a tool Lambda may return anything); the model's answer is used
only when it is grounded in the records, otherwise the records themselves are the answer.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from functools import cache
from typing import Any, Literal

from agent_core import conversation, grounding, registry
from agent_core.answers import answer
from agent_core.limits import (
    MAX_ANSWER_CHARS,
    MAX_OBSERVATION_CHARS,
    MAX_RECORDS_IN_PROMPT,
    MAX_SEARCH_OBSERVATION_CHARS,
)
from agent_core.text import clean_model_text, clean_record_text, clean_user_text, truncate

Status = Literal["found", "not_found", "invalid_id", "error"]
Decision = Literal["answer", "knowledge", "refuse", "continue", "handoff", "decline"]
_STATUSES = {"found", "not_found", "invalid_id"}
_REFUSALS = re.compile(
    r"^\W*(irrelevant|not relevant|unanswerable|i cannot answer|i can't answer|cannot be answered)", re.IGNORECASE
)
# The sentinel alone in any case, or leading in capitals ("MORE: the return"); not "More than one item...".
_MORE = re.compile(r"^\W*(?:(?i:more)\W*$|MORE\b)")


_SOURCE = re.compile(r"^[a-z0-9][a-z0-9-]{0,79}$")
_ARTICLE = re.compile(r"Help centre article ([a-z0-9][a-z0-9-]*) \(")


@dataclass(frozen=True)
class Observation:
    tool: str
    id: str
    status: Status
    text: str
    sources: tuple[str, ...] = ()  # the knowledge entries a search found

    def to_dict(self) -> dict[str, Any]:
        return {**asdict(self), "sources": list(self.sources)}

    @property
    def is_knowledge(self) -> bool:
        return not registry.tool(self.tool).looks_up_ids if self.tool in _tool_names() else False


@dataclass(frozen=True)
class Interpretation:
    decision: Decision
    answer: str
    answered_by: Literal["model", "tools", "rules"]
    fallback_answer: str
    observations: list[dict[str, Any]]
    sources: list[str]  # the knowledge entries the answer uses
    handoff: dict[str, str] | None = None

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
    found = payload.get("sources")
    sources = [item.get("id") for item in found if isinstance(item, dict)] if isinstance(found, list) else []
    return _checked(call.get("tool"), call.get("id"), payload.get("status"), payload.get("observation"), sources)


def read_observations(raw: Any) -> list[Observation]:
    """Observations carried from earlier iterations of this turn."""
    if not isinstance(raw, list):
        return []
    return [
        _checked(item.get("tool"), item.get("id"), item.get("status"), item.get("text"), item.get("sources"))
        for item in raw
        if isinstance(item, dict)
    ]


def _checked(tool_name: Any, value: Any, status: Any, text: Any, sources: Any = ()) -> Observation:
    tool = next((t for t in registry.tools() if t.name == tool_name), None)
    if tool is None or not isinstance(value, str) or not tool.is_valid_id(value):
        return Observation(str(tool_name)[:40], "", "error", "")
    limit = MAX_OBSERVATION_CHARS if tool.looks_up_ids else MAX_SEARCH_OBSERVATION_CHARS
    text = clean_record_text(text, limit)  # record text is data: no markup, links, ARNs, orders
    if status in _STATUSES and text:
        kept = tuple(s for s in sources if isinstance(s, str) and _SOURCE.match(s))[:4] if sources else ()
        return Observation(tool.name, value, status, text, kept if not tool.looks_up_ids else ())
    if not tool.looks_up_ids:
        return Observation(tool.name, value, "error", answer("knowledge_error"))
    return Observation(tool.name, value, "error", answer("tool_error", display_name=tool.display_name, id=value))


@cache
def _tool_names() -> frozenset[str]:
    return frozenset(tool.name for tool in registry.tools())


def merge(earlier: Sequence[Observation], new: Sequence[Observation]) -> list[Observation]:
    merged = {(o.tool, o.id): o for o in earlier}
    for observation in new:
        merged[(observation.tool, observation.id)] = observation
    return list(merged.values())


def records_variable(observations: Sequence[Observation]) -> str:
    """The ``records`` variable of ``prompts/interpreter.txt``: one ``record:`` line per observation,
    the newest few, each cut to size."""
    texts = [
        clean_model_text(o.text, MAX_SEARCH_OBSERVATION_CHARS if o.is_knowledge else MAX_OBSERVATION_CHARS)
        for o in observations
        if o.text
    ]
    return "\n".join(f"record: {text}" for text in texts[-MAX_RECORDS_IN_PROMPT:])


def interpreter_variables(question: str, observations: Sequence[Observation]) -> dict[str, str]:
    return {"records": records_variable(observations), "question": clean_user_text(question)}


def needs_model(observations: Sequence[Observation]) -> bool:
    """Only found records need interpreting; "not found" and errors are answered as they are."""
    return any(o.status == "found" for o in observations)


def findings(observations: Sequence[Observation]) -> str:
    """Every record's text, within the answer length: each gets a fair share (what shorter ones leave
    goes to longer ones), so no record looked up is dropped for the ones before it."""
    texts = [clean_model_text(_presented(o), MAX_ANSWER_CHARS) for o in observations]
    texts = [text for text in texts if text]
    left = MAX_ANSWER_CHARS - (len(texts) - 1)  # the spaces between them
    limits: dict[int, int] = {}
    for done, index in enumerate(sorted(range(len(texts)), key=lambda i: len(texts[i]))):
        limits[index] = min(len(texts[index]), left // (len(texts) - done))
        left -= limits[index]
    return " ".join(truncate(text, limits[index]) for index, text in enumerate(texts))


def _presented(observation: Observation) -> str:
    """What the customer reads of a record: its text; of a search, the best article's answer alone, without
    the header the model reads ("Help centre article id (title): ..."); the source follows the answer."""
    if not (observation.is_knowledge and observation.status == "found"):
        return observation.text
    parts = _ARTICLE.split(observation.text)
    return parts[2].split("): ", 1)[-1].strip() if len(parts) >= 3 else observation.text


def interpret(
    question: str,
    observations: Sequence[Observation],
    model_text: str | None,
    follow_up: str | None = None,
    *,
    previous_unanswered: bool = False,
    fallback: bool = False,
) -> Interpretation:
    """The decision for this iteration. ``model_text`` is None when the model was not asked;
    ``follow_up`` is a question the parse step could not answer by a lookup (an id is missing), asked
    after the answer. A turn that only searched the knowledge base is a ``knowledge`` answer; when the
    search found nothing right after a turn the agent could not answer either, a person takes over.
    ``fallback``: the planner named no tool and the search was the last try: with nothing found, the
    turn is declined (``follow_up`` is then the decline, not a question)."""
    found_any = any(o.status == "found" for o in observations)
    if fallback:
        if not found_any:
            searched = [o.to_dict() for o in observations]
            if previous_unanswered:
                handoff = conversation.hand_over("unanswered_twice")
                return Interpretation("handoff", handoff["answer"], "rules", "", searched, [], handoff)
            return Interpretation("decline", follow_up or answer("out_of_scope"), "rules", "", searched, [])
        follow_up = None
    found = findings([o for o in observations if o.status == "found"])
    fallback = answer("partial_answer", findings=found) if found else answer("no_progress")
    carried = [o.to_dict() for o in observations]
    knowledge_only = bool(observations) and all(o.is_knowledge for o in observations)
    answering: Decision = "knowledge" if knowledge_only else "answer"

    def decide(decision: Decision, text: str, by: Literal["model", "tools", "rules"]) -> Interpretation:
        sources: list[str] = []
        if decision in ("answer", "knowledge"):
            sources = cited(observations, text)
            if sources:  # the customer sees which help-centre articles the answer comes from
                text = and_ask(text, answer("knowledge_source", titles="; ".join(titles(observations, sources))))
            text = conversation.with_language_note(and_ask(text, follow_up), question)
        return Interpretation(decision, text, by, and_ask(fallback, follow_up), carried, sources)

    if model_text is None:
        if knowledge_only and previous_unanswered and not any(o.status == "found" for o in observations):
            handoff = conversation.hand_over("unanswered_twice")
            return Interpretation("handoff", handoff["answer"], "rules", fallback, carried, [], handoff)
        return decide(answering, findings(observations) or answer("no_progress"), "tools")
    if len(model_text) > 2 * MAX_ANSWER_CHARS:  # a runaway generation: not an answer
        return decide(answering, findings(observations), "tools")
    text = clean_model_text(model_text, MAX_ANSWER_CHARS)
    if _REFUSALS.match(text):
        return decide("refuse", answer("irrelevant"), "rules")
    if _MORE.match(text):
        return decide("continue", "", "rules")
    articles = [o.text for o in observations if o.is_knowledge and o.status == "found"]
    if knowledge_only and articles and grounding.is_supported(text, articles):
        return decide(answering, text, "model")
    if not knowledge_only and grounding.is_grounded(text, [o.text for o in observations] + [question]):
        return decide(answering, text, "model")
    return decide(answering, findings(observations), "tools")


def cited(observations: Sequence[Observation], text: str) -> list[str]:
    """The knowledge entries ``text`` uses: those whose article it shares several content words with, at
    least half as many as the closest one; none when it shares few with any (a source is never claimed
    for what an article does not say)."""
    articles: dict[str, str] = {}
    for observation in observations:
        if observation.is_knowledge and observation.status == "found":
            parts = _ARTICLE.split(observation.text)
            articles |= {parts[i]: parts[i + 1] for i in range(1, len(parts) - 1, 2) if parts[i] in observation.sources}
            articles |= {source: "" for source in observation.sources if source not in articles}
    answer_words = set(grounding.content_words(text))
    shared = {source: len(answer_words & set(grounding.content_words(article))) for source, article in articles.items()}
    best = max(shared.values(), default=0)
    return [source for source, count in shared.items() if count >= max(4, best / 2)]


def titles(observations: Sequence[Observation], sources: Sequence[str]) -> list[str]:
    """The titles of the cited entries, as the search gave them ("Help centre article id (title): ...")."""
    found: dict[str, str] = {}
    for observation in observations:
        if observation.is_knowledge:
            parts = _ARTICLE.split(observation.text)
            found |= {parts[i]: parts[i + 1].split("):", 1)[0] for i in range(1, len(parts) - 1, 2)}
    return [found.get(source) or source for source in sources]


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
