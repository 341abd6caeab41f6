# The Bedrock option (model_backend = bedrock): no endpoint; the LLM Lambda calls the model through
# the Converse API with the same prompt files, and may invoke that model only. An inference profile
# (us.*, eu.*, ...) routes to the model in several regions, so its foundation model is allowed in
# any region, and the profile itself in this one.

locals {
  use_bedrock        = var.model_backend == "bedrock"
  bedrock_id_parts   = split(".", var.bedrock_model_id)
  bedrock_is_profile = contains(["us", "eu", "apac", "global", "us-gov"], local.bedrock_id_parts[0])
  bedrock_base_model = local.bedrock_is_profile ? join(".", slice(local.bedrock_id_parts, 1, length(local.bedrock_id_parts))) : var.bedrock_model_id

  bedrock_model_arns = local.bedrock_is_profile ? [
    "arn:${local.partition}:bedrock:${var.region}:${local.account}:inference-profile/${var.bedrock_model_id}",
    "arn:${local.partition}:bedrock:*::foundation-model/${local.bedrock_base_model}",
  ] : ["arn:${local.partition}:bedrock:${var.region}::foundation-model/${var.bedrock_model_id}"]
}
