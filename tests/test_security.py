"""Security review of the infrastructure and of what the functions log.

- IAM: no wildcard action anywhere; a "*" resource only where AWS offers no resource-level
  permission (each listed below with its reason); trust policies name one service each.
- Encryption at rest wherever it is offered, and the optional customer managed key honoured by logs,
  DynamoDB, the state machine, Lambda environment variables and the endpoint's volume.
- Logs: user text and tool observations appear only at DEBUG; ids and sizes at INFO.
- No secret in any environment variable.
"""

from __future__ import annotations

import io
import json
import re

import pytest

from terraform_support import TERRAFORM_DIR as TERRAFORM
from terraform_support import hcl_files, locals_of, resources

# Statements allowed a "*" resource, by (policy document, sid), with the reason AWS gives none.
STAR_RESOURCES = {
    ("function", "SendTraces"): "X-Ray PutTraceSegments/PutTelemetryRecords have no resource-level permissions",
    ("state_machine", "SendTraces"): "X-Ray actions have no resource-level permissions",
    ("state_machine", "DeliverExecutionLogs"): "CloudWatch Logs vended log delivery APIs take no resource ARN",
    ("sagemaker", "LogInToEcr"): "ecr:GetAuthorizationToken has no resource-level permissions",
    (
        "sagemaker",
        "PublishEndpointMetrics",
    ): "cloudwatch:PutMetricData has none; a cloudwatch:namespace condition narrows it",
    ("lex", "SpeakAnswersInTheTestWindow"): "polly:SynthesizeSpeech without lexicons is authorised only by '*'",
}


@pytest.fixture(scope="module")
def parsed():
    return hcl_files()


def policy_statements(parsed):
    """(document, sid, statement) for every statement of every aws_iam_policy_document, dynamic ones too."""
    for _, kind, name, body in resources(parsed, "data"):
        # assume: checked below; kms: the key policy is data (local.kms_key_policy_statements), checked
        # evaluated in tests/test_deploy.py
        if kind != "aws_iam_policy_document" or name in {"assume", "kms"}:
            continue
        for statement in body.get("statement", []):
            yield name, statement.get("sid"), statement
        for dynamic in body.get("dynamic", []):
            for content in dynamic["statement"]["content"]:
                yield name, content.get("sid"), content


def flat(values):
    out = []
    for value in values if isinstance(values, list) else [values]:
        out.extend(flat(value) if isinstance(value, list) else [value])
    return out


def test_no_wildcard_actions_and_star_resources_only_where_aws_requires(parsed):
    checked, stars = 0, set()
    for document, sid, statement in policy_statements(parsed):
        checked += 1
        actions = flat(statement.get("actions", []))
        assert actions, f"{document}/{sid}: no actions"
        for action in actions:
            assert "*" not in action, f"{document}/{sid}: wildcard action {action}"
            assert re.fullmatch(r"[a-z0-9-]+:[A-Za-z0-9]+", action), f"{document}/{sid}: {action}"
        resources_ = flat(statement.get("resources", []))
        if "*" in resources_:
            assert (document, sid) in STAR_RESOURCES, f'{document}/{sid}: "*" resource without a listed reason'
            assert resources_ == ["*"]
            stars.add((document, sid))
        else:
            assert all(isinstance(r, str) and "*" not in r.split(":")[0] for r in resources_)
    assert stars == set(STAR_RESOURCES), "a listed exception is no longer used: remove it"
    assert checked >= 20
    print(f"IAM statements checked: {checked}; with a '*' resource: {len(stars)}")


def test_assume_role_policies_trust_one_service_each(parsed):
    (trust,) = [b for _, k, n, b in resources(parsed, "data") if (k, n) == ("aws_iam_policy_document", "assume")]
    (statement,) = trust["statement"]
    assert flat(statement["actions"]) == ["sts:AssumeRole"]
    (principal,) = statement["principals"]
    assert principal["type"] == "Service" and flat(principal["identifiers"]) == ["${each.value.service}"]
    assert trust["for_each"] == {
        "lambda": {"service": "lambda.amazonaws.com", "source_account": False},
        "sagemaker": {"service": "sagemaker.amazonaws.com", "source_account": True},
        "states": {"service": "states.amazonaws.com", "source_account": True},
        "lexv2": {"service": "lexv2.amazonaws.com", "source_account": True},
    }
    roles = {name: body["assume_role_policy"] for _, kind, name, body in resources(parsed) if kind == "aws_iam_role"}
    assert roles == {
        "function": '${data.aws_iam_policy_document.assume["lambda"].json}',
        "sagemaker": '${data.aws_iam_policy_document.assume["sagemaker"].json}',
        "state_machine": '${data.aws_iam_policy_document.assume["states"].json}',
        "lex": '${data.aws_iam_policy_document.assume["lexv2"].json}',
    }


def test_tool_roles_may_only_read_one_item_and_only_fulfilment_may_write_memory(parsed):
    (document,) = [b for _, k, n, b in resources(parsed, "data") if (k, n) == ("aws_iam_policy_document", "function")]
    dynamo = {
        d["statement"]["content"][0]["sid"]: d["statement"] for d in document["dynamic"] if "dynamodb" in json.dumps(d)
    }
    assert set(dynamo) == {"ReadOneRecord", "RememberTheConversation"}
    assert flat(dynamo["ReadOneRecord"]["content"][0]["actions"]) == ["dynamodb:GetItem"]
    assert "local.tool_tables" in dynamo["ReadOneRecord"]["for_each"]
    memory = dynamo["RememberTheConversation"]
    assert flat(memory["content"][0]["actions"]) == ["dynamodb:GetItem", "dynamodb:PutItem"]
    assert memory["for_each"] == '${each.key == "fulfilment" ? aws_dynamodb_table.memory[*].arn : []}'
    assert "dynamodb" not in json.dumps(document["statement"])


def test_encryption_at_rest_and_the_optional_key_everywhere(parsed):
    found = {(kind, name): body for _, kind, name, body in resources(parsed)}
    for key in [
        ("aws_cloudwatch_log_group", "function"),
        ("aws_cloudwatch_log_group", "state_machine"),
        ("aws_cloudwatch_log_group", "endpoint"),
        ("aws_cloudwatch_log_group", "lex_conversations"),
    ]:
        assert found[key]["kms_key_id"] == "${local.kms_key_arn}", key
    for key in [("aws_dynamodb_table", "table"), ("aws_dynamodb_table", "memory")]:
        assert found[key]["server_side_encryption"][0] == {"enabled": True, "kms_key_arn": "${local.kms_key_arn}"}
        assert found[key]["point_in_time_recovery"][0]["enabled"] is True
    machine = found[("aws_sfn_state_machine", "agent")]["encryption_configuration"][0]
    assert "CUSTOMER_MANAGED_KMS_KEY" in machine["type"] and machine["kms_key_id"] == "${local.kms_key_arn}"
    assert "local.use_kms_key" in machine["type"]  # known at plan time, even for a key created by this apply
    assert found[("aws_lambda_function", "function")]["kms_key_arn"] == "${local.kms_key_arn}"
    endpoint = found[("aws_sagemaker_endpoint_configuration", "llm")]
    assert endpoint["kms_key_arn"] == "${local.endpoint_kms_key_arn}"
    local = locals_of(parsed)
    assert (
        "local.kms_key_arn" in local["endpoint_kms_key_arn"]
        and "instance_has_local_storage" in local["endpoint_kms_key_arn"]
    )
    key = found[("aws_kms_key", "deployment")]
    assert key["enable_key_rotation"] is True and key["count"] == "${var.create_kms_key ? 1 : 0}"


def test_the_memory_key_is_random_write_only_and_only_fulfilment_reads_it(parsed):
    """terraform/memory.tf: an SSM SecureString whose value is write-only (in no plan, state or output),
    random, versioned for rotation, created only when memory is in session attributes; the fulfilment
    role alone may read that one parameter, and decrypt it only through SSM."""
    found = {(kind, name): body for _, kind, name, body in resources(parsed)}
    key = found[("aws_ssm_parameter", "memory_key")]
    assert key["type"] == "SecureString" and "value" not in key
    assert key["value_wo"] == '${sha256("${uuid()}${uuid()}")}'
    assert key["value_wo_version"] == "${var.memory_key_version}"
    assert "${var.memory_key_version}" in key["name"] and key["key_id"] == "${local.kms_key_arn}"
    assert key["count"] == '${var.conversation_memory == "session_attributes" ? 1 : 0}'
    outputs = (TERRAFORM / "outputs.tf").read_text()
    assert "memory_key" not in outputs and "aws_ssm_parameter" not in outputs
    (document,) = [b for _, k, n, b in resources(parsed, "data") if (k, n) == ("aws_iam_policy_document", "function")]
    by_sid = {d["statement"]["content"][0]["sid"]: d["statement"] for d in document["dynamic"]}
    read = by_sid["ReadTheMemoryKey"]
    assert read["for_each"] == '${each.key == "fulfilment" ? aws_ssm_parameter.memory_key[*].arn : []}'
    assert flat(read["content"][0]["actions"]) == ["ssm:GetParameter"]
    assert flat(read["content"][0]["resources"]) == ["${statement.value}"]
    decrypt = by_sid["DecryptTheMemoryKey"]
    assert 'each.key == "fulfilment"' in decrypt["for_each"]
    (condition,) = decrypt["content"][0]["condition"]
    assert condition["variable"] == "kms:ViaService" and flat(condition["values"]) == [
        "ssm.${var.region}.amazonaws.com"
    ]
    ssm_statements = [sid for sid, statement in by_sid.items() if "ssm:" in json.dumps(statement)]
    assert ssm_statements == ["ReadTheMemoryKey"]


def test_the_harness_test_key_never_ships():
    """The fixed key lives in the harness only: no function package holds it, and with no parameter
    configured the product has no key at all."""
    from agent_core.memory_store import SigningKey
    from harness.bootstrap import TEST_MEMORY_KEY
    from harness.paths import FUNCTIONS_DIR

    assert SigningKey("none").get() is None and not SigningKey("").configured
    for path in FUNCTIONS_DIR.rglob("*.py"):
        assert TEST_MEMORY_KEY not in path.read_text(encoding="utf-8"), path


def test_no_secrets_in_environment_variables():
    from harness.manifest import local_manifest

    for function, environment in local_manifest()["environment"].items():
        for key, value in environment.items():
            assert not re.search(r"SECRET|PASSWORD|TOKEN|PRIVATE|CREDENTIAL|API_KEY", key), (function, key)
            assert len(value) < 60 or value.startswith(("arn:", "{")), f"{function} {key}: a long literal"


# ---------------------------------------------------------------- what the functions log


def logged_turn(agents, level):
    sink = io.StringIO()
    agent = agents.get("offline", log_sink=sink, log_level=level)
    session = agent.session()
    turn = agent.ask(session, "Which item was ordered for 123456? My name is Jane Roe.")
    return turn, sink.getvalue()


def test_info_logs_carry_ids_and_sizes_not_user_text_or_records(agents):
    turn, logs = logged_turn(agents, "INFO")
    assert "Organic Handsoap" in turn.answer
    lines = [json.loads(line) for line in logs.splitlines() if line.startswith("{")]
    messages = [line for line in lines if "message" in line]
    assert len(messages) >= 6
    for forbidden in ("Jane Roe", "Which item was ordered", "Organic Handsoap"):
        assert forbidden not in logs, forbidden
    assert any(line.get("question_chars") == len(turn.question) for line in messages)
    assert any(line.get("id") == "123456" for line in messages)
    assert {line.get("service") for line in messages} >= {"fulfilment", "llm", "parse", "order_status"}
    assert all(
        line.get("correlation_id", "").startswith("local-")
        for line in messages
        if line["service"] != "fulfilment" or "turn" in line["message"]
    )
    assert any("_aws" in line for line in lines), "EMF metrics go to the same stream"


def test_debug_logs_carry_the_text_for_troubleshooting(agents):
    _, logs = logged_turn(agents, "DEBUG")
    assert "Jane Roe" in logs and "Organic Handsoap" in logs


def test_what_reaches_the_model_is_bounded():
    """The worst case the limits allow: the longest question and the fullest memory."""
    from agent_core import prompts
    from agent_core.interpreting import Observation, interpreter_variables
    from agent_core.limits import (
        MAX_CALLS_PER_TURN,
        MAX_HISTORY_TEXT_CHARS,
        MAX_HISTORY_TURNS,
        MAX_OBSERVATION_CHARS,
        MAX_QUESTION_CHARS,
        MAX_RECORDS_IN_PROMPT,
    )
    from agent_core.planning import planner_variables

    question = "qq " * 4_000
    earlier = [f"e{turn} " * 4_000 for turn in range(10)]
    planner = prompts.prompt("planner").render(planner_variables(question, earlier, [("order_status", "123456")] * 4))
    template = prompts.prompt("planner").template
    (asked,) = re.findall(r'^user: "(qq [^"]*)"$', planner, re.M)
    assert MAX_QUESTION_CHARS - 5 <= len(asked) <= MAX_QUESTION_CHARS
    remembered = re.findall(r'^earlier: "(e\d [^"]*)"$', planner, re.M)
    assert [text[:2] for text in remembered] == [f"e{turn}" for turn in range(10 - MAX_HISTORY_TURNS, 10)]
    assert all(MAX_HISTORY_TEXT_CHARS - 5 <= len(text) <= MAX_HISTORY_TEXT_CHARS for text in remembered)
    assert planner.count('earlier: "') == template.count('earlier: "') + MAX_HISTORY_TURNS
    records = [Observation("order_status", "123456", "found", "r" * 10_000)] * MAX_CALLS_PER_TURN * 5
    interpreter = prompts.prompt("interpreter").render(interpreter_variables(question, records))
    template = len(prompts.prompt("interpreter").template)
    assert len(interpreter) <= template + MAX_QUESTION_CHARS + MAX_RECORDS_IN_PROMPT * (MAX_OBSERVATION_CHARS + 10)
    from harness.bench import FLAN_UL2_INPUT_TOKENS

    fits = 4 * FLAN_UL2_INPUT_TOKENS  # characters, at ~4 a token: what the default model reads
    assert len(planner) < fits and len(interpreter) < fits
