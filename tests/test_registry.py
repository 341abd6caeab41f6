"""The tool registry is the one source of tool names, id patterns and serving functions."""

from __future__ import annotations

import json
import re
from pathlib import Path

import pytest

from agent_core import prompts, registry

REPO = Path(__file__).resolve().parents[1]


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Has order 123456 shipped?", {"order_status": ["123456"]}),
        ("order 12345 and 1234567890", {"order_status": ["12345", "1234567890"]}),
        ("order #123456.", {"order_status": ["123456"]}),
        ("order674351 please", {"order_status": ["674351"]}),
        ("1234 is too short, 12345678901 too long", {}),
        ("it cost $12345 and 12,345.00", {}),
        ("Is my return rtn001 processed?", {"return_status": ["rtn001"]}),
        ("RTN 001 and Rtn-003 and rtn#7", {"return_status": ["rtn001", "rtn003", "rtn7"]}),
        ("return rtn12345 only", {"return_status": ["rtn12345"]}),  # its digits are not an order id
        ("xrtn001 is not a return id", {}),
        ("order 123456 and return rtn002", {"order_status": ["123456"], "return_status": ["rtn002"]}),
        ("123456 123456 again", {"order_status": ["123456"]}),
        ("my phone number is 5551234567, order 123456", {"order_status": ["123456"]}),
    ],
)
def test_ids_are_found_with_the_registry_patterns(text, expected):
    assert registry.extract_ids(text) == expected


@pytest.mark.parametrize(
    "text",
    ["My zip code is 10001, do you deliver there?", "Please call me back at 5551234567", "postcode: 12345"],
)
def test_a_number_the_customer_says_is_something_else_is_neither_looked_up_nor_asked_about(text):
    assert registry.extract_ids(text) == {} and registry.invalid_id_mentions(text) == []


@pytest.mark.parametrize(
    ("tool", "value", "valid"),
    [
        ("order_status", "123456", True),
        ("order_status", "12345", True),
        ("order_status", "1234", False),
        ("order_status", " 123456", False),
        ("return_status", "rtn001", True),
        ("return_status", "RTN001", False),  # valid, but not the canonical form
        ("return_status", "rtn 001", False),
        ("return_status", "rtn", False),
    ],
)
def test_tools_accept_only_canonical_ids(tool, value, valid):
    assert registry.tool(tool).is_valid_id(value) is valid


def test_each_tool_is_served_by_a_function_folder_with_a_handler():
    for tool in registry.tools():
        assert (REPO / "functions" / tool.function / "handler.py").is_file(), tool.function
        assert registry.tool_for_function(tool.function) is tool


def test_each_tool_table_has_sample_data():
    tables = json.loads((REPO / "data" / "sample_store.json").read_text())["tables"]
    for tool in registry.record_tools():
        items = tables[tool.table]["items"]
        assert all(tool.is_valid_id(item[tool.argument]) for item in items), tool.table


@pytest.mark.parametrize(
    ("kind", "field"), [(kind, field) for kind, fields in registry.REQUIRED_FIELDS.items() for field in fields]
)
def test_a_registry_entry_missing_a_field_is_named_in_the_error(kind, field):
    """Terraform builds a Lambda, its environment and (for a record tool) a table from every entry: none
    may lack a field its kind needs."""
    raw = json.loads((REPO / "functions" / "agent_core" / "tools.json").read_text())
    entry = next(tool for tool in raw["tools"] if tool["kind"] == kind)
    del entry[field]
    with pytest.raises(ValueError, match=f"lacks {field}"):
        registry.parse_tools(raw)


def test_a_registry_entry_of_an_unknown_kind_is_refused():
    raw = json.loads((REPO / "functions" / "agent_core" / "tools.json").read_text())
    raw["tools"][0]["kind"] = "writer"
    with pytest.raises(ValueError, match="has kind 'writer': use record or search"):
        registry.parse_tools(raw)


def test_sample_data_has_what_the_original_cases_need():
    tables = json.loads((REPO / "data" / "sample_store.json").read_text())["tables"]
    orders = {item["order_id"]: item for item in tables["orders"]["items"]}
    returns = {item["return_id"]: item for item in tables["returns"]["items"]}
    assert len(orders) >= 15 and len(returns) >= 10
    assert orders["123456"]["item"] == "Organic Handsoap"
    assert {"rtn001", "rtn003"} <= returns.keys()
    assert "383833" not in orders and "rtn123" not in returns
    for order in orders.values():
        assert {"item", "quantity", "total", "status", "order_date"} <= order.keys()
    for item in returns.values():
        assert {"order_id", "item", "status", "refund_status", "refund_amount"} <= item.keys()
        assert item["order_id"] in orders


def test_planner_prompt_lists_every_tool_and_its_examples_use_only_known_tools():
    rendered = prompts.prompt("planner").render(
        {"tools": registry.planner_tool_list(), "checked": "", "conversation": "", "question": "hi"}
    )
    for tool in registry.tools():
        assert f"{tool.name}: {tool.description}" in rendered
    labels = re.findall(r"^tool: (.+)$", rendered, flags=re.MULTILINE)
    known = {tool.name for tool in registry.tools()} | {"no_tool", "small_talk", "handoff"}
    assert labels, "the planner prompt has no examples"
    for label in labels:
        assert {name.strip() for name in label.split(",")} <= known, label
