"""Conversation memory in DynamoDB (optional): the same bounded history, kept server-side.

Lex session attributes remain the default; with MEMORY_TABLE_NAME set, the fulfilment Lambda keeps
each session's history in a table keyed by the Lex session id, with a TTL, so it survives beyond the
Lex session, stays out of the client's hands and off every request. Memory is best effort: if the
table cannot be read or written, the turn goes on without it.
"""

from __future__ import annotations

import time
from typing import Any

from agent_core import memory
from agent_core.aws import client


class MemoryTable:
    def __init__(self, table_name: str, ttl_seconds: int) -> None:
        self.table_name = table_name
        self.ttl_seconds = ttl_seconds
        self._client = client("dynamodb", "memory_store")

    def load(self, session_id: str) -> list[memory.Turn]:
        item = self._client.get_item(TableName=self.table_name, Key={"session_id": {"S": session_id}}).get("Item")
        if not item or _expired(item):
            return []
        return memory.read_history(item.get("history", {}).get("S", ""))

    def save(self, session_id: str, history: list[memory.Turn]) -> None:
        item: dict[str, Any] = {
            "session_id": {"S": session_id},
            "history": {"S": memory.to_attribute(history)},
            "expires_at": {"N": str(int(time.time()) + self.ttl_seconds)},
        }
        self._client.put_item(TableName=self.table_name, Item=item)


def _expired(item: dict[str, Any]) -> bool:
    """DynamoDB deletes expired items lazily (within days), and GetItem returns them until then."""
    try:
        return int(item.get("expires_at", {}).get("N", "0")) <= time.time()
    except ValueError:
        return True
