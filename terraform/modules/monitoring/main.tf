# How the deployment is operated, computed from the repository's files: the CloudWatch dashboard's
# body, the alarms and the saved Logs Insights queries. No provider and no resource: the root module
# (monitoring.tf) creates them, and the developer harness (harness/monitoring.py) evaluates this
# module offline for the tests and the docs.
#
# Every metric name comes from functions/agent_core/metrics.json, which the functions' code reads
# too; the turn outcomes and the states that catch errors come from the rendered state machine.

locals {
  repository = abspath("${path.module}/../../..")
  catalogue  = jsondecode(file("${local.repository}/functions/agent_core/metrics.json"))
  metric     = local.catalogue.metrics
  vendor     = local.catalogue.aws
  ns         = var.metrics_namespace
  period     = 300
  lex_limit  = 30000 # ms: Lex V2 waits about 30 s for the fulfilment Lambda

  # The outcomes a turn can have: every ending's outcome value, then the fulfilment Lambda's own.
  states = jsondecode(var.state_machine_definition).States
  outcomes = distinct(concat(
    sort(compact([for name, state in local.states : try(state.Parameters.outcome, "") if try(state.End, false)])),
    local.catalogue.outcomes.outside_the_state_machine,
  ))
  handoff_outcome = local.catalogue.outcomes.handoff
  # The states an error ends in (every Catch's Next, in the Map's item processor too).
  catching_states = sort(distinct(flatten([
    for name, state in local.states : concat(
      [for rule in try(state.Catch, []) : rule.Next],
      flatten([for inner in values(try(state.ItemProcessor.States, {})) : [for rule in try(inner.Catch, []) : rule.Next]]),
    )
  ])))

  budget_ms = var.turn_budget_seconds * 1000
  # A metric of metrics.json as a dashboard metric line: namespace, name, service (and its dimension).
  line = { for role, spec in local.metric : role => [local.ns, spec.name, "service", spec.service] }

  use_bedrock = var.model.backend == "bedrock"
  model_dimensions = {
    sagemaker = { EndpointName = coalesce(var.model.endpoint_name, "none"), VariantName = var.model.variant_name }
    bedrock   = { ModelId = coalesce(var.model.bedrock_model_id, "none") }
  }[var.model.backend]
  model_line = concat(
    [local.vendor[var.model.backend].namespace],
    ["METRIC"],
    flatten([for name, value in local.model_dimensions : [name, value]]),
  )
  states_line = [local.vendor.states.namespace, "METRIC", "StateMachineArn", var.state_machine_arn]
  functions   = sort(keys(var.function_names))

  # ---------------------------------------------------------------- the dashboard's widgets
  # Each entry: the widget (its properties; positions are added below) and what it is for (docs).
  entries = [
    {
      doc = "Turn latency p50, p95 and p99 as the fulfilment Lambda measured it, against the turn budget (the state machine's timeout) and Lex's 30 s."
      widget = {
        type = "metric"
        properties = {
          title   = "Turn latency (ms) against the budget"
          view    = "timeSeries"
          region  = var.region
          period  = local.period
          metrics = [for p in ["p50", "p95", "p99"] : concat(local.line.turn_latency, [{ stat = p, label = p }])]
          annotations = { horizontal = [
            { label = "turn budget", value = local.budget_ms },
            { label = "Lex gives up", value = local.lex_limit, color = "#d62728" },
          ] }
          yAxis = { left = { min = 0, showUnits = false, label = "ms" } }
        }
      }
    },
    {
      doc = "Turns by outcome, stacked: every ending of the state machine and the fulfilment Lambda's own."
      widget = {
        type = "metric"
        properties = {
          title   = "Turns by outcome"
          view    = "timeSeries"
          stacked = true
          region  = var.region
          period  = local.period
          stat    = "Sum"
          metrics = [for outcome in local.outcomes : concat(local.line.turn_outcome, [local.metric.turn_outcome.dimension, outcome, { label = outcome }])]
        }
      }
    },
    {
      doc = "The share of turns that ended in an error outcome, with the alarm's threshold."
      widget = {
        type = "metric"
        properties = {
          title  = "Turn error rate (%)"
          view   = "timeSeries"
          region = var.region
          period = local.period
          metrics = [
            [{ expression = "100*failed", label = "error rate %", id = "rate" }],
            concat(local.line.turn_failed, [{ id = "failed", stat = "Average", visible = false }]),
          ]
          annotations = { horizontal = [{ label = "alarm", value = var.alarms.turn_error_rate_percent, color = "#d62728" }] }
          yAxis       = { left = { min = 0, showUnits = false, label = "%" } }
        }
      }
    },
    {
      doc = "Per turn, on average: model calls, loop iterations and lookups."
      widget = {
        type = "metric"
        properties = {
          title  = "Model calls, iterations and lookups per turn"
          view   = "timeSeries"
          region = var.region
          period = local.period
          stat   = "Average"
          metrics = [
            concat(local.line.turn_model_calls, [{ label = "model calls" }]),
            concat(local.line.iterations, [{ label = "iterations" }]),
            concat(local.line.turn_tool_calls, [{ label = "lookups" }]),
          ]
        }
      }
    },
    {
      doc = "Time a turn waits for the model (all its calls, p50 and p95) and one call's p95, as the LLM Lambda measured them."
      widget = {
        type = "metric"
        properties = {
          title  = "Model time (ms)"
          view   = "timeSeries"
          region = var.region
          period = local.period
          metrics = [
            concat(local.line.turn_model_latency, [{ stat = "p50", label = "per turn p50" }]),
            concat(local.line.turn_model_latency, [{ stat = "p95", label = "per turn p95" }]),
            concat(local.line.model_latency, [{ stat = "p95", label = "per call p95" }]),
          ]
          yAxis = { left = { min = 0, showUnits = false, label = "ms" } }
        }
      }
    },
    {
      doc = "Tokens in and out per turn, on average, labelled reported (the model's counts) or estimated (4 characters a token)."
      widget = {
        type = "metric"
        properties = {
          title  = "Tokens per turn"
          view   = "timeSeries"
          region = var.region
          period = local.period
          stat   = "Average"
          # concat(...), not flatten(): flatten would flatten the metric lines themselves
          metrics = concat([
            for counted in ["reported", "estimated"] : [
              for role in ["tokens_in", "tokens_out"] : concat(local.line[role], [local.metric[role].dimension, counted, { label = "${local.metric[role].name} (${counted})" }])
            ]
          ]...)
        }
      }
    },
    {
      doc = "Estimated dollars: spent per period, and per turn on average (right axis), from the cost model's prices."
      widget = {
        type = "metric"
        properties = {
          title  = "Estimated cost (USD)"
          view   = "timeSeries"
          region = var.region
          period = local.period
          metrics = [
            concat(local.line.turn_cost, [{ stat = "Sum", label = "per period" }]),
            concat(local.line.turn_cost, [{ stat = "Average", label = "per turn", yAxis = "right" }]),
          ]
        }
      }
    },
    {
      doc = "Lookups per tool and those that failed (the tool Lambda failed or timed out)."
      widget = {
        type = "metric"
        properties = {
          title  = "Lookups and failed lookups by tool"
          view   = "timeSeries"
          region = var.region
          period = local.period
          stat   = "Sum"
          metrics = concat([
            for tool in var.tools : [
              concat(local.line.tool_calls, [local.metric.tool_calls.dimension, tool, { label = "${tool} calls" }]),
              concat(local.line.tool_errors, [local.metric.tool_errors.dimension, tool, { label = "${tool} failed" }]),
            ]
          ]...)
        }
      }
    },
    {
      doc = "Turns handed to a person (outcome ${local.catalogue.outcomes.handoff}) and their share of all turns."
      widget = {
        type = "metric"
        properties = {
          title  = "Handoffs"
          view   = "timeSeries"
          region = var.region
          period = local.period
          metrics = [
            concat(local.line.turn_outcome, [local.metric.turn_outcome.dimension, local.handoff_outcome, { id = "handoffs", stat = "Sum", label = "handoffs" }]),
            concat(local.line.turns, [{ id = "turns", stat = "Sum", visible = false }]),
            [{ expression = "100*handoffs/turns", label = "share of turns %", id = "share", yAxis = "right" }],
          ]
        }
      }
    },
    {
      doc = local.use_bedrock ? "Bedrock invocations of the model, client and server errors, throttles." : "Endpoint invocations, 4xx and 5xx errors."
      widget = {
        type = "metric"
        properties = {
          title  = local.use_bedrock ? "Bedrock invocations and errors" : "Endpoint invocations and errors"
          view   = "timeSeries"
          region = var.region
          period = local.period
          stat   = "Sum"
          metrics = [
            for role, name in local.vendor[var.model.backend].metrics : [for part in local.model_line : part == "METRIC" ? name : part]
            if !endswith(role, "_us") && !endswith(role, "_ms")
          ]
        }
      }
    },
    {
      doc = local.use_bedrock ? "Bedrock's InvocationLatency p50 and p95." : "The endpoint's ModelLatency p50 and p95 (reported in microseconds, shown in ms)."
      widget = {
        type = "metric"
        properties = {
          title  = local.use_bedrock ? "Bedrock invocation latency (ms)" : "Endpoint model latency (ms)"
          view   = "timeSeries"
          region = var.region
          period = local.period
          metrics = {
            bedrock = [
              for p in ["p50", "p95"] : concat([for part in local.model_line : part == "METRIC" ? local.vendor.bedrock.metrics.latency_ms : part], [{ stat = p, label = p }])
            ]
            sagemaker = concat(
              [for p in ["p50", "p95"] : [{ expression = "${p}/1000", label = p, id = "ms${p}" }]],
              [for p in ["p50", "p95"] : concat([for part in local.model_line : part == "METRIC" ? local.vendor.sagemaker.metrics.model_latency_us : part], [{ stat = p, id = p, visible = false }])],
            )
          }[var.model.backend]
          yAxis = { left = { min = 0, showUnits = false, label = "ms" } }
        }
      }
    },
    {
      doc = "Executions of the state machine: started, succeeded, failed, timed out, aborted, throttled."
      widget = {
        type = "metric"
        properties = {
          title   = "State machine executions"
          view    = "timeSeries"
          region  = var.region
          period  = local.period
          stat    = "Sum"
          metrics = [for role, name in local.vendor.states.metrics : [for part in local.states_line : part == "METRIC" ? name : part] if role != "time_ms"]
        }
      }
    },
    {
      doc = "The state machine's execution time p50 and p95, against the turn budget."
      widget = {
        type = "metric"
        properties = {
          title       = "State machine execution time (ms)"
          view        = "timeSeries"
          region      = var.region
          period      = local.period
          metrics     = [for p in ["p50", "p95"] : concat([for part in local.states_line : part == "METRIC" ? local.vendor.states.metrics.time_ms : part], [{ stat = p, label = p }])]
          annotations = { horizontal = [{ label = "turn budget", value = local.budget_ms }] }
          yAxis       = { left = { min = 0, showUnits = false, label = "ms" } }
        }
      }
    },
    {
      doc = "Errors and throttles of every Lambda function."
      widget = {
        type = "metric"
        properties = {
          title  = "Lambda errors and throttles"
          view   = "timeSeries"
          region = var.region
          period = local.period
          stat   = "Sum"
          metrics = concat([
            for folder in local.functions : [
              for role in ["errors", "throttles"] : [local.vendor.lambda.namespace, local.vendor.lambda.metrics[role], "FunctionName", var.function_names[folder], { label = "${folder} ${role}" }]
            ]
          ]...)
        }
      }
    },
    {
      doc = "p95 duration of every Lambda function."
      widget = {
        type = "metric"
        properties = {
          title   = "Lambda duration p95 (ms)"
          view    = "timeSeries"
          region  = var.region
          period  = local.period
          stat    = "p95"
          metrics = [for folder in local.functions : [local.vendor.lambda.namespace, local.vendor.lambda.metrics.duration_ms, "FunctionName", var.function_names[folder], { label = folder }]]
          yAxis   = { left = { min = 0, showUnits = false, label = "ms" } }
        }
      }
    },
  ]

  header = {
    type   = "text"
    x      = 0
    y      = 0
    width  = 24
    height = 3
    properties = {
      markdown = join("\n", [
        "## ${var.name_prefix}: how turns go",
        "Every turn's ledger line (outcome, latency, model calls, tokens, estimated cost, execution ARN) is in the fulfilment function's log group; the saved Logs Insights queries `${var.name_prefix}/...` find the slowest turns, the errors by state, the handoffs and one session's turns.",
        "Trace a turn and replay it offline: `agent trace --execution ARN --to-case case.jsonl` (docs/operate.md). [State machine executions](${var.console_url}/states/home?region=${var.region}#/statemachines/view/${urlencode(var.state_machine_arn)})",
      ])
    }
  }
  positioned = [
    for index, entry in local.entries : merge(entry.widget, {
      x      = (index % 2) * 12
      y      = 3 + floor(index / 2) * 6
      width  = 12
      height = 6
    })
  ]
  alarm_widget = {
    type   = "alarm"
    x      = 0
    y      = 3 + ceil(length(local.entries) / 2) * 6
    width  = 24
    height = 3
    properties = {
      title  = "Alarms"
      alarms = [for name in sort(keys(local.alarms)) : "arn:${var.partition}:cloudwatch:${var.region}:${var.account_id}:alarm:${name}"]
    }
  }
  dashboard = {
    start          = "-PT6H"
    periodOverride = "inherit"
    widgets        = concat([local.header], local.positioned, [local.alarm_widget])
  }

  # ---------------------------------------------------------------- the alarms
  # Every alarm has one shape: one metric (statistic or percentile) or an expression over several.
  fulfilment = { service = local.metric.turns.service }
  alarm_list = [
    {
      key         = "turn-error-rate"
      description = "More than ${var.alarms.turn_error_rate_percent}% of turns ended in an error outcome (${join(", ", local.catalogue.outcomes.errors)}). Open the dashboard, then the saved query errors-by-state; trace one turn with agent trace (docs/operate.md)."
      threshold   = var.alarms.turn_error_rate_percent / 100
      comparison  = "GreaterThanThreshold"
      expression  = ""
      metrics     = [{ id = "m1", namespace = local.ns, metric_name = local.metric.turn_failed.name, dimensions = tomap(local.fulfilment), stat = "Average" }]
    },
    {
      key         = "turn-latency-p95"
      description = "p95 turn latency is above ${var.alarms.turn_latency_budget_percent}% of the ${var.turn_budget_seconds} s turn budget: turns are about to time out (Lex gives up at 30 s). Check model time and endpoint latency on the dashboard, and the slowest-turns query (docs/operate.md)."
      threshold   = local.budget_ms * var.alarms.turn_latency_budget_percent / 100
      comparison  = "GreaterThanThreshold"
      expression  = ""
      metrics     = [{ id = "m1", namespace = local.ns, metric_name = local.metric.turn_latency.name, dimensions = tomap(local.fulfilment), stat = "p95" }]
    },
    {
      key         = "model-server-errors"
      description = "The model returned ${var.alarms.model_server_errors} or more server errors (${local.use_bedrock ? "Bedrock InvocationServerErrors" : "endpoint Invocation5XXErrors"}) in a period: the model is failing or overloaded. Check its logs and instance health; turns end in ApologiseForError or ApologiseForDelay meanwhile (docs/operate.md)."
      threshold   = var.alarms.model_server_errors
      comparison  = "GreaterThanOrEqualToThreshold"
      expression  = ""
      metrics = [{
        id          = "m1"
        namespace   = local.vendor[var.model.backend].namespace
        metric_name = local.use_bedrock ? local.vendor.bedrock.metrics.server_errors : local.vendor.sagemaker.metrics.errors_5xx
        dimensions  = tomap(local.model_dimensions)
        stat        = "Sum"
      }]
    },
    {
      key         = "state-machine-failures"
      description = "${var.alarms.state_machine_failures} or more executions failed, timed out or were aborted in a period (a turn normally ends in an apology instead): the customer got the fulfilment Lambda's polite error. Run the errors-by-state query and trace one (docs/operate.md)."
      threshold   = var.alarms.state_machine_failures
      comparison  = "GreaterThanOrEqualToThreshold"
      expression  = "failed+timed_out+aborted"
      metrics = [for role in ["failed", "timed_out", "aborted"] : {
        id          = role
        namespace   = local.vendor.states.namespace
        metric_name = local.vendor.states.metrics[role]
        dimensions  = tomap({ StateMachineArn = var.state_machine_arn })
        stat        = "Sum"
      }]
    },
    {
      key         = "lambda-throttles"
      description = "The agent's Lambda functions were throttled ${var.alarms.lambda_throttles} or more times in a period: the account's concurrency is used up. Ask for more concurrency or find what else uses it (docs/operate.md)."
      threshold   = var.alarms.lambda_throttles
      comparison  = "GreaterThanOrEqualToThreshold"
      expression  = "SUM([${join(",", [for index, folder in local.functions : "f${index}"])}])"
      metrics = [for index, folder in local.functions : {
        id          = "f${index}"
        namespace   = local.vendor.lambda.namespace
        metric_name = local.vendor.lambda.metrics.throttles
        dimensions  = tomap({ FunctionName = var.function_names[folder] })
        stat        = "Sum"
      }]
    },
  ]
  alarms = { for alarm in local.alarm_list : "${var.name_prefix}-${alarm.key}" => merge(alarm, {
    period              = var.alarms.period_seconds
    evaluation_periods  = var.alarms.evaluation_periods
    datapoints_to_alarm = var.alarms.datapoints_to_alarm
    treat_missing_data  = "notBreaching" # no traffic is not an incident
  }) }

  # ---------------------------------------------------------------- saved Logs Insights queries
  ledger_group = "/aws/lambda/${var.function_names["fulfilment"]}"
  queries = {
    slowest-turns = {
      description     = "The slowest turns of the time range, with their model time and execution ARN (give it to agent trace)."
      log_group_names = [local.ledger_group]
      query_string    = <<-EOT
        fields @timestamp, ledger.latency_ms, ledger.outcome, ledger.model_calls, ledger.model_ms, ledger.iterations, ledger.execution_arn
        | filter ispresent(ledger.latency_ms)
        | sort ledger.latency_ms desc
        | limit 25
      EOT
    }
    errors-by-state = {
      description     = "Failure events of the executions by error, and the states that caught them (${join(", ", local.catching_states)}): Step Functions names a state when it enters it, not when a task fails."
      log_group_names = [var.state_machine_log_group]
      query_string    = <<-EOT
        fields @timestamp, execution_arn, type, details.name, details.error
        | filter type in ["TaskFailed", "TaskTimedOut", "TaskStartFailed", "TaskSubmitFailed", "ExecutionFailed", "ExecutionTimedOut", "ExecutionAborted"] or (type like /StateEntered/ and details.name in ${jsonencode(local.catching_states)})
        | parse details.input /"Error":"(?<caught>[^"]+)"/
        | stats count(*) as events by type, details.name as state, coalesce(details.error, caught) as error
        | sort events desc
      EOT
    }
    handoffs = {
      description     = "Turns handed to a person (outcome ${local.handoff_outcome}), newest first."
      log_group_names = [local.ledger_group]
      query_string    = <<-EOT
        fields @timestamp, ledger.session_id, ledger.iterations, ledger.tool_calls, ledger.execution_arn
        | filter ledger.outcome = "${local.handoff_outcome}"
        | sort @timestamp desc
        | limit 100
      EOT
    }
    one-session = {
      description     = "One conversation's turns in order: replace SESSION_ID with the Lex session id."
      log_group_names = [local.ledger_group]
      query_string    = <<-EOT
        fields @timestamp, ledger.outcome, ledger.latency_ms, ledger.model_calls, ledger.tool_calls, ledger.cost_usd, ledger.execution_arn
        | filter ledger.session_id = "SESSION_ID"
        | sort @timestamp asc
      EOT
    }
  }
}
