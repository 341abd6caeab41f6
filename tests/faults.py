"""Fault injection for the local runtime: a SageMaker endpoint that fails on cue.

The LLM Lambda keeps its real SageMaker backend (payload format, error classification, timeouts);
only the sagemaker-runtime client underneath is fake. It answers like the offline stand-in unless
the scenario's fault says otherwise, and it honours the read timeout the backend configures.
"""

from __future__ import annotations

import io
import json
import re
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from botocore.exceptions import ClientError, ReadTimeoutError

from agent_core import answers
from agent_core.backends import SageMakerBackend
from agent_core.payloads import PAYLOAD_FORMATS
from harness import offline_model


@dataclass
class Reply:
    """What the fake endpoint does for one call: send ``body`` (raw bytes) or ``text`` (a
    generation, wrapped in the text2text payload; the stand-in's when neither is given), after
    ``delay`` seconds, or raise ``error``."""

    text: str | None = None
    body: bytes | None = None
    error: Exception | None = None
    delay: float = 0.0


Fault = Callable[[str, int], Reply | None]  # (prompt name, attempt for that prompt) -> reply or None


def client_error(code: str, status: int, message: str = "injected", **extra: Any) -> ClientError:
    return ClientError(
        {"Error": {"Code": code, "Message": message}, "ResponseMetadata": {"HTTPStatusCode": status}, **extra},
        "InvokeEndpoint",
    )


@dataclass
class FakeEndpoint:
    fault: Fault | None = None
    calls: list[str] = field(default_factory=list)

    def reset(self, fault: Fault | None = None) -> None:
        self.fault = fault
        self.calls = []

    def invoke(self, body: str, read_timeout: float) -> dict[str, Any]:
        prompt = json.loads(body)["text_inputs"]
        name = "planner" if prompt.rstrip().endswith("tool:") else "interpreter"
        self.calls.append(name)
        reply = (self.fault(name, self.calls.count(name)) if self.fault else None) or Reply()
        if reply.delay:
            time.sleep(min(reply.delay, read_timeout))
            if reply.delay > read_timeout:
                raise ReadTimeoutError(endpoint_url="https://runtime.sagemaker.local/endpoints/flan/invocations")
        if reply.error is not None:
            raise reply.error
        text = reply.text if reply.text is not None else offline_model.generate(prompt)
        raw = reply.body if reply.body is not None else json.dumps({"generated_texts": [text]}).encode()
        return {"Body": io.BytesIO(raw), "ContentType": "application/json"}


class _FakeClient:
    def __init__(self, endpoint: FakeEndpoint, read_timeout: float):
        self.endpoint, self.read_timeout = endpoint, read_timeout

    def invoke_endpoint(self, *, EndpointName: str, ContentType: str, Accept: str, Body: str) -> dict[str, Any]:
        return self.endpoint.invoke(Body, self.read_timeout)


class _FakeSession:
    def __init__(self, endpoint: FakeEndpoint):
        self.endpoint = endpoint

    def create_client(self, service: str, region_name: str | None = None, config: Any = None) -> _FakeClient:
        assert service == "sagemaker-runtime"
        return _FakeClient(self.endpoint, config.read_timeout)


def faulty_sagemaker(endpoint: FakeEndpoint) -> SageMakerBackend:
    return SageMakerBackend("flan-ul2-test", PAYLOAD_FORMATS["text2text"], "us-east-1", session=_FakeSession(endpoint))


# ---------------------------------------------------------------- what the user may see

_DOCUMENTED = [
    re.compile("^" + re.sub(r"\\\{\w+\\\}", ".+", re.escape(template)) + "$", re.DOTALL)
    for template in (answers.answer_template(key) for key in answers.names())
]
_INTERNALS = re.compile(r"Traceback|arn:aws|errorType|errorMessage|\{\"|States\.|Lambda\.|Exception|Error:")


def is_documented_answer(text: str) -> bool:
    """One of the canned answers in functions/agent_core/answers.json (placeholders filled)."""
    return any(pattern.match(text) for pattern in _DOCUMENTED)


def leaks_internals(text: str) -> bool:
    return bool(_INTERNALS.search(text))
