from __future__ import annotations

import json

import pytest

ARNS = {
    "order_status": "arn:aws:lambda:us-east-1:123456789012:function:support-agent-order-status",
    "return_status": "arn:aws:lambda:us-east-1:123456789012:function:support-agent-return-status",
    "knowledge_search": "arn:aws:lambda:us-east-1:123456789012:function:support-agent-knowledge-search",
}


@pytest.fixture
def handler(load):
    return load("parse", TOOL_FUNCTIONS=json.dumps(ARNS))


def test_model_alias_becomes_a_call_to_the_serving_lambda(handler, event, context):
    result = handler.lambda_handler(event("parse", "parse"), context)
    assert result["outcome"] == "call_tools"
    assert result["calls"] == [
        {
            "tool": "order_status",
            "id": "123456",
            "id_source": "this_turn",
            "function": ARNS["order_status"],
            "payload": {"tool": "order_status", "arguments": {"order_id": "123456"}},
        }
    ]


def test_an_id_only_the_model_wrote_is_never_called(handler, event, context):
    payload = event("parse", "parse")
    payload["plan_text"] = "order_status 999999"
    payload["turn"]["question"] = "Has my order shipped?"
    result = handler.lambda_handler(payload, context)
    assert result["outcome"] == "clarify"
    assert result["calls"] == []
    assert "order number" in result["message"]


def test_unknown_tool_names_are_rejected(handler, event, context):
    payload = event("parse", "parse")
    payload["plan_text"] = "weather_api"
    payload["turn"]["question"] = "How is the weather in Paris?"
    result = handler.lambda_handler(payload, context)
    assert result["outcome"] == "call_tools" and result["fallback"] is True  # the knowledge base, then a decline
    assert result["calls"][0]["payload"]["arguments"] == {"question": "How is the weather in Paris?", "strict": True}
    assert result["rejected"] == ["weather_api"]
    assert result["message"].startswith("Sorry, I cannot answer that question.")


def test_calls_already_made_this_turn_are_not_repeated(handler, event, context):
    payload = event("parse", "parse")
    payload["observations"] = [{"tool": "order_status", "id": "123456", "status": "found", "text": "Order 123456: x."}]
    result = handler.lambda_handler(payload, context)
    assert result["outcome"] == "nothing_new"
    assert result["calls"] == []


def test_a_later_step_that_must_ask_says_what_it_found_first(handler, event, context):
    payload = event("parse", "parse")
    payload["plan_text"] = "order_status, return_status"
    payload["turn"]["question"] = "Has order 123456 shipped and where is my return?"
    payload["observations"] = [
        {"tool": "order_status", "id": "123456", "status": "found", "text": "Order 123456: shipped by UPS."}
    ]
    result = handler.lambda_handler(payload, context)
    assert result["outcome"] == "clarify" and result["calls"] == []
    assert result["message"] == (
        "Order 123456: shipped by UPS. Could you tell me your return id? It starts with rtn, for example rtn001."
    )


def test_model_words_are_capped_in_the_result(handler, event, context):
    payload = event("parse", "parse")
    payload["plan_text"] = " ".join(f"tool_{i}_" + "x" * 100 for i in range(20))
    result = handler.lambda_handler(payload, context)
    assert len(result["rejected"]) == 5 and all(len(word) <= 40 for word in result["rejected"])
