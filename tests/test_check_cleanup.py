"""scripts/check_cleanup.py finds what `terraform destroy` left, and fails while an endpoint is left."""

from __future__ import annotations

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


def test_a_left_endpoint_fails_and_is_named(aws, capsys):
    sagemaker = boto3.client("sagemaker")
    sagemaker.create_model(
        ModelName="support-agent-llm-1234abcd",
        ExecutionRoleArn="arn:aws:iam::123456789012:role/x",
        PrimaryContainer={"Image": "763104351884.dkr.ecr.us-east-1.amazonaws.com/x:1"},
    )
    sagemaker.create_endpoint_config(
        EndpointConfigName="support-agent-llm-2025",
        ProductionVariants=[
            {
                "VariantName": "AllTraffic",
                "ModelName": "support-agent-llm-1234abcd",
                "InstanceType": "ml.g4dn.12xlarge",
                "InitialInstanceCount": 1,
            }
        ],
    )
    sagemaker.create_endpoint(EndpointName="support-agent-llm", EndpointConfigName="support-agent-llm-2025")
    assert check_cleanup.main(["--prefix", "support-agent", "--region", "us-east-1"]) == 1
    out = capsys.readouterr().out
    assert "SageMaker endpoints: support-agent-llm" in out
    assert "billing by the hour" in out
