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

from agent_core import registry
from agent_core.answers import answer
from agent_core.limits import MAX_CALLS_PER_TURN, MAX_HISTORY_TEXT_CHARS, MAX_HISTORY_TURNS, MAX_IDS_PER_TOOL
from agent_core.text import clean_user_text

NO_TOOL = "no_tool"
_NO_TOOL_WORDS = {NO_TOOL, "none", "noop", "no_tools", "notool"}
_WORD = re.compile(r"[a-z][a-z0-9_]*")
MAX_MENTION_CHARS = 24  # of an invalid id quoted back in the question asked

Outcome = Literal["call_tools", "no_tool", "clarify", "nothing_new"]


@dataclass(frozen=True)
class ToolCall:
    tool: str
    id: str
    argument: str
    id_source: Literal["this_turn", "earlier_turn"]


@dataclass
class ParsedPlan:
    outcome: Outcome
    selected: list[str] = field(default_factory=list)
    rejected: list[str] = field(default_factory=list)
    calls: list[ToolCall] = field(default_factory=list)
    message: str | None = None  # the question to ask; with call_tools, asked along with the answer

    def to_dict(self) -> dict[str, Any]:
        return asdict(self)


def read_tool_names(plan_text: str) -> tuple[list[str], list[str]]:
    """(tools named, unknown tool-like names) in the planner's text.

    Tolerates what models emit: "order_inquiry", "Tool: order_status", "order_status, return_status",
    "Order Status.", small typos in a tool-like name ("retrun_status"). A plan that first says no tool
    uses none, whatever its explanation names after that.
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
    tools = [name for name in selected if name != NO_TOOL]
    return tools, rejected


def plan_calls(
    plan_text: str,
    question: str,
    earlier_user_texts: Sequence[str],
    already_called: Iterable[tuple[str, str]] = (),
) -> ParsedPlan:
    selected, rejected = read_tool_names(plan_text)
    done = set(already_called)
    if not selected:
        if done:  # a later step that needs no tool: answer with what was found
            return ParsedPlan("nothing_new", rejected=rejected)
        return ParsedPlan("no_tool", rejected=rejected, message=answer("no_tool"))

    this_turn = registry.extract_ids(question)
    mentions = registry.invalid_id_mentions(question)
    calls: list[ToolCall] = []
    clarifications: list[str] = []
    missing: list[registry.Tool] = []
    for name in selected:
        tool = registry.tool(name)
        ids = this_turn.get(name, [])
        source: Literal["this_turn", "earlier_turn"] = "this_turn"
        if not ids and mentions:  # an id was meant, and it is not valid: ask, never use memory instead
            clarifications.append(
                answer(
                    "invalid_id",
                    value=clean_user_text(mentions[0], MAX_MENTION_CHARS),
                    display_name=tool.display_name,
                    ask_for_id=tool.ask_for_id,
                )
            )
            continue
        if not ids:
            ids = _ids_from_earlier_turns(name, earlier_user_texts)
            source = "earlier_turn"
            if len(ids) > 1:
                clarifications.append(answer("ambiguous_id", display_name=tool.display_name, ids=", ".join(ids)))
                continue
        if not ids:
            missing.append(tool)
        elif len(ids) > MAX_IDS_PER_TOOL:
            clarifications.append(answer("too_many_ids", limit=MAX_IDS_PER_TOOL, plural=tool.plural))
        else:
            calls.extend(ToolCall(name, value, tool.argument, source) for value in ids)

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


def _ids_from_earlier_turns(tool_name: str, earlier_user_texts: Sequence[str]) -> list[str]:
    for text in reversed(earlier_user_texts):
        ids = registry.extract_ids(text).get(tool_name, [])
        if ids:
            return ids
    return []


@cache
def _known_names() -> dict[str, str]:
    names = {word: NO_TOOL for word in _NO_TOOL_WORDS}
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
