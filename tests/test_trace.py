"""agent trace (harness/trace.py): deployed turns traced from Step Functions Express log events, drawn on
the graph and replayed offline.

The fixtures (tests/fixtures/express_logs/, built by build_express_logs.py from real local turns) are
checked here against the log format's documented examples; CloudWatch Logs is moto's.
"""

from __future__ import annotations

import json
import random
import re
import time

import pytest

from harness import evaluate, express_logs
from harness import trace as tracing
from harness.docs import deployed_asl
from harness.runtime import LocalAgent
from support import EXPRESS_LOG_GROUP, FIXTURES

LOGS = FIXTURES / "express_logs"
GROUP = EXPRESS_LOG_GROUP
MACHINE = "arn:aws:states:us-east-1:123456789012:stateMachine:support-agent-turn"

# The documented examples (Step Functions developer guide, "Logging in CloudWatch Logs"; the Datadog
# forwarder's and LocalStack's fixtures recorded against AWS): top-level fields, and per event type the
# details (the API's *EventDetails structures). Optional keys in brackets are allowed, not required.
DOCUMENTED_EXAMPLES = [
    '{"id": "1","type": "ExecutionStarted","details": {"input": "{}","inputDetails": {"truncated": "false"},'
    '"roleArn": "arn:aws:iam::12345678910:role/service-role/StepFunctions-test-role-a0iurr4pt"},'
    '"previous_event_id": "0","event_timestamp": "1716992192441","execution_arn": '
    '"arn:aws:states:us-east-1:12345678910:execution:StepFunction1:ccccccc-d1da-4c38-b32c-2b6b07d713fa",'
    '"redrive_count": "0"}',
    '{"id":"2","type":"PassStateEntered","details":{"input":"{}","inputDetails":{"truncated":false},'
    '"name":"State_1"},"previous_event_id":"0","event_timestamp":"1716992192442","execution_arn":"arn",'
    '"redrive_count":"0"}',
    '{"id":"3","type":"PassStateExited","details":{"name":"State_1","output":"{}","outputDetails":'
    '{"truncated":false}},"previous_event_id":"2","event_timestamp":"1716992192443","execution_arn":"arn",'
    '"redrive_count":"0"}',
    '{"id":"4","type":"ExecutionSucceeded","details":{"output":"{}","outputDetails":{"truncated":false}},'
    '"previous_event_id":"3","event_timestamp":"1716992192444","execution_arn":"arn","redrive_count":"0"}',
]
DETAILS = {  # type (or its suffix) -> (required keys, optional keys), from the API's *EventDetails
    "ExecutionStarted": ({"input", "inputDetails", "roleArn"}, {"stateMachineAliasArn", "stateMachineVersionArn"}),
    "ExecutionSucceeded": ({"output", "outputDetails"}, set()),
    "ExecutionFailed": (set(), {"error", "cause"}),
    "StateEntered": ({"name", "input", "inputDetails"}, set()),
    "StateExited": ({"name", "output", "outputDetails"}, set()),
    "TaskScheduled": ({"resourceType", "resource", "region", "parameters"}, {"timeoutInSeconds", "heartbeatInSeconds"}),
    "TaskStarted": ({"resourceType", "resource"}, set()),
    "TaskSucceeded": ({"resourceType", "resource", "output", "outputDetails"}, set()),
    "TaskFailed": ({"resourceType", "resource"}, {"error", "cause"}),
    "MapStateStarted": ({"length"}, set()),
    "MapIterationStarted": ({"name", "index"}, set()),
    "MapIterationSucceeded": ({"name", "index"}, set()),
    "MapStateSucceeded": (set(), set()),
}
DATA = set(express_logs.DATA_FIELDS)


def fixture(name):
    return json.loads((LOGS / f"{name}.json").read_text(encoding="utf-8"))


def recent(events):
    """The events moved to now (times apart kept): CloudWatch Logs (and moto) take the last 14 days only."""
    shift = int(time.time() * 1000) - 60_000 - int(events[0]["event_timestamp"])
    return [{**event, "event_timestamp": str(int(event["event_timestamp"]) + shift)} for event in events]


def details_rule(kind):
    for suffix in ("StateEntered", "StateExited"):
        if kind.endswith(suffix):
            return DETAILS[suffix]
    assert kind in DETAILS, f"{kind}: no documented details to check against"
    return DETAILS[kind]


@pytest.mark.parametrize("name", ["two_tools", "model_error", "tool_error", "two_tools_no_data"])
def test_fixtures_have_the_documented_fields(name):
    documented = [json.loads(example) for example in DOCUMENTED_EXAMPLES]
    top_level = {frozenset(example) for example in documented}
    assert top_level == {frozenset(express_logs.TOP_LEVEL_FIELDS)}
    events = fixture(name)["events"]
    with_data = not name.endswith("no_data")
    kinds = set()
    for event in events:
        assert frozenset(event) in top_level, event
        for key in ("id", "previous_event_id", "event_timestamp", "redrive_count"):
            assert isinstance(event[key], str) and event[key].isdigit(), (key, event)
        assert event["execution_arn"].split(":")[5] == "express"
        required, optional = details_rule(event["type"])
        required = required if with_data else required - DATA
        assert required <= set(event["details"]) <= required | optional | (DATA if with_data else set()), event
        for key in ("input", "output", "parameters"):
            if key in event["details"]:
                assert isinstance(event["details"][key], str)  # JSON text, as in the raw messages
                json.loads(event["details"][key])
        for key in ("inputDetails", "outputDetails"):
            if key in event["details"]:
                assert event["details"][key] == {"truncated": False}
        kinds.add(event["type"])
    assert {"ExecutionStarted", "ExecutionSucceeded", "TaskScheduled", "TaskStateEntered"} <= kinds
    assert [int(event["id"]) for event in events] == list(range(1, len(events) + 1))


# ---------------------------------------------------------------- parsing and showing a trace


def test_a_two_tool_turn_traced_from_its_log_events():
    events = fixture("two_tools")["events"]
    trace = tracing.parse(events)
    assert trace.status == "SUCCEEDED"
    assert trace.path == [
        "StartTurn",
        "PlanToolUse",
        "ParseToolCalls",
        "RouteToolCalls",
        "DispatchToolCalls",
        "InterpretToolResults",
        "DecideNextStep",
        "AnswerQuestion",
    ]
    branches = [step for step in trace.steps if step.inner]
    assert [(step.name, step.index) for step in branches] == [("CallTool", 0), ("CallTool", 1)]
    assert {step.returned["tool"] for step in branches} == {"order_status", "return_status"}
    for step in trace.steps:
        assert step.duration_ms is not None and step.duration_ms >= 0
        assert trace.started_ms <= step.entered_ms <= trace.stopped_ms
    dispatch = next(step for step in trace.steps if step.name == "DispatchToolCalls")
    assert all(dispatch.entered_ms <= b.entered_ms and b.exited_ms <= dispatch.exited_ms for b in branches)
    assert isinstance(dispatch.output, dict) and len(dispatch.output["tool_results"]) == 2
    assert ("RouteToolCalls", "DispatchToolCalls") in trace.taken and (
        "DecideNextStep",
        "AnswerQuestion",
    ) in trace.taken
    shuffled = list(events)
    random.Random(7).shuffle(shuffled)
    assert tracing.parse(shuffled).states == trace.states  # FilterLogEvents' order is not the events'


def test_a_trace_hides_user_text_unless_asked():
    document = fixture("two_tools")
    trace = tracing.parse(document["events"])
    hidden = tracing.render(trace, deployed_asl())
    shown = tracing.render(trace, deployed_asl(), show_text=True)
    for text in (document["question"], "Organic Handsoap", "Wireless Mouse"):
        assert text not in hidden
        assert text in shown
    assert f'"<{len(document["question"])} chars>"' in hidden  # the question, as its length
    assert "order_status 123456: found" in hidden and "return_status rtn001: found" in hidden
    assert re.search(r"^ 2  PlanToolUse +Task +\d+ +\d+  planner: 1 model call\(s\)", hidden, re.MULTILINE)


def test_the_path_is_drawn_on_the_readme_graph_with_the_visited_states_highlighted():
    asl = deployed_asl()
    trace = tracing.parse(fixture("two_tools")["events"])
    drawn = tracing.render(trace, asl).split("```mermaid", 1)[1]
    plain = tracing.mermaid(asl)
    assert ("```mermaid" + drawn).startswith(plain.removesuffix("```"))  # the README's picture, then the path
    visited = re.search(r"^    class (\S+) visited$", drawn, re.MULTILINE).group(1).split(",")
    assert set(visited) == set(trace.states) - {"DispatchToolCalls"}
    assert "    style DispatchToolCalls fill:" in drawn  # the Map is a subgraph
    links = [int(n) for n in re.search(r"^    linkStyle ([\d,]+) ", drawn, re.MULTILINE).group(1).split(",")]
    edges = [line.strip() for line in plain.splitlines() if "-->" in line or ".->" in line]
    highlighted = [edges[n] for n in links]
    assert "start((start)) --> StartTurn" in highlighted
    assert 'RouteToolCalls -- "outcome = call_tools" --> DispatchToolCalls' in highlighted
    assert not any("ApologiseFor" in edge or "CountIteration" in edge for edge in highlighted)
    assert tracing.mermaid(asl, visited=[], taken=[]) != plain  # highlighting is drawn only when asked
    assert tracing.mermaid(asl) == plain


def test_a_failed_model_call_is_traced_to_its_state_and_catch():
    trace = tracing.parse(fixture("model_error")["events"])
    assert trace.path == ["StartTurn", "PlanToolUse", "ApologiseForError"]
    plan = trace.steps[1]
    assert plan.attempts == 2 and [error for error, _ in plan.failures] == ["ModelUnavailable", "ModelUnavailable"]
    assert trace.output["outcome"] == "error"
    (failure, _) = tracing.as_json(trace, show_text=False)["steps"][1]["failures"]
    assert failure["error"] == "ModelUnavailable" and set(failure) == {"error", "cause"}  # as the console shows it
    drawn = tracing.render(trace, deployed_asl())
    assert "2 attempts; failed: ModelUnavailable" in drawn
    plain_edges = [
        line.strip() for line in tracing.mermaid(deployed_asl()).splitlines() if ".->" in line or "-->" in line
    ]
    links = [int(n) for n in re.search(r"linkStyle ([\d,]+) ", drawn).group(1).split(",")]
    assert 'PlanToolUse -. "error" .-> ApologiseForError' in [plain_edges[n] for n in links]


def test_a_failed_lookup_is_traced_inside_its_branch():
    trace = tracing.parse(fixture("tool_error")["events"])
    failed = [step for step in trace.steps if step.inner and step.failures]
    record = next(step for step in trace.steps if step.name == "RecordToolFailure")
    assert len(failed) == 1 and record.inner and record.index == failed[0].index
    assert ("CallTool", "RecordToolFailure") in trace.taken
    assert "error record order_status 123456: RecordedToolFailure" in tracing.render(trace, deployed_asl())


def test_without_execution_data_a_trace_has_names_and_times_only():
    trace = tracing.parse(fixture("two_tools_no_data")["events"])
    assert trace.states == tracing.parse(fixture("two_tools")["events"]).states
    assert not trace.data_logged and trace.input is None
    assert "not logged (log_execution_data = false)" in tracing.render(trace, deployed_asl())
    with pytest.raises(tracing.TraceError, match="without its data"):
        tracing.case_from([trace])


def test_no_events_is_a_clear_error():
    with pytest.raises(tracing.TraceError, match="no log events"):
        tracing.parse([])


# ---------------------------------------------------------------- the command, on moto's CloudWatch Logs


def test_agent_trace_reads_one_execution_from_a_shared_log_group(log_group, capsys):
    two_tools, model_error = recent(fixture("two_tools")["events"]), recent(fixture("model_error")["events"])
    express_logs.deliver(log_group, GROUP, two_tools)
    express_logs.deliver(log_group, GROUP, model_error)
    arn = two_tools[0]["execution_arn"]
    assert tracing.main(["--execution", arn, "--log-group", GROUP, "--region", "us-east-1"]) == 0
    out = capsys.readouterr().out
    assert f"execution  {arn}" in out and "AnswerQuestion" in out and "ApologiseForError" not in out.split("```")[0]
    assert fixture("two_tools")["question"] not in out
    assert tracing.main(["--execution", arn, "--log-group", GROUP, "--json"]) == 0
    document = json.loads(capsys.readouterr().out)
    assert document["path"][-1] == "AnswerQuestion" and len(document["steps"]) == 10
    assert tracing.main(["--execution", arn + "-nope", "--log-group", GROUP]) == 1
    assert "no log events" in capsys.readouterr().err


def test_a_session_is_found_by_its_executions_names_and_inputs(log_group):
    events = recent(fixture("two_tools")["events"])
    arn = events[0]["execution_arn"]
    session = json.loads(events[0]["details"]["input"])["session_id"]
    other = [
        {**e, "execution_arn": arn.replace(session, session + "x")} for e in recent(fixture("model_error")["events"])
    ]
    express_logs.deliver(log_group, GROUP, events)
    express_logs.deliver(log_group, GROUP, other)
    assert express_logs.executions_of_session(log_group, GROUP, MACHINE, session, 0) == [arn]
    assert express_logs.executions_of_session(log_group, GROUP, MACHINE, "someone-else", 0) == []


def test_agent_trace_writes_a_session_as_a_case(log_group, tmp_path, capsys):
    events = recent(fixture("two_tools")["events"])
    express_logs.deliver(log_group, GROUP, events)
    session = json.loads(events[0]["details"]["input"])["session_id"]
    case = tmp_path / "cases" / "session.jsonl"
    arguments = ["--session-id", session, "--log-group", GROUP, "--state-machine-arn", MACHINE, "--since", "1e6"]
    assert tracing.main([*arguments, "--to-case", str(case)]) == 0
    with pytest.raises(ValueError, match="rejected"):  # what happens to events older than 14 days
        express_logs.deliver(log_group, GROUP, [{**e, "event_timestamp": "1000"} for e in events])
    written = json.loads(case.read_text())
    assert written["turns"][0]["user"] == fixture("two_tools")["question"]
    assert tracing.cassette_path_for(case).is_file()
    assert f"agent eval {case} --llm replay:" in capsys.readouterr().err
    assert tracing.main(["--session-id", "nobody", "--log-group", GROUP, "--state-machine-arn", MACHINE]) == 1


# ---------------------------------------------------------------- replayed offline


def test_a_traced_session_replays_offline_and_its_personal_data_stays_home(tmp_path, capsys):
    """Two turns run locally with their execution logs on moto; the session is traced, written as a
    case and replayed with agent eval: same path, tools, outcome and answer. A changed model output
    makes the replay fail, so the replay really reproduces the turns."""
    questions = ["Has order 123456 shipped? I am Jane Roe, jane.roe@example.com", "And is return rtn001 processed?"]
    with LocalAgent(execution_logs=True) as agent:
        session = agent.session()
        turns = [agent.ask(session, question) for question in questions]
        arns = express_logs.executions_of_session(
            agent.logs, agent.log_group, agent.deployed["state_machine_arn"], session.id, 0
        )
        assert arns == [turn.ledger["execution_arn"] for turn in turns]
        traces = [tracing.parse(express_logs.read(agent.logs, agent.log_group, arn)) for arn in arns]
    assert [trace.states for trace in traces] == [turn.states for turn in turns]
    # The converter still writes what the fixtures hold: the same details for every event type.
    shape = lambda events: {(e["type"], tuple(sorted(e["details"]))) for e in events}  # noqa: E731
    now = shape(express_logs.from_history(turns[0].events, arns[0]))
    recorded = shape(fixture("two_tools")["events"])
    assert now <= recorded and {kind for kind, _ in recorded} == {kind for kind, _ in now}

    conversation, cassette = tracing.case_from(traces)
    case = tmp_path / "traced.jsonl"
    cassette_path = tracing.write_case(case, conversation, cassette)
    written = case.read_text() + cassette_path.read_text()
    for personal in ("Jane Roe", "jane.roe@example.com"):
        assert personal not in written
    assert "I am NAME_A, EMAIL_A" in written and "123456" in written
    assert [i["prompt_name"] for i in cassette["interactions"]] == ["planner", "interpreter"] * 2
    assert {(r["tool"], r["id"], r["status"]) for r in conversation["tool_results"]} == {
        ("order_status", "123456", "found"),
        ("return_status", "rtn001", "found"),
    }
    assert conversation["turns"][1]["expect"]["answer_equals"] == turns[1].answer

    report = tmp_path / "report.json"
    assert evaluate.main([str(case), "--llm", f"replay:{cassette_path}", "--json-out", str(report)]) == 0
    metrics = json.loads(report.read_text())
    assert metrics["failed"] == [] and metrics["metrics"]["answer_check_pass_rate"] == 1.0
    assert metrics["metrics"]["outcome_accuracy"] == 1.0

    tampered = json.loads(cassette_path.read_text())
    tampered["interactions"][1]["response"] = "irrelevant"
    cassette_path.write_text(json.dumps(tampered))
    evaluate.main([str(case), "--llm", f"replay:{cassette_path}", "--json-out", str(report)])
    failed = json.loads(report.read_text())["failed"]
    assert failed and "outcome 'refused' != 'answered'" in " ".join(failed[0]["problems"])
    capsys.readouterr()

    kept, _ = tracing.case_from(traces, keep_personal_data=True)
    assert "Jane Roe" in json.dumps(kept) and "personal data kept" in kept["source"]


def test_a_model_error_and_a_failed_lookup_replay_as_they_ended(tmp_path):
    for name in ("model_error", "tool_error"):
        trace = tracing.parse(fixture(name)["events"])
        conversation, cassette = tracing.case_from([trace])
        case = tmp_path / f"{name}.jsonl"
        cassette_path = tracing.write_case(case, conversation, cassette)
        report = tmp_path / f"{name}.report.json"
        assert evaluate.main([str(case), "--llm", f"replay:{cassette_path}", "--json-out", str(report)]) == 0
        assert json.loads(report.read_text())["failed"] == [], name
    errors = [i.get("error") for i in json.loads((tmp_path / "model_error.cassette.json").read_text())["interactions"]]
    assert errors == ["ModelUnavailable"]


def test_personal_data_is_replaced_the_same_everywhere_and_ids_are_kept():
    scrubber = tracing.Scrubber()
    text = "My name is Jane Roe, call +44 20 7946 0958 or jane@example.com about order 1234567890 and rtn 7."
    scrubber.learn(text)
    scrubbed = scrubber.scrub(text)
    assert scrubbed == "My name is NAME_A, call PHONE_A or EMAIL_A about order 1234567890 and rtn 7."
    assert scrubber.scrub({"answer": ["Jane Roe asked"]}) == {"answer": ["NAME_A asked"]}
    card = tracing.Scrubber()
    card.learn("card 4111 1111 1111 1111, 12 High Street")
    assert set(card.found.values()) == {"CARD_A", "ADDRESS_A"}
