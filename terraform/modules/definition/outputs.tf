output "tools" {
  description = "The tool registry entries (functions/agent_core/tools.json)."
  value       = local.tools
}

output "tool_functions" {
  description = "Folder names of the functions that serve tools."
  value       = distinct([for tool in local.tools : tool.function])
}

output "function_names" {
  description = "Deployed name of every function, by its folder in functions/."
  value       = local.function_names
}

output "function_arns" {
  description = "ARN of every function, by its folder in functions/."
  value       = local.function_arns
}

output "packages" {
  description = "Per function: path inside its zip => path of the file in the repository."
  value       = local.packages
}

output "environment" {
  description = "Per function: its environment variables."
  value       = local.environment
}

output "function_timeouts" {
  description = "Per function: its timeout in seconds (below its Task's TimeoutSeconds)."
  value       = local.function_timeouts
}

output "timeouts" {
  description = "Every timeout of a turn in seconds, derived from the turn budget: the Lambdas', their Tasks', the model call's and the turn's."
  value       = local.timeouts
}

output "tables" {
  description = "Per DynamoDB table: its name, its hash key and its sample items (DynamoDB JSON) by key."
  value       = local.tables
}

output "state_machine_name" {
  description = "Name of the Express state machine."
  value       = local.state_machine_name
}

output "state_machine_arn" {
  description = "ARN of the Express state machine (built from its name)."
  value       = local.state_machine_arn
}

output "state_machine_functions" {
  description = "Folder names of the functions the state machine invokes."
  value       = sort(distinct(concat(["llm", "parse"], [for tool in local.tools : tool.function])))
}

output "state_machine_values" {
  description = "Every placeholder of statemachine/agent.asl.json with its value."
  value       = local.state_machine_values
}

output "state_machine_definition" {
  description = "statemachine/agent.asl.json rendered with templatefile()."
  value       = templatefile("${local.repository}/statemachine/agent.asl.json", local.state_machine_values)
}
