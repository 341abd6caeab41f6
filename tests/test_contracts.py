"""The product's import contracts (harness/contracts.py, import-linter) hold, and each one can fail."""

from __future__ import annotations

import shutil

import pytest

from harness import contracts
from support import REPO


def test_the_contracts_hold():
    result = contracts.check()
    assert result.returncode == 0, result.stdout[-3000:] + result.stderr[-1000:]
    assert "4 kept, 0 broken" in result.stdout


VIOLATIONS = {
    "The product (agent_core and the handlers) never imports the developer harness": (
        "agent_core/answers.py",
        "from harness import offline_model  # noqa\n",
    ),
    "A handler imports agent_core, never another handler": ("parse/handler.py", "import llm.handler  # noqa\n"),
    "Domain modules import no AWS SDK": ("agent_core/planning.py", "import botocore  # noqa\n"),
    "agent_core's modules import each other without cycles": (
        "agent_core/limits.py",
        "from agent_core import planning  # noqa\n",
    ),
}


@pytest.mark.parametrize("contract", list(VIOLATIONS))
def test_each_contract_fails_on_its_violation(tmp_path, contract):
    functions = tmp_path / "functions"
    shutil.copytree(REPO / "functions", functions, ignore=shutil.ignore_patterns("__pycache__"))
    path, line = VIOLATIONS[contract]
    target = functions / path
    target.write_text(target.read_text() + "\n" + line)
    result = contracts.check(functions)
    assert result.returncode != 0
    broken = [row for row in result.stdout.splitlines() if " BROKEN" in row]
    assert len(broken) == 1 and broken[0].startswith(contract), broken
