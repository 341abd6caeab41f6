"""From the planner's raw text to validated tool calls.

The model only names tools. Ids come from what the user typed in this conversation (this turn first,
then the remembered turns, newest first), matched with the registry's patterns, never from the
model's output: a model cannot make the agent look up an id the user did not give. A turn that names
something id-like but invalid ("And order 2345?") is asked about: it never falls back to a
remembered id.
"""

from __future__ import annotations

import difflib
import re
from collections.abc import Iterable, Sequence
from dataclasses import asdict, dataclass, field
from functools import cache
from typing import Any, Literal

from agent_core import conversation, registry
from agent_core.answers import answer
from agent_core.limits import (
    MAX_CALLS_PER_TURN,
    MAX_HISTORY_TEXT_CHARS,
    MAX_HISTORY_TURNS,
    MAX_IDS_PER_TOOL,
    MAX_SEARCH_CHARS,
)
from agent_core.text import clean_user_text, truncate

NO_TOOL = "no_tool"
SMALL_TALK = "small_talk"
HANDOFF = "handoff"
# What the planner may answer besides tool names: nothing to do, small talk, or a person.
_ROUTE_WORDS = {
    NO_TOOL: {NO_TOOL, "none", "noop", "no_tools", "notool", "out_of_scope"},
    SMALL_TALK: {SMALL_TALK, "smalltalk", "small_talks", "chit_chat", "chitchat", "greeting"},
    HANDOFF: {HANDOFF, "hand_off", "escalate", "human_agent", "live_agent"},
}
_WORD = re.compile(r"[a-z][a-z0-9_]*")
MAX_MENTION_CHARS = 24  # of an invalid id quoted back in the question asked

Outcome = Literal["call_tools", "out_of_scope", "clarify", "nothing_new", "small_talk", "handoff"]


@dataclass(frozen=True)
class ToolCall:
    tool: str
    id: str  # the id looked up ("" for a search tool)
    argument: str
    id_source: Literal["this_turn", "earlier_turn"]
    text: str = ""  # what a search tool searches for: the user's own question, cleaned and cut
    strict: bool = False  # a search made because the planner named nothing: only a close match counts

    @property
    def value(self) -> str:
        """The tool's argument: the id, or the question searched."""
        return self.text or self.id


@dataclass
class ParsedPlan:
    outcome: Outcome
    selected: list[str] = field(default_factory=list)
    rejected: list[str] = field(default_factory=list)
    calls: list[ToolCall] = field(default_factory=list)
    message: str | None = None  # the question to ask; with call_tools, asked along with the answer
    handoff_reason: str | None = None
    # The planner named nothing: the knowledge base is searched before declining, and ``message`` is the
    # decline, said only when the search finds no close match.
    fallback: bool = False

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def read_tool_names(plan_text: str) -> tuple[list[str], list[str]]:
    """(tools and routes named, unknown tool-like names) in the planner's text.

    Tolerates what models emit: "order_inquiry", "Tool: order_status", "order_status, return_status",
    "Order Status.", small typos in a tool-like name ("retrun_status"). A plan that first says no tool,
    small talk or handoff means that, whatever its explanation names after it.
    """
    names = _known_names()
    words = _WORD.findall(plan_text.lower())
    selected: list[str] = []
    rejected: list[str] = []
    i = 0
    while i < len(words):
        for width in (3, 2, 1):
            candidate = "_".join(words[i : i + width])
            if width <= len(words) - i and candidate in names:
                _add(selected, names[candidate])
                i += width
                break
        else:
            word = words[i]
            if "_" in word:
                close = difflib.get_close_matches(word, list(names), n=1, cutoff=0.8)
                if close:
                    _add(selected, names[close[0]])
                elif word not in rejected:
                    rejected.append(word)
            i += 1
    if selected[:1] == [NO_TOOL]:  # "no_tool (a question about returns in general)": the reason is not a choice
        return [], rejected
    if selected[:1] in ([SMALL_TALK], [HANDOFF]):
        return selected[:1], rejected
    return [name for name in selected if name != NO_TOOL], rejected


def plan_calls(
    plan_text: str,
    question: str,
    earlier_user_texts: Sequence[str],
    already_called: Iterable[tuple[str, str]] = (),
    previous_unanswered: bool = False,
) -> ParsedPlan:
    """What the turn does next. A request for a person is handed over whatever the planner chose; a message
    that is nothing but small talk gets a fixed answer; the ids the user typed are looked up even when the
    planner named no tool for them; and a question the agent cannot answer right after another is handed
    over."""
    selected, rejected = read_tool_names(plan_text)
    done = set(already_called)
    typed = registry.extract_ids(question)
    if not done:
        routed = _route(question, selected, rejected, bool(typed))
        if routed is not None:
            return routed
    selected = [name for name in selected if name not in (SMALL_TALK, HANDOFF)]
    if not done:  # an id the user typed is looked up, whatever the planner named
        selected += [name for name in typed if name not in selected]
    if not selected:
        return _nothing_selected(question, rejected, bool(done), previous_unanswered)

    mentions = registry.invalid_id_mentions(question)
    calls: list[ToolCall] = []
    clarifications: list[str] = []
    missing: list[registry.Tool] = []
    for name in selected:
        tool = registry.tool(name)
        found, clarification = _calls_for(tool, question, typed, mentions, earlier_user_texts)
        calls.extend(found)
        if clarification:
            clarifications.append(clarification)
        elif not found:
            missing.append(tool)

    # A tool without a usable id is asked about: with the answer when other lookups run, else alone.
    follow_up = clarifications[0] if clarifications else missing[0].ask_for_id if missing else None
    new_calls = [call for call in calls if (call.tool, call.id) not in done]
    if done:  # a later step: the lookups left in this turn's budget, then the answer with what was found
        new_calls = new_calls[: max(0, MAX_CALLS_PER_TURN - len(done))]
    plan = ParsedPlan("call_tools", selected=selected, rejected=rejected, calls=new_calls, message=follow_up)
    if len(new_calls) > MAX_CALLS_PER_TURN:
        plan.outcome, plan.calls = "clarify", []
        plan.message = answer("too_many_calls", limit=MAX_CALLS_PER_TURN)
    elif not new_calls:
        plan.outcome = "clarify" if follow_up else "nothing_new"
    return plan


def _route(question: str, selected: list[str], rejected: list[str], typed_an_id: bool) -> ParsedPlan | None:
    """A request for a person or a message that is only small talk: answered without a tool."""
    if conversation.asks_for_a_person(question):
        return _handoff(rejected, "asked_for_a_person")
    small_talk = ParsedPlan("small_talk", rejected=rejected, message=conversation.small_talk_reply(question))
    if conversation.small_talk_key(question) and not typed_an_id:
        return small_talk
    if selected[:1] == [HANDOFF]:
        return _handoff(rejected, "complaint")
    if selected[:1] == [SMALL_TALK] and not typed_an_id:
        return small_talk
    return None


def _nothing_selected(question: str, rejected: list[str], later_step: bool, previous_unanswered: bool) -> ParsedPlan:
    if later_step:  # a later step that needs no tool: answer with what was found
        return ParsedPlan("nothing_new", rejected=rejected)
    search = next((tool for tool in registry.tools() if not tool.looks_up_ids), None)
    if search is not None:  # before declining, the knowledge base: only a close match is answered from
        text = truncate(question, MAX_SEARCH_CHARS, False)
        call = ToolCall(search.name, "", search.argument, "this_turn", text, strict=True)
        return ParsedPlan("call_tools", rejected=rejected, calls=[call], message=answer("out_of_scope"), fallback=True)
    if conversation.second_in_a_row(previous_unanswered):
        return _handoff(rejected, "unanswered_twice")
    return ParsedPlan("out_of_scope", rejected=rejected, message=answer("out_of_scope"))


def _calls_for(
    tool: registry.Tool,
    question: str,
    typed: dict[str, list[str]],
    mentions: list[str],
    earlier_user_texts: Sequence[str],
) -> tuple[list[ToolCall], str | None]:
    """(the calls for one tool, what to ask instead); neither means the tool has no id to use."""
    if not tool.looks_up_ids:  # a search: with the user's own words, never the model's
        return [ToolCall(tool.name, "", tool.argument, "this_turn", truncate(question, MAX_SEARCH_CHARS, False))], None
    ids = typed.get(tool.name, [])
    source: Literal["this_turn", "earlier_turn"] = "this_turn"
    if not ids and mentions:  # an id was meant, and it is not valid: ask, never use memory instead
        value = clean_user_text(mentions[0], MAX_MENTION_CHARS)
        return [], answer("invalid_id", value=value, display_name=tool.display_name, ask_for_id=tool.ask_for_id)
    if not ids:
        ids = _ids_from_earlier_turns(tool.name, earlier_user_texts)
        source = "earlier_turn"
        if len(ids) > 1:
            return [], answer("ambiguous_id", display_name=tool.display_name, ids=", ".join(ids))
    if len(ids) > MAX_IDS_PER_TOOL:
        return [], answer("too_many_ids", limit=MAX_IDS_PER_TOOL, plural=tool.plural)
    return [ToolCall(tool.name, value, tool.argument, source) for value in ids], None


def _handoff(rejected: list[str], reason: conversation.HandoffReason) -> ParsedPlan:
    handoff = conversation.hand_over(reason)
    return ParsedPlan("handoff", rejected=rejected, message=handoff["answer"], handoff_reason=handoff["reason"])


def _ids_from_earlier_turns(tool_name: str, earlier_user_texts: Sequence[str]) -> list[str]:
    for text in reversed(earlier_user_texts):
        ids = registry.extract_ids(text).get(tool_name, [])
        if ids:
            return ids
    return []


@cache
def _known_names() -> dict[str, str]:
    names = {word: route for route, words in _ROUTE_WORDS.items() for word in words}
    for tool in registry.tools():
        names[tool.name] = tool.name
        for alias in tool.aliases:
            names.setdefault(alias, tool.name)
    return names


def _add(items: list[str], item: str) -> None:
    if item not in items:
        items.append(item)


def planner_variables(
    question: str, earlier_user_texts: Sequence[str], already_called: Sequence[tuple[str, str]] = ()
) -> dict[str, str]:
    """Variables of ``prompts/planner.txt``."""
    checked = ""
    if already_called:
        done = ", ".join(f"{tool} {value}" for tool, value in already_called)
        checked = f"Already looked up, do not select again: {done}.\n\n"
    conversation = "".join(
        f'earlier: "{clean_user_text(text, MAX_HISTORY_TEXT_CHARS)}"\n'
        for text in list(earlier_user_texts)[-MAX_HISTORY_TURNS:]
    )
    return {
        "tools": registry.planner_tool_list(),
        "checked": checked,
        "conversation": conversation,
        "question": clean_user_text(question),
    }
