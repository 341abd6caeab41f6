"""scripts/check_cleanup.py finds what `terraform destroy` left, and fails while an endpoint is left."""

from __future__ import annotations

import json

import boto3
import pytest
from moto import mock_aws

import check_cleanup


@pytest.fixture
def aws(monkeypatch):
    monkeypatch.setenv("AWS_DEFAULT_REGION", "us-east-1")
    with mock_aws():
        yield


def test_nothing_left_passes(aws, capsys):
    boto3.client("dynamodb").create_table(
        TableName="someone-else",
        KeySchema=[{"AttributeName": "k", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "k", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    assert check_cleanup.main(["--prefix", "support-agent", "--region", "us-east-1"]) == 0
    assert "nothing named support-agent* is left" in capsys.readouterr().out


def an_endpoint(prefix: str, region: str) -> None:
    """What a deployment with ``prefix`` in ``region`` leaves when the endpoint is not destroyed."""
    sagemaker = boto3.client("sagemaker", region_name=region)
    sagemaker.create_model(
        ModelName=f"{prefix}-llm-1234abcd",
        ExecutionRoleArn="arn:aws:iam::123456789012:role/x",
        PrimaryContainer={"Image": f"763104351884.dkr.ecr.{region}.amazonaws.com/x:1"},
    )
    sagemaker.create_endpoint_config(
        EndpointConfigName=f"{prefix}-llm-2025",
        ProductionVariants=[
            {
                "VariantName": "AllTraffic",
                "ModelName": f"{prefix}-llm-1234abcd",
                "InstanceType": "ml.g4dn.12xlarge",
                "InitialInstanceCount": 1,
            }
        ],
    )
    sagemaker.create_endpoint(EndpointName=f"{prefix}-llm", EndpointConfigName=f"{prefix}-llm-2025")


def test_a_left_endpoint_fails_and_is_named(aws, capsys):
    an_endpoint("support-agent", "us-east-1")
    assert check_cleanup.main(["--prefix", "support-agent", "--region", "us-east-1"]) == 1
    out = capsys.readouterr().out
    assert "SageMaker endpoints: support-agent-llm" in out
    assert "billing by the hour" in out


def test_the_deployments_region_and_prefix_come_from_its_saved_outputs(aws, tmp_path, capsys):
    """`make resolve-model REGION=eu-west-1` deploys to eu-west-1: the check must look there, not in the default."""
    an_endpoint("shop-bot", "eu-west-1")
    outputs = tmp_path / "outputs.json"
    outputs.write_text(
        json.dumps(
            {
                "region": {"sensitive": False, "type": "string", "value": "eu-west-1"},
                "name_prefix": {"sensitive": False, "type": "string", "value": "shop-bot"},
            }
        ),
        encoding="utf-8",
    )
    assert check_cleanup.main(["--outputs", str(outputs)]) == 1
    assert "left in eu-west-1: SageMaker endpoints: shop-bot-llm" in capsys.readouterr().out


def test_without_outputs_the_tfvars_terraform_reads_decide(aws, tmp_path):
    (tmp_path / "terraform.tfvars").write_text('name_prefix = "shop-bot"\nregion = "us-west-2"\n', encoding="utf-8")
    (tmp_path / "jumpstart.auto.tfvars.json").write_text('{"region": "eu-west-1"}', encoding="utf-8")
    assert check_cleanup.deployment_settings(None, tmp_path) == {"region": "eu-west-1", "name_prefix": "shop-bot"}
    empty = tmp_path / "empty.json"
    empty.write_text("{}\n", encoding="utf-8")  # `terraform output -json` with no state
    assert check_cleanup.deployment_settings(empty, tmp_path)["region"] == "eu-west-1"
    assert check_cleanup.deployment_settings(None, tmp_path / "none") == {
        "region": "us-east-1",
        "name_prefix": "support-agent",
    }


def test_make_destroy_saves_the_outputs_before_destroying_and_checks_with_them():
    recipe = (check_cleanup.REPO / "Makefile").read_text(encoding="utf-8").split("\ndestroy:")[1].split("\n\n")[0]
    lines = [line.strip() for line in recipe.splitlines()[1:]]
    assert "output -json > terraform/.outputs-before-destroy.json" in lines[0]
    assert lines[1].endswith("-chdir=terraform destroy")
    assert lines[2].endswith("check_cleanup.py --outputs terraform/.outputs-before-destroy.json")
