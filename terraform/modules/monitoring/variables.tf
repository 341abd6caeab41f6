variable "name_prefix" {
  description = "Prefix of every name: the dashboard, the alarms, the saved queries."
  type        = string
}

variable "partition" {
  description = "AWS partition of the deployment (aws, aws-us-gov): the alarms' ARNs carry it."
  type        = string
  default     = "aws"
}

variable "region" {
  description = "Region of the deployment: every metric widget names it."
  type        = string
}

variable "account_id" {
  description = "Account of the deployment (in the alarms' ARNs, which the dashboard's alarm widget lists)."
  type        = string
}

variable "console_url" {
  description = "The AWS console of the deployment's partition and region (https://REGION.console.aws.amazon.com and its partition variants)."
  type        = string
}

variable "metrics_namespace" {
  description = "CloudWatch namespace of the functions' metrics."
  type        = string
}

variable "state_machine_arn" {
  description = "ARN of the Express state machine (dimension StateMachineArn of the AWS/States metrics)."
  type        = string
}

variable "state_machine_definition" {
  description = "The rendered state machine: the turn outcomes (its endings' outcome values) and the states that catch errors are read from it."
  type        = string
}

variable "state_machine_log_group" {
  description = "Log group of the state machine's executions (the saved query of errors by state reads it)."
  type        = string
}

variable "function_names" {
  description = "Deployed name of every function, by its folder in functions/ (the fulfilment function's log group holds the turn ledger)."
  type        = map(string)
}

variable "tools" {
  description = "Names of the tools in the registry (the lookups-by-tool widget plots each)."
  type        = list(string)
}

variable "model" {
  description = "What the LLM Lambda calls: backend (sagemaker or bedrock), the endpoint and its variant, or the Bedrock model id."
  type = object({
    backend          = string
    endpoint_name    = optional(string)
    variant_name     = optional(string, "AllTraffic")
    bedrock_model_id = optional(string)
  })
}

variable "turn_budget_seconds" {
  description = "The whole turn's time budget (the state machine's TimeoutSeconds): drawn on the latency widgets, and the latency alarm's reference."
  type        = number
}

variable "alarms" {
  description = "The alarms' thresholds and evaluation: turn error rate (percent), p95 turn latency (percent of the turn budget), model server errors, state machine failures and Lambda throttles (each per period), the period in seconds, and how many of how many periods must breach."
  type = object({
    turn_error_rate_percent     = number
    turn_latency_budget_percent = number
    model_server_errors         = number
    state_machine_failures      = number
    lambda_throttles            = number
    period_seconds              = number
    evaluation_periods          = number
    datapoints_to_alarm         = number
  })
}
