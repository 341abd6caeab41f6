# The settings the deployment runs with. Yours win: make resolve-model writes only jumpstart_* facts
# (terraform/jumpstart.auto.tfvars.json), which fill in what you left null. No provider is needed to
# evaluate this file, so tests/test_terraform.py runs it with real Terraform on a terraform.tfvars
# and a resolver output.

locals {
  endpoint_instance_type = var.endpoint_instance_type != null ? var.endpoint_instance_type : var.jumpstart_instance_type
  llm_payload_format     = coalesce(var.llm_payload_format, var.jumpstart_payload_format, "text2text")
  # Instances the endpoint may run at once: what the instance quota must allow. Its quota is looked
  # up by code where the code is known (one call), else by name.
  endpoint_instances_needed = var.endpoint_autoscaling ? var.endpoint_max_instances : var.endpoint_instance_count
  endpoint_quota_name       = "${coalesce(local.endpoint_instance_type, "unknown")} for endpoint usage"
  endpoint_quota_code       = lookup(jsondecode(file("${path.module}/endpoint_quota_codes.json")), coalesce(local.endpoint_instance_type, "unknown"), null)

  # Console links per partition (the region validation admits aws and aws-us-gov regions).
  console_domain = {
    aws          = "console.aws.amazon.com"
    "aws-us-gov" = "console.amazonaws-us-gov.com"
    "aws-cn"     = "console.amazonaws.cn"
  }[local.partition]
  console_url = "https://${var.region}.${local.console_domain}"
}
