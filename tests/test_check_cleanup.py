"""agent cleanup (harness/cleanup.py) finds what `terraform destroy` left, and fails while an endpoint is left."""

from __future__ import annotations

import json
from pathlib import Path

import boto3
import pytest
from moto import mock_aws

from harness import cleanup as check_cleanup


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


def test_without_outputs_your_tfvars_decide_and_no_region_is_assumed(aws, tmp_path, capsys):
    (tmp_path / "terraform.tfvars").write_text('name_prefix = "shop-bot"\nregion = "us-west-2"\n', encoding="utf-8")
    (tmp_path / "jumpstart.auto.tfvars.json").write_text('{"jumpstart_region": "eu-west-1"}', encoding="utf-8")
    assert check_cleanup.deployment_settings(None, tmp_path) == {"region": "us-west-2", "name_prefix": "shop-bot"}
    empty = tmp_path / "empty.json"
    empty.write_text("{}\n", encoding="utf-8")  # `terraform output -json` with no state
    assert check_cleanup.deployment_settings(empty, tmp_path)["region"] == "us-west-2"
    assert check_cleanup.deployment_settings(None, tmp_path / "none") == {
        "region": None,
        "name_prefix": "support-agent",
    }


def test_no_region_is_a_clear_error(aws, monkeypatch, tmp_path, capsys):
    monkeypatch.setattr(check_cleanup, "TERRAFORM_DIR", tmp_path)
    monkeypatch.setattr(
        check_cleanup, "deployment_settings", lambda outputs: {"region": None, "name_prefix": "support-agent"}
    )
    assert check_cleanup.main([]) == 2
    assert "which region?" in capsys.readouterr().err


def a_bot_stack(prefix: str) -> None:
    """The Lex bot's stack and the bot, as a destroy that stopped half-way leaves them."""
    boto3.client("cloudformation").create_stack(
        StackName=f"{prefix}-lex-bot",
        TemplateBody=json.dumps({"Resources": {"Nothing": {"Type": "AWS::CloudFormation::WaitConditionHandle"}}}),
    )
    boto3.client("lexv2-models").create_bot(
        botName=f"{prefix}-bot",
        roleArn="arn:aws:iam::123456789012:role/x",
        dataPrivacy={"childDirected": False},
        idleSessionTTLInSeconds=300,
    )


def test_a_left_stack_or_bot_fails_the_check(aws, capsys):
    a_bot_stack("support-agent")
    assert check_cleanup.main(["--prefix", "support-agent", "--region", "us-east-1"]) == 1
    out = capsys.readouterr().out
    assert "CloudFormation stacks: support-agent-lex-bot" in out
    assert "Lex bots: support-agent-bot" in out
    assert "teardown incomplete: CloudFormation stacks, Lex bots left" in out


def test_a_deleted_stack_does_not_count(aws, capsys):
    boto3.client("cloudformation").create_stack(
        StackName="support-agent-lex-bot",
        TemplateBody=json.dumps({"Resources": {"Nothing": {"Type": "AWS::CloudFormation::WaitConditionHandle"}}}),
    )
    boto3.client("cloudformation").delete_stack(StackName="support-agent-lex-bot")
    assert check_cleanup.main(["--prefix", "support-agent", "--region", "us-east-1"]) == 0


def test_every_page_of_every_list_is_read(aws, monkeypatch):
    """More leftovers than one page holds: the last page's names are found too."""
    real_client = boto3.session.Session.client
    pages_read: dict[str, int] = {}

    def small_pages(session, service, *args, **kwargs):
        client = real_client(session, service, *args, **kwargs)
        original = client.get_paginator

        def paginator(operation):
            pages = original(operation)
            if pages._limit_key:  # operations that let the caller choose a page size
                paginate = pages.paginate

                def counted(**kw):
                    for page in paginate(**kw, PaginationConfig={"PageSize": 2}):
                        pages_read[operation] = pages_read.get(operation, 0) + 1
                        yield page

                pages.paginate = counted
            return pages

        client.get_paginator = paginator
        return client

    for index in range(5):
        an_endpoint(f"support-agent-{index}", "us-east-1")
    monkeypatch.setattr(boto3.session.Session, "client", small_pages)
    left = check_cleanup.leftovers("support-agent", "us-east-1")
    assert left["SageMaker endpoints"] == [f"support-agent-{index}-llm" for index in range(5)]
    assert len(left["SageMaker models"]) == 5
    assert pages_read["list_endpoints"] >= 3  # 5 endpoints, 2 a page: the later pages were read


def test_check_cleanup_reads_no_list_without_pagination():
    """Every list call goes through a paginator, but ListBots (no paginator in botocore) follows nextToken."""
    source = Path(check_cleanup.__file__).read_text()
    assert ".list_" not in source.replace("client.list_bots(", "").replace("def _lex_bots", "")
    assert 'request["nextToken"] = page["nextToken"]' in source


def test_make_destroy_saves_the_outputs_before_destroying_and_checks_with_them():
    recipe = (check_cleanup.TERRAFORM_DIR.parent / "Makefile").read_text(encoding="utf-8").split("\ndestroy:")[1]
    lines = [line.strip() for line in recipe.split("\n\n")[0].splitlines()[1:]]
    assert "output -json > terraform/.outputs-before-destroy.json" in lines[0]
    assert "-chdir=terraform destroy" in lines[1]
    assert "cleanup --outputs terraform/.outputs-before-destroy.json" in lines[2]


def test_the_dashboard_alarms_and_alarm_topic_left_are_named_but_do_not_fail_the_check(aws, capsys):
    """They bill by the month ($3 a dashboard, $0.10 an alarm metric), not by the hour: reported, not blocking."""
    cloudwatch = boto3.client("cloudwatch")
    cloudwatch.put_dashboard(DashboardName="support-agent-turns", DashboardBody='{"widgets": []}')
    cloudwatch.put_metric_alarm(
        AlarmName="support-agent-turn-error-rate",
        MetricName="TurnFailed",
        Namespace="SupportAgent",
        Statistic="Average",
        Period=300,
        EvaluationPeriods=3,
        Threshold=0.05,
        ComparisonOperator="GreaterThanThreshold",
    )
    boto3.client("sns").create_topic(Name="support-agent-alarms")
    boto3.client("sns").create_topic(Name="someone-elses")
    assert check_cleanup.main(["--prefix", "support-agent", "--region", "us-east-1"]) == 0
    out = capsys.readouterr().out
    assert "CloudWatch dashboards: support-agent-turns" in out
    assert "CloudWatch alarms: support-agent-turn-error-rate" in out
    assert "SNS topics: arn:aws:sns:us-east-1:123456789012:support-agent-alarms" in out and "someone" not in out
