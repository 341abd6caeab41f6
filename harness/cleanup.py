"""After `terraform destroy`: is anything of the deployment left, above all the costly endpoint?

  agent cleanup [--outputs FILE] [--prefix support-agent] [--region eu-west-1]

Lists, with every page of every list, what is named with the deployment's prefix: SageMaker
endpoints, endpoint configurations and models, the Lex bot's CloudFormation stack, Lex bots, Lambda
functions, state machines, DynamoDB tables, the dashboard, alarms, the alarm topic and log groups.
Exit status 1 while any endpoint, endpoint configuration, model, stack or bot is left (the endpoint
bills by the hour; the others block a new deployment of the same name), 0 otherwise; 2 when the
region is not known.

Region and prefix are those of the deployment: `make destroy` saves `terraform output -json` to
FILE before destroying; without it they come from your terraform/terraform.tfvars, then (the prefix
only) from the variable's default. Flags override all of these.
"""

from __future__ import annotations

import argparse
import json
import sys
from collections.abc import Iterable
from pathlib import Path
from typing import Any

from harness.deployment import tfvars
from harness.manifest import terraform_defaults
from harness.paths import TERRAFORM_DIR

# What must be gone for the teardown to count as complete.
BLOCKING = (
    "SageMaker endpoints",
    "SageMaker endpoint configurations",
    "SageMaker models",
    "CloudFormation stacks",
    "Lex bots",
)


def deployment_settings(outputs_file: Path | None, terraform_dir: Path = TERRAFORM_DIR) -> dict[str, Any]:
    """``region`` and ``name_prefix`` of what was deployed, from the most specific source present."""
    settings: dict[str, Any] = {"region": None, "name_prefix": terraform_defaults()["name_prefix"]}
    settings.update({key: value for key, value in tfvars(terraform_dir).items() if key in settings})
    if outputs_file is not None and outputs_file.is_file():
        text = outputs_file.read_text(encoding="utf-8").strip()
        outputs = json.loads(text) if text else {}
        settings.update({key: outputs[key]["value"] for key in settings if key in outputs})
    return settings


def _pages(client: Any, operation: str, key: str, **kwargs: Any) -> Iterable[dict[str, Any]]:
    for page in client.get_paginator(operation).paginate(**kwargs):
        yield from page.get(key, [])


def leftovers(prefix: str, region: str) -> dict[str, list[str]]:
    import boto3

    session = boto3.session.Session(region_name=region)

    def named(items: Iterable[dict[str, Any]], key: str) -> list[str]:
        return sorted(item[key] for item in items if item[key].startswith(prefix))

    sagemaker = session.client("sagemaker")
    lex = session.client("lexv2-models")
    stacks = session.client("cloudformation")
    live_stacks = [
        stack for stack in _pages(stacks, "list_stacks", "StackSummaries") if stack["StackStatus"] != "DELETE_COMPLETE"
    ]
    found = {
        "SageMaker endpoints": named(
            _pages(sagemaker, "list_endpoints", "Endpoints", NameContains=prefix), "EndpointName"
        ),
        "SageMaker endpoint configurations": named(
            _pages(sagemaker, "list_endpoint_configs", "EndpointConfigs", NameContains=prefix), "EndpointConfigName"
        ),
        "SageMaker models": named(_pages(sagemaker, "list_models", "Models", NameContains=prefix), "ModelName"),
        "CloudFormation stacks": named(live_stacks, "StackName"),
        "Lex bots": named(_lex_bots(lex, prefix), "botName"),
        "Lambda functions": named(_pages(session.client("lambda"), "list_functions", "Functions"), "FunctionName"),
        "state machines": named(
            _pages(session.client("stepfunctions"), "list_state_machines", "stateMachines"), "name"
        ),
        "DynamoDB tables": sorted(
            name for name in _pages(session.client("dynamodb"), "list_tables", "TableNames") if name.startswith(prefix)
        ),
        "CloudWatch dashboards": named(
            _pages(session.client("cloudwatch"), "list_dashboards", "DashboardEntries", DashboardNamePrefix=prefix),
            "DashboardName",
        ),
        "CloudWatch alarms": named(
            _pages(session.client("cloudwatch"), "describe_alarms", "MetricAlarms", AlarmNamePrefix=prefix), "AlarmName"
        ),
        "SNS topics": sorted(
            topic["TopicArn"]
            for topic in _pages(session.client("sns"), "list_topics", "Topics")
            if topic["TopicArn"].rsplit(":", 1)[-1].startswith(prefix)
        ),
        "log groups": sorted(
            group["logGroupName"]
            for group in _pages(session.client("logs"), "describe_log_groups", "logGroups")
            if any(part.startswith(prefix) for part in group["logGroupName"].split("/"))
        ),
    }
    return {kind: names for kind, names in found.items() if names}


def _lex_bots(client: Any, prefix: str) -> Iterable[dict[str, Any]]:
    """ListBots has no paginator in botocore: follow nextToken by hand."""
    request: dict[str, Any] = {
        "filters": [{"name": "BotName", "values": [prefix], "operator": "CO"}],
        "maxResults": 100,
    }
    while True:
        page = client.list_bots(**request)
        yield from page.get("botSummaries", [])
        if not page.get("nextToken"):
            return
        request["nextToken"] = page["nextToken"]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--outputs", type=Path, help="`terraform output -json` saved before the destroy")
    parser.add_argument("--prefix", help="name prefix (default: the deployment's name_prefix)")
    parser.add_argument("--region", help="region (default: the deployment's region)")
    args = parser.parse_args(argv)
    deployed = deployment_settings(args.outputs)
    prefix = args.prefix or deployed["name_prefix"]
    region = args.region or deployed["region"]
    if not region:
        print("error: which region? give --region (or --outputs, or set region in terraform.tfvars)", file=sys.stderr)
        return 2
    left = leftovers(prefix, region)
    if not left:
        print(f"nothing named {prefix}* is left in {region}")
        return 0
    for kind, names in left.items():
        print(f"left in {region}: {kind}: {', '.join(names)}")
    blocking = [kind for kind in BLOCKING if kind in left]
    if "SageMaker endpoints" in left:
        print("an endpoint is still running and billing by the hour: delete it (aws sagemaker delete-endpoint)")
    if blocking:
        print(f"teardown incomplete: {', '.join(blocking)} left; run make destroy again or delete them")
        return 1
    return 0
