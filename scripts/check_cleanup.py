#!/usr/bin/env python3
"""After `terraform destroy`: is anything of the deployment left, above all the costly endpoint?

  check_cleanup.py [--prefix support-agent] [--region us-east-1]

Lists SageMaker endpoints, endpoint configurations and models, Lambda functions, state machines,
DynamoDB tables and Lex bots whose names start with the prefix. Exit status 1 while an endpoint is
left (it bills by the hour), 0 otherwise.
"""

from __future__ import annotations

import argparse
import sys
from typing import Any

from local_runtime import terraform_defaults


def leftovers(prefix: str, region: str) -> dict[str, list[str]]:
    import boto3

    def named(items: list[dict[str, Any]], key: str) -> list[str]:
        return sorted(item[key] for item in items if item[key].startswith(prefix))

    sagemaker = boto3.client("sagemaker", region_name=region)
    found = {
        "SageMaker endpoints": named(sagemaker.list_endpoints(NameContains=prefix)["Endpoints"], "EndpointName"),
        "SageMaker endpoint configurations": named(
            sagemaker.list_endpoint_configs(NameContains=prefix)["EndpointConfigs"], "EndpointConfigName"
        ),
        "SageMaker models": named(sagemaker.list_models(NameContains=prefix)["Models"], "ModelName"),
        "Lambda functions": named(
            [
                f
                for page in boto3.client("lambda", region_name=region).get_paginator("list_functions").paginate()
                for f in page["Functions"]
            ],
            "FunctionName",
        ),
        "state machines": named(
            boto3.client("stepfunctions", region_name=region).list_state_machines()["stateMachines"], "name"
        ),
        "DynamoDB tables": sorted(
            name
            for name in boto3.client("dynamodb", region_name=region).list_tables()["TableNames"]
            if name.startswith(prefix)
        ),
        "Lex bots": named(boto3.client("lexv2-models", region_name=region).list_bots()["botSummaries"], "botName"),
    }
    return {kind: names for kind, names in found.items() if names}


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--prefix", default=terraform_defaults()["name_prefix"])
    parser.add_argument("--region", default=terraform_defaults()["region"])
    args = parser.parse_args(argv)
    left = leftovers(args.prefix, args.region)
    if not left:
        print(f"nothing named {args.prefix}* is left in {args.region}")
        return 0
    for kind, names in left.items():
        print(f"left in {args.region}: {kind}: {', '.join(names)}")
    if "SageMaker endpoints" in left:
        print("an endpoint is still running and billing by the hour: delete it (aws sagemaker delete-endpoint)")
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
