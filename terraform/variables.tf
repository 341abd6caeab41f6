variable "max_iterations" {
  description = "Agent loop iterations per turn (plan, dispatch, interpret). The original design used 2."
  type        = number
  default     = 2

  validation {
    condition     = var.max_iterations >= 1 && var.max_iterations <= 5 && floor(var.max_iterations) == var.max_iterations
    error_message = "max_iterations must be a whole number from 1 to 5."
  }
}

variable "turn_budget_seconds" {
  description = "Whole-turn time budget: the state machine's TimeoutSeconds. Lex V2 gives the fulfilment Lambda about 30 s, so keep it well under that."
  type        = number
  default     = 25

  validation {
    condition     = var.turn_budget_seconds >= 5 && var.turn_budget_seconds <= 27 && floor(var.turn_budget_seconds) == var.turn_budget_seconds
    error_message = "turn_budget_seconds must be a whole number from 5 to 27 (Lex V2 waits about 30 s)."
  }
}

variable "model_timeout_seconds" {
  description = "Read timeout of one model call; the LLM Lambda shortens it to what is left of the turn budget."
  type        = number
  default     = 8

  validation {
    condition     = var.model_timeout_seconds >= 1 && var.model_timeout_seconds <= 20
    error_message = "model_timeout_seconds must be from 1 to 20."
  }
}

variable "llm_task_timeout_seconds" {
  description = "TimeoutSeconds of the state machine's model tasks (plan, interpret). Must exceed model_timeout_seconds."
  type        = number
  default     = 10

  validation {
    condition     = var.llm_task_timeout_seconds >= 2 && var.llm_task_timeout_seconds <= 25 && floor(var.llm_task_timeout_seconds) == var.llm_task_timeout_seconds
    error_message = "llm_task_timeout_seconds must be a whole number from 2 to 25."
  }
}

variable "parse_task_timeout_seconds" {
  description = "TimeoutSeconds of the state machine's parse task."
  type        = number
  default     = 5

  validation {
    condition     = var.parse_task_timeout_seconds >= 1 && var.parse_task_timeout_seconds <= 10 && floor(var.parse_task_timeout_seconds) == var.parse_task_timeout_seconds
    error_message = "parse_task_timeout_seconds must be a whole number from 1 to 10."
  }
}

variable "tool_task_timeout_seconds" {
  description = "TimeoutSeconds of each tool call in the state machine's dispatch Map."
  type        = number
  default     = 5

  validation {
    condition     = var.tool_task_timeout_seconds >= 1 && var.tool_task_timeout_seconds <= 10 && floor(var.tool_task_timeout_seconds) == var.tool_task_timeout_seconds
    error_message = "tool_task_timeout_seconds must be a whole number from 1 to 10."
  }
}

variable "llm_payload_format" {
  description = "Request/response format of the endpoint: text2text (JumpStart Flan: text_inputs -> generated_texts), tgi (inputs/parameters -> generated_text) or messages (chat completions). scripts/resolve_jumpstart_model.py writes it for the chosen model."
  type        = string
  default     = "text2text"

  validation {
    condition     = contains(["text2text", "tgi", "messages"], var.llm_payload_format)
    error_message = "llm_payload_format must be text2text, tgi or messages."
  }
}
