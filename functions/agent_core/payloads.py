"""Request and response bodies of the model containers a SageMaker endpoint may run
(``LLM_PAYLOAD_FORMAT``):

- ``text2text``: JumpStart Flan containers, ``{"text_inputs": ...}`` -> ``{"generated_texts": [...]}``.
- ``tgi``: Hugging Face TGI, ``{"inputs": ..., "parameters": {...}}`` -> ``[{"generated_text": ...}]``.
- ``messages``: chat completions, ``{"messages": [...]}`` -> ``{"choices": [{"message": ...}]}``.

Token counts: ``messages`` bodies report both (``usage``), TGI the generated ones when it gives
details, Flan's text2text none; what is not reported the ledger estimates (``agent_core.ledger``).
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from agent_core.model_errors import ModelOutputInvalid
from agent_core.prompts import Prompt


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


def _tgi_usage(body: Any) -> tuple[int | None, int | None]:
    """TGI reports generated tokens only when asked for details (``details.generated_tokens``)."""
    item = body[0] if isinstance(body, list) and body else body
    details = item.get("details") if isinstance(item, dict) else None
    generated = details.get("generated_tokens") if isinstance(details, dict) else None
    return None, generated if isinstance(generated, int) else None


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


def _messages_usage(body: Any) -> tuple[int | None, int | None]:
    usage = body.get("usage") if isinstance(body, dict) else None
    if not isinstance(usage, dict):
        return None, None
    counts = (usage.get("prompt_tokens"), usage.get("completion_tokens"))
    return tuple(count if isinstance(count, int) else None for count in counts)  # type: ignore[return-value]


def _no_usage(body: Any) -> tuple[int | None, int | None]:
    return None, None


@dataclass(frozen=True)
class PayloadFormat:
    name: str
    request: Callable[[str, Prompt], dict[str, Any]]
    response: Callable[[Any], str]
    usage: Callable[[Any], tuple[int | None, int | None]] = _no_usage  # (tokens in, tokens out) it reports


PAYLOAD_FORMATS = {
    "text2text": PayloadFormat("text2text", _text2text_request, _text2text_response),
    "tgi": PayloadFormat("tgi", _tgi_request, _tgi_response, _tgi_usage),
    "messages": PayloadFormat("messages", _messages_request, _messages_response, _messages_usage),
}
