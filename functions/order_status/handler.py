"""Tool: the status of one order, read from the orders table."""

from __future__ import annotations

import os
from collections.abc import Mapping
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from agent_core import registry
from agent_core.observability import powertools
from agent_core.store import RecordTable
from agent_core.tool_runtime import ToolLookup, money, quantity_of, sentence

TOOL = registry.tool_for_function("order_status")
logger, metrics = powertools(TOOL.function)


def describe_order(order: Mapping[str, Any]) -> str:
    summary = sentence(
        quantity_of(order),
        f"total {money(order['total'])}" if order.get("total") is not None else None,
        f"ordered on {order['order_date']}" if order.get("order_date") else None,
    )
    summary = summary or "no details on file"
    return f"Order {order.get('order_id', '')}: {summary}. Status: {_status(order)}.{_refund(order)}"


def _status(order: Mapping[str, Any]) -> str:
    status = order.get("status", "unknown")
    carrier = f" by {order['carrier']}" if order.get("carrier") else ""
    tracking = f" (tracking {order['tracking_number']})" if order.get("tracking_number") else ""
    if status == "processing":
        expected = order.get("estimated_ship_date")
        return "processing, not shipped yet" + (f"; expected to ship by {expected}" if expected else "")
    if status == "shipped":
        when = f" on {order['ship_date']}" if order.get("ship_date") else ""
        arrival = order.get("estimated_delivery")
        return f"shipped{when}{carrier}{tracking}" + (f", expected delivery {arrival}" if arrival else "")
    if status == "delivered":
        when = f" on {order['delivered_date']}" if order.get("delivered_date") else ""
        return f"delivered{when}{carrier}"
    if status == "cancelled":
        return "cancelled" + (f" on {order['cancelled_date']}" if order.get("cancelled_date") else "")
    return str(status)


def _refund(order: Mapping[str, Any]) -> str:
    refund = order.get("refund_status")
    return f" Refund: {refund}." if refund else ""


LOOKUP = ToolLookup(TOOL, RecordTable(os.environ["TABLE_NAME"], key=TOOL.argument), describe_order, logger, metrics)


@metrics.log_metrics
@logger.inject_lambda_context(clear_state=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    return LOOKUP.handle(event)
