"""agent chat --target lex / stepfunctions, against the AWS APIs as botocore's Stubber answers them
(moto has no lexv2-runtime; Stubber checks every request against the service model)."""

from __future__ import annotations

import json
import os
import re
import stat

import boto3
import pytest
from botocore.stub import ANY, Stubber

from agent_core.memory import SESSION_ATTRIBUTE
from harness import chat
from harness import targets as remote

ARN = "arn:aws:states:us-east-1:123456789012:stateMachine:support-agent-turn"
EXECUTION = "arn:aws:states:us-east-1:123456789012:express:support-agent-turn:s-1:abc"


def sync_response(status, output=None):
    """A StartSyncExecution response as the service model shapes it."""
    response = {
        "executionArn": EXECUTION,
        "startDate": "2026-11-21T10:00:00Z",
        "stopDate": "2026-11-21T10:00:02Z",
        "status": status,
    }
    return response if output is None else {**response, "output": output}


def lex_reply(text, attributes=None):
    return {
        "messages": [{"contentType": "PlainText", "content": text}],
        "sessionState": {
            "dialogAction": {"type": "Close"},
            "intent": {"name": "FallbackIntent", "state": "Fulfilled"},
            "sessionAttributes": attributes or {},
        },
        "sessionId": "s-1",
    }


def test_lex_target_sends_recognize_text_to_the_test_alias_and_keeps_the_session():
    client = boto3.client("lexv2-runtime", region_name="us-east-1")
    target = remote.LexTarget("ABCDEFGHIJ", region="us-east-1", client=client)
    session = target.session("s-1")
    with Stubber(client) as stub:
        stub.add_response(
            "recognize_text",
            lex_reply("Order 123456 shipped.", {SESSION_ATTRIBUTE: "[]"}),
            {
                "botId": "ABCDEFGHIJ",
                "botAliasId": "TSTALIASID",
                "localeId": "en_US",
                "sessionId": "s-1",
                "text": "Has order 123456 shipped?",
            },
        )
        stub.add_response(
            "recognize_text",
            lex_reply("It arrives on 2026-11-03."),
            {
                "botId": "ABCDEFGHIJ",
                "botAliasId": "TSTALIASID",
                "localeId": "en_US",
                "sessionId": "s-1",
                "text": "When will it arrive?",
                "sessionState": {"sessionAttributes": {SESSION_ATTRIBUTE: "[]"}},
            },
        )
        first = target.ask(session, "Has order 123456 shipped?")
        second = target.ask(session, "When will it arrive?")
    assert first.answer == "Order 123456 shipped." and first.outcome == "FallbackIntent Fulfilled"
    assert second.answer == "It arrives on 2026-11-03."
    assert set(first.summary()) >= {"question", "answer", "tools", "states", "iterations", "llm_calls", "elapsed_ms"}


def test_stepfunctions_target_runs_a_turn_and_reads_the_states_from_the_logs():
    sfn = boto3.client("stepfunctions", region_name="us-east-1")
    logs = boto3.client("logs", region_name="us-east-1")
    target = remote.StepFunctionsTarget(
        ARN, "/aws/vendedlogs/states/support-agent-turn", sfn=sfn, logs=logs, log_wait_seconds=0
    )
    session = target.session("s-1")
    output = {
        "answer": "Order 123456: 2 x Organic Handsoap.",
        "outcome": "answered",
        "iterations": 1,
        "tools": [{"tool": "order_status", "id": "123456", "status": "found", "text": "x"}],
    }
    log_events = [
        {"id": "1", "type": "ExecutionStarted", "details": {}, "execution_arn": EXECUTION},
        {"id": "3", "type": "TaskStateEntered", "details": {"name": "PlanToolUse"}, "execution_arn": EXECUTION},
        {"id": "2", "type": "PassStateEntered", "details": {"name": "StartTurn"}, "execution_arn": EXECUTION},
        {"id": "5", "type": "PassStateEntered", "details": {"name": "Other"}, "execution_arn": EXECUTION + "x"},
        {"id": "9", "type": "ExecutionSucceeded", "details": {}, "execution_arn": EXECUTION},
    ]
    with Stubber(sfn) as sfn_stub, Stubber(logs) as logs_stub:
        sfn_stub.add_response(
            "start_sync_execution",
            sync_response("SUCCEEDED", json.dumps(output)),
            {"stateMachineArn": ARN, "name": ANY, "input": ANY},
        )
        logs_stub.add_response(
            "filter_log_events",
            {"events": [{"message": json.dumps(event)} for event in log_events]},
            {
                "logGroupName": "/aws/vendedlogs/states/support-agent-turn",
                "filterPattern": f'{{ $.execution_arn = "{EXECUTION}" }}',
            },
        )
        turn = target.ask(session, 'Which item was ordered for 123456? "quoted"')
    assert turn.answer == output["answer"]
    assert turn.states == ["StartTurn", "PlanToolUse"]
    assert [(t.name, t.args, t.status) for t in turn.tools] == [("order_status", {"order_id": "123456"}, "found")]
    assert json.loads(session.attributes[SESSION_ATTRIBUTE])[0]["user"] == "Which item was ordered for 123456? 'quoted'"


def test_a_failed_remote_execution_is_reported_not_raised():
    sfn = boto3.client("stepfunctions", region_name="us-east-1")
    target = remote.StepFunctionsTarget(ARN, None, sfn=sfn, logs=boto3.client("logs", region_name="us-east-1"))
    with Stubber(sfn) as stub:
        stub.add_response("start_sync_execution", sync_response("TIMED_OUT"))
        turn = target.ask(target.session(), "hi")
    # told what a Lex user is told; the failure is shown beside it
    assert turn.outcome == "too_slow" and turn.answer.startswith("Sorry, that took longer")
    assert turn.failures == ["execution TIMED_OUT:"]


@pytest.fixture
def fake_terraform(tmp_path, monkeypatch):
    script = tmp_path / "terraform"
    outputs = {"bot_id": {"value": "BOTBOTBOT1"}, "region": {"value": "eu-west-1"}, "state_machine_arn": {"value": ARN}}
    script.write_text(f"#!/bin/sh\ncat <<'EOF'\n{json.dumps(outputs)}\nEOF\n")
    script.chmod(script.stat().st_mode | stat.S_IEXEC)
    monkeypatch.setenv("PATH", f"{tmp_path}{os.pathsep}{os.environ['PATH']}")


def test_defaults_come_from_terraform_outputs(fake_terraform, monkeypatch):
    assert remote.terraform_outputs()["bot_id"] == "BOTBOTBOT1"
    made = {}
    monkeypatch.setattr(chat, "LexTarget", lambda *args: made.setdefault("lex", args) and None)
    args = chat._parser().parse_args(["--target", "lex"])
    chat._target(args, None)
    assert made["lex"] == ("BOTBOTBOT1", "TSTALIASID", "en_US", "eu-west-1")


def test_without_terraform_state_a_remote_target_asks_for_its_id(monkeypatch, capsys, tmp_path):
    monkeypatch.setenv("PATH", str(tmp_path))  # no terraform at all
    assert chat.main(["--target", "stepfunctions", "hi"]) == 2
    assert "needs a state machine ARN" in capsys.readouterr().err


def test_the_execution_is_named_and_fed_as_the_fulfilment_lambda_does():
    """Shared code, not a copy: a session id with spaces or slashes still makes a valid execution name."""
    sfn = boto3.client("stepfunctions", region_name="us-east-1")
    target = remote.StepFunctionsTarget(ARN, None, sfn=sfn, logs=boto3.client("logs", region_name="us-east-1"))
    with Stubber(sfn) as stub:
        stub.add_response(
            "start_sync_execution",
            sync_response("SUCCEEDED", "not json"),
            {"stateMachineArn": ARN, "name": ANY, "input": ANY},
        )
        captured = {}
        sfn.meta.events.register(
            "before-parameter-build.stepfunctions.StartSyncExecution", lambda params, **_: captured.update(params)
        )
        turn = target.ask(remote.Session(id="a b/c"), "Has order 123456 shipped?")
    assert re.fullmatch(r"abc-[0-9a-f]{16}", captured["name"])
    sent = json.loads(captured["input"])
    assert sent == {"question": "Has order 123456 shipped?", "history": [], "session_id": "a b/c"}
    assert turn.answer.startswith("Sorry, something went wrong") and turn.tools == []
    assert turn.failures == ["execution output unreadable"]


def test_an_empty_question_starts_no_execution_and_is_not_remembered():
    sfn = boto3.client("stepfunctions", region_name="us-east-1")
    target = remote.StepFunctionsTarget(ARN, None, sfn=sfn, logs=boto3.client("logs", region_name="us-east-1"))
    session = target.session()
    with Stubber(sfn):  # no response queued: a call would fail the test
        turn = target.ask(session, " \x00\x01 ")
    assert turn.answer.startswith("Please type your question") and turn.outcome == "not_run"
    assert session.attributes == {}


def test_chat_reports_an_aws_error_and_goes_on_with_the_next_question(monkeypatch, capsys):
    from botocore.exceptions import ClientError

    class Failing:
        label = "Lex V2 bot B"

        def __init__(self):
            self.asked = []

        def ask(self, session, text):
            self.asked.append(text)
            raise ClientError({"Error": {"Code": "ValidationException", "Message": "bad"}}, "RecognizeText")

    target = Failing()
    chat._run(target, remote.Session(id="s-1"), ["one", "two"], as_json=False)
    assert target.asked == ["one", "two"]
    assert capsys.readouterr().err.count("Lex V2 bot B did not answer: An error occurred (ValidationException)") == 2


@pytest.mark.parametrize("session_id", ["a b", "x", "é-session", "s" * 101])
def test_a_session_id_lex_would_reject_is_refused_up_front(session_id, capsys):
    with pytest.raises(SystemExit) as exited:
        chat._parser().parse_args(["--target", "lex", "--session-id", session_id])
    assert exited.value.code == 2
    assert "use 2 to 100 letters, digits or . _ : -" in capsys.readouterr().err


@pytest.mark.parametrize(("value", "message"), [("0", "from 1 to 5"), ("6", "from 1 to 5"), ("two", "whole number")])
def test_max_iterations_is_checked_by_terraforms_own_validation(value, message, capsys):
    with pytest.raises(SystemExit):
        chat._parser().parse_args(["--max-iterations", value, "hi"])
    assert message in capsys.readouterr().err
    assert chat._parser().parse_args(["--max-iterations", "3", "hi"]).max_iterations == 3


def test_a_missing_cassette_is_a_clear_error_not_a_traceback(capsys, tmp_path):
    assert chat.main(["--llm", f"replay:{tmp_path / 'missing.json'}", "hi"]) == 2
    err = capsys.readouterr().err
    assert err.startswith("error: ") and "missing.json" in err and "Traceback" not in err
