# Names, account facts and what the repository defines (modules/definition). One file per part:
# dynamodb.tf, sagemaker.tf, lambda.tf, stepfunctions.tf, lex.tf.

data "aws_caller_identity" "current" {}

data "aws_partition" "current" {}

locals {
  account   = data.aws_caller_identity.current.account_id
  partition = data.aws_partition.current.partition
  tags      = merge({ Project = var.name_prefix }, var.tags)

  # Lambda and state machine ARNs are built from their names, so the functions, the state machine
  # and the policies that name them can be created in any order without a dependency cycle.
  function_names = { for name in module.definition.function_names : name => "${var.name_prefix}-${replace(name, "_", "-")}" }
  function_arns  = { for name, function_name in local.function_names : name => "arn:${local.partition}:lambda:${var.region}:${local.account}:function:${function_name}" }

  state_machine_name = "${var.name_prefix}-turn"
  state_machine_arn  = "arn:${local.partition}:states:${var.region}:${local.account}:stateMachine:${local.state_machine_name}"
}

# Who may assume each role: one service per role. Services that set aws:SourceAccount when they
# assume a role get it checked (confused-deputy protection); Lambda assumes its roles itself.
data "aws_iam_policy_document" "assume" {
  for_each = {
    lambda    = { service = "lambda.amazonaws.com", source_account = false }
    sagemaker = { service = "sagemaker.amazonaws.com", source_account = true }
    states    = { service = "states.amazonaws.com", source_account = true }
    lexv2     = { service = "lexv2.amazonaws.com", source_account = true }
  }

  statement {
    actions = ["sts:AssumeRole"]

    principals {
      type        = "Service"
      identifiers = [each.value.service]
    }

    dynamic "condition" {
      for_each = each.value.source_account ? [local.account] : []

      content {
        test     = "StringEquals"
        variable = "aws:SourceAccount"
        values   = [condition.value]
      }
    }
  }
}

module "definition" {
  source = "./modules/definition"

  function_arns = local.function_arns
  settings = {
    max_iterations             = var.max_iterations
    turn_budget_seconds        = var.turn_budget_seconds
    llm_task_timeout_seconds   = var.llm_task_timeout_seconds
    parse_task_timeout_seconds = var.parse_task_timeout_seconds
    tool_task_timeout_seconds  = var.tool_task_timeout_seconds
  }
}
