# What to deploy, computed from the repository's files: the tool registry, the functions (their
# names, the files each one's package holds, their environment and timeouts), the tables with the
# sample data as DynamoDB items, and the state machine definition. No provider and no resource: the
# root module deploys it, and the developer harness (harness/manifest.py) evaluates it with real
# Terraform, offline, and runs exactly that on moto.

locals {
  repository = abspath("${path.module}/../../..")
  functions  = "${local.repository}/functions"

  tools = jsondecode(file("${local.functions}/agent_core/tools.json")).tools
  # Record tools look up one record by id in a table; search tools search the knowledge base.
  record_tools = [for tool in local.tools : tool if lookup(tool, "kind", "record") == "record"]
  search_tools = [for tool in local.tools : tool if lookup(tool, "kind", "record") == "search"]

  # The functions every deployment has; each tool in the registry adds one more.
  core_functions   = ["fulfilment", "llm", "parse"]
  function_folders = distinct(concat(local.core_functions, [for tool in local.tools : tool.function]))

  # Each zip holds its handler folder's code (no tests, events or caches) and, of agent_core, only what
  # its handler imports: functions/packages.json, generated from the code (make packages; a test
  # keeps it true). Tool functions without an entry of their own share tool_functions.
  package_plan = jsondecode(file("${local.functions}/packages.json"))
  shared_plan  = { for name in local.function_folders : name => lookup(local.package_plan.functions, name, local.package_plan.tool_functions) }
  asset_files = {
    prompts = { for path in fileset("${local.repository}/prompts", "*.{txt,json}") : "prompts/${path}" => "${local.repository}/prompts/${path}" }
    # The knowledge base's entries: a changed entry changes the knowledge tool's zip, which redeploys it.
    knowledge = { for path in fileset("${local.repository}/knowledge", "*.md") : "knowledge/${path}" => "${local.repository}/knowledge/${path}" if path != "README.md" }
  }

  packages = {
    for name in local.function_folders : name => merge(
      {
        for path in fileset("${local.functions}/${name}", "**/*.py") :
        "${name}/${path}" => "${local.functions}/${name}/${path}"
        if !startswith(basename(path), "test_") && basename(path) != "conftest.py" && !strcontains(path, "__pycache__")
      },
      { for path in local.shared_plan[name].files : path => "${local.functions}/${path}" },
      merge([for asset in local.shared_plan[name].assets : local.asset_files[asset]]...),
    )
  }

  # Deployed names, and ARNs built from them, so the functions, the state machine and the policies
  # that name them can be created in any order without a dependency cycle.
  function_names     = { for name in local.function_folders : name => "${var.name_prefix}-${replace(name, "_", "-")}" }
  function_arns      = { for name, function_name in local.function_names : name => "arn:${var.partition}:lambda:${var.region}:${var.account_id}:function:${function_name}" }
  state_machine_name = "${var.name_prefix}-turn"
  state_machine_arn  = "arn:${var.partition}:states:${var.region}:${var.account_id}:stateMachine:${local.state_machine_name}"

  sample_tables = jsondecode(file("${local.repository}/data/sample_store.json")).tables
  # Tools may share a table (and its key): one entry per table.
  table_keys = { for table, keys in { for tool in local.record_tools : tool.table => tool.argument... } : table => keys[0] }
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
  tables = {
    for table, key in local.table_keys : table => {
      name     = "${var.name_prefix}-${table}"
      hash_key = key
      items    = local.table_items[table]
    }
  }

  # Every timeout comes from the one turn budget. Each Lambda stops a second before its Task's
  # TimeoutSeconds, so the function's own error (and its apology) wins over a States.Timeout; the
  # model call's read timeout sits a second inside its Lambda; the turn's execution ends within the
  # budget, and the fulfilment Lambda waits for it with a margin still inside Lex's 30 s.
  # settings.timeout_overrides exists for the local fault tests, which shorten timeouts to run fast.
  model_call_seconds = floor(var.settings.turn_budget_seconds * 32 / 100)
  timeouts = merge({
    turn_seconds              = var.settings.turn_budget_seconds
    model_call_seconds        = local.model_call_seconds
    llm_lambda_seconds        = local.model_call_seconds + 1
    llm_task_seconds          = local.model_call_seconds + 2
    parse_lambda_seconds      = 4
    parse_task_seconds        = 5
    tool_lambda_seconds       = 5 # above the record store client's worst case (retries.json: 4 s)
    tool_task_seconds         = 6
    fulfilment_lambda_seconds = var.settings.turn_budget_seconds + 2
  }, var.settings.timeout_overrides)
  function_timeouts = merge(
    { fulfilment = local.timeouts.fulfilment_lambda_seconds, llm = local.timeouts.llm_lambda_seconds, parse = local.timeouts.parse_lambda_seconds },
    { for tool in local.tools : tool.function => local.timeouts.tool_lambda_seconds },
  )

  # What each handler reads from its environment (tests/test_terraform.py checks these keys against
  # the code: nothing missing, nothing unused).
  common_environment = {
    POWERTOOLS_METRICS_NAMESPACE = var.metrics_namespace
    POWERTOOLS_LOG_LEVEL         = var.log_level
    # pydantic looks for plugins in every installed distribution's entry points at import: ~35 ms
    # of cold start for nothing here (make bench).
    PYDANTIC_DISABLE_PLUGINS = "__all__"
  }
  own_environment = merge(
    {
      fulfilment = {
        STATE_MACHINE_ARN   = local.state_machine_arn
        TURN_BUDGET_SECONDS = tostring(local.timeouts.turn_seconds)
        MEMORY_TABLE_NAME   = coalesce(var.memory.table_name, "none")
        MEMORY_TTL_SECONDS  = tostring(var.memory.ttl_seconds)
        # The name of the SSM SecureString parameter holding the memory signing key, never the key.
        MEMORY_KEY_PARAMETER = coalesce(var.memory.key_parameter, "none")
        # What the turn ledger prices the model at (functions/agent_core/prices.json).
        LEDGER_MODEL = var.model.backend == "bedrock" ? "bedrock:${var.model.bedrock_model_id}" : "sagemaker:${coalesce(var.model.instance_type, "unknown")}"
      }
      llm = {
        LLM_BACKEND         = var.model.backend
        LLM_ENDPOINT_NAME   = coalesce(var.model.endpoint_name, "none")
        LLM_PAYLOAD_FORMAT  = var.model.payload_format
        BEDROCK_MODEL_ID    = coalesce(var.model.bedrock_model_id, "none")
        LLM_TIMEOUT_SECONDS = tostring(local.timeouts.model_call_seconds)
      }
      parse = {
        TOOL_FUNCTIONS = jsonencode({ for tool in local.tools : tool.function => local.function_arns[tool.function] })
      }
    },
    { for tool in local.record_tools : tool.function => { TABLE_NAME = local.tables[tool.table].name } },
    { for tool in local.search_tools : tool.function => { KNOWLEDGE_BASE_ID = coalesce(var.knowledge.knowledge_base_id, "none") } },
  )
  environment = { for name in local.function_folders : name => merge(local.common_environment, local.own_environment[name]) }

  answers = jsondecode(file("${local.functions}/agent_core/answers.json"))
  # Every Task's Retry rules and the errors its Catch answers as a delay, from the one retry policy.
  retry_policy = jsondecode(file("${local.functions}/agent_core/retries.json"))
  task_retries = {
    for state, rules in local.retry_policy.task_states : state => [for rule in rules : local.retry_policy.task_retries[rule]]
  }
  # Values placed between the quotes of a JSON string in the ASL must be JSON-escaped.
  json_string = { for key in ["error", "too_slow"] : key => trimsuffix(trimprefix(jsonencode(local.answers[key]), "\""), "\"") }

  state_machine_values = {
    partition                  = var.partition
    llm_function_arn           = local.function_arns["llm"]
    parse_function_arn         = local.function_arns["parse"]
    max_iterations             = var.settings.max_iterations
    turn_budget_seconds        = local.timeouts.turn_seconds
    llm_task_timeout_seconds   = local.timeouts.llm_task_seconds
    parse_task_timeout_seconds = local.timeouts.parse_task_seconds
    tool_task_timeout_seconds  = local.timeouts.tool_task_seconds
    answer_error               = local.json_string.error
    answer_too_slow            = local.json_string.too_slow
    retries                    = local.task_retries
    delay_errors               = local.retry_policy.delay_errors
  }
}
