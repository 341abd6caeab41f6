"""The events the fulfilment Lambda receives: from Lex V2 (a FallbackIntent fulfilment code hook) and
from QnABot on AWS (its Lambda hook)."""

from __future__ import annotations

import uuid
from typing import Any


def lex_event(
    session_id: str,
    text: Any,
    attributes: dict[str, str],
    *,
    bot_name: str = "support-agent-bot",
    bot_alias_id: str = "TSTALIASID",
) -> dict[str, Any]:
    """The event Lex V2 sends a FallbackIntent fulfilment code hook."""
    intent = {"name": "FallbackIntent", "slots": {}, "state": "ReadyForFulfillment", "confirmationState": "None"}
    return {
        "messageVersion": "1.0",
        "invocationSource": "FulfillmentCodeHook",
        "inputMode": "Text",
        "responseContentType": "text/plain; charset=utf-8",
        "sessionId": session_id,
        "inputTranscript": text,
        "bot": {
            "id": "LOCALBOT00",
            "name": bot_name,
            "aliasId": bot_alias_id,
            "aliasName": "TestBotAlias" if bot_alias_id == "TSTALIASID" else "live",
            "localeId": "en_US",
            "version": "DRAFT",
        },
        "interpretations": [{"intent": intent, "interpretationSource": "Lex"}],
        "requestAttributes": {},
        "sessionState": {
            "sessionAttributes": dict(attributes),
            "activeContexts": [],
            "intent": intent,
            "originatingRequestId": str(uuid.uuid4()),
        },
        "transcriptions": [],
    }
