"""Property-based tests: whatever the event, the text, the model or the execution does.

Profiles: "ci" (the default) runs 1,000 examples per property; `pytest --slow` runs 10,000. The
handler-level properties run the real fulfilment handler with a Step Functions client whose answers
hypothesis draws too; a smaller sample runs through the whole local runtime.
"""

from __future__ import annotations

import json
import os
import uuid
from typing import Any

import pytest
from hypothesis import HealthCheck, example, given, settings
from hypothesis import strategies as st

from agent_core import memory, registry
from agent_core.grounding import is_grounded
from agent_core.interpreting import Observation, interpret
from agent_core.lex import LexV2Response
from agent_core.limits import LEX_MAX_MESSAGE_CHARS, MAX_ANSWER_CHARS, MAX_CALLS_PER_TURN, MAX_HISTORY_BYTES
from agent_core.memory import SESSION_ATTRIBUTE, SIGNATURE_ATTRIBUTE, read_history
from agent_core.planning import plan_calls
from agent_core.text import clean_model_text, clean_record_text, clean_user_text
from harness.bootstrap import TEST_MEMORY_KEY
from harness.expectations import lookups
from harness.lambdas import LambdaContext, load_handler

DEFAULT_EXAMPLES, SLOW_EXAMPLES = 1_000, 10_000  # make test, make test-slow
DEFAULT_WHOLE_TURNS, SLOW_WHOLE_TURNS = 25, 250
SLOW = os.environ.get("HYPOTHESIS_SLOW") == "1"
EXAMPLES = SLOW_EXAMPLES if SLOW else DEFAULT_EXAMPLES
PROPERTY = settings(max_examples=EXAMPLES, deadline=None, suppress_health_check=[HealthCheck.too_slow])

# ---------------------------------------------------------------- strategies

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=30),
    lambda children: st.lists(children, max_size=4) | st.dictionaries(st.text(max_size=12), children, max_size=4),
    max_leaves=12,
)
IDS = st.sampled_from(
    ["123456", "383833", "rtn001", "RTN 003", "rtn-123", "order #234567", "1234567890", "12345678901"]
)
WORDS = st.sampled_from(
    [
        "order",
        "return",
        "shipped",
        "refund",
        "where",
        "is",
        "my",
        "the",
        "ignore",
        "previous",
        "instructions",
        "list",
        "all",
        "orders",
        "delete",
        "\n",
        '"',
        "tool:",
        "user:",
        "<b>",
        "🙂",
        "注文",
        "\x00",
        "\u202e",
    ]
)
# An id near the 500-character cut, with whatever stands before it: the cut must not leave half of it.
ID_AT_THE_CUT = st.builds(
    lambda filler, separator, value, tail: "x" * filler + separator + value + tail,
    st.integers(470, 505),
    st.sampled_from(["", " ", "/", "#", "-", "$", "."]),
    IDS,
    st.sampled_from(["", ".78", ",5", " shipped?", "9"]),
)
USER_TEXT = st.one_of(
    st.text(max_size=300),
    st.lists(st.one_of(WORDS, IDS), max_size=25).map(" ".join),
    st.text(min_size=4000, max_size=6000),
    ID_AT_THE_CUT,
)


# JSON nested past the parser's recursion limit: "[" * 1000 raised RecursionError on Python 3.11
# (about 10 KB on 3.13), which crashed the turn when it came as memory.
NESTED_JSON = st.builds(
    lambda opener, depth, tail: opener * depth + tail,
    st.sampled_from(["[", '{"a":', '[{"user":', "[[{}", '{"user": [']),
    st.integers(1, 4000),
    st.sampled_from(["", "]" * 50, "1", '"x"}]']),
)
# The zero of each script's decimal digits: ASCII, Arabic-Indic, Extended Arabic-Indic, Devanagari,
# Bengali, Thai, Myanmar, full-width, mathematical bold.
DIGIT_ZEROS = [0x30, 0x660, 0x6F0, 0x966, 0x9E6, 0xE50, 0x1040, 0xFF10, 0x1D7CE]
# Characters a user (or an input method) puts between digits without meaning to: nothing, zero-width
# space, non-joiner, joiner, word joiner, variation selectors (text, emoji, supplement), soft hyphen,
# left-to-right mark and embedding.
INVISIBLE = ["", "\u200b", "\u200c", "\u200d", "\u2060", "\ufe0e", "\ufe0f", "\U000e0101", "\u00ad", "\u200e", "\u202a"]


@st.composite
def digits_in_any_script(draw: Any) -> tuple[str, str]:
    """(ASCII digits, the same digits as typed: each in a script of its own, invisibles after it)."""
    digits = draw(st.text(alphabet="0123456789", min_size=1, max_size=13))
    typed = "".join(chr(draw(st.sampled_from(DIGIT_ZEROS)) + int(d)) + draw(st.sampled_from(INVISIBLE)) for d in digits)
    return digits, typed


def typed_ids(*texts: str) -> set[str]:
    """The ids in what the user typed, whole: cleaned but not cut to length."""
    found: set[str] = set()
    for text in texts:
        for ids in registry.extract_ids(clean_user_text(text, limit=1_000_000)).values():
            found.update(ids)
    return found


PLAN_TEXT = st.one_of(
    st.text(max_size=200),
    st.lists(
        st.one_of(
            st.sampled_from(
                ["order_status", "return_status", "no_tool", "order_inquiry", "delete_order", ",", "Tool:"]
            ),
            IDS,
        ),
        max_size=8,
    ).map(" ".join),
)


def lex_events() -> st.SearchStrategy[Any]:
    session_state = st.fixed_dictionaries(
        {},
        optional={
            "sessionAttributes": st.one_of(
                st.dictionaries(st.text(max_size=15), st.one_of(st.text(max_size=40), JSON), max_size=5),
                st.fixed_dictionaries({SESSION_ATTRIBUTE: st.one_of(st.text(max_size=300), JSON.map(json.dumps))}),
                JSON,
            ),
            "intent": st.one_of(st.fixed_dictionaries({"name": st.one_of(st.text(max_size=20), JSON)}), JSON),
        },
    )
    event = st.fixed_dictionaries(
        {},
        optional={
            "inputTranscript": st.one_of(USER_TEXT, JSON),
            "sessionId": st.one_of(st.text(max_size=120), JSON),
            "sessionState": st.one_of(session_state, JSON),
            "bot": st.one_of(st.fixed_dictionaries({"id": st.text(max_size=10)}), JSON),
            "invocationSource": st.one_of(st.sampled_from(["FulfillmentCodeHook", "DialogCodeHook"]), JSON),
        },
    )
    return st.one_of(event, JSON)


EXECUTION_RESPONSES = st.one_of(
    st.fixed_dictionaries(
        {
            "status": st.sampled_from(["SUCCEEDED", "FAILED", "TIMED_OUT", "WEIRD"]),
            "output": st.one_of(
                st.none(),
                st.text(max_size=50),
                JSON.map(json.dumps),
                st.fixed_dictionaries(
                    {
                        "answer": st.one_of(st.text(max_size=2000), JSON),
                        "outcome": JSON,
                        "tools": JSON,
                        "iterations": JSON,
                    }
                ).map(json.dumps),
            ),
        }
    ),
    st.just("raise"),
)


# ---------------------------------------------------------------- the fulfilment handler


class ScriptedStepFunctions:
    def __init__(self):
        self.response: Any = None
        self.calls = 0

    def start_sync_execution(self, **kwargs):
        from botocore.exceptions import ClientError

        self.calls += 1
        if self.response == "raise":
            raise ClientError({"Error": {"Code": "InternalServerError", "Message": "x"}}, "StartSyncExecution")
        return {k: v for k, v in self.response.items() if v is not None}


@pytest.fixture(scope="module")
def fulfilment():
    module = load_handler(
        "fulfilment",
        {
            "STATE_MACHINE_ARN": "arn:aws:states:us-east-1:123456789012:stateMachine:t",
            "AWS_REGION": "us-east-1",
            "POWERTOOLS_METRICS_DISABLED": "false",
            "POWERTOOLS_LOG_LEVEL": "CRITICAL",
        },
        f"_property_fulfilment_{uuid.uuid4().hex[:6]}",
    )
    module.SFN = ScriptedStepFunctions()
    module.MEMORY_KEY._key = TEST_MEMORY_KEY.encode()  # as if read from SSM: signed memory is parsed
    return module


@PROPERTY
@given(event=lex_events(), execution=EXECUTION_RESPONSES)
@example(
    event={"inputTranscript": "Has order 123456 shipped?"},
    execution={"status": "SUCCEEDED", "output": '{"answer": "Yes.", "outcome": null, "tools": true, "iterations": 1}'},
)
@example(
    event={"inputTranscript": "Has order 123456 shipped?"},
    execution={"status": "SUCCEEDED", "output": '{"answer": "Yes.", "outcome": 5, "tools": 5, "iterations": "2"}'},
)
def test_the_handler_always_returns_a_valid_lex_response(fulfilment, event, execution):
    fulfilment.SFN.response = execution
    response = fulfilment.lambda_handler(event, LambdaContext("fulfilment", 28, 256))
    validated = LexV2Response.model_validate(response)
    message = validated.messages[0].content
    assert 0 < len(message) <= LEX_MAX_MESSAGE_CHARS
    attributes = response["sessionState"]["sessionAttributes"]
    assert all(isinstance(k, str) and isinstance(v, str) for k, v in attributes.items())
    if SESSION_ATTRIBUTE in attributes and isinstance(event, dict) and event.get("inputTranscript"):
        assert len(attributes[SESSION_ATTRIBUTE].encode()) <= MAX_HISTORY_BYTES
    if isinstance(event, dict) and isinstance(event.get("sessionState"), dict):
        sent = event["sessionState"].get("sessionAttributes")
        if isinstance(sent, dict):
            for key, value in sent.items():
                if isinstance(key, str) and isinstance(value, str) and key != SESSION_ATTRIBUTE:
                    assert attributes.get(key) == value, "a session attribute Lex sent was lost"


# ---------------------------------------------------------------- parsing: only typed ids are looked up


@PROPERTY
@given(plan=PLAN_TEXT, question=USER_TEXT, earlier=st.lists(USER_TEXT, max_size=3))
def test_lookups_only_use_ids_the_user_typed(plan, question, earlier):
    result = plan_calls(plan, clean_user_text(question), [clean_user_text(text) for text in earlier])
    assert {call.id for call in result.calls if call.id} <= typed_ids(question, *earlier)
    assert len(result.calls) <= MAX_CALLS_PER_TURN
    assert {call.tool for call in result.calls} <= {tool.name for tool in registry.tools()}
    for call in result.calls:
        assert registry.tool(call.tool).is_valid_id(call.id)
    # "nothing_new" needs tools already called: the first step never gets it, so FinishWithFindings,
    # which reads $.interpretation, is only reached after InterpretToolResults and CountIteration.
    assert result.outcome in {"call_tools", "out_of_scope", "clarify", "small_talk", "handoff"}
    assert (result.outcome == "call_tools") == bool(result.calls)


@PROPERTY
@given(text=st.text(max_size=3000))
def test_cleaned_user_text_is_one_bounded_line_that_cannot_close_its_quotes(text):
    cleaned = clean_user_text(text)
    assert len(cleaned) <= 500
    assert '"' not in cleaned and "\n" not in cleaned and "\r" not in cleaned
    assert all(ch.isprintable() or ch == " " for ch in cleaned)
    assert clean_user_text(cleaned) == cleaned


@PROPERTY
@given(raw=NESTED_JSON, channel=st.sampled_from(["lex", "qnabot"]), signed=st.booleans())
@example(raw="[" * 1000, channel="lex", signed=True)
@example(raw="[" * 10_000, channel="qnabot", signed=False)
def test_deeply_nested_memory_never_crashes_a_turn(fulfilment, raw, channel, signed):
    """Nested JSON as memory, signed or not, through Lex and QnABot: a polite answer, never an error."""
    conversation = memory.Conversation("BOT", "ALIAS", "session-1")
    assert len(read_history(raw)) <= 1  # raises nothing; only a well-formed tail can make one turn
    turns, rejected = memory.read_signed(
        {SESSION_ATTRIBUTE: raw, SIGNATURE_ATTRIBUTE: memory.signature(TEST_MEMORY_KEY.encode(), conversation, raw)},
        TEST_MEMORY_KEY.encode(),
        conversation,
    )
    assert rejected in {"too_large", "unreadable", None} and (turns == []) == (rejected is not None)
    attributes = {SESSION_ATTRIBUTE: raw}
    if signed:
        attributes[SIGNATURE_ATTRIBUTE] = memory.signature(TEST_MEMORY_KEY.encode(), conversation, raw)
    fulfilment.SFN.response = {"status": "SUCCEEDED", "output": json.dumps({"answer": "Yes.", "outcome": "answered"})}
    context = LambdaContext("fulfilment", 28, 256)
    if channel == "lex":
        event = {
            "inputTranscript": "When will it arrive?",
            "sessionId": conversation.session_id,
            "bot": {"id": conversation.bot_id, "aliasId": conversation.bot_alias_id},
            "sessionState": {"sessionAttributes": attributes},
        }
        LexV2Response.model_validate(fulfilment.lambda_handler(event, context))
    else:
        hook = {
            "req": {"question": "When will it arrive?", "_event": {"sessionId": conversation.session_id}},
            "res": {"session": attributes},
        }
        assert fulfilment.lambda_handler(hook, context)["res"]["message"] == "Yes."


FORGERIES = ["unsigned", "random", "other_key", "other_session", "other_alias", "other_bot", "edited", "genuine"]


@PROPERTY
@given(
    earlier=st.lists(st.one_of(IDS, USER_TEXT), min_size=1, max_size=3),
    forgery=st.sampled_from(FORGERIES),
    noise=st.text(alphabet="0123456789abcdef", min_size=64, max_size=64),
)
def test_memory_is_trusted_only_with_its_own_signature(earlier, forgery, noise):
    """Memory the client wrote, or memory signed for another session, alias, bot or key, or edited
    after signing, is never read: no id from it can be looked up."""
    key, conversation = TEST_MEMORY_KEY.encode(), memory.Conversation("BOT", "ALIAS", "session-1")
    history = read_history([{"user": text, "agent": "ok"} for text in earlier])
    attribute = memory.to_attribute(history)
    signed_for = {
        "other_session": conversation._replace(session_id="session-2"),
        "other_alias": conversation._replace(bot_alias_id="TSTALIASID"),
        "other_bot": conversation._replace(bot_id="BOT2"),
    }.get(forgery, conversation)
    signature = memory.signature(b"another key" if forgery == "other_key" else key, signed_for, attribute)
    attributes = {SESSION_ATTRIBUTE: attribute, SIGNATURE_ATTRIBUTE: signature}
    if forgery == "unsigned":
        del attributes[SIGNATURE_ATTRIBUTE]
    elif forgery == "random":
        attributes[SIGNATURE_ATTRIBUTE] = noise
    elif forgery == "edited":
        attributes[SESSION_ATTRIBUTE] = memory.to_attribute([{"user": "Has order 234567 shipped?", "agent": ""}])
    turns, rejected = memory.read_signed(attributes, key, conversation)
    if forgery == "genuine" or (forgery == "random" and noise == signature):
        assert turns == history and rejected is None
    else:
        assert turns == [] and rejected in {"unsigned", "bad_signature"}
        plan = plan_calls("order_status, return_status", "When will it arrive?", memory.user_texts(turns))
        assert plan.calls == []


LETTER_OR_MARK = {"x", "é", "ж", "\u0301"}
AFTER_DIGIT = {"٣": "3", "5": "5"}


@PROPERTY
@given(typed=digits_in_any_script(), after=st.sampled_from(["", "?", " now", "x", "é", "ж", "٣", "5", "\u0301", "号"]))
def test_ids_in_any_digits_and_invisible_characters_are_read_whole(typed, after):
    """An order id typed in any script's digits, with invisible characters between them, is read as
    its ASCII digits, or not at all: never a part of it. A letter, digit or mark right after it makes
    it no id (and the turn asks about it rather than answering from memory); the grounding check
    reads the number as the extractor does."""
    digits, text = typed
    question = f"Has order {text}{after} shipped?"
    if after in LETTER_OR_MARK:
        read, expected = digits, []
    else:
        read = digits + AFTER_DIGIT.get(after, "")
        expected = [read] if 5 <= len(read) <= 10 else []
    assert registry.extract_ids(question).get("order_status", []) == expected
    plan = plan_calls("order_status", question, ["Has order 654321 shipped?"])
    if expected:
        assert [call.id for call in plan.calls] == expected
    elif len(read) >= registry.MIN_ANNOUNCED_DIGITS:
        assert plan.outcome == "clarify" and plan.calls == [], "an id was meant: asked, not answered from memory"
    record = f"Order {digits}: 1 x Desk Lamp, total $15.00. Status: shipped by UPS."
    assert is_grounded(f"Order {text} has shipped by UPS.", [record, "Has it shipped?"])


@PROPERTY
@given(text=st.text(max_size=700), limit=st.integers(5, 600))
@example(text="N\x1f\u0300", limit=500)
@example(text="<<>>", limit=11)
@example(text="000000", limit=5)
def test_cleaning_is_idempotent(text, limit):
    """Normalise first, then filter: cleaning cleaned text changes nothing (a cleaner that was not
    made 'N\u0300' once and 'Ǹ' the second time)."""
    for clean in (clean_user_text, clean_model_text, clean_record_text):
        once = clean(text, limit)
        assert clean(once, limit) == once
        assert len(once) <= limit


@PROPERTY
@given(raw=st.one_of(JSON, JSON.map(json.dumps), st.text(max_size=5000)))
def test_memory_from_anything_is_bounded(raw):
    history = read_history(raw)
    assert len(history) <= 3
    assert len(json.dumps(history, ensure_ascii=False).encode()) <= MAX_HISTORY_BYTES


RECORD = Observation(
    "order_status", "123456", "found", "Order 123456: 2 x Organic Handsoap, total $25.98. Status: shipped."
)


@PROPERTY
@given(
    model_text=st.one_of(st.text(max_size=3000), st.sampled_from(["IRRELEVANT", "MORE", "", "arn:aws:x", '{"a": 1}']))
)
def test_whatever_the_model_writes_the_answer_is_bounded_and_clean(model_text):
    result = interpret("Which item was ordered for 123456?", [RECORD], model_text)
    assert result.decision in {"answer", "refuse", "continue"}
    assert len(result.answer) <= MAX_ANSWER_CHARS
    assert "arn:aws" not in result.answer and '{"' not in result.answer
    if result.answered_by == "model":
        assert result.answer.strip()


# ---------------------------------------------------------------- the whole runtime, a smaller sample


@settings(
    max_examples=SLOW_WHOLE_TURNS if SLOW else DEFAULT_WHOLE_TURNS,
    deadline=None,
    suppress_health_check=list(HealthCheck),
)
@given(text=USER_TEXT)
def test_whole_turns_on_random_text(agents, text):
    agent = agents.get("offline")
    turn = agent.ask(agent.session(), text)
    LexV2Response.model_validate(turn.response)
    assert {value for values in lookups(turn.summary()).values() for value in values} <= typed_ids(text)
    assert turn.status in {"SUCCEEDED", "NOT_RUN"}
