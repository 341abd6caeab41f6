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
  description = "Prefix of every resource name (scripts/check_cleanup.py looks for it after a destroy)."
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
  value       = awscc_lex_bot.agent.bot_id
}

output "bot_alias_id" {
  description = "Alias the test chat uses (the draft version's test alias)."
  value       = "TSTALIASID"
}

output "bot_locale_id" {
  description = "Locale of the bot."
  value       = "en_US"
}

output "state_machine_console_url" {
  description = "The state machine in the Step Functions console: open Executions, then a turn, for its graph and per-state input and output."
  value       = "https://${var.region}.console.aws.amazon.com/states/home?region=${var.region}#/statemachines/view/${urlencode(aws_sfn_state_machine.agent.arn)}"
}

output "bot_console_url" {
  description = "The bot's intents page in the Lex V2 console: choose Test for the chat window."
  value       = "https://${var.region}.console.aws.amazon.com/lexv2/home?region=${var.region}#bot/${awscc_lex_bot.agent.bot_id}/version/DRAFT/locale/en_US/intents"
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
  value       = data.aws_ssm_parameter.powertools_layer.insecure_value
}

output "fulfilment_function_arn" {
  description = "The fulfilment Lambda: Lex's code hook, and the Lambda hook to give QnABot's CustomNoMatches item."
  value       = aws_lambda_function.function["fulfilment"].arn
}
