"""Read one record from a DynamoDB table (GetItem only: the tools never write or scan)."""

from __future__ import annotations

from decimal import Decimal
from typing import Any

from agent_core import aws

TRANSIENT_CODES = aws.THROTTLING_CODES | {"InternalServerError"}
# A GetItem takes milliseconds. Its client policy (retries.json, "record_store") bounds the worst case,
# every attempt connecting and reading to its timeout with the standard mode's backoff between them,
# inside the tool Lambda's timeout, so the state machine's own retry (StoreUnavailable) can still happen.
CLIENT_POLICY = "record_store"


class StoreUnavailable(Exception):
    """DynamoDB kept throttling or failing after the client's retries. Retried by the state machine."""


class StoreFailed(Exception):
    """DynamoDB refused the read (missing table, access denied...). Not retried."""


class RecordTable:
    def __init__(self, table_name: str, key: str) -> None:
        self.table_name = table_name
        self.key = key
        self._client = aws.client("dynamodb", CLIENT_POLICY)

    def get(self, key_value: str) -> dict[str, Any] | None:
        from botocore.exceptions import BotoCoreError, ClientError

        try:
            response = self._client.get_item(
                TableName=self.table_name, Key={self.key: {"S": key_value}}, ConsistentRead=False
            )
        except ClientError as error:
            code = aws.error_code(error)
            if code in TRANSIENT_CODES:
                raise StoreUnavailable(code) from None
            raise StoreFailed(code or "ClientError") from None
        except BotoCoreError as error:
            raise StoreUnavailable(type(error).__name__) from None
        item = response.get("Item")
        return None if item is None else {name: from_dynamodb(value) for name, value in item.items()}


def from_dynamodb(value: dict[str, Any]) -> Any:
    """One DynamoDB attribute value (``{"S": "x"}``) as plain Python."""
    ((kind, data),) = value.items()
    if kind == "S":
        return data
    if kind == "N":
        number = Decimal(data)
        return int(number) if number == number.to_integral_value() else number
    if kind == "BOOL":
        return bool(data)
    if kind == "NULL":
        return None
    if kind == "M":
        return {name: from_dynamodb(item) for name, item in data.items()}
    if kind == "L":
        return [from_dynamodb(item) for item in data]
    if kind in ("SS", "NS"):
        return sorted(from_dynamodb({kind[0]: item}) for item in data)
    raise ValueError(f"unsupported DynamoDB type {kind}")
