variable "function_arns" {
  description = "ARN of each Lambda function by its folder name in functions/; fills the state machine's task ARNs."
  type        = map(string)
}

variable "settings" {
  description = "State machine settings that are placeholders in statemachine/agent.asl.json."
  type = object({
    max_iterations             = number
    turn_budget_seconds        = number
    llm_task_timeout_seconds   = number
    parse_task_timeout_seconds = number
    tool_task_timeout_seconds  = number
  })
}
