"""Canned answers (``answers.json``): what the agent says when the model does not write the answer."""

from __future__ import annotations

import json
from functools import cache
from typing import Any

from agent_core.paths import package_file


@cache
def _answers() -> dict[str, str]:
    raw = json.loads(package_file("answers.json").read_text(encoding="utf-8"))
    return {key: value for key, value in raw.items() if not key.startswith("$")}


def answer(key: str, **values: Any) -> str:
    return _answers()[key].format(**values)


def answer_template(key: str) -> str:
    """The answer with its placeholders unfilled."""
    return _answers()[key]


def names() -> frozenset[str]:
    return frozenset(_answers())
