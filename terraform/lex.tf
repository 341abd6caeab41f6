# The Lex V2 bot: every utterance it cannot match (FallbackIntent), and the order and return
# questions it can (CheckOrderOrReturn), go to the fulfilment Lambda. The test alias (TSTALIASID)
# and the live alias point at that Lambda, and the locale builds on apply, so the console's test
# chat works at once.

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

  dynamic "statement" {
    for_each = aws_cloudwatch_log_group.lex_conversations[*].arn

    content {
      sid       = "WriteConversationLogs"
      actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
      resources = ["${statement.value}:*"]
    }
  }
}

resource "aws_iam_role_policy" "lex" {
  name   = "bot"
  role   = aws_iam_role.lex.id
  policy = data.aws_iam_policy_document.lex.json
}

# Conversation text logs (optional, off by default): every utterance and answer, with session
# attributes. They hold user text, so they follow log_retention_days and the KMS key.
resource "aws_cloudwatch_log_group" "lex_conversations" {
  #checkov:skip=CKV_AWS_338:Retention is var.log_retention_days, as for the other logs; these hold user text.
  count = var.lex_conversation_logs ? 1 : 0

  name              = "/aws/lex/${var.name_prefix}-bot"
  retention_in_days = var.log_retention_days
  kms_key_id        = local.kms_key_arn
}

# The bot, its published version and the alias "live", as a CloudFormation stack: the awscc
# provider cannot create a bot with locales cleanly (BotLocales is write-only, so the first apply
# ends in "Provider produced inconsistent result": hashicorp/terraform-provider-awscc#1449, #2091),
# and the aws provider's aws_lexv2models_* resources have no alias, no build and no code hook on the
# built-in FallbackIntent (hashicorp/terraform-provider-aws#35780, #41067). The template is built in
# modules/lex_bot with jsonencode(); the bot's role stays here, so the stack needs no IAM capability.
module "lex_bot" {
  source = "./modules/lex_bot"

  name                       = "${var.name_prefix}-bot"
  role_arn                   = aws_iam_role.lex.arn
  fulfilment_lambda_arn      = aws_lambda_function.function["fulfilment"].arn
  idle_session_ttl_seconds   = var.lex_idle_session_ttl_seconds
  conversation_log_group_arn = var.lex_conversation_logs ? aws_cloudwatch_log_group.lex_conversations[0].arn : null
  tags                       = local.tags
}

resource "aws_cloudformation_stack" "lex_bot" {
  #checkov:skip=CKV_AWS_124:Only Terraform creates and updates this stack, and its apply shows the stack's events and fails on a failed update; there is no one else to notify.
  name               = "${var.name_prefix}-lex-bot"
  template_body      = module.lex_bot.template
  on_failure         = "DELETE" # a failed first create leaves no ROLLBACK_COMPLETE stack to delete by hand
  timeout_in_minutes = 45       # building the locale and publishing a version take minutes

  depends_on = [aws_iam_role_policy.lex]

  timeouts {
    create = "60m"
    update = "60m"
  }

  lifecycle {
    precondition {
      condition     = length(module.lex_bot.template) <= 51200
      error_message = "The bot's template is over CloudFormation's 51,200-byte limit for a template body."
    }
  }
}

locals {
  bot_id            = aws_cloudformation_stack.lex_bot.outputs["BotId"]
  bot_live_alias_id = aws_cloudformation_stack.lex_bot.outputs["LiveAliasId"]
  bot_console_url   = "${local.console_url}/lexv2/home?region=${var.region}#bot/${local.bot_id}"
}

resource "aws_lambda_permission" "lex" {
  statement_id   = "AllowLexV2BotAliases"
  action         = "lambda:InvokeFunction"
  function_name  = aws_lambda_function.function["fulfilment"].function_name
  principal      = "lexv2.amazonaws.com"
  source_account = local.account
  # Any alias of this bot: the test alias TSTALIASID and live.
  source_arn = "arn:${local.partition}:lex:${var.region}:${local.account}:bot-alias/${local.bot_id}/*"
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
