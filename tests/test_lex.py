"""The Lex bot: a CloudFormation template built by terraform/modules/lex_bot, evaluated by real
Terraform, validated by cfn-lint (which ships the AWS::Lex::* resource schemas), and wired to the
fulfilment Lambda the same way on both aliases."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from terraform_support import TERRAFORM_DIR, evaluate_module, hcl_files, resources

FULFILMENT_ARN = "arn:aws:lambda:eu-west-1:123456789012:function:support-agent-fulfilment"
LOG_GROUP_ARN = "arn:aws:logs:eu-west-1:123456789012:log-group:/aws/lex/support-agent-bot"
INPUTS = {
    "name": "support-agent-bot",
    "role_arn": "arn:aws:iam::123456789012:role/support-agent-lex",
    "fulfilment_lambda_arn": FULFILMENT_ARN,
    "idle_session_ttl_seconds": 300,
    "tags": {"Project": "support-agent"},
}


def bot_module(tmp_path: Path, **changes) -> dict:
    return evaluate_module(TERRAFORM_DIR / "modules" / "lex_bot", {**INPUTS, **changes}, tmp_path)


@pytest.fixture(scope="module")
def rendered(tmp_path_factory):
    return bot_module(tmp_path_factory.mktemp("lex"))


@pytest.fixture(scope="module")
def with_logs(tmp_path_factory):
    return bot_module(tmp_path_factory.mktemp("lex-logs"), conversation_log_group_arn=LOG_GROUP_ARN)


def cfn_lint(template: dict) -> list[str]:
    """cfn-lint's findings (rule id and message) for the regions Lex V2 runs in, one of each partition."""
    from cfnlint.api import ManualArgs, lint

    matches = lint(json.dumps(template), config=ManualArgs(regions=["eu-west-1", "us-gov-west-1"]))
    return [f"{match.rule.id} {match.message}" for match in matches]


def resources_of(template: dict, kind: str) -> dict[str, dict]:
    return {name: body for name, body in template["Resources"].items() if body["Type"] == kind}


@pytest.mark.parametrize("variant", ["rendered", "with_logs"])
def test_the_template_passes_cfn_lint(request, variant):
    template = json.loads(request.getfixturevalue(variant)["template"])
    assert cfn_lint(template) == []


def test_cfn_lint_is_really_checking(rendered):
    template = json.loads(rendered["template"])
    bot = template["Resources"]["Bot"]["Properties"]
    bot["AutoBuildBotLocale"] = bot.pop("AutoBuildBotLocales")  # a typo
    (version,) = resources_of(template, "AWS::Lex::BotVersion").values()
    del version["Properties"]["BotId"]
    rules = {finding.split()[0] for finding in cfn_lint(template)}
    assert {"E3002", "E3003"} <= rules


def test_fallback_intent_and_both_aliases_call_the_fulfilment_lambda(with_logs):
    template = json.loads(with_logs["template"])
    bot = template["Resources"]["Bot"]["Properties"]
    (locale,) = bot["BotLocales"]
    assert locale["LocaleId"] == with_logs["locale_id"] == "en_US"
    intents = {intent["Name"]: intent for intent in locale["Intents"]}
    assert intents["FallbackIntent"]["ParentIntentSignature"] == "AMAZON.FallbackIntent"
    assert all(intent["FulfillmentCodeHook"] == {"Enabled": True} for intent in intents.values())
    assert bot["AutoBuildBotLocales"] is True
    (alias,) = resources_of(template, "AWS::Lex::BotAlias").values()
    assert alias["Properties"]["BotAliasName"] == "live"
    for settings in (bot["TestBotAliasSettings"], alias["Properties"]):
        (locale_setting,) = settings["BotAliasLocaleSettings"]
        hook = locale_setting["BotAliasLocaleSetting"]["CodeHookSpecification"]["LambdaCodeHook"]
        assert hook == {"CodeHookInterfaceVersion": "1.0", "LambdaArn": FULFILMENT_ARN}
        (text_logs,) = settings["ConversationLogSettings"]["TextLogSettings"]
        assert text_logs["Destination"]["CloudWatch"]["CloudWatchLogGroupArn"] == LOG_GROUP_ARN


def test_conversation_logs_are_off_unless_asked_for(rendered):
    template = json.loads(rendered["template"])
    assert "ConversationLogSettings" not in json.dumps(template)


def test_the_live_alias_is_on_a_version_published_for_this_definition(rendered, tmp_path):
    template = json.loads(rendered["template"])
    ((logical_id, version),) = resources_of(template, "AWS::Lex::BotVersion").items()
    assert logical_id == f"BotVersion{rendered['definition_hash']}"
    assert rendered["definition_hash"] in version["Properties"]["Description"]
    assert version["DeletionPolicy"] == version["UpdateReplacePolicy"] == "Retain"
    (spec,) = version["Properties"]["BotVersionLocaleSpecification"]
    assert spec["BotVersionLocaleDetails"] == {"SourceBotVersion": "DRAFT"}
    (alias,) = resources_of(template, "AWS::Lex::BotAlias").values()
    assert alias["Properties"]["BotVersion"] == {"Fn::GetAtt": [logical_id, "BotVersion"]}
    assert template["Outputs"]["LiveAliasId"]["Value"] == {"Fn::GetAtt": ["LiveAlias", "BotAliasId"]}

    changed = bot_module(tmp_path / "changed", idle_session_ttl_seconds=600)
    same = bot_module(tmp_path / "same", fulfilment_lambda_arn=FULFILMENT_ARN.replace("eu-west-1", "us-east-1"))
    assert changed["definition_hash"] != rendered["definition_hash"]  # a new version is published
    assert same["definition_hash"] == rendered["definition_hash"]  # code hooks live on the aliases


def test_terraform_deploys_the_template_as_a_stack_without_iam_capabilities():
    parsed = hcl_files()
    (stack,) = [body for _, kind, _, body in resources(parsed) if kind == "aws_cloudformation_stack"]
    assert stack["template_body"] == "${module.lex_bot.template}"
    assert "capabilities" not in stack  # the bot's role is a Terraform resource
    assert stack["on_failure"] == "DELETE"
    lex = (TERRAFORM_DIR / "lex.tf").read_text()
    assert 'fulfilment_lambda_arn      = aws_lambda_function.function["fulfilment"].arn' in lex
    assert not any(kind.startswith("awscc_") for _, kind, _, _ in resources(parsed))


def test_the_lambda_permission_covers_both_aliases_of_this_bot():
    parsed = hcl_files()
    permissions = {name: body for _, kind, name, body in resources(parsed) if kind == "aws_lambda_permission"}
    source = permissions["lex"]["source_arn"]
    assert source == "arn:${local.partition}:lex:${var.region}:${local.account}:bot-alias/${local.bot_id}/*"
    pattern = re.escape(source.replace("${local.bot_id}", "BOTID12345")).replace(r"\*", "[A-Z0-9]+")
    for alias in ("TSTALIASID", "LIVEALIAS1"):
        invoked_from = "arn:${local.partition}:lex:${var.region}:${local.account}:bot-alias/BOTID12345/" + alias
        assert re.fullmatch(pattern, invoked_from)
    assert permissions["lex"]["function_name"] == '${aws_lambda_function.function["fulfilment"].function_name}'
    lex = (TERRAFORM_DIR / "lex.tf").read_text()
    assert 'bot_id            = aws_cloudformation_stack.lex_bot.outputs["BotId"]' in lex
    assert 'bot_live_alias_id = aws_cloudformation_stack.lex_bot.outputs["LiveAliasId"]' in lex
