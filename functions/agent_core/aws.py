"""AWS clients, made with botocore alone: boto3 adds ~60 ms of imports (s3transfer) we do not use."""

from __future__ import annotations

import os
from typing import Any


def client(service: str, *, read_timeout: float = 10, max_attempts: int = 3, region: str | None = None) -> Any:
    """A botocore client with explicit timeouts and retries (standard mode, with backoff and jitter)."""
    import botocore.session
    from botocore.config import Config

    config = Config(
        connect_timeout=2,
        read_timeout=read_timeout,
        retries={"mode": "standard", "total_max_attempts": max_attempts},
    )
    region = region or os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION")
    return botocore.session.get_session().create_client(service, region_name=region, config=config)
