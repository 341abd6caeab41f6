"""The deployment on moto: the tables, the functions and the state machine that Terraform creates,
made from the definition module's outputs (``harness.manifest``), nothing added or left out."""

from __future__ import annotations

import contextlib
import io
import sys
import zipfile
from dataclasses import dataclass
from functools import cache
from typing import Any, TextIO

from harness.lambdas import LocalFunction, load_handler, send_logs_to
from harness.manifest import REGION, Manifest

# The key that signs conversation memory on this machine: fixed, public and for local runs and tests
# only. A deployment's key is random, made by Terraform in an SSM SecureString (terraform/memory.tf);
# the product has no default key.
TEST_MEMORY_KEY = "local-test-key-not-a-secret-0123456789abcdef"


@dataclass
class LocalDeployment:
    manifest: Manifest
    functions: dict[str, LocalFunction]  # by folder in functions/
    state_machine_arn: str

    def function_named(self, deployed_name: str) -> LocalFunction:
        return next(f for f in self.functions.values() if f.function_name == deployed_name)


def create_tables(dynamodb: Any, deployed: Manifest) -> dict[str, str]:
    """The tables Terraform creates (dynamodb.tf), with their sample items. Returns the names by table."""
    names: dict[str, str] = {}
    for table, spec in deployed["tables"].items():
        dynamodb.create_table(
            TableName=spec["name"],
            KeySchema=[{"AttributeName": spec["hash_key"], "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": spec["hash_key"], "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
        for item in deployed.table_items(table):
            dynamodb.put_item(TableName=spec["name"], Item=item)
        names[table] = spec["name"]
    return names


def create_memory_table(dynamodb: Any, name: str) -> str:
    """The optional conversation memory table, as terraform/memory.tf creates it."""
    dynamodb.create_table(
        TableName=name,
        KeySchema=[
            {"AttributeName": "session_id", "KeyType": "HASH"},
            {"AttributeName": "bot_alias_id", "KeyType": "RANGE"},
        ],
        AttributeDefinitions=[
            {"AttributeName": "session_id", "AttributeType": "S"},
            {"AttributeName": "bot_alias_id", "AttributeType": "S"},
        ],
        BillingMode="PAY_PER_REQUEST",
    )
    dynamodb.update_time_to_live(
        TableName=name, TimeToLiveSpecification={"Enabled": True, "AttributeName": "expires_at"}
    )
    return name


def create_memory_key(ssm: Any, name: str, value: str = TEST_MEMORY_KEY) -> str:
    """The memory signing key's SSM SecureString parameter, as terraform/memory.tf creates it."""
    ssm.put_parameter(Name=name, Type="SecureString", Value=value, Overwrite=True)
    return name


def deploy(
    stack: contextlib.ExitStack,
    deployed: Manifest,
    *,
    module_prefix: str,
    log_sink: TextIO,
) -> LocalDeployment:
    """Create everything in moto (already started) and load every handler with its environment, its
    logs and metrics going to ``log_sink``. Handler modules are unloaded when ``stack`` closes."""
    import boto3

    iam = boto3.client("iam", region_name=REGION)
    role_arn = iam.create_role(RoleName="local-runtime", AssumeRolePolicyDocument="{}")["Role"]["Arn"]
    dynamodb = boto3.client("dynamodb", region_name=REGION)
    create_tables(dynamodb, deployed)
    memory_table = deployed.environment("fulfilment").get("MEMORY_TABLE_NAME", "none")
    if memory_table != "none":
        create_memory_table(dynamodb, memory_table)
    key_parameter = deployed.environment("fulfilment").get("MEMORY_KEY_PARAMETER", "none")
    if key_parameter != "none":
        create_memory_key(boto3.client("ssm", region_name=REGION), key_parameter)
    lambda_client = boto3.client("lambda", region_name=REGION)
    functions = {}
    for folder, function_name in deployed.function_names.items():
        env = deployed.environment(folder)
        timeout = int(deployed["function_timeouts"][folder])
        module = load_handler(folder, env, f"{module_prefix}_{folder}_handler")
        stack.callback(sys.modules.pop, module.__name__, None)
        send_logs_to(module, log_sink, env["POWERTOOLS_LOG_LEVEL"])
        functions[folder] = LocalFunction(folder, function_name, module, timeout)
        arn = lambda_client.create_function(
            FunctionName=function_name,
            Runtime="python3.13",
            Role=role_arn,
            Handler=f"{folder}.handler.lambda_handler",
            Code={"ZipFile": _empty_zip()},
            Timeout=timeout,
            Architectures=["arm64"],
            Environment={"Variables": env},
        )["FunctionArn"]
        if arn != deployed["function_arns"][folder]:  # moto names them as AWS does; the ASL relies on it
            raise RuntimeError(f"moto named {folder} {arn}, Terraform {deployed['function_arns'][folder]}")
    state_machine_arn = boto3.client("stepfunctions", region_name=REGION).create_state_machine(
        name=deployed["state_machine_name"],
        definition=deployed.state_machine_definition,
        roleArn=role_arn,
        type="EXPRESS",
    )["stateMachineArn"]
    return LocalDeployment(deployed, functions, state_machine_arn)


@cache
def _empty_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("handler.py", "# the local runtime runs functions/<name>/handler.py in-process\n")
    return buffer.getvalue()
