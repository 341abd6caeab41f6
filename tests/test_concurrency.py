"""Parallel sessions through the fulfilment handler: no session ever sees another's memory.

Threads run conversations at once, turn by turn in lock step (a barrier), through one fulfilment
module, with memory in signed session attributes (the key in moto's SSM) and in the DynamoDB table.
Each execution's input is checked: its history is exactly that session's earlier questions.
"""

from __future__ import annotations

import json
import threading
import uuid

import boto3
import pytest
from moto import mock_aws

from harness.bootstrap import create_memory_key, create_memory_table
from harness.events import lex_event
from harness.lambdas import LambdaContext, load_handler

SESSIONS, TURNS = 8, 4
KEY_PARAMETER = "/support-agent/memory-signing-key-v1"


class EchoStepFunctions:
    """Answers every turn with its question; keeps each execution's input by session."""

    def __init__(self):
        self.lock = threading.Lock()
        self.inputs: dict[str, list[dict]] = {}

    def start_sync_execution(self, **kwargs):
        payload = json.loads(kwargs["input"])
        with self.lock:
            self.inputs.setdefault(payload["session_id"], []).append(payload)
        output = {"answer": f"You asked: {payload['question']}", "outcome": "answered"}
        return {"status": "SUCCEEDED", "output": json.dumps(output)}


@pytest.fixture(params=["session_attributes", "dynamodb"])
def fulfilment(request, monkeypatch):
    monkeypatch.setenv("AWS_REGION", "us-east-1")
    env = {
        "STATE_MACHINE_ARN": "arn:aws:states:us-east-1:123456789012:stateMachine:t",
        "AWS_REGION": "us-east-1",
        "POWERTOOLS_METRICS_DISABLED": "true",
        "POWERTOOLS_LOG_LEVEL": "CRITICAL",
    }
    with mock_aws():
        if request.param == "dynamodb":
            env["MEMORY_TABLE_NAME"] = create_memory_table(boto3.client("dynamodb", region_name="us-east-1"), "m")
        else:
            env["MEMORY_KEY_PARAMETER"] = create_memory_key(boto3.client("ssm", region_name="us-east-1"), KEY_PARAMETER)
        module = load_handler("fulfilment", env, f"_concurrent_fulfilment_{uuid.uuid4().hex[:8]}")
        module.SFN = EchoStepFunctions()
        yield module


def question(session: int, turn: int) -> str:
    return f"Has order {200000 + session} shipped? (turn {turn})"


def test_parallel_sessions_never_see_each_others_memory(fulfilment):
    barrier = threading.Barrier(SESSIONS)
    errors: list[BaseException] = []
    session_ids = [f"parallel-{n}-{uuid.uuid4().hex[:6]}" for n in range(SESSIONS)]

    def converse(n: int) -> None:
        attributes: dict[str, str] = {}
        try:
            for turn in range(TURNS):
                barrier.wait(timeout=30)
                event = lex_event(session_ids[n], question(n, turn), attributes)
                response = fulfilment.lambda_handler(event, LambdaContext("fulfilment", 28, 256))
                attributes = response["sessionState"]["sessionAttributes"]
                assert response["messages"][0]["content"] == f"You asked: {question(n, turn)}"
        except BaseException as error:  # surfaced in the main thread below
            errors.append(error)
            barrier.abort()

    threads = [threading.Thread(target=converse, args=(n,)) for n in range(SESSIONS)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(timeout=60)
    assert not errors, errors
    inputs = fulfilment.SFN.inputs
    assert sorted(inputs) == sorted(session_ids)
    for n, session_id in enumerate(session_ids):
        runs = inputs[session_id]
        assert [run["question"] for run in runs] == [question(n, turn) for turn in range(TURNS)]
        for turn, run in enumerate(runs):
            remembered = [item["user"] for item in run["history"]]
            assert remembered == [question(n, t) for t in range(max(0, turn - 3), turn)], (session_id, turn)
