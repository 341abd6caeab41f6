"""Cleaning text that crosses a trust boundary: user input into prompts, model output to users."""

from __future__ import annotations

import re
import unicodedata

from agent_core.limits import MAX_QUESTION_CHARS

_WHITESPACE = re.compile(r"\s+")
_WORD_TAIL = re.compile(r"\S+$")
_LINE_BREAKS = frozenset("\t\n\r\v\f\x85\u2028\u2029")


def clean_user_text(text: object, limit: int = MAX_QUESTION_CHARS) -> str:
    """One line of printable text, at most ``limit`` characters.

    Control and format characters go (they can hide instructions or break the prompt's layout),
    line breaks become spaces (a user cannot start a new line of the prompt), and double quotes
    become single quotes (a user cannot close the quoted question in the prompt).
    """
    return truncate(_single_line(text).replace('"', "'"), limit, at_sentence_end=False)


def clean_model_text(text: object, limit: int) -> str:
    """Model output made presentable: one line, no control characters, at most ``limit``."""
    return truncate(_single_line(text), limit)


def _single_line(text: object) -> str:
    if not isinstance(text, str):
        return ""
    text = unicodedata.normalize("NFC", text)
    kept = "".join(
        " " if ch in _LINE_BREAKS else ch for ch in text if ch in _LINE_BREAKS or unicodedata.category(ch)[0] != "C"
    )
    return _WHITESPACE.sub(" ", kept).strip()


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
    cut = cut[: limit - 1]  # room for the ellipsis
    if not text[len(cut)].isspace():
        cut = _WORD_TAIL.sub("", cut)
    return cut.rstrip(" ,;:") + "…"
