# Endpoint autoscaling (off by default): Application Auto Scaling adds instances behind the
# endpoint's variant when invocations per instance pass the target, and removes them when traffic
# falls. Each instance bills by the hour (ml.g5.12xlarge: about $7 an hour), so the maximum caps the
# bill; the minimum is the idle cost (see docs/deploy.md, "Endpoint autoscaling").

resource "aws_appautoscaling_target" "endpoint" {
  count = local.create_endpoint && var.endpoint_autoscaling ? 1 : 0

  service_namespace  = "sagemaker"
  resource_id        = "endpoint/${aws_sagemaker_endpoint.llm[0].name}/variant/${local.endpoint_variant}"
  scalable_dimension = "sagemaker:variant:DesiredInstanceCount"
  min_capacity       = var.endpoint_min_instances
  max_capacity       = var.endpoint_max_instances

  lifecycle {
    precondition {
      condition     = var.endpoint_min_instances <= var.endpoint_instance_count && var.endpoint_instance_count <= var.endpoint_max_instances
      error_message = "Autoscaling needs endpoint_min_instances <= endpoint_instance_count <= endpoint_max_instances."
    }
  }
}

resource "aws_appautoscaling_policy" "endpoint" {
  count = local.create_endpoint && var.endpoint_autoscaling ? 1 : 0

  name               = "${var.name_prefix}-invocations-per-instance"
  policy_type        = "TargetTrackingScaling"
  service_namespace  = aws_appautoscaling_target.endpoint[0].service_namespace
  resource_id        = aws_appautoscaling_target.endpoint[0].resource_id
  scalable_dimension = aws_appautoscaling_target.endpoint[0].scalable_dimension

  target_tracking_scaling_policy_configuration {
    target_value       = var.endpoint_target_invocations_per_instance
    scale_out_cooldown = 60  # a new instance takes minutes to start: ask early
    scale_in_cooldown  = 600 # and keep it a while, rather than pay for starting it again

    predefined_metric_specification {
      predefined_metric_type = "SageMakerVariantInvocationsPerInstance"
    }
  }
}
