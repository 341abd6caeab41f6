"""Checks a turn against the expectations written in a data file (format: data/eval/README.md).

``expect`` keys (all optional):
  tools            {tool: [ids]} the lookups the turn must make, exactly ({} = no lookup)
  answer_contains  phrases the answer must contain (case-insensitive)
  answer_excludes  phrases the answer must not contain (case-insensitive)
  answer_equals    the exact answer
  outcome          the turn's outcome, the kind of reply it got (answered, knowledge, small_talk,
                   handoff, clarify, out_of_scope, refused, ...), or a list of acceptable ones
  sources          knowledge entries the answer may cite: citing any one of them is right
  states           the states entered, in order (the branches of a parallel Map in any order)
"""

from __future__ import annotations

from functools import cache
from typing import Any


def lookups(summary: dict[str, Any]) -> dict[str, list[str]]:
    """The ids each tool was called with in a turn (``agent chat --json`` shape)."""
    made: dict[str, list[str]] = {}
    for tool in summary.get("tools", []):
        if tool["args"]:  # a knowledge search looks nothing up by id
            made.setdefault(tool["name"], []).extend(tool["args"].values())
    return {name: sorted(ids) for name, ids in made.items()}


def problems(expect: dict[str, Any], summary: dict[str, Any]) -> list[str]:
    """What in ``summary`` does not meet ``expect``; empty when the turn is as expected."""
    found: list[str] = []
    answer = summary.get("answer", "")
    if "tools" in expect:
        wanted = {name: sorted(ids) for name, ids in expect["tools"].items()}
        if lookups(summary) != wanted:
            found.append(f"lookups {lookups(summary)} != expected {wanted}")
    for phrase in expect.get("answer_contains", []):
        if phrase.lower() not in answer.lower():
            found.append(f"answer lacks {phrase!r}")
    for phrase in expect.get("answer_excludes", []):
        if phrase.lower() in answer.lower():
            found.append(f"answer has {phrase!r}")
    if "answer_equals" in expect and answer != expect["answer_equals"]:
        found.append(f"answer is not {expect['answer_equals']!r}")
    if (
        "outcome" in expect
        and summary.get("outcome") not in acceptable(expect["outcome"])
        and not (
            summary.get("outcome") == "knowledge"
            and not summary.get("sources")
            and "out_of_scope" in acceptable(expect["outcome"])
        )
    ):
        found.append(f"outcome {summary.get('outcome')!r} != {expect['outcome']!r}")
    if "sources" in expect and not set(summary.get("sources", [])) & set(expect["sources"]):
        found.append(f"sources {summary.get('sources', [])} cite none of {expect['sources']}")
    if "states" in expect and in_order(summary.get("states", [])) != in_order(expect["states"]):
        found.append(f"states {summary.get('states')} != expected {expect['states']}")
    return found


def acceptable(outcome: str | list[str]) -> list[str]:
    """The outcomes an expectation accepts: one, or any of a list."""
    return [outcome] if isinstance(outcome, str) else list(outcome)


def in_order(states: list[str]) -> list[str]:
    """States entered, with each run of a Map's branch states sorted: branches run in parallel."""
    inner, ordered, run = _branch_states(), [], []
    for state in [*states, None]:
        if state in inner:
            run.append(state)
            continue
        ordered += sorted(run)
        run = []
        if state is not None:
            ordered.append(state)
    return ordered


@cache
def _branch_states() -> frozenset[str]:
    """The states inside the state machine's Map item processors (as Terraform renders it)."""
    from harness.docs import deployed_asl

    return frozenset(
        name
        for state in deployed_asl()["States"].values()
        if state["Type"] == "Map"
        for name in state["ItemProcessor"]["States"]
    )
