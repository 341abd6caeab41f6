"""Powertools Logger and Metrics, set up the same way in every function.

User text and tool observations are never logged at INFO: log ids, sizes and decisions; full text
only at DEBUG (``POWERTOOLS_LOG_LEVEL=DEBUG``).

Metrics are CloudWatch embedded metric format (EMF) documents written to standard output, as Lambda
expects. ``Metrics.stream`` can name another stream: the developer harness gives each function it
runs its own, so nothing process-wide is redirected.
"""

from __future__ import annotations

import json
import os
import sys
import warnings
from collections.abc import Mapping
from typing import Any, TextIO

from aws_lambda_powertools import Logger
from aws_lambda_powertools.metrics import EphemeralMetrics, MetricUnit
from aws_lambda_powertools.metrics.functions import is_metrics_disabled

__all__ = ["Logger", "MetricUnit", "Metrics", "bind_correlation", "count_by", "powertools"]

DEFAULT_NAMESPACE = "SupportAgent"


class Metrics(EphemeralMetrics):
    """Powertools' EMF metrics (its own metric set per instance), written to ``stream`` (None: stdout)."""

    stream: TextIO | None = None

    def flush_metrics(self, raise_on_empty_metrics: bool = False) -> None:
        if not self.metric_set:
            if raise_on_empty_metrics:
                super().flush_metrics(raise_on_empty_metrics=True)  # Powertools raises its own error
            return
        if not is_metrics_disabled():
            self.write(self.serialize_metric_set())
        self.clear_metrics()

    def write(self, document: Mapping[str, Any]) -> None:
        stream = self.stream if self.stream is not None else sys.stdout
        stream.write(json.dumps(document, separators=(",", ":")) + "\n")


def powertools(service: str) -> tuple[Logger, Metrics]:
    """A Logger and a Metrics for one function."""
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
    dimension to the invocation's other metrics: a document of its own, like Powertools' single_metric."""
    single = Metrics(namespace=metrics.namespace, service=metrics.service)
    single.stream = metrics.stream
    single.add_dimension(name=dimension, value=value[:100])
    single.add_metric(name=name, unit=MetricUnit.Count, value=1)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        single.flush_metrics()
