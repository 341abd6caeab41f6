"""Fulfilment: a Lex V2 event in, one synchronous run of the agent's state machine, a Lex Close out.

It also answers QnABot on AWS's Lambda hook event (``{"req", "res"}``, as for the CustomNoMatches
item): the same agent, the answer in ``res.message``, QnABot's session kept.

Whatever happens (a malformed event, a failed or timed-out execution, unreadable output) the user
gets a polite answer in a valid response, and the session attributes sent are kept.
"""

from __future__ import annotations

import json
import os
import time
from typing import Any

from aws_lambda_powertools.utilities.typing import LambdaContext

from agent_core import aws, ledger, memory
from agent_core.answers import answer
from agent_core.execution import (
    HANDOFF_ATTRIBUTE,
    HANDOFF_REASON_ATTRIBUTE,
    TurnResult,
    execution_input,
    execution_name,
    handoff_attributes,
    result_of,
)
from agent_core.lex import close, parse_event
from agent_core.memory_store import MemoryTable, SigningKey
from agent_core.observability import add, count_by, powertools
from agent_core.retries import client_policy
from agent_core.text import clean_user_text

logger, metrics = powertools("fulfilment")
STATE_MACHINE_ARN = os.environ["STATE_MACHINE_ARN"]
TURN_BUDGET_SECONDS = float(os.environ.get("TURN_BUDGET_SECONDS", "25"))
# The execution ends itself within the turn budget; the read timeout only guards against a hang.
SFN = aws.client("stepfunctions", "state_machine", read_timeout=TURN_BUDGET_SECONDS + 1)
THROTTLED_RETRY_WITHIN_SECONDS = client_policy("state_machine").throttled_retry_within_seconds or 0
# Optional server-side memory; "none" (Terraform's value when off) or unset: session attributes.
_MEMORY_TABLE = os.environ.get("MEMORY_TABLE_NAME", "none")
MEMORY = (
    None
    if _MEMORY_TABLE in ("", "none")
    else MemoryTable(_MEMORY_TABLE, int(os.environ.get("MEMORY_TTL_SECONDS", str(24 * 3600))))
)
# Memory in session attributes is trusted only when signed with this key (an SSM SecureString).
MEMORY_KEY = SigningKey(os.environ.get("MEMORY_KEY_PARAMETER", "none"))
# What the ledger prices the model with (sagemaker:INSTANCE_TYPE or bedrock:MODEL_ID) and Lambda at.
LEDGER_MODEL = os.environ.get("LEDGER_MODEL", "unknown")
LAMBDA_GB = float(os.environ.get("AWS_LAMBDA_FUNCTION_MEMORY_SIZE", "256")) / 1024
FALLBACK_OUTCOMES = {"out_of_scope", "refused", "clarify", "partial", "max_iterations", "error", "too_slow", "not_run"}


@metrics.log_metrics
@logger.inject_lambda_context(clear_state=True)
def lambda_handler(event: dict[str, Any], context: LambdaContext) -> dict[str, Any]:
    add(metrics, "turns", 1)
    if isinstance(event, dict) and "req" in event and "res" in event:
        return qnabot_hook(event)
    lex_event = parse_event(event)
    if lex_event is None:
        logger.warning("not a Lex V2 event", extra={"event_type": type(event).__name__})
        count_by(metrics, "fallbacks", "bad_request")
        return close(answer("bad_request"), {})
    attributes = _without_handoff(dict(lex_event.sessionState.sessionAttributes))
    intent_name = lex_event.sessionState.intent.name
    logger.append_keys(session_id=lex_event.sessionId[:100] or None)

    question = clean_user_text(lex_event.inputTranscript)
    if not question:
        count_by(metrics, "fallbacks", "empty_question")
        return close(answer("empty_question"), attributes, intent_name)

    conversation = memory.Conversation(lex_event.bot.id, lex_event.bot.aliasId, lex_event.sessionId)
    result = answer_turn(question, conversation, attributes)
    return close(result.answer, attributes, intent_name)


def qnabot_hook(event: dict[str, Any]) -> dict[str, Any]:
    """QnABot's Lambda hook: ``req.question`` in, the answer in ``res.message``, ``res.session`` kept."""
    count_by(metrics, "channel", "qnabot")
    request = event["req"] if isinstance(event["req"], dict) else {}
    response = event["res"] if isinstance(event["res"], dict) else {}
    session = response.get("session") if isinstance(response.get("session"), dict) else None
    if session is None:
        session = dict(request["session"]) if isinstance(request.get("session"), dict) else {}
    _without_handoff(session)
    original = request.get("_event") if isinstance(request.get("_event"), dict) else {}
    session_id = str(original.get("sessionId") or original.get("userId") or "")[:100]
    bot = original.get("bot") if isinstance(original.get("bot"), dict) else {}
    conversation = memory.Conversation(str(bot.get("id") or ""), str(bot.get("aliasId") or ""), session_id)
    logger.append_keys(session_id=session_id or None)
    question = clean_user_text(request.get("question"))
    answer_text = answer_turn(question, conversation, session).answer if question else answer("empty_question")
    response.update(type="PlainText", message=answer_text, plainMessage=answer_text, session=session)
    return {**event, "res": response}


def answer_turn(question: str, conversation: memory.Conversation, attributes: dict[str, Any]) -> TurnResult:
    """Run the turn with what is remembered, then remember it (in ``attributes`` or the table)."""
    key = _signing_key() if MEMORY is None else None
    history = recall(conversation, attributes, key)
    result = run_turn(question, history or [], conversation.session_id)
    if history is not None:  # a memory that could not be read is not overwritten with this turn alone
        remember(conversation, attributes, memory.remember(history, question, result.answer, result.unanswered), key)
    attributes.update(handoff_attributes(result))
    return result


def _without_handoff(attributes: dict[str, Any]) -> dict[str, Any]:
    """A handoff is this turn's, never an earlier one's nor the client's: removed on every path, the empty
    question's included, before the turn may set it again."""
    for key_name in (HANDOFF_ATTRIBUTE, HANDOFF_REASON_ATTRIBUTE):
        attributes.pop(key_name, None)
    return attributes


def recall(
    conversation: memory.Conversation, attributes: dict[str, Any], key: bytes | None
) -> list[memory.Turn] | None:
    """The remembered turns: from the memory table when there is one, else the session attributes
    when ``key`` verifies their signature. None when the table or the key could not be read."""
    if MEMORY is None:
        if key is None and MEMORY_KEY.configured:  # SSM could not be read: unverified, neither used nor lost
            return None
        history, rejected = memory.read_signed(attributes, key, conversation)
        if rejected:  # never parsed for ids: the turn goes on as the first of its conversation
            logger.warning("memory rejected", extra={"reason": rejected})
            count_by(metrics, "memory_rejected", rejected)
        return history
    for name in (memory.SESSION_ATTRIBUTE, memory.SIGNATURE_ATTRIBUTE):
        attributes.pop(name, None)  # the table is the memory: ignore what a client sends
    if not conversation.session_id:
        return []
    try:
        return MEMORY.load(conversation)
    except Exception as error:  # noqa: BLE001 - memory is best effort: the turn goes on without it
        logger.warning("memory not read", extra={"error": type(error).__name__})
        count_by(metrics, "fallbacks", "memory_unavailable")
        return None


def remember(
    conversation: memory.Conversation, attributes: dict[str, Any], history: list[memory.Turn], key: bytes | None
) -> None:
    if MEMORY is None:
        if key is None:  # unsigned memory would be rejected next turn: send none back
            for name in (memory.SESSION_ATTRIBUTE, memory.SIGNATURE_ATTRIBUTE):
                attributes.pop(name, None)
            return
        attributes.update(memory.signed_attributes(history, key, conversation))
        return
    if not conversation.session_id:
        return
    try:
        MEMORY.save(conversation, history)
    except Exception as error:  # noqa: BLE001 - memory is best effort
        logger.warning("memory not written", extra={"error": type(error).__name__})


def _signing_key() -> bytes | None:
    try:
        return MEMORY_KEY.get()
    except Exception as error:  # noqa: BLE001 - memory is best effort: without the key it is not trusted
        logger.warning("memory key not read", extra={"error": type(error).__name__})
        count_by(metrics, "fallbacks", "memory_key_unavailable")
        return None


def run_turn(question: str, history: list[memory.Turn], session_id: str) -> TurnResult:
    name = execution_name(session_id)
    logger.set_correlation_id(name)
    payload = execution_input(question, history, session_id)
    logger.info("turn started", extra={"question_chars": len(question), "history_turns": len(history)})
    logger.debug("question", extra={"question": question})
    started = time.perf_counter()
    try:
        response = _start(name, payload)
    except Exception as error:  # noqa: BLE001 - any SDK failure must end in a polite answer
        logger.warning("execution not started", extra={"error": type(error).__name__})
        return _finish(TurnResult(answer("error"), "not_run", {}), started, name)
    status = response.get("status")
    result = result_of(response)
    if status != "SUCCEEDED":
        logger.warning("execution did not succeed", extra={"status": status, "error": str(response.get("error"))[:100]})
    elif result.outcome == "error" and not result.output:
        logger.warning("execution output unreadable")
    return _finish(result, started, name, response)


def _start(name: str, payload: dict[str, Any]) -> dict[str, Any]:
    """StartSyncExecution; a throttled request is retried once, only if it failed fast (retries.json)."""
    from botocore.exceptions import ClientError

    attempt_started = time.monotonic()
    try:
        return SFN.start_sync_execution(stateMachineArn=STATE_MACHINE_ARN, name=name, input=json.dumps(payload))
    except ClientError as error:
        if not aws.is_throttled(error) or time.monotonic() - attempt_started > THROTTLED_RETRY_WITHIN_SECONDS:
            raise
    time.sleep(0.2)
    return SFN.start_sync_execution(stateMachineArn=STATE_MACHINE_ARN, name=f"{name}-r", input=json.dumps(payload))


def _finish(result: TurnResult, started: float, name: str, response: dict[str, Any] | None = None) -> TurnResult:
    """The turn's ledger: its metrics and one log line (agent_core.ledger), no user text."""
    response = response or {}
    billing = response.get("billingDetails") or {}
    billed = (
        (billing["billedDurationInMilliseconds"] / 1000, billing["billedMemoryUsedInMB"] / 1024)
        if isinstance(billing.get("billedDurationInMilliseconds"), int)
        and isinstance(billing.get("billedMemoryUsedInMB"), int)
        else None
    )
    record = ledger.turn_ledger(
        execution=ledger.execution_name(response.get("executionArn")) or name,
        outcome=result.outcome,
        latency_ms=round((time.perf_counter() - started) * 1000),
        output=result.output,
        model=LEDGER_MODEL,
        lambda_gb=LAMBDA_GB,
        express_billed=billed,
    )
    ledger.emit(
        metrics,
        record,
        execution_arn=response.get("executionArn"),
        session_id=logger.get_current_keys().get("session_id"),
    )
    if result.handoff_reason:
        count_by(metrics, "handoffs", result.handoff_reason)
    if result.outcome in FALLBACK_OUTCOMES:
        count_by(metrics, "fallbacks", result.outcome)
    return result
