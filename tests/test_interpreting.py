"""Interpretation: tool results are checked, the model's answer is used only when grounded."""

from __future__ import annotations

import pytest

from agent_core.grounding import is_grounded
from agent_core.interpreting import Observation, interpret, merge, read_observations, read_tool_result
from agent_core.limits import MAX_ANSWER_CHARS

FOUND = "Order 123456: 2 x Organic Handsoap, total $25.98. Status: shipped on 2026-10-30 by UPS."


def call(result=None, tool="order_status", id_="123456"):
    item = {"tool": tool, "id": id_}
    if result is not None:
        item["result"] = {"payload": result}
    return item


def test_a_good_result_becomes_an_observation():
    observation = read_tool_result(
        call({"tool": "order_status", "id": "123456", "status": "found", "observation": FOUND})
    )
    assert observation == Observation("order_status", "123456", "found", FOUND)


@pytest.mark.parametrize(
    "payload",
    [
        None,
        "oops",
        [],
        {},
        {"status": "found"},
        {"status": "found", "observation": ""},
        {"status": "weird", "observation": "x"},
    ],
)
def test_a_malformed_result_is_an_error_attributed_to_the_call(payload):
    observation = read_tool_result(call(payload))
    assert (observation.tool, observation.id, observation.status) == ("order_status", "123456", "error")
    assert observation.text == "Sorry, I could not look up order 123456 right now. Please try again in a moment."


def test_a_failed_call_is_an_error_observation():
    observation = read_tool_result({"tool": "return_status", "id": "rtn001", "error": "States.Timeout"})
    assert observation.status == "error" and "return rtn001" in observation.text


@pytest.mark.parametrize(
    "item", [None, {}, {"tool": "delete_everything", "id": "1"}, {"tool": "order_status", "id": "abc"}]
)
def test_calls_that_were_never_valid_are_not_described(item):
    observation = read_tool_result(item)
    assert observation.status == "error" and observation.id == "" and observation.text == ""


def test_observations_carried_between_iterations_are_checked_again():
    carried = read_observations(
        [{"tool": "order_status", "id": "123456", "status": "found", "text": FOUND}, {"tool": "x"}, "junk"]
    )
    assert carried[0] == Observation("order_status", "123456", "found", FOUND)
    assert len(carried) == 2 and carried[1].status == "error"


def test_merge_keeps_one_observation_per_call_newest_wins():
    old = Observation("order_status", "123456", "error", "x")
    new = Observation("order_status", "123456", "found", FOUND)
    other = Observation("return_status", "rtn001", "found", "Return rtn001: processed.")
    assert merge([old, other], [new]) == [new, other]


OBSERVATIONS = [Observation("order_status", "123456", "found", FOUND)]


@pytest.mark.parametrize(
    ("model_text", "decision", "answered_by"),
    [
        ("Organic Handsoap", "answer", "model"),
        ("The order contains 2 x Organic Handsoap.", "answer", "model"),
        ("IRRELEVANT", "refuse", "rules"),
        ("irrelevant.", "refuse", "rules"),
        ("Unanswerable", "refuse", "rules"),
        ("MORE", "continue", "rules"),
        ("more.", "continue", "rules"),
        ("MORE: the return is not among the records", "continue", "rules"),
        ("More than one: 2 x Organic Handsoap in order 123456.", "answer", "model"),
        ("", "answer", "tools"),
        ("Die Bestellung wurde versandt.", "answer", "tools"),
        ("Your order 999999 has shipped.", "answer", "tools"),
        ("The refund of $500.00 was issued.", "answer", "tools"),
        ('{"errorType": "KeyError"}', "answer", "tools"),
        ("arn:aws:lambda:us-east-1:123456789012:function:x says shipped", "answer", "tools"),
        ("lorem ipsum " * 1000, "answer", "tools"),
        ("Organic Handsoap " * 30, "answer", "tools"),
        ("Die Bestellung 123456 enthält Organic Handsoap.", "answer", "tools"),
    ],
)
def test_decisions(model_text, decision, answered_by):
    result = interpret("Which item was ordered for 123456?", OBSERVATIONS, model_text)
    assert (result.decision, result.answered_by) == (decision, answered_by)
    if answered_by == "tools":
        assert result.answer == FOUND
    if decision == "refuse":
        assert "Organic" not in result.answer


def test_without_found_records_the_records_are_the_answer():
    not_found = [Observation("order_status", "383833", "not_found", "I could not find order 383833.")]
    result = interpret("Which item was ordered for 383833?", not_found, None)
    assert (result.decision, result.answer, result.answered_by) == ("answer", "I could not find order 383833.", "tools")
    assert result.fallback_answer.startswith("Sorry, I could not find a complete answer")


def test_fallback_answer_lists_what_was_found():
    result = interpret("x", OBSERVATIONS, "MORE")
    assert result.fallback_answer == f"I could not answer all of that, but here is what I found: {FOUND}"


@pytest.mark.parametrize(
    ("text", "grounded"),
    [
        ("Organic Handsoap", True),
        ("It shipped on 2026-10-30 with UPS.", True),
        ("It was sent by FedEx yesterday evening around noon time.", False),
        ("", False),
        # numbers: only those of the records (or the question), whole or in part
        ("Order 123456 cost $25.98 for 2 x Organic Handsoap.", True),
        ("Order 123456 has 2 items and shipped in 2026.", True),
        ("Order 123456 has a total of $19.99.", False),
        ("Order 123456 should arrive on 2026-11-05.", False),
        ("Order 123456 has 3 x Organic Handsoap.", False),
        # statuses and names the records do not have
        ("Order 123456 was shipped by FedEx.", False),
        ("Order 123456 has been cancelled and refunded.", False),
        ("Order 123456 shipped by UPS.", True),
    ],
)
def test_grounding(text, grounded):
    assert is_grounded(text, [FOUND]) is grounded


def test_what_the_question_says_counts_as_known():
    processing = "Order 123457: 1 x Bamboo Cutting Board. Status: processing, not shipped yet."
    answer = "No, order 123457 has not shipped yet; it is processing."
    assert is_grounded(answer, [processing, "Has order 123457 shipped?"])


def test_a_negated_fact_is_not_caught_and_the_docstring_says_so():
    assert is_grounded("Order 123456 has not shipped.", [FOUND])
    from agent_core import grounding

    assert "negated" in (grounding.__doc__ or "")


def test_a_follow_up_question_comes_after_the_answer_and_is_never_cut():
    question = "Could you tell me your return id? It starts with rtn, for example rtn001."
    result = interpret("Has order 123456 shipped and where is my return?", OBSERVATIONS, "x" * 590, question)
    assert result.answer.endswith(question) and len(result.answer) <= MAX_ANSWER_CHARS
    assert result.fallback_answer.endswith(question)
    model = interpret("Has order 123456 shipped?", OBSERVATIONS, "Order 123456 shipped by UPS.", question)
    assert model.answer == f"Order 123456 shipped by UPS. {question}"
    assert interpret("x", OBSERVATIONS, "MORE", question).answer == ""  # the next step asks again


def test_the_records_answer_names_every_record_looked_up():
    """The most records a turn can have, each as long as a record may be, all appear (each cut fairly)."""
    from agent_core.interpreting import findings
    from agent_core.limits import MAX_ANSWER_CHARS, MAX_CALLS_PER_TURN, MAX_OBSERVATION_CHARS

    ids = [str(123456 + n) for n in range(MAX_CALLS_PER_TURN - 1)] + ["rtn003"]
    records = [
        Observation(
            "return_status" if id_.startswith("rtn") else "order_status",
            id_,
            "found",
            (f"Record {id_}: " + "a long description of what was bought and when it moved " * 20)[
                :MAX_OBSERVATION_CHARS
            ],
        )
        for id_ in ids
    ]
    text = findings(records)
    assert len(text) <= MAX_ANSWER_CHARS
    assert all(f"Record {id_}:" in text for id_ in ids)
    short = findings([Observation("order_status", "1", "found", "Order 123456: shipped."), *records[1:]])
    assert short.startswith("Order 123456: shipped. Record 123457:")  # a short record is never cut


@pytest.mark.parametrize(
    "text",
    [
        "Order 123456 shipped by UPS; track it at https://ups-track.example/1Z999 for details.",
        "Order 123456 shipped by UPS, see ups-tracking.com for the parcel.",
        "Order 123456 shipped by UPS. Write to help@shop-support.example to confirm.",
        "Order 123456 shipped by UPS; to confirm delivery, reply with your password.",
        "Order 123456 shipped by UPS. Please send your card number to check the refund.",
        "Order 123456 <img src=x onerror=alert(1)> shipped by UPS.",
        "Order 123456 **shipped** by UPS.",
        "Order 123456 shipped by UPS [here](javascript:alert(1)).",
        "# Order 123456 shipped by UPS.",
        "Order 123456 shipped by UPS. " + "\U0001f389" * 40,
        "Order 123456 shipped by UPS." + "\u0301" * 40,
    ],
)
def test_links_secrets_markup_and_symbols_are_never_an_answer(text):
    """A hijacked model's phishing link, request for a secret or markup is replaced by the records, even
    when the question (a grounding source) carries the same markup."""
    question = "Has order 123456 shipped? <img src=x onerror=alert(1)> **bold** [here](javascript:alert(1))"
    assert not is_grounded(text, [FOUND, question])
    result = interpret(question, [Observation("order_status", "123456", "found", FOUND)], text)
    assert result.answered_by == "tools" and result.answer == FOUND


def test_an_address_or_secret_the_records_give_may_be_repeated():
    record = "Order 123456: shipped by UPS. Track it at www.ups.com with the password printed on the receipt."
    assert is_grounded("Track order 123456 at www.ups.com with the password printed on the receipt.", [record])


RETURNS = (
    "Help centre article return-policy (Return policy): You can return an item within 30 days of delivery if it "
    "is unused and in its original packaging. Opened personal-care items, gift cards and final-sale items "
    "cannot be returned."
)
ARTICLE = Observation("knowledge_search", "", "found", RETURNS, ("return-policy",))


@pytest.mark.parametrize(
    ("question", "model_text", "by_model"),
    [
        ("How do I return an item?", "You can return an item within 30 days of delivery if it is unused.", True),
        ("Is the return window 365 days?", "Yes, the return window is 365 days.", False),
        (
            "How do I return an item?",
            "You can return an item within 30 days of delivery. Opened personal-care items can be returned too.",
            False,
        ),
        ("Can I return it?", "Yes, and we also give you a free lifetime replacement on every item.", False),
        ("Can I return it?", "A person will always approve a full refund.", False),
        ("Can I return opened soap?", "Opened personal-care items cannot be returned.", True),
    ],
)
def test_a_policy_answer_says_only_what_the_article_says(question, model_text, by_model):
    """Invented or contradicted policy never goes out with a source: the article's own answer does."""
    result = interpret(question, [ARTICLE], model_text)
    assert result.decision == "knowledge" and result.sources == ["return-policy"]
    assert (result.answered_by == "model") is by_model
    if not by_model:
        assert result.answer.startswith("You can return an item within 30 days of delivery if it is unused")
        assert "Help centre article" not in result.answer  # the customer reads the answer, not the record format
    assert result.answer.endswith("(Source: Return policy.)")


def test_a_source_is_cited_only_for_what_its_article_says():
    from agent_core.interpreting import cited

    assert cited([ARTICLE], "Opened personal-care items cannot be returned within 30 days.") == ["return-policy"]
    assert cited([ARTICLE], "Order 123456 shipped by UPS.") == []


def test_an_answer_always_fits_lex_in_utf16_units():
    from agent_core.lex import close
    from agent_core.limits import LEX_MAX_MESSAGE_CHARS
    from agent_core.text import utf16_length

    message = close("Order 123456 shipped. " + "\U0001f389" * 990, {})["messages"][0]["content"]
    assert utf16_length(message) <= LEX_MAX_MESSAGE_CHARS and message.startswith("Order 123456 shipped.")
