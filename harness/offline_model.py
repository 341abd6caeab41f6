"""A deterministic stand-in for the language model, for development without an endpoint.

It is not a language model and is never presented as one. It reads the prompt it is given the way a
few-shot model would: the worked examples (blocks of ``key: value`` lines ending in the answer key),
and the open block at the end. So editing a prompt's examples changes what it answers.

- When the examples' answers are labels (``tool: order_status, return_status``), it labels the open
  message like its most similar example (word overlap weighted by rarity; the labels' descriptions,
  when the prompt lists them, count as examples too), clause by clause, and a follow-up ("When will
  it arrive?") inherits the label of the earlier message when the examples show that pattern.
- When the answers are free text, it replies with an example's keyword answer (``IRRELEVANT``,
  ``MORE``) if the most similar example has one, and otherwise quotes the open block's records.
"""

from __future__ import annotations

import math
import re
from collections import Counter
from dataclasses import dataclass, field

_LINE = re.compile(r"^([a-z_]+):\s?(.*)$")
_LABELS = re.compile(r"^[A-Za-z_]+(\s*,\s*[A-Za-z_]+)*$")
_KEYWORD = re.compile(r"^[A-Z]{2,}$")
_CLAUSE_SPLIT = re.compile(r"\band\b|\balso\b|\bplus\b|[,;?!]|\.\s", re.IGNORECASE)
_STOPWORDS = frozenset(
    "a an the is are was were be been being am i me my mine you your we our us it its this that these "
    "those of for to in on at by from with about as into and or but so if then than do does did done can "
    "could would will shall should may might must has have had having please what which who whom whose "
    "when where how why there here any some just s t ll re ve d m there's what's it's i'm".split()
)
MIN_SIMILARITY = 0.12


@dataclass
class Block:
    fields: list[tuple[str, str]] = field(default_factory=list)

    def values(self, key: str) -> list[str]:
        return [value for k, value in self.fields if k == key]

    def first(self, key: str) -> str:
        values = self.values(key)
        return values[0] if values else ""


@dataclass(frozen=True)
class Example:
    text: str
    answer: str
    context: tuple[str, ...]  # values of the other keys, e.g. earlier messages


def generate(prompt: str) -> str:
    blocks = _blocks(prompt)
    if not blocks or not blocks[-1].fields or blocks[-1].fields[-1][1].strip():
        return ""
    query_block = blocks[-1]
    answer_key = query_block.fields[-1][0]
    if len(query_block.fields) < 2:
        return ""
    text_key = query_block.fields[-2][0]
    context_keys = {key for key, _ in query_block.fields[:-2]}
    examples = [
        Example(
            text=_unquote(block.first(text_key)),
            answer=block.fields[-1][1].strip(),
            context=tuple(_unquote(v) for key, v in block.fields[:-1] if key != text_key),
        )
        for block in blocks[:-1]
        if block.fields and block.fields[-1][0] == answer_key and block.values(text_key) and block.fields[-1][1].strip()
    ]
    if not examples:
        return ""
    query = _unquote(query_block.first(text_key))
    context = [_unquote(value) for key, value in query_block.fields[:-2] if key in context_keys]
    if all(_LABELS.match(example.answer) for example in examples):
        return ", ".join(_label(query, context, examples + _described(blocks[:-1], examples)))
    return _reply(query, context, examples)


def _described(blocks: list[Block], examples: list[Example]) -> list[Example]:
    """The labels' own descriptions (a ``name: description`` line per label, as a tool list gives them),
    read as one more example of each label: what a model would learn from the list itself."""
    labels = {label for example in examples for label in _split_labels(example.answer)}
    return [
        Example(text=description, answer=key, context=())
        for block in blocks
        if block.fields and all(key in labels for key, _ in block.fields)
        for key, description in block.fields
    ]


# ---------------------------------------------------------------- labelling (e.g. the planner)


def _label(query: str, earlier: list[str], examples: list[Example]) -> list[str]:
    plain = [example for example in examples if not example.context]
    follow_ups = [example for example in examples if example.context]
    index = _Index([example.text for example in examples])
    labels: list[str] = []
    for clause in _clauses(query):
        best, score = index.nearest(clause, examples)
        if best is None or score < MIN_SIMILARITY:
            continue
        answer = best.answer
        if earlier and ((best in follow_ups and _inherits(best, plain)) or _undecided(index, clause, examples, score)):
            answer = _plain_label(earlier[-1], plain)
        for label in _split_labels(answer):
            if label not in labels:
                labels.append(label)
    if not labels:
        return [_default_label(examples)]
    tools = [label for label in labels if label != _default_label(examples)]
    return tools or labels


def _undecided(index: _Index, text: str, examples: list[Example], best_score: float) -> bool:
    """The closest examples disagree: a message this vague takes its topic from the one before."""
    scores = index.scores(text)
    close = {example.answer for example, score in zip(examples, scores, strict=True) if score >= 0.9 * best_score}
    return len(close) > 1 and not re.search(r"[0-9]", text)


def _inherits(follow_up: Example, plain: list[Example]) -> bool:
    """The examples show that this follow-up takes the label of the message before it."""
    return _plain_label(follow_up.context[-1], plain) == follow_up.answer


def _plain_label(text: str, plain: list[Example]) -> str:
    best, score = _Index([example.text for example in plain]).nearest(text, plain)
    return best.answer if best is not None and score >= MIN_SIMILARITY else _default_label(plain)


def _default_label(examples: list[Example]) -> str:
    """The label the examples use for "nothing to do": the one given to the least specific messages."""
    counts = Counter(label for example in examples for label in _split_labels(example.answer))
    for label in counts:
        if label.startswith("no_") or label in {"none", "noop"}:
            return label
    return counts.most_common(1)[0][0]


def _split_labels(answer: str) -> list[str]:
    return [label.strip() for label in answer.split(",") if label.strip()]


def _clauses(text: str) -> list[str]:
    parts = [part.strip() for part in _CLAUSE_SPLIT.split(text)]
    clauses = [part for part in parts if _tokens(part)]
    return clauses or [text]


# ---------------------------------------------------------------- replying (e.g. the interpreter)


def _reply(query: str, records: list[str], examples: list[Example]) -> str:
    """A keyword the examples teach (IRRELEVANT, MORE), or the records quoted.

    A keyword whose example asks about an id missing from that example's records is the "missing
    record" keyword; any other keyword wins when the examples that carry it explain more of the
    question's words (weighted by rarity) than the answerable examples and the records do.
    """
    keyword_examples = [example for example in examples if _KEYWORD.match(example.answer)]
    missing = next(
        (example.answer for example in keyword_examples if _unknown_ids(example.text, example.context)), None
    )
    if missing and _unknown_ids(query, records):
        return missing
    answerable = [example for example in examples if not _KEYWORD.match(example.answer)]
    vocabulary: dict[str, set[str]] = {
        "": {
            token
            for example in answerable
            for text in (example.text, example.answer, *example.context)
            for token in _tokens(text)
        }
        | {token for record in records for token in _tokens(record)}
    }
    for example in keyword_examples:
        if example.answer != missing:
            vocabulary.setdefault(example.answer, set()).update(_tokens(example.text))
    index = _Index([example.text for example in examples] + records)
    wanted = set(_tokens(query))
    scores = {label: index.weight(wanted & words) for label, words in vocabulary.items()}
    best = max(scores, key=lambda label: (scores[label], label == ""))
    return best if best else _quote_records(query, records)


_ID_LIKE = re.compile(r"(?<![$0-9.,])[0-9]{3,}(?![0-9.,]|\s*(?:dollars|usd|euros?|eur|pounds)\b)", re.I)


def _unknown_ids(question: str, records: tuple[str, ...] | list[str]) -> bool:
    """The question names an id (a run of 3 or more digits, not an amount) that no record mentions."""
    known = {run for record in records for run in re.findall(r"[0-9]{3,}", record)}
    return any(run not in known for run in _ID_LIKE.findall(question))


# Words a question uses for what a record says in other words: "Who is the carrier?" is answered by
# "by UPS (tracking ...)", "When will it arrive?" by "expected delivery ...".
_ASKED_FOR = {
    "carri": {"track", "ups", "fedex", "usp", "dhl"},
    "track": {"track", "ups", "fedex", "usp", "dhl"},
    "arriv": {"deliv", "expec"},
    "when": {"deliv", "expec", "estim"},
    "money": {"refun"},
    "paid": {"total"},
    "cost": {"total"},
    "price": {"total"},
}
_ARTICLE = re.compile(r"Help centre article [a-z0-9-]+ \(([^)]*)\): ")


def _quote_records(query: str, records: list[str]) -> str:
    """Per record, what the question asks about: a help-centre article's answer, or a record's
    opening sentence with the sentence that best matches the question (the whole record when the
    question asks for nothing in particular)."""
    wanted = set(_tokens(query))
    wanted |= {word for token in wanted for word in _ASKED_FOR.get(token, ())}
    parts: list[str] = []
    for record in records:
        if _ARTICLE.match(record):  # the best article only: a chat answer, not a page of policies
            parts.append(_ARTICLE.split(record)[2].strip())  # the agent names the source after the answer
            continue
        sentences = [s.strip() for s in re.split(r"(?<=\.)\s+", record) if s.strip()]
        if not sentences:
            continue
        subject, first = _subject(sentences[0])
        clauses = [first or sentences[0], *sentences[1:]]
        asked = wanted - set(_tokens(subject))  # "order 123456" names the record, not what is asked about it
        ranked = sorted(
            ((len(asked & set(_tokens(clause))), i) for i, clause in enumerate(clauses)),
            key=lambda pair: (-pair[0], -pair[1]),  # a tie goes to the later, more specific sentence
        )
        if ranked[0][0] > 0 and first and len(clauses) > 1:  # lead with what was asked about
            clause = re.sub(r"^(Status|Refund|Return|Reason): ", "", clauses[ranked[0][1]])
            parts.append(f"{subject}: {clause}")
        else:  # nothing in particular was asked for: the whole record
            parts.append(" ".join(sentences))
    return " ".join(parts)


def _subject(sentence: str) -> tuple[str, str]:
    """("Return rtn001 for order 123459 (1 x Mouse, reason: defective)", "received on ...") from a record's
    first sentence: split at its first colon outside parentheses; (sentence, "") when it has none."""
    depth = 0
    for i, char in enumerate(sentence):
        depth += (char == "(") - (char == ")")
        if depth == 0 and sentence.startswith(": ", i):
            return sentence[:i], sentence[i + 2 :]
    return sentence, ""


# ---------------------------------------------------------------- similarity


class _Index:
    """Word-overlap similarity weighted by inverse document frequency over the given texts."""

    def __init__(self, texts: list[str]) -> None:
        documents = [set(_tokens(text)) for text in texts]
        frequency = Counter(token for document in documents for token in document)
        total = len(documents) + 1
        self._idf = {token: math.log(total / count) + 0.1 for token, count in frequency.items()}
        self._documents = documents

    def weight(self, tokens: set[str]) -> float:
        return sum(self._idf.get(token, math.log(len(self._documents) + 1) + 0.1) for token in tokens)

    def nearest(self, text: str, items: list[Example]) -> tuple[Example | None, float]:
        best: Example | None = None
        best_score = 0.0
        for item, score in zip(items, self.scores(text), strict=True):
            if score > best_score:
                best, best_score = item, score
        return best, best_score

    def scores(self, text: str) -> list[float]:
        """Similarity of ``text`` to each indexed text, in order."""
        query = set(_tokens(text))
        return [
            self.weight(query & document) / math.sqrt(self.weight(query) * self.weight(document))
            if query & document
            else 0.0
            for document in self._documents
        ]


def _tokens(text: str) -> list[str]:
    """Stemmed content words; a number long enough to be an id is the token "0" (any id matches any id),
    a shorter one (a quantity, a price, a date part) is no token at all."""
    text = re.sub(r"(?<![0-9])[0-9]{1,4}(?![0-9])", " ", text.lower().replace("\u2019", "'"))
    text = re.sub(r"[0-9]+", " 0 ", text)
    words = re.findall(r"[a-z0-9]+(?:'[a-z]+)?", text)
    return [_stem(word) for word in words if word not in _STOPWORDS and word.split("'")[0] not in _STOPWORDS]


def _stem(word: str) -> str:
    word = word.split("'", maxsplit=1)[0]
    if len(word) > 3 and word.endswith("s") and not word.endswith("ss"):
        word = word[:-1]
    if len(word) > 5:
        word = word[:5]
    if len(word) > 3 and word[-1] == word[-2] and word[-1] not in "aeiou0":
        word = word[:-1]
    return word


def _unquote(text: str) -> str:
    text = text.strip()
    if len(text) >= 2 and text[0] == text[-1] == '"':
        return text[1:-1]
    return text


def _blocks(prompt: str) -> list[Block]:
    blocks: list[Block] = [Block()]
    for line in prompt.splitlines():
        if not line.strip():
            if blocks[-1].fields:
                blocks.append(Block())
            continue
        match = _LINE.match(line.strip())
        if match:
            blocks[-1].fields.append((match.group(1), match.group(2)))
        elif blocks[-1].fields:
            blocks.append(Block())
    if not blocks[-1].fields:
        blocks.pop()
    return blocks
