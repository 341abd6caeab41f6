from __future__ import annotations

import pytest
from botocore.exceptions import ClientError

from agent_core.store import StoreFailed, StoreUnavailable


@pytest.fixture
def handler(sample_tables, load):
    return load("order_status", TABLE_NAME=sample_tables["orders"])


def test_found_order_is_described_in_plain_words(handler, event, context):
    result = handler.lambda_handler(event("order_status", "order_found"), context)
    assert result["tool"] == "order_status"
    assert result["id"] == "123456"
    assert result["status"] == "found"
    for fact in ("Order 123456", "2 x Organic Handsoap", "$25.98", "shipped on 2026-10-30", "UPS", "2026-11-03"):
        assert fact in result["observation"]


def test_missing_order_asks_to_check_the_id(handler, event, context):
    result = handler.lambda_handler(event("order_status", "order_missing"), context)
    assert result["status"] == "not_found"
    assert result["observation"] == "I could not find order 383833. Please check your order id."


@pytest.mark.parametrize("bad_id", ["1234", "12345678901", "rtn001", "", None, 123456, "123456; DROP"])
def test_an_id_that_is_not_an_order_id_is_not_looked_up(handler, context, bad_id):
    calls = []
    handler.LOOKUP.table.get = calls.append
    result = handler.lambda_handler({"tool": "order_status", "arguments": {"order_id": bad_id}}, context)
    assert result["status"] == "invalid_id"
    assert calls == []


def test_a_record_missing_fields_still_reads_as_a_sentence(handler, context, sample_tables):
    import boto3

    boto3.client("dynamodb").put_item(TableName=sample_tables["orders"], Item={"order_id": {"S": "55555"}})
    result = handler.lambda_handler({"tool": "order_status", "arguments": {"order_id": "55555"}}, context)
    assert result["status"] == "found"
    assert result["observation"] == "Order 55555: no details on file. Status: unknown."


def _client_error(code):
    return ClientError(
        {"Error": {"Code": code, "Message": "x"}, "ResponseMetadata": {"HTTPStatusCode": 400}}, "GetItem"
    )


def test_throttling_after_client_retries_is_a_retryable_error(handler, event, context):
    def throttled(**_):
        raise _client_error("ProvisionedThroughputExceededException")

    handler.LOOKUP.table._client.get_item = throttled
    with pytest.raises(StoreUnavailable):
        handler.lambda_handler(event("order_status", "order_found"), context)


def test_access_denied_is_a_plain_failure(handler, event, context):
    def denied(**_):
        raise _client_error("AccessDeniedException")

    handler.LOOKUP.table._client.get_item = denied
    with pytest.raises(StoreFailed):
        handler.lambda_handler(event("order_status", "order_found"), context)
