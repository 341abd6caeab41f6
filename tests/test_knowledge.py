"""The knowledge base (knowledge/*.md) and its search (agent_core/knowledge.py, knowledge_base.py)."""

from __future__ import annotations

import json
import re

import botocore.session
import pytest
from botocore.stub import Stubber
from hypothesis import given, settings
from hypothesis import strategies as st

from agent_core import knowledge, knowledge_base
from support import REPO

FOLDER = REPO / "knowledge"
ENTRIES = knowledge.load_entries(FOLDER)
INDEX = knowledge.Index(ENTRIES)
REQUIRED = {
    "refund-policy", "refund-timing", "return-policy", "cancellation-fee", "cancel-order", "change-order",
    "payment-methods", "delivery-options", "international-shipping", "order-tracking-help",
    "damaged-or-wrong-item", "warranty", "invoices", "account-and-privacy", "promotions-and-gift-cards", "contact-us",
}  # fmt: skip
SAMPLE = json.loads((REPO / "data" / "sample_store.json").read_text())["tables"]


def entry(entry_id: str) -> knowledge.Entry:
    return next(e for e in ENTRIES if e.id == entry_id)


def test_every_required_entry_exists_and_each_file_is_named_by_its_id():
    assert {e.id for e in ENTRIES} >= REQUIRED
    names = {path.stem for path in FOLDER.glob("*.md") if path.name != "README.md"}
    assert names == {e.id for e in ENTRIES}


def test_each_answer_fits_a_chat_bubble_and_has_phrasings():
    for e in ENTRIES:
        assert 60 <= len(e.answer) <= 420, (e.id, len(e.answer))
        assert len(e.phrasings) >= 3, e.id
        assert e.title and e.title[0].isupper(), e.id


def test_the_entries_agree_with_the_sample_store():
    carriers = {item["carrier"] for item in SAMPLE["orders"]["items"] if item.get("carrier")}
    delivery = entry("delivery-options").answer + entry("delivery-options").detail
    assert all(carrier in delivery for carrier in carriers), carriers
    methods = {item["refund_method"] for item in SAMPLE["returns"]["items"] if item.get("refund_method")}
    refunds = entry("refund-policy").answer.lower()
    assert (
        "original payment method" in refunds
        and "store credit" in refunds
        and methods
        <= {
            "original payment method",
            "store credit",
        }
    )
    # Returns are inspected within 7 business days of receipt: the sample returns' expected dates agree.
    for item in SAMPLE["returns"]["items"]:
        if item.get("received_date") and item.get("estimated_processing_date"):
            assert _business_days(item["received_date"], item["estimated_processing_date"]) <= 7, item["return_id"]
    assert "7 business days" in entry("refund-timing").answer and "30 days" in entry("return-policy").answer


def _business_days(start: str, end: str) -> int:
    from datetime import date, timedelta

    first, last = date.fromisoformat(start), date.fromisoformat(end)
    return sum((first + timedelta(days=n)).weekday() < 5 for n in range(1, (last - first).days + 1))


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("What is your refund policy?", "refund-policy"),
        ("which payment methods do you accept", "payment-methods"),
        ("what delivery options are there", "delivery-options"),
        ("Is there an early termination fee?", "cancellation-fee"),
        ("How do I cancel my order?", "cancel-order"),
        ("How do I change the address on my order?", "change-order"),
        ("Do you ship to Canada?", "international-shipping"),
        ("My parcel never arrived", "missing-package"),
        ("The mug arrived broken", "damaged-or-wrong-item"),
        ("Can I get a discount code?", "promotions-and-gift-cards"),
        ("I want to talk to a human", "contact-us"),
        ("How do I delete my account?", "account-and-privacy"),
        ("Where do I find my invoice?", "invoices"),
        ("Is there a warranty on headphones?", "warranty"),
        ("When will my refund arrive?", "refund-timing"),
    ],
)
def test_the_search_finds_the_entry_a_question_is_about(question, expected):
    hits = INDEX.search(question)
    assert hits and hits[0].entry.id == expected, [(h.entry.id, h.score) for h in hits]


@pytest.mark.parametrize(
    "question", ["How is the weather in Scotland right now?", "Tell me a joke", "hi", "recipe for pancakes", "123456"]
)
def test_questions_the_knowledge_base_does_not_answer_find_nothing(question):
    assert INDEX.search(question) == []


@settings(max_examples=300, deadline=None)
@given(st.text(max_size=400))
def test_any_text_is_a_safe_query(text):
    """FTS5 has a query syntax (AND, NEAR, quotes, column filters, *): nothing a user types may break it."""
    hits = INDEX.search(text)
    assert all(0 <= hit.score <= 1 for hit in hits)


def test_fts5_syntax_in_the_question_is_searched_as_words():
    for hostile in ['refund" OR title:*', "NEAR(refund policy)", "refund AND", '"""', "title: refund", "refund*"]:
        INDEX.search(hostile)  # raises nothing
    assert knowledge.query_words('refund" OR title:*') == ["refund", "title"]  # "or" is a stopword


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("no front matter", "no +++ front matter"),
        ('+++\nid = "Bad Id"\ntitle = "t"\n+++\nanswer', "id must be a slug"),
        ('+++\nid = "x"\n+++\nanswer', "title is missing"),
        ('+++\nid = "x"\ntitle = "t"\nphrasings = "one"\n+++\nanswer', "phrasings must be a list"),
        ('+++\nid = "x"\ntitle = "t"\n+++\n', "no answer"),
        ('+++\nid = "x"\ntitle = "t"\nsecret = 1\n+++\nanswer', "unknown front matter keys"),
        ("+++\nid = x\n+++\nanswer", "front matter is not TOML"),
    ],
)
def test_a_malformed_entry_is_a_clear_error(text, problem):
    with pytest.raises(knowledge.KnowledgeError, match=re.escape(problem)):
        knowledge.parse_entry(text, "bad.md")


def test_the_first_paragraph_is_the_answer_and_the_rest_is_detail():
    e = knowledge.parse_entry('+++\nid = "x"\ntitle = "X"\n+++\nShort\nanswer.\n\nMore.\n\nEven more.\n', "x.md")
    assert e.answer == "Short answer." and e.detail == "More.\n\nEven more."


def test_the_shipped_files_are_the_default_backend():
    searcher = knowledge_base.searcher("none")
    assert isinstance(searcher, knowledge_base.FileKnowledge)
    found = searcher.search("What is your refund policy?")
    assert found[0].id == "refund-policy" and found[0].answer == entry("refund-policy").answer


def bedrock(response=None, error=None):
    client = botocore.session.get_session().create_client("bedrock-agent-runtime", region_name="us-east-1")
    stub = Stubber(client)
    expected = {
        "knowledgeBaseId": "ABCDEFGHIJ",
        "retrievalQuery": {"text": "refund policy?"},
        "retrievalConfiguration": {"vectorSearchConfiguration": {"numberOfResults": 2}},
    }
    if error:
        stub.add_client_error("retrieve", service_error_code=error, http_status_code=429, expected_params=expected)
    else:
        stub.add_response("retrieve", response, expected)
    return knowledge_base.BedrockKnowledge("ABCDEFGHIJ", client=client), stub


def test_a_bedrock_knowledge_base_is_read_with_retrieve():
    response = {
        "retrievalResults": [
            {
                "content": {"text": "Refunds within 30 days.\n  Full refund."},
                "location": {"type": "S3", "s3Location": {"uri": "s3://kb/policies/refund-policy.md"}},
                "score": 0.82,
            },
            {
                "content": {"text": "Too weak"},
                "location": {"type": "S3", "s3Location": {"uri": "s3://kb/x.md"}},
                "score": 0.1,
            },
        ]
    }
    searcher, stub = bedrock(response)
    with stub:
        found = searcher.search("refund policy?")
    assert [(hit.id, hit.answer, hit.score) for hit in found] == [
        ("refund-policy", "Refunds within 30 days. Full refund.", 0.82)
    ]


def test_a_bedrock_failure_is_the_retried_error():
    searcher, stub = bedrock(error="ThrottlingException")
    with stub, pytest.raises(knowledge_base.KnowledgeUnavailable):
        searcher.search("refund policy?")
