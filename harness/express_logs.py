"""Step Functions Express executions' log events, as Step Functions writes them to CloudWatch Logs
(logging level ALL, includeExecutionData true): Express executions keep no history in the service,
so these events are all there is to trace a deployed turn.

One JSON object per log event (Step Functions developer guide, "Logging in CloudWatch Logs"; the
fixtures in tests/fixtures/express_logs/ are checked against its documented examples)::

    {"id": "1", "type": "ExecutionStarted", "details": {"input": "{...}", "inputDetails":
     {"truncated": false}, "roleArn": "..."}, "previous_event_id": "0", "event_timestamp":
     "1716992192441", "execution_arn": "arn:aws:states:...:express:MACHINE:NAME:RUN", "redrive_count": "0"}

``id``, ``previous_event_id``, ``event_timestamp`` (epoch milliseconds) and ``redrive_count`` are
strings; ``details`` is the history event's details structure (GetExecutionHistory's
``*EventDetails``), whose ``input``, ``output`` and ``parameters`` are JSON text; without execution
data they are absent. One log stream holds many executions' events, and delivery is best effort.

``from_history`` turns an execution's history events (what the local runtime records, in
GetExecutionHistory's shape) into such events; ``deliver`` writes them to a log group as Step
Functions would; ``read`` and ``executions_of_session`` find them again.
"""

from __future__ import annotations

import datetime
import json
import re
import uuid
from collections.abc import Iterable, Iterator
from typing import Any

TOP_LEVEL_FIELDS = ("id", "type", "details", "previous_event_id", "event_timestamp", "execution_arn", "redrive_count")
DATA_FIELDS = ("input", "inputDetails", "output", "outputDetails", "parameters")  # execution data
ENDINGS = ("ExecutionSucceeded", "ExecutionFailed", "ExecutionTimedOut", "ExecutionAborted")


def _milliseconds(value: Any) -> int:
    if isinstance(value, datetime.datetime):
        return round(value.timestamp() * 1000)
    if isinstance(value, int | float):
        return round(value * 1000) if value < 1e11 else round(value)  # seconds or milliseconds
    text = str(value).replace("Z", "+00:00")
    return round(datetime.datetime.fromisoformat(text).timestamp() * 1000)


def from_history(
    events: Iterable[dict[str, Any]], execution_arn: str, include_execution_data: bool = True
) -> list[dict[str, Any]]:
    """An execution's history events (GetExecutionHistory's shape) as its CloudWatch log events."""
    documents = []
    for event in events:
        kind = getattr(event["type"], "value", event["type"])
        details = next((dict(value) for key, value in event.items() if key.endswith("EventDetails")), {})
        if not include_execution_data:
            details = {key: value for key, value in details.items() if key not in DATA_FIELDS}
        documents.append(
            {
                "id": str(event["id"]),
                "type": str(kind),
                "details": details,
                "previous_event_id": str(event.get("previousEventId") or 0),
                "event_timestamp": str(_milliseconds(event["timestamp"])),
                "execution_arn": execution_arn,
                "redrive_count": "0",
            }
        )
    return documents


def state_machine_name(execution_arn: str) -> str:
    return execution_arn.split(":")[6] if execution_arn.count(":") >= 7 else ""


def log_stream_name(machine: str, when_ms: int) -> str:
    """The stream name Step Functions uses: ``states/MACHINE/YYYY-MM-DD-HH-MM/8 hex digits``."""
    minute = datetime.datetime.fromtimestamp(when_ms / 1000, tz=datetime.UTC).strftime("%Y-%m-%d-%H-%M")
    return f"states/{machine}/{minute}/{uuid.uuid4().hex[:8]}"


def deliver(logs: Any, log_group: str, documents: list[dict[str, Any]]) -> str:
    """Write an execution's log events to ``log_group`` (a new stream), as Step Functions does."""
    first = int(documents[0]["event_timestamp"]) if documents else 0
    stream = log_stream_name(state_machine_name(documents[0]["execution_arn"]) if documents else "", first)
    logs.create_log_stream(logGroupName=log_group, logStreamName=stream)
    ordered = sorted(documents, key=lambda document: (int(document["event_timestamp"]), int(document["id"])))
    response = logs.put_log_events(
        logGroupName=log_group,
        logStreamName=stream,
        logEvents=[
            {"timestamp": int(document["event_timestamp"]), "message": json.dumps(document, separators=(",", ":"))}
            for document in ordered
        ],
    )
    if response.get("rejectedLogEventsInfo"):  # CloudWatch Logs takes events of the last 14 days only
        raise ValueError(f"CloudWatch Logs rejected events: {response['rejectedLogEventsInfo']}")
    return stream


def _filtered(logs: Any, **request: Any) -> Iterator[dict[str, Any]]:
    """Every event FilterLogEvents returns, page after page, parsed (lines that are not JSON skipped)."""
    while True:
        page = logs.filter_log_events(**request)
        for event in page.get("events", []):
            try:
                document = json.loads(event["message"])
            except (KeyError, ValueError):
                continue
            if isinstance(document, dict):
                yield document
        if not page.get("nextToken"):
            return
        request["nextToken"] = page["nextToken"]


def read(logs: Any, log_group: str, execution_arn: str, start_ms: int | None = None) -> list[dict[str, Any]]:
    """One execution's log events, in order. The filter pattern narrows what CloudWatch Logs sends;
    the events are checked here too (a stream holds many executions)."""
    request: dict[str, Any] = {"logGroupName": log_group, "filterPattern": f'{{ $.execution_arn = "{execution_arn}" }}'}
    if start_ms is not None:
        request["startTime"] = start_ms
    events = [event for event in _filtered(logs, **request) if event.get("execution_arn") == execution_arn]
    return sorted(events, key=lambda event: int(event.get("id", 0)))


def express_arn_prefix(state_machine_arn: str) -> str:
    """``arn:...:stateMachine:NAME`` -> ``arn:...:express:NAME:``, the start of its executions' ARNs."""
    head, _, name = state_machine_arn.rpartition(":stateMachine:")
    if not head:
        raise ValueError(f"{state_machine_arn!r} is not a state machine ARN")
    return f"{head}:express:{name}:"


def session_prefix(session_id: str) -> str:
    """What an execution's name starts with for a session (agent_core.execution.execution_name)."""
    return re.sub(r"[^A-Za-z0-9_-]", "", session_id)[:40] or "turn"


def executions_of_session(
    logs: Any, log_group: str, state_machine_arn: str, session_id: str, start_ms: int
) -> list[str]:
    """The ARNs of a session's executions since ``start_ms``, oldest first. An execution's name starts
    with the session id (cleaned and cut to 40 characters); where its input was logged, its
    ``session_id`` must be the session's own (two sessions may share the cut prefix)."""
    prefix = express_arn_prefix(state_machine_arn) + session_prefix(session_id) + "-"
    request = {
        "logGroupName": log_group,
        "filterPattern": f'{{ ($.type = "ExecutionStarted") && ($.execution_arn = "{prefix}*") }}',
        "startTime": start_ms,
    }
    found: dict[str, int] = {}
    for event in _filtered(logs, **request):
        arn = str(event.get("execution_arn", ""))
        if event.get("type") != "ExecutionStarted" or not arn.startswith(prefix):
            continue
        raw = (event.get("details") or {}).get("input")
        try:
            started_with = json.loads(raw) if isinstance(raw, str) else raw
        except ValueError:
            started_with = None
        if isinstance(started_with, dict) and started_with.get("session_id") not in (None, session_id[:100]):
            continue
        found[arn] = int(event.get("event_timestamp", 0))
    return sorted(found, key=found.__getitem__)
