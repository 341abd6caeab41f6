"""The retry and timeout policy of every AWS call a function makes, read from ``retries.json`` (which
also gives the state machine its Retry rules, through Terraform)."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache

from agent_core.paths import package_file


@dataclass(frozen=True)
class ClientPolicy:
    connect_timeout: float
    read_timeout: float | None  # None: given per call, from what is left of the turn
    max_attempts: int  # botocore standard mode, first attempt included
    throttled_retry_within_seconds: float | None = None


@cache
def _document() -> dict:
    return json.loads(package_file("retries.json").read_text(encoding="utf-8"))


def client_policy(name: str) -> ClientPolicy:
    entry = _document()["clients"][name]
    return ClientPolicy(
        connect_timeout=float(entry["connect_timeout"]),
        read_timeout=float(entry["read_timeout"]) if "read_timeout" in entry else None,
        max_attempts=int(entry["max_attempts"]),
        throttled_retry_within_seconds=entry.get("throttled_retry_within_seconds"),
    )


def task_retry(name: str) -> dict:
    """One Step Functions Retry rule, as the ASL has it."""
    return dict(_document()["task_retries"][name])
