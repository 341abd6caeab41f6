"""Fixtures for the handler tests that sit beside each handler (not packaged into Lambda zips)."""

from __future__ import annotations

import json
import uuid
from collections.abc import Callable, Iterator
from pathlib import Path
from types import ModuleType
from typing import Any

import boto3
import pytest
from moto import mock_aws

from harness.bootstrap import create_tables
from harness.lambdas import LambdaContext, load_handler
from harness.manifest import REGION, local_manifest

BASE_ENV = {
    "AWS_REGION": REGION,
    "AWS_DEFAULT_REGION": REGION,
    "POWERTOOLS_METRICS_NAMESPACE": "SupportAgentTest",
    "POWERTOOLS_METRICS_DISABLED": "true",
    "POWERTOOLS_LOG_LEVEL": "DEBUG",
}


@pytest.fixture
def event() -> Callable[[str, str], dict[str, Any]]:
    """``event("order_status", "order_found")`` reads functions/order_status/events/order_found.json."""

    def read(function: str, name: str) -> dict[str, Any]:
        return json.loads((Path(__file__).parent / function / "events" / f"{name}.json").read_text())

    return read


@pytest.fixture
def context() -> LambdaContext:
    return LambdaContext("test-function", timeout_seconds=10, memory_mb=256)


@pytest.fixture
def sample_tables(monkeypatch: pytest.MonkeyPatch) -> Iterator[dict[str, str]]:
    """moto DynamoDB with the sample store, as the local runtime seeds it."""
    for key, value in BASE_ENV.items():
        monkeypatch.setenv(key, value)
    with mock_aws():
        yield create_tables(boto3.client("dynamodb", region_name=REGION), local_manifest())


@pytest.fixture
def load() -> Callable[..., ModuleType]:
    """Import a handler as a fresh Lambda instance would, with its environment."""

    def load_with(folder: str, **env: str) -> ModuleType:
        return load_handler(folder, {**BASE_ENV, **env}, f"_test_{folder}_{uuid.uuid4().hex[:8]}")

    return load_with
