"""Talk to what you deployed: the Lex bot, or the state machine behind it.

- ``LexTarget``: Amazon Lex V2 RecognizeText on the bot (the test alias TSTALIASID by default), as
  the console's test window does: Lex, the fulfilment Lambda, the state machine and all.
- ``StepFunctionsTarget``: StartSyncExecution on the Express state machine with the input the
  fulfilment Lambda sends, then the states the execution entered, read from its CloudWatch log
  group (Express executions keep no history in the service; they log it at level ALL).

Defaults come from ``terraform output -json`` when Terraform has state in terraform/.
"""

from __future__ import annotations

import json
import shutil
import subprocess
import time
import uuid
from dataclasses import dataclass, field
from typing import Any

from agent_core import ledger, memory
from agent_core.answers import answer
from agent_core.execution import (
    HANDOFF_ATTRIBUTE,
    HANDOFF_REASON_ATTRIBUTE,
    execution_input,
    execution_name,
    handoff_attributes,
    result_of,
)
from agent_core.text import clean_user_text
from harness import express_logs
from harness.paths import REPO
from harness.results import ToolUse, handoff_of, sources_of, summarise, tool_uses
from harness.runtime import Session


@dataclass
class RemoteTurn:
    question: str
    answer: str
    states: list[str]
    tools: list[ToolUse]
    iterations: int | None
    llm_calls: int | None  # not observable remotely
    elapsed_ms: int
    outcome: str
    failures: list[str] = field(default_factory=list)
    sources: list[str] = field(default_factory=list)
    handoff: dict[str, str] | None = None
    ledger: dict[str, Any] | None = None  # the turn's ledger, as the fulfilment Lambda would write it
    events: list[dict[str, Any]] = field(default_factory=list)  # the execution's log events, when read

    def summary(self) -> dict[str, Any]:
        return summarise(self, self.outcome)


def terraform_outputs(directory: str = str(REPO / "terraform")) -> dict[str, Any]:
    """``terraform output -json`` as {name: value}; {} without terraform or without state."""
    terraform = shutil.which("terraform")
    if terraform is None:
        return {}
    try:
        result = subprocess.run(
            [terraform, f"-chdir={directory}", "output", "-json"],
            capture_output=True,
            text=True,
            timeout=60,
            check=False,
        )
        outputs = json.loads(result.stdout) if result.returncode == 0 else {}
    except (OSError, subprocess.TimeoutExpired, ValueError):
        return {}
    return {name: item.get("value") for name, item in outputs.items() if isinstance(item, dict)}


class _Target:
    def session(self, session_id: str | None = None) -> Session:
        """A new remote session (Lex keeps one per id; the state machine target keeps memory here)."""
        return Session(id=session_id or f"chat-{uuid.uuid4().hex[:16]}")


class LexTarget(_Target):
    def __init__(
        self,
        bot_id: str,
        alias_id: str = "TSTALIASID",
        locale_id: str = "en_US",
        region: str | None = None,
        client: Any = None,
    ) -> None:
        if not bot_id:
            raise ValueError("--target lex needs a bot id (--bot-id, or deploy first so `terraform output` has one)")
        self.bot_id, self.alias_id, self.locale_id = bot_id, alias_id, locale_id
        self.label = f"Lex V2 bot {bot_id}, alias {alias_id}, {locale_id}"
        if client is None:
            import boto3

            client = boto3.client("lexv2-runtime", region_name=region)
        self.client = client

    def ask(self, session: Session, text: str) -> RemoteTurn:
        started = time.perf_counter()
        request: dict[str, Any] = {
            "botId": self.bot_id,
            "botAliasId": self.alias_id,
            "localeId": self.locale_id,
            "sessionId": session.id,
            "text": text,
        }
        if session.attributes:
            request["sessionState"] = {"sessionAttributes": session.attributes}
        response = self.client.recognize_text(**request)
        elapsed = round((time.perf_counter() - started) * 1000)
        state = response.get("sessionState", {})
        session.attributes = dict(state.get("sessionAttributes") or {})
        answer = " ".join(
            m.get("content", "") for m in response.get("messages", []) if m.get("contentType") == "PlainText"
        )
        intent = state.get("intent", {})
        outcome = f"{intent.get('name', '?')} {intent.get('state', '?')}".strip()
        return RemoteTurn(text, answer, [], [], None, None, elapsed, outcome)


class StepFunctionsTarget(_Target):
    def __init__(
        self,
        state_machine_arn: str,
        log_group: str | None = None,
        region: str | None = None,
        sfn: Any = None,
        logs: Any = None,
        log_wait_seconds: float = 10,
        ledger_model: str = "unknown",
    ) -> None:
        if not state_machine_arn:
            raise ValueError("--target stepfunctions needs a state machine ARN (--state-machine-arn, or deploy first)")
        self.state_machine_arn = state_machine_arn
        self.log_group = log_group
        self.label = f"state machine {state_machine_arn.rsplit(':', 1)[-1]}"
        self.log_wait_seconds = log_wait_seconds
        self.ledger_model = ledger_model  # what the ledger prices the model at: sagemaker:TYPE, bedrock:MODEL
        if sfn is None or logs is None:
            import boto3

            sfn = sfn or boto3.client("stepfunctions", region_name=region)
            logs = logs or boto3.client("logs", region_name=region)
        self.sfn, self.logs = sfn, logs

    def ask(self, session: Session, text: str) -> RemoteTurn:
        """One turn as the fulfilment Lambda runs it (same input, same reading of the result), memory
        and the handoff attributes kept here as Lex would keep them."""
        question = clean_user_text(text)
        if not question:
            return RemoteTurn(text, answer("empty_question"), [], [], None, None, 0, "not_run")
        history = memory.read_history(session.attributes.get(memory.SESSION_ATTRIBUTE))
        started = time.perf_counter()
        response = self.sfn.start_sync_execution(
            stateMachineArn=self.state_machine_arn,
            name=execution_name(session.id),
            input=json.dumps(execution_input(question, history, session.id)),
        )
        elapsed = round((time.perf_counter() - started) * 1000)
        result = result_of(response)
        session.attributes[memory.SESSION_ATTRIBUTE] = memory.to_attribute(
            memory.remember(history, question, result.answer, result.unanswered)
        )
        for name in (HANDOFF_ATTRIBUTE, HANDOFF_REASON_ATTRIBUTE):  # a handoff is this turn's only
            session.attributes.pop(name, None)
        session.attributes.update(handoff_attributes(result))
        status = str(response.get("status", "UNKNOWN"))
        failures = [] if status == "SUCCEEDED" else [f"execution {status}: {response.get('error', '')}".strip()]
        if status == "SUCCEEDED" and not result.output:
            failures.append("execution output unreadable")
        events = self.log_events(response.get("executionArn", "")) if self.log_group else []
        states = [e["details"]["name"] for e in events if e.get("type", "").endswith("StateEntered") and "details" in e]
        iterations = result.output.get("iterations")
        billing = response.get("billingDetails") or {}
        record = ledger.turn_ledger(
            execution=ledger.execution_name(response.get("executionArn")),
            outcome=result.outcome,
            latency_ms=elapsed,
            output=result.output,
            model=self.ledger_model,
            lambda_gb=0.25,
            express_billed=(billing["billedDurationInMilliseconds"] / 1000, billing["billedMemoryUsedInMB"] / 1024)
            if {"billedDurationInMilliseconds", "billedMemoryUsedInMB"} <= billing.keys()
            else None,
            via_lex=False,
        )
        return RemoteTurn(
            text,
            result.answer,
            states,
            tool_uses(result.output),
            iterations if isinstance(iterations, int) else None,
            None,
            elapsed,
            result.outcome,
            failures,
            sources_of(result.output),
            handoff_of(result.output),
            ledger={**record.to_dict(), "execution_arn": response.get("executionArn")},
            events=events,
        )

    def log_events(self, execution_arn: str) -> list[dict[str, Any]]:
        """The execution's log events, in order (they arrive within seconds: waits for its last one)."""
        deadline = time.monotonic() + self.log_wait_seconds
        while True:
            events = express_logs.read(self.logs, self.log_group or "", execution_arn)
            done = any(event.get("type") in express_logs.ENDINGS for event in events)
            if done or time.monotonic() >= deadline:
                return events
            time.sleep(1)
