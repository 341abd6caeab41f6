"""agent smoke (harness/smoke.py): four turns on each alias of the deployed bot, and when one fails, the broken link
named, each diagnosis driven offline by botocore's Stubber."""

from __future__ import annotations

import io
import json

import pytest
from botocore.response import StreamingBody

from agent_core.answers import answer
from harness import smoke
from test_deploy import FakeAws

OUTPUTS = {
    "bot_id": "BOTID12345",
    "bot_test_alias_id": "TSTALIASID",
    "bot_live_alias_id": "LIVEALIAS1",
    "bot_locale_id": "en_US",
    "region": "us-east-1",
    "function_names": {"fulfilment": "support-agent-fulfilment"},
    "endpoint_name": "support-agent-llm",
    "llm_payload_format": "text2text",
}
GOOD_ANSWERS = {
    "order": "Order 123456: 2 x Organic Handsoap. Status: shipped on 2026-10-30 by UPS.",
    "return": "Return rtn001 for order 123459: processed on 2026-10-20.",
    "no lookup": "Our support team answers Monday to Friday, 8 am to 8 pm Eastern Time.",
    "unknown id": "I could not find order 383833. Please check your order id.",
}
PERMISSION = {
    "Version": "2012-10-17",
    "Statement": [
        {
            "Sid": "AllowLexV2BotAliases",
            "Effect": "Allow",
            "Principal": {"Service": "lexv2.amazonaws.com"},
            "Action": "lambda:InvokeFunction",
            "Resource": "arn:aws:lambda:us-east-1:123456789012:function:support-agent-fulfilment",
            "Condition": {"ArnLike": {"AWS:SourceArn": "arn:aws:lex:us-east-1:123456789012:bot-alias/BOTID12345/*"}},
        }
    ],
}


def saved_outputs(tmp_path, outputs=OUTPUTS):
    """`terraform output -json`, saved to a file."""
    path = tmp_path / "outputs.json"
    path.write_text(json.dumps({name: {"value": value, "type": "string"} for name, value in outputs.items()}))
    return str(path)


def lex_reply(text: str) -> dict:
    return {"messages": [{"contentType": "PlainText", "content": text}], "sessionId": "smoke-1", "sessionState": {}}


def answers(aws: FakeAws, by_turn: dict[str, str], aliases: int = 2) -> None:
    for _ in range(aliases):
        for turn in smoke.TURNS:
            aws.stub("lexv2-runtime").add_response("recognize_text", lex_reply(by_turn[turn.name]))


def locale(aws: FakeAws, status: str = "Built", aliases: tuple[str, ...] = ("TSTALIASID",)) -> None:
    for alias in aliases:
        if alias != "TSTALIASID":
            aws.stub("lexv2-models").add_response("describe_bot_alias", {"botVersion": "1"})
        aws.stub("lexv2-models").add_response(
            "describe_bot_locale", {"botLocaleStatus": status, "failureReasons": ["intent FallbackIntent: x"]}
        )


def endpoint(aws: FakeAws, status: str = "InService") -> None:
    aws.stub("sagemaker").add_response(
        "describe_endpoint",
        {
            "EndpointName": "support-agent-llm",
            "EndpointArn": "arn:aws:sagemaker:us-east-1:123456789012:endpoint/support-agent-llm",
            "EndpointConfigName": "c",
            "EndpointStatus": status,
            "CreationTime": "2026-01-01",
            "LastModifiedTime": "2026-01-01",
        },
    )


def generation(aws: FakeAws, body: dict) -> None:
    raw = json.dumps(body).encode()
    aws.stub("sagemaker-runtime").add_response(
        "invoke_endpoint", {"Body": StreamingBody(io.BytesIO(raw), len(raw)), "ContentType": "application/json"}
    )


def test_every_turn_answered_passes(capsys, tmp_path):
    aws = FakeAws()
    answers(aws, GOOD_ANSWERS)
    assert smoke.main(["--outputs", saved_outputs(tmp_path)], clients_for=lambda region: aws) == 0
    out = capsys.readouterr().out
    assert "smoke: 8 of 8 turns answered as expected" in out
    assert "| LIVEALIAS1 | unknown id | ok |" in out


def test_a_locale_not_built_is_named():
    aws = FakeAws()
    locale(aws, status="NotBuilt")
    aws.stub("lambda").add_response("get_policy", {"Policy": json.dumps(PERMISSION)})
    endpoint(aws)
    generation(aws, {"generated_texts": ["OK"]})
    found = smoke.diagnose(aws, OUTPUTS, "TSTALIASID")
    assert found == ["locale not built: en_US of version DRAFT is NotBuilt intent FallbackIntent: x"]


def test_a_missing_lambda_permission_is_named():
    aws = FakeAws()
    locale(aws)
    other = json.loads(json.dumps(PERMISSION))
    other["Statement"][0]["Condition"]["ArnLike"]["AWS:SourceArn"] = "arn:aws:lex:us-east-1:1:bot-alias/OTHERBOT12/*"
    aws.stub("lambda").add_response("get_policy", {"Policy": json.dumps(other)})
    endpoint(aws)
    generation(aws, {"generated_texts": ["OK"]})
    (found,) = smoke.diagnose(aws, OUTPUTS, "TSTALIASID")
    assert found.startswith("Lambda permission missing: support-agent-fulfilment does not let lexv2.amazonaws.com")


def test_an_endpoint_not_in_service_is_named():
    aws = FakeAws()
    locale(aws, aliases=("LIVEALIAS1",))
    aws.stub("lambda").add_response("get_policy", {"Policy": json.dumps(PERMISSION)})
    endpoint(aws, "Creating")
    assert smoke.diagnose(aws, OUTPUTS, "LIVEALIAS1") == ["endpoint not InService: support-agent-llm is Creating"]


def test_a_model_that_speaks_another_payload_format_is_named():
    aws = FakeAws()
    locale(aws)
    aws.stub("lambda").add_response("get_policy", {"Policy": json.dumps(PERMISSION)})
    endpoint(aws)
    generation(aws, [{"generated_text": "OK"}])  # TGI's shape, not text2text's
    (found,) = smoke.diagnose(aws, OUTPUTS, "TSTALIASID")
    assert found.startswith("model payload mismatch: the endpoint's answer is not text2text")


def test_with_every_link_sound_the_state_machine_is_the_suspect():
    aws = FakeAws()
    locale(aws)
    aws.stub("lambda").add_response("get_policy", {"Policy": json.dumps(PERMISSION)})
    endpoint(aws)
    generation(aws, {"generated_texts": ["OK"]})
    (found,) = smoke.diagnose(aws, OUTPUTS, "TSTALIASID")
    assert found.startswith("state machine error: open state_machine_console_url")


def test_a_failed_request_fails_the_turn():
    aws = FakeAws()
    aws.stub("lexv2-runtime").add_client_error("recognize_text", "DependencyFailedException", "Invalid Lambda Response")
    check = smoke.ask(aws, OUTPUTS, "TSTALIASID", "smoke-1", smoke.TURNS[0])
    assert not check.ok and check.problem == "RecognizeText failed: DependencyFailedException: Invalid Lambda Response"


def test_an_apology_fails_the_turn_and_the_report_says_why(capsys, tmp_path):
    aws = FakeAws()
    answers(aws, {**GOOD_ANSWERS, "order": answer("error")}, aliases=1)
    answers(aws, GOOD_ANSWERS, aliases=1)
    locale(aws)
    aws.stub("lambda").add_response("get_policy", {"Policy": json.dumps(PERMISSION)})
    endpoint(aws, "Failed")
    assert smoke.main(["--outputs", saved_outputs(tmp_path)], clients_for=lambda region: aws) == 1
    out = capsys.readouterr().out
    assert "| TSTALIASID | order | FAILED | the agent apologised" in out
    assert "endpoint not InService: support-agent-llm is Failed" in out
    assert "smoke: 7 of 8 turns answered as expected" in out


def test_without_a_deployment_smoke_says_so(capsys, tmp_path):
    empty = saved_outputs(tmp_path, {})
    assert smoke.main(["--outputs", empty], clients_for=lambda region: pytest.fail("no call")) == 2
    assert "run make deploy first" in capsys.readouterr().err


def test_the_four_turns_cover_the_issue():
    assert [turn.name for turn in smoke.TURNS] == ["order", "return", "no lookup", "unknown id"]
