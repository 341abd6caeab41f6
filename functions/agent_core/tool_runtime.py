"""What every tool Lambda does: check the call, read one record, describe it in a sentence or two.

A tool handler supplies only its registry entry, its table and a ``describe(record)`` function.

Event: ``{"tool": "order_status", "arguments": {"order_id": "123456"}, "correlation": {...}}``
Result: ``{"tool", "id", "status": "found" | "not_found" | "invalid_id", "observation"}``
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from decimal import Decimal
from typing import Any

from agent_core.answers import answer
from agent_core.observability import Logger, Metrics, add, bind_correlation
from agent_core.registry import Tool
from agent_core.store import RecordTable, StoreFailed, StoreUnavailable

Describe = Callable[[Mapping[str, Any]], str]


class ToolLookup:
    def __init__(self, tool: Tool, table: RecordTable, describe: Describe, logger: Logger, metrics: Metrics) -> None:
        self.tool = tool
        self.table = table
        self.describe = describe
        self.logger = logger
        self.metrics = metrics

    def handle(self, event: Any) -> dict[str, Any]:
        event = event if isinstance(event, Mapping) else {}
        bind_correlation(self.logger, event)
        arguments = event.get("arguments")
        value = arguments.get(self.tool.argument) if isinstance(arguments, Mapping) else None
        if not isinstance(value, str) or not self.tool.is_valid_id(value):
            self.logger.warning("invalid id", extra={"tool": self.tool.name, "id_chars": len(str(value))})
            add(self.metrics, "invalid_ids", 1)
            text = answer(
                "invalid_id",
                value=str(value)[:20],
                display_name=self.tool.display_name,
                ask_for_id=self.tool.ask_for_id,
            )
            return self._result("", "invalid_id", text)
        try:
            record = self.table.get(value)
        except (StoreUnavailable, StoreFailed) as error:
            add(self.metrics, "store_errors", 1)
            self.logger.warning(
                "lookup failed", extra={"tool": self.tool.name, "id": value, "error": type(error).__name__}
            )
            raise
        if record is None:
            status, text = "not_found", answer("not_found", display_name=self.tool.display_name, id=value)
        else:
            status, text = "found", self.describe(record)
        self.logger.info("lookup", extra={"tool": self.tool.name, "id": value, "status": status})
        self.logger.debug("observation", extra={"observation": text})
        add(self.metrics, "records_found" if record else "records_not_found", 1)
        return self._result(value, status, text)

    def _result(self, value: str, status: str, text: str) -> dict[str, Any]:
        return {"tool": self.tool.name, "id": value, "status": status, "observation": text}


def money(amount: Any) -> str:
    try:
        return f"${Decimal(str(amount)):,.2f}"
    except ArithmeticError:
        return str(amount)


def sentence(*parts: str | None) -> str:
    """Joins the parts that are present; a record missing fields still reads as a sentence."""
    return ", ".join(part for part in parts if part)


def quantity_of(record: Mapping[str, Any]) -> str | None:
    """ "2 x Organic Handsoap" from a record's ``quantity`` and ``item``."""
    quantity, item = record.get("quantity"), record.get("item")
    return f"{quantity} x {item}" if quantity and item else item
