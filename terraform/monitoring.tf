# Operating the agent: a CloudWatch dashboard of how turns go, alarms that say when they break, and
# saved Logs Insights queries. What they show is computed by modules/monitoring from
# functions/agent_core/metrics.json (the metric names the code emits) and the rendered state machine
# (the outcomes, the states that catch errors); the harness evaluates the same module offline.
# docs/operate.md says what each widget and alarm means and what to do.

module "monitoring" {
  source = "./modules/monitoring"

  name_prefix              = var.name_prefix
  partition                = local.partition
  region                   = var.region
  account_id               = local.account
  console_url              = local.console_url
  metrics_namespace        = var.metrics_namespace
  state_machine_arn        = aws_sfn_state_machine.agent.arn
  state_machine_definition = module.definition.state_machine_definition
  state_machine_log_group  = aws_cloudwatch_log_group.state_machine.name
  function_names           = { for folder, function in aws_lambda_function.function : folder => function.function_name }
  tools                    = [for tool in module.definition.tools : tool.name]
  model = {
    backend          = var.model_backend
    endpoint_name    = local.endpoint_name
    variant_name     = local.endpoint_variant
    bedrock_model_id = local.use_bedrock ? var.bedrock_model_id : null
  }
  turn_budget_seconds = var.turn_budget_seconds
  alarms = {
    turn_error_rate_percent     = var.alarm_turn_error_rate_percent
    turn_latency_budget_percent = var.alarm_turn_latency_budget_percent
    model_server_errors         = var.alarm_model_server_errors
    state_machine_failures      = var.alarm_state_machine_failures
    lambda_throttles            = var.alarm_lambda_throttles
    period_seconds              = var.alarm_period_seconds
    evaluation_periods          = var.alarm_evaluation_periods
    datapoints_to_alarm         = var.alarm_datapoints_to_alarm
  }
}

resource "aws_cloudwatch_dashboard" "turns" {
  dashboard_name = module.monitoring.dashboard_name
  dashboard_body = module.monitoring.dashboard_body
}

# Each alarm is one metric (a statistic, or a percentile as extended_statistic) or an expression over
# several (metric_query); the module gives every alarm the same shape.
resource "aws_cloudwatch_metric_alarm" "alarm" {
  for_each = module.monitoring.alarms

  alarm_name          = each.key
  alarm_description   = each.value.description
  comparison_operator = each.value.comparison
  threshold           = each.value.threshold
  evaluation_periods  = each.value.evaluation_periods
  datapoints_to_alarm = each.value.datapoints_to_alarm
  treat_missing_data  = each.value.treat_missing_data
  actions_enabled     = true
  alarm_actions       = aws_sns_topic.alarms[*].arn
  ok_actions          = aws_sns_topic.alarms[*].arn

  namespace          = each.value.expression == "" ? each.value.metrics[0].namespace : null
  metric_name        = each.value.expression == "" ? each.value.metrics[0].metric_name : null
  dimensions         = each.value.expression == "" ? each.value.metrics[0].dimensions : null
  period             = each.value.expression == "" ? each.value.period : null
  statistic          = each.value.expression == "" && !startswith(each.value.metrics[0].stat, "p") ? each.value.metrics[0].stat : null
  extended_statistic = each.value.expression == "" && startswith(each.value.metrics[0].stat, "p") ? each.value.metrics[0].stat : null
  # A percentile over few turns is noise: fewer samples than it needs leave the alarm as it was.
  evaluate_low_sample_count_percentiles = each.value.expression == "" && startswith(each.value.metrics[0].stat, "p") ? "ignore" : null

  dynamic "metric_query" {
    for_each = each.value.expression == "" ? [] : [each.value.expression]

    content {
      id          = "alarm"
      expression  = metric_query.value
      label       = each.key
      return_data = true
    }
  }

  dynamic "metric_query" {
    for_each = each.value.expression == "" ? [] : each.value.metrics

    content {
      id          = metric_query.value.id
      return_data = false

      metric {
        namespace   = metric_query.value.namespace
        metric_name = metric_query.value.metric_name
        dimensions  = metric_query.value.dimensions
        stat        = metric_query.value.stat
        period      = each.value.period
      }
    }
  }

  lifecycle {
    precondition {
      condition     = var.alarm_datapoints_to_alarm <= var.alarm_evaluation_periods
      error_message = "alarm_datapoints_to_alarm (${var.alarm_datapoints_to_alarm}) must be at most alarm_evaluation_periods (${var.alarm_evaluation_periods})."
    }
  }
}

resource "aws_cloudwatch_query_definition" "query" {
  for_each = module.monitoring.queries

  name            = each.key
  query_string    = each.value.query_string
  log_group_names = each.value.log_group_names

  depends_on = [aws_cloudwatch_log_group.function, aws_cloudwatch_log_group.state_machine]
}

# Notifications (alarm_email): an SNS topic only CloudWatch alarms of this deployment may publish to,
# and an e-mail subscription that stays pending until its recipient confirms it. With a customer
# managed key the topic is encrypted with it (its policy lets CloudWatch use it: kms.tf); the AWS
# managed key alias/aws/sns would not do, since CloudWatch cannot use it to publish.
resource "aws_sns_topic" "alarms" {
  #checkov:skip=CKV_AWS_26:Encrypted with the deployment's customer managed key when there is one (create_kms_key or kms_key_arn). Alarm messages carry alarm names, thresholds and metric values, no customer data; alias/aws/sns would stop CloudWatch from publishing.
  count = var.alarm_email == null ? 0 : 1

  name              = "${var.name_prefix}-alarms"
  kms_master_key_id = local.kms_key_arn
}

data "aws_iam_policy_document" "alarm_topic" {
  count = var.alarm_email == null ? 0 : 1

  statement {
    sid       = "ThisDeploymentsAlarmsPublish"
    actions   = ["sns:Publish"]
    resources = [aws_sns_topic.alarms[0].arn]

    principals {
      type        = "Service"
      identifiers = ["cloudwatch.amazonaws.com"]
    }

    condition {
      test     = "ArnLike"
      variable = "aws:SourceArn"
      values   = ["arn:${local.partition}:cloudwatch:${var.region}:${local.account}:alarm:${var.name_prefix}-*"]
    }

    condition {
      test     = "StringEquals"
      variable = "aws:SourceAccount"
      values   = [local.account]
    }
  }
}

resource "aws_sns_topic_policy" "alarms" {
  count = var.alarm_email == null ? 0 : 1

  arn    = aws_sns_topic.alarms[0].arn
  policy = data.aws_iam_policy_document.alarm_topic[0].json
}

resource "aws_sns_topic_subscription" "alarm_email" {
  count = var.alarm_email == null ? 0 : 1

  topic_arn = aws_sns_topic.alarms[0].arn
  protocol  = "email"
  endpoint  = var.alarm_email
}
