"""Canned answers (``answers.json``): what the agent says when the model does not write the answer."""

from __future__ import annotations

import json
from functools import cache
from typing import Any

from agent_core import registry
from agent_core.paths import package_file


@cache
def _answers() -> dict[str, str]:
    raw = json.loads(package_file("answers.json").read_text(encoding="utf-8"))
    return {key: value for key, value in raw.items() if not key.startswith("$")}


def answer(key: str, **values: Any) -> str:
    return _answers()[key].format(**(_registry_words() | values))


@cache
def _registry_words() -> dict[str, str]:
    """``{topics}`` and ``{one_topic}``: what the agent can look up, from the tool registry's record tools."""
    tools = registry.record_tools()
    return {
        "topics": _listed([tool.plural for tool in tools], "and"),
        "one_topic": _listed([tool.display_name for tool in tools], "or"),
    }


def _listed(words: list[str], conjunction: str) -> str:
    return words[0] if len(words) == 1 else f"{', '.join(words[:-1])} {conjunction} {words[-1]}"


def answer_template(key: str) -> str:
    """The answer with its placeholders unfilled."""
    return _answers()[key]


def names() -> frozenset[str]:
    return frozenset(_answers())
