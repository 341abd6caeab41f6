from __future__ import annotations

import pytest


@pytest.fixture
def handler(sample_tables, load):
    return load("return_status", TABLE_NAME=sample_tables["returns"])


def test_found_return_states_its_status_and_refund(handler, event, context):
    result = handler.lambda_handler(event("return_status", "return_found"), context)
    assert result == {
        "tool": "return_status",
        "id": "rtn003",
        "status": "found",
        "observation": (
            "Return rtn003 for order 123458 (1 x Yoga Mat, reason: wrong colour): received on 2026-11-17, "
            "being inspected; expected to be processed by 2026-11-24. Refund of $29.99 pending, going to the "
            "original payment method."
        ),
    }


def test_missing_return_asks_to_check_the_id(handler, event, context):
    result = handler.lambda_handler(event("return_status", "return_missing"), context)
    assert result["status"] == "not_found"
    assert "check your return id" in result["observation"]


def test_ids_are_canonical_lower_case(handler, context):
    result = handler.lambda_handler({"tool": "return_status", "arguments": {"return_id": "RTN001"}}, context)
    assert result["status"] == "invalid_id"  # the parser lower-cases ids; the tool accepts only that form


def test_rejected_return_gives_the_reason(handler, context):
    result = handler.lambda_handler({"tool": "return_status", "arguments": {"return_id": "rtn009"}}, context)
    assert "rejected on 2026-11-10: the item shows signs of wear" in result["observation"]
    assert "not eligible" in result["observation"]
