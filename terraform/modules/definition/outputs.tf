output "tools" {
  description = "The tool registry entries (functions/agent_core/tools.json)."
  value       = local.tools
}

output "tool_functions" {
  description = "Folder names of the functions that serve tools."
  value       = [for tool in local.tools : tool.function]
}

output "function_names" {
  description = "Folder names of every function to deploy."
  value       = sort(keys(local.function_assets))
}

output "packages" {
  description = "Per function: path inside its zip => path of the file in the repository."
  value       = local.packages
}

output "tables" {
  description = "Per DynamoDB table: its hash key and its sample items (DynamoDB JSON) by key."
  value       = { for table, key in local.table_keys : table => { hash_key = key, items = local.table_items[table] } }
}

output "state_machine_functions" {
  description = "Folder names of the functions the state machine invokes."
  value       = sort(concat(["llm", "parse"], [for tool in local.tools : tool.function]))
}

output "state_machine_values" {
  description = "Every placeholder of statemachine/agent.asl.json with its value."
  value       = local.state_machine_values
}

output "state_machine_definition" {
  description = "statemachine/agent.asl.json rendered with templatefile()."
  value       = templatefile("${local.repository}/statemachine/agent.asl.json", local.state_machine_values)
}
