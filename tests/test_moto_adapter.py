"""harness/moto_adapter.py is the one place that touches moto's internals; it names the moto versions it
was written against, and the project installs only those."""

from __future__ import annotations

import ast
import re
import tomllib

from harness import moto_adapter
from support import REPO


def test_the_installed_moto_is_one_the_adapter_supports():
    assert moto_adapter.moto_version() in moto_adapter.SUPPORTED, (
        f"moto {moto_adapter.moto_version()} is installed; the adapter supports {moto_adapter.SUPPORTED}: "
        "check harness/moto_adapter.py against the new moto, then widen SUPPORTED and pyproject's pin"
    )


def test_pyproject_pins_exactly_the_supported_versions():
    project = tomllib.loads((REPO / "pyproject.toml").read_text())
    (moto,) = [spec for spec in project["project"]["optional-dependencies"]["dev"] if spec.startswith("moto")]
    low, high = re.search(r">=(\d+\.\d+),<(\d+\.\d+)", moto).groups()
    pinned = {tuple(int(part) for part in low.split("."))}
    assert pinned == set(moto_adapter.SUPPORTED) and high == f"{low.split('.')[0]}.{int(low.split('.')[1]) + 1}"


def test_no_other_harness_module_reaches_into_moto():
    """Only the adapter imports moto's submodules (moto.stepfunctions..., moto.awslambda_simple...)."""
    for path in (REPO / "harness").glob("*.py"):
        if path.name == "moto_adapter.py":
            continue
        for node in ast.walk(ast.parse(path.read_text())):
            names = [node.module or ""] if isinstance(node, ast.ImportFrom) else []
            names += [alias.name for alias in node.names] if isinstance(node, ast.Import) else []
            assert not any(name.startswith("moto") for name in names), f"{path.name} imports {names}"
