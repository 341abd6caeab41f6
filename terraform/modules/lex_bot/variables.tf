variable "name" {
  description = "Name of the Lex V2 bot."
  type        = string
}

variable "role_arn" {
  description = "IAM role the bot runs as (created by Terraform, so the stack needs no CAPABILITY_IAM)."
  type        = string
}

variable "fulfilment_lambda_arn" {
  description = "The fulfilment Lambda: the code hook of the test alias and of the live alias."
  type        = string
}

variable "idle_session_ttl_seconds" {
  description = "How long Lex keeps an idle session."
  type        = number
}

variable "conversation_log_group_arn" {
  description = "CloudWatch log group for the aliases' conversation text logs; null writes none."
  type        = string
  default     = null
}

variable "tags" {
  description = "Tags of the bot and its aliases."
  type        = map(string)
  default     = {}
}
