"""Paths and helpers shared by the tests (conftest.py holds the fixtures)."""

from __future__ import annotations

import json
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
FIXTURES = Path(__file__).resolve().parent / "fixtures"
FLAN_CASSETTE = FIXTURES / "flan_style.cassette.json"
EXPRESS_LOG_GROUP = "/aws/vendedlogs/states/support-agent-turn"  # the state machine's, as Terraform names it


def read_jsonl(path: Path) -> list[dict[str, Any]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]
