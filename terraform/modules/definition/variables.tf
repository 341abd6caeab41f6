variable "name_prefix" {
  description = "Prefix of every name: functions, tables, the state machine."
  type        = string
}

variable "partition" {
  description = "AWS partition of the deployment (aws, aws-us-gov): ARNs, the state machine's service integrations included, carry it."
  type        = string
  default     = "aws"
}

variable "region" {
  description = "Region of the deployment (in the functions' and the state machine's ARNs)."
  type        = string
}

variable "account_id" {
  description = "Account of the deployment (in the functions' and the state machine's ARNs)."
  type        = string
}

variable "settings" {
  description = "The agent's settings: the loop limit and the whole turn's time budget, from which every timeout is derived. timeout_overrides replaces derived timeouts by name (the local fault tests shorten them)."
  type = object({
    max_iterations      = number
    turn_budget_seconds = number
    timeout_overrides   = optional(map(number), {})
  })
}

variable "model" {
  description = "What the LLM Lambda calls: backend (sagemaker or bedrock), the endpoint, its instance type (what the turn ledger prices it at; null: unknown) and its payload format, or the Bedrock model."
  type = object({
    backend          = string
    endpoint_name    = optional(string)
    instance_type    = optional(string)
    payload_format   = string
    bedrock_model_id = optional(string)
  })
}

variable "knowledge" {
  description = "Where the knowledge search looks: an existing Amazon Bedrock Knowledge Base (its id), or null for the entries in knowledge/ shipped in the tool's package."
  type = object({
    knowledge_base_id = optional(string)
  })
  default = {}
}

variable "memory" {
  description = "Conversation memory: the DynamoDB table (null: Lex session attributes), how long a conversation is kept, and the SSM parameter holding the key that signs memory kept in session attributes (null: none, memory there is never trusted)."
  type = object({
    table_name    = optional(string)
    ttl_seconds   = number
    key_parameter = optional(string)
  })
}

variable "metrics_namespace" {
  description = "CloudWatch namespace of the functions' metrics."
  type        = string
}

variable "log_level" {
  description = "Log level of the functions."
  type        = string
}
