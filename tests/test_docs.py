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
