"""AWS clients, made with botocore alone: boto3 adds ~60 ms of imports (s3transfer) we do not use."""

from __future__ import annotations

import os
from functools import cache
from typing import Any

from agent_core.retries import client_policy

# Error codes that mean "slow down": the caller may retry after a pause.
THROTTLING_CODES = frozenset(
    {
        "ThrottlingException",
        "Throttling",
        "TooManyRequestsException",
        "ThrottledException",
        "ProvisionedThroughputExceededException",
        "RequestLimitExceeded",
    }
)


def error_code(error: Any) -> str:
    """The ``Error.Code`` of a botocore ``ClientError`` ("" when it has none)."""
    return str(error.response.get("Error", {}).get("Code", ""))


def is_throttled(error: Any) -> bool:
    status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
    return error_code(error) in THROTTLING_CODES or status == 429


def client(
    service: str,
    policy: str,
    *,
    read_timeout: float | None = None,
    region: str | None = None,
    session: Any = None,
) -> Any:
    """A botocore client with the timeouts and retries of ``policy`` (``retries.json``: standard mode,
    with backoff and jitter). ``read_timeout`` is for the policies that take one per call.

    ``session``: a botocore session; None is the default credential chain.
    """
    from botocore.config import Config

    chosen = client_policy(policy)
    config = Config(
        connect_timeout=chosen.connect_timeout,
        read_timeout=read_timeout if read_timeout is not None else chosen.read_timeout or 10,
        retries={"mode": "standard", "total_max_attempts": chosen.max_attempts},
    )
    region = region or os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION")
    return (session or _default_session()).create_client(service, region_name=region, config=config)


@cache
def _default_session() -> Any:
    """One botocore session per process: its clients share the service models it has loaded."""
    import botocore.session

    return botocore.session.get_session()
