# What to deploy, computed from the repository's files: the tool registry, the functions and the
# files each one's package holds, the sample data as DynamoDB items, and the state machine
# definition. No provider and no resource: tests/test_terraform.py evaluates this module with real
# Terraform, offline, and compares the results with what the Python code and local runtime use.

locals {
  repository = abspath("${path.module}/../../..")
  functions  = "${local.repository}/functions"

  tools = jsondecode(file("${local.functions}/agent_core/tools.json")).tools

  # The functions every deployment has; each tool in the registry adds one more.
  core_functions = {
    fulfilment = { assets = [] }
    llm        = { assets = ["prompts"] }
    parse      = { assets = [] }
  }
  function_assets = merge(local.core_functions, { for tool in local.tools : tool.function => { assets = [] } })

  # Test files, fixtures and caches stay out of the packages.
  shared_files = {
    for path in fileset("${local.functions}/agent_core", "**/*.{py,json}") :
    "agent_core/${path}" => "${local.functions}/agent_core/${path}"
    if !startswith(basename(path), "test_") && !strcontains(path, "__pycache__")
  }
  asset_files = {
    prompts = { for path in fileset("${local.repository}/prompts", "*.{txt,json}") : "prompts/${path}" => "${local.repository}/prompts/${path}" }
  }

  packages = {
    for name, function in local.function_assets : name => merge(
      {
        for path in fileset("${local.functions}/${name}", "**/*.py") :
        "${name}/${path}" => "${local.functions}/${name}/${path}"
        if !startswith(basename(path), "test_") && basename(path) != "conftest.py" && !strcontains(path, "__pycache__")
      },
      local.shared_files,
      merge([for asset in function.assets : local.asset_files[asset]]...),
    )
  }

  sample_tables = jsondecode(file("${local.repository}/data/sample_store.json")).tables
  table_keys    = { for tool in local.tools : tool.table => tool.argument }
  # Each record as a DynamoDB item: listed numeric attributes as N, the others as S, nulls left out.
  table_items = {
    for table, key in local.table_keys : table => {
      for record in local.sample_tables[table].items : record[key] => jsonencode({
        for attribute, value in record : attribute => (
          contains(local.sample_tables[table].numeric_attributes, attribute) ? { N = tostring(value) } : { S = tostring(value) }
        ) if value != null
      })
    }
  }

  answers = jsondecode(file("${local.functions}/agent_core/answers.json"))
  # Values placed between the quotes of a JSON string in the ASL must be JSON-escaped.
  json_string = { for key in ["error", "too_slow"] : key => trimsuffix(trimprefix(jsonencode(local.answers[key]), "\""), "\"") }

  state_machine_values = {
    llm_function_arn           = var.function_arns["llm"]
    parse_function_arn         = var.function_arns["parse"]
    max_iterations             = var.settings.max_iterations
    turn_budget_seconds        = var.settings.turn_budget_seconds
    llm_task_timeout_seconds   = var.settings.llm_task_timeout_seconds
    parse_task_timeout_seconds = var.settings.parse_task_timeout_seconds
    tool_task_timeout_seconds  = var.settings.tool_task_timeout_seconds
    answer_error               = local.json_string.error
    answer_too_slow            = local.json_string.too_slow
  }
}
