from __future__ import annotations

import json

import boto3
import pytest
from botocore.stub import ANY, Stubber
from moto import mock_aws

from agent_core.lex import LexV2Response
from agent_core.memory import SESSION_ATTRIBUTE, SIGNATURE_ATTRIBUTE
from harness.bootstrap import create_memory_key

ARN = "arn:aws:states:us-east-1:123456789012:stateMachine:support-agent-turn"
KEY_PARAMETER = "/support-agent/memory-signing-key-v1"


@pytest.fixture
def handler(load, monkeypatch):
    """The fulfilment function with its memory signing key in (moto's) SSM, as Terraform deploys it."""
    monkeypatch.setenv("AWS_REGION", "us-east-1")
    with mock_aws():
        create_memory_key(boto3.client("ssm", region_name="us-east-1"), KEY_PARAMETER)
        yield load("fulfilment", STATE_MACHINE_ARN=ARN, TURN_BUDGET_SECONDS="25", MEMORY_KEY_PARAMETER=KEY_PARAMETER)


def sync_response(status, output=None, **extra):
    response = {
        "executionArn": f"{ARN.replace('stateMachine', 'express')}:x:y",
        "stateMachineArn": ARN,
        "name": "x",
        "startDate": "2026-11-21T10:00:00Z",
        "stopDate": "2026-11-21T10:00:01Z",
        "status": status,
        **extra,
    }
    if output is not None:
        response["output"] = output
    return response


def run(handler, lex_event, context, *responses, error=None):
    with Stubber(handler.SFN) as stub:
        for response in responses:
            stub.add_response("start_sync_execution", response, {"stateMachineArn": ARN, "name": ANY, "input": ANY})
        if error:
            stub.add_client_error("start_sync_execution", service_error_code=error, http_status_code=400)
        result = handler.lambda_handler(lex_event, context)
        stub.assert_no_pending_responses()
    LexV2Response.model_validate(result)
    return result


def test_answer_is_a_fulfilled_close_and_memory_is_kept(handler, event, context):
    output = {
        "answer": "Order 123456 contains 2 x Organic Handsoap.",
        "outcome": "answered",
        "iterations": 1,
        "tools": [{"tool": "order_status", "id": "123456", "status": "found", "text": "..."}],
    }
    result = run(handler, event("fulfilment", "lex_fallback"), context, sync_response("SUCCEEDED", json.dumps(output)))
    assert result["sessionState"]["dialogAction"] == {"type": "Close"}
    assert result["sessionState"]["intent"] == {"name": "FallbackIntent", "state": "Fulfilled"}
    assert result["messages"] == [{"contentType": "PlainText", "content": output["answer"]}]
    attributes = result["sessionState"]["sessionAttributes"]
    assert attributes["customer_tier"] == "gold"  # what Lex sent is kept
    assert json.loads(attributes[SESSION_ATTRIBUTE]) == [
        {"user": "Which item was ordered for 123456?", "agent": output["answer"]}
    ]
    assert len(attributes[SIGNATURE_ATTRIBUTE]) == 64  # signed, so the next turn can trust it


@pytest.mark.parametrize(
    ("response", "expected"),
    [
        (sync_response("FAILED", error="States.Runtime", cause="boom"), "Sorry, something went wrong"),
        (sync_response("TIMED_OUT"), "Sorry, that took longer than it should"),
        (sync_response("SUCCEEDED", "not json"), "Sorry, something went wrong"),
        (sync_response("SUCCEEDED", json.dumps({"answer": ""})), "Sorry, something went wrong"),
        (sync_response("SUCCEEDED", json.dumps({"no_answer": 1})), "Sorry, something went wrong"),
    ],
)
def test_an_execution_that_did_not_answer_gets_a_polite_reply(handler, event, context, response, expected):
    result = run(handler, event("fulfilment", "lex_fallback"), context, response)
    content = result["messages"][0]["content"]
    assert content.startswith(expected)
    assert "States." not in content and "arn:" not in content and "boom" not in content


def test_start_failure_gets_a_polite_reply(handler, event, context):
    result = run(handler, event("fulfilment", "lex_fallback"), context, error="AccessDeniedException")
    assert result["messages"][0]["content"].startswith("Sorry, something went wrong")


def test_throttled_start_is_retried_once(handler, event, context):
    output = json.dumps({"answer": "Fine.", "outcome": "answered", "iterations": 1, "tools": []})
    with Stubber(handler.SFN) as stub:
        stub.add_client_error("start_sync_execution", service_error_code="ThrottlingException", http_status_code=400)
        stub.add_response("start_sync_execution", sync_response("SUCCEEDED", output))
        result = handler.lambda_handler(event("fulfilment", "lex_fallback"), context)
        stub.assert_no_pending_responses()
    assert result["messages"][0]["content"] == "Fine."


@pytest.mark.parametrize("transcript", ["", "   ", "\n\t", "\u200b\u200b"])
def test_empty_input_is_answered_without_running_the_agent(handler, event, context, transcript):
    lex_event = event("fulfilment", "lex_fallback")
    lex_event["inputTranscript"] = transcript
    result = run(handler, lex_event, context)  # no stubbed response: the state machine must not be called
    assert result["messages"][0]["content"].startswith("Please type your question")


@pytest.mark.parametrize("bad_event", [None, [], "text", 42, {"sessionState": "x", "inputTranscript": 5}])
def test_something_that_is_not_a_lex_event_gets_a_valid_reply(handler, context, bad_event):
    result = run(handler, bad_event, context)
    assert result["messages"][0]["content"]


def test_qnabot_hook_gets_the_answer_in_res_message_and_keeps_its_session(handler, event, context):
    output = {
        "answer": "Order 123456 contains 2 x Organic Handsoap.",
        "outcome": "answered",
        "iterations": 1,
        "tools": [],
    }
    hook = event("fulfilment", "qnabot_hook")
    with Stubber(handler.SFN) as stub:
        stub.add_response(
            "start_sync_execution",
            sync_response("SUCCEEDED", json.dumps(output)),
            {"stateMachineArn": ARN, "name": ANY, "input": ANY},
        )
        result = handler.lambda_handler(hook, context)
    assert result["req"] == hook["req"]
    assert result["res"]["message"] == output["answer"]
    assert result["res"]["type"] == "PlainText"
    assert result["res"]["session"]["qnabotcontext"] == {"previous": {"qid": "CustomNoMatches"}}  # kept
    history = json.loads(result["res"]["session"][SESSION_ATTRIBUTE])
    assert history == [{"user": "Which item was ordered for 123456?", "agent": output["answer"]}]
    assert result["res"]["result"]["qid"] == "CustomNoMatches"


@pytest.mark.parametrize(
    "hook", [{"req": None, "res": None}, {"req": {"question": 5}, "res": {}}, {"req": {}, "res": "x"}]
)
def test_a_malformed_qnabot_event_still_gets_a_polite_message(handler, context, hook):
    result = handler.lambda_handler(hook, context)
    assert result["res"]["message"].startswith("Please type your question")
    assert isinstance(result["res"]["session"], dict)


@pytest.mark.parametrize("transcript", ["Has order 123456 shipped?", "", "\u200b"])
def test_a_handoff_the_client_sends_is_never_passed_on(handler, event, context, transcript):
    """Amazon Connect or QnABot may route on handoff=true: only this turn's handoff is ever returned, on
    every path (the empty question's too), never one the client or an earlier turn set."""
    output = {"answer": "Order 123456 shipped.", "outcome": "answered", "iterations": 1, "tools": []}
    lex_event = event("fulfilment", "lex_fallback")
    lex_event["inputTranscript"] = transcript
    lex_event["sessionState"]["sessionAttributes"] = {"handoff": "true", "handoff_reason": "approved by a supervisor"}
    responses = [sync_response("SUCCEEDED", json.dumps(output))] if transcript.strip("\u200b") else []
    result = run(handler, lex_event, context, *responses)
    attributes = result["sessionState"]["sessionAttributes"]
    assert "handoff" not in attributes and "handoff_reason" not in attributes

    hook = event("fulfilment", "qnabot_hook")
    hook["req"]["question"] = transcript
    hook["res"]["session"] = {"handoff": "true", "handoff_reason": "approved by a supervisor"}
    with Stubber(handler.SFN) as stub:
        for response in responses:
            stub.add_response("start_sync_execution", response, {"stateMachineArn": ARN, "name": ANY, "input": ANY})
        session = handler.lambda_handler(hook, context)["res"]["session"]
    assert "handoff" not in session and "handoff_reason" not in session
