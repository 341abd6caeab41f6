"""The store's knowledge base: Markdown entries with a TOML front matter (``knowledge/*.md``), searched
with SQLite FTS5 and its BM25 ranking, in memory.

The index is built from the entries when the function starts (a few milliseconds for tens of entries):
Terraform ships the Markdown files in the knowledge tool's zip, so a changed file redeploys the tool.
"""

from __future__ import annotations

import difflib
import itertools
import math
import re
import sqlite3
import tomllib
from collections.abc import Iterable
from dataclasses import dataclass
from pathlib import Path

_FRONT_MATTER = re.compile(r"\A\+\+\+\n(.*?)\n\+\+\+\n(.*)\Z", re.DOTALL)
_SLUG = re.compile(r"^[a-z0-9]+(?:-[a-z0-9]+)*$")
_WORD = re.compile(r"\w+")
# Words that say nothing about which entry is meant; the rest of the question is searched.
STOPWORDS = frozenset(
    "a an the is are was were be been am i me my mine you your we our us it its this that these those of for to "
    "in on at by from with about as into and or but so if then than do does did can could would will should "
    "may might must has have had please what which who whom how why when where there here any some just "
    "get got want wanted wanna need needs know tell help helping assistance hi hello hey thanks thank "
    "see seeing check checking list show find look looking possible able way ur u im dont don do "
    "like would could should damn goddamn bloody fucking still yet already anymore really also even".split()
)
# Column weights for bm25(): a match in the title or a customer's phrasing says more than one in the text.
WEIGHTS = {"title": 3.0, "phrasings": 4.0, "answer": 1.5, "detail": 0.5}
# An entry must cover this share of the question's informative words (each weighted by its inverse
# document frequency) to be answered from; tuned on data/eval.
MIN_COVERAGE = 0.45
STRICT_COVERAGE = 0.75  # when the planner named no tool: the search is a last try before declining
PAIR_DISTANCE = 2  # words between two of the question's words that still count as their phrase
SPELLING_CUTOFF = 0.8  # difflib's similarity for reading a word the entries lack as a typo of one they have


class KnowledgeError(ValueError):
    """An entry is malformed: the message names the file and what is wrong."""


@dataclass(frozen=True)
class Entry:
    id: str
    title: str
    phrasings: tuple[str, ...]
    answer: str  # the first paragraph: what the agent says
    detail: str  # the paragraphs after it


@dataclass(frozen=True)
class Hit:
    entry: Entry
    score: float  # the share of the question's informative words the entry covers, 0 to 1
    rank: float  # BM25, sign turned: orders the hits


def parse_entry(text: str, name: str) -> Entry:
    match = _FRONT_MATTER.match(text.replace("\r\n", "\n"))
    if not match:
        raise KnowledgeError(f"{name}: no +++ front matter")
    try:
        meta = tomllib.loads(match.group(1))
    except tomllib.TOMLDecodeError as error:
        raise KnowledgeError(f"{name}: front matter is not TOML: {error}") from None
    paragraphs = [part.strip() for part in match.group(2).strip().split("\n\n") if part.strip()]
    entry_id, title, phrasings = meta.get("id"), meta.get("title"), meta.get("phrasings", [])
    if not isinstance(entry_id, str) or not _SLUG.match(entry_id):
        raise KnowledgeError(f"{name}: id must be a slug (lower-case words joined by hyphens)")
    if not isinstance(title, str) or not title.strip():
        raise KnowledgeError(f"{name}: title is missing")
    if not isinstance(phrasings, list) or not all(isinstance(p, str) for p in phrasings):
        raise KnowledgeError(f"{name}: phrasings must be a list of strings")
    if not paragraphs:
        raise KnowledgeError(f"{name}: no answer after the front matter")
    unknown = set(meta) - {"id", "title", "phrasings"}
    if unknown:
        raise KnowledgeError(f"{name}: unknown front matter keys {sorted(unknown)}")
    return Entry(
        entry_id, title.strip(), tuple(phrasings), " ".join(paragraphs[0].split()), "\n\n".join(paragraphs[1:])
    )


def load_entries(folder: Path) -> tuple[Entry, ...]:
    entries = tuple(
        parse_entry(path.read_text(encoding="utf-8"), path.name)
        for path in sorted(folder.glob("*.md"))
        if path.name.lower() != "readme.md"
    )
    ids = [entry.id for entry in entries]
    if len(set(ids)) != len(ids):
        raise KnowledgeError(f"duplicate entry ids in {folder}")
    return entries


class Index:
    """The entries in an in-memory FTS5 table (porter stemming, accents folded)."""

    def __init__(self, entries: Iterable[Entry]) -> None:
        self.entries = {entry.id: entry for entry in entries}
        self._db = sqlite3.connect(":memory:", check_same_thread=False)
        self._db.execute(
            "CREATE VIRTUAL TABLE entries USING fts5(id UNINDEXED, title, phrasings, answer, detail, "
            "tokenize = 'porter unicode61 remove_diacritics 2')"
        )
        self._db.executemany(
            "INSERT INTO entries VALUES (?, ?, ?, ?, ?)",
            [(e.id, e.title, "\n".join(e.phrasings), e.answer, e.detail) for e in self.entries.values()],
        )
        texts = (f"{e.title} {' '.join(e.phrasings)} {e.answer} {e.detail}" for e in self.entries.values())
        self.vocabulary = sorted({word for text in texts for word in _WORD.findall(text.lower()) if len(word) > 3})

    def search(self, question: str, limit: int = 3, min_coverage: float = MIN_COVERAGE) -> list[Hit]:
        """The best entries for ``question`` (BM25 order) that cover enough of its informative words."""
        words = [self._spelled(word) for word in query_words(question)]
        if not words:
            return []
        weights = ", ".join(str(weight) for weight in WEIGHTS.values())
        rows = self._db.execute(
            f"SELECT id, bm25(entries, 0, {weights}) AS rank FROM entries WHERE entries MATCH ? ORDER BY rank LIMIT ?",
            (_match(words, pairs=True), limit),
        ).fetchall()
        containing = {word: self._ids_containing(word) for word in words}
        idf = {word: self._idf(len(ids)) for word, ids in containing.items()}
        total = sum(idf.values())
        hits = []
        for entry_id, rank in rows:
            covered = sum(idf[word] for word, ids in containing.items() if entry_id in ids) / total
            if covered >= min_coverage:
                hits.append(Hit(self.entries[entry_id], round(covered, 3), round(-rank, 3)))
        return hits

    def serialise(self) -> bytes:
        """The index as an SQLite database file: its size is the index's size."""
        return self._db.serialize()

    def _spelled(self, word: str) -> str:
        """A word the entries do not have, read as the entry word it is a typo of ("reufnds" -> "refunds")."""
        if len(word) < 5 or word in self.vocabulary:
            return word
        close = difflib.get_close_matches(word, self.vocabulary, n=1, cutoff=SPELLING_CUTOFF)
        return close[0] if close else word

    def _ids_containing(self, word: str) -> set[str]:
        return {row[0] for row in self._db.execute("SELECT id FROM entries WHERE entries MATCH ?", (_match([word]),))}

    def _idf(self, containing: int) -> float:
        """BM25's inverse document frequency; a word no entry has weighs as much as one only one entry has
        (it is the question's own word: a name, a typo, a subject the entries never mention)."""
        count = len(self.entries)
        containing = max(containing, 1)
        return math.log((count - containing + 0.5) / (containing + 0.5) + 1)


def query_words(question: str) -> list[str]:
    """The question's informative words: no stopwords, no numbers (ids are for the lookup tools)."""
    words = [word for word in _WORD.findall(question.lower()) if word not in STOPWORDS and not word.isdigit()]
    return list(dict.fromkeys(word for word in words if len(word) > 1))[:32]


def _match(words: list[str], pairs: bool = False) -> str:
    """An FTS5 query: each word quoted (so nothing in it is FTS5 syntax), OR-ed; with ``pairs``, each two
    neighbouring words near each other too, so an entry that has "shipping methods" (or "much is
    shipping": the question's stopwords are gone) ranks above one that has "shipping" and "methods" apart."""
    terms = [f'"{word}"' for word in (w.replace('"', '""') for w in words)]
    if pairs:
        terms += [f"NEAR({first} {second}, {PAIR_DISTANCE})" for first, second in itertools.pairwise(terms)]
    return " OR ".join(terms)
