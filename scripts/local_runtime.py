"""Run the agent on this machine, with no AWS account: the real state machine and the real handlers.

What runs is what Terraform deploys, read from terraform/modules/definition (``manifest.py``): the
functions with their environment and timeouts, the tables with their items, and the state machine
definition as templatefile() renders it.

- The state machine is executed by moto's ASL interpreter as an Express state machine.
- Every Task's Lambda runs in-process: moto's Lambda invoke is routed to the function's handler,
  loaded from ``functions/<name>/handler.py`` with that function's environment, as in its own
  container (one invocation at a time per function, as one Lambda instance would).
- DynamoDB is moto's, with the tables and items Terraform creates.
- The fulfilment handler is called with a Lex V2 event, and its ``StartSyncExecution`` call is served
  by moto (which lacks that API; ``_start_sync_execution`` adds it).

The settings Terraform takes from variables (the loop limit, the turn budget, the memory TTL) have
their defaults from ``terraform/variables.tf``, so a local run and a deployment behave alike.
"""

from __future__ import annotations

import contextlib
import copy
import datetime
import importlib.util
import io
import itertools
import json
import logging
import os
import re
import sys
import threading
import time
import traceback
import uuid
import zipfile
from collections.abc import Callable, Iterator
from dataclasses import dataclass, field
from functools import cache
from pathlib import Path
from types import ModuleType
from typing import Any, TextIO

import manifest
from _paths import FUNCTIONS_DIR
from agent_core import registry
from agent_core.model import Backend, RecordingBackend

REPO = FUNCTIONS_DIR.parent

ASL_PATH = REPO / "statemachine" / "agent.asl.json"
SAMPLE_DATA_PATH = REPO / "data" / "sample_store.json"
VARIABLES_PATH = REPO / "terraform" / "variables.tf"
REGION = "us-east-1"
ACCOUNT = "123456789012"  # moto's
# Settings that are Terraform variables; their defaults come from variables.tf.
SETTINGS = ("max_iterations", "turn_budget_seconds")
_ACTIVE = threading.Lock()  # moto and the patches below are process-wide: one local agent at a time


# ---------------------------------------------------------------- settings and templates


@cache
def terraform_defaults() -> dict[str, Any]:
    """Variable defaults from ``terraform/variables.tf``."""
    import hcl2

    with VARIABLES_PATH.open(encoding="utf-8") as handle:
        document = hcl2.load(handle)
    defaults = {}
    for block in document.get("variable", []):
        for quoted_name, body in block.items():
            if "default" in body:
                defaults[quoted_name.strip('"')] = hcl_value(body["default"])
    return defaults


def hcl_value(value: Any) -> Any:
    """A value as python-hcl2 loads it, with the quotes it keeps around strings removed."""
    if isinstance(value, str) and len(value) >= 2 and value[0] == value[-1] == '"':
        return json.loads(value)
    return value


def manifest_inputs(
    settings: dict[str, Any] | None = None,
    *,
    timeout_overrides: dict[str, int] | None = None,
    memory_table: bool = False,
    payload_format: str = "text2text",
    log_level: str = "INFO",
) -> dict[str, Any]:
    """The definition module's inputs for a local run: what the root module passes it
    (terraform/main.tf) with the variables' defaults (and ``settings`` over them), in moto's account
    and region."""
    defaults = terraform_defaults()
    chosen = {name: defaults[name] for name in SETTINGS} | (settings or {})
    name_prefix = defaults["name_prefix"]
    return {
        "name_prefix": name_prefix,
        "region": REGION,
        "account_id": ACCOUNT,
        "settings": {**chosen, "timeout_overrides": timeout_overrides or {}},
        "model": {"backend": "sagemaker", "payload_format": payload_format},
        "memory": {
            "table_name": f"{name_prefix}-memory" if memory_table else None,
            "ttl_seconds": defaults["memory_ttl_hours"] * 3600,
        },
        "metrics_namespace": defaults["metrics_namespace"],
        "log_level": log_level,
    }


def local_manifest(settings: dict[str, Any] | None = None, **options: Any) -> manifest.Manifest:
    """What Terraform would deploy for a local run (``manifest_inputs``), evaluated."""
    return manifest.evaluate(manifest_inputs(settings, **options))


def create_tables(dynamodb: Any, deployed: manifest.Manifest) -> dict[str, str]:
    """The tables Terraform creates (dynamodb.tf), with their sample items. Returns the names by table."""
    names: dict[str, str] = {}
    for table, spec in deployed["tables"].items():
        dynamodb.create_table(
            TableName=spec["name"],
            KeySchema=[{"AttributeName": spec["hash_key"], "KeyType": "HASH"}],
            AttributeDefinitions=[{"AttributeName": spec["hash_key"], "AttributeType": "S"}],
            BillingMode="PAY_PER_REQUEST",
        )
        for item in deployed.table_items(table):
            dynamodb.put_item(TableName=spec["name"], Item=item)
        names[table] = spec["name"]
    return names


def create_sample_tables(dynamodb: Any) -> dict[str, str]:
    """The default deployment's tables with their sample items (the handler tests use these)."""
    return create_tables(dynamodb, local_manifest())


def create_memory_table(dynamodb: Any, name: str) -> str:
    """The optional conversation memory table, as terraform/memory.tf creates it."""
    dynamodb.create_table(
        TableName=name,
        KeySchema=[{"AttributeName": "session_id", "KeyType": "HASH"}],
        AttributeDefinitions=[{"AttributeName": "session_id", "AttributeType": "S"}],
        BillingMode="PAY_PER_REQUEST",
    )
    dynamodb.update_time_to_live(
        TableName=name, TimeToLiveSpecification={"Enabled": True, "AttributeName": "expires_at"}
    )
    return name


# ---------------------------------------------------------------- results


@dataclass
class ToolUse:
    name: str
    args: dict[str, str]
    ok: bool
    status: str


@dataclass
class Turn:
    question: str
    answer: str
    response: dict[str, Any]
    output: dict[str, Any]
    status: str
    states: list[str]
    tools: list[ToolUse]
    iterations: int
    llm_calls: int
    elapsed_ms: int
    failures: list[str] = field(default_factory=list)
    selected: list[str] = field(default_factory=list)  # the tools the planner chose first
    transitions: int = 0  # states entered, Map iterations included
    lambda_invocations: int = 0

    def summary(self) -> dict[str, Any]:
        """The ``chat.py --json`` line for this turn."""
        return {**summarise(self, self.output.get("outcome", self.status.lower())), "selected": self.selected}


def summarise(turn: Any, outcome: str) -> dict[str, Any]:
    """The keys every target's turn reports (``chat.py --json``), local or remote."""
    return {
        "question": turn.question,
        "answer": turn.answer,
        "tools": [{"name": t.name, "args": t.args, "ok": t.ok, "status": t.status} for t in turn.tools],
        "states": turn.states,
        "iterations": turn.iterations,
        "llm_calls": turn.llm_calls,
        "elapsed_ms": turn.elapsed_ms,
        "outcome": outcome,
        "failures": turn.failures,
    }


def tool_uses(output: Any) -> list[ToolUse]:
    """The lookups an execution's output reports (its ``tools``), read defensively: any target's output."""
    items = output.get("tools") if isinstance(output, dict) else None
    known = {t.name: t for t in registry.tools()}
    return [
        ToolUse(
            name=str(item.get("tool", "")),
            args={known[item["tool"]].argument: str(item.get("id", ""))} if item.get("tool") in known else {},
            ok=item.get("status") in ("found", "not_found"),
            status=str(item.get("status", "")),
        )
        for item in (items if isinstance(items, list) else [])
        if isinstance(item, dict)
    ]


@dataclass
class Session:
    id: str
    attributes: dict[str, str] = field(default_factory=dict)


class LambdaContext:
    """What the Lambda runtime passes as ``context``."""

    def __init__(self, function_name: str, timeout_seconds: int, memory_mb: int) -> None:
        self.function_name = function_name
        self.function_version = "$LATEST"
        self.invoked_function_arn = f"arn:aws:lambda:{REGION}:{ACCOUNT}:function:{function_name}"
        self.memory_limit_in_mb = memory_mb
        self.aws_request_id = str(uuid.uuid4())
        self.log_group_name = f"/aws/lambda/{function_name}"
        self.log_stream_name = "local"
        self._deadline = time.monotonic() + timeout_seconds

    def get_remaining_time_in_millis(self) -> int:
        return max(0, int((self._deadline - time.monotonic()) * 1000))


@dataclass
class LocalFunction:
    name: str  # folder in functions/
    function_name: str  # deployed name
    module: ModuleType
    timeout_seconds: int
    lock: threading.Lock = field(default_factory=threading.Lock)

    def invoke(self, event: Any) -> Any:
        with self.lock:
            return self.module.lambda_handler(event, LambdaContext(self.function_name, self.timeout_seconds, 256))


# ---------------------------------------------------------------- the local agent


class LocalAgent:
    """The deployed system, on this machine.

    ``llm``: ``offline``, ``replay:PATH``, ``sagemaker:ENDPOINT``, ``bedrock:MODEL_ID`` or a ``Backend``
    object (tests use that to inject faults). ``settings``: Terraform variables over their defaults
    (``max_iterations``, ``turn_budget_seconds``); ``timeouts``: derived timeouts replaced by name
    (the fault tests shorten them). ``log_sink``: where the functions' logs and metrics go (none by
    default), at ``log_level``.
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
    ) -> None:
        self.settings = {name: terraform_defaults()[name] for name in SETTINGS}
        self.settings.update(settings or {})
        if max_iterations is not None:
            self.settings["max_iterations"] = max_iterations
        self.timeout_overrides = dict(timeouts or {})
        self.payload_format = payload_format
        self.llm = llm
        self.record_path = Path(record_path) if record_path else None
        self.log_sink = log_sink
        self.log_level = log_level
        if memory not in ("session_attributes", "dynamodb"):
            raise ValueError(f"memory must be session_attributes or dynamodb, not {memory!r}")
        self.memory = memory
        self.functions: dict[str, LocalFunction] = {}
        self.executions: list[Any] = []
        self.model_label = ""
        self._id = next(self._instances)
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
        from unittest import mock

        from moto import mock_aws
        from moto.awslambda_simple.models import LambdaSimpleBackend
        from moto.stepfunctions.responses import StepFunctionResponse

        logging.getLogger("moto").setLevel(logging.CRITICAL)
        injected_backend = self._model_backend()
        real_services = {"sagemaker": "sagemaker-runtime", "bedrock": "bedrock-runtime"}
        kind = self.llm.split(":", 1)[0] if isinstance(self.llm, str) else ""
        passthrough = [real_services[kind]] if kind in real_services else []
        self._stack.enter_context(mock.patch.dict(os.environ, self._common_env()))
        self._stack.enter_context(
            mock_aws(
                config={
                    "stepfunctions": {"execute_state_machine": True},
                    "lambda": {"use_docker": False},
                    "core": {"passthrough": {"services": passthrough}},
                }
            )
        )
        self._stack.enter_context(mock.patch.object(LambdaSimpleBackend, "invoke", self._route_invoke()))
        self._stack.enter_context(
            mock.patch.object(StepFunctionResponse, "start_sync_execution", self._sync_execution(), create=True)
        )
        self._stack.enter_context(_sync_endpoint_routed())

        import boto3

        self.deployed = local_manifest(
            self.settings,
            timeout_overrides=self.timeout_overrides,
            memory_table=self.memory == "dynamodb",
            payload_format=self.payload_format,
            log_level=self._common_env()["POWERTOOLS_LOG_LEVEL"],
        )
        self.timeouts = self.deployed.timeouts
        self._iam = boto3.client("iam", region_name=REGION)
        self._lambda = boto3.client("lambda", region_name=REGION)
        self._sfn = boto3.client("stepfunctions", region_name=REGION)
        self._role_arn = self._iam.create_role(RoleName="local-runtime", AssumeRolePolicyDocument="{}")["Role"]["Arn"]

        dynamodb = boto3.client("dynamodb", region_name=REGION)
        create_tables(dynamodb, self.deployed)
        if self.memory == "dynamodb":
            create_memory_table(dynamodb, self.deployed.environment("fulfilment")["MEMORY_TABLE_NAME"])
        for folder in self.deployed.function_names:
            arn = self._deploy(folder)
            assert arn == self.deployed["function_arns"][folder], (arn, folder)  # moto names them as AWS does
        if injected_backend is not None:
            self.functions["llm"].module._BACKEND = injected_backend  # the one seam: see _model_backend
        self.model_label = self.functions["llm"].module._backend().label
        self.state_machine_arn = self._sfn.create_state_machine(
            name=self.deployed["state_machine_name"],
            definition=self.deployed.state_machine_definition,
            roleArn=self._role_arn,
            type="EXPRESS",
        )["stateMachineArn"]
        assert self.state_machine_arn == self.deployed["state_machine_arn"]

    def _common_env(self) -> dict[str, str]:
        logging_on = self.log_sink is not None
        return {
            "AWS_REGION": REGION,
            "AWS_DEFAULT_REGION": REGION,
            "POWERTOOLS_METRICS_NAMESPACE": "SupportAgent",
            "PYDANTIC_DISABLE_PLUGINS": "__all__",
            "POWERTOOLS_LOG_LEVEL": self.log_level if logging_on else "CRITICAL",
            # Metrics stay on even without a log sink (their output is discarded then): with
            # POWERTOOLS_METRICS_DISABLED, Powertools 3.x keeps every value and prints them anyway
            # once a metric holds 100 of them.
            "POWERTOOLS_METRICS_DISABLED": "false",
        }

    def _llm_env(self) -> dict[str, str]:
        """The LLM function's environment for the local model choices that Terraform does not deploy."""
        env: dict[str, str] = {}
        if isinstance(self.llm, str) and self.llm.startswith("replay:"):
            env.update(LLM_BACKEND="replay", LLM_CASSETTE_PATH=str(Path(self.llm.split(":", 1)[1]).resolve()))
        elif isinstance(self.llm, str) and self.llm == "offline":
            env.update(LLM_BACKEND="offline")
        elif not isinstance(self.llm, str):
            env.update(LLM_BACKEND="injected")
        elif not self.llm.startswith(("sagemaker:", "bedrock:")):
            raise ValueError(
                f"--llm must be offline, replay:PATH, sagemaker:ENDPOINT or bedrock:MODEL, not {self.llm!r}"
            )
        if self.record_path:
            env["LLM_RECORD_PATH"] = str(self.record_path.resolve())
        return env

    def _model_backend(self) -> Backend | None:
        """A backend the runtime must build itself, or None to let the LLM handler build its own.

        A real endpoint needs real credentials, and moto replaces them while it runs; so the client
        is made here, before moto starts, and its service is let through moto.
        """
        backend: Backend | None = None
        if not isinstance(self.llm, str):
            backend = self.llm
        elif self.llm.startswith(("sagemaker:", "bedrock:")):
            import botocore.session

            from agent_core.model import PAYLOAD_FORMATS, BedrockBackend, SageMakerBackend

            session = botocore.session.get_session()
            if session.get_credentials() is None:
                raise RuntimeError(f"--llm {self.llm} needs AWS credentials (none were found)")
            kind, name = self.llm.split(":", 1)
            region = session.get_config_variable("region") or REGION
            if kind == "bedrock":
                backend = BedrockBackend(name, region, session=session)
            else:
                backend = SageMakerBackend(name, PAYLOAD_FORMATS[self.payload_format], region, session=session)
        if backend is not None and self.record_path:
            backend = RecordingBackend(backend, self.record_path)
        return backend

    def _deploy(self, folder: str) -> str:
        """Create the function in moto and load its handler with its own environment, as deployed."""
        function_name = self.deployed.function_names[folder]
        env = self.deployed.environment(folder) | (self._llm_env() if folder == "llm" else {})
        timeout_seconds = self.deployed["function_timeouts"][folder]
        module = load_handler(folder, env, f"_local{self._id}_{folder}_handler")
        self._stack.callback(sys.modules.pop, module.__name__, None)
        # Powertools loggers are per service name and per process: set what a new instance would.
        module.logger.setLevel(self._common_env()["POWERTOOLS_LOG_LEVEL"])
        # Assigned, not setStream(): that flushes the previous stream, which an earlier agent (or a
        # test's captured stdout) may have closed.
        module.logger.registered_handler.stream = self.log_sink if self.log_sink is not None else sys.stdout
        self.functions[folder] = LocalFunction(folder, function_name, module, int(timeout_seconds))
        response = self._lambda.create_function(
            FunctionName=function_name,
            Runtime="python3.13",
            Role=self._role_arn,
            Handler=f"{folder}.handler.lambda_handler",
            Code={"ZipFile": _empty_zip()},
            Timeout=int(timeout_seconds),
            Architectures=["arm64"],
            Environment={"Variables": env},
        )
        return response["FunctionArn"]

    # -------------------------------------------------------- moto patches

    def _route_invoke(self) -> Callable[..., bytes]:
        by_name = self.functions

        def invoke(
            backend: Any, function_name: str, qualifier: Any, body: Any, headers: Any, response_headers: Any
        ) -> bytes:
            deployed = backend.get_function(function_name, qualifier).function_name
            function = next(f for f in by_name.values() if f.function_name == deployed)
            event = json.loads(body) if body else {}
            try:
                result = function.invoke(event)
            except Exception as error:  # noqa: BLE001 - the Lambda runtime reports any error as a payload
                response_headers["x-amz-function-error"] = "Unhandled"
                result = {
                    "errorType": type(error).__name__,
                    "errorMessage": str(error),
                    "stackTrace": traceback.format_tb(error.__traceback__),
                }
            return json.dumps(result).encode("utf-8")

        return invoke

    def _sync_execution(self) -> Callable[[Any], str]:
        executions = self.executions

        def start_sync_execution(response: Any) -> str:
            from moto.stepfunctions.parser.backend.execution import SyncExecution

            backend = response.stepfunction_backend
            state_machine = backend.describe_state_machine(response._get_param("stateMachineArn"))
            name = response._get_param("name") or uuid.uuid4().hex
            snapshot = copy.deepcopy(
                state_machine, {id(state_machine.executions): [], id(state_machine.backend): state_machine.backend}
            )
            execution = SyncExecution(
                name=name,
                sm_type=snapshot.sm_type,
                role_arn=snapshot.roleArn,
                exec_arn=f"arn:aws:states:{backend.region_name}:{backend.account_id}:express:{state_machine.name}:{name}:{uuid.uuid4()}",
                account_id=backend.account_id,
                region_name=backend.region_name,
                state_machine=snapshot,
                start_date=datetime.datetime.now(tz=datetime.UTC),
                cloud_watch_logging_session=None,
                input_data=response._get_param("input") or "{}",
                trace_header=None,
                activity_store={},
            )
            executions.append(execution)
            execution.start()  # runs to the end: Express synchronous executions return when done
            return json.dumps(execution.to_start_sync_execution_output(), default=_timestamp)

        return start_sync_execution

    # -------------------------------------------------------- talking to the agent

    def session(self) -> Session:
        return Session(id=f"local-{uuid.uuid4().hex[:12]}")

    def ask(self, session: Session, text: Any) -> Turn:
        """One Lex turn: build the Lex V2 event, call the fulfilment handler, read what happened."""
        event = lex_event(session.id, text, session.attributes)
        before = len(self.executions)
        started = time.perf_counter()
        # EMF metrics are printed to stdout, as in Lambda: they go to the log sink, or nowhere.
        with contextlib.redirect_stdout(self.log_sink or io.StringIO()):
            response = self.functions["fulfilment"].invoke(event)
        elapsed_ms = round((time.perf_counter() - started) * 1000)
        session.attributes = dict(response["sessionState"]["sessionAttributes"])
        answer = response["messages"][0]["content"]
        new = self.executions[before:]
        if not new:
            return Turn(str(text), answer, response, {}, "NOT_RUN", [], [], 0, 0, elapsed_ms)
        return self._describe(new[-1], str(text), answer, response, elapsed_ms)

    def _describe(self, execution: Any, question: str, answer: str, response: dict[str, Any], elapsed_ms: int) -> Turn:
        events = execution.to_history_output()["events"]
        states = [e["stateEnteredEventDetails"]["name"] for e in events if "stateEnteredEventDetails" in e]
        llm_calls = 0
        failures = []
        selected: list[str] | None = None
        for event in events:
            details = event.get("taskSucceededEventDetails")
            if details:
                payload = json.loads(details.get("output") or "{}").get("Payload")
                if isinstance(payload, dict) and isinstance(payload.get("model_calls"), int):
                    llm_calls += payload["model_calls"]
                if isinstance(payload, dict) and "selected" in payload and selected is None:
                    selected = list(payload["selected"])
            failed = event.get("taskFailedEventDetails") or event.get("taskTimedOutEventDetails")
            if failed:
                failures.append(f"{failed.get('error')}: {_cause_message(failed.get('cause'))}")
        status = execution.sync_execution_status.value if execution.sync_execution_status else "UNKNOWN"
        output = json.loads(json.dumps(execution.output)) if status == "SUCCEEDED" and execution.output else {}
        if status != "SUCCEEDED":
            failures.append(f"execution {status}: {execution.error or ''} {_cause_message(execution.cause)}".strip())
        tools = tool_uses(output)
        return Turn(
            question,
            answer,
            response,
            output,
            status,
            states,
            tools,
            int(output.get("iterations") or 0),
            llm_calls,
            elapsed_ms,
            failures,
            selected=selected or [],
            transitions=len(states),
            lambda_invocations=sum(1 for event in events if "taskScheduledEventDetails" in event),
        )


def load_handler(folder: str, env: dict[str, str], module_name: str) -> ModuleType:
    """Import ``functions/<folder>/handler.py`` as a fresh module, as a new Lambda instance would:
    its module-level code (settings, clients) runs with ``env`` set."""
    from unittest import mock

    spec = importlib.util.spec_from_file_location(module_name, FUNCTIONS_DIR / folder / "handler.py")
    assert spec and spec.loader
    module = importlib.util.module_from_spec(spec)
    sys.modules[module_name] = module  # dataclasses look their module up while the class is built
    with mock.patch.dict(os.environ, env):
        spec.loader.exec_module(module)
    return module


def lex_event(session_id: str, text: Any, attributes: dict[str, str]) -> dict[str, Any]:
    """The event Lex V2 sends a FallbackIntent fulfilment code hook."""
    intent = {"name": "FallbackIntent", "slots": {}, "state": "ReadyForFulfillment", "confirmationState": "None"}
    return {
        "messageVersion": "1.0",
        "invocationSource": "FulfillmentCodeHook",
        "inputMode": "Text",
        "responseContentType": "text/plain; charset=utf-8",
        "sessionId": session_id,
        "inputTranscript": text,
        "bot": {
            "id": "LOCALBOT00",
            "name": f"{terraform_defaults()['name_prefix']}-bot",
            "aliasId": "TSTALIASID",
            "aliasName": "TestBotAlias",
            "localeId": "en_US",
            "version": "DRAFT",
        },
        "interpretations": [{"intent": intent, "interpretationSource": "Lex"}],
        "requestAttributes": {},
        "sessionState": {
            "sessionAttributes": dict(attributes),
            "activeContexts": [],
            "intent": intent,
            "originatingRequestId": str(uuid.uuid4()),
        },
        "transcriptions": [],
    }


@contextlib.contextmanager
def _sync_endpoint_routed() -> Iterator[None]:
    """Route ``sync-states.<region>.amazonaws.com`` (StartSyncExecution's host) to moto's Step Functions."""
    from moto import backend_index
    from moto.stepfunctions import urls

    pattern = r"https?://sync-states\.(.+)\.amazonaws.com"
    backend_index.backend_url_patterns.insert(0, ("stepfunctions", re.compile(pattern)))
    urls.url_bases.append(pattern)
    try:
        yield
    finally:
        backend_index.backend_url_patterns.pop(0)
        urls.url_bases.remove(pattern)


def _cause_message(cause: Any) -> str:
    try:
        parsed = json.loads(cause)
        return str(parsed.get("errorMessage", cause))[:300]
    except (TypeError, ValueError, AttributeError):
        return str(cause or "")[:300]


def _timestamp(value: Any) -> Any:
    if isinstance(value, datetime.datetime):
        return value.timestamp()
    raise TypeError(type(value).__name__)


@cache
def _empty_zip() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as archive:
        archive.writestr("handler.py", "# the local runtime runs functions/<name>/handler.py in-process\n")
    return buffer.getvalue()
