"""After `make deploy`: does the deployed bot answer? If not, which link is broken?

  smoke.py [--outputs FILE]            (make smoke)

Talks to the bot with Lex V2 RecognizeText, on the test alias and on the live alias, four scripted
turns each (an order, a return, a question with no lookup, an unknown id), and checks every answer.
When a turn fails it finds out why, in the order a turn travels:

  locale not built           the bot's en_US locale (DRAFT, or the live alias's version) is not Built
  Lambda permission missing  the fulfilment Lambda's policy does not let lexv2.amazonaws.com call it
                             from this bot's aliases
  endpoint not InService     the SageMaker endpoint is still Creating, or Failed
  model payload mismatch     the endpoint answers, but not in llm_payload_format
  state machine error        the turn ended in the agent's apology: see the state machine's executions

Ids come from `terraform output -json` (or FILE). Exit status 1 when a turn fails.
"""

from __future__ import annotations

import argparse
import json
import sys
import uuid
from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

from agent_core.answers import answer


@dataclass(frozen=True)
class ScriptedTurn:
    name: str
    text: str
    expect: tuple[str, ...]  # phrases the answer must contain (case-insensitive)


TURNS = (
    ScriptedTurn("order", "Has order 123456 shipped?", ("123456", "shipped")),
    ScriptedTurn("return", "Is my return rtn001 processed?", ("rtn001", "processed")),
    ScriptedTurn("no lookup", "What are your business hours?", ()),
    ScriptedTurn("unknown id", "Which item was ordered for 383833?", ("could not find order 383833",)),
)
APOLOGIES = {answer("error"), answer("too_slow")}


@dataclass
class TurnCheck:
    alias: str
    turn: ScriptedTurn
    answer: str = ""
    problem: str = ""
    diagnosis: list[str] = field(default_factory=list)

    @property
    def ok(self) -> bool:
        return not self.problem


Clients = Callable[[str], Any]


def ask(clients: Clients, outputs: dict[str, Any], alias_id: str, session_id: str, turn: ScriptedTurn) -> TurnCheck:
    from botocore.exceptions import BotoCoreError, ClientError

    check = TurnCheck(alias_id, turn)
    try:
        response = clients("lexv2-runtime").recognize_text(
            botId=outputs["bot_id"],
            botAliasId=alias_id,
            localeId=outputs.get("bot_locale_id", "en_US"),
            sessionId=session_id,
            text=turn.text,
        )
    except (BotoCoreError, ClientError) as error:
        check.problem = f"RecognizeText failed: {_reason(error)}"
        return check
    check.answer = " ".join(m.get("content", "") for m in response.get("messages", []) if m.get("content"))
    if not check.answer:
        check.problem = "no answer"
    elif check.answer in APOLOGIES:
        check.problem = f"the agent apologised: {check.answer!r}"
    else:
        missing = [phrase for phrase in turn.expect if phrase.lower() not in check.answer.lower()]
        if missing:
            check.problem = f"answer lacks {', '.join(repr(p) for p in missing)}"
    return check


def diagnose(clients: Clients, outputs: dict[str, Any], alias_id: str) -> list[str]:
    """Every broken link found, in the order a turn travels (Lex, the Lambda permission, the model)."""
    found = [*_locale_problems(clients, outputs, alias_id), *_permission_problems(clients, outputs)]
    found += _model_problems(clients, outputs)
    if not found:
        found.append(
            "state machine error: open state_machine_console_url, Executions, and the failed turn's graph "
            "(the state that failed and its error)"
        )
    return found


def _locale_problems(clients: Clients, outputs: dict[str, Any], alias_id: str) -> list[str]:
    from botocore.exceptions import BotoCoreError, ClientError

    models = clients("lexv2-models")
    locale = outputs.get("bot_locale_id", "en_US")
    try:
        version = "DRAFT"
        if alias_id != "TSTALIASID":
            version = models.describe_bot_alias(botId=outputs["bot_id"], botAliasId=alias_id)["botVersion"]
        status = models.describe_bot_locale(botId=outputs["bot_id"], botVersion=version, localeId=locale)
    except (BotoCoreError, ClientError) as error:
        return [f"locale not built: cannot read the bot's {locale} locale ({_reason(error)})"]
    if status.get("botLocaleStatus") != "Built":
        reasons = "; ".join(status.get("failureReasons", []))
        return [f"locale not built: {locale} of version {version} is {status.get('botLocaleStatus')} {reasons}".strip()]
    return []


def _permission_problems(clients: Clients, outputs: dict[str, Any]) -> list[str]:
    from botocore.exceptions import BotoCoreError, ClientError

    function = outputs["function_names"]["fulfilment"]
    try:
        policy = json.loads(clients("lambda").get_policy(FunctionName=function)["Policy"])
    except (BotoCoreError, ClientError) as error:
        return [f"Lambda permission missing: {function} has no resource policy ({_reason(error)})"]
    wanted = f":bot-alias/{outputs['bot_id']}/"
    for statement in policy.get("Statement", []):
        principal = statement.get("Principal", {})
        service = principal.get("Service") if isinstance(principal, dict) else None
        source = json.dumps(statement.get("Condition", {}))
        if service == "lexv2.amazonaws.com" and wanted in source and statement.get("Effect") == "Allow":
            return []
    return [
        f"Lambda permission missing: {function} does not let lexv2.amazonaws.com call it from bot {outputs['bot_id']}"
    ]


def _model_problems(clients: Clients, outputs: dict[str, Any]) -> list[str]:
    from botocore.exceptions import BotoCoreError, ClientError

    endpoint = outputs.get("endpoint_name")
    if not endpoint:
        return []
    try:
        status = clients("sagemaker").describe_endpoint(EndpointName=endpoint)["EndpointStatus"]
    except (BotoCoreError, ClientError) as error:
        return [f"endpoint not InService: {endpoint}: {_reason(error)}"]
    if status != "InService":
        return [f"endpoint not InService: {endpoint} is {status}"]
    return _payload_problems(clients, endpoint, outputs.get("llm_payload_format") or "text2text")


def _payload_problems(clients: Clients, endpoint: str, payload_format: str) -> list[str]:
    """One short generation in the configured payload format: a body the LLM Lambda cannot read is
    the mismatch."""
    from botocore.exceptions import BotoCoreError, ClientError

    from agent_core.model_errors import ModelOutputInvalid
    from agent_core.payloads import PAYLOAD_FORMATS
    from agent_core.prompts import Prompt

    spec = PAYLOAD_FORMATS[payload_format]
    probe = Prompt("smoke", "Say OK.", max_new_tokens=5, temperature=0.0, stop=())
    try:
        raw = (
            clients("sagemaker-runtime")
            .invoke_endpoint(
                EndpointName=endpoint,
                ContentType="application/json",
                Accept="application/json",
                Body=json.dumps(spec.request("Say OK.", probe)),
            )["Body"]
            .read()
        )
        spec.response(json.loads(raw))
    except (BotoCoreError, ClientError) as error:
        return [f"model payload mismatch: the endpoint refused a {payload_format} request ({_reason(error)})"]
    except (ModelOutputInvalid, ValueError) as error:
        return [
            f"model payload mismatch: the endpoint's answer is not {payload_format} ({error}); set llm_payload_format"
        ]
    return []


def _reason(error: Exception) -> str:
    response = getattr(error, "response", None)
    if isinstance(response, dict) and response.get("Error"):
        return f"{response['Error'].get('Code', '')}: {response['Error'].get('Message', '')}".strip(": ")
    return f"{type(error).__name__}: {error}"


def run(clients: Clients, outputs: dict[str, Any]) -> list[TurnCheck]:
    checks: list[TurnCheck] = []
    for alias_id in (outputs.get("bot_test_alias_id") or "TSTALIASID", outputs["bot_live_alias_id"]):
        session_id = f"smoke-{uuid.uuid4().hex[:12]}"
        alias_checks = [ask(clients, outputs, alias_id, session_id, turn) for turn in TURNS]
        if not all(check.ok for check in alias_checks):
            diagnosis = diagnose(clients, outputs, alias_id)
            for check in alias_checks:
                if not check.ok:
                    check.diagnosis = diagnosis
        checks += alias_checks
    return checks


def render(checks: list[TurnCheck]) -> str:
    rows = ["| alias | turn | result | answer or problem |", "| --- | --- | --- | --- |"]
    for check in checks:
        shown = check.answer[:100] if check.ok else f"{check.problem} -> {'; '.join(check.diagnosis)}"
        rows.append(f"| {check.alias} | {check.turn.name} | {'ok' if check.ok else 'FAILED'} | {shown} |")
    return "\n".join(rows)


def load_outputs(path: Path | None) -> dict[str, Any]:
    if path is not None:
        raw = json.loads(path.read_text(encoding="utf-8"))
        return {name: item.get("value") for name, item in raw.items()}
    from remote import terraform_outputs

    return terraform_outputs()


def boto3_clients(region: str) -> Clients:
    import boto3

    session = boto3.session.Session(region_name=region)
    return session.client


def main(argv: list[str] | None = None, clients_for: Callable[[str], Clients] = boto3_clients) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--outputs", type=Path, help="`terraform output -json` saved to a file (default: run it)")
    args = parser.parse_args(argv)
    outputs = load_outputs(args.outputs)
    missing = [key for key in ("bot_id", "bot_live_alias_id", "region", "function_names") if not outputs.get(key)]
    if missing:
        print(
            f"error: no deployment found (terraform output lacks {', '.join(missing)}): run make deploy first",
            file=sys.stderr,
        )
        return 2
    checks = run(clients_for(outputs["region"]), outputs)
    print(render(checks))
    failed = [check for check in checks if not check.ok]
    print(f"\nsmoke: {len(checks) - len(failed)} of {len(checks)} turns answered as expected")
    return 1 if failed else 0
