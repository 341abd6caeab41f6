"""Generated documentation stays true."""

from __future__ import annotations

import json

from harness import docs
from support import REPO


def test_generated_sections_are_up_to_date():
    assert docs.stale() == [], "run `make docs`"


def test_a_stale_section_is_noticed():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    changed = readme.replace("CountIteration --> PlanToolUse", "CountIteration --> Nowhere")
    assert changed != readme and docs.render(changed, docs.SECTIONS[docs.README]) == readme


def test_readme_opens_with_the_two_commands_and_fits_on_a_screen():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    first_block = readme.split("```bash", 1)[1].split("```", 1)[0]
    assert [line.split("#")[0].strip() for line in first_block.strip().splitlines()] == ["make demo", "make test"]
    assert len(readme.encode()) < 15_000


def test_readme_opens_with_the_console_screenshot():
    """The title, then the picture of the console (agent console --screenshot docs/console.png)."""
    lines = (REPO / "README.md").read_text(encoding="utf-8").splitlines()
    assert lines[0].startswith("# ") and lines[1] == ""
    assert lines[2].startswith("[![") and "](docs/console.png)](docs/console.md)" in lines[2]
    picture = (REPO / "docs" / "console.png").read_bytes()
    assert picture.startswith(b"\x89PNG\r\n\x1a\n") and len(picture) < 400_000


def test_every_page_the_readme_links_exists_and_every_docs_page_is_linked():
    import re

    readme = (REPO / "README.md").read_text(encoding="utf-8")
    linked = {target for target in re.findall(r"\]\(([^)#]+)", readme) if not target.startswith("http")}
    assert all((REPO / target).exists() for target in linked), linked
    pages = {f"docs/{path.name}" for path in (REPO / "docs").glob("*.md")}
    assert pages <= linked, pages - linked


def test_the_first_run_and_the_sample_ids_come_from_their_sources():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert docs.first_run() in readme and "not measured" not in docs.first_run()
    assert docs.sample_ids() in readme and "`123456`" in readme and "`rtn001`" in readme


def test_the_diagram_shows_every_state_and_transition():
    asl = docs.deployed_asl()
    diagram = docs.mermaid(asl)
    for name, state in asl["States"].items():
        assert name in diagram
        if "Next" in state:
            assert f"{name} --> {state['Next']}" in diagram
    assert 'DecideNextStep -- "decision = continue and iteration < max_iterations" --> CountIteration' in diagram


def test_the_diagram_changes_when_the_asl_does():
    asl = docs.deployed_asl()
    changed = json.loads(json.dumps(asl))
    changed["States"]["CountIteration"]["Next"] = "AnswerQuestion"
    assert docs.mermaid(changed) != docs.mermaid(asl)


def test_the_terraform_tables_list_every_input_and_output():
    """docs/deploy.md's Inputs and Outputs: every variable and output, with its description."""
    from terraform_support import TERRAFORM_DIR, blocks, hcl_files

    parsed = hcl_files(TERRAFORM_DIR)
    inputs, outputs = docs.terraform_inputs(), docs.terraform_outputs()
    for file, name, body in blocks(parsed, "variable"):
        if file == "variables.tf":
            assert f"[{name}](#input_{name})" in inputs
            assert body["description"][:40].replace("|", "\\|") in inputs
    for file, name, _ in blocks(parsed, "output"):
        if file == "outputs.tf":
            assert f"[{name}](#output_{name})" in outputs


def test_the_reliability_figures_are_the_suites():
    import re

    import test_faults
    import test_injection
    import test_properties

    section = (REPO / "docs" / "security.md").read_text(encoding="utf-8").split("\n## ", 1)[0]
    assert f"**{len(test_faults.SCENARIOS)}** tried, {len(test_faults.SCENARIOS)} pass" in section
    properties = [
        name for name in dir(test_properties) if name.startswith("test_") and name != "test_whole_turns_on_random_text"
    ]
    assert (
        f"**{test_properties.DEFAULT_EXAMPLES:,}** per property, {len(properties)} properties "
        f"({test_properties.SLOW_EXAMPLES:,} with `make test-slow`), "
        f"plus {test_properties.DEFAULT_WHOLE_TURNS} whole turns through the runtime"
    ) in section
    assert "worksteal --slow" in (REPO / "Makefile").read_text().split("\ntest-slow:", 1)[1].split("\n\n")[0]
    assert f"**{len(test_injection.CASES)}**" in section
    from terraform_support import hcl_files
    from test_security import STAR_RESOURCES, policy_statements

    statements = len(list(policy_statements(hcl_files())))
    assert f"**{statements}**, of which {len(STAR_RESOURCES)} have a `*` resource" in section
    assert re.search(r"\*\*\d+\*\* tried", section)


# Backticked snake_case names in the docs that are not this repo's Terraform settings, tools or answers:
# agent chat --json fields, a QnABot question, a variable's value, a resource argument, the worked
# example's table (docs/extending.md). Resource types (aws_..., awscc_...) are not settings either.
NOT_TERRAFORM = {
    "elapsed_ms",
    "llm_calls",
    "no_hits",
    "session_attributes",
    "on_failure",
    "extended_statistic",  # arguments of aws_cloudwatch_metric_alarm (docs/operate.md)
    "metric_query",
    "tool_results",  # a traced case's key (data/eval/README.md)
    "jumpstart_*",
    "gift_cards",
}
# The memory's signature attribute, MemoryRejected's reasons, a resource argument, a cleaning function.
NOT_TERRAFORM |= {"agent_history_sig", "bad_signature", "no_key", "too_large", "value_wo", "clean_record_text"}


def ledger_names():
    """The ledger line's fields and the turn outcomes the docs name (agent_core/ledger.py, metrics.json)."""
    from agent_core import ledger
    from agent_core.observability import metrics_document

    line = ledger.turn_ledger(execution="x", outcome="answered", latency_ms=1, output={}, model="x", lambda_gb=0.25)
    outcomes = metrics_document()["outcomes"]
    return (
        set(line.to_dict())
        | {"execution_arn", "session_id"}
        | set(outcomes["errors"])
        | set(ledger.ModelUsage().to_dict())
    )


def test_every_setting_the_docs_name_exists():
    """A backticked name like `endpoint_min_instances` or `model_backend = "bedrock"` in the README or
    docs/ is a Terraform variable or output (or a tool or answer name), so renamed variables cannot
    linger in prose."""
    import re

    from agent_core import registry

    outputs = set(re.findall(r'^output "([a-z0-9_]+)"', (REPO / "terraform" / "outputs.tf").read_text(), re.M))
    variables = set(re.findall(r'^variable "([a-z0-9_]+)"', (REPO / "terraform" / "variables.tf").read_text(), re.M))
    answers = set(json.loads((REPO / "functions" / "agent_core" / "answers.json").read_text()))
    from agent_core.retries import _document
    from harness.manifest import local_manifest

    code = {path.stem for folder in ("functions/agent_core", "harness") for path in (REPO / folder).glob("*.py")}
    code |= {path.name for path in (REPO / "functions").iterdir() if path.is_dir()}
    timeouts_and_clients = set(local_manifest().timeouts) | set(_document()["clients"])
    known = variables | outputs | {t.name for t in registry.tools()} | answers | NOT_TERRAFORM | code
    known |= timeouts_and_clients | {field for fields in registry.REQUIRED_FIELDS.values() for field in fields}
    known |= ledger_names()
    from agent_core import planning

    known |= {planning.NO_TOOL, planning.SMALL_TALK, planning.HANDOFF}
    from agent_core.execution import HANDOFF_ATTRIBUTE, HANDOFF_REASON_ATTRIBUTE

    known |= {HANDOFF_ATTRIBUTE, HANDOFF_REASON_ATTRIBUTE}
    documents = [REPO / "README.md", *sorted((REPO / "docs").glob("*.md"))]
    named = {
        (path.name, name)
        for path in documents
        for name in re.findall(r"`([a-z][a-z0-9]*(?:_[a-z0-9*]+)+)(?: = [^`]*)?`", path.read_text())
    }
    assert named, "the pattern finds the documented settings"
    unknown = sorted(
        f"{document}: {name}"
        for document, name in named
        if name not in known and not name.startswith(("aws_", "awscc_"))
    )
    assert not unknown, unknown


def test_every_test_the_security_page_names_exists():
    """docs/security.md's promise table names `tests/module.py::test_name`: each must be a test."""
    import ast
    import re

    page = (REPO / "docs" / "security.md").read_text(encoding="utf-8")
    table = page.split("**Each promise and the test that proves it**", 1)[1].split("**Accepted risks**", 1)[0]
    named = re.findall(r"`((?:tests|functions)/[\w/]+\.py)::(test_\w+)`", table)
    assert len(named) >= 20, "the promise table lists its tests"
    promises = [line for line in table.splitlines() if line.startswith("| ") and "::" not in line and "---" not in line]
    assert promises == ["| promise | proved by |"], "every promise names a test"
    for path, name in named:
        tree = ast.parse((REPO / path).read_text(encoding="utf-8"))
        tests = {node.name for node in tree.body if isinstance(node, ast.FunctionDef)}
        assert name in tests, f"docs/security.md names {path}::{name}, which does not exist"


def test_the_overlap_of_the_planners_examples_and_our_conversations_is_what_the_docs_say():
    """docs/evaluation.md owns up to the conversations' messages the stand-in has seen as examples."""
    import re

    examples = {m.lower() for m in re.findall(r'^user: "(.*)"$', (REPO / "prompts" / "planner.txt").read_text(), re.M)}
    lines = (REPO / "data" / "eval" / "conversations.jsonl").read_text(encoding="utf-8").splitlines()
    messages = {turn["user"].strip().lower() for line in lines if line.strip() for turn in json.loads(line)["turns"]}
    page = " ".join((REPO / "docs" / "evaluation.md").read_text(encoding="utf-8").split())
    assert f"{len(messages & examples)} of their {len(messages)} distinct messages" in page
