"""Is a model's answer grounded in the records? A few independent checks, each small.

An answer passes when it speaks about the records and adds no fact of its own that can be checked by
words. Refused: empty, repetitive or runaway text; leaked internals (ARNs, JSON, stack traces); text
that shares little with the records (another language, another subject); any number, amount or
date the records and the question do not have; a status (shipped, cancelled, refunded...) or a
mid-sentence name (a carrier, a product) they do not have; letters in a script that neither the
records nor the question use (an answer in Japanese or Cyrillic to an English question), and words
that mix scripts ("cancelled" spelled with Cyrillic look-alikes). Every check reads the normalised
text (text.normalise, as the id extractor does), so a digit of any script is a number to ground.
Also refused: links, web addresses and e-mail addresses the sources do not have verbatim, markup
(HTML, Markdown emphasis, headings, links), a request for a password, a card number or a code that the
sources never mention, and text that is mostly symbols or combining marks.
Not caught: a fact the records have, negated or attached to the wrong record ("has not shipped" of
a shipped order).

A policy answer (``is_supported``) is held to more: each sentence must be the help-centre articles'
own words, with the same negation as the article sentence it matches ("opened items can be returned"
against "opened items cannot be returned" is refused), and the question is no source of facts.
"""

from __future__ import annotations

import re
import unicodedata
from collections.abc import Iterable, Sequence

from agent_core.registry import clear_of_neighbours, word_around
from agent_core.text import normalise

_WORD = re.compile(r"(?:[^\W_]|[$.])+")
_NUMBER = re.compile(r"[0-9]+(?:[.,:/-][0-9]+)*")
_DIGIT_RUN = re.compile(r"[0-9]+")
_STATUS_WORDS = frozenset(
    "shipped delivered cancelled canceled refunded processed processing pending returned approved "
    "rejected denied received lost delayed damaged".split()
)
_MID_SENTENCE_NAME = re.compile(r"(?<=[^\W_] |[,;:] )[^\W\d_]+")
_INTERNALS = re.compile(r"arn:aws|traceback|\{\s*\"|errorType|lambda\.|states\.", re.IGNORECASE)
_COMMON_WORDS = frozenset(
    "a an the is are was were be been it its this that your you my our we i of for to in on at by from "
    "with and or but so as has have had will would should can could may might not no yes there here which "
    "what when where how who order orders return returns item items status shipped ship delivered "
    "delivery arrive arrives arriving refund refunded processed pending was via sent expected estimated "
    "total paid".split()
)
MIN_USUAL_SHARE = 0.6  # of the answer's words, known from the sources or common
MIN_DISTINCT_SHARE = 0.4  # of a long answer's words, distinct
MAX_SYMBOL_SHARE = 0.05  # of an answer's characters, symbols (emoji, arrows) and combining marks
MIN_SUPPORTED_SHARE = 0.8  # of a policy sentence's content words, the articles' own
_ADDRESS = re.compile(
    r"(?i)\b(?:[a-z][a-z0-9+.-]*://|www\.|mailto:)\S*|\b[\w.+-]+@[\w-]+(?:\.[\w-]+)+"
    r"|\b(?:[a-z0-9-]+\.)+(?:com|net|org|io|co|info|biz|shop|store|app|dev|xyz|me|us|uk|de|eu|ly|link|site)\b"
)
_MARKUP = re.compile(r"[<>`]|\]\(|\*\*|__|^\s*#{1,6}\s|!\[|\|\s*---")
_SECRETS = re.compile(
    r"(?i)\b(?:password|passcode|passphrase|pin|cvv|cvc|security code|card number|credit card number|"
    r"one-time code|verification code|login|credentials|social security|ssn|bank details|account number)\b"
)
_NEGATION = frozenset("not no never cannot can't won't don't doesn't isn't aren't wasn't without nor neither".split())
_SENTENCE = re.compile(r"(?<=[.!?])\s+")


def is_grounded(text: str, sources: Sequence[str]) -> bool:
    text, sources = normalise(text), [normalise(source) for source in sources]
    if not text or leaks_internals(text):
        return False
    words = words_of(text)
    if not words:
        return False
    known = {word for source in sources for word in words_of(source)}
    return (
        is_plain(text, sources)
        and scripts_are_known(text, sources)
        and numbers_are_known(text, sources)
        and statuses_are_known(words, known)
        and names_are_known(text, known)
        and not is_repetitive(words)
        and is_mostly_known(words, known)
    )


def is_plain(text: str, sources: Sequence[str]) -> bool:
    """Text a customer can safely read: no markup, no address or secret the sources do not give, not
    mostly symbols."""
    joined = " ".join(sources)
    addresses = {match.lower() for match in _ADDRESS.findall(joined)}
    if any(match.lower() not in addresses for match in _ADDRESS.findall(text)) or _MARKUP.search(text):
        return False
    secrets = {match.lower() for match in _SECRETS.findall(joined)}
    if any(match.lower() not in secrets for match in _SECRETS.findall(text)):
        return False
    symbols = sum(1 for ch in text if unicodedata.category(ch)[0] in "SM" and ch not in "$%+=")
    return symbols <= max(3, MAX_SYMBOL_SHARE * len(text))


def is_supported(text: str, articles: Sequence[str]) -> bool:
    """A policy answer says only what the articles say: grounded in them alone (not the question), and
    each sentence mostly their words, negated where the article sentence it matches is."""
    if not is_grounded(text, articles):
        return False
    article_sentences = [
        sentence for article in articles for sentence in _SENTENCE.split(normalise(article)) if sentence
    ]
    known = {word for sentence in article_sentences for word in words_of(sentence)}
    for sentence in _SENTENCE.split(normalise(text)):
        content = content_words(sentence)
        if content and sum(word in known for word in content) / len(content) < MIN_SUPPORTED_SHARE:
            return False
        if content and not _same_negation(sentence, content, article_sentences):
            return False
    return True


def _negated(sentence: str) -> bool:
    return any(word in _NEGATION or word.endswith("n't") for word in re.findall(r"[\w']+", sentence.lower()))


def _same_negation(sentence: str, content: Sequence[str], article_sentences: Sequence[str]) -> bool:
    """The article sentence that shares most of ``content`` is negated exactly when ``sentence`` is."""
    best = max(article_sentences, key=lambda candidate: len(set(content) & set(words_of(candidate))), default="")
    return _negated(sentence) == _negated(best)


def content_words(text: str) -> list[str]:
    """The words that carry meaning: not common words, not numbers."""
    return [word for word in words_of(normalise(text)) if word not in _COMMON_WORDS and not word[0].isdigit()]


def words_of(text: str) -> list[str]:
    """Lower-case words of two characters or more; dots at their ends dropped ("2026." -> "2026")."""
    words = (word.strip(".") for word in _WORD.findall(text.lower()))
    return [word for word in words if len(word) >= 2]


def leaks_internals(text: str) -> bool:
    return bool(_INTERNALS.search(text))


def numbers_are_known(text: str, sources: Sequence[str]) -> bool:
    """Every number in ``text`` (an id, amount, quantity or date) is one the sources have, whole or as
    a part ("2026" of "2026-10-30"; "5" of "05")."""
    known = {token for source in sources for token in _NUMBER.findall(source)}
    runs = {run for source in sources for run in _DIGIT_RUN.findall(source)}
    known |= runs | {run.lstrip("0") or "0" for run in runs if len(run) <= 2}
    if not all(token in known for token in _NUMBER.findall(text)):
        return False
    # A number a letter or mark touches ("123456x", "123456\u0301") is another token: the sources
    # must have that whole word (a tracking number like "1Z999AA10123456784").
    touched = [
        word_around(text, m.start(), m.end()).lower()
        for m in _NUMBER.finditer(text)
        if not clear_of_neighbours(text, m.start(), m.end())
    ]
    whole = {word_around(source, m.start(), m.end()).lower() for source in sources for m in _NUMBER.finditer(source)}
    return all(word in whole for word in touched)


def statuses_are_known(words: Sequence[str], known: set[str]) -> bool:
    """No status (shipped, cancelled...) that the records do not give."""
    return all(word not in _STATUS_WORDS or word in known for word in words)


def names_are_known(text: str, known: set[str]) -> bool:
    """No mid-sentence name (a carrier, product or place, "Émile" too) that the records do not name."""
    names = (name for name in _MID_SENTENCE_NAME.findall(text) if name[0].isupper())
    return all(name.lower() in known for name in names)


def script_of(ch: str) -> str:
    """The script of a letter, from its Unicode name ("LATIN SMALL LETTER E WITH ACUTE" -> LATIN);
    Chinese and Japanese count as one (they are written together); "" for anything not a letter."""
    if not ch.isalpha():
        return ""
    name = unicodedata.name(ch, "UNKNOWN")
    if name.startswith(("CJK ", "HIRAGANA", "KATAKANA", "IDEOGRAPHIC")):
        return "CJK"
    return name.split(" ", 1)[0]


def scripts_of(text: str) -> set[str]:
    return {script for script in map(script_of, text) if script}


def scripts_are_known(text: str, sources: Iterable[str]) -> bool:
    """Every letter is in a script the sources use, no word mixes scripts, and no numeral that is
    not a plain digit ("五", "Ⅻ" normalised is letters; "⓶" is a number of its own) is new."""
    if not scripts_of(text) <= {script for source in sources for script in scripts_of(source)}:
        return False
    if any(len(scripts_of(word)) > 1 for word in _WORD.findall(text)):
        return False
    numerals = {ch for ch in text if not ch.isascii() and unicodedata.numeric(ch, None) is not None}
    return numerals <= {ch for source in sources for ch in source}


def is_repetitive(words: Sequence[str]) -> bool:
    return len(words) >= 12 and len(set(words)) / len(words) < MIN_DISTINCT_SHARE


def is_mostly_known(words: Sequence[str], known: set[str]) -> bool:
    """At least one word from the sources, and most words either from them or common."""
    hits = sum(1 for word in words if word in known)
    usual = sum(1 for word in words if word in known or word in _COMMON_WORDS)
    return hits >= 1 and usual / len(words) >= MIN_USUAL_SHARE
