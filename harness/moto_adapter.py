"""Every use of moto's internals, in one place: the local runtime needs three things moto does not do
by itself, and reads executions the way moto keeps them.

- Lambda invokes run the real handler in-process (moto would run a container): ``LambdaSimpleBackend.invoke``.
- ``StartSyncExecution``, which moto lacks: an Express execution run to its end with moto's ASL
  interpreter (``SyncExecution``), served on the API's own host (``sync-states.<region>``).
- An execution's history events, status, output, error and cause.
- Parsing: moto parses the state machine's definition anew for every execution (ANTLR, about 0.15 s
  a turn); ``parsed_definitions_cached`` keeps each definition's syntax tree and builds fresh
  evaluation components from it per execution, as moto does.

``SUPPORTED`` names the moto versions this was written against; ``tests/test_moto_adapter.py`` fails
on another, so an upgrade starts there.
"""

from __future__ import annotations

import contextlib
import copy
import datetime
import json
import logging
import re
import traceback
import uuid
from collections.abc import Callable, Iterator
from typing import Any

SUPPORTED = ((5, 2),)  # the (major, minor) versions this adapter was written against; pyproject pins the same

Invoker = Callable[[Any], Any]  # a Lambda handler call: event in, result out


def moto_version() -> tuple[int, int]:
    import moto

    major, minor = moto.__version__.split(".")[:2]
    return int(major), int(minor)


@contextlib.contextmanager
def mocked_aws(passthrough: list[str]) -> Iterator[None]:
    """moto for every AWS call but ``passthrough`` services (a real model endpoint), executing ASL."""
    from moto import mock_aws

    logging.getLogger("moto").setLevel(logging.CRITICAL)
    config = {
        "stepfunctions": {"execute_state_machine": True},
        "lambda": {"use_docker": False},
        "core": {"passthrough": {"services": passthrough}},
    }
    with mock_aws(config=config):  # type: ignore[arg-type]
        yield


@contextlib.contextmanager
def parsed_definitions_cached() -> Iterator[None]:
    """Every execution of a definition already parsed reuses its syntax tree (immutable once built);
    its evaluation components (which hold an execution's state) are built afresh each time."""
    from unittest import mock

    from moto.stepfunctions.parser.asl.parse.asl_parser import AmazonStateLanguageParser
    from moto.stepfunctions.parser.asl.parse.preprocessor import Preprocessor

    parse = AmazonStateLanguageParser.parse
    trees: dict[str, Any] = {}

    def cached_parse(definition: str) -> tuple[Any, Any]:
        if definition not in trees:
            trees[definition] = parse(definition)[1]
        tree = trees[definition]
        return Preprocessor().visit(tree), tree

    with mock.patch.object(AmazonStateLanguageParser, "parse", staticmethod(cached_parse)):
        yield


@contextlib.contextmanager
def lambda_invokes_routed(invoker_for: Callable[[str], Invoker]) -> Iterator[None]:
    """Lambda Invoke runs ``invoker_for(deployed function name)`` in-process; an exception becomes the
    error payload the Lambda runtime sends (``x-amz-function-error: Unhandled``)."""
    from unittest import mock

    from moto.awslambda_simple.models import LambdaSimpleBackend

    def invoke(
        backend: Any, function_name: str, qualifier: Any, body: Any, headers: Any, response_headers: Any
    ) -> bytes:
        invoker = invoker_for(backend.get_function(function_name, qualifier).function_name)
        event = json.loads(body) if body else {}
        try:
            result = invoker(event)
        except Exception as error:  # noqa: BLE001 - the Lambda runtime reports any error as a payload
            response_headers["x-amz-function-error"] = "Unhandled"
            result = {
                "errorType": type(error).__name__,
                "errorMessage": str(error),
                "stackTrace": traceback.format_tb(error.__traceback__),
            }
        return json.dumps(result).encode("utf-8")

    with mock.patch.object(LambdaSimpleBackend, "invoke", invoke):
        yield


@contextlib.contextmanager
def sync_executions_served(
    on_start: Callable[[Any], None], on_end: Callable[[Any], None] | None = None
) -> Iterator[None]:
    """StartSyncExecution runs the execution to its end; ``on_start`` sees each execution first and
    ``on_end`` (if given) once it has ended, before the caller gets the response."""
    from unittest import mock

    from moto.stepfunctions.responses import StepFunctionResponse

    def start_sync_execution(response: Any) -> str:
        from moto.stepfunctions.parser.backend.execution import SyncExecution

        backend = response.stepfunction_backend
        state_machine = backend.describe_state_machine(response._get_param("stateMachineArn"))
        name = response._get_param("name") or uuid.uuid4().hex
        snapshot = copy.deepcopy(
            state_machine, {id(state_machine.executions): [], id(state_machine.backend): state_machine.backend}
        )
        arn = (
            f"arn:aws:states:{backend.region_name}:{backend.account_id}:express:"
            f"{state_machine.name}:{name}:{uuid.uuid4()}"
        )
        execution = SyncExecution(
            name=name,
            sm_type=snapshot.sm_type,
            role_arn=snapshot.roleArn,
            exec_arn=arn,
            account_id=backend.account_id,
            region_name=backend.region_name,
            state_machine=snapshot,
            start_date=datetime.datetime.now(tz=datetime.UTC),
            cloud_watch_logging_session=None,
            input_data=response._get_param("input") or "{}",
            trace_header=None,
            activity_store={},
        )
        on_start(execution)
        execution.start()  # runs to the end: Express synchronous executions return when done
        if on_end is not None:
            on_end(execution)
        return json.dumps(execution.to_start_sync_execution_output(), default=_timestamp)

    with (
        mock.patch.object(StepFunctionResponse, "start_sync_execution", start_sync_execution, create=True),
        _sync_host_routed(),
    ):
        yield


@contextlib.contextmanager
def _sync_host_routed() -> Iterator[None]:
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


def history(execution: Any) -> list[dict[str, Any]]:
    """The execution's history events (GetExecutionHistory's shape)."""
    return list(execution.to_history_output()["events"])


def status(execution: Any) -> str:
    return execution.sync_execution_status.value if execution.sync_execution_status else "UNKNOWN"


def output(execution: Any) -> dict[str, Any]:
    """The execution's output, once it succeeded; {} otherwise."""
    if status(execution) != "SUCCEEDED" or not execution.output:
        return {}
    return json.loads(json.dumps(execution.output))


def failure(execution: Any) -> tuple[str, str]:
    """(error, cause) of an execution that did not succeed."""
    return str(execution.error or ""), str(execution.cause or "")


def _timestamp(value: Any) -> Any:
    if isinstance(value, datetime.datetime):
        return value.timestamp()
    raise TypeError(type(value).__name__)
