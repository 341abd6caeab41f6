"""The tool registry (``tools.json``): what each tool is called, what it takes and who serves it."""

from __future__ import annotations

import json
import re
from dataclasses import dataclass
from functools import cache
from typing import Any, Literal

from agent_core.paths import package_file


@dataclass(frozen=True)
class IdMatch:
    tool: str
    value: str  # canonical form, e.g. "rtn001"
    start: int
    end: int


@dataclass(frozen=True)
class Tool:
    """A tool of one of two kinds. A ``record`` tool looks up one record by an id the user typed (its
    ``id_pattern`` finds it, ``id_format`` writes it canonically) in a DynamoDB ``table``. A ``search``
    tool searches with the user's own question (its ``argument``): the store's knowledge base."""

    name: str
    kind: Literal["record", "search"]
    description: str
    aliases: tuple[str, ...]
    display_name: str
    plural: str  # "orders": answers say "at most 3 orders", never a made-up plural like "deliverys"
    argument: str
    function: str
    id_pattern: re.Pattern[str] | None = None  # record tools
    id_format: str = ""
    ask_for_id: str = ""
    table: str = ""

    @property
    def looks_up_ids(self) -> bool:
        return self.kind == "record"

    def find_ids(self, text: str) -> list[IdMatch]:
        if self.id_pattern is None:
            return []
        return [
            IdMatch(self.name, self.id_format.format(m.group(1)), m.start(), m.end())
            for m in self.id_pattern.finditer(text)
        ]

    def is_valid_id(self, value: str) -> bool:
        """True when ``value`` is an id of this tool in its canonical form (a search tool takes none)."""
        if self.id_pattern is None:
            return value == ""
        match = self.id_pattern.fullmatch(value)
        return bool(match) and self.id_format.format(match.group(1)) == value


COMMON_FIELDS = ("name", "description", "display_name", "plural", "argument", "function")
REQUIRED_FIELDS = {
    "record": (*COMMON_FIELDS, "id_pattern", "id_format", "ask_for_id", "table"),
    "search": COMMON_FIELDS,
}


@cache
def tools() -> tuple[Tool, ...]:
    return parse_tools(json.loads(package_file("tools.json").read_text(encoding="utf-8")))


def parse_tools(raw: dict[str, Any]) -> tuple[Tool, ...]:
    """The tools of a registry document; a missing field is named in the error."""
    return tuple(_tool(entry) for entry in raw["tools"])


def _tool(entry: dict[str, Any]) -> Tool:
    kind = entry.get("kind", "record")
    if kind not in REQUIRED_FIELDS:
        raise ValueError(f"tools.json: tool {entry.get('name', '?')!r} has kind {kind!r}: use record or search")
    missing = [name for name in REQUIRED_FIELDS[kind] if not entry.get(name)]
    if missing:
        raise ValueError(f"tools.json: tool {entry.get('name', '?')!r} lacks {', '.join(missing)}")
    pattern = entry.get("id_pattern")
    return Tool(
        name=entry["name"],
        kind=kind,
        description=entry["description"],
        aliases=tuple(entry.get("aliases", ())),
        display_name=entry["display_name"],
        plural=entry["plural"],
        argument=entry["argument"],
        function=entry["function"],
        id_pattern=re.compile(pattern) if kind == "record" and pattern else None,
        id_format=entry.get("id_format", ""),
        ask_for_id=entry.get("ask_for_id", ""),
        table=entry.get("table", "") if kind == "record" else "",
    )


def record_tools() -> tuple[Tool, ...]:
    return tuple(tool for tool in tools() if tool.looks_up_ids)


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
    matches = [match for candidate in record_tools() for match in candidate.find_ids(text)]
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
