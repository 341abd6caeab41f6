"""Generated documentation stays true."""

from __future__ import annotations

import json

import generate_docs as docs
from support import REPO


def test_readme_generated_sections_are_up_to_date():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    assert docs.render(readme) == readme, "run `make docs`"


def test_readme_opens_with_the_two_commands():
    readme = (REPO / "README.md").read_text(encoding="utf-8")
    first_block = readme.split("```bash", 1)[1].split("```", 1)[0]
    assert [line.split("#")[0].strip() for line in first_block.strip().splitlines()] == ["make demo", "make test"]


def test_the_diagram_shows_every_state_and_transition():
    asl = docs.load_asl_for_diagram()
    diagram = docs.mermaid(asl)
    for name, state in asl["States"].items():
        assert name in diagram
        if "Next" in state:
            assert f"{name} --> {state['Next']}" in diagram
    assert 'DecideNextStep -- "decision = continue and iteration < max_iterations" --> CountIteration' in diagram


def test_the_diagram_changes_when_the_asl_does():
    asl = docs.load_asl_for_diagram()
    changed = json.loads(json.dumps(asl))
    changed["States"]["CountIteration"]["Next"] = "AnswerQuestion"
    assert docs.mermaid(changed) != docs.mermaid(asl)


def test_the_terraform_tables_list_every_input_and_output():
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

    readme = (REPO / "README.md").read_text(encoding="utf-8")
    section = readme.split("## Reliability and security", 1)[1].split("\n## ", 1)[0]
    assert f"**{len(test_faults.SCENARIOS)}** tried, {len(test_faults.SCENARIOS)} pass" in section
    assert f"**{test_properties.EXAMPLES:,}** per property" in section or test_properties.EXAMPLES != 1_000
    properties = [
        name for name in dir(test_properties) if name.startswith("test_") and name != "test_whole_turns_on_random_text"
    ]
    assert f"{len(properties)} properties" in section
    assert f"**{len(test_injection.CASES)}**" in section
    from terraform_support import hcl_files
    from test_security import STAR_RESOURCES, policy_statements

    statements = len(list(policy_statements(hcl_files())))
    assert f"**{statements}**, of which {len(STAR_RESOURCES)} have a `*` resource" in section
    assert re.search(r"\*\*\d+\*\* tried", section)
