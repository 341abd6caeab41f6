"""agent console: chat with the agent in your browser, beside its execution graph, with every state's
input and output a click away.

  agent console                           the local agent (offline stand-in) at http://127.0.0.1:8765/
  agent console --llm replay:FILE.json    any model agent chat takes (--llm sagemaker:..., bedrock:...)
  agent console --target stepfunctions    turns run on the deployed state machine (terraform output)
  agent console --trace EXECUTION_ARN     a deployed turn, read from the state machine's log group
  agent console --screenshot PATH         the page after a turn, as a PNG (docs/console.png)
  agent console --measure                 startup time, page weight, the browser test's wall time

The graph is harness/diagram.py's drawing of the state machine Terraform deploys (the README's picture,
agent trace's drawing); after each turn the states it entered are highlighted and numbered in order.
Each state's input and output come from the execution's history events (locally) or its log events
(deployed), read by harness/trace.py. Everything the page loads is served from here (Mermaid is vendored
in harness/console_static/vendor/); the headers and the checks on requests are in docs/console.md.
"""

from __future__ import annotations

import argparse
import collections
import contextlib
import ipaddress
import json
import logging
import socket
import sys
import threading
import time
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Protocol

from agent_core.execution import HANDOFF_ATTRIBUTE, HANDOFF_REASON_ATTRIBUTE
from agent_core.ledger import ModelUsage, execution_name
from agent_core.memory import SESSION_ATTRIBUTE, SIGNATURE_ATTRIBUTE
from harness import express_logs
from harness import trace as tracing
from harness.diagram import mermaid
from harness.results import handoff_of, tool_uses
from harness.runtime import Session, add_local_agent_options

STATIC = Path(__file__).resolve().parent / "console_static"
DEFAULT_PORT = 8765
MAX_BODY_BYTES = 4096  # a question of Lex's 1,024 characters, JSON-escaped, fits several times over
LEX_MAX_TEXT_CHARS = 1024  # RecognizeText's limit on what a user sends
MAX_SESSIONS = 64  # conversations kept; the oldest is forgotten first
LOOPBACK_NAMES = frozenset({"localhost", "127.0.0.1", "::1"})
CONTENT_SECURITY_POLICY = "; ".join(
    [
        "default-src 'self'",
        "script-src 'self'",
        # Mermaid puts a <style> element and style attributes in every SVG it draws (its theme, the
        # visited states' fill), generated at drawing time: no hash can name them, and it takes no nonce.
        "style-src 'self' 'unsafe-inline'",
        "img-src 'self'",
        "connect-src 'self'",
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    ]
)
SECURITY_HEADERS = {
    "content-security-policy": CONTENT_SECURITY_POLICY,
    "x-content-type-options": "nosniff",
    "x-frame-options": "DENY",
    "referrer-policy": "no-referrer",
    "cross-origin-opener-policy": "same-origin",
    "cross-origin-resource-policy": "same-origin",
    "permissions-policy": "camera=(), microphone=(), geolocation=()",
}
ATTRIBUTE_NAMES = {
    "memory": SESSION_ATTRIBUTE,
    "signature": SIGNATURE_ATTRIBUTE,
    "handoff": HANDOFF_ATTRIBUTE,
    "handoff_reason": HANDOFF_REASON_ATTRIBUTE,
}
log = logging.getLogger("harness.console")


class ConsoleError(Exception):
    """A request the console answers with a polite JSON error."""

    def __init__(self, status: int, message: str) -> None:
        super().__init__(message)
        self.status = status


# ---------------------------------------------------------------- what the page shows of a turn


def graph(asl: dict[str, Any], trace: tracing.Trace | None) -> str:
    """The Mermaid flowchart (without the Markdown fence), the turn's path highlighted when there is one."""
    drawn = mermaid(asl) if trace is None else mermaid(asl, visited=trace.states, taken=trace.taken)
    return drawn.removeprefix("```mermaid\n").removesuffix("\n```")


def steps(trace: tracing.Trace) -> list[dict[str, Any]]:
    """Each state entered, in order, with what the Step Functions console shows of it."""
    return [
        {"number": number, **tracing.step_view(step, trace), "payload": step.payload}
        for number, step in enumerate(trace.steps, start=1)
    ]


def view(summary: dict[str, Any], trace: tracing.Trace | None, asl: dict[str, Any]) -> dict[str, Any]:
    """A turn as the page shows it: the ``agent chat --json`` summary, its steps and its graph."""
    ledger = summary.get("ledger") if isinstance(summary.get("ledger"), dict) else None
    if summary.get("llm_calls") is None and ledger is not None:  # a deployed turn's, from its usage
        summary = {**summary, "llm_calls": ledger.get("model_calls")}
    return {
        **summary,
        "graph": graph(asl, trace),
        "path": trace.states if trace else [],
        "steps": steps(trace) if trace else [],
        "execution_arn": trace.execution_arn if trace else None,
        "data_logged": trace.data_logged if trace else False,
    }


def traced_summary(trace: tracing.Trace) -> dict[str, Any]:
    """What a traced execution tells of its turn (the summary ``agent chat --json`` prints)."""
    turn_input = trace.input if isinstance(trace.input, dict) else {}
    output = trace.output if isinstance(trace.output, dict) else {}
    return {
        "question": str(turn_input.get("question", "(not logged)")),
        "answer": str(output.get("answer", "(not logged)")),
        "outcome": str(output.get("outcome") or trace.status.lower()),
        "iterations": output.get("iterations"),
        "llm_calls": ModelUsage.read(output.get("usage")).model_calls if trace.data_logged else None,
        "elapsed_ms": trace.duration_ms,
        "tools": [{"name": t.name, "args": t.args, "ok": t.ok, "status": t.status} for t in tool_uses(output)],
        "handoff": handoff_of(output),
        "failures": [f"{trace.error[0]}: {trace.error[1][:200]}"] if trace.error else [],
        "ledger": None,
    }


# ---------------------------------------------------------------- where turns run


class Runner(Protocol):
    label: str
    asl: dict[str, Any]  # the state machine the graph draws
    chat: bool  # False: a traced turn, shown, not asked

    def session(self) -> Session: ...

    def ask(self, session: Session, question: str) -> dict[str, Any]: ...

    def shown(self) -> list[dict[str, Any]]: ...


class LocalRunner:
    """Turns on the local runtime (``LocalAgent``): the real ASL and handlers on moto."""

    chat = True

    def __init__(self, agent: Any, asl: dict[str, Any]) -> None:
        self.agent, self.asl = agent, asl
        self.label = f"local agent on this machine; model: {agent.model_label}"

    def session(self) -> Session:
        return self.agent.session()

    def ask(self, session: Session, question: str) -> dict[str, Any]:
        turn = self.agent.ask(session, question)
        self.agent.forget_turns()
        arn = str((turn.ledger or {}).get("execution_arn", ""))
        trace = tracing.parse(express_logs.from_history(turn.events, arn)) if turn.events else None
        return view(turn.summary(), trace, self.asl)

    def shown(self) -> list[dict[str, Any]]:
        return []


class DeployedRunner:
    """Turns on the deployed state machine (``StepFunctionsTarget``), traced from its log events."""

    chat = True

    def __init__(self, target: Any, asl: dict[str, Any]) -> None:
        self.target, self.asl = target, asl
        self.label = f"deployed {target.label}"

    def session(self) -> Session:
        return self.target.session()

    def ask(self, session: Session, question: str) -> dict[str, Any]:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            turn = self.target.ask(session, question)
        except (BotoCoreError, ClientError) as error:
            raise ConsoleError(502, f"the state machine did not answer: {error}") from None
        trace = tracing.parse(turn.events) if turn.events else None
        return view(turn.summary(), trace, self.asl)

    def shown(self) -> list[dict[str, Any]]:
        return []


class TracedRunner:
    """Deployed turns read from their log events (``agent trace``'s reader): shown, not asked."""

    chat = False

    def __init__(self, traces: list[tracing.Trace], asl: dict[str, Any], label: str) -> None:
        self.views = [view(traced_summary(trace), trace, asl) for trace in traces]
        self.asl, self.label = asl, label

    def session(self) -> Session:
        return Session(id="traced")

    def ask(self, session: Session, question: str) -> dict[str, Any]:
        raise ConsoleError(409, "this console shows a traced turn; start it without --trace to chat")

    def shown(self) -> list[dict[str, Any]]:
        return self.views


class Sessions:
    """The conversations of the page(s), by id; the oldest is forgotten past ``MAX_SESSIONS``."""

    def __init__(self, runner: Runner, limit: int = MAX_SESSIONS) -> None:
        self.runner, self.limit = runner, limit
        self._sessions: collections.OrderedDict[str, Session] = collections.OrderedDict()
        self._lock = threading.Lock()

    def new(self) -> Session:
        session = self.runner.session()
        with self._lock:
            self._sessions[session.id] = session
            while len(self._sessions) > self.limit:
                self._sessions.popitem(last=False)
        return session

    def get(self, session_id: Any) -> Session:
        with self._lock:
            session = self._sessions.get(session_id) if isinstance(session_id, str) else None
        if session is None:
            raise ConsoleError(404, "that conversation is no longer here: start a new conversation")
        return session


# ---------------------------------------------------------------- the web app


def is_loopback(host: str) -> bool:
    if host == "localhost":
        return True
    try:
        return ipaddress.ip_address(host.strip("[]")).is_loopback
    except ValueError:
        return False


def _hostname(host_header: str) -> str:
    """``127.0.0.1:8765`` -> ``127.0.0.1``, ``[::1]:8765`` -> ``::1``."""
    if host_header.startswith("["):
        return host_header[1:].split("]", 1)[0]
    return host_header.rsplit(":", 1)[0] if host_header.count(":") == 1 else host_header


def _error_body(status: int, message: str) -> list[dict[str, Any]]:
    body = json.dumps({"error": message}).encode("utf-8")
    headers = [(b"content-type", b"application/json"), (b"content-length", str(len(body)).encode())]
    return [
        {"type": "http.response.start", "status": status, "headers": headers},
        {"type": "http.response.body", "body": body},
    ]


class Guard:
    """Every response carries the security headers. With ``loopback_only``, a request whose Host is not
    127.0.0.1, ::1 or localhost is refused (a DNS-rebinding page reaches a loopback port under its own
    name), and so is a POST from another site that says so (its Origin header)."""

    def __init__(self, app: Callable[..., Any], loopback_only: bool, bound: str = "127.0.0.1") -> None:
        self.app, self.loopback_only = app, loopback_only
        self.names = LOOPBACK_NAMES | {bound}  # and the address it was started on (127.0.1.1, say)

    async def __call__(self, scope: dict[str, Any], receive: Callable[..., Any], send: Callable[..., Any]) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        refusal = self._refusal(scope)

        async def with_headers(message: dict[str, Any]) -> None:
            if message["type"] == "http.response.start":
                present = {name.lower() for name, _ in message.get("headers", [])}
                extra = [(k.encode(), v.encode()) for k, v in SECURITY_HEADERS.items() if k.encode() not in present]
                message = {**message, "headers": [*message.get("headers", []), *extra]}
            await send(message)

        if refusal is not None:
            for message in _error_body(*refusal):
                await with_headers(message)
            return
        await self.app(scope, receive, with_headers)

    def _refusal(self, scope: dict[str, Any]) -> tuple[int, str] | None:
        headers = {name.decode("latin-1").lower(): value.decode("latin-1") for name, value in scope["headers"]}
        host = headers.get("host", "")
        if self.loopback_only and _hostname(host) not in self.names:
            return 421, "this console answers to 127.0.0.1 and localhost only"
        origin = headers.get("origin")
        if origin is not None and origin != f"http://{host}" and scope["method"] != "GET":
            return 403, "requests from other sites are refused"
        return None


async def _json_body(request: Any) -> dict[str, Any]:
    """The request's JSON object, at most ``MAX_BODY_BYTES``; anything else is a polite error."""
    if request.headers.get("content-type", "").split(";")[0].strip().lower() != "application/json":
        raise ConsoleError(415, "send JSON (Content-Type: application/json)")
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > MAX_BODY_BYTES:
        raise ConsoleError(413, f"a request may hold {MAX_BODY_BYTES} bytes at most")
    body = b""
    async for chunk in request.stream():
        body += chunk
        if len(body) > MAX_BODY_BYTES:
            raise ConsoleError(413, f"a request may hold {MAX_BODY_BYTES} bytes at most")
    try:
        document = json.loads(body or b"{}")
    except (ValueError, UnicodeDecodeError, RecursionError):
        raise ConsoleError(400, "the request is not JSON") from None
    if not isinstance(document, dict):
        raise ConsoleError(400, "send a JSON object")
    try:  # a lone surrogate ("\\ud800") is valid JSON but no text: refused before a turn runs
        json.dumps(document, ensure_ascii=False).encode("utf-8")
    except UnicodeEncodeError:
        raise ConsoleError(400, "the request holds text that is not valid Unicode") from None
    return document


def create_app(runner: Runner, asl: dict[str, Any], *, loopback_only: bool = True, host: str = "127.0.0.1") -> Any:
    """The console: the page, its static files and a small JSON API over ``runner``."""
    from starlette.applications import Starlette
    from starlette.concurrency import run_in_threadpool
    from starlette.exceptions import HTTPException
    from starlette.middleware import Middleware
    from starlette.middleware.gzip import GZipMiddleware
    from starlette.requests import ClientDisconnect, Request
    from starlette.responses import FileResponse, JSONResponse, Response
    from starlette.routing import Mount, Route
    from starlette.staticfiles import StaticFiles

    sessions = Sessions(runner)
    one_turn_at_a_time = threading.Lock()  # the local runtime runs one turn at a time

    def answer(document: dict[str, Any], status: int = 200) -> JSONResponse:
        return JSONResponse(document, status_code=status, headers={"cache-control": "no-store"})

    async def index(request: Request) -> Response:
        return FileResponse(STATIC / "index.html", headers={"cache-control": "no-store"})

    async def info(request: Request) -> JSONResponse:
        return answer(
            {
                "label": runner.label,
                "chat": runner.chat,
                "graph": graph(asl, None),
                "turns": runner.shown(),
                "attribute_names": ATTRIBUTE_NAMES,
                "max_question_chars": LEX_MAX_TEXT_CHARS,
            }
        )

    async def new_session(request: Request) -> JSONResponse:
        await _json_body(request)
        session = sessions.new()
        return answer({"session_id": session.id, "attributes": session.attributes})

    def run_turn(session: Session, question: str) -> dict[str, Any]:
        with one_turn_at_a_time:
            return runner.ask(session, question)

    async def ask(request: Request) -> JSONResponse:
        document = await _json_body(request)
        question = document.get("question")
        if not isinstance(question, str):
            raise ConsoleError(400, 'send {"session_id": "...", "question": "..."}')
        if len(question) > LEX_MAX_TEXT_CHARS:
            raise ConsoleError(413, f"a question may have {LEX_MAX_TEXT_CHARS} characters at most, as in Lex")
        session = sessions.get(document.get("session_id")) if runner.chat else Session(id="traced")
        turn = await run_in_threadpool(run_turn, session, question)
        return answer({"turn": turn, "attributes": session.attributes})

    def polite(endpoint: Callable[[Request], Any]) -> Callable[[Request], Any]:
        """Every failure of ``endpoint`` is a JSON answer and one line in the terminal (Starlette's handler
        for Exception would answer too, but then re-raise, and uvicorn print the traceback)."""

        async def guarded(request: Request) -> Response:
            try:
                return await endpoint(request)
            except (ConsoleError, HTTPException):
                raise
            except ClientDisconnect:
                return Response(status_code=400)  # nobody is left to read it
            except Exception as error:  # noqa: BLE001  # the console's one place for any other failure
                return await server_error(request, error)

        return guarded

    async def console_error(request: Request, error: Exception) -> JSONResponse:
        assert isinstance(error, ConsoleError)
        return answer({"error": str(error)}, error.status)

    async def http_error(request: Request, error: Exception) -> JSONResponse:
        assert isinstance(error, HTTPException)
        message = {404: "nothing here", 405: "that method is not served here"}.get(error.status_code, error.detail)
        return answer({"error": message}, error.status_code)

    async def server_error(request: Request, error: Exception) -> JSONResponse:
        log.error("console: %s: %s", type(error).__name__, error)
        return answer({"error": "something went wrong in the console; its terminal says more"}, 500)

    return Starlette(
        routes=[
            Route("/", index),
            Route("/api/info", polite(info)),
            Route("/api/sessions", polite(new_session), methods=["POST"]),
            Route("/api/ask", polite(ask), methods=["POST"]),
            Mount("/static", StaticFiles(directory=STATIC), name="static"),
        ],
        middleware=[
            Middleware(Guard, loopback_only=loopback_only, bound=host),
            Middleware(GZipMiddleware, minimum_size=1024),
        ],
        exception_handlers={ConsoleError: console_error, HTTPException: http_error, Exception: server_error},
    )


# ---------------------------------------------------------------- serving it


def listening(host: str, port: int) -> socket.socket:
    """A socket bound and listening on ``host:port`` (0: any free port), before the server starts."""
    family = socket.AF_INET6 if ":" in host else socket.AF_INET
    sock = socket.socket(family, socket.SOCK_STREAM)
    sock.setsockopt(socket.SOL_SOCKET, socket.SO_REUSEADDR, 1)
    try:
        sock.bind((host, port))
    except socket.gaierror:
        sock.close()
        raise OSError(f"cannot listen on {host}: no such host (choose another --host)") from None
    except OSError as error:
        sock.close()
        raise OSError(f"cannot listen on {host}:{port}: {error.strerror or error} (choose another --port)") from None
    sock.listen(128)
    return sock


def url_of(sock: socket.socket) -> str:
    host, port = sock.getsockname()[:2]
    return f"http://{f'[{host}]' if ':' in host else host}:{port}/"


def _server(app: Any, on_started: Callable[[], None] = lambda: None) -> Any:
    """A uvicorn server for ``app`` that calls ``on_started`` once it accepts connections."""
    import uvicorn

    class Server(uvicorn.Server):
        async def startup(self, sockets: list[socket.socket] | None = None) -> None:
            await super().startup(sockets)
            if self.started:
                on_started()

    config = uvicorn.Config(app, log_level="warning", lifespan="off", server_header=False, access_log=False)
    return Server(config)


@contextlib.contextmanager
def served(app: Any, host: str = "127.0.0.1", port: int = 0) -> Iterator[str]:
    """The app served from a thread for the length of the block; yields its URL."""
    sock = listening(host, port)
    server = _server(app)
    thread = threading.Thread(target=server.run, kwargs={"sockets": [sock]}, name="console", daemon=True)
    thread.start()
    try:
        deadline = time.monotonic() + 10
        while not server.started and thread.is_alive() and time.monotonic() < deadline:
            time.sleep(0.01)
        if not server.started:
            raise RuntimeError("the console server did not start")
        yield url_of(sock)
    finally:
        server.should_exit = True
        thread.join(timeout=10)
        sock.close()


# ---------------------------------------------------------------- driving the page (screenshot, tests)


def open_page(browser: Any, url: str, **context: Any) -> Any:
    """A new page on the console, once it is ready (the graph drawn, the conversation started)."""
    page = browser.new_page(**context)
    page.goto(url)
    page.wait_for_selector("body[data-ready]")
    return page


def ask_on_page(page: Any, question: str) -> None:
    """Type ``question``, send it and wait for its turn's graph."""
    before = page.locator("#messages li.agent").count()
    page.fill("#question", question)
    page.click("#ask")
    page.wait_for_selector(f"#graph[data-turn='{before + 1}']")


def screenshot(browser: Any, url: str, path: Path) -> Path:
    """The page after a turn that looks up an order and a return, one of the lookups clicked."""
    page = open_page(browser, url, viewport={"width": 1440, "height": 900})
    ask_on_page(page, "Has order 123456 shipped?")
    ask_on_page(page, "And is return rtn001 processed?")
    page.click("#graph [data-state='CallTool']")
    page.wait_for_selector("#state-detail:not([hidden])")
    path.parent.mkdir(parents=True, exist_ok=True)
    page.screenshot(path=str(path))
    page.close()
    return path


# ---------------------------------------------------------------- the command


@dataclass
class Measured:
    startup_s: float
    url_s: float
    assets: list[tuple[str, int, int]]  # (path, bytes, bytes transferred)
    browser_test_s: float | None


def main(argv: list[str] | None = None) -> int:
    from botocore.exceptions import BotoCoreError, ClientError

    args = _parser().parse_args(argv)
    if args.trace and args.target != "local":
        print("give --trace or --target, not both", file=sys.stderr)
        return 2
    try:
        if args.measure:
            return _print_measures(measure(args.measure_test))
        with _runner(args) as runner:
            app = create_app(runner, runner.asl, loopback_only=is_loopback(args.host), host=args.host)
            if args.screenshot:
                from harness.browser import chromium

                with served(app) as url, chromium() as browser:
                    print(f"wrote {screenshot(browser, url, Path(args.screenshot))}")
                return 0
            return _serve(app, args.host, args.port, runner.label)
    except (ValueError, OSError, RuntimeError, tracing.TraceError) as error:
        print(f"error: {error}", file=sys.stderr)
        return 2
    except (BotoCoreError, ClientError) as error:  # no credentials, no region, no access to the log group
        print(f"error: AWS: {error}", file=sys.stderr)
        return 2
    except KeyboardInterrupt:
        return 130


def _serve(app: Any, host: str, port: int, label: str) -> int:
    sock = listening(host, port)

    def started() -> None:
        print(f"console: {url_of(sock)}  ({label}; Ctrl-C stops it)", flush=True)
        if not is_loopback(host):
            print(
                f"warning: listening on {host}: anyone who can reach it can chat with the agent and read every "
                "state's data; Host names are not checked",
                flush=True,
            )

    with contextlib.suppress(KeyboardInterrupt):  # uvicorn stops on Ctrl-C, then passes the signal on
        _server(app, started).run(sockets=[sock])
    return 0


@contextlib.contextmanager
def _runner(args: argparse.Namespace) -> Iterator[Runner]:
    if args.trace:
        yield _traced(args)
        return
    if args.target == "stepfunctions":
        from harness.chat import ledger_model
        from harness.docs import deployed_asl
        from harness.targets import StepFunctionsTarget, terraform_outputs

        outputs = terraform_outputs()
        target = StepFunctionsTarget(
            args.state_machine_arn or outputs.get("state_machine_arn", ""),
            args.log_group or outputs.get("state_machine_log_group"),
            args.region or outputs.get("region"),
            ledger_model=ledger_model(outputs),
        )
        if not target.log_group:
            raise ValueError("which log group? give --log-group (or deploy first, so terraform output has it)")
        yield DeployedRunner(target, deployed_asl())
        return
    from harness.runtime import LocalAgent

    with LocalAgent(args.llm, max_iterations=args.max_iterations, memory=args.memory) as agent:
        yield LocalRunner(agent, json.loads(agent.deployed.state_machine_definition))


def _traced(args: argparse.Namespace) -> TracedRunner:
    import boto3

    from harness.docs import deployed_asl
    from harness.targets import terraform_outputs

    outputs = {} if args.log_group and args.region else terraform_outputs()
    log_group = args.log_group or outputs.get("state_machine_log_group")
    if not log_group:
        raise ValueError("which log group? give --log-group (or deploy first, so terraform output has it)")
    logs = boto3.client("logs", region_name=args.region or outputs.get("region"))
    traced = tracing.parse(express_logs.read(logs, log_group, args.trace))
    return TracedRunner([traced], deployed_asl(), f"traced execution {execution_name(args.trace) or args.trace}")


def measure(browser_test: bool = True) -> Measured:
    """Time from ``make console`` to a usable page (this checkout, installed), the page's weight, and the
    browser test's wall time. Figures, not tests: they depend on the machine."""
    import os
    import signal
    import subprocess

    from harness.browser import chromium
    from harness.paths import REPO

    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        port = probe.getsockname()[1]
    with chromium() as browser:
        started = time.perf_counter()
        command = ["make", "--no-print-directory", "console", f"PORT={port}"]
        process = subprocess.Popen(command, cwd=REPO, stdout=subprocess.PIPE, text=True, start_new_session=True)
        try:
            url_s, url = _url_from(process, started)
            page = browser.new_page()
            assets: list[tuple[str, int, int]] = []
            page.on("requestfinished", lambda request: assets.append(_asset(request)))
            page.goto(url)
            page.wait_for_selector("body[data-ready]")
            startup_s = time.perf_counter() - started
            page.close()
        finally:
            os.killpg(process.pid, signal.SIGINT)
            process.wait(timeout=30)
    test_s = None
    if browser_test:
        began = time.perf_counter()
        test = [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "tests/test_console_browser.py"]
        subprocess.run(test, cwd=REPO, check=True, capture_output=True)
        test_s = time.perf_counter() - began
    return Measured(startup_s, url_s, assets, test_s)


def _url_from(process: Any, started: float) -> tuple[float, str]:
    for line in process.stdout:
        if line.startswith("console: "):
            return time.perf_counter() - started, line.split()[1]
    raise RuntimeError("make console ended without printing its URL")


def _asset(request: Any) -> tuple[str, int, int]:
    from urllib.parse import urlsplit

    response = request.response()
    body = len(response.body()) if response is not None else 0
    sizes = request.sizes()
    return urlsplit(request.url).path, body, sizes["responseBodySize"] + sizes["responseHeadersSize"]


def _print_measures(measured: Measured) -> int:
    import datetime
    import os
    import platform

    from harness.browser import find_chromium

    print(f"machine: {platform.platform()}, {os.cpu_count()} CPUs, Python {platform.python_version()}")
    print(f"browser: {find_chromium()}; date: {datetime.date.today().isoformat()}")
    print(f"make console to a usable page: {measured.startup_s:.1f} s (URL printed after {measured.url_s:.1f} s)")
    total, sent = sum(size for _, size, _ in measured.assets), sum(wire for _, _, wire in measured.assets)
    print(f"page weight: {total:,} bytes in {len(measured.assets)} requests ({sent:,} bytes transferred, gzip)")
    for path, size, wire in measured.assets:
        print(f"  {path:<34} {size:>10,} bytes  {wire:>10,} transferred")
    if measured.browser_test_s is not None:
        print(f"browser test (tests/test_console_browser.py, alone): {measured.browser_test_s:.1f} s")
    return 0


def _port(value: str) -> int:
    if not value.isdigit() or int(value) > 65535:
        raise argparse.ArgumentTypeError(f"{value!r}: a port is a number from 0 to 65535")
    return int(value)


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(
        prog="agent console", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    parser.add_argument("--host", default="127.0.0.1", help="address to listen on (default 127.0.0.1: this machine)")
    parser.add_argument("--port", type=_port, default=DEFAULT_PORT, help=f"port (default {DEFAULT_PORT}; 0: any)")
    add_local_agent_options(parser, scope="local turns: ")
    parser.add_argument(
        "--target",
        default="local",
        choices=["local", "stepfunctions"],
        help="local (default): this machine; stepfunctions: the deployed state machine",
    )
    parser.add_argument("--state-machine-arn", help="for --target stepfunctions (default: terraform output)")
    parser.add_argument("--trace", metavar="EXECUTION_ARN", help="show a deployed turn, read from its log events")
    parser.add_argument("--log-group", help="for --target stepfunctions and --trace (default: terraform output)")
    parser.add_argument("--region", help="for --target stepfunctions and --trace (default: terraform output)")
    parser.add_argument("--screenshot", metavar="PATH", help="write a PNG of the page after a turn, then stop")
    parser.add_argument("--measure", action="store_true", help="print startup time, page weight, browser test time")
    parser.add_argument(
        "--no-browser-test", dest="measure_test", action="store_false", help="with --measure: skip the browser test"
    )
    return parser
