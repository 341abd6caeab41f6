"""The model client: one ``generate(prompt)`` call over several backends and payload formats.

Backends (``LLM_BACKEND``):
  - ``sagemaker``: a SageMaker real-time endpoint (``LLM_ENDPOINT_NAME``), invoked with botocore.
  - ``bedrock``: an Amazon Bedrock model (``BEDROCK_MODEL_ID``) through the Converse API.
  - ``replay``: a cassette of prompt -> response pairs (``LLM_CASSETTE_PATH``).
  - ``offline``: the deterministic stand-in in ``offline_model`` (not a language model).

Payload formats (``LLM_PAYLOAD_FORMAT``), for ``sagemaker``:
  - ``text2text``: JumpStart Flan containers, ``{"text_inputs": ...}`` -> ``{"generated_texts": [...]}``.
  - ``tgi``: Hugging Face TGI, ``{"inputs": ..., "parameters": {...}}`` -> ``[{"generated_text": ...}]``.
  - ``messages``: chat completions, ``{"messages": [...]}`` -> ``{"choices": [{"message": ...}]}``.

Errors carry the names the state machine retries on: ``ModelThrottled`` and ``ModelUnavailable`` are
retried by the state machine (the client itself never retries, so retries stay visible in the
execution graph and inside the turn budget); ``ModelError`` and ``ModelOutputInvalid`` are not.
"""

from __future__ import annotations

import hashlib
import json
import os
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass
from functools import lru_cache
from pathlib import Path
from typing import Any, Protocol

from agent_core import aws
from agent_core.limits import MAX_GENERATION_CHARS
from agent_core.prompts import Prompt


class ModelError(Exception):
    """The model rejected the request, or the backend is misconfigured. Not retried."""


class ModelThrottled(ModelError):
    """The endpoint is throttling. Retried by the state machine."""


class ModelUnavailable(ModelError):
    """A transient failure: 5xx, timeout, connection error. Retried by the state machine."""


class ModelOutputInvalid(ModelError):
    """The endpoint answered with a body that is not the expected payload. Not retried."""


class CassetteMiss(ModelError):
    """The replay cassette has no response for this prompt."""


# ---------------------------------------------------------------- payload formats


def _text2text_request(text: str, prompt: Prompt) -> dict[str, Any]:
    body: dict[str, Any] = {"text_inputs": text, "max_length": prompt.max_new_tokens, "num_return_sequences": 1}
    if prompt.temperature > 0:
        body.update(do_sample=True, temperature=prompt.temperature)
    else:
        body["do_sample"] = False
    return body


def _text2text_response(body: Any) -> str:
    if isinstance(body, dict):
        texts = body.get("generated_texts", body.get("generated_text"))
        if isinstance(texts, list) and texts and isinstance(texts[0], str):
            return texts[0]
        if isinstance(texts, str):
            return texts
    raise ModelOutputInvalid("text2text body has no generated_texts")


def _tgi_request(text: str, prompt: Prompt) -> dict[str, Any]:
    parameters: dict[str, Any] = {
        "max_new_tokens": prompt.max_new_tokens,
        "return_full_text": False,
        "do_sample": prompt.temperature > 0,
    }
    if prompt.temperature > 0:
        parameters["temperature"] = prompt.temperature
    if prompt.stop:
        parameters["stop"] = list(prompt.stop)
    return {"inputs": text, "parameters": parameters}


def _tgi_response(body: Any) -> str:
    item = body[0] if isinstance(body, list) and body else body
    if isinstance(item, dict) and isinstance(item.get("generated_text"), str):
        return item["generated_text"]
    raise ModelOutputInvalid("TGI body has no generated_text")


def _messages_request(text: str, prompt: Prompt) -> dict[str, Any]:
    body: dict[str, Any] = {
        "messages": [{"role": "user", "content": text}],
        "max_tokens": prompt.max_new_tokens,
        "temperature": prompt.temperature,
    }
    if prompt.stop:
        body["stop"] = list(prompt.stop)
    return body


def _messages_response(body: Any) -> str:
    try:
        content = body["choices"][0]["message"]["content"]
    except (KeyError, IndexError, TypeError):
        raise ModelOutputInvalid("chat completions body has no choices[0].message.content") from None
    if not isinstance(content, str):
        raise ModelOutputInvalid("chat completions content is not text")
    return content


@dataclass(frozen=True)
class PayloadFormat:
    name: str
    request: Callable[[str, Prompt], dict[str, Any]]
    response: Callable[[Any], str]


PAYLOAD_FORMATS = {
    "text2text": PayloadFormat("text2text", _text2text_request, _text2text_response),
    "tgi": PayloadFormat("tgi", _tgi_request, _tgi_response),
    "messages": PayloadFormat("messages", _messages_request, _messages_response),
}


def cut_at_stop(text: str, prompt: Prompt) -> str:
    """Cut a generation at the prompt's first stop sequence (not every container honours them).
    Leading whitespace goes first: chat models often open with a newline, which is also a stop."""
    text = text.lstrip()
    for stop in prompt.stop:
        index = text.find(stop)
        if index >= 0:
            text = text[:index]
    return text[:MAX_GENERATION_CHARS]


# ---------------------------------------------------------------- backends


class Backend(Protocol):
    label: str

    def generate(self, text: str, prompt: Prompt, timeout_seconds: float) -> str: ...


_TRANSIENT_CODES = {
    "ServiceUnavailable",
    "ServiceUnavailableException",
    "InternalFailure",
    "InternalServerError",
    "InternalServerException",
    "ModelNotReadyException",
    "ModelTimeoutException",
}


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
        from botocore.exceptions import BotoCoreError, ClientError

        client = _runtime_client("sagemaker-runtime", self.region, max(1, round(timeout_seconds)), self.session)
        body = json.dumps(self.payload_format.request(text, prompt))
        try:
            response = client.invoke_endpoint(
                EndpointName=self.endpoint_name,
                ContentType="application/json",
                Accept="application/json",
                Body=body,
            )
            raw = response["Body"].read()
        except ClientError as error:
            raise _classify_client_error(error) from None
        except BotoCoreError as error:  # timeouts and connection errors
            raise ModelUnavailable(type(error).__name__) from None
        try:
            parsed = json.loads(raw)
        except (ValueError, UnicodeDecodeError):
            raise ModelOutputInvalid(f"endpoint body is not JSON ({len(raw)} bytes)") from None
        return self.payload_format.response(parsed)


def _classify_client_error(error: Any) -> ModelError:
    code = aws.error_code(error)
    status = error.response.get("ResponseMetadata", {}).get("HTTPStatusCode", 0)
    if aws.is_throttled(error):
        return ModelThrottled(code or "throttled")
    if code in _TRANSIENT_CODES or (status >= 500 and code != "ModelError"):
        return ModelUnavailable(code or f"HTTP {status}")
    if code == "ModelError":
        original = error.response.get("OriginalStatusCode")
        return ModelError(f"ModelError (container status {original})")
    return ModelError(code or f"HTTP {status}")


class BedrockBackend:
    """An Amazon Bedrock model through the Converse API: the same prompt files, no endpoint to run."""

    def __init__(self, model_id: str, region: str | None = None, session: Any = None) -> None:
        self.model_id = model_id
        self.region = region
        self.session = session
        self.label = f"bedrock:{model_id}"

    def generate(self, text: str, prompt: Prompt, timeout_seconds: float) -> str:
        from botocore.exceptions import BotoCoreError, ClientError

        client = _runtime_client("bedrock-runtime", self.region, max(1, round(timeout_seconds)), self.session)
        config: dict[str, Any] = {"maxTokens": prompt.max_new_tokens, "temperature": prompt.temperature}
        # Some models refuse whitespace-only stop sequences; cut_at_stop applies every one afterwards.
        stops = [stop for stop in prompt.stop if stop.strip()][:4]
        if stops:
            config["stopSequences"] = stops
        try:
            response = client.converse(
                modelId=self.model_id,
                messages=[{"role": "user", "content": [{"text": text}]}],
                inferenceConfig=config,
            )
        except ClientError as error:
            raise _classify_client_error(error) from None
        except BotoCoreError as error:
            raise ModelUnavailable(type(error).__name__) from None
        try:
            parts = response["output"]["message"]["content"]
            return "".join(part["text"] for part in parts if isinstance(part, dict) and "text" in part)
        except (KeyError, TypeError):
            raise ModelOutputInvalid("Converse response has no output.message.content") from None


@lru_cache(maxsize=8)
def _runtime_client(service: str, region: str | None, read_timeout: int, session: Any = None) -> Any:
    """One client per (whole-second) read timeout: the timeout shrinks as the turn budget runs out.
    One attempt: the state machine owns retries."""
    return aws.client(service, read_timeout=read_timeout, max_attempts=1, region=region, session=session)


class ReplayBackend:
    def __init__(self, cassette_path: str | Path) -> None:
        self.path = Path(cassette_path)
        self.label = f"replay:{self.path.name}"
        self._responses = {item["prompt"]: item["response"] for item in load_cassette(self.path)}

    def generate(self, text: str, prompt: Prompt, timeout_seconds: float) -> str:
        try:
            return self._responses[text]
        except KeyError:
            first_line = text.strip().splitlines()[0][:60] if text.strip() else ""
            raise CassetteMiss(
                f"cassette {self.path} has no response for prompt {prompt.name!r} "
                f"(sha256 {prompt_digest(text)}, starts {first_line!r}); record it again"
            ) from None


class OfflineBackend:
    """The deterministic stand-in. Its output is never a model's: everything showing it says so."""

    label = "offline stand-in (deterministic, not a language model)"

    def generate(self, text: str, prompt: Prompt, timeout_seconds: float) -> str:
        from agent_core import offline_model

        return offline_model.generate(text)


class RecordingBackend:
    """Wraps a backend and writes every prompt and response to a cassette ``ReplayBackend`` reads."""

    def __init__(self, inner: Backend, cassette_path: str | Path) -> None:
        self.inner = inner
        self.path = Path(cassette_path)
        self.label = f"{inner.label}, recording to {self.path.name}"
        self._lock = threading.Lock()

    def generate(self, text: str, prompt: Prompt, timeout_seconds: float) -> str:
        response = self.inner.generate(text, prompt, timeout_seconds)
        with self._lock:
            interactions = load_cassette(self.path) if self.path.exists() else []
            interactions = [item for item in interactions if item["prompt"] != text]
            interactions.append({"prompt_name": prompt.name, "prompt": text, "response": response})
            save_cassette(self.path, interactions, source=self.inner.label)
        return response


def prompt_digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]


def load_cassette(path: Path) -> list[dict[str, str]]:
    data = json.loads(path.read_text(encoding="utf-8"))
    return list(data["interactions"])


def save_cassette(path: Path, interactions: list[dict[str, str]], source: str) -> None:
    document = {"format": 1, "source": source, "interactions": interactions}
    tmp = path.with_suffix(path.suffix + ".tmp")
    tmp.write_text(json.dumps(document, indent=1, ensure_ascii=False) + "\n", encoding="utf-8")
    tmp.replace(path)


# ---------------------------------------------------------------- configuration


@dataclass(frozen=True)
class ModelSettings:
    backend: str
    endpoint_name: str
    bedrock_model_id: str
    payload_format: str
    cassette_path: str
    record_path: str
    timeout_seconds: float
    region: str | None

    @classmethod
    def from_env(cls) -> ModelSettings:
        return cls(
            backend=os.environ.get("LLM_BACKEND", "sagemaker"),
            endpoint_name=os.environ.get("LLM_ENDPOINT_NAME", ""),
            bedrock_model_id=os.environ.get("BEDROCK_MODEL_ID", ""),
            payload_format=os.environ.get("LLM_PAYLOAD_FORMAT", "text2text"),
            cassette_path=os.environ.get("LLM_CASSETTE_PATH", ""),
            record_path=os.environ.get("LLM_RECORD_PATH", ""),
            timeout_seconds=float(os.environ.get("LLM_TIMEOUT_SECONDS", "8")),
            region=os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION"),
        )


def backend_from_settings(settings: ModelSettings) -> Backend:
    backend: Backend
    if settings.backend == "sagemaker":
        if not settings.endpoint_name:
            raise ModelError("LLM_BACKEND=sagemaker needs LLM_ENDPOINT_NAME")
        if settings.payload_format not in PAYLOAD_FORMATS:
            raise ModelError(
                f"unknown LLM_PAYLOAD_FORMAT {settings.payload_format!r}; use one of {sorted(PAYLOAD_FORMATS)}"
            )
        backend = SageMakerBackend(settings.endpoint_name, PAYLOAD_FORMATS[settings.payload_format], settings.region)
    elif settings.backend == "bedrock":
        if not settings.bedrock_model_id:
            raise ModelError("LLM_BACKEND=bedrock needs BEDROCK_MODEL_ID")
        backend = BedrockBackend(settings.bedrock_model_id, settings.region)
    elif settings.backend == "replay":
        if not settings.cassette_path:
            raise ModelError("LLM_BACKEND=replay needs LLM_CASSETTE_PATH")
        backend = ReplayBackend(settings.cassette_path)
    elif settings.backend == "offline":
        backend = OfflineBackend()
    else:
        raise ModelError(f"unknown LLM_BACKEND {settings.backend!r}; use sagemaker, bedrock, replay or offline")
    if settings.record_path:
        backend = RecordingBackend(backend, settings.record_path)
    return backend


@dataclass(frozen=True)
class Generation:
    text: str
    latency_ms: int


def generate(backend: Backend, text: str, prompt: Prompt, timeout_seconds: float) -> Generation:
    started = time.perf_counter()
    raw = backend.generate(text, prompt, timeout_seconds)
    return Generation(cut_at_stop(raw, prompt), round((time.perf_counter() - started) * 1000))
