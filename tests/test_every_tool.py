"""Every tool of the registry, checked the same way: its entry, its folder, its table and records, what
Terraform deploys for it, the planner's examples that choose it, its handler on its own events, and a
question about one of its records answered through the whole local runtime with only its own GetItem.

A new tool is checked by these tests without a test of its own; tests/test_contributing.py runs this
module on a copy of the repository with docs/extending.md's worked example added.
"""

from __future__ import annotations

import json
import re
from pathlib import Path

import boto3
import pytest

from agent_core import prompts, registry
from harness import offline_model
from harness.manifest import local_manifest
from support import REPO

TOOLS = registry.tools()
IDS = [tool.name for tool in TOOLS]
RECORD_TOOLS = registry.record_tools()
RECORD_IDS = [tool.name for tool in RECORD_TOOLS]
FUNCTIONS = REPO / "functions"
SAMPLE = json.loads((REPO / "data" / "sample_store.json").read_text())["tables"]
EXAMPLE = re.compile(r'user: "([^"]*)"\ntool: ([a-z_, ]+)')


def examples_choosing(tool: registry.Tool) -> list[str]:
    template = prompts.prompt("planner").template
    return [text for text, chosen in EXAMPLE.findall(template) if tool.name in chosen.split(", ")]


def sample_ids(tool: registry.Tool) -> list[str]:
    return [str(item[tool.argument]) for item in SAMPLE[tool.table]["items"]]


@pytest.mark.parametrize("tool", TOOLS, ids=IDS)
def test_its_registry_entry_is_consistent(tool):
    assert re.fullmatch(r"[a-z][a-z0-9_]*", tool.name) and re.fullmatch(r"[a-z][a-z0-9_]*", tool.function)
    assert tool.plural != tool.display_name
    if tool.looks_up_ids:
        assert tool.id_pattern.groups == 1, "the id pattern's one group is the part the canonical id keeps"
        assert "{}" in tool.id_format and tool.table and tool.ask_for_id
    else:
        assert tool.id_pattern is None and not tool.table and tool.is_valid_id("")
    others = {name for other in TOOLS if other is not tool for name in (other.name, *other.aliases)}
    assert not ({tool.name, *tool.aliases} & others), "a name or alias names another tool"


@pytest.mark.parametrize("tool", TOOLS, ids=IDS)
def test_its_folder_has_a_handler_events_and_a_test(tool):
    folder = FUNCTIONS / tool.function
    assert (folder / "handler.py").is_file() and (folder / "__init__.py").is_file()
    assert (folder / "test_handler.py").is_file()
    assert list((folder / "events").glob("*.json")), f"functions/{tool.function}/events/ holds no event"


@pytest.mark.parametrize("tool", RECORD_TOOLS, ids=RECORD_IDS)
def test_its_sample_records_have_valid_ids_and_terraform_seeds_them(tool):
    ids = sample_ids(tool)
    assert ids and all(tool.is_valid_id(value) for value in ids)
    table = local_manifest()["tables"][tool.table]
    assert table["hash_key"] == tool.argument
    assert set(ids) <= set(table["items"])


@pytest.mark.parametrize("tool", TOOLS, ids=IDS)
def test_terraform_deploys_its_function_on_its_table(tool):
    deployed = local_manifest()
    assert tool.function in deployed["function_names"] and tool.function in deployed["state_machine_functions"]
    environment = deployed.environment(tool.function)
    if tool.looks_up_ids:
        assert environment["TABLE_NAME"] == deployed["tables"][tool.table]["name"]
    else:
        assert environment["KNOWLEDGE_BASE_ID"] == "none"
        assert any(path.startswith("knowledge/") for path in deployed["packages"][tool.function])
    assert f"{tool.function}/handler.py" in deployed["packages"][tool.function]
    parse_routes = json.loads(deployed.environment("parse")["TOOL_FUNCTIONS"])
    assert parse_routes[tool.function] == deployed["function_arns"][tool.function]


@pytest.mark.parametrize("tool", TOOLS, ids=IDS)
def test_the_planner_examples_choose_it_and_the_stand_in_learns_them(tool):
    from agent_core.planning import planner_variables

    examples = examples_choosing(tool)
    assert len(examples) >= 2, f"give prompts/planner.txt a few examples that choose {tool.name}"
    for text in examples:
        rendered = prompts.prompt("planner").render(planner_variables(text, []))
        assert tool.name in offline_model.generate(rendered).split(", "), text


@pytest.mark.parametrize("tool", TOOLS, ids=IDS)
def test_its_handler_answers_its_own_events(tool, sample_tables_for, load, context):
    tables = sample_tables_for()
    environment = {"TABLE_NAME": tables[tool.table]} if tool.looks_up_ids else {"KNOWLEDGE_BASE_ID": "none"}
    handler = load(tool.function, **environment)
    for path in sorted((FUNCTIONS / tool.function / "events").glob("*.json")):
        result = handler.lambda_handler(json.loads(path.read_text()), context)
        assert result["tool"] == tool.name and result["status"] in {"found", "not_found", "invalid_id"}, path.name
        assert result["observation"], path.name


def _question_about(tool: registry.Tool, value: str) -> str:
    """One of the planner's examples for the tool, about ``value`` instead of the example's id."""
    for text in examples_choosing(tool):
        matches = tool.find_ids(text)
        if len(matches) == 1 and len(registry.extract_ids(text)) == 1:
            return text[: matches[0].start] + value + text[matches[0].end :]
    pytest.fail(f"no example in prompts/planner.txt asks {tool.name} about one id")


@pytest.mark.parametrize(
    "tool", [t for t in TOOLS if not t.looks_up_ids], ids=[t.name for t in TOOLS if not t.looks_up_ids]
)
def test_one_of_its_planner_examples_is_answered_end_to_end(tool, offline_agent):
    question = examples_choosing(tool)[0]
    turn = offline_agent.ask(offline_agent.session(), question)
    assert [(use.name, use.status) for use in turn.tools] == [(tool.name, "found")]
    assert turn.output["outcome"] in {"knowledge", "answered"} and turn.output["sources"]


@pytest.mark.parametrize("tool", RECORD_TOOLS, ids=RECORD_IDS)
def test_a_question_about_one_of_its_records_is_answered_with_one_get_item(tool, offline_agent):
    value = sample_ids(tool)[0]
    calls: list[str] = []
    client = offline_agent.functions[tool.function].module.LOOKUP.table._client

    def record(model, **_):
        calls.append(model.name)

    client.meta.events.register("before-call.dynamodb", record)
    try:
        turn = offline_agent.ask(offline_agent.session(), _question_about(tool, value))
    finally:
        client.meta.events.unregister("before-call.dynamodb", record)
    assert [(use.name, use.args, use.status) for use in turn.tools] == [(tool.name, {tool.argument: value}, "found")]
    assert calls == ["GetItem"]
    assert turn.output["outcome"] == "answered"


@pytest.fixture
def sample_tables_for(monkeypatch):
    """moto DynamoDB seeded with every table, as the local runtime seeds them."""
    from moto import mock_aws

    from harness.bootstrap import create_tables

    stack = []

    def make() -> dict[str, str]:
        for key, value in {"AWS_REGION": "us-east-1", "AWS_DEFAULT_REGION": "us-east-1"}.items():
            monkeypatch.setenv(key, value)
        mock = mock_aws()
        mock.start()
        stack.append(mock)
        return create_tables(boto3.client("dynamodb", region_name="us-east-1"), local_manifest())

    yield make
    for mock in stack:
        mock.stop()


@pytest.fixture
def load():
    import uuid

    from harness.lambdas import load_handler

    base = {"AWS_REGION": "us-east-1", "POWERTOOLS_METRICS_DISABLED": "true", "POWERTOOLS_LOG_LEVEL": "ERROR"}

    def load_with(folder: str, **env: str):
        return load_handler(folder, {**base, **env}, f"_every_tool_{folder}_{uuid.uuid4().hex[:8]}")

    return load_with


@pytest.fixture
def context():
    from harness.lambdas import LambdaContext

    return LambdaContext("test-function", timeout_seconds=10, memory_mb=256)


def test_the_module_covers_every_tool():
    assert {tool.name for tool in TOOLS} == {
        t["name"] for t in json.loads((FUNCTIONS / "agent_core" / "tools.json").read_text())["tools"]
    }
    assert Path(__file__).name in (REPO / "tests" / "test_contributing.py").read_text()
