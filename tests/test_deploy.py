"""Deploying on the first try: your settings win over the resolver's facts, regions and partitions
that work, timeouts with a margin, the KMS key policy, and the preflight's diagnoses, all offline
(real Terraform, provider-less; botocore's Stubber for AWS)."""

from __future__ import annotations

import json
import re
import shutil
from pathlib import Path

import boto3
import pytest
from botocore.stub import Stubber

from harness import deployment, preflight
from harness.manifest import local_manifest
from harness.terraform import evaluate_files, locals_blocks
from terraform_support import TERRAFORM_DIR

RESOLVED = {  # what make resolve-model writes for Flan-UL2 in us-east-1 (tests/test_resolve_jumpstart.py)
    "jumpstart_region": "us-east-1",
    "jumpstart_resolved_model_id": "huggingface-text2text-flan-ul2-bf16",
    "jumpstart_image_uri": "763104351884.dkr.ecr.us-east-1.amazonaws.com/huggingface-pytorch-inference:1.13.1-gpu-py39",
    "jumpstart_model_artifact": {"s3_uri": "s3://jumpstart-cache-prod-us-east-1/flan-ul2.tar.gz", "compressed": True},
    "jumpstart_environment": {"SAGEMAKER_PROGRAM": "inference.py"},
    "jumpstart_enable_network_isolation": True,
    "jumpstart_eula_required": False,
    "jumpstart_instance_type": "ml.g5.12xlarge",
    "jumpstart_payload_format": "text2text",
}


def configured(tmp_path: Path, tfvars: str, resolved: dict | None = None) -> dict:
    """deployment.effective_settings on a terraform/ folder holding these files."""
    folder = tmp_path / "terraform"
    folder.mkdir()
    (folder / "terraform.tfvars").write_text(tfvars)
    if resolved is not None:
        (folder / deployment.RESOLVER_OUTPUT).write_text(json.dumps(resolved))
    return deployment.effective_settings(folder)


# ---------------------------------------------------------------- your settings win


def test_the_resolver_fills_in_only_what_you_left_unset(tmp_path):
    settings = configured(tmp_path, 'region = "eu-west-1"\n', {**RESOLVED, "jumpstart_region": "eu-west-1"})
    assert settings["region"] == "eu-west-1"
    assert settings["endpoint_instance_type"] == "ml.g5.12xlarge"
    assert settings["llm_payload_format"] == "text2text"


def test_your_region_instance_type_and_payload_format_are_never_replaced(tmp_path):
    tfvars = 'region = "eu-west-1"\nendpoint_instance_type = "ml.g5.2xlarge"\nllm_payload_format = "tgi"\n'
    settings = configured(tmp_path, tfvars, RESOLVED)  # resolved for another region and type
    assert settings["region"] == "eu-west-1"
    assert settings["endpoint_instance_type"] == "ml.g5.2xlarge"
    assert settings["llm_payload_format"] == "tgi"
    assert deployment.needs_model_resolution(settings)  # resolved for us-east-1, deployed to eu-west-1


def test_the_resolver_writes_only_jumpstart_facts():
    source = (Path(deployment.__file__).parent / "jumpstart.py").read_text()
    tfvars_block = source[source.index('"tfvars": {') : source.index("},\n    }")]
    keys = {line.split('"')[1] for line in tfvars_block.splitlines()[1:] if line.strip().startswith('"')}
    assert keys == set(RESOLVED)
    assert all(key.startswith("jumpstart_") for key in keys)


def test_no_region_is_a_clear_error(tmp_path):
    with pytest.raises(deployment.SettingsProblem, match='input variable "region" is not set'):
        configured(tmp_path, "")


@pytest.mark.parametrize(
    ("tfvars", "resolved", "needed"),
    [
        ('region = "us-east-1"\n', None, True),  # a new endpoint, not resolved yet
        ('region = "us-east-1"\n', RESOLVED, False),
        ('region = "us-east-1"\njumpstart_model_id = "huggingface-text2text-flan-t5-xl"\n', RESOLVED, True),
        ('region = "us-east-1"\nmodel_backend = "bedrock"\n', None, False),
        ('region = "us-east-1"\nexisting_endpoint_name = "mine"\n', None, False),
    ],
)
def test_make_deploy_resolves_the_model_only_for_a_new_jumpstart_endpoint(tmp_path, tfvars, resolved, needed):
    assert deployment.needs_model_resolution(configured(tmp_path, tfvars, resolved)) is needed


# ---------------------------------------------------------------- regions, partitions


def test_the_region_validation_admits_exactly_where_lex_v2_runs():
    session = boto3.session.Session()
    lex_regions = set()
    for partition in session.get_available_partitions():
        models = set(session.get_available_regions("lexv2-models", partition_name=partition))
        lex_regions |= models & set(session.get_available_regions("lexv2-runtime", partition_name=partition))
    text = (TERRAFORM_DIR / "variables.tf").read_text()
    block = text[text.index('variable "region" {') :]
    allowed = set(re.findall(r'"([a-z0-9-]+)"', block[block.index("contains([") : block.index("], var.region)")]))
    assert allowed == lex_regions
    assert "us-gov-west-1" in allowed and not any(region.startswith("cn-") for region in allowed)


@pytest.mark.parametrize(
    ("partition", "console"),
    [
        ("aws", "https://eu-west-1.console.aws.amazon.com"),
        ("aws-us-gov", "https://eu-west-1.console.amazonaws-us-gov.com"),
    ],
)
def test_console_links_follow_the_partition(tmp_path, partition, console):
    folder = tmp_path / "terraform"
    folder.mkdir()
    (folder / "terraform.tfvars").write_text('region = "eu-west-1"\n')
    assert deployment.effective_settings(folder, partition=partition)["console_url"] == console


def test_no_arn_or_console_url_assumes_the_commercial_partition():
    for path in sorted(TERRAFORM_DIR.rglob("*.tf")):
        if path.name == "variables.tf":  # validation patterns (arn:aws[a-z-]*) and messages to people
            continue
        text = path.read_text()
        assert "arn:aws:" not in text, path.name
        assert "console.aws.amazon.com" not in text or path.name == "settings.tf", path.name


def test_outside_the_commercial_partition_the_layer_arn_is_yours_to_give():
    lambda_tf = (TERRAFORM_DIR / "lambda.tf").read_text()
    assert "count = var.powertools_layer_arn == null ? 1 : 0" in lambda_tf
    assert 'condition     = local.partition == "aws"' in lambda_tf


# ---------------------------------------------------------------- timeouts


@pytest.mark.parametrize("budget", [10, 25, 27])
def test_every_lambda_stops_before_its_task_and_the_turn_fits_lex(budget):
    from agent_core import store
    from agent_core.retries import client_policy

    deployed = local_manifest({"turn_budget_seconds": budget})
    timeouts, functions = deployed.timeouts, deployed["function_timeouts"]
    asl = json.loads(deployed.state_machine_definition)
    tasks = {name: state for name, state in asl["States"].items() if state["Type"] == "Task"}
    call_tool = asl["States"]["DispatchToolCalls"]["ItemProcessor"]["States"]["CallTool"]
    assert functions["llm"] < tasks["PlanToolUse"]["TimeoutSeconds"] == tasks["InterpretToolResults"]["TimeoutSeconds"]
    assert functions["parse"] < tasks["ParseToolCalls"]["TimeoutSeconds"]
    assert all(functions[tool] < call_tool["TimeoutSeconds"] for tool in deployed["tool_functions"])
    assert timeouts["model_call_seconds"] < functions["llm"]
    policy = client_policy(store.CLIENT_POLICY)
    store_worst_case = policy.max_attempts * (policy.connect_timeout + (policy.read_timeout or 0)) + 1
    assert store_worst_case < functions["order_status"]
    # The execution ends within the budget, whatever its path; the fulfilment Lambda outlives it and
    # its Step Functions client's read timeout (TURN_BUDGET_SECONDS + 1), inside Lex's 30 s.
    assert asl["TimeoutSeconds"] == budget
    assert all(state["TimeoutSeconds"] < budget for state in [*tasks.values(), call_tool])
    assert budget + 1 < functions["fulfilment"] < 30


def test_the_fulfilment_client_waits_just_past_the_budget():
    from harness.lambdas import load_handler

    deployed = local_manifest({"turn_budget_seconds": 20})
    environment = {"AWS_REGION": "us-east-1", **deployed.environment("fulfilment")}
    handler = load_handler("fulfilment", environment, "_budget_fulfilment")
    config = handler.SFN.meta.config
    assert config.read_timeout == 21
    assert config.retries == {"mode": "standard", "total_max_attempts": 1}


# ---------------------------------------------------------------- KMS


def kms_statements(tmp_path: Path) -> list[dict]:
    stub = 'locals {\n  partition = "aws"\n  account   = "123456789012"\n}\n' + 'resource "null" "x" {}\n' * 0
    kms = locals_blocks(TERRAFORM_DIR / "kms.tf").replace(
        "kms_key_arn = var.create_kms_key ? aws_kms_key.deployment[0].arn : var.kms_key_arn", "kms_key_arn = null"
    )
    return evaluate_files(
        [TERRAFORM_DIR / "variables.tf"],
        stub + kms,
        {"statements": "local.kms_key_policy_statements"},
        {"region": "eu-west-1", "create_kms_key": True},
        tmp_path,
    )["statements"]


def test_a_created_key_allows_exactly_the_services_that_use_it(tmp_path):
    statements = {statement["sid"]: statement for statement in kms_statements(tmp_path)}
    services = {
        identifier
        for statement in statements.values()
        for principal in statement["principals"]
        if principal["type"] == "Service"
        for identifier in principal["identifiers"]
    }
    assert services == {
        "logs.eu-west-1.amazonaws.com",
        "delivery.logs.amazonaws.com",
        "dynamodb.amazonaws.com",
        "cloudwatch.amazonaws.com",  # alarms publishing to the encrypted alarm topic (monitoring.tf)
    }
    assert statements["CloudWatchAlarmsPublishToTheAlarmTopic"]["actions"] == ["kms:Decrypt", "kms:GenerateDataKey"]
    via = next(s for s in statements.values() if any(c["variable"] == "kms:ViaService" for c in s["conditions"]))
    (condition,) = [c for c in via["conditions"] if c["variable"] == "kms:ViaService"]
    assert set(condition["values"]) == {
        f"{service}.eu-west-1.amazonaws.com" for service in ("states", "dynamodb", "lambda", "sagemaker", "lex")
    }
    assert statements["LogDeliveryReadsExecutionData"]["actions"] == ["kms:Decrypt"]
    logs = statements["CloudWatchLogsEncryptsThisDeploymentsLogGroups"]["conditions"][0]
    assert all(arn.startswith("arn:aws:logs:eu-west-1:123456789012:log-group:/aws/") for arn in logs["values"])
    wildcard = [s["sid"] for s in statements.values() if any("*" in action for action in s["actions"])]
    assert wildcard == ["AccountAdministersTheKeyThroughIam"]  # AWS's default key policy statement


def test_every_key_user_takes_the_one_key():
    """Resources use local.kms_key_arn (the created key or yours); only kms.tf reads the variables."""
    for path in TERRAFORM_DIR.glob("*.tf"):
        if path.name not in {"variables.tf", "kms.tf"}:
            assert "var.kms_key_arn" not in path.read_text(), path.name
    kms = (TERRAFORM_DIR / "kms.tf").read_text()
    assert "use_kms_key = var.create_kms_key || var.kms_key_arn != null" in kms
    assert "kms_key_arn = var.create_kms_key ? aws_kms_key.deployment[0].arn : var.kms_key_arn" in kms


# ---------------------------------------------------------------- preflight


class FakeAws:
    """Stubbed botocore clients by service, in one region, each with its expected calls."""

    def __init__(self, region: str = "us-east-1") -> None:
        self.region = region
        self.clients: dict = {}
        self.stubbers: dict = {}

    def __call__(self, service: str):
        if service not in self.clients:
            client = boto3.client(service, region_name=self.region, aws_access_key_id="x", aws_secret_access_key="x")
            self.clients[service] = client
            self.stubbers[service] = Stubber(client)
            self.stubbers[service].activate()
        return self.clients[service]

    def stub(self, service: str) -> Stubber:
        self(service)
        return self.stubbers[service]


SETTINGS = {
    "region": "us-east-1",
    "model_backend": "sagemaker",
    "existing_endpoint_name": None,
    "bedrock_model_id": "amazon.nova-micro-v1:0",
    "jumpstart_model_id": "huggingface-text2text-flan-ul2-bf16",
    "jumpstart_region": "us-east-1",
    "jumpstart_resolved_model_id": "huggingface-text2text-flan-ul2-bf16",
    "jumpstart_eula_required": False,
    "jumpstart_accept_eula": False,
    "jumpstart_model_artifact": RESOLVED["jumpstart_model_artifact"],
    "endpoint_instance_type": "ml.g5.12xlarge",
    "endpoint_instances_needed": 1,
    "powertools_version": "latest",
    "powertools_layer_arn": None,
    "console_url": "https://us-east-1.console.aws.amazon.com",
}


def quota(value: float) -> dict:
    return {"Quota": {"QuotaName": "ml.g5.12xlarge for endpoint usage", "QuotaCode": "L-65C4BD00", "Value": value}}


def test_credentials_that_do_not_work_are_named_with_the_fix():
    aws = FakeAws()
    aws.stub("sts").add_client_error("get_caller_identity", "ExpiredToken", "The security token has expired")
    check = preflight.check_credentials(aws, SETTINGS)
    assert not check.ok and "ExpiredToken" in check.detail and "aws sso login" in check.fix


def test_credentials_of_another_partition_fail():
    aws = FakeAws()
    identity = {"Account": "123456789012", "Arn": "arn:aws-us-gov:iam::123456789012:user/me", "UserId": "x"}
    aws.stub("sts").add_response("get_caller_identity", identity)
    check = preflight.check_credentials(aws, SETTINGS)
    assert not check.ok and "aws-us-gov" in check.detail


def test_a_zero_quota_fails_with_the_link_and_the_alternatives():
    aws = FakeAws()
    aws.stub("service-quotas").add_response(
        "get_service_quota", quota(0), {"ServiceCode": "sagemaker", "QuotaCode": "L-65C4BD00"}
    )
    check = preflight.check_quota(aws, SETTINGS)
    assert not check.ok and '"ml.g5.12xlarge for endpoint usage" is 0' in check.detail
    assert "servicequotas/home/services/sagemaker/quotas/L-65C4BD00" in check.fix and "bedrock" in check.fix


def test_a_quota_never_changed_is_read_as_its_default():
    aws = FakeAws()
    quotas = aws.stub("service-quotas")
    quotas.add_client_error("get_service_quota", "NoSuchResourceException", "no applied value")
    quotas.add_response("get_aws_default_service_quota", quota(2))
    assert preflight.check_quota(aws, SETTINGS).ok


def test_an_instance_type_without_a_known_code_is_found_by_name():
    aws = FakeAws()
    quotas = aws.stub("service-quotas")
    other = {"QuotaName": "ml.p4d.24xlarge for training job usage", "QuotaCode": "L-1"}
    wanted = {"QuotaName": "ml.p4d.24xlarge for endpoint usage", "QuotaCode": "L-2"}
    quotas.add_response("list_aws_default_service_quotas", {"Quotas": [other], "NextToken": "page2"})
    quotas.add_response("list_aws_default_service_quotas", {"Quotas": [wanted]})
    quotas.add_response(
        "get_service_quota", {"Quota": {**wanted, "Value": 1.0}}, {"ServiceCode": "sagemaker", "QuotaCode": "L-2"}
    )
    check = preflight.check_quota(aws, {**SETTINGS, "endpoint_instance_type": "ml.p4d.24xlarge"})
    assert check.ok, check


def test_bedrock_model_access_not_granted_says_where_to_enable_it():
    aws = FakeAws()
    aws.stub("bedrock").add_response(
        "get_foundation_model_availability",
        {
            "modelId": "amazon.nova-micro-v1:0",
            "agreementAvailability": {"status": "AVAILABLE"},
            "authorizationStatus": "NOT_AUTHORIZED",
            "entitlementAvailability": "NOT_AVAILABLE",
            "regionAvailability": "AVAILABLE",
        },
    )
    check = preflight.check_model(aws, {**SETTINGS, "model_backend": "bedrock"})
    assert not check.ok and "NOT_AUTHORIZED" in check.detail and "Model access" in check.fix


def test_an_unreadable_jumpstart_artifact_fails():
    aws = FakeAws()
    aws.stub("s3").add_client_error("head_object", "403", "Forbidden")
    check = preflight.check_model(aws, SETTINGS)
    assert not check.ok and "flan-ul2.tar.gz" in check.detail


def test_a_licence_not_accepted_fails_before_anything_is_read():
    check = preflight.check_model(FakeAws(), {**SETTINGS, "jumpstart_eula_required": True})
    assert not check.ok and "jumpstart_accept_eula = true" in check.fix


def test_an_existing_endpoint_must_be_in_service():
    aws = FakeAws()
    aws.stub("sagemaker").add_response(
        "describe_endpoint",
        {
            "EndpointName": "mine",
            "EndpointArn": "arn:aws:sagemaker:us-east-1:123456789012:endpoint/mine",
            "EndpointConfigName": "c",
            "EndpointStatus": "Creating",
            "CreationTime": "2026-01-01",
            "LastModifiedTime": "2026-01-01",
        },
    )
    check = preflight.check_model(aws, {**SETTINGS, "existing_endpoint_name": "mine"})
    assert not check.ok and "Creating" in check.detail


def test_a_missing_powertools_parameter_asks_for_the_layer_arn():
    aws = FakeAws()
    aws.stub("ssm").add_client_error("get_parameter", "ParameterNotFound", "not here")
    check = preflight.check_powertools(aws, SETTINGS)
    assert not check.ok and "powertools_layer_arn" in check.fix


def test_preflight_prints_a_table_and_fails_on_a_failed_check(tmp_path, monkeypatch, capsys):
    folder = tmp_path / "terraform"
    folder.mkdir()
    shutil.copy(TERRAFORM_DIR / "terraform.tfvars.example", folder / "terraform.tfvars")
    (folder / deployment.RESOLVER_OUTPUT).write_text(json.dumps(RESOLVED))
    monkeypatch.setattr(deployment, "TERRAFORM_DIR", folder)
    monkeypatch.setattr(
        preflight, "effective_settings", lambda overrides: deployment.effective_settings(folder, overrides)
    )
    aws = FakeAws()
    identity = {"Account": "123456789012", "Arn": "arn:aws:iam::123456789012:user/me", "UserId": "x"}
    aws.stub("sts").add_response("get_caller_identity", identity)
    aws.stub("service-quotas").add_response("get_service_quota", quota(0))
    aws.stub("s3").add_response("head_object", {})
    aws.stub("ssm").add_response(
        "get_parameter", {"Parameter": {"Name": "p", "Value": "arn:aws:lambda:us-east-1:017000801446:layer:P:1"}}
    )
    assert preflight.main([], clients_for=lambda region: aws) == 1
    out = capsys.readouterr().out
    assert "| quota | FAILED |" in out and "| credentials | ok |" in out and "| powertools | ok |" in out
    assert "preflight: FAILED: quota" in out


def test_preflight_without_a_region_says_how_to_set_one(tmp_path, monkeypatch, capsys):
    folder = tmp_path / "terraform"
    folder.mkdir()
    monkeypatch.setattr(
        preflight, "effective_settings", lambda overrides: deployment.effective_settings(folder, overrides)
    )
    assert preflight.main([], clients_for=lambda region: pytest.fail("no AWS call without settings")) == 1
    out = capsys.readouterr().out
    assert "| settings | FAILED |" in out and "terraform.tfvars.example" in out


def test_terraform_stops_the_plan_on_a_quota_too_small():
    sagemaker = (TERRAFORM_DIR / "sagemaker.tf").read_text()
    assert 'data "aws_servicequotas_service_quota" "endpoint_instances"' in sagemaker
    condition = "data.aws_servicequotas_service_quota.endpoint_instances[0].value >= local.endpoint_instances_needed"
    assert condition in sagemaker
    message = sagemaker[sagemaker.index(condition) :].split("error_message", 1)[1].split("\n", 1)[0]
    assert "${local.endpoint_quota_name}" in message and 'model_backend = \\"bedrock\\"' in message
    settings = (TERRAFORM_DIR / "settings.tf").read_text()
    assert (
        'endpoint_quota_name       = "${coalesce(local.endpoint_instance_type, "unknown")} for endpoint usage"'
        in settings
    )
