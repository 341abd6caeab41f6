# Encryption at rest with a customer managed key (optional). create_kms_key = true makes one key
# for this deployment, with a key policy that lets the account administer it (through IAM) and lets
# exactly the services that use it do so: CloudWatch Logs for this deployment's log groups, log
# delivery for the state machine's execution data, and Step Functions, DynamoDB, Lambda, SageMaker
# and Lex through their service endpoints in this account and region. Or bring your own key
# (kms_key_arn): its policy needs the same statements (docs/deploy.md prints them).

locals {
  use_kms_key = var.create_kms_key || var.kms_key_arn != null
  kms_key_arn = var.create_kms_key ? aws_kms_key.deployment[0].arn : var.kms_key_arn

  log_group_arn_patterns = [
    for name in [
      "/aws/lambda/${var.name_prefix}-*",
      "/aws/vendedlogs/states/${var.name_prefix}-*",
      "/aws/sagemaker/Endpoints/${var.name_prefix}-*",
      "/aws/lex/${var.name_prefix}-*",
    ] : "arn:${local.partition}:logs:${var.region}:${local.account}:log-group:${name}"
  ]

  # The key policy, as data: kms.tf builds it with aws_iam_policy_document, and the docs print it.
  kms_key_policy_statements = [
    {
      sid        = "AccountAdministersTheKeyThroughIam"
      principals = [{ type = "AWS", identifiers = ["arn:${local.partition}:iam::${local.account}:root"] }]
      actions    = ["kms:*"]
      conditions = []
    },
    {
      sid        = "CloudWatchLogsEncryptsThisDeploymentsLogGroups"
      principals = [{ type = "Service", identifiers = ["logs.${var.region}.amazonaws.com"] }]
      actions    = ["kms:Encrypt", "kms:Decrypt", "kms:ReEncryptFrom", "kms:ReEncryptTo", "kms:GenerateDataKey", "kms:GenerateDataKeyWithoutPlaintext", "kms:DescribeKey"]
      conditions = [{ test = "ArnLike", variable = "kms:EncryptionContext:aws:logs:arn", values = local.log_group_arn_patterns }]
    },
    {
      # Step Functions delivers execution logs with their data through CloudWatch Logs' delivery service.
      sid        = "LogDeliveryReadsExecutionData"
      principals = [{ type = "Service", identifiers = ["delivery.logs.amazonaws.com"] }]
      actions    = ["kms:Decrypt"]
      conditions = [] # as the Step Functions docs give it: log delivery sets no source condition to test
    },
    {
      # CloudWatch alarms publish to the encrypted alarm topic (alarm_email, monitoring.tf): SNS uses the
      # key on the publisher's behalf. As the CloudWatch and SNS docs give it: no source condition.
      sid        = "CloudWatchAlarmsPublishToTheAlarmTopic"
      principals = [{ type = "Service", identifiers = ["cloudwatch.amazonaws.com"] }]
      actions    = ["kms:Decrypt", "kms:GenerateDataKey"]
      conditions = []
    },
    {
      sid        = "DynamoDBDescribesTheKey"
      principals = [{ type = "Service", identifiers = ["dynamodb.amazonaws.com"] }]
      actions    = ["kms:DescribeKey"]
      conditions = []
    },
    {
      sid        = "ServicesUseTheKeyForThisAccount"
      principals = [{ type = "AWS", identifiers = ["*"] }]
      actions    = ["kms:Encrypt", "kms:Decrypt", "kms:ReEncryptFrom", "kms:ReEncryptTo", "kms:GenerateDataKey", "kms:GenerateDataKeyWithoutPlaintext", "kms:CreateGrant", "kms:DescribeKey"]
      conditions = [
        { test = "StringEquals", variable = "kms:CallerAccount", values = [local.account] },
        {
          test     = "StringEquals"
          variable = "kms:ViaService"
          values   = [for service in ["states", "dynamodb", "lambda", "sagemaker", "lex"] : "${service}.${var.region}.amazonaws.com"]
        },
      ]
    },
  ]
}

data "aws_iam_policy_document" "kms" {
  #checkov:skip=CKV_AWS_109:The first statement is AWS's default key policy statement: the account administers its key through IAM, so the key cannot become unmanageable.
  #checkov:skip=CKV_AWS_111:Same statement; writes are further limited by IAM policies in the account.
  #checkov:skip=CKV_AWS_356:A key policy's resource is always the key itself ("*" in a key policy).
  count = var.create_kms_key ? 1 : 0

  dynamic "statement" {
    for_each = local.kms_key_policy_statements

    content {
      sid       = statement.value.sid
      actions   = statement.value.actions
      resources = ["*"] # in a key policy, "*" is this key

      dynamic "principals" {
        for_each = statement.value.principals

        content {
          type        = principals.value.type
          identifiers = principals.value.identifiers
        }
      }

      dynamic "condition" {
        for_each = statement.value.conditions

        content {
          test     = condition.value.test
          variable = condition.value.variable
          values   = condition.value.values
        }
      }
    }
  }
}

resource "aws_kms_key" "deployment" {
  count = var.create_kms_key ? 1 : 0

  description             = "${var.name_prefix}: logs, tables, execution data, function environments"
  enable_key_rotation     = true
  deletion_window_in_days = 7
  policy                  = data.aws_iam_policy_document.kms[0].json

  lifecycle {
    precondition {
      condition     = var.kms_key_arn == null
      error_message = "Set create_kms_key = true or kms_key_arn, not both."
    }
  }
}

resource "aws_kms_alias" "deployment" {
  count = var.create_kms_key ? 1 : 0

  name          = "alias/${var.name_prefix}"
  target_key_id = aws_kms_key.deployment[0].key_id
}
