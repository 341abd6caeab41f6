"""Tool: the status of one return and its refund, read from the returns table."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from agent_core import registry
from agent_core.observability import powertools
from agent_core.store import RecordTable
from agent_core.tool_runtime import ToolLookup, money, quantity_of, sentence

TOOL = registry.tool_for_function("return_status")
logger, metrics = powertools(TOOL.function)


def describe_return(item: Mapping[str, Any]) -> str:
    details = sentence(quantity_of(item), f"reason: {item['reason']}" if item.get("reason") else None)
    order = f" for order {item['order_id']}" if item.get("order_id") else ""
    about = f" ({details})" if details else ""
    return f"Return {item.get('return_id', '')}{order}{about}: {_status(item)}.{_refund(item)}"


def _status(item: Mapping[str, Any]) -> str:
    status = item.get("status", "unknown")
    if status == "requested":
        return (
            "requested"
            + (f" on {item['requested_date']}" if item.get("requested_date") else "")
            + ", waiting for the parcel"
        )
    if status == "in transit":
        return "parcel on its way back to us" + (
            f" since {item['requested_date']}" if item.get("requested_date") else ""
        )
    if status == "received":
        expected = item.get("estimated_processing_date")
        received = f" on {item['received_date']}" if item.get("received_date") else ""
        return f"received{received}, being inspected" + (
            f"; expected to be processed by {expected}" if expected else ""
        )
    if status == "processed":
        return "processed" + (f" on {item['processed_date']}" if item.get("processed_date") else "")
    if status == "rejected":
        when = f" on {item['processed_date']}" if item.get("processed_date") else ""
        why = f": {item['rejection_reason']}" if item.get("rejection_reason") else ""
        return f"rejected{when}{why}"
    return str(status)


def _refund(item: Mapping[str, Any]) -> str:
    state = item.get("refund_status")
    if not state:
        return ""
    amount = f" of {money(item['refund_amount'])}" if item.get("refund_amount") is not None else ""
    method = f" to the {item['refund_method']}" if item.get("refund_method") else ""
    if state == "issued":
        return f" Refund{amount} issued{method}."
    if state == "pending":
        return f" Refund{amount} pending{method and ', going' + method}."
    return f" Refund{amount}: {state}."


LOOKUP = ToolLookup(TOOL, RecordTable(os.environ["TABLE_NAME"], key=TOOL.argument), describe_return, logger, metrics)


@metrics.log_metrics
@logger.inject_lambda_context(clear_state=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return LOOKUP.handle(event)
