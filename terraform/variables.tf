# ---------------------------------------------------------------- deployment

variable "name_prefix" {
  description = "Prefix of every resource name (functions, tables, roles, state machine, bot, endpoint)."
  type        = string
  default     = "support-agent"

  validation {
    condition     = can(regex("^[a-z][a-z0-9-]{1,22}[a-z0-9]$", var.name_prefix)) && !strcontains(var.name_prefix, "--")
    error_message = "name_prefix must be 3 to 24 characters: lower-case letters, digits and single hyphens, starting with a letter and not ending with a hyphen (IAM role and endpoint names add suffixes to it; Lex bot names allow no two separators in a row)."
  }
}

variable "region" {
  description = "AWS region to deploy to: one where Lex V2 runs (its runtime and model building APIs). Yours to choose, in terraform.tfvars or on the command line; nothing sets it for you. It needs the endpoint's instance type (check your SageMaker quota there: make preflight)."
  type        = string

  validation {
    # Where Lex V2's model building and runtime APIs both exist (botocore's endpoint data; tests/test_terraform.py holds the list to it).
    condition = contains([
      "af-south-1", "ap-northeast-1", "ap-northeast-2", "ap-southeast-1", "ap-southeast-2", "ca-central-1",
      "eu-central-1", "eu-west-1", "eu-west-2", "us-east-1", "us-west-2", "us-gov-west-1",
    ], var.region)
    error_message = "region must be one where Amazon Lex V2 runs: af-south-1, ap-northeast-1, ap-northeast-2, ap-southeast-1, ap-southeast-2, ca-central-1, eu-central-1, eu-west-1, eu-west-2, us-east-1, us-west-2 or us-gov-west-1."
  }
}

variable "tags" {
  description = "Tags added to every resource (on top of Project = name_prefix)."
  type        = map(string)
  default     = {}

  validation {
    condition     = alltrue([for key, value in var.tags : length(key) <= 128 && length(value) <= 256 && !startswith(lower(key), "aws:")])
    error_message = "Tag keys must be at most 128 characters and not start with aws:; values at most 256."
  }
}

variable "kms_key_arn" {
  description = "Optional customer managed KMS key (yours) for logs, DynamoDB, the state machine's execution data, Lambda environment variables and the endpoint's storage volume (instance types with local NVMe storage encrypt it in hardware instead). Its key policy must allow the statements docs/deploy.md lists. Null, with create_kms_key = false: AWS managed or owned keys."
  type        = string
  default     = null

  validation {
    condition     = var.kms_key_arn == null || can(regex("^arn:aws[a-z-]*:kms:[a-z0-9-]+:[0-9]{12}:key/[0-9a-f-]{36}$", var.kms_key_arn))
    error_message = "kms_key_arn must be null or a KMS key ARN (arn:aws:kms:REGION:ACCOUNT:key/ID)."
  }
}

variable "create_kms_key" {
  description = "Create a customer managed KMS key for this deployment (rotation on) whose key policy allows exactly the services that use it: CloudWatch Logs in this region, log delivery (delivery.logs.amazonaws.com), Step Functions, DynamoDB and Lambda. Cannot be combined with kms_key_arn."
  type        = bool
  default     = false
}

variable "log_retention_days" {
  description = "Days to keep the Lambda, state machine and endpoint logs."
  type        = number
  default     = 30

  validation {
    condition     = contains([1, 3, 5, 7, 14, 30, 60, 90, 120, 150, 180, 365, 400, 545, 731, 1096, 1827, 2192, 2557, 2922, 3288, 3653], var.log_retention_days)
    error_message = "log_retention_days must be a value CloudWatch Logs accepts (1, 3, 5, 7, 14, 30, 60, 90, ... 3653)."
  }
}

variable "log_execution_data" {
  description = "Log each state's input and output (level ALL) so the Step Functions console shows them for Express executions. They hold the customer's question and the records: set false where that is not wanted (the graph still shows, without the data)."
  type        = bool
  default     = true
}

# ---------------------------------------------------------------- the model

variable "model_backend" {
  description = "Where the model runs: sagemaker (the JumpStart endpoint this module creates, or existing_endpoint_name) or bedrock (an Amazon Bedrock model through the Converse API: no endpoint, billed per token; enable access to the model in the Bedrock console first)."
  type        = string
  default     = "sagemaker"

  validation {
    condition     = contains(["sagemaker", "bedrock"], var.model_backend)
    error_message = "model_backend must be sagemaker or bedrock."
  }
}

variable "bedrock_model_id" {
  description = "Bedrock model or inference profile id for model_backend = bedrock, for example amazon.nova-micro-v1:0 or us.anthropic.claude-3-5-haiku-20241022-v1:0."
  type        = string
  default     = "amazon.nova-micro-v1:0"

  validation {
    condition     = can(regex("^((us|eu|apac|global|us-gov)\\.)?[a-z0-9-]+\\.[a-zA-Z0-9.:_-]+$", var.bedrock_model_id))
    error_message = "bedrock_model_id must be a Bedrock model id (provider.model-name-version) or an inference profile id (us.provider.model...)."
  }
}

variable "jumpstart_model_id" {
  description = "SageMaker JumpStart model to host. Any JumpStart text generation model works; make resolve-model resolves its image, artifact and environment."
  type        = string
  default     = "huggingface-text2text-flan-ul2-bf16"

  validation {
    condition     = can(regex("^[a-z0-9][a-z0-9-]*[a-z0-9]$", var.jumpstart_model_id))
    error_message = "jumpstart_model_id must be a JumpStart model id such as huggingface-text2text-flan-ul2-bf16."
  }
}

variable "jumpstart_image_uri" {
  description = "Inference image of the JumpStart model (written by make resolve-model)."
  type        = string
  default     = null

  validation {
    condition     = var.jumpstart_image_uri == null || can(regex("^[0-9]{12}\\.dkr\\.ecr\\.[a-z0-9-]+\\.amazonaws\\.com(\\.cn)?/[^:@]+[:@].+$", var.jumpstart_image_uri))
    error_message = "jumpstart_image_uri must be an ECR image URI (ACCOUNT.dkr.ecr.REGION.amazonaws.com/REPOSITORY:TAG)."
  }
}

variable "jumpstart_model_artifact" {
  description = "Where the model's weights are: a compressed tarball (compressed = true) or an uncompressed S3 prefix (written by make resolve-model)."
  type = object({
    s3_uri     = string
    compressed = bool
  })
  default = null

  validation {
    condition     = var.jumpstart_model_artifact == null || can(regex("^s3://[a-z0-9.-]+/.+", var.jumpstart_model_artifact.s3_uri))
    error_message = "jumpstart_model_artifact.s3_uri must be an s3:// URI."
  }
}

variable "jumpstart_environment" {
  description = "Container environment of the JumpStart model (its defaults, written by make resolve-model)."
  type        = map(string)
  default     = {}
}

variable "jumpstart_enable_network_isolation" {
  description = "Run the model container without network access (JumpStart models read their weights from the artifact, not the internet)."
  type        = bool
  default     = true
}

variable "jumpstart_eula_required" {
  description = "Whether the JumpStart model has a licence (EULA) to accept before it can be deployed (written by make resolve-model)."
  type        = bool
  default     = false
}

variable "jumpstart_region" {
  description = "Region the JumpStart model was resolved for (written by make resolve-model). Its image and artifact live there: Terraform refuses to deploy them to another region."
  type        = string
  default     = null

  validation {
    condition     = var.jumpstart_region == null || can(regex("^[a-z]{2}(-gov)?-[a-z]+-[0-9]$", var.jumpstart_region))
    error_message = "jumpstart_region must be null or a region name."
  }
}

variable "jumpstart_resolved_model_id" {
  description = "The JumpStart model the jumpstart_* facts were resolved for (written by make resolve-model). Terraform refuses to deploy them for another jumpstart_model_id."
  type        = string
  default     = null

  validation {
    condition     = var.jumpstart_resolved_model_id == null || can(regex("^[a-z0-9][a-z0-9-]*[a-z0-9]$", var.jumpstart_resolved_model_id))
    error_message = "jumpstart_resolved_model_id must be null or a JumpStart model id."
  }
}

variable "jumpstart_instance_type" {
  description = "The JumpStart model's default inference instance type (written by make resolve-model); endpoint_instance_type, when you set it, wins."
  type        = string
  default     = null

  validation {
    condition     = var.jumpstart_instance_type == null || can(regex("^ml\\.", var.jumpstart_instance_type))
    error_message = "jumpstart_instance_type must be null or a SageMaker instance type."
  }
}

variable "jumpstart_payload_format" {
  description = "Request/response format of the JumpStart model's container (written by make resolve-model); llm_payload_format, when you set it, wins."
  type        = string
  default     = null

  validation {
    condition     = var.jumpstart_payload_format == null || contains(["text2text", "tgi", "messages"], coalesce(var.jumpstart_payload_format, "text2text"))
    error_message = "jumpstart_payload_format must be null, text2text, tgi or messages."
  }
}

variable "jumpstart_accept_eula" {
  description = "Accept the JumpStart model's licence (EULA): set true only after reading it. Licence-gated models (Llama, Mistral and others) cannot be created without it."
  type        = bool
  default     = false
}

variable "endpoint_instance_type" {
  description = "Instance type of the endpoint. Null: the JumpStart model's default (jumpstart_instance_type, written by make resolve-model). Flan-UL2 (bf16) needs ml.g5.12xlarge; Flan-T5-XL fits ml.g5.2xlarge. Yours wins over the resolver's."
  type        = string
  default     = null

  validation {
    condition     = var.endpoint_instance_type == null || can(regex("^ml\\.[a-z0-9]+\\.[0-9]*x?large$|^ml\\.[a-z0-9]+\\.(medium|small)$", var.endpoint_instance_type))
    error_message = "endpoint_instance_type must be null or a SageMaker instance type such as ml.g5.12xlarge."
  }
}

variable "endpoint_instance_count" {
  description = "Instances behind the endpoint."
  type        = number
  default     = 1

  validation {
    condition     = var.endpoint_instance_count >= 1 && var.endpoint_instance_count <= 10 && floor(var.endpoint_instance_count) == var.endpoint_instance_count
    error_message = "endpoint_instance_count must be a whole number from 1 to 10."
  }
}

variable "endpoint_autoscaling" {
  description = "Scale the endpoint's instances with traffic (Application Auto Scaling, target tracking on invocations per instance). Off: endpoint_instance_count instances, always."
  type        = bool
  default     = false
}

variable "endpoint_min_instances" {
  description = "Fewest instances when autoscaling: the idle cost."
  type        = number
  default     = 1

  validation {
    condition     = var.endpoint_min_instances >= 1 && var.endpoint_min_instances <= 10 && floor(var.endpoint_min_instances) == var.endpoint_min_instances
    error_message = "endpoint_min_instances must be a whole number from 1 to 10 (real-time endpoints do not scale to zero)."
  }
}

variable "endpoint_max_instances" {
  description = "Most instances when autoscaling: the cap on the bill."
  type        = number
  default     = 2

  validation {
    condition     = var.endpoint_max_instances >= 1 && var.endpoint_max_instances <= 10 && floor(var.endpoint_max_instances) == var.endpoint_max_instances
    error_message = "endpoint_max_instances must be a whole number from 1 to 10."
  }
}

variable "endpoint_target_invocations_per_instance" {
  description = "Autoscaling target: model invocations per instance per minute. A turn makes one or two calls of ~1.5 s (Flan-UL2), so one instance serves about 40 calls a minute."
  type        = number
  default     = 25

  validation {
    condition     = var.endpoint_target_invocations_per_instance >= 1 && var.endpoint_target_invocations_per_instance <= 10000
    error_message = "endpoint_target_invocations_per_instance must be from 1 to 10000."
  }
}

variable "existing_endpoint_name" {
  description = "Use this SageMaker endpoint instead of creating one (no model, endpoint configuration or endpoint is created then)."
  type        = string
  default     = null

  validation {
    condition     = var.existing_endpoint_name == null || can(regex("^[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}$", var.existing_endpoint_name))
    error_message = "existing_endpoint_name must be a SageMaker endpoint name (letters, digits and hyphens, at most 63 characters)."
  }
}

# ---------------------------------------------------------------- the agent
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
  description = "Whole-turn time budget: the state machine's TimeoutSeconds. Every other timeout (model call, Lambdas, their Tasks, the fulfilment Lambda's) is derived from it (modules/definition). Lex V2 gives the fulfilment Lambda about 30 s, so keep it well under that."
  type        = number
  default     = 25

  validation {
    condition     = var.turn_budget_seconds >= 10 && var.turn_budget_seconds <= 27 && floor(var.turn_budget_seconds) == var.turn_budget_seconds
    error_message = "turn_budget_seconds must be a whole number from 10 to 27 (Lex V2 waits about 30 s for the fulfilment Lambda)."
  }
}

variable "llm_payload_format" {
  description = "Request/response format of the endpoint: text2text (JumpStart Flan: text_inputs -> generated_texts), tgi (inputs/parameters -> generated_text) or messages (chat completions). Null: the JumpStart model's (jumpstart_payload_format, written by make resolve-model), else text2text. Set it for an existing_endpoint_name. Yours wins over the resolver's."
  type        = string
  default     = null

  validation {
    condition     = var.llm_payload_format == null || contains(["text2text", "tgi", "messages"], coalesce(var.llm_payload_format, "text2text"))
    error_message = "llm_payload_format must be null, text2text, tgi or messages."
  }
}

# ---------------------------------------------------------------- functions

variable "lambda_memory_mb" {
  description = "Memory of each Lambda function (CPU grows with it)."
  type        = number
  default     = 256

  validation {
    condition     = var.lambda_memory_mb >= 128 && var.lambda_memory_mb <= 10240
    error_message = "lambda_memory_mb must be from 128 to 10240."
  }
}

variable "log_level" {
  description = "Log level of the functions. User text and tool observations are logged only at DEBUG."
  type        = string
  default     = "INFO"

  validation {
    condition     = contains(["DEBUG", "INFO", "WARNING", "ERROR"], var.log_level)
    error_message = "log_level must be DEBUG, INFO, WARNING or ERROR."
  }
}

variable "metrics_namespace" {
  description = "CloudWatch namespace of the functions' metrics."
  type        = string
  default     = "SupportAgent"

  validation {
    condition     = can(regex("^[A-Za-z0-9._/#:-]{1,255}$", var.metrics_namespace)) && !startswith(var.metrics_namespace, "AWS/")
    error_message = "metrics_namespace must be a valid CloudWatch namespace that does not start with AWS/."
  }
}

variable "powertools_layer_arn" {
  description = "ARN of a Powertools for AWS Lambda (Python) layer for python3.13 on arm64. Null: the AWS-published layer, read from its public SSM parameter, which exists in the commercial partition only (give the ARN in us-gov-west-1)."
  type        = string
  default     = null

  validation {
    condition     = var.powertools_layer_arn == null || can(regex("^arn:aws[a-z-]*:lambda:[a-z0-9-]+:[0-9]{12}:layer:[A-Za-z0-9_-]+:[0-9]+$", var.powertools_layer_arn))
    error_message = "powertools_layer_arn must be null or a Lambda layer version ARN (arn:aws:lambda:REGION:ACCOUNT:layer:NAME:VERSION)."
  }
}

variable "powertools_version" {
  description = "Version of the AWS-published Powertools for AWS Lambda (Python) layer, read from its public SSM parameter: latest, or a version such as 3.37.0 to pin it."
  type        = string
  default     = "latest"

  validation {
    condition     = var.powertools_version == "latest" || can(regex("^3\\.[0-9]+\\.[0-9]+$", var.powertools_version))
    error_message = "powertools_version must be latest or a 3.x.y version."
  }
}

# ---------------------------------------------------------------- data and chat

variable "seed_sample_data" {
  description = "Write data/sample_store.json's orders and returns into the tables."
  type        = bool
  default     = true
}

variable "deletion_protection" {
  description = "Protect the DynamoDB tables from deletion (terraform destroy then stops at them)."
  type        = bool
  default     = false
}

variable "knowledge_base_id" {
  description = "Optional: the id of an existing Amazon Bedrock Knowledge Base for the knowledge search tool to read (Retrieve; its role may read that knowledge base only). Null: the Markdown entries in knowledge/, shipped in the tool's package."
  type        = string
  default     = null

  validation {
    condition     = var.knowledge_base_id == null || can(regex("^[0-9A-Z]{10}$", var.knowledge_base_id))
    error_message = "knowledge_base_id must be a Bedrock Knowledge Base id: 10 upper-case letters and digits."
  }
}

variable "conversation_memory" {
  description = "Where the last turns of a conversation are kept: session_attributes (Lex session attributes, the default; nothing to create) or dynamodb (a table with a TTL, keyed by the Lex session id and the bot alias: server-side and beyond the Lex session)."
  type        = string
  default     = "session_attributes"

  validation {
    condition     = contains(["session_attributes", "dynamodb"], var.conversation_memory)
    error_message = "conversation_memory must be session_attributes or dynamodb."
  }
}

variable "memory_ttl_hours" {
  description = "With conversation_memory = dynamodb: hours a conversation's memory is kept after its last turn."
  type        = number
  default     = 24

  validation {
    condition     = var.memory_ttl_hours >= 1 && var.memory_ttl_hours <= 720
    error_message = "memory_ttl_hours must be from 1 to 720."
  }
}

variable "memory_key_version" {
  description = "With conversation_memory = session_attributes: version of the key that signs the memory in Lex session attributes. Raise it to rotate the key (a new SSM parameter with a new random value; conversations under way lose their memory once)."
  type        = number
  default     = 1

  validation {
    condition     = var.memory_key_version >= 1 && floor(var.memory_key_version) == var.memory_key_version
    error_message = "memory_key_version must be a whole number, 1 or more."
  }
}

variable "qnabot_fulfillment_role_arn" {
  description = "Optional: the FulfillmentLambdaRole of a QnABot on AWS stack, allowed to invoke the fulfilment Lambda as a Lambda hook (see docs/deploy.md, \"QnABot on AWS\")."
  type        = string
  default     = null

  validation {
    condition     = var.qnabot_fulfillment_role_arn == null || can(regex("^arn:aws[a-z-]*:iam::[0-9]{12}:role/.+$", var.qnabot_fulfillment_role_arn))
    error_message = "qnabot_fulfillment_role_arn must be null or an IAM role ARN."
  }
}

variable "lex_conversation_logs" {
  description = "Write the bot's conversation text logs (every user utterance and bot answer, with session attributes) to a CloudWatch log group, for the test and live aliases. They hold user text: off by default; log_retention_days and the KMS key apply."
  type        = bool
  default     = false
}

variable "lex_idle_session_ttl_seconds" {
  description = "How long Lex keeps an idle session (and the conversation memory in it)."
  type        = number
  default     = 300

  validation {
    condition     = var.lex_idle_session_ttl_seconds >= 60 && var.lex_idle_session_ttl_seconds <= 86400
    error_message = "lex_idle_session_ttl_seconds must be from 60 to 86400."
  }
}

# ---------------------------------------------------------------- operations: dashboard and alarms

variable "alarm_email" {
  description = "E-mail address the alarms notify (an SNS topic and an e-mail subscription are created; confirm the subscription from the message AWS sends). Null: the alarms still exist and show on the dashboard, but notify nobody."
  type        = string
  default     = null

  validation {
    condition     = var.alarm_email == null || can(regex("^[^@\\s]+@[^@\\s]+\\.[^@\\s]+$", var.alarm_email))
    error_message = "alarm_email must be null or an e-mail address."
  }
}

variable "alarm_turn_error_rate_percent" {
  description = "Alarm when more than this percentage of turns ends in an error outcome (error, too_slow, not_run) in enough periods."
  type        = number
  default     = 5

  validation {
    condition     = var.alarm_turn_error_rate_percent > 0 && var.alarm_turn_error_rate_percent <= 100
    error_message = "alarm_turn_error_rate_percent must be above 0 and at most 100."
  }
}

variable "alarm_turn_latency_budget_percent" {
  description = "Alarm when the p95 turn latency is above this percentage of turn_budget_seconds (80: 20 s of the default 25 s)."
  type        = number
  default     = 80

  validation {
    condition     = var.alarm_turn_latency_budget_percent >= 10 && var.alarm_turn_latency_budget_percent <= 100
    error_message = "alarm_turn_latency_budget_percent must be from 10 to 100."
  }
}

variable "alarm_model_server_errors" {
  description = "Alarm when the model returns this many server errors in a period or more (the endpoint's Invocation5XXErrors, or Bedrock's InvocationServerErrors)."
  type        = number
  default     = 5

  validation {
    condition     = var.alarm_model_server_errors >= 1 && floor(var.alarm_model_server_errors) == var.alarm_model_server_errors
    error_message = "alarm_model_server_errors must be a whole number of at least 1."
  }
}

variable "alarm_state_machine_failures" {
  description = "Alarm when this many executions or more fail, time out or are aborted in a period (turns normally end in an apology state instead)."
  type        = number
  default     = 1

  validation {
    condition     = var.alarm_state_machine_failures >= 1 && floor(var.alarm_state_machine_failures) == var.alarm_state_machine_failures
    error_message = "alarm_state_machine_failures must be a whole number of at least 1."
  }
}

variable "alarm_lambda_throttles" {
  description = "Alarm when the agent's Lambda functions are throttled this many times or more in a period, all functions together."
  type        = number
  default     = 1

  validation {
    condition     = var.alarm_lambda_throttles >= 1 && floor(var.alarm_lambda_throttles) == var.alarm_lambda_throttles
    error_message = "alarm_lambda_throttles must be a whole number of at least 1."
  }
}

variable "alarm_period_seconds" {
  description = "Length of the period every alarm evaluates, in seconds."
  type        = number
  default     = 300

  validation {
    condition     = contains([60, 120, 300, 600, 900, 1800, 3600], var.alarm_period_seconds)
    error_message = "alarm_period_seconds must be 60, 120, 300, 600, 900, 1800 or 3600."
  }
}

variable "alarm_evaluation_periods" {
  description = "How many of the latest periods an alarm looks at."
  type        = number
  default     = 3

  validation {
    condition     = var.alarm_evaluation_periods >= 1 && var.alarm_evaluation_periods <= 24 && floor(var.alarm_evaluation_periods) == var.alarm_evaluation_periods
    error_message = "alarm_evaluation_periods must be a whole number from 1 to 24."
  }
}

variable "alarm_datapoints_to_alarm" {
  description = "How many of those periods must breach for the alarm to go off (at most alarm_evaluation_periods)."
  type        = number
  default     = 2

  validation {
    condition     = var.alarm_datapoints_to_alarm >= 1 && var.alarm_datapoints_to_alarm <= 24 && floor(var.alarm_datapoints_to_alarm) == var.alarm_datapoints_to_alarm
    error_message = "alarm_datapoints_to_alarm must be a whole number from 1 to 24 (and at most alarm_evaluation_periods)."
  }
}
