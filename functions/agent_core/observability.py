"""Powertools Logger and Metrics, set up the same way in every function.

User text and tool observations are never logged at INFO: log ids, sizes and decisions; full text
only at DEBUG (``POWERTOOLS_LOG_LEVEL=DEBUG``).
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from aws_lambda_powertools import Logger
from aws_lambda_powertools.metrics import EphemeralMetrics as Metrics
from aws_lambda_powertools.metrics import MetricUnit, single_metric
from aws_lambda_powertools.metrics.functions import is_metrics_disabled

__all__ = ["Logger", "MetricUnit", "Metrics", "bind_correlation", "count_by", "powertools"]

DEFAULT_NAMESPACE = "SupportAgent"


def powertools(service: str) -> tuple[Logger, Metrics]:
    """A Logger and a Metrics for one function. EphemeralMetrics keeps its own metric set: in Lambda
    that is the same as Metrics (one function per process); run locally, where every function
    shares one process, it keeps each function's metrics apart."""
    logger = Logger(service=service)
    metrics = Metrics(namespace=os.environ.get("POWERTOOLS_METRICS_NAMESPACE", DEFAULT_NAMESPACE), service=service)
    return logger, metrics


def bind_correlation(logger: Logger, event: Mapping[str, Any]) -> None:
    """Tag every log line of this invocation with the Lex session and the execution it serves."""
    correlation = event.get("correlation")
    if not isinstance(correlation, Mapping):
        return
    session_id = correlation.get("session_id")
    execution = correlation.get("execution")
    logger.append_keys(session_id=str(session_id)[:100] if session_id else None)
    if execution:
        logger.set_correlation_id(str(execution)[:100])


def count_by(metrics: Metrics, name: str, dimension: str, value: str) -> None:
    """Count one event under its own dimension (e.g. ToolSelected by tool) without adding that
    dimension to the invocation's other metrics."""
    if is_metrics_disabled():  # single_metric does not check POWERTOOLS_METRICS_DISABLED itself
        return
    with single_metric(name=name, unit=MetricUnit.Count, value=1, namespace=metrics.namespace) as metric:
        metric.add_dimension(name="service", value=str(metrics.service))
        metric.add_dimension(name=dimension, value=value[:100])
