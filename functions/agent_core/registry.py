"""The tool registry (``tools.json``): what each tool is called, what it takes and who serves it."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from typing import Any

from agent_core.paths import package_file


@dataclass(frozen=True)
class IdMatch:
    tool: str
    value: str  # canonical form, e.g. "rtn001"
    start: int
    end: int


@dataclass(frozen=True)
class Tool:
    name: str
    description: str
    aliases: tuple[str, ...]
    display_name: str
    plural: str  # "orders": answers say "at most 3 orders", never a made-up plural like "deliverys"
    argument: str
    id_pattern: re.Pattern[str]
    id_format: str
    ask_for_id: str
    function: str
    table: str

    def find_ids(self, text: str) -> list[IdMatch]:
        return [
            IdMatch(self.name, self.id_format.format(m.group(1)), m.start(), m.end())
            for m in self.id_pattern.finditer(text)
        ]

    def is_valid_id(self, value: str) -> bool:
        """True when ``value`` is an id of this tool in its canonical form."""
        match = self.id_pattern.fullmatch(value)
        return bool(match) and self.id_format.format(match.group(1)) == value


REQUIRED_FIELDS = (
    "name",
    "description",
    "display_name",
    "plural",
    "argument",
    "id_pattern",
    "id_format",
    "ask_for_id",
    "function",
    "table",
)


@cache
def tools() -> tuple[Tool, ...]:
    return parse_tools(json.loads(package_file("tools.json").read_text(encoding="utf-8")))


def parse_tools(raw: dict[str, Any]) -> tuple[Tool, ...]:
    """The tools of a registry document; a missing field is named in the error."""
    for entry in raw["tools"]:
        missing = [name for name in REQUIRED_FIELDS if not entry.get(name)]
        if missing:
            raise ValueError(f"tools.json: tool {entry.get('name', '?')!r} lacks {', '.join(missing)}")
    return tuple(
        Tool(
            name=entry["name"],
            description=entry["description"],
            aliases=tuple(entry.get("aliases", ())),
            display_name=entry["display_name"],
            plural=entry["plural"],
            argument=entry["argument"],
            id_pattern=re.compile(entry["id_pattern"]),
            id_format=entry["id_format"],
            ask_for_id=entry["ask_for_id"],
            function=entry["function"],
            table=entry["table"],
        )
        for entry in raw["tools"]
    )


def tool(name: str) -> Tool:
    for candidate in tools():
        if candidate.name == name:
            return candidate
    raise KeyError(f"unknown tool {name!r}")


def tool_for_function(function: str) -> Tool:
    for candidate in tools():
        if candidate.function == function:
            return candidate
    raise KeyError(f"no tool is served by function {function!r}")


def extract_ids(text: str) -> dict[str, list[str]]:
    """Ids per tool found in ``text``, in order of appearance, without repeats.

    A match that lies inside a longer match of another tool is not an id of its own: the digits of
    "rtn12345" are part of a return id, not an order id.
    """
    matches = [match for candidate in tools() for match in candidate.find_ids(text)]
    found: dict[str, list[str]] = {}
    for match in sorted(matches, key=lambda m: m.start):
        if any(_inside(match, other) for other in matches if other.tool != match.tool):
            continue
        values = found.setdefault(match.tool, [])
        if match.value not in values:
            values.append(match.value)
    return found


def _inside(inner: IdMatch, outer: IdMatch) -> bool:
    return (
        outer.start <= inner.start and inner.end <= outer.end and (outer.end - outer.start) > (inner.end - inner.start)
    )


def planner_tool_list() -> str:
    """The tool list the planner prompt shows, one ``name: description`` line per tool."""
    return "\n".join(f"{t.name}: {t.description}" for t in tools())
