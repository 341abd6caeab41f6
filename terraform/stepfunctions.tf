# The agent loop: an Express state machine rendered from statemachine/agent.asl.json. Express
# executions keep no history in the service, so logging at level ALL with execution data is what
# lets the console show each turn's graph with per-state input and output.

resource "aws_cloudwatch_log_group" "state_machine" {
  #checkov:skip=CKV_AWS_338:Retention is var.log_retention_days; the 30-day default keeps customer questions no longer than needed. Set 365 or more where policy asks for it.
  name              = "/aws/vendedlogs/states/${local.state_machine_name}"
  retention_in_days = var.log_retention_days
  kms_key_id        = local.kms_key_arn
}

resource "aws_iam_role" "state_machine" {
  name               = "${local.state_machine_name}-states"
  description        = "Runs the ${local.state_machine_name} state machine: invokes the agent's Lambda functions"
  assume_role_policy = data.aws_iam_policy_document.assume["states"].json
}

data "aws_iam_policy_document" "state_machine" {
  statement {
    sid     = "InvokeTheAgentFunctions"
    actions = ["lambda:InvokeFunction"]
    resources = flatten([
      for name in module.definition.state_machine_functions : [local.function_arns[name], "${local.function_arns[name]}:*"]
    ])
  }

  statement {
    sid = "DeliverExecutionLogs"
    actions = [
      "logs:CreateLogDelivery",
      "logs:DeleteLogDelivery",
      "logs:DescribeLogGroups",
      "logs:DescribeResourcePolicies",
      "logs:GetLogDelivery",
      "logs:ListLogDeliveries",
      "logs:PutResourcePolicy",
      "logs:UpdateLogDelivery",
    ]
    resources = ["*"] # CloudWatch Logs vended log delivery does not support resource-level permissions
  }

  statement {
    sid = "SendTraces"
    actions = [
      "xray:GetSamplingRules",
      "xray:GetSamplingTargets",
      "xray:PutTelemetryRecords",
      "xray:PutTraceSegments",
    ]
    resources = ["*"] # X-Ray has no resource-level permissions
  }

  dynamic "statement" {
    for_each = local.use_kms_key ? [local.kms_key_arn] : []

    content {
      sid       = "EncryptExecutionData"
      actions   = ["kms:Decrypt", "kms:GenerateDataKey"]
      resources = [statement.value]
    }
  }
}

resource "aws_iam_role_policy" "state_machine" {
  name   = "state-machine"
  role   = aws_iam_role.state_machine.id
  policy = data.aws_iam_policy_document.state_machine.json
}

resource "aws_sfn_state_machine" "agent" {
  name       = local.state_machine_name
  type       = "EXPRESS"
  role_arn   = aws_iam_role.state_machine.arn
  definition = module.definition.state_machine_definition

  logging_configuration {
    log_destination        = "${aws_cloudwatch_log_group.state_machine.arn}:*"
    include_execution_data = var.log_execution_data
    level                  = "ALL"
  }

  tracing_configuration {
    enabled = true
  }

  encryption_configuration {
    type                              = local.use_kms_key ? "CUSTOMER_MANAGED_KMS_KEY" : "AWS_OWNED_KEY"
    kms_key_id                        = local.kms_key_arn
    kms_data_key_reuse_period_seconds = local.use_kms_key ? 300 : null
  }

  depends_on = [aws_iam_role_policy.state_machine, aws_lambda_function.function]
}
