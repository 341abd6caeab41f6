"""Every argument and block in terraform/ checked against the providers' schemas, offline.

terraform/schema/provider_schema.json is a snapshot of the types terraform/ uses and of no others,
extracted by `make schema` (harness/schema.py) from cdktf-cdktf-provider-aws 21.22.1 (generated
from hashicorp/aws 6.25.0) and the archive provider's CDKTF package. A type used and not in the
snapshot fails with a message asking for `make schema` (`agent schema --check`, no packages needed);
unknown names fail, missing required ones fail, and so do references to attributes a type lacks.
"""

from __future__ import annotations

import json
import re
import shutil
from typing import Any

import pytest

from harness import schema as snapshot
from terraform_support import TERRAFORM_DIR, hcl_files, locals_of, resources

SNAPSHOT = TERRAFORM_DIR / "schema" / "provider_schema.json"
SCHEMA = json.loads(SNAPSHOT.read_text())
META = {"count", "for_each", "depends_on", "lifecycle", "provider"}
_LOCAL = re.compile(r"^\$\{local\.([a-z0-9_]+)\}$")


def check(
    body: dict[str, Any], schema: dict[str, Any], where: str, local: dict[str, Any], top: bool = False
) -> list[str]:
    problems = []
    given = set(body)
    for dynamic in body.get("dynamic", []):
        for name, spec in dynamic.items():
            given.add(name)
            if name not in schema["blocks"]:
                problems.append(f"{where}: unknown dynamic block {name!r}")
                continue
            for content in spec.get("content", []):
                problems += check(content, schema["blocks"][name]["schema"], f"{where}.{name}", local)
    for name, value in body.items():
        if name == "dynamic" or (top and name in META):
            continue
        if name in schema["arguments"]:
            continue
        if name not in schema["blocks"]:
            problems.append(f"{where}: unknown argument or block {name!r}")
            continue
        nested = schema["blocks"][name]
        if nested.get("recursive"):
            continue
        resolved = _resolved(value, local)
        for item in resolved if isinstance(resolved, list) else [resolved]:
            if isinstance(_resolved(item, local), dict):
                problems += check(_resolved(item, local), nested["schema"], f"{where}.{name}", local)
    for name, argument in schema["arguments"].items():
        if argument["required"] and name not in given:
            problems.append(f"{where}: required argument {name!r} is missing")
    for name, nested in schema["blocks"].items():
        if nested["required"] and name not in given:
            problems.append(f"{where}: required block {name!r} is missing")
    return problems


def _resolved(value: Any, local: dict[str, Any]) -> Any:
    """``${local.name}`` replaced by that local's value, so nested objects built in locals are checked."""
    match = _LOCAL.match(value) if isinstance(value, str) else None
    return local.get(match.group(1), value) if match else value


@pytest.fixture(scope="module")
def parsed():
    return hcl_files()


def declared(parsed):
    for kind in ("resource", "data"):
        for file, type_name, name, body in resources(parsed, kind):
            yield kind, file, type_name, name, body


def test_the_snapshot_says_what_it_was_made_from():
    assert SCHEMA["generated_by"] == "make schema (harness/schema.py)"
    sources = SCHEMA["sources"]
    assert set(sources) == {"aws", "archive"}
    assert sources["aws"]["package"] == "cdktf-cdktf-provider-aws"
    assert sources["aws"]["package_version"] == "21.22.1"
    assert sources["aws"]["provider_version"] == "6.25.0"
    assert sources["archive"]["package"] == "cdktf-cdktf-provider-archive"
    assert sources["archive"]["package_version"] == "11.0.1"


def test_the_snapshot_holds_exactly_the_types_terraform_uses():
    problems = snapshot.check_snapshot(TERRAFORM_DIR, SNAPSHOT)
    assert problems == [], "\n".join(problems)


def test_the_check_sees_the_types_python_hcl2_sees(parsed):
    assert set(snapshot.types_in_terraform(TERRAFORM_DIR)) == {(kind, t) for kind, _, t, _, _ in declared(parsed)}


@pytest.fixture
def terraform_copy(tmp_path):
    """terraform/'s .tf files, in tmp_path/terraform."""
    copy = tmp_path / "terraform"
    for path in TERRAFORM_DIR.rglob("*.tf"):
        relative = path.relative_to(TERRAFORM_DIR)
        if not any(part.startswith(".") for part in relative.parts):
            (copy / relative).parent.mkdir(parents=True, exist_ok=True)
            shutil.copy(path, copy / relative)
    return copy


def test_a_new_type_fails_the_check_with_a_clear_message(terraform_copy, capsys):
    (terraform_copy / "extra.tf").write_text('resource "aws_cloudwatch_composite_alarm" "main" {\n}\n')
    with (terraform_copy / "modules" / "lex_bot" / "main.tf").open("a") as module:
        module.write('\ndata "aws_region" "current" {}\n')
    assert snapshot.check_snapshot(terraform_copy, SNAPSHOT) == [
        "terraform/modules/lex_bot/main.tf uses data aws_region, which terraform/schema/provider_schema.json lacks:"
        " run make schema",
        "terraform/extra.tf uses resource aws_cloudwatch_composite_alarm, which terraform/schema/provider_schema.json"
        " lacks: run make schema",
    ]
    assert snapshot.main(["--check", "--from-terraform", str(terraform_copy)]) == 1
    assert "terraform/extra.tf uses resource aws_cloudwatch_composite_alarm" in capsys.readouterr().err


def test_a_type_no_longer_used_fails_the_check_too(terraform_copy):
    (terraform_copy / "kms.tf").unlink()
    assert snapshot.check_snapshot(terraform_copy, SNAPSHOT) == [
        f"terraform/schema/provider_schema.json holds resource {name}, which terraform/ no longer uses: run make schema"
        for name in ("aws_kms_alias", "aws_kms_key")
    ]


def test_the_check_passes_on_terraform_as_it_is(capsys):
    assert snapshot.main(["--check"]) == 0
    assert capsys.readouterr().out == "terraform/schema/provider_schema.json holds exactly the types terraform/ uses\n"


def test_every_argument_and_block_is_known_and_required_ones_are_given(parsed):
    local = locals_of(parsed)
    problems = []
    checked = 0
    for kind, file, type_name, name, body in declared(parsed):
        problems += check(body, SCHEMA[kind][type_name], f"{file}: {kind} {type_name}.{name}", local, top=True)
        checked += 1
    assert checked >= 30
    assert problems == []


_REFERENCE = re.compile(
    rf"(?<![\w.])(?:(data)\.)?((?:{'|'.join(SCHEMA['sources'])})_[a-z0-9_]+)\.([a-z0-9_]+)(?:\[[^\]]*\])?\.([a-z0-9_]+)"
)


def test_every_attribute_referenced_exists(parsed):
    declared_names = {(kind, type_name, name) for kind, _, type_name, name, _ in declared(parsed)}
    problems, seen = [], 0
    for path in TERRAFORM_DIR.rglob("*.tf"):
        for match in _REFERENCE.finditer(path.read_text()):
            kind = "data" if match.group(1) else "resource"
            type_name, name, attribute = match.group(2), match.group(3), match.group(4)
            if (kind, type_name, name) not in declared_names:
                problems.append(f"{path.name}: {match.group(0)} refers to an undeclared {kind}")
                continue
            schema = SCHEMA[kind][type_name]
            known = set(schema["arguments"]) | set(schema["blocks"]) | set(schema.get("attributes", []))
            known |= set(schema.get("computed_blocks", {}))
            if attribute not in known | {"id"}:
                problems.append(f"{path.name}: {match.group(0)}: {type_name} has no {attribute!r}")
            seen += 1
    assert seen >= 20
    assert problems == []


def test_the_checker_rejects_unknown_and_missing_names():
    schema = SCHEMA["resource"]["aws_lambda_function"]
    problems = check(
        {"function_name": "f", "runtim": "python3.13", "environment": [{"variabls": {}}]}, schema, "t", {}, top=True
    )
    assert "t: unknown argument or block 'runtim'" in problems
    assert "t.environment: unknown argument or block 'variabls'" in problems
    assert "t: required argument 'role' is missing" in problems
    stack = SCHEMA["resource"]["aws_cloudformation_stack"]
    assert "t: required argument 'name' is missing" in check({"template_body": "{}"}, stack, "t", {}, top=True)


def test_objects_built_in_locals_are_checked_too():
    schema = SCHEMA["resource"]["aws_lambda_function"]
    body = {"function_name": "f", "role": "r", "environment": "${local.environment}"}
    assert check(body, schema, "f", {"environment": {"variables": {}}}, top=True) == []
    problems = check(body, schema, "f", {"environment": {"variabls": {}}}, top=True)  # a typo in the local
    assert problems == ["f.environment: unknown argument or block 'variabls'"]
