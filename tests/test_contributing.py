"""docs/extending.md's worked example, applied to a copy of the repository: adding a tool touches one
registry entry, one Lambda, the planner's examples and the tool's sample data, and nothing else."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys

from harness.manifest import manifest_inputs
from harness.terraform import evaluate_module
from support import REPO

GUIDE = (REPO / "docs" / "extending.md").read_text(encoding="utf-8")


def block(info: str) -> str:
    match = re.search(rf"```{re.escape(info)}\n(.*?)```", GUIDE, flags=re.DOTALL)
    assert match, f"docs/extending.md has no ```{info} block"
    return match.group(1)


def test_the_worked_example_adds_a_working_tool(tmp_path):
    copy = tmp_path / "repo"
    for folder in ("functions", "prompts", "data", "statemachine", "harness", "terraform"):
        shutil.copytree(
            REPO / folder, copy / folder, ignore=shutil.ignore_patterns("__pycache__", ".terraform", ".build")
        )

    registry_path = copy / "functions" / "agent_core" / "tools.json"
    registry = json.loads(registry_path.read_text())
    registry["tools"].append(json.loads(block("json registry-entry")))
    registry_path.write_text(json.dumps(registry, indent=2))
    handler = copy / "functions" / "gift_card_balance" / "handler.py"
    handler.parent.mkdir()
    handler.write_text(block("python functions/gift_card_balance/handler.py"))
    (handler.parent / "__init__.py").write_text("")
    planner = copy / "prompts" / "planner.txt"
    examples = block("text prompt-examples")
    planner.write_text(planner.read_text().replace("${checked}", f"{examples}\n${{checked}}"))
    store_path = copy / "data" / "sample_store.json"
    store = json.loads(store_path.read_text())
    store["tables"].update(json.loads(block("json sample-data")))
    store_path.write_text(json.dumps(store, indent=2))

    # Terraform follows: a function, its package, a seeded table, and the state machine may call it.
    definition = evaluate_module(copy / "terraform" / "modules" / "definition", manifest_inputs(), tmp_path / "tf")
    assert "gift_card_balance" in definition["function_names"]
    assert "gift_card_balance" in definition["state_machine_functions"]
    assert "gift_card_balance/handler.py" in definition["packages"]["gift_card_balance"]
    assert definition["tables"]["gift_cards"]["hash_key"] == "card_id"
    assert set(definition["tables"]["gift_cards"]["items"]) == {"gc123456", "gc654321"}

    # And the agent, run from the copy, uses it: planner list, parser, dispatch, the new Lambda.
    # The copy's harness and agent_core, not the installed ones (which are this repository's).
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(copy), str(copy / "functions")])}
    result = subprocess.run(
        [sys.executable, "-m", "harness.cli", "chat", "--json", "How much is left on gift card GC-123456?"],
        capture_output=True,
        text=True,
        check=True,
        cwd=copy,
        env=env,
        timeout=120,
    )
    turn = json.loads(result.stdout.strip().splitlines()[-1])
    assert turn["tools"] == [
        {"name": "gift_card_balance", "args": {"card_id": "gc123456"}, "ok": True, "status": "found"}
    ]
    assert "$42.50" in turn["answer"]
