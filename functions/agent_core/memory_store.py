"""Where conversation memory is kept, and the key that signs it.

Lex session attributes are the default: the memory travels with the session, signed with a key kept
in an SSM SecureString parameter that Terraform creates (``SigningKey``, read once per container).
With MEMORY_TABLE_NAME set, the fulfilment Lambda keeps each conversation's history in a table keyed
by the Lex session id together with the bot alias id, with a TTL, so it survives beyond the Lex
session, stays out of the client's hands and off every request. Memory is best effort: if the table
or the key cannot be read, the turn goes on without it.
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

    def load(self, conversation: memory.Conversation) -> list[memory.Turn]:
        item = self._client.get_item(TableName=self.table_name, Key=_key(conversation)).get("Item")
        if not item or _expired(item):
            return []
        return memory.read_history(item.get("history", {}).get("S", ""))

    def save(self, conversation: memory.Conversation, history: list[memory.Turn]) -> None:
        item: dict[str, Any] = {
            **_key(conversation),
            "history": {"S": memory.to_attribute(history)},
            "expires_at": {"N": str(int(time.time()) + self.ttl_seconds)},
        }
        self._client.put_item(TableName=self.table_name, Item=item)


def _key(conversation: memory.Conversation) -> dict[str, Any]:
    """The session id with the bot alias (a key attribute cannot be empty: "none" when Lex sent none)."""
    return {
        "session_id": {"S": conversation.session_id},
        "bot_alias_id": {"S": conversation.bot_alias_id or "none"},
    }


def _expired(item: dict[str, Any]) -> bool:
    """DynamoDB deletes expired items lazily (within days), and GetItem returns them until then."""
    try:
        return int(item.get("expires_at", {}).get("N", "0")) <= time.time()
    except ValueError:
        return True


class SigningKey:
    """The memory signing key, from the SSM SecureString parameter ``name`` (decrypted by SSM with
    its KMS key), read on first use and kept for the container's life. ``name`` "none": no key, so
    memory in session attributes is never trusted. A failed read is tried again on the next turn."""

    def __init__(self, name: str) -> None:
        self.name = name
        self._key: bytes | None = None

    @property
    def configured(self) -> bool:
        return self.name not in ("", "none")

    def get(self) -> bytes | None:
        if self._key is None and self.configured:
            response = client("ssm", "memory_key").get_parameter(Name=self.name, WithDecryption=True)
            self._key = response["Parameter"]["Value"].encode("utf-8")
        return self._key
