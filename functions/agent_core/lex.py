"""The Lex V2 code hook event and response, as pydantic models (Powertools has none for Lex V2).

The event models cover the request's identity (bot, locale, session id, input mode), the text, the
session attributes and the intent a Close response must echo; the rest of the event (interpretations,
transcriptions, proposedNextState, ...) is accepted and ignored. Every field has a default, so an event
with missing fields still parses and still gets a polite, valid response.
Reference: https://docs.aws.amazon.com/lexv2/latest/dg/lambda-input-format.html and
lambda-response-format.html.
"""

from __future__ import annotations

from typing import Any, Literal

from pydantic import BaseModel, ConfigDict, Field, field_validator

from agent_core.limits import LEX_MAX_MESSAGE_CHARS
from agent_core.text import fit_utf16


class _Lenient(BaseModel):
    model_config = ConfigDict(extra="ignore")


class LexBot(_Lenient):
    id: str = ""
    name: str = ""
    aliasId: str = ""
    localeId: str = "en_US"
    version: str = ""

    @field_validator("id", "name", "aliasId", "localeId", "version", mode="before")
    @classmethod
    def _text(cls, value: Any) -> str:
        return value if isinstance(value, str) else ""


class LexIntent(_Lenient):
    name: str = "FallbackIntent"
    state: str | None = None
    confirmationState: str | None = None
    slots: dict[str, Any] | None = None

    @field_validator("name", mode="before")
    @classmethod
    def _name(cls, value: Any) -> str:
        return value if isinstance(value, str) and value else "FallbackIntent"

    @field_validator("state", "confirmationState", mode="before")
    @classmethod
    def _optional_text(cls, value: Any) -> str | None:
        return value if isinstance(value, str) else None

    @field_validator("slots", mode="before")
    @classmethod
    def _optional_object(cls, value: Any) -> dict[str, Any] | None:
        return value if isinstance(value, dict) else None


class LexSessionState(_Lenient):
    sessionAttributes: dict[str, str] = Field(default_factory=dict)
    intent: LexIntent = Field(default_factory=LexIntent)

    @field_validator("sessionAttributes", mode="before")
    @classmethod
    def _strings_only(cls, value: Any) -> dict[str, str]:
        """Lex sends strings; anything else is kept as text rather than lost or fatal."""
        if not isinstance(value, dict):
            return {}
        return {
            str(key): value if isinstance(value, str) else str(value)
            for key, value in value.items()
            if value is not None
        }

    @field_validator("intent", mode="before")
    @classmethod
    def _intent_or_default(cls, value: Any) -> Any:
        return value if isinstance(value, dict) else {}


class LexV2Event(_Lenient):
    messageVersion: str = "1.0"
    invocationSource: str = "FulfillmentCodeHook"
    inputMode: str = "Text"
    sessionId: str = ""
    inputTranscript: str = ""
    bot: LexBot = Field(default_factory=LexBot)
    sessionState: LexSessionState = Field(default_factory=LexSessionState)
    requestAttributes: dict[str, Any] | None = None

    @field_validator("inputTranscript", "sessionId", "messageVersion", "invocationSource", "inputMode", mode="before")
    @classmethod
    def _text(cls, value: Any) -> str:
        return value if isinstance(value, str) else ""

    @field_validator("requestAttributes", mode="before")
    @classmethod
    def _optional_object(cls, value: Any) -> dict[str, Any] | None:
        return value if isinstance(value, dict) else None

    @field_validator("bot", "sessionState", mode="before")
    @classmethod
    def _object_or_default(cls, value: Any) -> Any:
        return value if isinstance(value, dict) else {}


# The response models describe what Lex accepts; the handler builds the response directly (close())
# and the tests validate it against these. defer_build keeps their schema out of the cold start.
_RESPONSE = ConfigDict(extra="forbid", defer_build=True)


class LexMessage(BaseModel):
    model_config = _RESPONSE
    contentType: Literal["PlainText"] = "PlainText"
    content: str = Field(min_length=1, max_length=LEX_MAX_MESSAGE_CHARS)


class LexDialogAction(BaseModel):
    model_config = _RESPONSE
    type: Literal["Close"] = "Close"


class LexResponseIntent(BaseModel):
    model_config = _RESPONSE
    name: str = Field(min_length=1)
    state: Literal["Fulfilled", "Failed"] = "Fulfilled"


class LexResponseSessionState(BaseModel):
    model_config = _RESPONSE
    sessionAttributes: dict[str, str]
    dialogAction: LexDialogAction
    intent: LexResponseIntent


class LexV2Response(BaseModel):
    model_config = _RESPONSE
    sessionState: LexResponseSessionState
    messages: list[LexMessage] = Field(min_length=1)


def parse_event(raw: Any) -> LexV2Event | None:
    """The event, or None when it is not a Lex event at all (not an object, or unparseable)."""
    if not isinstance(raw, dict):
        return None
    try:
        return LexV2Event.model_validate(raw)
    except ValueError:
        return None


def close(message: str, session_attributes: dict[str, str], intent_name: str = "FallbackIntent") -> dict[str, Any]:
    """A Close response (the shape LexV2Response describes): the intent is fulfilled and Lex shows
    ``message`` as plain text."""
    return {
        "sessionState": {
            "sessionAttributes": dict(session_attributes),
            "dialogAction": {"type": "Close"},
            "intent": {"name": intent_name or "FallbackIntent", "state": "Fulfilled"},
        },
        "messages": [{"contentType": "PlainText", "content": fit_utf16(message, LEX_MAX_MESSAGE_CHARS) or "…"}],
    }
