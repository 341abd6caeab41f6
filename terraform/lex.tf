# The Lex V2 bot: every utterance it cannot match (FallbackIntent), and the order and return
# questions it can (CheckOrderOrReturn), go to the fulfilment Lambda. The test alias (TSTALIASID)
# points at that Lambda, and the locale builds on apply, so the console's test chat works at once.

resource "aws_iam_role" "lex" {
  name               = "${var.name_prefix}-lex"
  description        = "Runs the ${var.name_prefix} Lex V2 bot"
  assume_role_policy = data.aws_iam_policy_document.assume["lexv2"].json
}

data "aws_iam_policy_document" "lex" {
  #checkov:skip=CKV_AWS_356:polly:SynthesizeSpeech without lexicons is authorised only by "*" (AWS's AmazonLexV2BotPolicy grants the same); it voices answers in the console's test window.
  statement {
    sid       = "SpeakAnswersInTheTestWindow"
    actions   = ["polly:SynthesizeSpeech"]
    resources = ["*"] # Polly voices have no resource ARNs
  }
}

resource "aws_iam_role_policy" "lex" {
  name   = "bot"
  role   = aws_iam_role.lex.id
  policy = data.aws_iam_policy_document.lex.json
}

locals {
  fulfilment_hook = { enabled = true }
  # Every intent object has the same keys: the provider needs one object type for the whole set
  # (hashicorp/terraform-provider-awscc#547).
  bot_locales = [{
    locale_id                = "en_US"
    description              = "English (US)"
    nlu_confidence_threshold = 0.4
    intents = [
      {
        name                    = "CheckOrderOrReturn"
        description             = "Questions about an order or a return; the agent answers them"
        parent_intent_signature = null
        sample_utterances = [for utterance in [
          "Where is my order", "Has my order shipped", "What is the status of my order",
          "Is my return processed", "What is the status of my return", "Where is my refund",
        ] : { utterance = utterance }]
        fulfillment_code_hook = local.fulfilment_hook
      },
      {
        name                    = "FallbackIntent"
        description             = "Everything else; the agent decides"
        parent_intent_signature = "AMAZON.FallbackIntent"
        sample_utterances       = null
        fulfillment_code_hook   = local.fulfilment_hook
      },
    ]
  }]
}

# bot_locales is write-only in the AWS::Lex::Bot schema: Cloud Control cannot read it back, and the
# provider reports spurious differences or "inconsistent result after apply" for it
# (hashicorp/terraform-provider-awscc#1449, #2091). So changes to it are ignored, and a change to
# local.bot_locales replaces the bot instead, through this hash.
resource "terraform_data" "bot_locales" {
  input = sha256(jsonencode(local.bot_locales))
}

resource "awscc_lex_bot" "agent" {
  name                        = "${var.name_prefix}-bot"
  description                 = "E-commerce support agent: orders and returns"
  role_arn                    = aws_iam_role.lex.arn
  idle_session_ttl_in_seconds = var.lex_idle_session_ttl_seconds
  data_privacy                = { child_directed = false }
  # Set at creation and never toggled: toggling it drops the locale (hashicorp/terraform-provider-awscc#619).
  auto_build_bot_locales = true
  bot_locales            = local.bot_locales

  test_bot_alias_settings = {
    description = "Test alias (TSTALIASID) wired to the fulfilment Lambda"
    bot_alias_locale_settings = [{
      locale_id = "en_US"
      bot_alias_locale_setting = {
        enabled = true
        code_hook_specification = {
          lambda_code_hook = {
            code_hook_interface_version = "1.0"
            lambda_arn                  = aws_lambda_function.function["fulfilment"].arn
          }
        }
      }
    }]
  }

  bot_tags            = [for key, value in local.tags : { key = key, value = value }]
  test_bot_alias_tags = [for key, value in local.tags : { key = key, value = value }]

  depends_on = [aws_iam_role_policy.lex]

  lifecycle {
    ignore_changes       = [bot_locales]
    replace_triggered_by = [terraform_data.bot_locales]
  }
}

resource "aws_lambda_permission" "lex" {
  statement_id   = "AllowLexV2BotAliases"
  action         = "lambda:InvokeFunction"
  function_name  = aws_lambda_function.function["fulfilment"].function_name
  principal      = "lexv2.amazonaws.com"
  source_account = local.account
  # Any alias of this bot, the test alias TSTALIASID included.
  source_arn = "arn:${local.partition}:lex:${var.region}:${local.account}:bot-alias/${awscc_lex_bot.agent.bot_id}/*"
}

# QnABot on AWS (optional): its fulfilment role may call the same Lambda as a Lambda hook, for the
# CustomNoMatches item, so questions QnABot cannot answer reach the agent.
resource "aws_lambda_permission" "qnabot" {
  count = var.qnabot_fulfillment_role_arn == null ? 0 : 1

  statement_id  = "AllowQnABotLambdaHook"
  action        = "lambda:InvokeFunction"
  function_name = aws_lambda_function.function["fulfilment"].function_name
  principal     = var.qnabot_fulfillment_role_arn
}
