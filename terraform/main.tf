# Names, account facts and what the repository defines (modules/definition). One file per part:
# settings.tf, kms.tf, dynamodb.tf, sagemaker.tf, lambda.tf, stepfunctions.tf, lex.tf.

data "aws_caller_identity" "current" {}

data "aws_partition" "current" {}

locals {
  account   = data.aws_caller_identity.current.account_id
  partition = data.aws_partition.current.partition
  tags      = merge({ Project = var.name_prefix }, var.tags)

  # Names and ARNs of the functions and the state machine, from the definition module.
  function_names     = module.definition.function_names
  function_arns      = module.definition.function_arns
  state_machine_name = module.definition.state_machine_name
  state_machine_arn  = module.definition.state_machine_arn
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

  name_prefix = var.name_prefix
  partition   = local.partition
  region      = var.region
  account_id  = local.account
  settings = {
    max_iterations      = var.max_iterations
    turn_budget_seconds = var.turn_budget_seconds
  }
  model = {
    backend          = var.model_backend
    endpoint_name    = local.endpoint_name
    instance_type    = local.create_endpoint ? local.endpoint_instance_type : null
    payload_format   = local.llm_payload_format
    bedrock_model_id = local.use_bedrock ? var.bedrock_model_id : null
  }
  knowledge = {
    knowledge_base_id = var.knowledge_base_id
  }
  memory = {
    table_name    = var.conversation_memory == "dynamodb" ? "${var.name_prefix}-memory" : null
    ttl_seconds   = var.memory_ttl_hours * 3600
    key_parameter = one(aws_ssm_parameter.memory_key[*].name)
  }
  metrics_namespace = var.metrics_namespace
  log_level         = var.log_level
}
