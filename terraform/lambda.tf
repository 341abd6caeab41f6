# Every function in functions/: the core ones (fulfilment, llm, parse) and one per tool in the
# registry. Each gets its own package (its handler and the agent_core files it imports, from
# functions/packages.json; prompts/ for llm), its own role with only what it needs, and its own
# log group. What goes in each package, its environment
# and its timeout come from modules/definition (the local runtime runs the same).

locals {
  tool_tables        = { for tool in module.definition.tools : tool.function => tool.table if lookup(tool, "kind", "record") == "record" }
  search_functions   = [for tool in module.definition.tools : tool.function if lookup(tool, "kind", "record") == "search"]
  knowledge_base_arn = var.knowledge_base_id == null ? null : "arn:${local.partition}:bedrock:${var.region}:${local.account}:knowledge-base/${var.knowledge_base_id}"
  descriptions = {
    fulfilment = "Lex V2 code hook: runs one turn of the agent state machine"
    llm        = "Renders a prompt and calls the model"
    parse      = "Validates the planner's tool choice and the ids"
  }
}

# The AWS-published Powertools layer brings aws-lambda-powertools and pydantic for python3.13/arm64;
# botocore is in the runtime. So the function packages hold only this repository's code. Its public
# SSM parameter exists in the commercial partition only: elsewhere, give powertools_layer_arn.
data "aws_ssm_parameter" "powertools_layer" {
  count = var.powertools_layer_arn == null ? 1 : 0

  name = "/aws/service/powertools/python/arm64/python3.13/${var.powertools_version}"

  lifecycle {
    precondition {
      condition     = local.partition == "aws"
      error_message = "The Powertools layer's public SSM parameter exists only in the commercial partition: set powertools_layer_arn to a Powertools for AWS Lambda (Python) layer for python3.13 on arm64 in ${var.region}."
    }
  }
}

locals {
  powertools_layer_arn = var.powertools_layer_arn != null ? var.powertools_layer_arn : data.aws_ssm_parameter.powertools_layer[0].insecure_value
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
  kms_key_id        = local.kms_key_arn
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
    for_each = contains(local.search_functions, each.key) && local.knowledge_base_arn != null ? [local.knowledge_base_arn] : []

    content {
      sid       = "SearchTheKnowledgeBase"
      actions   = ["bedrock:Retrieve"]
      resources = [statement.value]
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
    for_each = each.key == "fulfilment" ? aws_ssm_parameter.memory_key[*].arn : []

    content {
      sid       = "ReadTheMemoryKey"
      actions   = ["ssm:GetParameter"]
      resources = [statement.value]
    }
  }

  dynamic "statement" {
    # The memory key's SecureString, decrypted by SSM with the deployment's key (aws/ssm needs no grant).
    for_each = local.use_kms_key && each.key == "fulfilment" && var.conversation_memory == "session_attributes" ? [local.kms_key_arn] : []

    content {
      sid       = "DecryptTheMemoryKey"
      actions   = ["kms:Decrypt"]
      resources = [statement.value]

      condition {
        test     = "StringEquals"
        variable = "kms:ViaService"
        values   = ["ssm.${var.region}.amazonaws.com"]
      }
    }
  }

  dynamic "statement" {
    for_each = local.use_kms_key ? [local.kms_key_arn] : []

    content {
      sid       = "DecryptEnvironment"
      actions   = ["kms:Decrypt"]
      resources = [statement.value]

      # Only this function's own environment: Lambda decrypts it with the function's ARN as context.
      condition {
        test     = "ArnLike"
        variable = "kms:EncryptionContext:aws:lambda:FunctionArn"
        values   = [local.function_arns[each.key], "${local.function_arns[each.key]}:*"]
      }
    }
  }

  dynamic "statement" {
    # Step Functions encrypts the execution's input and output with the key on behalf of the caller.
    for_each = local.use_kms_key && each.key == "fulfilment" ? [local.kms_key_arn] : []

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
  description      = lookup(local.descriptions, each.key, "Tool: ${each.key}")
  role             = aws_iam_role.function[each.key].arn
  runtime          = "python3.13"
  architectures    = ["arm64"]
  handler          = "${each.key}.handler.lambda_handler"
  filename         = data.archive_file.function[each.key].output_path
  source_code_hash = data.archive_file.function[each.key].output_base64sha256
  memory_size      = var.lambda_memory_mb
  timeout          = module.definition.function_timeouts[each.key]
  layers           = [local.powertools_layer_arn]
  kms_key_arn      = local.kms_key_arn

  environment {
    variables = module.definition.environment[each.key]
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
