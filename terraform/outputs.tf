output "endpoint_name" {
  description = "SageMaker endpoint the LLM Lambda calls (null with the Bedrock backend)."
  value       = local.endpoint_name
}

output "model" {
  description = "What the LLM Lambda calls: the endpoint or the Bedrock model."
  value       = local.use_bedrock ? "bedrock:${var.bedrock_model_id}" : "sagemaker:${local.endpoint_name}"
}

output "region" {
  description = "Region everything is deployed in."
  value       = var.region
}

output "name_prefix" {
  description = "Prefix of every resource name (make destroy's cleanup check looks for it)."
  value       = var.name_prefix
}

output "state_machine_log_group" {
  description = "CloudWatch log group of the state machine's executions (each state's input and output)."
  value       = aws_cloudwatch_log_group.state_machine.name
}

output "state_machine_arn" {
  description = "ARN of the Express state machine that runs one turn."
  value       = aws_sfn_state_machine.agent.arn
}

output "bot_id" {
  description = "Lex V2 bot id."
  value       = local.bot_id
}

output "bot_test_alias_id" {
  description = "The test alias (on the DRAFT version, rebuilt on every change): the console's test chat uses it."
  value       = module.lex_bot.test_alias_id
}

output "bot_live_alias_id" {
  description = "The alias live, on the latest published version: give it to your channel (a web chat, Amazon Connect)."
  value       = local.bot_live_alias_id
}

output "bot_locale_id" {
  description = "Locale of the bot."
  value       = module.lex_bot.locale_id
}

output "bot_stack_name" {
  description = "CloudFormation stack that holds the bot, its version and its live alias."
  value       = aws_cloudformation_stack.lex_bot.name
}

output "lex_conversation_log_group" {
  description = "Log group of the bot's conversation text logs (null unless lex_conversation_logs = true)."
  value       = one(aws_cloudwatch_log_group.lex_conversations[*].name)
}

output "state_machine_console_url" {
  description = "The state machine in the Step Functions console: open Executions, then a turn, for its graph and per-state input and output."
  value       = "${local.console_url}/states/home?region=${var.region}#/statemachines/view/${urlencode(aws_sfn_state_machine.agent.arn)}"
}

output "bot_console_url" {
  description = "The bot's draft intents page in the Lex V2 console: choose Test for the chat window (test alias)."
  value       = "${local.bot_console_url}/version/DRAFT/locale/${module.lex_bot.locale_id}/intents"
}

output "bot_live_alias_console_url" {
  description = "The live alias in the Lex V2 console: its version, code hook and conversation logs."
  value       = "${local.bot_console_url}/aliases/${local.bot_live_alias_id}"
}

output "function_names" {
  description = "Lambda function names by their folder in functions/."
  value       = local.function_names
}

output "table_names" {
  description = "DynamoDB table names by table."
  value       = { for table, resource in aws_dynamodb_table.table : table => resource.name }
}

output "powertools_layer_arn" {
  description = "The Powertools for AWS Lambda (Python) layer the functions use."
  value       = local.powertools_layer_arn
}

output "fulfilment_function_arn" {
  description = "The fulfilment Lambda: Lex's code hook, and the Lambda hook to give QnABot's CustomNoMatches item."
  value       = aws_lambda_function.function["fulfilment"].arn
}

output "llm_payload_format" {
  description = "Request/response format the LLM Lambda speaks to the endpoint (yours, else the resolved model's)."
  value       = local.llm_payload_format
}

output "endpoint_instance_type" {
  description = "Instance type of the endpoint this module created (null without one)."
  value       = local.create_endpoint ? local.endpoint_instance_type : null
}

output "dashboard_url" {
  description = "The CloudWatch dashboard of how turns go: latency against the budget, outcomes, model calls, tokens, cost, the model, the state machine, the functions, the alarms (docs/operate.md)."
  value       = "${local.console_url}/cloudwatch/home?region=${var.region}#dashboards:name=${aws_cloudwatch_dashboard.turns.dashboard_name}"
}

output "alarm_names" {
  description = "The CloudWatch alarms (docs/operate.md says what each means and what to do)."
  value       = sort(keys(aws_cloudwatch_metric_alarm.alarm))
}

output "alarm_topic_arn" {
  description = "The SNS topic the alarms notify (null unless alarm_email is set); subscribe more endpoints to it."
  value       = one(aws_sns_topic.alarms[*].arn)
}

output "saved_queries" {
  description = "The saved CloudWatch Logs Insights queries (Logs Insights, Saved queries): slowest turns, errors by state, handoffs, one session's turns."
  value       = sort(keys(aws_cloudwatch_query_definition.query))
}
