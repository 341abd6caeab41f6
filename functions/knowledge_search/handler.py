"""Tool: search the store's knowledge base with the user's question.

Event: ``{"tool": "knowledge_search", "arguments": {"question": "..."}, "correlation": {...}}``
Result: ``{"tool", "id": "", "status": "found" | "not_found" | "invalid_id", "observation", "sources"}``:
``sources`` are the entries found (``id``, ``title``, ``score``); the observation holds their answers.
"""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from agent_core import registry
from agent_core.answers import answer
from agent_core.knowledge_base import Found, searcher
from agent_core.limits import MAX_SEARCH_CHARS
from agent_core.observability import add, bind_correlation, powertools
from agent_core.text import clean_user_text

TOOL = registry.tool_for_function("knowledge_search")
logger, metrics = powertools(TOOL.function)
SEARCHER = searcher(os.environ.get("KNOWLEDGE_BASE_ID", "none"))


def observation(found: list[Found]) -> str:
    """The entries for the interpreter: each marked as a help-centre article, with its id and title."""
    return " ".join(f"Help centre article {hit.id} ({hit.title}): {hit.answer}" for hit in found)


@metrics.log_metrics
@logger.inject_lambda_context(clear_state=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    event = event if isinstance(event, Mapping) else {}
    bind_correlation(logger, event)
    arguments = event.get("arguments")
    question = clean_user_text(arguments.get(TOOL.argument) if isinstance(arguments, Mapping) else None)
    question = question[:MAX_SEARCH_CHARS]
    if not question:
        add(metrics, "invalid_ids", 1)
        return {
            "tool": TOOL.name,
            "id": "",
            "status": "invalid_id",
            "observation": answer("empty_question"),
            "sources": [],
        }
    found = SEARCHER.search(question, strict=isinstance(arguments, Mapping) and arguments.get("strict") is True)
    status = "found" if found else "not_found"
    add(metrics, "knowledge_found" if found else "knowledge_not_found", 1)
    logger.info(
        "search", extra={"status": status, "sources": [hit.id for hit in found], "question_chars": len(question)}
    )
    logger.debug("question", extra={"question": question})
    return {
        "tool": TOOL.name,
        "id": "",
        "status": status,
        "observation": observation(found) if found else answer("knowledge_not_found"),
        "sources": [{"id": hit.id, "title": hit.title, "score": hit.score} for hit in found],
    }
