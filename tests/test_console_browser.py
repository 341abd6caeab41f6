"""The console in a real browser: headless Chromium (Debian's, found on PATH; .ci/install-chromium
installs it for make test) driven by Playwright, on the console served by uvicorn with the local
runtime. The original six questions and a clarification are asked on the page, and what it shows (the
answers, the highlighted and numbered states, a state's input and output, the session attributes) is
held to what the local runtime itself does with the same questions.

Without Chromium this module fails in CI (CI set) and is skipped elsewhere, saying why."""

from __future__ import annotations

import itertools
import json
import os
import re

import pytest
from playwright.sync_api import expect

from agent_core.text import clean_user_text
from harness import console
from harness import trace as tracing
from harness.browser import INSTALL_HINT, chromium, find_chromium
from harness.docs import deployed_asl
from harness.runtime import LocalAgent
from support import FIXTURES, REPO, read_jsonl

ORIGINAL_CASES = read_jsonl(REPO / "data" / "eval" / "original_cases.jsonl")
CLARIFICATION = "Has my order shipped?"  # no id: the agent asks for one
QUESTIONS = [case["turns"][0]["user"] for case in ORIGINAL_CASES] + [CLARIFICATION]
HIGHLIGHT = "stroke:#1a7f37"  # harness/diagram.py's colour for a taken transition


@pytest.fixture(scope="module")
def browser():
    if find_chromium() is None:
        message = f"the console's browser test needs Chromium: {INSTALL_HINT}"
        if os.environ.get("CI"):
            pytest.fail(message, pytrace=False)
        pytest.skip(message)
    with chromium() as launched:
        yield launched


@pytest.fixture(scope="module")
def expected(browser):
    """What the local runtime does with each question, each in a new session (as make demo asks them)."""
    with LocalAgent() as agent:
        return {question: agent.ask(agent.session(), question) for question in QUESTIONS}


@pytest.fixture(scope="module")
def url(expected):
    with LocalAgent() as agent:
        runner = console.LocalRunner(agent, json.loads(agent.deployed.state_machine_definition))
        with console.served(console.create_app(runner, runner.asl)) as served_at:
            yield served_at


@pytest.fixture(scope="module")
def context(browser):
    """One browser context for the module: its pages share the HTTP cache, as a person's tabs would."""
    context = browser.new_context(viewport={"width": 1440, "height": 900})
    yield context
    context.close()


@pytest.fixture
def page(context, url):
    page = context.new_page()
    page.problems = []
    page.requests = []
    page.on("console", lambda message: message.type in ("error", "warning") and page.problems.append(message.text))
    page.on("pageerror", lambda error: page.problems.append(str(error)))
    page.on("dialog", lambda dialog: (page.problems.append(f"dialog: {dialog.message}"), dialog.dismiss()))
    page.on("request", lambda request: page.requests.append(request.url))
    page.first_response = page.goto(url)
    page.wait_for_selector("body[data-ready]")
    yield page
    assert page.problems == [], page.problems  # no CSP violation, script error or dialog, whatever the test
    page.close()


def highlighted_states(page):
    return set(page.eval_on_selector_all("#graph g.entered[data-state]", "nodes => nodes.map(n => n.dataset.state)"))


def highlighted_transitions(page):
    """(from, to) of every arrow drawn as taken (Mermaid's edge ids are L_FROM_TO_N)."""
    ids = page.eval_on_selector_all(
        "#graph path.flowchart-link",
        f"paths => paths.filter(p => (p.getAttribute('style') || '').includes('{HIGHLIGHT}')).map(p => p.dataset.id)",
    )
    return {tuple(re.fullmatch(r"L_(\w+?)_(\w+)_\d+", edge_id).groups()) for edge_id in ids}


def last_answer(page):
    return page.locator("#messages li.agent").last


# ---------------------------------------------------------------- the page


def test_the_page_loads_with_a_strict_policy_and_nothing_from_elsewhere(page, url):
    headers = page.first_response.headers
    assert headers["content-security-policy"] == console.CONTENT_SECURITY_POLICY
    assert headers["x-content-type-options"] == "nosniff"
    assert "frame-ancestors 'none'" in headers["content-security-policy"]
    console.ask_on_page(page, "Has order 123456 shipped?")
    assert page.requests and all(request.startswith(url) for request in page.requests), page.requests
    states = page.eval_on_selector_all("#graph [data-state]", "nodes => nodes.map(n => n.dataset.state)")
    assert {"StartTurn", "DispatchToolCalls", "CallTool", "AskForClarification", "ApologiseForDelay"} <= set(states)


@pytest.mark.parametrize("question", QUESTIONS)
def test_each_question_is_answered_and_its_path_highlighted_in_order(page, expected, question):
    turn = expected[question]
    console.ask_on_page(page, question)
    answer = last_answer(page)
    assert answer.locator(".answer").inner_text() == turn.answer
    assert answer.get_attribute("data-outcome") == turn.output["outcome"]
    case = next((case for case in ORIGINAL_CASES if case["turns"][0]["user"] == question), None)
    for text in case["turns"][0]["expect"]["answer_contains"] if case else []:
        assert text.lower() in turn.answer.lower()
    meta = answer.locator(".meta").inner_text()
    assert f"{turn.iterations} iteration(s)" in meta and f"{turn.llm_calls} model call(s)" in meta
    shown = [
        f"{tool.name}({', '.join(tool.args.values())}) {tool.status}" if tool.args else f"{tool.name} {tool.status}"
        for tool in turn.tools
    ]
    assert all(text in meta for text in shown)  # a search has no id: its name and status alone
    assert re.search(r" ms · ~\$0\.\d{6}", meta)

    assert highlighted_states(page) == set(turn.states)
    path = page.locator("#path button").all_inner_texts()
    assert [label.split(" ", 1)[0] for label in path] == turn.states
    numbers = {
        name: text
        for name, text in page.eval_on_selector_all(
            "#graph g.entered[data-state]",
            "nodes => nodes.map(n => [n.dataset.state, n.querySelector('text.order').textContent])",
        )
    }
    for number, state in enumerate(turn.states, start=1):
        assert str(number) in numbers[state].split(","), (state, numbers[state])
    top_level = [state for state in turn.states if state not in ("CallTool", "RecordToolFailure")]
    assert highlighted_transitions(page) == {("start", "StartTurn"), *itertools.pairwise(top_level)}


def test_the_paths_differ_as_the_questions_do(expected):
    """The questions cover the paths the console must draw: a lookup, an unknown id, a refusal, a
    decline and a clarification end in different states."""
    endings = {question: turn.states[-1] for question, turn in expected.items()}
    assert endings[CLARIFICATION] == "AskForClarification" and expected[CLARIFICATION].tools == []
    assert {"AnswerQuestion", "RefuseIrrelevantQuestion", "DeclineOutOfScope", "AskForClarification"} <= set(
        endings.values()
    )
    assert any(tool.status == "not_found" for turn in expected.values() for tool in turn.tools)


def test_clicking_a_state_shows_its_input_and_output(page):
    question = "Has order 123456 shipped and is return rtn001 processed?"
    console.ask_on_page(page, question)
    page.click("#graph [data-state='CallTool']")
    detail = page.locator("#state-detail")
    assert detail.is_visible() and page.inner_text("#state-name") == "CallTool"
    entries = detail.locator(".entry")
    assert entries.count() == 2  # one per branch of the Map (they run in parallel: either may be first)
    shown = [
        {
            entry.locator(".io h4").nth(n).inner_text(): json.loads(entry.locator(".io pre").nth(n).inner_text())
            for n in range(entry.locator(".io").count())
        }
        for entry in entries.all()
    ]
    assert all(set(sections) == {"Input", "Output", "Lambda payload", "Lambda result"} for sections in shown)
    order = next(sections for sections in shown if sections["Input"]["tool"] == "order_status")
    assert order["Lambda payload"]["arguments"] == {"order_id": "123456"}
    assert "Organic Handsoap" in order["Lambda result"]["observation"]
    assert order["Output"]["result"]["payload"] == order["Lambda result"]
    assert {sections["Input"]["id"] for sections in shown} == {"123456", "rtn001"}
    assert page.locator("#graph [data-state='CallTool'].chosen").count() == 1

    page.click("#path button[data-state='StartTurn']")
    start_input = json.loads(page.locator("#state-detail .io pre").first.inner_text())
    assert start_input["question"] == question  # the user's own text, on the user's own machine

    page.click("#graph [data-state='HandOffToPerson']")
    assert page.inner_text("#state-entries") == "Not entered in this turn."


def test_full_size_shows_the_graph_at_its_own_size_and_back(page):
    """Fitted, a graph this size has labels a few pixels tall; "Full size" draws it at its own width
    (scrolled in its pane), also after the next turn redraws it, and "Fit the graph" fits it again."""

    def widths() -> tuple[float, float, float]:
        svg = page.locator("#graph svg")
        view = float(svg.get_attribute("viewBox").split()[2])
        return view, svg.bounding_box()["width"], page.locator("#graph").bounding_box()["width"]

    console.ask_on_page(page, "Has order 123456 shipped?")
    view, shown, pane = widths()
    assert shown <= pane + 1 < view  # fitted: smaller than its own size
    page.click("#zoom")
    assert page.inner_text("#zoom") == "Fit the graph"
    assert abs(widths()[1] - view) < 2
    console.ask_on_page(page, "When will it arrive?")
    view, shown, _ = widths()
    assert abs(shown - view) < 2  # a new drawing keeps the chosen size
    page.click("#zoom")
    assert page.inner_text("#zoom") == "Full size" and widths()[1] <= widths()[2] + 1


def test_a_follow_up_remembers_and_a_new_conversation_forgets(page):
    console.ask_on_page(page, "Has order 123456 shipped?")
    console.ask_on_page(page, "When will it arrive?")
    assert "2026-11-03" in last_answer(page).locator(".answer").inner_text()
    memory = json.loads(page.inner_text("#attributes tr[data-attribute='agent_history'] pre"))
    assert [turn["user"] for turn in memory] == ["Has order 123456 shipped?", "When will it arrive?"]
    assert page.inner_text("#attributes tr[data-attribute='handoff'] pre") == "(not set)"

    console.ask_on_page(page, "I want to talk to a person")
    assert last_answer(page).get_attribute("data-outcome") == "handoff"
    assert page.inner_text("#attributes tr[data-attribute='handoff'] pre") == "true"
    assert page.inner_text("#attributes tr[data-attribute='handoff_reason'] pre") == "asked_for_a_person"

    page.click("#new-conversation")
    expect(page.locator("#messages li")).to_have_count(0)
    assert page.inner_text("#attributes tr[data-attribute='agent_history'] pre") == "(not set)"
    console.ask_on_page(page, "When will it arrive?")
    assert last_answer(page).get_attribute("data-outcome") == "clarify"  # nothing remembered


@pytest.mark.parametrize(
    "hostile", ["<img src=x onerror=alert(1)>", "<script>alert(2)</script>", '"><svg onload=alert(3)>']
)
def test_markup_in_a_question_is_shown_as_text(page, hostile):
    console.ask_on_page(page, hostile)
    assert page.locator("#messages li.user").last.inner_text() == hostile
    assert page.locator("#messages img, #messages script, #messages svg").count() == 0
    page.click("#path button[data-state='StartTurn']")
    start_input = json.loads(page.locator("#state-detail .io pre").first.inner_text())
    assert start_input["question"] == clean_user_text(hostile)  # as the fulfilment Lambda cleaned it
    assert page.locator("#state-detail img, #state-detail script, #state-detail svg").count() == 0


def test_a_traced_turn_is_shown_with_the_chat_off(context):
    """agent console --trace: the turn read from its log events (tests/test_console.py reads them from
    moto's CloudWatch Logs; here the recorded events are parsed directly)."""
    document = json.loads((FIXTURES / "express_logs" / "two_tools.json").read_text(encoding="utf-8"))
    trace = tracing.parse(document["events"])
    runner = console.TracedRunner([trace], deployed_asl(), "traced execution two_tools")
    with console.served(console.create_app(runner, runner.asl)) as traced_url:
        page = context.new_page()
        page.goto(traced_url)
        page.wait_for_selector("body[data-ready]")
        assert page.locator("#messages li.user").inner_text() == document["question"]
        assert page.locator("#question").is_disabled() and page.locator("#new-conversation").is_disabled()
        assert "chat is off" in page.inner_text("#notice")
        assert highlighted_states(page) == set(trace.states)
        page.click("#graph [data-state='PlanToolUse']")
        shown = json.loads(page.locator("#state-detail .io pre").first.inner_text())
        assert shown["turn"]["question"] == document["question"]
        page.close()


def test_the_screenshot_is_the_page_after_a_turn(browser, url, tmp_path):
    path = console.screenshot(browser, url, tmp_path / "console.png")
    data = path.read_bytes()
    assert data.startswith(b"\x89PNG\r\n\x1a\n")
    assert (int.from_bytes(data[16:20], "big"), int.from_bytes(data[20:24], "big")) == (1440, 900)
