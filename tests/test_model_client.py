"""The model client: payload formats, SageMaker errors mapped to retryable or not, replay and record."""

from __future__ import annotations

import io
import json

import botocore.session
import pytest
from botocore.exceptions import ReadTimeoutError
from botocore.stub import Stubber

from agent_core import backends, model, payloads
from agent_core import model_errors as errors
from agent_core.prompts import prompt

PLANNER = prompt("planner")


@pytest.mark.parametrize(
    ("name", "body", "text"),
    [
        ("text2text", {"generated_texts": ["order_status"]}, "order_status"),
        ("text2text", {"generated_text": "order_status"}, "order_status"),
        ("tgi", [{"generated_text": "order_status"}], "order_status"),
        ("tgi", {"generated_text": "order_status"}, "order_status"),
        ("messages", {"choices": [{"message": {"role": "assistant", "content": "order_status"}}]}, "order_status"),
    ],
)
def test_payload_formats_read_their_responses(name, body, text):
    assert payloads.PAYLOAD_FORMATS[name].response(body) == text


@pytest.mark.parametrize("name", ["text2text", "tgi", "messages"])
@pytest.mark.parametrize("body", [{}, [], None, "text", {"generated_texts": []}, {"choices": [{}]}, [{"x": 1}]])
def test_payload_formats_reject_other_bodies(name, body):
    with pytest.raises(errors.ModelOutputInvalid):
        payloads.PAYLOAD_FORMATS[name].response(body)


def test_requests_carry_the_prompt_settings():
    assert payloads.PAYLOAD_FORMATS["text2text"].request("p", PLANNER) == {
        "text_inputs": "p",
        "max_length": PLANNER.max_new_tokens,
        "num_return_sequences": 1,
        "do_sample": False,
    }
    tgi = payloads.PAYLOAD_FORMATS["tgi"].request("p", PLANNER)
    assert tgi["inputs"] == "p" and tgi["parameters"]["max_new_tokens"] == PLANNER.max_new_tokens
    assert tgi["parameters"]["stop"] == list(PLANNER.stop)
    messages = payloads.PAYLOAD_FORMATS["messages"].request("p", PLANNER)
    assert messages["messages"] == [{"role": "user", "content": "p"}]


def test_generation_is_cut_at_stop_sequences():
    assert model.cut_at_stop("order_status\nuser: next", PLANNER) == "order_status"
    assert model.cut_at_stop("\norder_status\nuser: next", PLANNER) == "order_status"
    assert model.cut_at_stop(" \nTool: order_status", PLANNER) == "Tool: order_status"


def stubbed_backend(payload_format="text2text"):
    session = botocore.session.get_session()
    backend = backends.SageMakerBackend("flan", payloads.PAYLOAD_FORMATS[payload_format], "us-east-1", session=session)
    client = backends._runtime_client("sagemaker-runtime", "us-east-1", 8, session)
    return backend, Stubber(client)


def ok_response(body: bytes):
    from botocore.response import StreamingBody

    return {"Body": StreamingBody(io.BytesIO(body), len(body)), "ContentType": "application/json"}


def test_sagemaker_backend_sends_the_payload_and_reads_the_text():
    backend, stub = stubbed_backend()
    request = json.dumps(payloads.PAYLOAD_FORMATS["text2text"].request("hello", PLANNER))
    stub.add_response(
        "invoke_endpoint",
        ok_response(b'{"generated_texts": ["no_tool"]}'),
        {"EndpointName": "flan", "ContentType": "application/json", "Accept": "application/json", "Body": request},
    )
    with stub:
        assert backend.generate("hello", PLANNER, 8) == "no_tool"


@pytest.mark.parametrize(
    ("code", "status", "error"),
    [
        ("ThrottlingException", 400, errors.ModelThrottled),
        ("ServiceUnavailable", 503, errors.ModelUnavailable),
        ("InternalFailure", 500, errors.ModelUnavailable),
        ("ModelError", 424, errors.ModelError),
        ("ModelNotReadyException", 429, errors.ModelThrottled),
        ("ValidationError", 400, errors.ModelError),
    ],
)
def test_sagemaker_errors_are_classified(code, status, error):
    backend, stub = stubbed_backend()
    stub.add_client_error("invoke_endpoint", service_error_code=code, http_status_code=status)
    with stub, pytest.raises(error) as raised:
        backend.generate("hello", PLANNER, 8)
    assert type(raised.value) is error


@pytest.mark.parametrize("body", [b"", b"<html>502</html>", b'{"unexpected": 1}'])
def test_unreadable_bodies_are_invalid_output(body):
    backend, stub = stubbed_backend()
    stub.add_response("invoke_endpoint", ok_response(body))
    with stub, pytest.raises(errors.ModelOutputInvalid):
        backend.generate("hello", PLANNER, 8)


def test_a_read_timeout_is_a_timeout(monkeypatch):
    backend, _ = stubbed_backend()
    client = backends._runtime_client("sagemaker-runtime", "us-east-1", 8, backend.session)

    def time_out(**_):
        raise ReadTimeoutError(endpoint_url="https://runtime.sagemaker")

    monkeypatch.setattr(client, "invoke_endpoint", time_out)
    with pytest.raises(errors.ModelTimedOut):
        backend.generate("hello", PLANNER, 8)


def test_settings_choose_the_backend():
    base = model.ModelSettings("sagemaker", "", "", "text2text", 8, "us-east-1")
    with pytest.raises(errors.ModelError, match="needs LLM_ENDPOINT_NAME"):
        model.backend_from_settings(base)
    with pytest.raises(errors.ModelError, match="needs LLM_ENDPOINT_NAME"):
        model.backend_from_settings(base.__class__(**{**base.__dict__, "endpoint_name": "none"}))
    with pytest.raises(errors.ModelError, match="unknown LLM_PAYLOAD_FORMAT"):
        model.backend_from_settings(base.__class__(**{**base.__dict__, "endpoint_name": "e", "payload_format": "x"}))
    with pytest.raises(errors.ModelError, match="unknown LLM_BACKEND"):
        model.backend_from_settings(base.__class__(**{**base.__dict__, "backend": "offline"}))
    chosen = model.backend_from_settings(base.__class__(**{**base.__dict__, "endpoint_name": "flan"}))
    assert chosen.label == "sagemaker:flan (text2text)"


def bedrock_backend():
    session = botocore.session.get_session()
    backend = backends.BedrockBackend("amazon.nova-micro-v1:0", "us-east-1", session=session)
    return backend, Stubber(backends._runtime_client("bedrock-runtime", "us-east-1", 8, session))


def test_bedrock_converse_sends_the_same_prompt_and_reads_the_text():
    backend, stub = bedrock_backend()
    stub.add_response(
        "converse",
        {
            "output": {"message": {"role": "assistant", "content": [{"text": "order_status"}]}},
            "stopReason": "end_turn",
            "usage": {"inputTokens": 400, "outputTokens": 3, "totalTokens": 403},
            "metrics": {"latencyMs": 210},
        },
        {
            "modelId": "amazon.nova-micro-v1:0",
            "messages": [{"role": "user", "content": [{"text": "hello"}]}],
            # the planner's only stop sequence is a line break, which Converse may refuse
            "inferenceConfig": {"maxTokens": PLANNER.max_new_tokens, "temperature": 0.0},
        },
    )
    with stub:
        assert backend.generate("hello", PLANNER, 8) == "order_status"


@pytest.mark.parametrize(
    ("code", "error"),
    [
        ("ThrottlingException", errors.ModelThrottled),
        ("ServiceUnavailableException", errors.ModelUnavailable),
        ("ModelTimeoutException", errors.ModelTimedOut),
        ("AccessDeniedException", errors.ModelError),
        ("ValidationException", errors.ModelError),
    ],
)
def test_bedrock_errors_are_classified(code, error):
    backend, stub = bedrock_backend()
    stub.add_client_error("converse", service_error_code=code, http_status_code=400 if "Throttl" not in code else 429)
    with stub, pytest.raises(error) as raised:
        backend.generate("hello", PLANNER, 8)
    assert type(raised.value) is error


def test_bedrock_settings():
    settings = model.ModelSettings("bedrock", "", "amazon.nova-micro-v1:0", "text2text", 8, "us-east-1")
    assert model.backend_from_settings(settings).label == "bedrock:amazon.nova-micro-v1:0"
    with pytest.raises(errors.ModelError, match="needs BEDROCK_MODEL_ID"):
        model.backend_from_settings(model.ModelSettings("bedrock", "", "", "text2text", 8, "us-east-1"))
