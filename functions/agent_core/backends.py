"""The models a deployment calls: a SageMaker real-time endpoint (botocore) or an Amazon Bedrock model
(the Converse API). Each classifies failures into the errors of ``model_errors``; neither retries by
itself (the ``model`` client policy has one attempt): the state machine owns retries, so they show in
the execution graph and stay inside the turn budget."""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import lru_cache
from typing import Any, Protocol

from agent_core import aws
from agent_core.model_errors import ModelError, ModelOutputInvalid, ModelThrottled, ModelTimedOut, ModelUnavailable
from agent_core.payloads import PayloadFormat
from agent_core.prompts import Prompt


class Backend(Protocol):
    label: str

    def generate(self, text: str, prompt: Prompt, timeout_seconds: float) -> str: ...


@dataclass(frozen=True)
class Reply:
    """A generation with the token counts the model reported (None: it reported none)."""

    text: str
    tokens_in: int | None = None
    tokens_out: int | None = None


_TRANSIENT_CODES = {
    "ServiceUnavailable",
    "ServiceUnavailableException",
    "InternalFailure",
    "InternalServerError",
    "InternalServerException",
    "ModelNotReadyException",
}
_TIMEOUT_CODES = {"ModelTimeoutException"}


class SageMakerBackend:
    def __init__(
        self, endpoint_name: str, payload_format: PayloadFormat, region: str | None = None, session: Any = None
    ) -> None:
        self.endpoint_name = endpoint_name
        self.payload_format = payload_format
        self.region = region
        self.session = session  # a botocore session; None: the default credential chain
        self.label = f"sagemaker:{endpoint_name} ({payload_format.name})"

    def generate(self, text: str, prompt: Prompt, timeout_seconds: float) -> str:
        return self.reply(text, prompt, timeout_seconds).text

    def reply(self, text: str, prompt: Prompt, timeout_seconds: float) -> Reply:
        client = _runtime_client("sagemaker-runtime", self.region, max(1, round(timeout_seconds)), self.session)
        body = json.dumps(self.payload_format.request(text, prompt))
        with _classified():
            response = client.invoke_endpoint(
                EndpointName=self.endpoint_name,
                ContentType="application/json",
                Accept="application/json",
                Body=body,
            )
            raw = response["Body"].read()
        try:
            parsed = json.loads(raw)
        except (ValueError, UnicodeDecodeError):
            raise ModelOutputInvalid(f"endpoint body is not JSON ({len(raw)} bytes)") from None
        return Reply(self.payload_format.response(parsed), *self.payload_format.usage(parsed))


class BedrockBackend:
    """An Amazon Bedrock model through the Converse API: the same prompt files, no endpoint to run."""

    def __init__(self, model_id: str, region: str | None = None, session: Any = None) -> None:
        self.model_id = model_id
        self.region = region
        self.session = session
        self.label = f"bedrock:{model_id}"

    def generate(self, text: str, prompt: Prompt, timeout_seconds: float) -> str:
        return self.reply(text, prompt, timeout_seconds).text

    def reply(self, text: str, prompt: Prompt, timeout_seconds: float) -> Reply:
        client = _runtime_client("bedrock-runtime", self.region, max(1, round(timeout_seconds)), self.session)
        config: dict[str, Any] = {"maxTokens": prompt.max_new_tokens, "temperature": prompt.temperature}
        # Some models refuse whitespace-only stop sequences; cut_at_stop applies every one afterwards.
        stops = [stop for stop in prompt.stop if stop.strip()][:4]
        if stops:
            config["stopSequences"] = stops
        with _classified():
            response = client.converse(
                modelId=self.model_id,
                messages=[{"role": "user", "content": [{"text": text}]}],
                inferenceConfig=config,
            )
        try:
            parts = response["output"]["message"]["content"]
            generated = "".join(part["text"] for part in parts if isinstance(part, dict) and "text" in part)
        except (KeyError, TypeError):
            raise ModelOutputInvalid("Converse response has no output.message.content") from None
        usage = response.get("usage") if isinstance(response.get("usage"), dict) else {}
        counts = [usage.get(key) for key in ("inputTokens", "outputTokens")]
        return Reply(generated, *(count if isinstance(count, int) else None for count in counts))


class _classified:
    """Turns botocore's exceptions into the model errors the state machine knows."""

    def __enter__(self) -> None:
        return None

    def __exit__(self, kind: Any, error: Any, traceback: Any) -> bool:
        if error is None:
            return False
        from botocore.exceptions import BotoCoreError, ClientError, ConnectTimeoutError, ReadTimeoutError

        if isinstance(error, ClientError):
            raise classify_client_error(error) from None
        if isinstance(error, ReadTimeoutError | ConnectTimeoutError):
            raise ModelTimedOut(type(error).__name__) from None
        if isinstance(error, BotoCoreError):  # connection errors
            raise ModelUnavailable(type(error).__name__) from None
        return False


def classify_client_error(error: Any) -> ModelError:
    code = aws.error_code(error)
    status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
    if aws.is_throttled(error):
        return ModelThrottled(code or "throttled")
    if code in _TIMEOUT_CODES:
        return ModelTimedOut(code)
    if code in _TRANSIENT_CODES or (status >= 500 and code != "ModelError"):
        return ModelUnavailable(code or f"HTTP {status}")
    if code == "ModelError":
        original = error.response.get("OriginalStatusCode")
        return ModelError(f"ModelError (container status {original})")
    return ModelError(code or f"HTTP {status}")


@lru_cache(maxsize=8)
def _runtime_client(service: str, region: str | None, read_timeout: int, session: Any = None) -> Any:
    """One client per (whole-second) read timeout: the timeout shrinks as the turn budget runs out."""
    return aws.client(service, "model", read_timeout=read_timeout, region=region, session=session)
