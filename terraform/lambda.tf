# Every function in functions/: the core ones (fulfilment, llm, parse) and one per tool in the
# registry. Each gets its own package (its handler, agent_core/, and prompts/ for llm), its own
# role with only what it needs, and its own log group.

locals {
  tool_tables = { for tool in module.definition.tools : tool.function => tool.table }

  function_settings = {
    fulfilment = { timeout = var.turn_budget_seconds + 3, description = "Lex V2 code hook: runs one turn of the agent state machine" }
    llm        = { timeout = var.llm_task_timeout_seconds, description = "Renders a prompt and calls the model" }
    parse      = { timeout = var.parse_task_timeout_seconds, description = "Validates the planner's tool choice and the ids" }
  }

  common_environment = {
    POWERTOOLS_METRICS_NAMESPACE = var.metrics_namespace
    POWERTOOLS_LOG_LEVEL         = var.log_level
    # pydantic looks for plugins in every installed distribution's entry points at import: ~35 ms
    # of cold start for nothing here (scripts/bench.py).
    PYDANTIC_DISABLE_PLUGINS = "__all__"
  }
  # What each handler reads (tests/test_terraform.py checks these keys against the code).
  core_environment = {
    fulfilment = {
      STATE_MACHINE_ARN   = local.state_machine_arn
      TURN_BUDGET_SECONDS = tostring(var.turn_budget_seconds)
      MEMORY_TABLE_NAME   = var.conversation_memory == "dynamodb" ? "${var.name_prefix}-memory" : "none"
      MEMORY_TTL_SECONDS  = tostring(var.memory_ttl_hours * 3600)
    }
    llm = {
      LLM_BACKEND         = var.model_backend
      LLM_ENDPOINT_NAME   = coalesce(local.endpoint_name, "none")
      LLM_PAYLOAD_FORMAT  = var.llm_payload_format
      BEDROCK_MODEL_ID    = local.use_bedrock ? var.bedrock_model_id : "none"
      LLM_TIMEOUT_SECONDS = tostring(var.model_timeout_seconds)
    }
    parse = {
      TOOL_FUNCTIONS = jsonencode({ for name in module.definition.tool_functions : name => local.function_arns[name] })
    }
  }
  tool_environment = { for name, table in local.tool_tables : name => { TABLE_NAME = aws_dynamodb_table.table[table].name } }
}

# The AWS-published Powertools layer brings aws-lambda-powertools and pydantic for python3.13/arm64;
# botocore is in the runtime. So the function packages hold only this repository's code (~35 KB each).
data "aws_ssm_parameter" "powertools_layer" {
  name = "/aws/service/powertools/python/arm64/python3.13/${var.powertools_version}"
}

data "archive_file" "function" {
  for_each = module.definition.packages

  type        = "zip"
  output_path = "${path.module}/.build/${each.key}.zip"

  dynamic "source" {
    for_each = each.value

    content {
      filename = source.key
      content  = file(source.value)
    }
  }
}

resource "aws_cloudwatch_log_group" "function" {
  #checkov:skip=CKV_AWS_338:Retention is var.log_retention_days; the 30-day default keeps customer questions no longer than needed. Set 365 or more where policy asks for it.
  for_each = local.function_names

  name              = "/aws/lambda/${each.value}"
  retention_in_days = var.log_retention_days
  kms_key_id        = var.kms_key_arn
}

resource "aws_iam_role" "function" {
  for_each = local.function_names

  name               = "${each.value}-lambda"
  description        = "Runs the ${each.value} Lambda function"
  assume_role_policy = data.aws_iam_policy_document.assume["lambda"].json
}

data "aws_iam_policy_document" "function" {
  for_each = local.function_names

  statement {
    sid       = "WriteOwnLogs"
    actions   = ["logs:CreateLogStream", "logs:PutLogEvents"]
    resources = ["${aws_cloudwatch_log_group.function[each.key].arn}:*"]
  }

  statement {
    sid       = "SendTraces"
    actions   = ["xray:PutTraceSegments", "xray:PutTelemetryRecords"]
    resources = ["*"] # X-Ray has no resource-level permissions
  }

  dynamic "statement" {
    for_each = contains(keys(local.tool_tables), each.key) ? [local.tool_tables[each.key]] : []

    content {
      sid       = "ReadOneRecord"
      actions   = ["dynamodb:GetItem"]
      resources = [aws_dynamodb_table.table[statement.value].arn]
    }
  }

  dynamic "statement" {
    for_each = each.key == "llm" && local.use_sagemaker ? [local.endpoint_arn] : []

    content {
      sid       = "InvokeTheModel"
      actions   = ["sagemaker:InvokeEndpoint"]
      resources = [statement.value]
    }
  }

  dynamic "statement" {
    for_each = each.key == "llm" && local.use_bedrock ? [local.bedrock_model_arns] : []

    content {
      sid       = "InvokeTheBedrockModel"
      actions   = ["bedrock:InvokeModel"] # what the Converse API needs
      resources = statement.value
    }
  }

  dynamic "statement" {
    for_each = each.key == "fulfilment" ? [local.state_machine_arn] : []

    content {
      sid       = "RunOneTurn"
      actions   = ["states:StartSyncExecution"]
      resources = [statement.value]
    }
  }

  dynamic "statement" {
    for_each = each.key == "fulfilment" ? aws_dynamodb_table.memory[*].arn : []

    content {
      sid       = "RememberTheConversation"
      actions   = ["dynamodb:GetItem", "dynamodb:PutItem"]
      resources = [statement.value]
    }
  }

  dynamic "statement" {
    for_each = var.kms_key_arn == null ? [] : [var.kms_key_arn]

    content {
      sid       = "DecryptEnvironment"
      actions   = ["kms:Decrypt"]
      resources = [statement.value]
    }
  }

  dynamic "statement" {
    # Step Functions encrypts the execution's input and output with the key on behalf of the caller.
    for_each = var.kms_key_arn != null && each.key == "fulfilment" ? [var.kms_key_arn] : []

    content {
      sid       = "EncryptExecutionData"
      actions   = ["kms:GenerateDataKey"]
      resources = [statement.value]
    }
  }
}

resource "aws_iam_role_policy" "function" {
  for_each = local.function_names

  name   = "function"
  role   = aws_iam_role.function[each.key].id
  policy = data.aws_iam_policy_document.function[each.key].json
}

resource "aws_lambda_function" "function" {
  #checkov:skip=CKV_AWS_116:Invoked synchronously only (Lex code hook, Step Functions tasks); a dead-letter queue applies to asynchronous invocations.
  #checkov:skip=CKV_AWS_117:The functions call only AWS APIs (DynamoDB, SageMaker runtime, Step Functions) over TLS with IAM; a VPC would add NAT or endpoint costs without narrowing that access.
  #checkov:skip=CKV_AWS_115:Reserved concurrency would take capacity from the account pool and cap the bot; the endpoint and Lex quotas bound the turn rate. Set it for your traffic if needed.
  #checkov:skip=CKV_AWS_272:The packages are built by Terraform from this repository; code signing needs an AWS Signer profile, which a copy of this repo cannot assume exists.
  for_each = local.function_names

  function_name    = each.value
  description      = lookup(local.function_settings, each.key, { description = "Tool: ${each.key}" }).description
  role             = aws_iam_role.function[each.key].arn
  runtime          = "python3.13"
  architectures    = ["arm64"]
  handler          = "${each.key}.handler.lambda_handler"
  filename         = data.archive_file.function[each.key].output_path
  source_code_hash = data.archive_file.function[each.key].output_base64sha256
  memory_size      = var.lambda_memory_mb
  timeout          = lookup(local.function_settings, each.key, { timeout = var.tool_task_timeout_seconds }).timeout
  layers           = [data.aws_ssm_parameter.powertools_layer.insecure_value]
  kms_key_arn      = var.kms_key_arn

  environment {
    variables = merge(local.common_environment, lookup(local.core_environment, each.key, lookup(local.tool_environment, each.key, {})))
  }

  tracing_config {
    mode = "Active"
  }

  logging_config {
    log_format = "Text" # Powertools already writes one JSON object per line
    log_group  = aws_cloudwatch_log_group.function[each.key].name
  }

  depends_on = [aws_iam_role_policy.function]
}
