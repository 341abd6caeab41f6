"""docs/extending.md's worked example, applied to a copy of the repository: the registry entry, the
tool's folder (handler, event, test), the planner's examples and the new table's records, and nothing
else. Then the checks every tool gets (tests/test_every_tool.py) run in the copy, and the agent, run
from the copy, answers a question about a gift card."""

from __future__ import annotations

import json
import os
import re
import shutil
import subprocess
import sys

from support import REPO

GUIDE = (REPO / "docs" / "extending.md").read_text(encoding="utf-8")


def block(info: str) -> str:
    match = re.search(rf"```{re.escape(info)}\n(.*?)```", GUIDE, flags=re.DOTALL)
    assert match, f"docs/extending.md has no ```{info} block"
    return match.group(1)


def apply_the_guide(copy) -> None:
    registry_path = copy / "functions" / "agent_core" / "tools.json"
    registry = json.loads(registry_path.read_text())
    registry["tools"].append(json.loads(block("json registry-entry")))
    registry_path.write_text(json.dumps(registry, indent=2))
    folder = copy / "functions" / "gift_card_balance"
    (folder / "events").mkdir(parents=True)
    (folder / "__init__.py").write_text("")
    for name in ("handler.py", "events/card_found.json", "test_handler.py"):
        (folder / name).write_text(
            block(f"{'json' if name.endswith('.json') else 'python'} {folder.relative_to(copy)}/{name}")
        )
    planner = copy / "prompts" / "planner.txt"
    planner.write_text(planner.read_text().replace("${checked}", f"{block('text prompt-examples')}\n${{checked}}"))
    store_path = copy / "data" / "sample_store.json"
    store = json.loads(store_path.read_text())
    store["tables"].update(json.loads(block("json sample-data")))
    store_path.write_text(json.dumps(store, indent=2))


def test_the_worked_example_adds_a_tool_that_every_tool_check_passes(tmp_path):
    copy = tmp_path / "repo"
    for folder in ("functions", "prompts", "knowledge", "data", "statemachine", "harness", "terraform", "tests"):
        ignore = shutil.ignore_patterns("__pycache__", ".terraform", ".build")
        shutil.copytree(REPO / folder, copy / folder, ignore=ignore)
    shutil.copy(REPO / "pyproject.toml", copy / "pyproject.toml")
    apply_the_guide(copy)
    # The copy's harness and agent_core, not the installed ones (which are this repository's).
    env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(copy), str(copy / "functions")])}

    checks = subprocess.run(
        [sys.executable, "-m", "pytest", "-q", "-p", "no:cacheprovider", "-p", "no:xdist",
         "tests/test_every_tool.py", "functions/gift_card_balance/test_handler.py"],
        capture_output=True, text=True, cwd=copy, env=env, timeout=300, check=False,
    )  # fmt: skip
    assert checks.returncode == 0, checks.stdout[-3000:]
    assert "gift_card_balance" in checks.stdout or " passed" in checks.stdout

    chat = subprocess.run(
        [sys.executable, "-m", "harness.cli", "chat", "--json", "How much is left on gift card GC-123456?"],
        capture_output=True, text=True, check=True, cwd=copy, env=env, timeout=120,
    )  # fmt: skip
    turn = json.loads(chat.stdout.strip().splitlines()[-1])
    assert turn["tools"] == [
        {"name": "gift_card_balance", "args": {"card_id": "gc123456"}, "ok": True, "status": "found"}
    ]
    assert "$42.50" in turn["answer"]
