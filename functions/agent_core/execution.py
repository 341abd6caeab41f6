"""What starts a turn's execution: its name and its input, the same from the fulfilment Lambda and
from ``chat.py --target stepfunctions``."""

from __future__ import annotations

import re
import uuid
from typing import Any

from agent_core.memory import Turn


def execution_name(session_id: str) -> str:
    """Unique, readable in the console, and within Step Functions' 80-character name rules."""
    prefix = re.sub(r"[^A-Za-z0-9_-]", "", session_id)[:40] or "turn"
    return f"{prefix}-{uuid.uuid4().hex[:16]}"


def execution_input(question: str, history: list[Turn], session_id: str) -> dict[str, Any]:
    """The state machine's input (StartTurn reads it): the cleaned question and the remembered turns."""
    return {"question": question, "history": history, "session_id": session_id[:100]}
