"""Powertools Logger and Metrics, set up the same way in every function.

User text and tool observations are never logged at INFO: log ids, sizes and decisions; full text
only at DEBUG (``POWERTOOLS_LOG_LEVEL=DEBUG``).

Metrics are CloudWatch embedded metric format (EMF) documents written to standard output, as Lambda
expects. ``Metrics.stream`` can name another stream: the developer harness gives each function it
runs its own, so nothing process-wide is redirected. Every metric is declared in ``metrics.json``
(its name, unit, service and extra dimension, by role); ``add`` and ``count_by`` take the role, so a
name the dashboard and the alarms do not know cannot be emitted.
"""

from __future__ import annotations

import json
import os
import sys
import warnings
from collections.abc import Mapping
from dataclasses import dataclass
from functools import cache
from typing import Any, TextIO

from aws_lambda_powertools import Logger
from aws_lambda_powertools.metrics import EphemeralMetrics, MetricUnit
from aws_lambda_powertools.metrics.functions import is_metrics_disabled

from agent_core.paths import package_file

__all__ = ["Logger", "MetricUnit", "Metrics", "add", "bind_correlation", "count_by", "emit_by", "metric", "powertools"]

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


@dataclass(frozen=True)
class MetricSpec:
    """One metric of metrics.json."""

    role: str
    name: str
    service: str
    unit: str
    dimension: str | None
    description: str


@cache
def metrics_document() -> dict[str, Any]:
    return json.loads(package_file("metrics.json").read_text(encoding="utf-8"))


@cache
def declared() -> dict[str, MetricSpec]:
    """Every metric the functions may emit, by role (metrics.json)."""
    document = metrics_document()
    return {
        role: MetricSpec(
            role, spec["name"], spec["service"], spec["unit"], spec.get("dimension"), spec.get("description", "")
        )
        for role, spec in document["metrics"].items()
    }


def error_outcomes() -> frozenset[str]:
    """The outcomes that count as a failed turn (metrics.json ``outcomes.errors``)."""
    return frozenset(metrics_document()["outcomes"]["errors"])


def metric(role: str) -> MetricSpec:
    """The declared metric ``role``; an undeclared role is a programming error (KeyError)."""
    return declared()[role]


def add(metrics: Metrics, role: str, value: float) -> None:
    """Add the declared metric ``role`` (one without an extra dimension) to the invocation's document."""
    spec = metric(role)
    if spec.dimension is not None:
        raise ValueError(f"{spec.name} is emitted by {spec.dimension}: use count_by or emit_by")
    metrics.add_metric(name=spec.name, unit=MetricUnit(spec.unit), value=value)


def count_by(metrics: Metrics, role: str, value: str) -> None:
    """Count one event under the metric's own dimension (e.g. ToolSelected by tool) without adding that
    dimension to the invocation's other metrics: a document of its own, like Powertools' single_metric."""
    emit_by(metrics, value, {role: 1})


def emit_by(metrics: Metrics, dimension_value: str, values: Mapping[str, float]) -> None:
    """One document holding ``values`` (declared roles sharing one extra dimension) under
    ``dimension_value``: ToolCalls and ToolErrors of one tool, TokensIn and TokensOut of one count."""
    specs = [metric(role) for role in values]
    dimensions = {spec.dimension for spec in specs}
    if len(dimensions) != 1 or None in dimensions:
        raise ValueError(f"{[spec.name for spec in specs]} do not share one extra dimension")
    single = Metrics(namespace=metrics.namespace, service=metrics.service)
    single.stream = metrics.stream
    single.add_dimension(name=specs[0].dimension or "", value=dimension_value[:100])
    for spec, value in zip(specs, values.values(), strict=True):
        single.add_metric(name=spec.name, unit=MetricUnit(spec.unit), value=value)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        single.flush_metrics()
