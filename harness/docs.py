"""Generated parts of README.md and docs/, kept true by a test (``tests/test_docs.py``).

  agent docs --write   rewrite the generated sections (make docs)
  agent docs --check   exit 1 when a generated section is out of date

Sections sit between ``<!-- BEGIN GENERATED: name -->`` and ``<!-- END GENERATED: name -->``.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from harness.paths import REPO, TERRAFORM_DIR

README = REPO / "README.md"


def deployed_asl() -> dict[str, Any]:
    """The state machine as Terraform deploys it (templatefile() rendered by modules/definition)."""
    from harness.manifest import local_manifest

    return json.loads(local_manifest().state_machine_definition)


def _condition(rule: dict[str, Any]) -> str:
    if "And" in rule:
        return " and ".join(_condition(part) for part in rule["And"])
    if "Or" in rule:
        return " or ".join(_condition(part) for part in rule["Or"])
    if "Not" in rule:
        return f"not {_condition(rule['Not'])}"
    variable = rule["Variable"].rsplit(".", 1)[-1]
    operators = {
        "StringEquals": "=",
        "NumericEquals": "=",
        "NumericLessThan": "<",
        "NumericLessThanPath": "<",
        "NumericGreaterThan": ">",
        "BooleanEquals": "=",
    }
    for key, symbol in operators.items():
        if key in rule:
            value = rule[key]
            value = value.rsplit(".", 1)[-1] if key.endswith("Path") else value
            return f"{variable} {symbol} {value}"
    return variable


def _node(name: str, state: dict[str, Any]) -> str:
    kind = state["Type"]
    if kind == "Choice":
        return f"{name}{{{name}}}"
    if kind == "Task":
        return f"{name}[[{name}]]"
    if state.get("End") or kind in {"Succeed", "Fail"}:
        return f"{name}([{name}])"
    return f"{name}[{name}]"


def mermaid(asl: dict[str, Any]) -> str:
    """A Mermaid flowchart of the state machine: Tasks as double boxes, Choices as diamonds,
    endings as rounded boxes, catches as dotted arrows."""
    lines = ["flowchart TD", f"    start((start)) --> {asl['StartAt']}"]
    edges: list[str] = []

    def walk(states: dict[str, Any], indent: str) -> None:
        for name, state in states.items():
            if state["Type"] == "Map":
                processor = state["ItemProcessor"]
                lines.append(f"{indent}subgraph {name} [{name}: one branch per tool call, in parallel]")
                lines.append(f"{indent}    direction TB")
                walk(processor["States"], indent + "    ")
                lines.append(f"{indent}end")
            else:
                lines.append(f"{indent}{_node(name, state)}")
            if "Next" in state:
                edges.append(f"    {name} --> {state['Next']}")
            for choice in state.get("Choices", []):
                edges.append(f'    {name} -- "{_condition(choice)}" --> {choice["Next"]}')
            if "Default" in state:
                edges.append(f'    {name} -- "otherwise" --> {state["Default"]}')
            for catch in state.get("Catch", []):
                label = "timeout" if "States.Timeout" in catch["ErrorEquals"] else "error"
                edges.append(f'    {name} -. "{label}" .-> {catch["Next"]}')

    walk(asl["States"], "    ")
    return "\n".join(["```mermaid", *lines, *edges, "```"])


def _terraform_blocks(file: str, kind: str) -> list[tuple[str, dict[str, Any]]]:
    import hcl2

    with (TERRAFORM_DIR / file).open(encoding="utf-8") as handle:
        document = hcl2.load(handle)
    found = []
    for block in document.get(kind, []):
        for name, body in block.items():
            found.append((name.strip('"'), body))
    return found


def _hcl_text(value: Any) -> str:
    """A value from python-hcl2 as it reads in HCL: strings unquoted, expressions unwrapped."""
    if isinstance(value, str):
        if value.startswith("${") and value.endswith("}"):
            return value[2:-1]
        if len(value) >= 2 and value[0] == value[-1] == '"':
            return json.loads(value)
        return value
    if value is None:
        return "null"
    return json.dumps(value)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def terraform_inputs() -> str:
    """The inputs table of terraform/variables.tf, in the terraform-docs layout."""
    rows = ["| Name | Description | Type | Default | Required |", "|------|-------------|------|---------|:--------:|"]
    for name, body in sorted(_terraform_blocks("variables.tf", "variable")):
        has_default = "default" in body
        default = f"`{_hcl_text(body['default'])}`" if has_default else "n/a"
        if has_default and isinstance(body["default"], dict | list):
            default = f"`{json.dumps(body['default'])}`"
        kind = _hcl_text(body.get("type", "any"))
        rows.append(
            f'| <a name="input_{name}"></a> [{name}](#input_{name}) | {_cell(_hcl_text(body["description"]))} '
            f"| `{_cell(kind)}` | {_cell(default)} | {'no' if has_default else 'yes'} |"
        )
    return "\n".join(rows)


def terraform_outputs() -> str:
    rows = ["| Name | Description |", "|------|-------------|"]
    for name, body in sorted(_terraform_blocks("outputs.tf", "output")):
        rows.append(
            f'| <a name="output_{name}"></a> [{name}](#output_{name}) | {_cell(_hcl_text(body["description"]))} |'
        )
    return "\n".join(rows)


def kms_key_policy() -> str:
    """The key policy a customer managed key needs (terraform/kms.tf's statements, evaluated by
    Terraform for an example account, region and prefix), as a key policy document."""
    import tempfile

    from harness.terraform import evaluate_files, locals_blocks

    kms = locals_blocks(TERRAFORM_DIR / "kms.tf").replace(
        "kms_key_arn = var.create_kms_key ? aws_kms_key.deployment[0].arn : var.kms_key_arn", "kms_key_arn = null"
    )
    stub = 'locals {\n  partition = "aws"\n  account   = "111122223333"\n}\n'
    with tempfile.TemporaryDirectory() as workdir:
        statements = evaluate_files(
            [TERRAFORM_DIR / "variables.tf"],
            stub + kms,
            {"statements": "local.kms_key_policy_statements"},
            {"region": "us-east-1", "create_kms_key": True},
            Path(workdir),
        )["statements"]
    document = {"Version": "2012-10-17", "Statement": [_key_policy_statement(s) for s in statements]}
    return "```json\n" + json.dumps(document, indent=2) + "\n```"


def _key_policy_statement(statement: dict[str, Any]) -> dict[str, Any]:
    principals: dict[str, list[str]] = {}
    for principal in statement["principals"]:
        principals.setdefault(principal["type"], []).extend(principal["identifiers"])
    conditions: dict[str, dict[str, Any]] = {}
    for condition in statement["conditions"]:
        values = condition["values"]
        conditions.setdefault(condition["test"], {})[condition["variable"]] = values[0] if len(values) == 1 else values
    rendered: dict[str, Any] = {
        "Sid": statement["sid"],
        "Effect": "Allow",
        "Principal": {kind: ids[0] if len(ids) == 1 else ids for kind, ids in principals.items()},
        "Action": statement["actions"][0] if len(statement["actions"]) == 1 else statement["actions"],
        "Resource": "*",
    }
    if conditions:
        rendered["Condition"] = conditions
    return rendered


DEPLOY = REPO / "docs" / "deploy.md"
# Per document, its generated sections.
SECTIONS: dict[Path, dict[str, Callable[[], str]]] = {
    README: {"statemachine": lambda: mermaid(deployed_asl())},
    DEPLOY: {
        "terraform-inputs": terraform_inputs,
        "terraform-outputs": terraform_outputs,
        "kms-key-policy": kms_key_policy,
    },
}


def render(text: str, sections: dict[str, Callable[[], str]]) -> str:
    for name, build in sections.items():
        pattern = re.compile(
            rf"(<!-- BEGIN GENERATED: {name} -->\n).*?(<!-- END GENERATED: {name} -->)", flags=re.DOTALL
        )
        if not pattern.search(text):
            raise SystemExit(f"no generated section {name!r}")
        content = build()
        text = pattern.sub(lambda match, content=content: f"{match.group(1)}{content}\n{match.group(2)}", text)
    return text


def stale() -> list[Path]:
    """The documents whose generated sections are out of date."""
    return [
        path
        for path, sections in SECTIONS.items()
        if render(path.read_text("utf-8"), sections) != path.read_text("utf-8")
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="agent docs", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument("--write", action="store_true")
    mode.add_argument("--check", action="store_true")
    args = parser.parse_args(argv)
    for path, sections in SECTIONS.items():
        current = path.read_text(encoding="utf-8")
        wanted = render(current, sections)
        if args.write and wanted != current:
            path.write_text(wanted, encoding="utf-8")
        elif args.check and wanted != current:
            print(f"{path.relative_to(REPO)}: generated sections are out of date: run `make docs`", file=sys.stderr)
            return 1
    return 0
