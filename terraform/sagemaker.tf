# The model endpoint (model_backend = sagemaker): a SageMaker JumpStart model, Flan-UL2 by default.
# make resolve-model writes jumpstart.auto.tfvars.json with the image, the artifact, the environment,
# the default instance type and the payload format the JumpStart spec gives for
# var.jumpstart_model_id. Set existing_endpoint_name to use an endpoint you already have instead
# (nothing below is created then).

locals {
  use_sagemaker    = var.model_backend == "sagemaker"
  create_endpoint  = local.use_sagemaker && var.existing_endpoint_name == null
  endpoint_variant = "AllTraffic"
  endpoint_name    = local.use_sagemaker ? coalesce(var.existing_endpoint_name, "${var.name_prefix}-llm") : null
  # SageMaker lower-cases endpoint names in ARNs.
  endpoint_arn = local.use_sagemaker ? "arn:${local.partition}:sagemaker:${var.region}:${local.account}:endpoint/${lower(local.endpoint_name)}" : null

  image = local.create_endpoint && var.jumpstart_image_uri != null ? regex(
    "^(?P<account>[0-9]{12})\\.dkr\\.ecr\\.(?P<region>[a-z0-9-]+)\\.amazonaws\\.com(?:\\.cn)?/(?P<repository>[^:@]+)", var.jumpstart_image_uri
  ) : null
  image_repository_arn = local.image == null ? null : "arn:${local.partition}:ecr:${local.image.region}:${local.image.account}:repository/${local.image.repository}"

  artifact = local.create_endpoint && var.jumpstart_model_artifact != null ? regex(
    "^s3://(?P<bucket>[^/]+)/(?P<key>.*)$", var.jumpstart_model_artifact.s3_uri
  ) : null

  # A licence (EULA) can only be accepted on model_data_source, so an accepted model always uses it
  # (a tarball as a gzip-compressed S3 object).
  artifact_as_source = var.jumpstart_model_artifact != null && (!try(var.jumpstart_model_artifact.compressed, true) || var.jumpstart_accept_eula)
  # A licence-gated model cannot be created until its licence is accepted (make resolve-model says so).
  eula_accepted_where_required = !var.jumpstart_eula_required || var.jumpstart_accept_eula

  # Instance types with local NVMe storage encrypt it in hardware and refuse a KMS key for it.
  instance_has_local_storage = can(regex("^ml\\.(g4dn|g5|g6|g6e|p3dn|p4d|p4de|p5|p5e|m5d|c5d|r5d|inf2|trn1)\\.", coalesce(local.endpoint_instance_type, "none")))
  endpoint_kms_key_arn       = local.instance_has_local_storage ? null : local.kms_key_arn
}

resource "aws_iam_role" "sagemaker" {
  count = local.create_endpoint ? 1 : 0

  name               = "${var.name_prefix}-sagemaker"
  description        = "Runs the ${var.jumpstart_model_id} endpoint: pulls its image, reads its artifact, writes its logs."
  assume_role_policy = data.aws_iam_policy_document.assume["sagemaker"].json
}

data "aws_iam_policy_document" "sagemaker" {
  count = local.create_endpoint ? 1 : 0

  lifecycle {
    precondition {
      condition     = var.jumpstart_image_uri != null && var.jumpstart_model_artifact != null && local.endpoint_instance_type != null
      error_message = "No JumpStart model resolved: run make resolve-model (make deploy does it for a new endpoint), or set existing_endpoint_name, or model_backend = \"bedrock\"."
    }

    precondition {
      condition     = try(local.image.region == var.region, true) && coalesce(var.jumpstart_region, var.region) == var.region
      error_message = "The JumpStart model was resolved for another region than var.region: run make resolve-model again (it reads your region from terraform.tfvars)."
    }

    precondition {
      condition     = coalesce(var.jumpstart_resolved_model_id, var.jumpstart_model_id) == var.jumpstart_model_id
      error_message = "The JumpStart facts in jumpstart.auto.tfvars.json are for ${coalesce(var.jumpstart_resolved_model_id, "?")}, not jumpstart_model_id = ${var.jumpstart_model_id}: run make resolve-model again (it reads jumpstart_model_id from terraform.tfvars)."
    }
  }

  statement {
    sid       = "PullTheInferenceImage"
    actions   = ["ecr:BatchCheckLayerAvailability", "ecr:BatchGetImage", "ecr:GetDownloadUrlForLayer"]
    resources = [local.image_repository_arn]
  }

  statement {
    sid       = "LogInToEcr"
    actions   = ["ecr:GetAuthorizationToken"]
    resources = ["*"] # GetAuthorizationToken has no resource-level permissions
  }

  statement {
    sid       = "ReadTheModelArtifact"
    actions   = ["s3:GetObject"]
    resources = ["arn:${local.partition}:s3:::${local.artifact.bucket}/${local.artifact.key}*"]
  }

  statement {
    sid       = "ListTheModelArtifact"
    actions   = ["s3:ListBucket"]
    resources = ["arn:${local.partition}:s3:::${local.artifact.bucket}"]

    condition {
      test     = "StringLike"
      variable = "s3:prefix"
      values   = ["${local.artifact.key}*"]
    }
  }

  statement {
    sid = "WriteEndpointLogs"
    # CreateLogGroup too: Terraform creates the group first, but a container that tries to create it
    # must not fail on AccessDenied.
    actions = [
      "logs:CreateLogGroup",
      "logs:CreateLogStream",
      "logs:DescribeLogStreams",
      "logs:PutLogEvents",
    ]
    resources = [
      "arn:${local.partition}:logs:${var.region}:${local.account}:log-group:/aws/sagemaker/Endpoints/${local.endpoint_name}",
      "arn:${local.partition}:logs:${var.region}:${local.account}:log-group:/aws/sagemaker/Endpoints/${local.endpoint_name}:*",
    ]
  }

  statement {
    sid       = "PublishEndpointMetrics"
    actions   = ["cloudwatch:PutMetricData"]
    resources = ["*"] # PutMetricData has no resource-level permissions; the namespace condition narrows it

    condition {
      test     = "StringLike"
      variable = "cloudwatch:namespace"
      values   = ["/aws/sagemaker/*"]
    }
  }
}

resource "aws_iam_role_policy" "sagemaker" {
  count = local.create_endpoint ? 1 : 0

  name   = "endpoint"
  role   = aws_iam_role.sagemaker[0].id
  policy = data.aws_iam_policy_document.sagemaker[0].json
}

resource "aws_sagemaker_model" "llm" {
  count = local.create_endpoint ? 1 : 0

  # A new name whenever anything of the model changes (SageMaker has no UpdateModel), so the
  # replacement is created before the old one goes and the endpoint switches without downtime.
  name                     = "${var.name_prefix}-llm-${substr(sha1(jsonencode([var.jumpstart_image_uri, var.jumpstart_model_artifact, var.jumpstart_environment, var.jumpstart_enable_network_isolation, var.jumpstart_accept_eula])), 0, 8)}"
  execution_role_arn       = aws_iam_role.sagemaker[0].arn
  enable_network_isolation = var.jumpstart_enable_network_isolation

  primary_container {
    image          = var.jumpstart_image_uri
    mode           = "SingleModel"
    environment    = var.jumpstart_environment
    model_data_url = var.jumpstart_model_artifact != null && !local.artifact_as_source ? var.jumpstart_model_artifact.s3_uri : null

    dynamic "model_data_source" {
      for_each = local.artifact_as_source ? [var.jumpstart_model_artifact] : []

      content {
        s3_data_source {
          s3_uri           = model_data_source.value.s3_uri
          s3_data_type     = model_data_source.value.compressed ? "S3Object" : "S3Prefix"
          compression_type = model_data_source.value.compressed ? "Gzip" : "None"

          dynamic "model_access_config" {
            for_each = var.jumpstart_accept_eula ? [true] : []

            content {
              accept_eula = true
            }
          }
        }
      }
    }
  }

  depends_on = [aws_iam_role_policy.sagemaker]

  lifecycle {
    create_before_destroy = true

    precondition {
      condition     = local.eula_accepted_where_required
      error_message = "${var.jumpstart_model_id} has a licence (EULA). Read it (make resolve-model prints where), then set jumpstart_accept_eula = true."
    }
  }
}

resource "aws_sagemaker_endpoint_configuration" "llm" {
  count = local.create_endpoint ? 1 : 0

  name_prefix = "${var.name_prefix}-llm-"
  kms_key_arn = local.endpoint_kms_key_arn

  production_variants {
    variant_name                                      = local.endpoint_variant
    model_name                                        = aws_sagemaker_model.llm[0].name
    instance_type                                     = local.endpoint_instance_type
    initial_instance_count                            = var.endpoint_instance_count
    container_startup_health_check_timeout_in_seconds = 1800
    model_data_download_timeout_in_seconds            = 3600
  }

  lifecycle {
    create_before_destroy = true
  }
}

# New accounts often have a quota of 0 for GPU endpoint instances: the plan stops here, in seconds,
# rather than the apply after minutes with ResourceLimitExceeded.
data "aws_servicequotas_service_quota" "endpoint_instances" {
  count = local.create_endpoint ? 1 : 0

  service_code = "sagemaker"
  quota_code   = local.endpoint_quota_code
  quota_name   = local.endpoint_quota_code == null ? local.endpoint_quota_name : null
}

resource "aws_sagemaker_endpoint" "llm" {
  count = local.create_endpoint ? 1 : 0

  name                 = local.endpoint_name
  endpoint_config_name = aws_sagemaker_endpoint_configuration.llm[0].name

  # The container's logs go to a group with this deployment's retention and key, removed on destroy.
  depends_on = [aws_cloudwatch_log_group.endpoint]

  lifecycle {
    precondition {
      condition     = data.aws_servicequotas_service_quota.endpoint_instances[0].value >= local.endpoint_instances_needed
      error_message = "Your Service Quotas limit \"${local.endpoint_quota_name}\" (SageMaker, ${var.region}) is ${data.aws_servicequotas_service_quota.endpoint_instances[0].value}; this endpoint needs ${local.endpoint_instances_needed}. Ask for an increase in the Service Quotas console (make preflight prints the link), choose a smaller model (make resolve-model MODEL_ID=huggingface-text2text-flan-t5-xl), or use Amazon Bedrock (model_backend = \"bedrock\"), which needs no endpoint."
    }
  }
}

resource "aws_cloudwatch_log_group" "endpoint" {
  #checkov:skip=CKV_AWS_338:Retention is var.log_retention_days, as for the functions' logs.
  count = local.create_endpoint ? 1 : 0

  name              = "/aws/sagemaker/Endpoints/${local.endpoint_name}"
  retention_in_days = var.log_retention_days
  kms_key_id        = local.kms_key_arn
}
