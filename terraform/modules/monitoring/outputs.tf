output "dashboard_name" {
  description = "Name of the dashboard."
  value       = "${var.name_prefix}-turns"
}

output "dashboard_body" {
  description = "The dashboard's body (JSON, built with jsonencode)."
  value       = jsonencode(local.dashboard)
}

output "widgets" {
  description = "Every widget of the dashboard in order: its type, title and what it is for."
  value = concat(
    [{ type = "text", title = "(header)", doc = "What the dashboard shows, where the ledger lines and the saved queries are, how to trace a turn." }],
    [for entry in local.entries : { type = entry.widget.type, title = entry.widget.properties.title, doc = entry.doc }],
    [{ type = "alarm", title = "Alarms", doc = "The state of every alarm." }],
  )
}

output "alarms" {
  description = "Every alarm by name: description, threshold, comparison, period, evaluation, missing-data rule, and its metric (or the expression over its metrics)."
  value       = local.alarms
}

output "queries" {
  description = "Every saved Logs Insights query by name (under the prefix's folder): what it finds, its log groups and its text."
  value       = { for name, query in local.queries : "${var.name_prefix}/${name}" => query }
}

output "outcomes" {
  description = "The outcomes a turn can have: the state machine's endings', then the fulfilment Lambda's own."
  value       = local.outcomes
}

output "catching_states" {
  description = "The states an error ends in (every Catch's Next)."
  value       = local.catching_states
}
