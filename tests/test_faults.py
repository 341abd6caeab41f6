"""Fault injection through the local runtime: the real ASL and handlers, one row per fault.

For every row the Lex response validates against the Lex V2 response model, the message is a
documented polite answer (or the correct answer, where a retry recovered), no internals reach the
user, and the turn ends inside its time budget. Where retries are involved, the number of attempts is
asserted too: the model and DynamoDB faults below say which layer retries what.
"""

from __future__ import annotations

import copy
import json
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import boto3
import pytest
from botocore.exceptions import ClientError

from agent_core.lex import LexV2Response
from faults import FakeEndpoint, Reply, client_error, faulty_sagemaker, is_documented_answer, leaks_internals
from harness.expectations import lookups

ENDPOINT = FakeEndpoint()
MODEL = faulty_sagemaker(ENDPOINT)
# Short timeouts keep the slow rows fast; the logic under test is the same at any scale.
# LocalAgent options: Terraform settings, and derived timeouts replaced by name (modules/definition).
CONFIGS: dict[str, dict[str, Any]] = {
    "default": {},
    "short model timeout": {"timeouts": {"model_call_seconds": 1}},
    "short tool timeout": {"timeouts": {"tool_task_seconds": 1}},
    "short budget": {"settings": {"turn_budget_seconds": 4}},  # the model gets 1 s, its task 3 s
    "tool outlasts the budget": {"settings": {"turn_budget_seconds": 3}, "timeouts": {"tool_task_seconds": 8}},
}
ORDER_QUESTION = "Which item was ordered for 123456?"


def on(prompt: str, reply: Reply, attempts: tuple[int, ...] = ()) -> Callable[[str, int], Reply | None]:
    """A fault: ``reply`` for calls with ``prompt``, on the given attempts (all when empty)."""
    return lambda name, attempt: reply if name == prompt and (not attempts or attempt in attempts) else None


def sequence(prompt: str, texts: list[str]) -> Callable[[str, int], Reply | None]:
    return lambda name, attempt: Reply(text=texts[min(attempt, len(texts)) - 1]) if name == prompt else None


def both(*faults: Callable[[str, int], Reply | None]) -> Callable[[str, int], Reply | None]:
    return lambda name, attempt: next((r for f in faults if (r := f(name, attempt))), None)


THROTTLED = Reply(error=client_error("ThrottlingException", 400, "Rate exceeded"))
SERVER_ERROR = Reply(error=client_error("InternalFailure", 500))
MODEL_ERROR = Reply(
    error=client_error("ModelError", 424, "Received server error (500) from primary", OriginalStatusCode=500)
)
TIMEOUT = Reply(delay=60)


def handler_raises(agent, monkeypatch, calls):
    def boom(event, context):
        calls.append(event)
        raise RuntimeError("tool crashed: /var/task/order_status/handler.py line 12")

    monkeypatch.setattr(agent.functions["order_status"].module, "lambda_handler", boom)


def handler_sleeps(seconds):
    def setup(agent, monkeypatch, calls):
        real = agent.functions["order_status"].module.lambda_handler

        def slow(event, context):
            calls.append(event)
            time.sleep(seconds)
            return real(event, context)

        monkeypatch.setattr(agent.functions["order_status"].module, "lambda_handler", slow)

    return setup


def handler_returns(value):
    def setup(agent, monkeypatch, calls):
        monkeypatch.setattr(
            agent.functions["order_status"].module, "lambda_handler", lambda e, c: calls.append(e) or value
        )

    return setup


def dynamodb_fails(code, times=None):
    """DynamoDB answers GetItem with ``code`` (the first ``times`` requests, or all) at the HTTP layer,
    so botocore's own retry policy in the tool Lambda sees it. ``calls`` counts HTTP attempts."""

    def setup(agent, monkeypatch, calls):
        from botocore.awsrequest import AWSResponse
        from botocore.retries.standard import ExponentialBackoff

        client = agent.functions["order_status"].module.LOOKUP.table._client
        monkeypatch.setattr(ExponentialBackoff, "delay_amount", lambda self, context: 0)  # keep the test fast

        def fail(request, **kwargs):
            calls.append(request.url)
            if times is None or len(calls) <= times:
                body = json.dumps({"__type": f"com.amazonaws.dynamodb.v20120810#{code}", "message": "injected"})
                return AWSResponse(request.url, 400, {"x-amzn-RequestId": "injected"}, _Raw(body.encode()))
            return None  # on to moto

        # A copy of the client's events with the fault first (ahead of moto); monkeypatch restores the original.
        events = copy.copy(client.meta.events)
        events.register_first("before-send.dynamodb.GetItem", fail)
        monkeypatch.setattr(client._endpoint, "_event_emitter", events)

    return setup


class _Raw:
    """The raw stream botocore reads an HTTP body from."""

    def __init__(self, body: bytes) -> None:
        self._body = body

    def stream(self, **kwargs):
        yield self._body


def item_lacks_fields(agent, monkeypatch, calls):
    boto3.client("dynamodb", region_name="us-east-1").put_item(
        TableName="support-agent-orders", Item={"order_id": {"S": "55555"}}
    )


def execution_response(change: Callable[[dict[str, Any]], dict[str, Any]]):
    def setup(agent, monkeypatch, calls):
        client = agent.functions["fulfilment"].module.SFN
        real = client.start_sync_execution

        def start(**kwargs):
            calls.append(kwargs)
            return change(real(**kwargs))

        monkeypatch.setattr(client, "start_sync_execution", start)

    return setup


def start_throttled(agent, monkeypatch, calls):
    client = agent.functions["fulfilment"].module.SFN

    def start(**kwargs):
        calls.append(kwargs)
        raise ClientError({"Error": {"Code": "ThrottlingException", "Message": "Rate exceeded"}}, "StartSyncExecution")

    monkeypatch.setattr(client, "start_sync_execution", start)


@dataclass(frozen=True)
class Scenario:
    name: str
    question: str
    fault: Callable[[str, int], Reply | None] | None = None
    setup: Callable[[Any, Any, list], None] | None = None
    config: str = "default"
    answer_contains: tuple[str, ...] = ()  # a correct answer; else a documented polite one
    polite: str | None = None  # the start of the polite answer expected
    lookups: dict[str, list[str]] | None = None
    model_calls: dict[str, int] = field(default_factory=dict)
    injected_calls: int | None = None  # calls the setup's fault saw (tool, DynamoDB or Step Functions)
    outcome: str | None = None


SCENARIOS = [
    # -- the model endpoint
    Scenario(
        "model throttles once: retried by the state machine",
        ORDER_QUESTION,
        on("planner", THROTTLED, (1,)),
        answer_contains=("Organic Handsoap",),
        model_calls={"planner": 2, "interpreter": 1},
    ),
    Scenario(
        "model keeps throttling",
        ORDER_QUESTION,
        on("planner", THROTTLED),
        polite="Sorry, something went wrong",
        model_calls={"planner": 2},
        outcome="error",
    ),
    Scenario(
        "model error (4xx from the container): not retried",
        ORDER_QUESTION,
        on("planner", MODEL_ERROR),
        polite="Sorry, something went wrong",
        model_calls={"planner": 1},
        outcome="error",
    ),
    Scenario(
        "endpoint 5xx once: retried",
        ORDER_QUESTION,
        on("interpreter", SERVER_ERROR, (1,)),
        answer_contains=("Organic Handsoap",),
        model_calls={"planner": 1, "interpreter": 2},
    ),
    Scenario(
        "endpoint 5xx every time",
        ORDER_QUESTION,
        on("interpreter", SERVER_ERROR),
        polite="Sorry, something went wrong",
        model_calls={"interpreter": 2},
        outcome="error",
    ),
    Scenario(
        "endpoint times out once: retried",
        ORDER_QUESTION,
        on("planner", Reply(delay=2), (1,)),
        config="short model timeout",
        answer_contains=("Organic Handsoap",),
        model_calls={"planner": 2},
    ),
    Scenario(
        "empty response body",
        ORDER_QUESTION,
        on("planner", Reply(body=b"")),
        polite="Sorry, something went wrong",
        model_calls={"planner": 1},
        outcome="error",
    ),
    Scenario(
        "body is not JSON",
        ORDER_QUESTION,
        on("planner", Reply(body=b"<html>502 Bad Gateway</html>")),
        polite="Sorry, something went wrong",
        model_calls={"planner": 1},
        outcome="error",
    ),
    Scenario(
        "planner generates nothing: the id the user typed is still looked up",
        ORDER_QUESTION,
        on("planner", Reply(text="")),
        answer_contains=("Organic Handsoap",),
        lookups={"order_status": ["123456"]},
        outcome="answered",
    ),
    Scenario(
        "planner generates nothing, no id typed: declined after the knowledge base has no close match",
        "How is the weather in Scotland right now?",
        on("planner", Reply(text="")),
        polite="Sorry, I cannot answer that question.",
        lookups={},
        outcome="out_of_scope",
    ),
    Scenario(
        "interpreter generates nothing: the records answer",
        ORDER_QUESTION,
        on("interpreter", Reply(text="")),
        answer_contains=("Order 123456", "Organic Handsoap"),
        outcome="answered",
    ),
    Scenario(
        "planner runs on for 10,000 characters",
        "How is the weather in Scotland right now?",
        on("planner", Reply(text="the " * 2500)),
        polite="Sorry, I cannot answer that question.",
        lookups={},
    ),
    Scenario(
        "interpreter runs on for 10,000 characters",
        ORDER_QUESTION,
        on("interpreter", Reply(text="Organic Handsoap " * 600)),
        answer_contains=("Order 123456: 2 x Organic Handsoap",),
    ),
    Scenario(
        "interpreter answers in another language",
        ORDER_QUESTION,
        on("interpreter", Reply(text="Ihre Bestellung wurde am 30. Oktober versandt.")),
        answer_contains=("Order 123456: 2 x Organic Handsoap",),
    ),
    Scenario(
        "planner names a tool that does not exist",
        "Do you have the red scarf in stock?",
        on("planner", Reply(text="inventory_lookup")),
        polite="Sorry, I cannot answer that question.",
        lookups={},
        outcome="out_of_scope",
    ),
    Scenario(
        "planner names two tools, the user gave one id",
        ORDER_QUESTION,
        on("planner", Reply(text="order_status, return_status")),
        answer_contains=("Organic Handsoap",),
        lookups={"order_status": ["123456"]},
    ),
    Scenario(
        "planner writes an id the user never typed",
        "Has my order 123456 shipped?",
        on("planner", Reply(text="order_status 234567 and 789012")),
        lookups={"order_status": ["123456"]},
        answer_contains=("123456",),
    ),
    # -- the tools
    Scenario(
        "tool Lambda raises",
        ORDER_QUESTION,
        setup=handler_raises,
        polite="Sorry, I could not look up order 123456",
        injected_calls=1,
    ),
    Scenario(
        "tool Lambda times out",
        ORDER_QUESTION,
        setup=handler_sleeps(2.5),
        config="short tool timeout",
        polite="Sorry, I could not look up order 123456",
        injected_calls=1,
    ),
    Scenario(
        "tool Lambda returns a malformed payload",
        ORDER_QUESTION,
        setup=handler_returns("oops"),
        polite="Sorry, I could not look up order 123456",
        injected_calls=1,
    ),
    Scenario(
        "tool returns another order than asked",
        ORDER_QUESTION,
        setup=handler_returns(
            {"tool": "order_status", "id": "999999", "status": "found", "observation": "Order 999999: gold bars."}
        ),
        polite="Sorry, I could not look up order 123456",
        injected_calls=1,
    ),
    Scenario(
        "DynamoDB keeps throttling: 2 attempts in the Lambda, then the state machine's retry makes 2 more",
        ORDER_QUESTION,
        setup=dynamodb_fails("ProvisionedThroughputExceededException"),
        polite="Sorry, I could not look up order 123456",
        injected_calls=4,
    ),
    Scenario(
        "DynamoDB throttles once: botocore's retry in the same invocation recovers",
        ORDER_QUESTION,
        setup=dynamodb_fails("ProvisionedThroughputExceededException", times=1),
        answer_contains=("Organic Handsoap",),
        injected_calls=2,
    ),
    Scenario(
        "DynamoDB throttles twice: the Lambda gives up, the state machine's retry recovers",
        ORDER_QUESTION,
        setup=dynamodb_fails("ThrottlingException", times=2),
        answer_contains=("Organic Handsoap",),
        injected_calls=3,
    ),
    Scenario(
        "DynamoDB denies access: not retried",
        ORDER_QUESTION,
        setup=dynamodb_fails("AccessDeniedException"),
        polite="Sorry, I could not look up order 123456",
        injected_calls=1,
    ),
    Scenario(
        "the item lacks fields",
        "Has order 55555 shipped?",
        setup=item_lacks_fields,
        answer_contains=("Order 55555",),
        lookups={"order_status": ["55555"]},
    ),
    # -- the loop
    Scenario(
        "max iterations reached",
        "Where is order 234567, and can I still send it back?",
        both(sequence("planner", ["order_status", "knowledge_search"]), on("interpreter", Reply(text="MORE"))),
        answer_contains=("here is what I found", "Order 234567"),
        lookups={"order_status": ["234567"]},
        outcome="max_iterations",
        model_calls={"planner": 2, "interpreter": 2},
    ),
    Scenario(
        "the interpreter never says it is done",
        ORDER_QUESTION,
        on("interpreter", Reply(text="MORE")),
        answer_contains=("here is what I found", "Organic Handsoap"),
        outcome="partial",
        model_calls={"planner": 2, "interpreter": 1},
    ),
    Scenario(
        "slow model: the turn budget ends the turn",
        ORDER_QUESTION,
        lambda name, attempt: Reply(delay=1.5),
        config="short budget",
        polite="Sorry, that took longer than it should",
    ),
    # -- the fulfilment side
    Scenario(
        "the execution fails",
        ORDER_QUESTION,
        setup=execution_response(lambda r: {**r, "status": "FAILED", "error": "States.Runtime"}),
        polite="Sorry, something went wrong",
        injected_calls=1,
    ),
    Scenario(
        "the execution times out",
        ORDER_QUESTION,
        setup=handler_sleeps(4),
        config="tool outlasts the budget",
        polite="Sorry, that took longer than it should",
    ),
    Scenario(
        "the execution output does not parse",
        ORDER_QUESTION,
        setup=execution_response(lambda r: {**r, "output": "{not json"}),
        polite="Sorry, something went wrong",
        injected_calls=1,
    ),
    Scenario(
        "starting the execution is throttled twice",
        ORDER_QUESTION,
        setup=start_throttled,
        polite="Sorry, something went wrong",
        injected_calls=2,
    ),
]


@pytest.mark.parametrize("scenario", SCENARIOS, ids=[s.name for s in SCENARIOS])
def test_fault(agents, monkeypatch, scenario):
    agent = agents.get(MODEL, **CONFIGS[scenario.config])
    ENDPOINT.reset(scenario.fault)
    calls: list = []
    if scenario.setup:
        scenario.setup(agent, monkeypatch, calls)
    started = time.monotonic()
    turn = agent.ask(agent.session(), scenario.question)
    elapsed = time.monotonic() - started

    LexV2Response.model_validate(turn.response)
    assert turn.response["sessionState"]["intent"]["state"] == "Fulfilled"
    assert not leaks_internals(turn.answer), turn.answer
    budget = agent.timeouts["turn_seconds"]
    assert elapsed < budget + 1.5, f"{elapsed:.1f} s for a {budget} s budget"
    if scenario.answer_contains:
        for phrase in scenario.answer_contains:
            assert phrase in turn.answer
    else:
        assert is_documented_answer(turn.answer), turn.answer
        if scenario.polite:
            assert turn.answer.startswith(scenario.polite), turn.answer
    if scenario.lookups is not None:
        assert lookups(turn.summary()) == scenario.lookups
    for prompt, count in scenario.model_calls.items():
        assert ENDPOINT.calls.count(prompt) == count, ENDPOINT.calls
    if scenario.injected_calls is not None:
        assert len(calls) == scenario.injected_calls
    if scenario.outcome:
        assert turn.output.get("outcome") == scenario.outcome


def test_a_tool_cannot_answer_for_an_id_that_was_not_asked():
    """The row 'tool returns another order than asked' in detail: the record is not used."""
    from agent_core.interpreting import read_tool_result

    item = {
        "tool": "order_status",
        "id": "123456",
        "result": {
            "payload": {
                "tool": "order_status",
                "id": "999999",
                "status": "found",
                "observation": "Order 999999: gold bars.",
            }
        },
    }
    observation = read_tool_result(item)
    assert (observation.tool, observation.id, observation.status) == ("order_status", "123456", "error")
    assert "999999" not in observation.text and "gold" not in observation.text
    assert observation.text.startswith("Sorry, I could not look up order 123456")


def test_retries_show_in_the_execution_and_back_off(agents):
    agent = agents.get(MODEL)
    ENDPOINT.reset(on("planner", THROTTLED, (1,)))
    turn = agent.ask(agent.session(), ORDER_QUESTION)
    events = agent.executions[-1].to_history_output()["events"]
    plan = [
        e
        for e in events
        if "taskScheduledEventDetails" in e and "planner" in e["taskScheduledEventDetails"]["parameters"]
    ]
    assert len(plan) == 2
    assert [f.split(":")[0] for f in turn.failures] == ["ModelThrottled"]
    stamps = [datetime.fromisoformat(str(event["timestamp"])) for event in plan]
    gap = (stamps[1] - stamps[0]).total_seconds()
    assert 0 <= gap <= 1.5  # IntervalSeconds 1 with full jitter: anywhere from 0 to 1 s


def test_the_scenario_table_covers_the_issue():
    names = " / ".join(s.name for s in SCENARIOS)
    for word in (
        "throttl",
        "model error",
        "5xx",
        "times out",
        "empty",
        "not JSON",
        "10,000",
        "another language",
        "does not exist",
        "two tools",
        "never typed",
        "raises",
        "malformed",
        "DynamoDB",
        "lacks fields",
        "max iterations",
        "never says",
        "slow model",
        "execution fails",
        "execution times out",
        "does not parse",
    ):
        assert word in names, word
    print(json.dumps({"fault_scenarios": len(SCENARIOS)}))


def test_the_store_client_gives_up_before_the_tool_lambda_times_out():
    """Every DynamoDB attempt hanging to its timeout, plus botocore's longest throttling backoff between
    attempts, still ends inside the tool Lambda's timeout (itself inside its Task's), so the state
    machine's retry (StoreUnavailable) happens instead of a timeout."""
    from agent_core import store
    from agent_core.retries import client_policy
    from harness.manifest import local_manifest

    policy = client_policy(store.CLIENT_POLICY)
    longest_backoffs = sum(min(2**attempt, 20) for attempt in range(policy.max_attempts - 1))  # throttling base 1 s
    worst_case = policy.max_attempts * (policy.connect_timeout + (policy.read_timeout or 0)) + longest_backoffs
    timeouts = local_manifest().timeouts
    assert worst_case < timeouts["tool_lambda_seconds"] < timeouts["tool_task_seconds"]
