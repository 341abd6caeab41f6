# The Lex V2 bot as a CloudFormation template (no provider, no resource: lex.tf deploys it with
# aws_cloudformation_stack, and tests/test_lex.py evaluates it with real Terraform and runs cfn-lint
# on it). Three resources: the bot (its DRAFT version, built on every change by
# AutoBuildBotLocales, and the test alias TSTALIASID), a published version, and the alias "live" on
# that version. The version's logical id carries a hash of the bot's definition, so a changed
# definition publishes a new version and the live alias moves to it; an unchanged definition
# publishes nothing.

locals {
  locale_id = "en_US"
  fulfilment_hook = {
    Enabled = true
  }
  locale = {
    LocaleId               = local.locale_id
    Description            = "English (US)"
    NluConfidenceThreshold = 0.4
    Intents = [
      {
        Name        = "CheckOrderOrReturn"
        Description = "Questions about an order or a return; the agent answers them"
        SampleUtterances = [for utterance in [
          "Where is my order", "Has my order shipped", "What is the status of my order",
          "Is my return processed", "What is the status of my return", "Where is my refund",
        ] : { Utterance = utterance }]
        FulfillmentCodeHook = local.fulfilment_hook
      },
      {
        Name                  = "FallbackIntent"
        Description           = "Everything else; the agent decides"
        ParentIntentSignature = "AMAZON.FallbackIntent"
        FulfillmentCodeHook   = local.fulfilment_hook
      },
    ]
  }

  # What a published version holds: a change to any of it needs a new version.
  bot_definition = {
    Name                    = var.name
    Description             = "E-commerce support agent: orders, returns and the shop's policies"
    RoleArn                 = var.role_arn
    DataPrivacy             = { ChildDirected = false }
    IdleSessionTTLInSeconds = var.idle_session_ttl_seconds
    BotLocales              = [local.locale]
  }
  definition_hash    = substr(sha256(jsonencode(local.bot_definition)), 0, 12)
  version_logical_id = "BotVersion${local.definition_hash}"

  tags = [for key, value in var.tags : { Key = key, Value = value }]

  alias_locale_settings = [{
    LocaleId = local.locale_id
    BotAliasLocaleSetting = {
      Enabled = true
      CodeHookSpecification = {
        LambdaCodeHook = {
          CodeHookInterfaceVersion = "1.0"
          LambdaArn                = var.fulfilment_lambda_arn
        }
      }
    }
  }]

  conversation_logs = {
    for alias in ["test", "live"] : alias => {
      TextLogSettings = [{
        Enabled = true
        Destination = {
          CloudWatch = {
            CloudWatchLogGroupArn = var.conversation_log_group_arn
            LogPrefix             = "${alias}/"
          }
        }
      }]
    }
  }
  logs_on = var.conversation_log_group_arn != null

  template = {
    AWSTemplateFormatVersion = "2010-09-09"
    Description              = "${var.name}: the Lex V2 bot, its published version and its live alias (from Terraform: terraform/modules/lex_bot)"
    Resources = {
      Bot = {
        Type = "AWS::Lex::Bot"
        Properties = merge(local.bot_definition, {
          # Set once and never toggled: the DRAFT locale is rebuilt on every change, so the test
          # chat works as soon as the stack is complete.
          AutoBuildBotLocales = true
          BotTags             = local.tags
          TestBotAliasTags    = local.tags
          TestBotAliasSettings = merge(
            { Description = "Test alias (TSTALIASID) on the draft version", BotAliasLocaleSettings = local.alias_locale_settings },
            local.logs_on ? { ConversationLogSettings = local.conversation_logs.test } : {},
          )
        })
      }
      (local.version_logical_id) = {
        Type = "AWS::Lex::BotVersion"
        # Kept when replaced: if Lex finds the DRAFT unchanged it returns the last version instead of a
        # new one, and deleting the replaced resource would delete the version live is on. Versions
        # go with the bot when the stack is deleted.
        DeletionPolicy      = "Retain"
        UpdateReplacePolicy = "Retain"
        Properties = {
          BotId       = { Ref = "Bot" }
          Description = "Bot definition ${local.definition_hash}"
          BotVersionLocaleSpecification = [{
            LocaleId                = local.locale_id
            BotVersionLocaleDetails = { SourceBotVersion = "DRAFT" }
          }]
        }
      }
      LiveAlias = {
        Type = "AWS::Lex::BotAlias"
        Properties = merge(
          {
            BotAliasName           = "live"
            Description            = "Live alias: the latest published version"
            BotId                  = { Ref = "Bot" }
            BotVersion             = { "Fn::GetAtt" = [local.version_logical_id, "BotVersion"] }
            BotAliasLocaleSettings = local.alias_locale_settings
            BotAliasTags           = local.tags
          },
          local.logs_on ? { ConversationLogSettings = local.conversation_logs.live } : {},
        )
      }
    }
    Outputs = {
      BotId       = { Value = { Ref = "Bot" } }
      BotArn      = { Value = { "Fn::GetAtt" = ["Bot", "Arn"] } }
      BotVersion  = { Value = { "Fn::GetAtt" = [local.version_logical_id, "BotVersion"] } }
      LiveAliasId = { Value = { "Fn::GetAtt" = ["LiveAlias", "BotAliasId"] } }
    }
  }
}
