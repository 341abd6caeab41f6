from __future__ import annotations

import pytest


@pytest.fixture
def handler(load):
    return load("knowledge_search", KNOWLEDGE_BASE_ID="none")


def test_a_policy_question_finds_its_entry_with_its_answer(handler, event, context):
    result = handler.lambda_handler(event("knowledge_search", "policy_question"), context)
    assert result["tool"] == "knowledge_search" and result["id"] == "" and result["status"] == "found"
    assert result["sources"][0]["id"] == "refund-policy" and 0 < result["sources"][0]["score"] <= 1
    assert result["observation"].startswith("Help centre article refund-policy (Refund policy): You can get")


def test_a_question_the_help_centre_does_not_answer_offers_a_person(handler, event, context):
    result = handler.lambda_handler(event("knowledge_search", "off_topic_question"), context)
    assert result["status"] == "not_found" and result["sources"] == []
    assert "talk to a person" in result["observation"]


@pytest.mark.parametrize("arguments", [{}, {"question": ""}, {"question": 42}, None, {"question": "\x00\u202e "}])
def test_no_question_is_not_searched(handler, context, arguments):
    result = handler.lambda_handler({"tool": "knowledge_search", "arguments": arguments}, context)
    assert result["status"] == "invalid_id" and result["sources"] == []


def test_the_question_is_cut_to_the_search_limit(handler, context, monkeypatch):
    from agent_core.limits import MAX_SEARCH_CHARS

    searched = []
    monkeypatch.setattr(handler.SEARCHER, "search", lambda question, strict: searched.append(question) or [])
    handler.lambda_handler({"tool": "knowledge_search", "arguments": {"question": "refund " * 200}}, context)
    assert len(searched[0]) <= MAX_SEARCH_CHARS
