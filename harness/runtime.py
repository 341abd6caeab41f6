"""The turn runner: the deployed system on this machine, with no AWS account.

``LocalAgent`` deploys what Terraform deploys (``manifest``: terraform/modules/definition, evaluated)
onto moto (``bootstrap``), runs every Lambda in-process (``lambdas``), executes the state machine with
moto's ASL interpreter as an Express state machine (``moto_adapter`` adds StartSyncExecution), and
asks each question the way Lex does: a Lex V2 event to the fulfilment handler (``events``). What a
turn did is read back from the execution (``results``).
"""

from __future__ import annotations

import argparse
import contextlib
import io
import itertools
import json
import os
import threading
import time
import uuid
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TextIO

from agent_core.backends import Backend
from harness import bootstrap, express_logs, moto_adapter, results
from harness.events import lex_event
from harness.manifest import REGION, Manifest, local_manifest, terraform_defaults
from harness.models import REAL_SERVICES, RecordingBackend, backend_for
from harness.terraform import whole_number_setting

_ACTIVE = threading.Lock()  # moto and its patches are process-wide: one local agent at a time


@dataclass
class Session:
    id: str
    attributes: dict[str, str] = field(default_factory=dict)


class LocalAgent:
    """The deployed system, on this machine.

    ``llm``: ``offline``, ``replay:PATH``, ``sagemaker:ENDPOINT``, ``bedrock:MODEL_ID`` or a ``Backend``
    object (tests use that to inject faults). ``settings``: Terraform variables over their defaults
    (``max_iterations``, ``turn_budget_seconds``); ``timeouts``: derived timeouts replaced by name
    (the fault tests shorten them). ``log_sink``: where the functions' logs and metrics go (nowhere
    by default), at ``log_level``. ``memory``: ``session_attributes`` or ``dynamodb``.
    ``execution_logs``: write each execution's log events to the state machine's log group (on moto),
    as Step Functions does at level ALL with execution data, so ``agent trace`` can read them; every
    execution, whoever starts it (the fulfilment function, or a StartSyncExecution call of a test's).
    """

    _instances = itertools.count()

    def __init__(
        self,
        llm: str | Backend = "offline",
        *,
        max_iterations: int | None = None,
        settings: dict[str, Any] | None = None,
        timeouts: dict[str, int] | None = None,
        payload_format: str = "text2text",
        record_path: str | Path | None = None,
        log_sink: TextIO | None = None,
        log_level: str = "INFO",
        memory: str = "session_attributes",
        execution_logs: bool = False,
    ) -> None:
        if memory not in ("session_attributes", "dynamodb"):
            raise ValueError(f"memory must be session_attributes or dynamodb, not {memory!r}")
        self.settings = dict(settings or {})
        if max_iterations is not None:
            self.settings["max_iterations"] = max_iterations
        self.timeout_overrides = dict(timeouts or {})
        self.payload_format = payload_format
        self.llm = llm
        self.record_path = Path(record_path) if record_path else None
        self.log_sink = log_sink
        self.log_level = log_level if log_sink is not None else "CRITICAL"
        self.memory = memory
        self.execution_logs = execution_logs
        self.executions: list[Any] = []
        self._recorded_tools: dict[tuple[str, str], dict[str, Any]] = {}
        self.model_label = ""
        self._prefix = f"_local{next(self._instances)}"
        self._stack = contextlib.ExitStack()

    # -------------------------------------------------------- lifecycle

    def __enter__(self) -> LocalAgent:
        if not _ACTIVE.acquire(blocking=False):
            raise RuntimeError("one LocalAgent at a time: moto and the Lambda routing are process-wide")
        try:
            self._start()
        except BaseException:
            self._stack.close()
            _ACTIVE.release()
            raise
        return self

    def __exit__(self, *exc: object) -> None:
        try:
            self._stack.close()
        finally:
            _ACTIVE.release()

    def _start(self) -> None:
        backend = self._backend()  # before moto: a real model's client needs real credentials
        kind = self.llm.split(":", 1)[0] if isinstance(self.llm, str) else ""
        self._stack.enter_context(_environment({"AWS_REGION": REGION, "AWS_DEFAULT_REGION": REGION}))
        self._stack.enter_context(
            moto_adapter.mocked_aws(passthrough=[REAL_SERVICES[kind]] if kind in REAL_SERVICES else [])
        )
        self._stack.enter_context(moto_adapter.lambda_invokes_routed(self._invoker))
        self._stack.enter_context(
            moto_adapter.sync_executions_served(
                self.executions.append, on_end=self._log_execution if self.execution_logs else None
            )
        )
        self._stack.enter_context(moto_adapter.parsed_definitions_cached())
        self.deployed: Manifest = local_manifest(
            self.settings,
            timeout_overrides=self.timeout_overrides,
            memory_table=self.memory == "dynamodb",
            payload_format=self.payload_format,
            log_level=self.log_level,
        )
        self.timeouts = self.deployed.timeouts
        self.deployment = bootstrap.deploy(
            self._stack, self.deployed, module_prefix=self._prefix, log_sink=self.log_sink or _DISCARD
        )
        self.functions = self.deployment.functions
        self.functions["llm"].module._BACKEND = backend  # the LLM function's one seam for another backend
        self.model_label = backend.label
        # The fulfilment function's metric documents pass through a tap that keeps each turn's ledger.
        fulfilment = self.functions["fulfilment"].module
        fulfilment.LEDGER_MODEL = backend.label  # the ledger names the model this runtime uses
        self._ledgers = LedgerTap(fulfilment.metrics.stream)
        fulfilment.metrics.stream = self._ledgers
        if self.execution_logs:
            import boto3

            self.logs = boto3.client("logs", region_name=REGION)
            self.log_group = f"/aws/vendedlogs/states/{self.deployed['state_machine_name']}"
            self.logs.create_log_group(logGroupName=self.log_group)

    def _log_execution(self, execution: Any) -> None:
        """The execution's log events, delivered to its log group as Step Functions delivers them."""
        events = express_logs.from_history(moto_adapter.history(execution), execution.exec_arn)
        express_logs.deliver(self.logs, self.log_group, events)

    def _backend(self) -> Backend:
        backend = self.llm if not isinstance(self.llm, str) else backend_for(self.llm, self.payload_format, REGION)
        return RecordingBackend(backend, self.record_path) if self.record_path else backend

    def _invoker(self, function_name: str) -> Any:
        """What a Lambda invoke runs: the function's handler, or a recorded tool result (replay_tools)."""
        function = self.deployment.function_named(function_name)
        if not self._recorded_tools:
            return function.invoke

        def invoke(event: Any) -> Any:
            arguments = event.get("arguments") if isinstance(event, dict) else None
            value = next(iter(arguments.values()), None) if isinstance(arguments, dict) and arguments else None
            recorded = self._recorded_tools.get((str(event.get("tool")), str(value))) if value is not None else None
            if recorded is None:
                return function.invoke(event)
            if recorded.get("error"):
                raise RecordedToolFailure(f"the traced turn's call failed: {recorded['error']}")
            return {key: recorded[key] for key in ("tool", "id", "status", "observation")}

        return invoke

    @contextlib.contextmanager
    def replay_tools(self, results: list[dict[str, Any]]) -> Any:
        """Tool calls answered with recorded results (a traced turn's, ``agent trace --to-case``): a
        call of a tool and id recorded gets its result (or fails as it failed); any other is looked up."""
        self._recorded_tools = {(str(r["tool"]), str(r["id"])): r for r in results}
        try:
            yield
        finally:
            self._recorded_tools = {}

    # -------------------------------------------------------- talking to the agent

    def remember(self, session: Session, history: list[dict[str, str]]) -> None:
        """Start ``session`` with remembered turns, as the fulfilment Lambda keeps them between turns."""
        from agent_core import memory

        session.attributes[memory.SESSION_ATTRIBUTE] = memory.to_attribute(memory.read_history(history))

    def session(self) -> Session:
        return Session(id=f"local-{uuid.uuid4().hex[:12]}")

    def forget_turns(self) -> None:
        """Drop the executions and ledgers kept so far: a long-running caller (the console) that has
        read its turns keeps its memory flat."""
        self.executions.clear()
        self._ledgers.ledgers.clear()

    def ask(self, session: Session, text: Any) -> results.Turn:
        """One Lex turn: build the Lex V2 event, call the fulfilment handler, read what happened."""
        event = lex_event(session.id, text, session.attributes, bot_name=f"{terraform_defaults()['name_prefix']}-bot")
        before, ledgers_before = len(self.executions), len(self._ledgers.ledgers)
        started = time.perf_counter()
        response = self.functions["fulfilment"].invoke(event)
        elapsed_ms = round((time.perf_counter() - started) * 1000)
        session.attributes = dict(response["sessionState"]["sessionAttributes"])
        answer = response["messages"][0]["content"]
        new = self.executions[before:]
        ledger = self._ledgers.ledgers[-1] if len(self._ledgers.ledgers) > ledgers_before else None
        if not new:
            return results.Turn(str(text), answer, response, {}, "NOT_RUN", [], [], 0, 0, elapsed_ms, ledger=ledger)
        execution = new[-1]
        turn = results.local_turn(
            str(text),
            answer,
            response,
            moto_adapter.history(execution),
            moto_adapter.status(execution),
            moto_adapter.output(execution),
            moto_adapter.failure(execution),
            elapsed_ms,
        )
        turn.ledger = ledger
        return turn


class RecordedToolFailure(Exception):
    """A tool call that failed in the traced turn a case replays."""


class LedgerTap(io.TextIOBase):
    """Passes a function's metric documents on to ``inner`` and keeps the ledger of each (the
    fulfilment function's turn ledger: agent_core.ledger.emit)."""

    def __init__(self, inner: TextIO) -> None:
        self.inner = inner
        self.ledgers: list[dict[str, Any]] = []

    def write(self, text: str) -> int:
        for line in text.splitlines():
            if '"ledger"' in line:
                try:
                    document = json.loads(line)
                except ValueError:
                    continue
                if isinstance(document, dict) and isinstance(document.get("ledger"), dict):
                    self.ledgers.append(document["ledger"])
        return self.inner.write(text)


class _Discard(io.TextIOBase):
    def write(self, text: str) -> int:
        return len(text)


_DISCARD = _Discard()


@contextlib.contextmanager
def _environment(values: dict[str, str]) -> Any:
    from unittest import mock

    with mock.patch.dict(os.environ, values):
        yield


def add_local_agent_options(parser: argparse.ArgumentParser, scope: str = "", memory: bool = True) -> None:
    """The options a ``LocalAgent`` takes from the command line (agent chat, console, eval): ``--llm``,
    ``--max-iterations`` and, with ``memory``, ``--memory``. ``scope`` starts each help text."""
    parser.add_argument(
        "--llm",
        default="offline",
        help=f"{scope}offline (default: a deterministic stand-in, not a model), replay:CASSETTE.json, "
        "sagemaker:ENDPOINT_NAME or bedrock:MODEL_ID",
    )
    parser.add_argument(
        "--max-iterations",
        type=whole_number_setting("max_iterations"),
        default=None,
        help=f"{scope}the agent loop limit, 1 to 5 (default: Terraform's)",
    )
    if memory:
        parser.add_argument(
            "--memory",
            default="session_attributes",
            choices=["session_attributes", "dynamodb"],
            help=f"{scope}where conversation memory lives (Terraform's conversation_memory)",
        )
