"""Chat with the support agent.

  agent chat "Has order 123456 shipped?" "When will it arrive?"   one session, a turn per argument
  agent chat                                                     an interactive chat
  agent chat --conversations data/eval/original_cases.jsonl        each conversation in its own session
  agent chat --json ...                                          one JSON object per turn

By default the agent runs locally (harness/runtime.py: the real state machine and handlers on
moto) with the offline stand-in instead of a model. ``--llm replay:PATH`` replays a recorded cassette;
``--llm sagemaker:ENDPOINT`` or ``--llm bedrock:MODEL_ID`` calls a real model with your credentials.

``--target lex`` talks to the deployed bot (Lex V2 RecognizeText, the test alias by default) and
``--target stepfunctions`` runs the deployed state machine and prints the states each turn entered;
their defaults come from ``terraform output -json``.
"""

from __future__ import annotations

import argparse
import contextlib
import json
import re
import sys
from collections.abc import Iterable, Iterator
from pathlib import Path
from typing import Any, TextIO

from agent_core.ledger import describe
from harness.runtime import LocalAgent, Session, add_local_agent_options
from harness.targets import LexTarget, StepFunctionsTarget, terraform_outputs


def main(argv: list[str] | None = None) -> int:
    args = _parser().parse_args(argv)
    if args.conversations and args.questions:
        print("give questions or --conversations, not both", file=sys.stderr)
        return 2
    log_sink = Path(args.logs).open("a", encoding="utf-8") if args.logs else None  # noqa: SIM115
    try:
        with _target(args, log_sink) as agent:
            if not args.json:
                print(f"talking to: {agent.model_label if isinstance(agent, LocalAgent) else agent.label}")
            if args.conversations:
                for conversation in _conversations(Path(args.conversations)):
                    _run(agent, agent.session(), conversation, args.json)
            else:
                session = agent.session() if args.session_id is None else Session(id=args.session_id)
                typed = not args.questions
                _run(agent, session, args.questions or _typed_questions(), args.json, echo=not typed)
    except (ValueError, OSError, RuntimeError) as error:  # a missing cassette, no credentials, a bad setting
        print(f"error: {error}", file=sys.stderr)
        return 2
    finally:
        if log_sink:
            log_sink.close()
    return 0


def _target(args: argparse.Namespace, log_sink: TextIO | None) -> contextlib.AbstractContextManager[Any]:
    if args.target == "local":
        return LocalAgent(
            args.llm,
            max_iterations=args.max_iterations,
            record_path=args.record,
            log_sink=log_sink,
            log_level=args.log_level,
            memory=args.memory,
        )
    outputs = terraform_outputs()
    region = args.region or outputs.get("region")
    if args.target == "lex":
        alias = args.alias_id or outputs.get("bot_test_alias_id") or "TSTALIASID"
        target: Any = LexTarget(args.bot_id or outputs.get("bot_id", ""), alias, args.locale_id, region)
    else:
        arn = args.state_machine_arn or outputs.get("state_machine_arn", "")
        target = StepFunctionsTarget(
            arn, outputs.get("state_machine_log_group"), region, ledger_model=ledger_model(outputs)
        )
    return contextlib.nullcontext(target)


def ledger_model(outputs: dict[str, Any]) -> str:
    """What the ledger prices the deployed model at, from ``terraform output``: sagemaker:INSTANCE_TYPE
    or bedrock:MODEL_ID (as the fulfilment Lambda's LEDGER_MODEL)."""
    model = str(outputs.get("model") or "")
    if model.startswith("bedrock:"):
        return model
    return f"sagemaker:{outputs.get('endpoint_instance_type') or 'unknown'}"


def _run(agent: Any, session: Session, questions: Iterable[str], as_json: bool, echo: bool = True) -> None:
    from botocore.exceptions import BotoCoreError, ClientError

    label = agent.model_label if isinstance(agent, LocalAgent) else ""
    for question in questions:
        try:
            turn = agent.ask(session, question)
        except (BotoCoreError, ClientError) as error:  # a remote target: say what AWS said, keep the session
            print(f"error: {agent.label} did not answer: {error}", file=sys.stderr, flush=True)
            continue
        if as_json:
            print(json.dumps(turn.summary(), ensure_ascii=False), flush=True)
        else:
            _print_turn(turn, label, sys.stdout, echo)


def _print_turn(turn: Any, model_label: str, out: TextIO, echo: bool = True) -> None:
    """The turn: the question (unless the user just typed it), the answer, the path, tools and ledger."""
    stand_in = " [offline stand-in, not a model]" if model_label.startswith("offline") else ""
    tools = ", ".join(f"{t.name}({', '.join(t.args.values())}) {t.status}" for t in turn.tools) or "none"
    calls = "n/a" if turn.llm_calls is None else turn.llm_calls
    if echo:
        out.write(f"you>   {turn.question}\n")
    out.write(f"agent> {turn.answer}\n")
    out.write(f"       path: {' > '.join(turn.states) or '(not observed)'}\n")
    out.write(
        f"       tools: {tools} | iterations: {turn.iterations} | LLM calls: {calls}{stand_in} | {turn.elapsed_ms} ms\n"
    )
    summary = turn.summary()
    if summary.get("sources") or summary.get("handoff"):
        handoff = summary.get("handoff")
        cited = f"sources: {', '.join(summary['sources'])}" if summary.get("sources") else ""
        handed = f"handoff=true, reason: {handoff['reason']} (session attributes)" if handoff else ""
        out.write(f"       outcome: {summary['outcome']} | {' | '.join(part for part in (cited, handed) if part)}\n")
    if getattr(turn, "ledger", None):
        out.write(f"       ledger: {describe(turn.ledger)}\n")
    for failure in turn.failures:
        out.write(f"       note: {failure}\n")
    out.write("\n")
    out.flush()


def _typed_questions() -> Iterator[str]:
    print(
        'Ask about an order, a return or our policies (for example "Has order 123456 shipped?" or "What is your '
        'refund policy?"); Ctrl-D or "exit" ends.'
    )
    while True:
        try:
            line = input("you> ")
        except EOFError:
            print()
            return
        if not sys.stdin.isatty():  # piped: show the question the terminal did not echo
            print(line)
        if line.strip().lower() in {"exit", "quit"}:
            return
        yield line


def _conversations(path: Path) -> Iterator[list[str]]:
    """The user turns of each conversation in an evaluation data file (see data/eval/README.md)."""
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            yield [turn["user"] for turn in json.loads(line)["turns"]]


def _session_id(value: str) -> str:
    """Lex V2's session id rule, which the state machine's execution names also respect."""
    if not re.fullmatch(r"[0-9a-zA-Z._:-]{2,100}", value):
        raise argparse.ArgumentTypeError(f"{value!r}: use 2 to 100 letters, digits or . _ : -")
    return value


def _parser() -> argparse.ArgumentParser:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("questions", nargs="*", help="questions, asked in order in one session")
    parser.add_argument(
        "--target",
        default="local",
        choices=["local", "lex", "stepfunctions"],
        help="local (default): this machine; lex: the deployed bot; stepfunctions: the deployed state machine",
    )
    parser.add_argument("--bot-id", help="for --target lex (default: terraform output bot_id)")
    parser.add_argument("--alias-id", help="for --target lex (default: TSTALIASID, the test alias)")
    parser.add_argument("--locale-id", default="en_US", help="for --target lex")
    parser.add_argument("--state-machine-arn", help="for --target stepfunctions (default: terraform output)")
    parser.add_argument("--region", help="for remote targets (default: terraform output region, then your profile's)")
    parser.add_argument(
        "--session-id",
        type=_session_id,
        help="continue this session (remote targets keep memory per session): 2 to 100 of A-Z a-z 0-9 . _ : -",
    )
    parser.add_argument("--json", action="store_true", help="print one JSON object per turn")
    add_local_agent_options(parser, scope="local target: ")
    parser.add_argument("--conversations", help="a JSONL file of conversations; each runs in its own session")
    parser.add_argument("--record", help="write every prompt and response to this cassette (for --llm replay:...)")
    parser.add_argument("--logs", help="append the functions' structured logs and metrics to this file")
    parser.add_argument(
        "--log-level",
        default="INFO",
        choices=["DEBUG", "INFO", "WARNING", "ERROR"],
        help="for --logs (DEBUG shows texts)",
    )
    return parser
