"""The tool registry (``tools.json``): what each tool is called, what it takes and who serves it."""

from __future__ import annotations

import json
import re
import unicodedata
from dataclasses import dataclass
from functools import cache
from typing import Any, Literal

from agent_core.paths import package_file
from agent_core.text import normalise


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
        """Ids in ``text`` (already normalised): the pattern's matches that no letter, digit or mark
        touches ("123456x", "rtn00x" and "12345\u0301" are not ids; see ``clear_of_neighbours``)."""
        return [match for match, clear in self._matches(text) if clear]

    def _matches(self, text: str) -> list[tuple[IdMatch, bool]]:
        if self.id_pattern is None:
            return []
        return [
            (
                IdMatch(self.name, self.id_format.format(m.group(1)), m.start(), m.end()),
                clear_of_neighbours(text, m.start(), m.end()),
            )
            for m in self.id_pattern.finditer(text)
            if not _NOT_AN_ID_BEFORE.search(text, 0, m.start())
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
    """Ids per tool found in ``text`` (normalised first: text.normalise), in order of appearance,
    without repeats.

    A match that lies inside a longer match of another tool is not an id of its own: the digits of
    "rtn12345" are part of a return id, not an order id.
    """
    text = normalise(text)
    matches = [match for candidate in record_tools() for match in candidate.find_ids(text)]
    found: dict[str, list[str]] = {}
    for match in sorted(matches, key=lambda m: m.start):
        if any(_inside(match, other) for other in matches if other.tool != match.tool):
            continue
        values = found.setdefault(match.tool, [])
        if match.value not in values:
            values.append(match.value)
    return found


def clear_of_neighbours(text: str, start: int, end: int) -> bool:
    """No letter, digit or combining mark right before ``start`` or at ``end``, except a word that
    announces an id ("order674351"). Letters of scripts written without spaces between words
    (Chinese, Japanese) may touch an id: "注文123456の" names order 123456."""
    if end < len(text) and _joins(text[end]):
        return False
    if start == 0 or not _joins(text[start - 1]):
        return True
    word = _LETTERS_BEFORE.search(text, 0, start)
    return bool(word) and word.group(0).lower() in _ANNOUNCING_WORDS and not _joins_before(text, word.start())


def _joins_before(text: str, index: int) -> bool:
    return index > 0 and _joins(text[index - 1])


def _joins(ch: str) -> bool:
    if ch.isdigit() or unicodedata.category(ch)[0] == "M":
        return True
    return ch.isalpha() and not _unspaced_script(ch)


def _unspaced_script(ch: str) -> bool:
    return unicodedata.name(ch, "").startswith(("CJK ", "HIRAGANA", "KATAKANA"))


# Words after which a number is something else the customer tells: "my zip code is 10001", "call me
# at 5551234567". Such a number is neither looked up nor asked about.
_NOT_AN_ID_BEFORE = re.compile(
    r"(?i)\b(?:zip|zip ?code|postcode|post ?code|postal ?code|phone|phone number|telephone|tel|mobile|cell|"
    r"fax|whatsapp|call(?: me)?(?: back)?(?: at| on)?|text me(?: at| on)?|apartment|apt|suite|room|"
    r"extension|ext|street|avenue|zip is)\W{0,3}(?:is\W{0,3})?$"
)
# Words that announce an id: "order 2345", "return #12", "id: 99", "number 5".
_ANNOUNCING_WORDS = frozenset({"order", "orders", "return", "returns", "id", "number", "no"})
_ID_WORDS = re.compile(r"(?i)(?:\b(?:order|orders|return|returns|rtn|id|number|no)\b|#)\W{0,3}$")
_LETTERS_BEFORE = re.compile(r"[^\W\d_]+$")
MIN_MIXED_DIGITS = 3  # "rtn001" in Cyrillic, "123x456": letters and this many digits in one word look like an id
MAX_PLAIN_DIGITS = 10  # a run of more digits than any id has is a mistyped id, not a number
MIN_ANNOUNCED_DIGITS = 3  # "order 2345" is a mistyped id; "return 2 of them" is a quantity


def invalid_id_mentions(text: str) -> list[str]:
    """What in ``text`` (normalised first) looks like an id but is not a valid one, in order: a
    pattern match that a letter, digit or mark touches ("rtn00x", "1234567890x"); a word of letters
    and digits ("rtn001" written with Cyrillic look-alikes); more digits than an id has ("12345678901"); or
    three or more digits announced as an id ("order 2345"). Amounts, dates and quantities ("return 2
    of them") are not mentions."""
    text = normalise(text)
    matches = [pair for candidate in record_tools() for pair in candidate._matches(text)]
    valid = [match for match, clear in matches if clear]
    touched = [match for match, clear in matches if not clear]
    mentions: list[str] = []
    for start, end in _words(text):
        word = text[start:end]
        digits = sum(ch.isdigit() for ch in word)
        if not digits or any(_covers(m, text, start, end) for m in valid):
            continue
        plain = word.isdigit()
        if (
            any(m.start < end and start < m.end for m in touched)
            or (not plain and digits >= MIN_MIXED_DIGITS)
            or (plain and len(word) > MAX_PLAIN_DIGITS)
            or (plain and len(word) >= MIN_ANNOUNCED_DIGITS and _ID_WORDS.search(text[max(0, start - 16) : start]))
        ) and word not in mentions:
            mentions.append(word)
    return mentions


def _covers(match: IdMatch, text: str, start: int, end: int) -> bool:
    """The word is the id, or the id after a word that announces it ("order674351")."""
    before = text[start : max(start, match.start)].lower()
    return match.start < end <= match.end and (before == "" or before in _ANNOUNCING_WORDS)


def word_around(text: str, start: int, end: int) -> str:
    """The run of letters, digits and marks that holds ``text[start:end]``."""
    while start > 0 and _in_word(text[start - 1]):
        start -= 1
    while end < len(text) and _in_word(text[end]):
        end += 1
    return text[start:end]


def _in_word(ch: str) -> bool:
    return (ch.isalnum() or unicodedata.category(ch)[0] == "M") and not _unspaced_script(ch)


def _words(text: str) -> list[tuple[int, int]]:
    """(start, end) of each run of letters, digits and marks; letters of unspaced scripts split runs."""
    spans: list[tuple[int, int]] = []
    start = None
    for index, ch in enumerate(text + " "):
        inside = _in_word(ch)
        if inside and start is None:
            start = index
        elif not inside and start is not None:
            spans.append((start, index))
            start = None
    return spans


def _inside(inner: IdMatch, outer: IdMatch) -> bool:
    return (
        outer.start <= inner.start and inner.end <= outer.end and (outer.end - outer.start) > (inner.end - inner.start)
    )


def planner_tool_list() -> str:
    """The tool list the planner prompt shows, one ``name: description`` line per tool."""
    return "\n".join(f"{t.name}: {t.description}" for t in tools())
