"""Model backends for local runs, which never ship in a Lambda package: the offline stand-in, replayed
cassettes, and a recorder that writes cassettes while calling a real model.

A cassette is a JSON document ``{"format": 1, "source": ..., "interactions": [{"prompt_name",
"prompt", "response"}]}`` (an interaction of a traced turn may name the model ``error`` it raised);
``load_cassette`` checks it against that schema and says in one line what
is wrong. Recording is safe when several processes record into one cassette at once: they take turns
under a lock file, and each writes through a temporary file of its own.
"""

from __future__ import annotations

import contextlib
import fcntl
import hashlib
import os
import threading
import uuid
from collections.abc import Iterator
from pathlib import Path
from typing import Literal

from pydantic import BaseModel, ConfigDict, ValidationError

from agent_core import model_errors
from agent_core.backends import Backend
from agent_core.model_errors import ModelError
from agent_core.prompts import Prompt
from harness import offline_model


class CassetteMiss(ModelError):
    """The replay cassette has no response for this prompt."""


class CassetteInvalid(ValueError):
    """The file is not a cassette: not JSON, or not of the cassette's shape."""


class Interaction(BaseModel):
    model_config = ConfigDict(extra="forbid")
    prompt_name: str
    prompt: str
    response: str
    error: str | None = None  # a model error (agent_core.model_errors) the call raised instead (a traced turn's)


class Cassette(BaseModel):
    model_config = ConfigDict(extra="forbid")
    format: Literal[1]
    source: str
    interactions: list[Interaction]


class OfflineBackend:
    """The deterministic stand-in. Its output is never a model's: everything showing it says so."""

    label = "offline stand-in (deterministic, not a language model)"

    def generate(self, text: str, prompt: Prompt, timeout_seconds: float) -> str:
        return offline_model.generate(text)


class ReplayBackend:
    def __init__(self, cassette_path: str | Path) -> None:
        self.path = Path(cassette_path)
        self.label = f"replay:{self.path.name}"
        self._interactions = {item.prompt: item for item in load_cassette(self.path)}

    def generate(self, text: str, prompt: Prompt, timeout_seconds: float) -> str:
        try:
            interaction = self._interactions[text]
        except KeyError:
            first_line = text.strip().splitlines()[0][:60] if text.strip() else ""
            raise CassetteMiss(
                f"cassette {self.path} has no response for prompt {prompt.name!r} "
                f"(sha256 {prompt_digest(text)}, starts {first_line!r}); record it again"
            ) from None
        if interaction.error:
            error = getattr(model_errors, interaction.error, None)
            error = error if isinstance(error, type) and issubclass(error, ModelError) else ModelError
            raise error(f"replayed: {interaction.error}")
        return interaction.response


class RecordingBackend:
    """Wraps a backend and adds every prompt and response to a cassette ``ReplayBackend`` reads."""

    def __init__(self, inner: Backend, cassette_path: str | Path) -> None:
        self.inner = inner
        self.path = Path(cassette_path)
        self.label = f"{inner.label}, recording to {self.path.name}"

    def generate(self, text: str, prompt: Prompt, timeout_seconds: float) -> str:
        response = self.inner.generate(text, prompt, timeout_seconds)
        record(self.path, Interaction(prompt_name=prompt.name, prompt=text, response=response), self.inner.label)
        return response


def prompt_digest(text: str) -> str:
    return hashlib.sha256(text.encode("utf-8")).hexdigest()[:12]


def load_cassette(path: Path) -> list[Interaction]:
    try:
        raw = path.read_text(encoding="utf-8")
    except OSError as error:
        raise CassetteInvalid(f"cassette {path}: cannot be read ({error.strerror or error})") from None
    try:
        return Cassette.model_validate_json(raw).interactions
    except ValidationError as error:
        first = error.errors()[0]
        where = ".".join(str(part) for part in first["loc"]) or "the document"
        raise CassetteInvalid(f"cassette {path} is not a cassette: {where}: {first['msg']}") from None


def save_cassette(path: Path, interactions: list[Interaction], source: str) -> None:
    document = Cassette(format=1, source=source, interactions=interactions)
    temporary = path.with_name(f".{path.name}.{os.getpid()}.{uuid.uuid4().hex}.tmp")
    temporary.write_text(document.model_dump_json(indent=1, exclude_none=True) + "\n", encoding="utf-8")
    temporary.replace(path)


_THREADS = threading.Lock()  # flock is per process: threads of one process take turns here first


def record(path: Path, interaction: Interaction, source: str) -> None:
    """Add ``interaction`` to the cassette at ``path`` (replacing one with the same prompt)."""
    with _THREADS, _locked(path):
        interactions = load_cassette(path) if path.exists() and path.stat().st_size else []
        interactions = [item for item in interactions if item.prompt != interaction.prompt]
        save_cassette(path, [*interactions, interaction], source)


@contextlib.contextmanager
def _locked(path: Path) -> Iterator[None]:
    path.parent.mkdir(parents=True, exist_ok=True)
    with path.with_name(f".{path.name}.lock").open("a") as lock:
        fcntl.flock(lock, fcntl.LOCK_EX)
        try:
            yield
        finally:
            fcntl.flock(lock, fcntl.LOCK_UN)


def backend_for(choice: str, payload_format: str = "text2text", region: str | None = None) -> Backend:
    """The backend a local run's ``--llm`` names: ``offline``, ``replay:PATH``, ``sagemaker:ENDPOINT`` or
    ``bedrock:MODEL_ID``. A real model needs real credentials, so its client is made here, before moto
    replaces them; the runtime then lets its service through moto."""
    kind, _, name = choice.partition(":")
    if choice == "offline":
        return OfflineBackend()
    if kind == "replay" and name:
        return ReplayBackend(Path(name).resolve())
    if kind in ("sagemaker", "bedrock") and name:
        import botocore.session

        from agent_core.backends import BedrockBackend, SageMakerBackend
        from agent_core.payloads import PAYLOAD_FORMATS

        session = botocore.session.get_session()
        if session.get_credentials() is None:
            raise RuntimeError(f"--llm {choice} needs AWS credentials (none were found)")
        region = session.get_config_variable("region") or region
        if kind == "bedrock":
            return BedrockBackend(name, region, session=session)
        return SageMakerBackend(name, PAYLOAD_FORMATS[payload_format], region, session=session)
    raise ValueError(f"--llm must be offline, replay:PATH, sagemaker:ENDPOINT or bedrock:MODEL_ID, not {choice!r}")


# The AWS service a backend kind calls: a local run lets it through moto.
REAL_SERVICES = {"sagemaker": "sagemaker-runtime", "bedrock": "bedrock-runtime"}
