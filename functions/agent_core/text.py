"""Cleaning text that crosses a trust boundary: user input into prompts, model output and record text to
users. One Unicode policy (``normalise``) applies wherever text enters: the question, the parse step,
memory, the records, and the grounding check all see the same normalised text.
"""

from __future__ import annotations

import re
import unicodedata

from agent_core.limits import MAX_QUESTION_CHARS

_WHITESPACE = re.compile(r"\s+")
_WORD_TAIL = re.compile(r"\S+$")
_LINE_BREAKS = frozenset("\t\n\r\v\f\x85\u2028\u2029")
# What record text may not carry to the user or the model (docs/security.md, "Unicode and record text").
_MARKUP = re.compile(r"<[^<>]{0,200}>")
_URL = re.compile(r"(?i)\b(?:(?:https?|ftp|file|javascript|data):|www\.)[^\s<>\"']*[^\s<>\"'.,;:!?)]")
_ARN = re.compile(r"(?i)\barn:[a-z0-9-]*:[^\s]*[^\s.,;:!?)]")
_ANGLE_BRACKETS = re.compile(r"[<>]")
# A sentence that speaks to the model rather than about an order: dropped whole.
_INSTRUCTION = re.compile(
    r"(?i)\b(?:ignore|disregard|forget|override)\b.{0,60}\b(?:instructions?|prompts?|rules?|above|previous)\b"
    r"|\b(?:system|assistant|user|tool|human)\s*:|\byou are now\b|\bnew instructions?\b|\bact as\b"
    r"|\b(?:reveal|print|show)\b.{0,30}\b(?:prompt|instructions)\b"
)
_SENTENCE_END = re.compile(r"(?<=[.!?])\s+")
ELLIPSIS = "..."  # not "…": normalising turns that into three dots, and cleaning must be idempotent
REMOVED = "[removed]"


def normalise(text: str) -> str:
    """The one Unicode policy: NFKC (full-width and compatibility forms, superscripts, ligatures to
    their plain letters and digits); format characters (zero-width spaces and joiners, bidi controls,
    soft hyphens) and variation selectors removed; a decimal digit of any script (Arabic-Indic,
    Devanagari, Bengali, Thai...) mapped to its ASCII digit; then NFKC again, so marks the removals
    brought together compose. Letters are not mapped: a Cyrillic "\u0440" stays Cyrillic (a look-alike is
    not an id, and the grounding check refuses words that mix scripts)."""
    text = unicodedata.normalize("NFKC", text)
    text = "".join(_mapped(ch) for ch in text)
    return unicodedata.normalize("NFKC", text)


def _mapped(ch: str) -> str:
    if ch.isascii():
        return ch
    category = unicodedata.category(ch)
    if category == "Cf" or _is_variation_selector(ch):
        return ""
    if category == "Nd":
        return str(unicodedata.decimal(ch))
    return ch


def _is_variation_selector(ch: str) -> bool:
    code = ord(ch)
    return 0xFE00 <= code <= 0xFE0F or 0xE0100 <= code <= 0xE01EF or 0x180B <= code <= 0x180D or code == 0x180F


def clean_user_text(text: object, limit: int = MAX_QUESTION_CHARS) -> str:
    """One line of printable, normalised text, at most ``limit`` characters.

    Control and format characters go (they can hide instructions or break the prompt's layout),
    line breaks become spaces (a user cannot start a new line of the prompt), and double quotes
    become single quotes (a user cannot close the quoted question in the prompt). Idempotent:
    cleaning cleaned text changes nothing.
    """
    return truncate(_single_line(text).replace('"', "'"), limit, at_sentence_end=False)


def clean_model_text(text: object, limit: int) -> str:
    """Model output made presentable: one line, no control characters, at most ``limit``."""
    return truncate(_single_line(text), limit)


def clean_record_text(text: object, limit: int) -> str:
    """A tool's record text, shown to the user and to the model as data: one line, normalised, with
    markup, links, ARNs and instruction-like phrases ("ignore previous instructions", "system:")
    replaced by ``[removed]``."""
    line = _single_line(text)
    line = _ANGLE_BRACKETS.sub(" ", _MARKUP.sub(REMOVED, line))
    for pattern in (_URL, _ARN):
        line = pattern.sub(REMOVED, line)
    line = _WHITESPACE.sub(" ", line).strip()
    sentences = [REMOVED if _INSTRUCTION.search(s) else s for s in _SENTENCE_END.split(line)]
    return truncate(" ".join(sentences).strip(), limit)


def _single_line(text: object) -> str:
    if not isinstance(text, str):
        return ""
    text = normalise(text)
    kept = "".join(
        " " if ch in _LINE_BREAKS else ch for ch in text if ch in _LINE_BREAKS or unicodedata.category(ch)[0] != "C"
    )
    # Removing controls can bring a letter and a mark together ("N\x1f\u0300"): compose them now, so
    # cleaning twice gives what cleaning once did.
    return _WHITESPACE.sub(" ", unicodedata.normalize("NFKC", kept)).strip()


def utf16_length(text: str) -> int:
    """Length as Lex (and Java) counts it: a character outside the Basic Multilingual Plane is two."""
    return len(text.encode("utf-16-le")) // 2


def fit_utf16(text: str, limit: int) -> str:
    """``text`` cut (as ``truncate`` cuts) to at most ``limit`` UTF-16 code units."""
    cut = truncate(text, limit)
    while utf16_length(cut) > limit:
        cut = truncate(cut, len(cut) - (utf16_length(cut) - limit))
    return cut


def truncate(text: str, limit: int, at_sentence_end: bool = True) -> str:
    """``text`` cut to ``limit`` characters, at a sentence end where one is near (``at_sentence_end``:
    for text a person reads), else at a word end. User text is cut at a word end only: the sentence
    dropped for a tidier cut could hold the id.

    The cut never splits a word: half of ``1234567890`` is ``12345``, a different order id, and
    ``123456.78`` cut after the dot reads as order 123456.
    """
    if len(text) <= limit:
        return text
    cut = text[:limit]
    sentence_end = max(cut.rfind(". "), cut.rfind("? "), cut.rfind("! "))
    if at_sentence_end and sentence_end >= limit * 0.6:
        return cut[: sentence_end + 1]
    cut = cut[: limit - len(ELLIPSIS)]  # room for the ellipsis
    if not text[len(cut)].isspace():
        cut = _WORD_TAIL.sub("", cut)
    return cut.rstrip(" ,;:.") + ELLIPSIS
