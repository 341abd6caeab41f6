"""The conversation around the lookups: small talk, asking for a person, when to hand over, and
messages in another language.

Small talk gets one of a few fixed answers (``answers.json``), chosen by what the message says; no model
text is ever shown for it. A customer who asks for a person gets one, whatever the planner chose; so does
one whose question the agent could not answer twice in a row.
"""

from __future__ import annotations

import re
import unicodedata
from typing import Literal

from agent_core.answers import answer

HandoffReason = Literal["asked_for_a_person", "complaint", "unanswered_twice"]

# Messages that are nothing but small talk, whole (filler words and punctuation aside): the phrases of
# each kind of answer, as regular expressions, tried in this order ("Thanks, bye!" is a goodbye,
# whose answer thanks them too, rather than a thank-you that asks what else it can do).
_FILLER = r"(?:\s*(?:so much|a lot|very much|again|there|everyone|all|friend|mate|then|for now|please|ok|okay)\b)*"
_ABOUT_YOU = r"(?:a |an )?(?:bot|robot|ai|human|real person|real|person|machine|computer)"
_SMALL_TALK = {
    "small_talk_about_me": [
        rf"(?:(?:please )?tell me )?(?:if )?(?:(?:are|r) (?:you|u)|(?:you|u) are|you're) {_ABOUT_YOU}",
        rf"am i (?:talking|speaking|chatting) (?:to|with) {_ABOUT_YOU}",
        r"(?:what(?:'?s| is) |can i ask |(?:please )?tell me )your name",
        r"who are you|what are you",
        r"who (?:made|built|created|manufactured|programmed|designed) you",
        r"what(?:'?s| is) it like to be (?:a bot|an ai|programmed)",
    ],
    "small_talk_goodbye": [
        r"bye|goodbye|bye bye|see (?:you|ya)(?: later| soon)?|peace out|take care|talk (?:to you )?later",
        r"tootles|farewell|good night|have a (?:nice|good|great) (?:day|one|evening)",
    ],
    "small_talk_thanks": [
        r"thanks|thank you|thank u|thx|ty|cheers|many thanks|much appreciated",
        r"i(?: am|'m) (?:very |so )?grateful|i appreciate (?:it|that|your help)",
        r"(?:that|this|your answer) was (?:very |really )?(?:helpful|great|enjoyable|useful|perfect)",
    ],
    "small_talk_greeting": [
        r"hi|hello|hey|hiya|howdy|greetings|good (?:morning|afternoon|evening|day)|what(?:'s| is) up|yo",
        r"how are you(?: doing)?(?: today)?|how(?:'s| is) it going|how(?:'s| is) everything|how are things",
    ],
}
_ANY_SMALL_TALK = "|".join(phrase for phrases in _SMALL_TALK.values() for phrase in phrases)
# One phrase with its filler and punctuation; a message is read phrase by phrase, never by backtracking
# over how to split it (a nested repeat here took time exponential in the message's length).
_ONE_PHRASE = re.compile(rf"(?:{_ANY_SMALL_TALK})\b{_FILLER}[\s,.!?;:]*", re.I)
_LEADING, _TRAILING = re.compile(r"\W*"), re.compile(r"\W*\Z")
_KINDS = {key: re.compile(rf"\b(?:{'|'.join(phrases)})\b", re.I) for key, phrases in _SMALL_TALK.items()}
_PERSON = re.compile(
    r"\b(talk|speak|chat|connect|transfer|put)\b.{0,30}\b(human|person|people|someone|somebody|agent|"
    r"representative|operator|manager|staff|team member)\b|\b(human|agent|representative|operator) please\b",
    re.I,
)


def small_talk_key(message: str) -> str | None:
    """The small-talk answer for a message that is nothing but small talk, else None."""
    if not _only_small_talk(message):
        return None
    return next((key for key, pattern in _KINDS.items() if pattern.search(message)), None)


def _only_small_talk(message: str) -> bool:
    """The message is small-talk phrases and nothing else (filler words and punctuation aside)."""
    start = position = _LEADING.match(message).end()  # type: ignore[union-attr]  # \W* always matches
    end = max(start, _TRAILING.search(message).start())  # type: ignore[union-attr]
    while position < end:
        match = _ONE_PHRASE.match(message, position, end)
        if match is None or match.end() == position:
            return False
        position = match.end()
    return position > start


def small_talk_reply(message: str) -> str:
    return answer(small_talk_key(message) or "small_talk_greeting")


def asks_for_a_person(message: str) -> bool:
    """An explicit request for a person ("Can I talk to a human?"), not a question about the assistant
    ("Am I talking to a real person?", which is small talk)."""
    return bool(_PERSON.search(message)) and small_talk_key(message) != "small_talk_about_me"


def hand_over(reason: HandoffReason) -> dict[str, str]:
    """What a handoff tells the user, and the reason it carries for whoever picks it up."""
    return {"answer": answer("handoff_complaint" if reason == "complaint" else "handoff"), "reason": reason}


def second_in_a_row(previous_unanswered: bool) -> bool:
    """A question the agent cannot answer, right after another one: time for a person."""
    return previous_unanswered


_LATIN_LETTER = re.compile(r"[A-Za-z]")
_OTHER_WORDS = frozenset(  # function words of the other languages customers most often write in
    "el la los las de del que y en un una por para con es mi mis pedido cuando donde esta "
    "le les des du et est une pour avec mon ma mes commande quand ou "
    "der die das und ist ein eine mein meine bestellung wann wo nicht "
    "il lo gli di che è per mio mia ordine dove "
    "o os as do da em um uma meu minha encomenda onde "
    "het een en ik mijn bestelling wanneer waar niet".split()
)


def looks_non_english(message: str) -> bool:
    """Mostly letters outside the Latin alphabet, or mostly the function words of another language."""
    letters = [ch for ch in message if ch.isalpha()]
    if not letters:
        return False
    latin = sum(1 for ch in letters if _LATIN_LETTER.match(ch) or "LATIN" in unicodedata.name(ch, ""))
    if latin < len(letters) / 2:
        return True
    words = re.findall(r"[^\W\d_]+", message.lower())
    return len(words) >= 3 and sum(word in _OTHER_WORDS for word in words) >= max(2, len(words) // 3)


def with_language_note(text: str, question: str) -> str:
    """A short note that the agent answers in English, after an answer to a message in another language."""
    return f"{text} {answer('english_only')}" if text and looks_non_english(question) else text
