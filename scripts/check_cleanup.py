#!/usr/bin/env python3
"""After `terraform destroy`: is anything of the deployment left, above all the costly endpoint?

  check_cleanup.py [--outputs FILE] [--prefix support-agent] [--region us-east-1]

Lists SageMaker endpoints, endpoint configurations and models, Lambda functions, state machines,
DynamoDB tables and Lex bots whose names start with the prefix. Exit status 1 while an endpoint is
left (it bills by the hour), 0 otherwise.

Region and prefix are those of the deployment: `make destroy` saves `terraform output -json` to
FILE before destroying; without it they come from the tfvars files Terraform reads in terraform/
(`make resolve-model REGION=...` writes the region there), then from the variable defaults.
Flags override all of these.
"""

from __future__ import annotations

import argparse
import json
import sys
from pathlib import Path
from typing import Any

from local_runtime import REPO, hcl_value, terraform_defaults

TERRAFORM_DIR = REPO / "terraform"


def deployment_settings(outputs_file: Path | None, terraform_dir: Path = TERRAFORM_DIR) -> dict[str, Any]:
    """``region`` and ``name_prefix`` of what was deployed, from the most specific source present."""
    settings = {key: terraform_defaults()[key] for key in ("region", "name_prefix")}
    settings.update({key: value for key, value in tfvars(terraform_dir).items() if key in settings})
    if outputs_file is not None and outputs_file.is_file():
        text = outputs_file.read_text(encoding="utf-8").strip()
        outputs = json.loads(text) if text else {}
        settings.update({key: outputs[key]["value"] for key in settings if key in outputs})
    return settings


def tfvars(terraform_dir: Path) -> dict[str, Any]:
    """Variable values from the files Terraform loads by itself, later files overriding earlier ones."""
    import hcl2

    files = [terraform_dir / "terraform.tfvars", terraform_dir / "terraform.tfvars.json"]
    files += sorted(terraform_dir.glob("*.auto.tfvars")) + sorted(terraform_dir.glob("*.auto.tfvars.json"))
    values: dict[str, Any] = {}
    for path in sorted((f for f in files if f.is_file()), key=files.index):
        with path.open(encoding="utf-8") as handle:
            loaded = json.load(handle) if path.suffix == ".json" else hcl2.load(handle)
        values.update({key: hcl_value(value) for key, value in loaded.items()})
    return values


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
    parser.add_argument("--outputs", type=Path, help="`terraform output -json` saved before the destroy")
    parser.add_argument("--prefix", help="name prefix (default: the deployment's name_prefix)")
    parser.add_argument("--region", help="region (default: the deployment's region)")
    args = parser.parse_args(argv)
    deployed = deployment_settings(args.outputs)
    args.prefix = args.prefix or deployed["name_prefix"]
    args.region = args.region or deployed["region"]
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
