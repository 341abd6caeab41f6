"""The model client: one ``generate(prompt)`` call over the configured backend.

``LLM_BACKEND`` is ``sagemaker`` (a real-time endpoint, ``LLM_ENDPOINT_NAME``, speaking
``LLM_PAYLOAD_FORMAT``: see ``payloads``) or ``bedrock`` (``BEDROCK_MODEL_ID``, the Converse API).
Backends are in ``backends``; what can go wrong, in ``model_errors``. The developer harness gives the
LLM function other backends (the offline stand-in, replayed cassettes) without shipping them here.
"""

from __future__ import annotations

import os
import time
from dataclasses import dataclass

from agent_core.backends import Backend, BedrockBackend, Reply, SageMakerBackend
from agent_core.ledger import estimate_tokens
from agent_core.limits import MAX_GENERATION_CHARS
from agent_core.model_errors import ModelError
from agent_core.payloads import PAYLOAD_FORMATS
from agent_core.prompts import Prompt


@dataclass(frozen=True)
class ModelSettings:
    backend: str
    endpoint_name: str
    bedrock_model_id: str
    payload_format: str
    timeout_seconds: float
    region: str | None

    @classmethod
    def from_env(cls) -> ModelSettings:
        return cls(
            backend=os.environ.get("LLM_BACKEND", "sagemaker"),
            endpoint_name=os.environ.get("LLM_ENDPOINT_NAME", ""),
            bedrock_model_id=os.environ.get("BEDROCK_MODEL_ID", ""),
            payload_format=os.environ.get("LLM_PAYLOAD_FORMAT", "text2text"),
            timeout_seconds=float(os.environ.get("LLM_TIMEOUT_SECONDS", "8")),
            region=os.environ.get("AWS_REGION") or os.environ.get("AWS_DEFAULT_REGION"),
        )


def backend_from_settings(settings: ModelSettings) -> Backend:
    if settings.backend == "sagemaker":
        if settings.endpoint_name in ("", "none"):
            raise ModelError("LLM_BACKEND=sagemaker needs LLM_ENDPOINT_NAME")
        if settings.payload_format not in PAYLOAD_FORMATS:
            raise ModelError(
                f"unknown LLM_PAYLOAD_FORMAT {settings.payload_format!r}; use one of {sorted(PAYLOAD_FORMATS)}"
            )
        return SageMakerBackend(settings.endpoint_name, PAYLOAD_FORMATS[settings.payload_format], settings.region)
    if settings.backend == "bedrock":
        if settings.bedrock_model_id in ("", "none"):
            raise ModelError("LLM_BACKEND=bedrock needs BEDROCK_MODEL_ID")
        return BedrockBackend(settings.bedrock_model_id, settings.region)
    raise ModelError(f"unknown LLM_BACKEND {settings.backend!r}; use sagemaker or bedrock")


def cut_at_stop(text: str, prompt: Prompt) -> str:
    """Cut a generation at the prompt's first stop sequence (not every container honours them).
    Leading whitespace goes first: chat models often open with a newline, which is also a stop."""
    text = text.lstrip()
    for stop in prompt.stop:
        index = text.find(stop)
        if index >= 0:
            text = text[:index]
    return text[:MAX_GENERATION_CHARS]


@dataclass(frozen=True)
class Generation:
    text: str
    latency_ms: int
    tokens_in: int = 0
    tokens_out: int = 0
    tokens_estimated: bool = False  # a count the model did not report was estimated (ledger.estimate_tokens)


def generate(backend: Backend, text: str, prompt: Prompt, timeout_seconds: float) -> Generation:
    """One model call. The deployable backends return the token counts the model reports; a count
    that is not reported (and every count of other backends) is estimated from the texts."""
    started = time.perf_counter()
    if isinstance(backend, SageMakerBackend | BedrockBackend):
        reply = backend.reply(text, prompt, timeout_seconds)
    else:  # the harness's stand-in, cassettes and recorders report no counts
        reply = Reply(backend.generate(text, prompt, timeout_seconds))
    latency_ms = round((time.perf_counter() - started) * 1000)
    tokens_in = reply.tokens_in if reply.tokens_in is not None else estimate_tokens(text)
    tokens_out = reply.tokens_out if reply.tokens_out is not None else estimate_tokens(reply.text)
    estimated = reply.tokens_in is None or reply.tokens_out is None
    return Generation(cut_at_stop(reply.text, prompt), latency_ms, tokens_in, tokens_out, estimated)
