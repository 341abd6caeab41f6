"""Trace a deployed turn: its path through the state machine, per-state durations, inputs and outputs,
drawn on the state machine's graph; and turn it into a regression case that replays offline.

  agent trace --execution ARN [--show-text] [--json] [--to-case FILE.jsonl [--keep-personal-data]]
  agent trace --session-id ID [--since HOURS] ...

Express executions keep their history only in CloudWatch Logs: the events are read from the state
machine's log group (``terraform output state_machine_log_group``) with FilterLogEvents
(harness/express_logs.py). Every turn's ledger line carries its execution ARN (the saved query
slowest-turns lists them); a Lex session id finds that session's executions.

User text (questions, answers, records, the model's words) is shown only with ``--show-text``: by
default each is replaced by its length. ``--to-case FILE.jsonl`` writes the traced turns as one
conversation of the evaluation format (data/eval/README.md: the remembered turns, the tool results,
what each turn must do) and ``FILE.cassette.json`` beside it (every model output, keyed by the prompt
rendered from the logged inputs with agent_core's own code), so that

  agent eval FILE.jsonl --llm replay:FILE.cassette.json

reproduces the turn on this machine, and a fix can be proved against it. Personal data (e-mail
addresses, phone and card numbers, a name the user gives, street addresses) is replaced by
placeholders, the same everywhere, unless ``--keep-personal-data``: read the case before you commit it.
"""

from __future__ import annotations

import argparse
import itertools
import json
import re
import sys
import time
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from agent_core import llm_requests, model_errors, registry
from agent_core.execution import read_output
from agent_core.ledger import ModelUsage
from agent_core.prompts import prompt
from harness import express_logs
from harness.diagram import mermaid

# Keys whose values are shown without --show-text: names, ids, statuses, counts; everything else that
# is text (the question, the history, answers, records, the model's words) is replaced by its length.
SHOWN_KEYS = {
    "outcome",
    "decision",
    "answered_by",
    "tool",
    "id",
    "id_source",
    "status",
    "name",
    "prompt",
    "model",
    "selected",
    "function",
    "FunctionName",
    "Error",
    "error",
    "resource",
    "resourceType",
    "region",
    "session_id",
    "execution",
    "started_at",
    "roleArn",
    "ExecutedVersion",
}
CONSOLE_DOMAINS = {  # terraform/settings.tf's console_domain (a test keeps them the same)
    "aws": "console.aws.amazon.com",
    "aws-us-gov": "console.amazonaws-us-gov.com",
    "aws-cn": "console.amazonaws.cn",
}


class TraceError(RuntimeError):
    """The execution cannot be traced (no events, no data to replay)."""


def _json(value: Any) -> Any:
    """``input``/``output``/``parameters`` are JSON text in the log events; anything else as it is."""
    if isinstance(value, str):
        try:
            return json.loads(value)
        except ValueError:
            return value
    return value


@dataclass
class Step:
    """One state entered: its events, times, input and output (None when not logged)."""

    name: str
    kind: str  # Task, Pass, Choice, Map ...
    entered_id: int
    entered_ms: int
    input: Any = None
    exited_ms: int | None = None
    output: Any = None
    inner: bool = False  # inside the Map's item processor
    index: int | None = None  # which Map iteration
    attempts: int = 0  # Task attempts (retries included)
    parameters: Any = None  # the last attempt's parameters (TaskScheduled)
    result: Any = None  # TaskSucceeded's output
    failures: list[tuple[str, str]] = field(default_factory=list)  # (error, cause) of failed attempts

    @property
    def duration_ms(self) -> int | None:
        return None if self.exited_ms is None else self.exited_ms - self.entered_ms

    @property
    def payload(self) -> Any:
        parameters = self.parameters if isinstance(self.parameters, dict) else {}
        return parameters.get("Payload")

    @property
    def returned(self) -> Any:
        result = self.result if isinstance(self.result, dict) else {}
        return result.get("Payload")


@dataclass
class Trace:
    execution_arn: str
    status: str
    started_ms: int
    stopped_ms: int | None
    input: Any
    output: Any
    error: tuple[str, str] | None
    steps: list[Step]
    data_logged: bool  # includeExecutionData (log_execution_data)

    @property
    def path(self) -> list[str]:
        return [step.name for step in self.steps if not step.inner]

    @property
    def states(self) -> list[str]:
        """Every state entered, in order (as ``agent chat`` reports them)."""
        return [step.name for step in self.steps]

    @property
    def taken(self) -> set[tuple[str, str]]:
        """The transitions the turn took: between top-level states, and within each Map iteration."""
        pairs = set(itertools.pairwise(self.path))
        iterations: dict[int | None, list[str]] = {}
        for step in self.steps:
            if step.inner:
                iterations.setdefault(step.index, []).append(step.name)
        for names in iterations.values():
            pairs |= set(itertools.pairwise(names))
        return pairs

    @property
    def duration_ms(self) -> int | None:
        return None if self.stopped_ms is None else self.stopped_ms - self.started_ms


def parse(events: Iterable[Mapping[str, Any]]) -> Trace:
    """An execution's log events (any order, any subset Step Functions delivered) as its trace."""
    ordered = sorted((dict(event) for event in events), key=lambda event: int(event.get("id", 0)))
    if not ordered:
        raise TraceError("no log events for this execution (wrong ARN or log group, or older than --since)")
    by_id = {int(event["id"]): event for event in ordered}
    step_of: dict[int, Step] = {}  # event id -> the step it belongs to
    steps: list[Step] = []
    trace = Trace(str(ordered[0].get("execution_arn", "")), "RUNNING", 0, None, None, None, None, steps, False)

    def previous(event: Mapping[str, Any]) -> Mapping[str, Any] | None:
        return by_id.get(int(event.get("previous_event_id") or 0))

    def owner(event: Mapping[str, Any]) -> Step | None:
        """The step an event belongs to: the nearest one up its chain of previous events."""
        current = previous(event)
        while current is not None:
            found = step_of.get(int(current["id"]))
            if found is not None:
                return found
            current = previous(current)
        return None

    def placement(event: Mapping[str, Any]) -> tuple[bool, int | None]:
        """(inside a Map iteration, its index), from the chain of previous events."""
        current = previous(event)
        while current is not None:
            kind = current.get("type", "")
            if kind == "MapIterationStarted":
                return True, (current.get("details") or {}).get("index")
            if kind in ("ExecutionStarted", "MapStateExited", "MapStateFailed", "MapStateAborted", "MapStateSucceeded"):
                return False, None
            known = step_of.get(int(current["id"]))
            if known is not None and known.kind != "Map":
                return known.inner, known.index
            current = previous(current)
        return False, None

    for event in ordered:
        kind, details, when = event.get("type", ""), event.get("details") or {}, int(event.get("event_timestamp", 0))
        identifier = int(event["id"])
        if kind == "ExecutionStarted":
            trace.started_ms, trace.input = when, _json(details.get("input"))
            trace.data_logged = "input" in details
        elif kind in express_logs.ENDINGS:
            trace.status = {
                "ExecutionSucceeded": "SUCCEEDED",
                "ExecutionFailed": "FAILED",
                "ExecutionTimedOut": "TIMED_OUT",
                "ExecutionAborted": "ABORTED",
            }[kind]
            trace.stopped_ms, trace.output = when, _json(details.get("output"))
            if "error" in details or "cause" in details:
                trace.error = (str(details.get("error", "")), str(details.get("cause", "")))
        elif kind.endswith("StateEntered"):
            inner, index = placement(event)
            step = Step(
                str(details.get("name", "?")),
                kind[: -len("StateEntered")],
                identifier,
                when,
                _json(details.get("input")),
                inner=inner,
                index=index,
            )
            steps.append(step)
            step_of[identifier] = step
        elif (step := _owner_of(event, kind, details, owner(event), steps)) is not None:
            step_of[identifier] = step
            _record(step, kind, details, when)
    for step in steps:  # a state left by a caught error has no Exited event: it ends where the next begins
        if step.exited_ms is None:
            following = [other.entered_ms for other in steps if other.entered_id > step.entered_id]
            step.exited_ms = min(following) if following else trace.stopped_ms
    return trace


def _owner_of(
    event: Mapping[str, Any], kind: str, details: Mapping[str, Any], chained: Step | None, steps: list[Step]
) -> Step | None:
    """The state an event belongs to. A state is left by the Exited event of its name (the chain of
    previous events may pass through a Map's branches first); the Map's own events are the Map's."""
    if kind.endswith("StateExited"):
        if chained is not None and chained.name == details.get("name") and chained.exited_ms is None:
            return chained
        return next(
            (step for step in reversed(steps) if step.name == details.get("name") and step.exited_ms is None), chained
        )
    if kind.startswith(("MapState", "MapIteration")):
        return next((step for step in reversed(steps) if step.kind == "Map" and step.exited_ms is None), None)
    return chained


def _record(step: Step, kind: str, details: Mapping[str, Any], when: int) -> None:
    """What an event of a state (after it was entered) says about it."""
    if kind.endswith("StateExited"):
        step.exited_ms, step.output = when, _json(details.get("output"))
    elif kind == "TaskScheduled":
        step.attempts += 1
        step.parameters = _json(details.get("parameters"))
    elif kind == "TaskSucceeded":
        step.result = _json(details.get("output"))
    elif kind in ("TaskFailed", "TaskTimedOut", "TaskStartFailed", "TaskSubmitFailed"):
        step.failures.append((str(details.get("error", "")), str(details.get("cause", ""))[:300]))


# ---------------------------------------------------------------- showing a trace


def shown(value: Any, show_text: bool, key: str = "") -> Any:
    """``value`` with the text that is not a name, id or status replaced by its length."""
    if show_text:
        return value
    if isinstance(value, Mapping):
        return {k: shown(v, show_text, str(k)) for k, v in value.items()}
    if isinstance(value, list):
        return [shown(item, show_text, key) for item in value]
    if isinstance(value, str) and key not in SHOWN_KEYS and key not in _tool_arguments():
        return f"<{len(value)} chars>"
    return value


def _tool_arguments() -> set[str]:
    """The id arguments (order_id, return_id) are shown; a search's argument is the user's question."""
    return {tool.argument for tool in registry.record_tools()}


def console_url(execution_arn: str, started_ms: int) -> str:
    parts = execution_arn.split(":")
    partition, region = (parts[1], parts[3]) if len(parts) > 3 else ("aws", "us-east-1")
    domain = CONSOLE_DOMAINS.get(partition, CONSOLE_DOMAINS["aws"])
    return (
        f"https://{region}.{domain}/states/home?region={region}#/express-executions/details/{execution_arn}"
        f"?startDate={started_ms}"
    )


def _note(step: Step, show_text: bool) -> str:
    """What a step did, in a few words: the model call, the plan, the lookup, the error."""
    payload, returned = step.payload if isinstance(step.payload, dict) else {}, step.returned
    returned = returned if isinstance(returned, dict) else {}
    notes = []
    if returned.get("prompt") in ("planner", "interpreter") or payload.get("prompt") in ("planner", "interpreter"):
        usage = ModelUsage.read(returned.get("usage"))
        before = ModelUsage.read(payload.get("usage"))
        calls = usage.model_calls - before.model_calls
        notes.append(f"{returned.get('prompt') or payload.get('prompt')}: {calls} model call(s)")
        if calls:
            estimated = usage.estimated_calls > before.estimated_calls
            notes.append(
                f"{usage.model_ms - before.model_ms} ms, tokens {usage.tokens_in - before.tokens_in}/"
                f"{usage.tokens_out - before.tokens_out}" + (" (estimated)" if estimated else "")
            )
        if "decision" in returned:
            notes.append(f"decision {returned['decision']} by {returned.get('answered_by')}")
    elif "calls" in returned and "outcome" in returned:
        calls = " ".join(f"{c.get('tool')}:{c.get('id')}" for c in returned.get("calls", []) if isinstance(c, dict))
        notes.append(f"parse: {returned['outcome']}" + (f" {calls}" if calls else ""))
    elif "status" in returned and "tool" in returned:
        notes.append(f"{returned['tool']} {returned.get('id')}: {returned['status']}")
    if step.attempts > 1:
        notes.append(f"{step.attempts} attempts")
    notes += [f"failed: {error}" for error, _ in step.failures[-1:]]
    if step.name in ("RecordToolFailure",) and isinstance(step.output, dict):
        notes.append(f"error record {step.output.get('tool')} {step.output.get('id')}: {step.output.get('error')}")
    return "; ".join(notes)


def _io(step: Step, first: bool) -> tuple[Any, Any]:
    """What to show of a state's input and output: a task's own payload and what it returned; a Pass
    state's output (and the turn's input at the start); nothing for a Choice or a Map (the table
    says where they went). The whole of each is in --json."""
    if step.kind == "Task":
        return step.payload, step.returned if step.returned is not None else step.failures or None
    if step.kind == "Pass":
        return (step.input if first else None), step.output
    return None, None


def _compact(value: Any, show_text: bool, limit: int = 400) -> str:
    if value is None:
        return "(not logged)"
    text = json.dumps(shown(value, show_text), ensure_ascii=False, separators=(",", ":"))
    return text if show_text or len(text) <= limit else text[: limit - 1] + "…"


def render(trace: Trace, asl: dict[str, Any], show_text: bool = False) -> str:
    """The trace for a person: a summary, the path with per-state durations, every state's input and
    output, and the path drawn on the state machine's graph."""
    turn_input = trace.input if isinstance(trace.input, dict) else {}
    output = trace.output if isinstance(trace.output, dict) else {}
    usage = ModelUsage.read(output.get("usage"))
    lines = [
        f"execution  {trace.execution_arn}",
        f"status     {trace.status}" + (f" in {trace.duration_ms} ms" if trace.duration_ms is not None else ""),
        f"console    {console_url(trace.execution_arn, trace.started_ms)}",
    ]
    if trace.error:
        lines.append(f"error      {trace.error[0]}: {trace.error[1][:200]}")
    if trace.data_logged:
        lines += [
            f"question   {_compact(turn_input.get('question'), show_text)}",
            f"answer     {_compact(output.get('answer'), show_text)}",
            f"outcome    {output.get('outcome')} after {output.get('iterations')} iteration(s); model calls "
            f"{usage.model_calls} ({usage.model_ms} ms), tokens in/out {usage.tokens_in}/{usage.tokens_out} "
            f"({usage.tokens_counted})",
        ]
    else:
        lines.append("data       not logged (log_execution_data = false): names and times only")
    lines += ["", " #  state                         type     start ms  duration ms  what"]
    for number, step in enumerate(trace.steps, start=1):
        label = ("  " + step.name + (f" [{step.index}]" if step.index is not None else "")) if step.inner else step.name
        duration = "" if step.duration_ms is None else str(step.duration_ms)
        lines.append(
            f"{number:>2}  {label:<29} {step.kind:<7} {step.entered_ms - trace.started_ms:>8}  {duration:>11}  "
            f"{_note(step, show_text)}".rstrip()
        )
    if trace.data_logged:
        lines += ["", "inputs and outputs" + ("" if show_text else " (texts as their length: --show-text shows them)")]
        for number, step in enumerate(trace.steps, start=1):
            given, gave = _io(step, number == 1)
            if given is None and gave is None:
                continue
            lines.append(f"{number:>2} {step.name}")
            if given is not None:
                lines.append(f"     in:  {_compact(given, show_text)}")
            if gave is not None:
                lines.append(f"     out: {_compact(gave, show_text)}")
    lines += ["", "path on the state machine (visited states and transitions highlighted):", ""]
    lines.append(mermaid(asl, visited=set(trace.states), taken=trace.taken))
    return "\n".join(lines)


# ---------------------------------------------------------------- a regression case


_PERSONAL = (
    ("EMAIL", re.compile(r"[A-Za-z0-9._%+-]+@[A-Za-z0-9-]+(?:\.[A-Za-z0-9-]+)+")),
    ("URL", re.compile(r"https?://\S+")),
    ("CARD", re.compile(r"(?<![0-9])(?:[0-9][ -]?){12,18}[0-9](?![0-9])")),
    ("IBAN", re.compile(r"\b[A-Z]{2}[0-9]{2}(?: ?[A-Z0-9]{4}){3,7}(?: ?[A-Z0-9]{1,3})?\b")),
    (
        "PHONE",
        re.compile(r"(?:\+[0-9][0-9 ().-]{7,}[0-9])|(?<![0-9])[0-9]{3,4}[ .-][0-9]{3,4}[ .-][0-9]{3,4}(?![0-9])"),
    ),
    (
        "ADDRESS",
        re.compile(
            r"\b[0-9]{1,5} (?:[A-Z][a-z]+ ){1,3}(?:Street|St|Road|Rd|Avenue|Ave|Lane|Ln|Drive|Dr|Way|Close|Place)\b"
        ),
    ),
    ("NAME", re.compile(r"(?:(?i:my name is|this is|name:|i am|i'm)\s+)((?:[A-Z][a-z'-]+)(?:\s+[A-Z][a-z'-]+){0,2})")),
)


class Scrubber:
    """Replaces personal data with placeholders (EMAIL_A, NAME_B, ...), the same value with the same
    placeholder everywhere, so a scrubbed case still replays. Tool ids are never touched: the replay
    looks them up."""

    def __init__(self) -> None:
        self.found: dict[str, str] = {}

    def learn(self, text: Any) -> None:
        if not isinstance(text, str):
            return
        # Tool ids are kept, and a span one kind claimed is not claimed again (a card number's digits
        # are not also a phone number).
        claimed = [(m.start, m.end) for tool in registry.tools() for m in tool.find_ids(text)]
        for kind, pattern in _PERSONAL:
            for match in pattern.finditer(text):
                group = 1 if pattern.groups else 0
                start, end = match.span(group)
                if any(start < stop and begin < end for begin, stop in claimed):
                    continue
                claimed.append((start, end))
                value = match.group(group)
                if value not in self.found:
                    count = sum(1 for placeholder in self.found.values() if placeholder.startswith(kind))
                    self.found[value] = f"{kind}_{chr(ord('A') + count % 26)}{'' if count < 26 else count // 26}"

    def learn_all(self, value: Any) -> None:
        if isinstance(value, Mapping):
            for item in value.values():
                self.learn_all(item)
        elif isinstance(value, list):
            for item in value:
                self.learn_all(item)
        else:
            self.learn(value)

    def scrub(self, value: Any) -> Any:
        if isinstance(value, Mapping):
            return {key: self.scrub(item) for key, item in value.items()}
        if isinstance(value, list):
            return [self.scrub(item) for item in value]
        if isinstance(value, str):
            for original in sorted(self.found, key=len, reverse=True):
                value = value.replace(original, self.found[original])
        return value


class _Keep(Scrubber):
    def learn(self, text: Any) -> None:
        return None


def case_from(traces: list[Trace], keep_personal_data: bool = False) -> tuple[dict[str, Any], dict[str, Any]]:
    """(the conversation, the cassette) that replay ``traces`` (one session's turns, in order)."""
    if not traces:
        raise TraceError("nothing to turn into a case")
    if not all(trace.data_logged for trace in traces):
        raise TraceError("the execution was logged without its data (log_execution_data = false): nothing to replay")
    scrubber = _Keep() if keep_personal_data else Scrubber()
    for trace in traces:
        scrubber.learn_all(trace.input)
        scrubber.learn_all(trace.output)
        for step in trace.steps:
            scrubber.learn_all(step.returned)
    interactions: dict[str, dict[str, Any]] = {}
    tool_results: dict[tuple[str, str], dict[str, Any]] = {}
    turns = []
    for trace in traces:
        for step in trace.steps:
            payload = scrubber.scrub(step.payload) if isinstance(step.payload, dict) else None
            if payload is None:
                continue
            if payload.get("prompt") in ("planner", "interpreter"):
                interaction = _interaction(payload, scrubber.scrub(step.returned), step.failures)
                if interaction is not None:
                    interactions[interaction["prompt"]] = interaction
            elif "tool" in payload and isinstance(payload.get("arguments"), dict):
                result = _tool_result(payload, scrubber.scrub(step.returned), step.failures)
                if result is not None:
                    tool_results[(result["tool"], result["id"])] = result
        turn_input = scrubber.scrub(trace.input) if isinstance(trace.input, dict) else {}
        output = scrubber.scrub(trace.output) if isinstance(trace.output, dict) else {}
        told = read_output(json.dumps(output)) if trace.status == "SUCCEEDED" else None
        expect: dict[str, Any] = {"states": trace.states}
        if told is not None:
            lookups: dict[str, list[str]] = {}
            for item in output.get("tools") or []:
                if isinstance(item, dict) and item.get("tool") and item.get("id"):
                    lookups.setdefault(item["tool"], []).append(item["id"])
            expect |= {"outcome": told.outcome, "answer_equals": told.answer, "tools": lookups}
        turns.append({"user": turn_input.get("question", ""), "expect": expect})
    first_input = scrubber.scrub(traces[0].input) if isinstance(traces[0].input, dict) else {}
    name = traces[0].execution_arn.split(":")[7] if traces[0].execution_arn.count(":") >= 7 else "turn"
    source = f"agent trace {traces[0].execution_arn}" + (
        " (personal data kept)" if keep_personal_data else " (personal data replaced by placeholders)"
    )
    conversation = {
        "id": f"trace-{name}",
        "category": "traced",
        "source": source,
        "history": first_input.get("history") or [],
        "tool_results": list(tool_results.values()),
        "turns": turns,
    }
    cassette = {"format": 1, "source": source, "interactions": list(interactions.values())}
    return conversation, cassette


def _interaction(payload: dict[str, Any], returned: Any, failures: list[tuple[str, str]]) -> dict[str, Any] | None:
    """The prompt the LLM Lambda rendered from ``payload`` (agent_core's own code), with what the model
    said, or the model error it raised when every attempt failed."""
    name = payload["prompt"]
    variables = (
        llm_requests.planner_variables(payload) if name == "planner" else llm_requests.interpreter_variables(payload)
    )
    if variables is None:  # the interpreter answered without the model
        return None
    rendered = prompt(name).render(variables)
    if isinstance(returned, dict) and isinstance(returned.get("text"), str):
        return {"prompt_name": name, "prompt": rendered, "response": returned["text"]}
    error = failures[-1][0] if failures else ""
    error = "ModelTimedOut" if error == "States.Timeout" else error  # the task timed out: replayed as the model
    if model_error(error) is not None:
        return {"prompt_name": name, "prompt": rendered, "response": "", "error": error}
    return None


def model_error(name: str) -> type[model_errors.ModelError] | None:
    """The model error class called ``name``, if there is one."""
    found = getattr(model_errors, name, None) if name else None
    return found if isinstance(found, type) and issubclass(found, model_errors.ModelError) else None


def _tool_result(payload: dict[str, Any], returned: Any, failures: list[tuple[str, str]]) -> dict[str, Any] | None:
    tool = str(payload.get("tool"))
    arguments = payload["arguments"]
    value = next((str(v) for v in arguments.values()), "")
    if isinstance(returned, dict) and "status" in returned:
        return {"tool": tool, "id": value, "status": returned["status"], "observation": returned.get("observation", "")}
    if failures:
        return {"tool": tool, "id": value, "error": failures[-1][0] or "Lambda.Unknown"}
    return None


def write_case(path: Path, conversation: dict[str, Any], cassette: dict[str, Any]) -> Path:
    """FILE.jsonl (one conversation) and FILE.cassette.json beside it; returns the cassette's path."""
    from harness.models import Cassette

    Cassette.model_validate(cassette)  # what agent eval --llm replay: will read
    path.parent.mkdir(parents=True, exist_ok=True)
    path.write_text(json.dumps(conversation, ensure_ascii=False) + "\n", encoding="utf-8")
    cassette_path = cassette_path_for(path)
    cassette_path.write_text(json.dumps(cassette, ensure_ascii=False, indent=1) + "\n", encoding="utf-8")
    return cassette_path


def cassette_path_for(path: Path) -> Path:
    return path.with_name(f"{path.name.removesuffix('.jsonl')}.cassette.json")


# ---------------------------------------------------------------- the command


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="agent trace", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    which = parser.add_mutually_exclusive_group(required=True)
    which.add_argument("--execution", help="an execution ARN (each turn's ledger line has it: ledger.execution_arn)")
    which.add_argument("--session-id", help="a Lex session id: every turn of that session since --since")
    parser.add_argument("--since", type=float, default=24, help="hours to look back for --session-id (default 24)")
    parser.add_argument("--show-text", action="store_true", help="show user text, answers, records and model words")
    parser.add_argument(
        "--json", action="store_true", help="print the trace as JSON (texts hidden as without --show-text)"
    )
    parser.add_argument("--to-case", type=Path, help="write FILE.jsonl and FILE.cassette.json: the turn, replayable")
    parser.add_argument(
        "--keep-personal-data", action="store_true", help="with --to-case: do not replace personal data"
    )
    parser.add_argument("--log-group", help="the state machine's log group (default: terraform output)")
    parser.add_argument("--state-machine-arn", help="for --session-id (default: terraform output)")
    parser.add_argument("--region", help="default: terraform output region, then your profile's")
    args = parser.parse_args(argv)

    from harness.docs import deployed_asl
    from harness.targets import terraform_outputs

    outputs = terraform_outputs() if not (args.log_group and (args.execution or args.state_machine_arn)) else {}
    log_group = args.log_group or outputs.get("state_machine_log_group")
    if not log_group:
        print("error: which log group? give --log-group (or deploy first, so terraform output has it)", file=sys.stderr)
        return 2
    import boto3

    logs = boto3.client("logs", region_name=args.region or outputs.get("region"))
    try:
        traces = collect(logs, log_group, args, outputs)
    except TraceError as error:
        print(f"error: {error}", file=sys.stderr)
        return 1
    asl = deployed_asl()
    for trace in traces:
        if args.json:
            print(json.dumps(as_json(trace, args.show_text), ensure_ascii=False))
        else:
            print(render(trace, asl, args.show_text) + "\n")
    if args.to_case:
        try:
            conversation, cassette = case_from(traces, args.keep_personal_data)
        except TraceError as error:
            print(f"error: {error}", file=sys.stderr)
            return 1
        cassette_path = write_case(args.to_case, conversation, cassette)
        print(
            f"wrote {args.to_case} and {cassette_path}: replay with\n"
            f"  agent eval {args.to_case} --llm replay:{cassette_path}",
            file=sys.stderr,
        )
    return 0


def collect(logs: Any, log_group: str, args: argparse.Namespace, outputs: Mapping[str, Any]) -> list[Trace]:
    if args.execution:
        return [parse(express_logs.read(logs, log_group, args.execution))]
    state_machine_arn = args.state_machine_arn or outputs.get("state_machine_arn")
    if not state_machine_arn:
        raise TraceError("which state machine? give --state-machine-arn (or deploy first)")
    since = max(0, round((time.time() - args.since * 3600) * 1000))
    arns = express_logs.executions_of_session(logs, log_group, state_machine_arn, args.session_id, since)
    if not arns:
        raise TraceError(f"no execution of session {args.session_id!r} in the last {args.since:g} hours")
    return [parse(express_logs.read(logs, log_group, arn, since)) for arn in arns]


def as_json(trace: Trace, show_text: bool) -> dict[str, Any]:
    return {
        "execution_arn": trace.execution_arn,
        "status": trace.status,
        "duration_ms": trace.duration_ms,
        "path": trace.path,
        "steps": [step_view(step, trace, show_text) for step in trace.steps],
    }


def step_view(step: Step, trace: Trace, show_text: bool = True) -> dict[str, Any]:
    """One state entered, as the Step Functions console shows it (``agent trace --json``, the console)."""
    return {
        "name": step.name,
        "type": step.kind,
        "iteration": step.index,
        "start_ms": step.entered_ms - trace.started_ms,
        "duration_ms": step.duration_ms,
        "attempts": step.attempts,
        "failures": [{"error": error, "cause": cause} for error, cause in step.failures],
        "input": shown(step.input, show_text),
        "returned": shown(step.returned, show_text),
        "output": shown(step.output, show_text),
    }
