"""agent console (harness/console.py) without a browser, served by uvicorn as agent console serves it:
its API and headers, polite errors, the bounds on requests, the Host guard, the deployed state machine
on moto, a traced turn read from moto's CloudWatch Logs, and the command itself.
tests/test_console_browser.py drives the page in Chromium."""

from __future__ import annotations

import contextlib
import hashlib
import http.client
import json
import os
import re
import signal
import subprocess
import sys
import urllib.error
import urllib.request
from dataclasses import dataclass
from urllib.parse import urlsplit

import boto3
import pytest

from agent_core.memory import SESSION_ATTRIBUTE
from harness import console, express_logs
from harness import trace as tracing
from harness.docs import deployed_asl
from harness.targets import StepFunctionsTarget
from support import EXPRESS_LOG_GROUP, FIXTURES, REPO

VENDOR = REPO / "harness" / "console_static" / "vendor"
GROUP = EXPRESS_LOG_GROUP


@dataclass
class Reply:
    status_code: int
    headers: dict[str, str]
    text: str

    def json(self):
        return json.loads(self.text)


class Client:
    """Plain HTTP to the served console (http.client: any Host header, chunked bodies)."""

    def __init__(self, url):
        self.address = urlsplit(url)

    def request(self, method, path, *, json_body=None, content=None, headers=None):
        headers = dict(headers or {})
        if json_body is not None:
            content = json.dumps(json_body).encode()
            headers.setdefault("content-type", "application/json")
        connection = http.client.HTTPConnection(self.address.hostname, self.address.port, timeout=60)
        try:
            chunked = content is not None and not isinstance(content, bytes)
            connection.request(method, path, body=content, headers=headers, encode_chunked=chunked)
            response = connection.getresponse()
            reply = Reply(response.status, {k.lower(): v for k, v in response.getheaders()}, response.read().decode())
        finally:
            connection.close()
        return reply

    def get(self, path, headers=None):
        return self.request("GET", path, headers=headers)

    def post(self, path, json=None, content=None, headers=None):
        return self.request("POST", path, json_body=json, content=content, headers=headers)


@contextlib.contextmanager
def client(runner, **options):
    with console.served(console.create_app(runner, deployed_asl(), **options)) as url:
        yield Client(url)


@pytest.fixture
def local(offline_agent):
    with client(console.LocalRunner(offline_agent, deployed_asl())) as http_client:
        yield http_client


def start(http):
    response = http.post("/api/sessions", json={})
    assert response.status_code == 200
    return response.json()["session_id"]


def ask(http, session_id, question):
    response = http.post("/api/ask", json={"session_id": session_id, "question": question})
    assert response.status_code == 200, response.text
    return response.json()


# ---------------------------------------------------------------- the page and its files


def test_every_response_carries_the_security_headers(local):
    for path in ("/", "/static/console.js", "/static/vendor/mermaid.min.js", "/api/info", "/nothing"):
        response = local.get(path)
        policy = response.headers["content-security-policy"]
        assert "default-src 'self'" in policy and "script-src 'self';" in policy, path
        assert "frame-ancestors 'none'" in policy and "'unsafe-eval'" not in policy
        assert "script-src 'self' 'unsafe-inline'" not in policy
        assert response.headers["x-content-type-options"] == "nosniff"
    assert local.get("/static/console.js").headers["content-type"].startswith("text/javascript")


def test_the_page_loads_only_its_own_files_and_runs_no_inline_script():
    page = (console.STATIC / "index.html").read_text(encoding="utf-8")
    sources = re.findall(r'(?:src|href)="([^"]+)"', page)
    assert sources and all(source.startswith("/static/") for source in sources), sources
    assert all((console.STATIC / source.removeprefix("/static/")).is_file() for source in sources)
    scripts = re.findall(r"<script([^>]*)>(.*?)</script>", page, re.DOTALL)
    assert len(scripts) == 2 and all('src="' in attributes and not body.strip() for attributes, body in scripts)
    assert not re.search(r"\son[a-z]+=", page), "no inline event handlers"
    code = (console.STATIC / "console.js").read_text(encoding="utf-8")
    assert "innerHTML" not in code and "insertAdjacentHTML" not in code and "eval(" not in code
    assert 'securityLevel: "strict"' in code


def test_the_vendored_mermaid_is_the_recorded_file_with_its_licence():
    notice = (VENDOR / "README.md").read_text(encoding="utf-8")
    digest = hashlib.sha256((VENDOR / "mermaid.min.js").read_bytes()).hexdigest()
    assert f"| mermaid.min.js sha256 | `{digest}` |" in notice
    version = re.search(r"`mermaid` (\d+\.\d+\.\d+)", notice).group(1)
    assert f"mermaid-{version}.tgz" in notice
    assert (VENDOR / "mermaid.LICENSE").read_text().startswith("The MIT License")
    assert (VENDOR / "mermaid.THIRD_PARTY_NOTICES").is_file()


def test_the_documented_policy_is_the_one_served():
    page = (REPO / "docs" / "console.md").read_text(encoding="utf-8")
    assert f"| Content-Security-Policy | `{console.CONTENT_SECURITY_POLICY}` |" in page


def test_the_graph_is_the_readme_picture():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    drawn = console.graph(deployed_asl(), None)
    assert f"```mermaid\n{drawn}\n```" in readme


# ---------------------------------------------------------------- turns through the API


def test_a_turn_comes_back_with_its_path_steps_and_highlighted_graph(local, offline_agent):
    session_id = start(local)
    result = ask(local, session_id, "Has order 123456 shipped and is return rtn001 processed?")
    turn = result["turn"]
    expected = offline_agent.ask(offline_agent.session(), "Has order 123456 shipped and is return rtn001 processed?")
    assert turn["path"] == turn["states"] == expected.states
    assert turn["answer"] == expected.answer and turn["outcome"] == "answered"
    assert [step["name"] for step in turn["steps"]] == expected.states
    assert turn["llm_calls"] == 2 and turn["iterations"] == 1 and turn["ledger"]["cost_usd"] > 0
    calls = {step["payload"]["tool"]: step for step in turn["steps"] if step["name"] == "CallTool"}
    assert {step["iteration"] for step in calls.values()} == {0, 1}  # the Map's branches run in parallel
    assert calls["order_status"]["payload"]["arguments"] == {"order_id": "123456"}
    assert "Organic Handsoap" in calls["order_status"]["returned"]["observation"]
    first = turn["steps"][0]
    assert first["input"]["question"] == "Has order 123456 shipped and is return rtn001 processed?"
    visited = re.search(r"^    class (\S+) visited$", turn["graph"], re.MULTILINE).group(1).split(",")
    assert set(visited) == set(expected.states) - {"DispatchToolCalls"}
    assert "linkStyle" in turn["graph"] and "```" not in turn["graph"]


def test_a_follow_up_uses_the_memory_the_session_carries(local):
    session_id = start(local)
    first = ask(local, session_id, "Has order 123456 shipped?")
    assert json.loads(first["attributes"][SESSION_ATTRIBUTE])[0]["user"] == "Has order 123456 shipped?"
    follow_up = ask(local, session_id, "When will it arrive?")
    assert "2026-11-03" in follow_up["turn"]["answer"]
    assert follow_up["turn"]["steps"][0]["input"]["history"][0]["user"] == "Has order 123456 shipped?"
    handoff = ask(local, session_id, "I want to talk to a person")
    assert handoff["turn"]["outcome"] == "handoff"
    assert handoff["attributes"]["handoff"] == "true" and handoff["attributes"]["handoff_reason"]
    other = start(local)
    assert ask(local, other, "When will it arrive?")["turn"]["outcome"] == "clarify"  # a new conversation


def test_an_empty_question_is_answered_without_an_execution(local):
    turn = ask(local, start(local), "   ")["turn"]
    assert turn["answer"].startswith("Please type your question") and turn["steps"] == [] and turn["path"] == []


# ---------------------------------------------------------------- bad requests


@pytest.mark.parametrize(
    ("request_kwargs", "status", "says"),
    [
        ({"content": b"[1", "headers": {"content-type": "application/json"}}, 400, "not JSON"),
        ({"content": b"\xff\xfe", "headers": {"content-type": "application/json"}}, 400, "not JSON"),
        ({"content": b"[]", "headers": {"content-type": "application/json"}}, 400, "JSON object"),
        ({"content": b"question=hi", "headers": {"content-type": "application/x-www-form-urlencoded"}}, 415, "JSON"),
        ({"json": {"session_id": "x", "question": 7}}, 400, "question"),
        ({"json": {"session_id": "gone", "question": "hi"}}, 404, "new conversation"),
        ({"json": {"session_id": "x", "question": "a" * 1025}}, 413, "1024 characters"),
        ({"json": {"session_id": "x", "question": "a" * 5000}}, 413, "4096 bytes"),
        ({"content": b"[" * 1500 + b"]" * 1500, "headers": {"content-type": "application/json"}}, 400, "not JSON"),
        (
            {
                "content": b'{"session_id": "x", "question": "rtn001 \\ud800"}',
                "headers": {"content-type": "application/json"},
            },
            400,
            "not valid Unicode",
        ),
    ],
)
def test_a_bad_request_gets_a_polite_json_error(local, request_kwargs, status, says):
    response = local.post("/api/ask", **request_kwargs)
    assert response.status_code == status
    assert response.headers["content-type"] == "application/json"
    assert says in response.json()["error"] and "Traceback" not in response.text


def test_a_body_larger_than_it_says_is_cut_off(local):
    def chunks():
        yield b'{"question": "'
        yield b"a" * 8000
        yield b'"}'

    response = local.post("/api/sessions", content=chunks(), headers={"content-type": "application/json"})
    assert response.status_code == 413 and "4096 bytes" in response.json()["error"]


def test_unknown_paths_and_methods_are_polite(local):
    assert local.get("/api/nothing").json() == {"error": "nothing here"}
    response = local.get("/api/ask")
    assert response.status_code == 405 and "not served" in response.json()["error"]


def test_a_failure_inside_a_turn_is_a_polite_error_with_no_internals(offline_agent):
    class Broken(console.LocalRunner):
        def ask(self, session, question):
            raise KeyError("/secret/path/handler.py line 12")

    with client(Broken(offline_agent, deployed_asl())) as http:
        response = http.post("/api/ask", json={"session_id": start(http), "question": "hi"})
    assert response.status_code == 500 and response.json()["error"].startswith("something went wrong")
    assert "secret" not in response.text and "KeyError" not in response.text


def test_a_failure_is_one_line_in_the_terminal_not_a_traceback(offline_agent, caplog, capfd):
    """Starlette answers an error with the app's handler and then re-raises it for the server to log:
    uvicorn would print the traceback on the terminal. The console's own wrapper answers it alone."""

    class Broken(console.LocalRunner):
        def ask(self, session, question):
            raise KeyError("lost")

    with client(Broken(offline_agent, deployed_asl())) as http:
        assert http.post("/api/ask", json={"session_id": start(http), "question": "hi"}).status_code == 500
    logged = [record for record in caplog.records if record.levelname == "ERROR"]
    assert [record.getMessage() for record in logged] == ["console: KeyError: 'lost'"]
    terminal = capfd.readouterr().err
    assert "Traceback" not in terminal and "Exception in ASGI application" not in terminal


def test_the_address_it_was_started_on_is_one_of_its_names(offline_agent):
    with client(console.LocalRunner(offline_agent, deployed_asl()), host="127.0.1.1") as http:
        assert http.get("/api/info", headers={"host": "127.0.1.1:8765"}).status_code == 200
        assert http.get("/api/info", headers={"host": "127.0.0.2:8765"}).status_code == 421


def test_a_request_for_another_host_name_is_refused_on_loopback(local, offline_agent):
    for host in ("127.0.0.1:8765", "localhost:8765", "[::1]:8765", "localhost"):
        assert local.get("/api/info", headers={"host": host}).status_code == 200
    rebound = local.get("/", headers={"host": "attacker.example:8765"})
    assert rebound.status_code == 421 and "127.0.0.1 and localhost only" in rebound.json()["error"]
    assert rebound.headers["x-content-type-options"] == "nosniff"
    other_site = local.post("/api/sessions", json={}, headers={"origin": "http://attacker.example"})
    assert other_site.status_code == 403
    own = f"http://127.0.0.1:{local.address.port}"
    assert local.post("/api/sessions", json={}, headers={"origin": own}).status_code == 200
    with client(console.LocalRunner(offline_agent, deployed_asl()), loopback_only=False) as anywhere:
        assert anywhere.get("/api/info", headers={"host": "box.example:8765"}).status_code == 200


def test_loopback_is_told_apart():
    assert all(console.is_loopback(host) for host in ("127.0.0.1", "localhost", "::1", "127.0.0.2"))
    assert not any(console.is_loopback(host) for host in ("0.0.0.0", "192.168.1.4", "example.com", "::"))


def test_the_oldest_conversation_is_forgotten_past_the_limit(offline_agent):
    sessions = console.Sessions(console.LocalRunner(offline_agent, deployed_asl()), limit=2)
    first, second, third = sessions.new(), sessions.new(), sessions.new()
    assert sessions.get(second.id) is second and sessions.get(third.id) is third
    with pytest.raises(console.ConsoleError, match="no longer here"):
        sessions.get(first.id)


# ---------------------------------------------------------------- a deployed state machine, on moto


def test_the_console_runs_turns_on_the_deployed_state_machine(agents):
    """--target stepfunctions: StartSyncExecution on the state machine (moto runs the real ASL and
    handlers, logging every execution), then the turn's states, inputs and outputs from its log events."""
    stack = agents.get("offline", execution_logs=True)
    before = len(stack.executions)
    target = StepFunctionsTarget(
        stack.deployed["state_machine_arn"],
        stack.log_group,
        sfn=boto3.client("stepfunctions", region_name="us-east-1"),
        logs=stack.logs,
        log_wait_seconds=0,
    )
    with client(console.DeployedRunner(target, deployed_asl())) as http:
        session_id = start(http)
        first = ask(http, session_id, "Has order 123456 shipped?")
        follow_up = ask(http, session_id, "When will it arrive?")
        handoff = ask(http, session_id, "I want to talk to a person")
    histories = [moto_history_states(execution) for execution in stack.executions[before:]]
    for result, states in zip((first, follow_up, handoff), histories, strict=True):
        turn = result["turn"]
        assert turn["path"] == [step["name"] for step in turn["steps"]] == states
        assert turn["execution_arn"] == turn["ledger"]["execution_arn"] and turn["data_logged"]
        assert all(step["input"] is not None and step["output"] is not None for step in turn["steps"])
    assert first["turn"]["outcome"] == "answered" and first["turn"]["llm_calls"] == 2
    assert "2026-11-03" in follow_up["turn"]["answer"]
    assert follow_up["turn"]["steps"][0]["input"]["history"][0]["user"] == "Has order 123456 shipped?"
    assert handoff["turn"]["outcome"] == "handoff" and handoff["attributes"]["handoff"] == "true"
    assert handoff["attributes"]["handoff_reason"] == "asked_for_a_person"
    assert len(json.loads(handoff["attributes"][SESSION_ATTRIBUTE])) == 3


def moto_history_states(execution):
    from harness import moto_adapter
    from harness.results import states_entered

    return states_entered(moto_adapter.history(execution))


def test_an_aws_error_from_the_deployed_target_is_a_polite_502():
    from botocore.stub import Stubber

    sfn = boto3.client("stepfunctions", region_name="us-east-1")
    arn = "arn:aws:states:us-east-1:123456789012:stateMachine:support-agent-turn"
    target = StepFunctionsTarget(arn, GROUP, sfn=sfn, logs=boto3.client("logs", region_name="us-east-1"))
    with client(console.DeployedRunner(target, deployed_asl())) as http, Stubber(sfn) as stub:
        stub.add_client_error("start_sync_execution", "AccessDeniedException", "not allowed to start it")
        response = http.post("/api/ask", json={"session_id": start(http), "question": "Has order 123456 shipped?"})
    assert response.status_code == 502
    assert response.json()["error"].startswith("the state machine did not answer") and "Traceback" not in response.text


# ---------------------------------------------------------------- a traced turn, on moto's CloudWatch Logs


def test_the_console_shows_a_traced_turn_read_from_its_logs(log_group):
    from test_trace import recent

    document = json.loads((FIXTURES / "express_logs" / "two_tools.json").read_text())
    events = recent(document["events"])
    express_logs.deliver(log_group, GROUP, events)
    express_logs.deliver(
        log_group, GROUP, recent(json.loads((FIXTURES / "express_logs" / "model_error.json").read_text())["events"])
    )
    arn = events[0]["execution_arn"]
    args = console._parser().parse_args(["--trace", arn, "--log-group", GROUP, "--region", "us-east-1"])
    with console._runner(args) as runner, client(runner) as http:
        info = http.get("/api/info").json()
        refused = http.post("/api/ask", json={"session_id": "traced", "question": "hi"})
    assert info["chat"] is False and arn.split(":")[7] in info["label"]
    (turn,) = info["turns"]
    expected = tracing.parse(document["events"])
    assert turn["question"] == document["question"] and turn["outcome"] == "answered"
    assert turn["path"] == expected.states and turn["llm_calls"] == 2
    assert [(t["name"], t["status"]) for t in turn["tools"]] == [("order_status", "found"), ("return_status", "found")]
    assert turn["steps"][-1]["output"]["answer"] == turn["answer"]
    assert "class " in turn["graph"] and "ApologiseForError" not in turn["graph"].split("classDef", 1)[1]
    assert refused.status_code == 409 and "without --trace" in refused.json()["error"]


def test_an_execution_with_no_log_events_is_a_one_line_error(log_group, capsys):
    arguments = ["--trace", "arn:aws:states:us-east-1:1:express:m:n:u", "--log-group", GROUP, "--region", "us-east-1"]
    assert console.main(arguments) == 2
    assert capsys.readouterr().err.startswith("error: no log events for this execution")


# ---------------------------------------------------------------- the command


def test_flags_that_cannot_work_together_or_without_a_deployment_are_one_line_errors(monkeypatch, tmp_path, capsys):
    assert console.main(["--trace", "arn", "--target", "stepfunctions"]) == 2
    assert "not both" in capsys.readouterr().err
    monkeypatch.setenv("PATH", str(tmp_path))  # no terraform: no outputs to default from
    assert console.main(["--target", "stepfunctions"]) == 2
    assert "needs a state machine ARN" in capsys.readouterr().err


def test_agent_console_listens_on_loopback_prints_its_url_and_stops_on_ctrl_c():
    command = [sys.executable, "-m", "harness.cli", "console", "--port", "0"]
    process = subprocess.Popen(command, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True, cwd=REPO)
    try:
        line = process.stdout.readline()
        url = re.match(r"console: (http://127\.0\.0\.1:\d+/) ", line).group(1)
        assert "offline stand-in" in line
        with urllib.request.urlopen(url, timeout=10) as response:
            assert response.headers["content-security-policy"] == console.CONTENT_SECURITY_POLICY
            assert "<title>Support agent console</title>" in response.read().decode()
        with pytest.raises(urllib.error.HTTPError) as refused:
            urllib.request.urlopen(urllib.request.Request(url, headers={"Host": "rebind.example"}), timeout=10)
        assert refused.value.code == 421
    finally:
        process.send_signal(signal.SIGINT)
        _, err = process.communicate(timeout=30)
    assert process.returncode == 0 and "Traceback" not in err, err


def test_without_chromium_the_browser_test_fails_in_ci_and_is_skipped_elsewhere():
    test = "tests/test_console_browser.py::test_the_page_loads_with_a_strict_policy_and_nothing_from_elsewhere"
    command = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", test]
    environment = {key: value for key, value in os.environ.items() if key != "CI"} | {"CHROMIUM": "/nonexistent"}
    local = subprocess.run(command, cwd=REPO, env=environment, capture_output=True, text=True, check=False)
    assert local.returncode == 0 and "1 skipped" in local.stdout, local.stdout
    assert "needs Chromium" in local.stdout
    ci = subprocess.run(
        command, cwd=REPO, env=environment | {"CI": "true"}, capture_output=True, text=True, check=False
    )
    assert ci.returncode == 1 and "needs Chromium" in ci.stdout and "1 error" in ci.stdout, ci.stdout
