"""Before `make deploy`: will the first `terraform apply` work? Fails fast, says how to fix it.

  preflight.py [--region R]            (make preflight; make deploy runs it first)

Checks, with your AWS credentials and your settings (terraform/terraform.tfvars, read by Terraform):
  settings     Terraform accepts your variables (a region is set, values pass their validations)
  credentials  the credentials work (STS GetCallerIdentity), in the region's partition
  quota        a new endpoint: the Service Quotas limit "<instance type> for endpoint usage" allows it
  model        JumpStart: resolved for this model and region, its artifact readable, licence accepted;
               Bedrock: the model is available to the account; an existing endpoint: it is InService
  powertools   the Powertools layer's public SSM parameter (or the layer you named) exists there

Prints one row per check with the fix for each failure. Exit status 1 when a check fails.
"""

from __future__ import annotations

import argparse
import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from harness.deployment import SettingsProblem, creates_endpoint, effective_settings, needs_model_resolution
from harness.paths import TERRAFORM_DIR


@dataclass(frozen=True)
class Check:
    name: str
    ok: bool
    detail: str
    fix: str = ""


Clients = Callable[[str], Any]  # service name -> a boto3 client in the deployment's region


def check_settings(overrides: dict[str, Any]) -> tuple[Check, dict[str, Any] | None]:
    try:
        settings = effective_settings(overrides=overrides)
    except SettingsProblem as problem:
        fix = "copy terraform/terraform.tfvars.example to terraform/terraform.tfvars and set region (and the rest)"
        return Check("settings", False, str(problem)[:300], fix), None
    return Check("settings", True, f"region {settings['region']}, model backend {settings['model_backend']}"), settings


def check_credentials(clients: Clients, settings: dict[str, Any]) -> Check:
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        identity = clients("sts").get_caller_identity()
    except (BotoCoreError, ClientError) as error:
        return Check(
            "credentials", False, _reason(error), "configure credentials: aws configure, AWS_PROFILE or aws sso login"
        )
    partition = identity["Arn"].split(":")[1]
    wanted = "aws-us-gov" if settings["region"].startswith("us-gov-") else "aws"
    if partition != wanted:
        return Check(
            "credentials",
            False,
            f"{identity['Arn']} is in partition {partition}, region {settings['region']} in {wanted}",
            f"use credentials of an account in the {wanted} partition, or another region",
        )
    return Check("credentials", True, f"account {identity['Account']} as {identity['Arn'].split(':', 5)[-1]}")


QUOTA_CODES = json.loads((TERRAFORM_DIR / "endpoint_quota_codes.json").read_text(encoding="utf-8"))


def endpoint_quota(clients: Clients, instance_type: str) -> dict[str, Any] | None:
    """The quota "<instance type> for endpoint usage": the account's applied value, else AWS's default
    (as Terraform's aws_servicequotas_service_quota reads it). By code when the code is known."""
    from botocore.exceptions import ClientError

    quotas = clients("service-quotas")
    code = QUOTA_CODES.get(instance_type)
    if code is None:
        name = f"{instance_type} for endpoint usage"
        pages = quotas.get_paginator("list_aws_default_service_quotas").paginate(ServiceCode="sagemaker")
        code = next(
            (q["QuotaCode"] for page in pages for q in page.get("Quotas", []) if q.get("QuotaName") == name), None
        )
        if code is None:
            return None
    try:
        return quotas.get_service_quota(ServiceCode="sagemaker", QuotaCode=code)["Quota"]
    except ClientError as error:
        if error.response.get("Error", {}).get("Code") != "NoSuchResourceException":
            raise
    return quotas.get_aws_default_service_quota(ServiceCode="sagemaker", QuotaCode=code)["Quota"]


def check_quota(clients: Clients, settings: dict[str, Any]) -> Check:
    from botocore.exceptions import BotoCoreError, ClientError

    if not creates_endpoint(settings):
        return Check("quota", True, "no endpoint to create")
    instance_type, needed = settings["endpoint_instance_type"], settings["endpoint_instances_needed"]
    if instance_type is None:
        return Check("quota", True, "instance type not known yet: make deploy resolves the model first")
    try:
        quota = endpoint_quota(clients, instance_type)
    except (BotoCoreError, ClientError) as error:
        return Check(
            "quota",
            False,
            f"cannot read Service Quotas: {_reason(error)}",
            "allow servicequotas:GetServiceQuota, GetAWSDefaultServiceQuota and ListAWSDefaultServiceQuotas",
        )
    if quota is None:
        return Check(
            "quota",
            False,
            f'no quota "{instance_type} for endpoint usage" in {settings["region"]}',
            "choose an instance type SageMaker offers for endpoints in this region",
        )
    value = quota.get("Value", 0)
    if value >= needed:
        return Check("quota", True, f'"{quota["QuotaName"]}" is {value:g}, {needed} needed')
    link = f"{settings['console_url']}/servicequotas/home/services/sagemaker/quotas/{quota.get('QuotaCode', '')}"
    return Check(
        "quota",
        False,
        f'"{quota["QuotaName"]}" is {value:g}, the endpoint needs {needed}',
        f"ask for {needed} at {link}; or a smaller model "
        "(make resolve-model MODEL_ID=huggingface-text2text-flan-t5-xl); "
        'or model_backend = "bedrock" (no endpoint)',
    )


def check_model(clients: Clients, settings: dict[str, Any]) -> Check:
    if settings["model_backend"] == "bedrock":
        return _check_bedrock(clients, settings["bedrock_model_id"])
    if settings["existing_endpoint_name"] is not None:
        return _check_existing_endpoint(clients, settings["existing_endpoint_name"])
    return _check_jumpstart(clients, settings)


def _check_bedrock(clients: Clients, model_id: str) -> Check:
    from botocore.exceptions import BotoCoreError, ClientError

    base = (
        model_id.split(".", 1)[1]
        if model_id.split(".", maxsplit=1)[0] in {"us", "eu", "apac", "global", "us-gov"}
        else model_id
    )
    try:
        availability = clients("bedrock").get_foundation_model_availability(modelId=base)
    except (BotoCoreError, ClientError) as error:
        return Check(
            "model",
            False,
            f"Bedrock model {model_id}: {_reason(error)}",
            "check bedrock_model_id and that Bedrock runs in this region",
        )
    problems = [
        f"{key} {availability.get(key)}"
        for key, good in (
            ("authorizationStatus", "AUTHORIZED"),
            ("entitlementAvailability", "AVAILABLE"),
            ("regionAvailability", "AVAILABLE"),
        )
        if availability.get(key) != good
    ]
    if problems:
        return Check(
            "model",
            False,
            f"Bedrock model {model_id}: {', '.join(problems)}",
            "enable access to the model in the Bedrock console (Model access), or choose another bedrock_model_id",
        )
    return Check("model", True, f"Bedrock model {model_id} is available to this account")


def _check_existing_endpoint(clients: Clients, name: str) -> Check:
    from botocore.exceptions import BotoCoreError, ClientError

    try:
        status = clients("sagemaker").describe_endpoint(EndpointName=name)["EndpointStatus"]
    except (BotoCoreError, ClientError) as error:
        return Check(
            "model", False, f"endpoint {name}: {_reason(error)}", "check existing_endpoint_name and the region"
        )
    if status != "InService":
        return Check(
            "model", False, f"endpoint {name} is {status}", "wait until it is InService (SageMaker console, Endpoints)"
        )
    return Check("model", True, f"endpoint {name} is InService")


def _check_jumpstart(clients: Clients, settings: dict[str, Any]) -> Check:
    from botocore.exceptions import BotoCoreError, ClientError

    model = settings["jumpstart_model_id"]
    if needs_model_resolution(settings):
        return Check("model", True, f"{model} is resolved by make deploy (make resolve-model) for {settings['region']}")
    if settings["jumpstart_eula_required"] and not settings["jumpstart_accept_eula"]:
        return Check(
            "model",
            False,
            f"{model} has a licence (EULA) not yet accepted",
            "read it (make resolve-model prints where), then set jumpstart_accept_eula = true in terraform.tfvars",
        )
    artifact = settings["jumpstart_model_artifact"]["s3_uri"]
    bucket, _, key = artifact.removeprefix("s3://").partition("/")
    s3 = clients("s3")
    try:
        if artifact.endswith("/"):
            found = s3.list_objects_v2(Bucket=bucket, Prefix=key, MaxKeys=1).get("KeyCount", 0) > 0
        else:
            s3.head_object(Bucket=bucket, Key=key)
            found = True
    except (BotoCoreError, ClientError) as error:
        return Check(
            "model",
            False,
            f"{model}: cannot read {artifact}: {_reason(error)}",
            "check the region and that your account may read JumpStart's bucket; run make resolve-model again",
        )
    if not found:
        return Check("model", False, f"{model}: nothing at {artifact}", "run make resolve-model again")
    return Check("model", True, f"{model} resolved for {settings['region']}; its artifact is readable")


def check_powertools(clients: Clients, settings: dict[str, Any]) -> Check:
    from botocore.exceptions import BotoCoreError, ClientError

    if settings["powertools_layer_arn"]:
        try:
            clients("lambda").get_layer_version_by_arn(Arn=settings["powertools_layer_arn"])
        except (BotoCoreError, ClientError) as error:
            return Check(
                "powertools",
                False,
                f"layer {settings['powertools_layer_arn']}: {_reason(error)}",
                "give a layer version ARN that exists in this region",
            )
        return Check("powertools", True, f"layer {settings['powertools_layer_arn']}")
    name = f"/aws/service/powertools/python/arm64/python3.13/{settings['powertools_version']}"
    try:
        value = clients("ssm").get_parameter(Name=name)["Parameter"]["Value"]
    except (BotoCoreError, ClientError) as error:
        return Check(
            "powertools",
            False,
            f"{name}: {_reason(error)}",
            "set powertools_layer_arn to a Powertools (Python, python3.13, arm64) layer in this region, "
            "or another powertools_version",
        )
    return Check("powertools", True, value)


def _reason(error: Exception) -> str:
    response = getattr(error, "response", None)
    if isinstance(response, dict) and response.get("Error"):
        return f"{response['Error'].get('Code', '')}: {response['Error'].get('Message', '')}".strip(": ")
    return f"{type(error).__name__}: {error}"


def run_checks(overrides: dict[str, Any], clients_for: Callable[[str], Clients]) -> list[Check]:
    settings_check, settings = check_settings(overrides)
    if settings is None:
        return [settings_check]
    clients = clients_for(settings["region"])
    checks = [settings_check, check_credentials(clients, settings)]
    if not checks[-1].ok:
        return checks
    return [
        *checks,
        check_quota(clients, settings),
        check_model(clients, settings),
        check_powertools(clients, settings),
    ]


def boto3_clients(region: str) -> Clients:
    import boto3

    session = boto3.session.Session(region_name=region)
    made: dict[str, Any] = {}

    def client(service: str) -> Any:
        if service not in made:
            made[service] = session.client(service)
        return made[service]

    return client


def render(checks: list[Check]) -> str:
    rows = ["| check | result | detail | fix |", "| --- | --- | --- | --- |"]
    rows += [f"| {c.name} | {'ok' if c.ok else 'FAILED'} | {c.detail} | {c.fix} |" for c in checks]
    return "\n".join(rows)


def main(argv: list[str] | None = None, clients_for: Callable[[str], Clients] = boto3_clients) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--region", help="overrides region in terraform.tfvars (as -var region=... would)")
    args = parser.parse_args(argv)
    checks = run_checks({"region": args.region} if args.region else {}, clients_for)
    print(render(checks))
    failed = [c.name for c in checks if not c.ok]
    print(f"\npreflight: {'FAILED: ' + ', '.join(failed) if failed else 'all checks passed'}")
    return 1 if failed else 0
