from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest

from agent_core.model_errors import ModelError
from agent_core.prompts import PromptError
from harness.models import OfflineBackend


@pytest.fixture
def handler(load):
    """The LLM function as deployed for an endpoint, with the offline stand-in put in the endpoint's
    place (the harness's one seam: the module's backend)."""
    module = load("llm", LLM_BACKEND="sagemaker", LLM_ENDPOINT_NAME="test-endpoint", LLM_TIMEOUT_SECONDS="8")
    module._BACKEND = OfflineBackend()
    return module


def now_turn(event, seconds_ago=0.0):
    started = datetime.now(UTC) - timedelta(seconds=seconds_ago)
    event["turn"]["started_at"] = started.isoformat()
    return event


def test_planner_returns_the_raw_model_text(handler, event, context):
    result = handler.lambda_handler(now_turn(event("llm", "planner")), context)
    assert result["prompt"] == "planner"
    assert result["text"] == "order_status"
    assert result["model_calls"] == 1
    assert result["model"].startswith("offline stand-in")


def test_interpreter_answers_from_the_records(handler, event, context):
    result = handler.lambda_handler(now_turn(event("llm", "interpreter")), context)
    assert result["decision"] == "answer"
    assert "Organic Handsoap" in result["answer"]
    assert result["model_calls"] == 1
    assert result["observations"][0]["status"] == "found"
    assert "Organic Handsoap" in result["fallback_answer"]


def test_interpreter_does_not_call_the_model_for_records_not_found(handler, event, context):
    payload = now_turn(event("llm", "interpreter"))
    payload["tool_results"][0]["result"]["payload"] = {
        "tool": "order_status",
        "id": "123456",
        "status": "not_found",
        "observation": "I could not find order 123456. Please check your order id.",
    }
    result = handler.lambda_handler(payload, context)
    assert result["model_calls"] == 0
    assert result["answer"] == "I could not find order 123456. Please check your order id."


def test_unknown_prompt_is_a_clear_error(handler, context):
    with pytest.raises(PromptError, match="no operation for prompt 'summariser'"):
        handler.lambda_handler({"prompt": "summariser"}, context)


def test_no_model_call_when_the_turn_budget_is_spent(handler, event, context):
    spent = now_turn(event("llm", "planner"), seconds_ago=24)
    with pytest.raises(handler.TurnBudgetExhausted):
        handler.lambda_handler(spent, context)


def test_model_timeout_shrinks_to_the_time_left(handler, event, context):
    assert handler.model_timeout(now_turn(event("llm", "planner")), context) == pytest.approx(8, abs=0.1)
    assert handler.model_timeout(now_turn(event("llm", "planner"), seconds_ago=20), context) == pytest.approx(
        25 - 20 - handler.SAFETY_MARGIN_SECONDS, abs=0.2
    )


def test_a_misconfigured_backend_fails_the_task_not_the_init(load, event, context):
    handler = load("llm", LLM_BACKEND="offline", LLM_TIMEOUT_SECONDS="8")  # not a deployable backend
    with pytest.raises(ModelError, match="unknown LLM_BACKEND 'offline'; use sagemaker or bedrock"):
        handler.lambda_handler(now_turn(event("llm", "planner")), context)


def test_every_step_adds_its_model_call_to_the_turns_usage(handler, event, context):
    planner = now_turn(event("llm", "planner"))
    planned = handler.lambda_handler(planner, context)
    assert planned["usage"]["model_calls"] == 1 and planned["usage"]["plans"] == 1
    assert planned["usage"]["estimated_calls"] == 1 and planned["usage"]["tokens_in"] > 100
    interpreter = event("llm", "interpreter")
    interpreter["turn"]["started_at"] = planner["turn"]["started_at"]
    interpreter["usage"] = planned["usage"]
    interpreted = handler.lambda_handler(interpreter, context)
    assert interpreted["usage"]["model_calls"] == 2 and interpreted["usage"]["llm_invocations"] == 2
    assert interpreted["text"] and interpreted["usage"]["tokens_in"] > planned["usage"]["tokens_in"]
    interpreter["tool_results"][0]["result"]["payload"]["status"] = "not_found"
    unanswered = handler.lambda_handler(interpreter, context)
    assert unanswered["text"] is None and unanswered["usage"]["model_calls"] == 1  # no call: only counted
