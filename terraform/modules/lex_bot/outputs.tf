output "template" {
  description = "The CloudFormation template (JSON) of the bot, its version and its live alias."
  value       = jsonencode(local.template)
}

output "definition_hash" {
  description = "Hash of the bot's definition: part of the published version's logical id and description."
  value       = local.definition_hash
}

output "locale_id" {
  description = "The bot's one locale."
  value       = local.locale_id
}

output "test_alias_id" {
  description = "Id of the test alias every Lex V2 bot has (on the DRAFT version)."
  value       = "TSTALIASID"
}
