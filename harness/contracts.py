"""The import contracts of the product, checked by import-linter (``agent contracts``, in make test):

- the product (``agent_core`` and every function's handler) never imports the developer harness;
- a handler imports only ``agent_core`` of the first-party code: no handler imports another;
- the domain modules (planning, interpreting, grounding, memory, text, registry, ...) import no AWS
  SDK: only the thin adapters (``AWS_ADAPTERS``) and the handlers do;
- ``agent_core``'s modules import each other without cycles.

The contracts name every function, so they are built from the tool registry here rather than kept in
a file that a new tool would have to edit.
"""

from __future__ import annotations

import argparse
import os
import subprocess
import sys
import tempfile
from pathlib import Path

from harness.packages import CORE_FUNCTIONS, tool_folders
from harness.paths import FUNCTIONS_DIR, REPO

# The modules of agent_core that talk to AWS (or put together those that do); every other module is
# domain logic.
AWS_ADAPTERS = ("aws", "backends", "model", "store", "memory_store", "tool_runtime", "knowledge_base")
SDKS = ("boto3", "botocore")


def domain_modules(functions_dir: Path = FUNCTIONS_DIR) -> list[str]:
    return sorted(
        f"agent_core.{path.stem}"
        for path in (functions_dir / "agent_core").glob("*.py")
        if path.stem not in (*AWS_ADAPTERS, "__init__")
    )


def config(functions_dir: Path = FUNCTIONS_DIR) -> str:
    handlers = sorted({*CORE_FUNCTIONS, *tool_folders()})
    product = ["agent_core", *handlers]
    lines = [
        "[importlinter]",
        "root_packages =",
        *(f"    {name}" for name in [*product, "harness"]),
        "include_external_packages = True",
        "",
        "[importlinter:contract:product-never-imports-the-harness]",
        "name = The product (agent_core and the handlers) never imports the developer harness",
        "type = forbidden",
        "source_modules =",
        *(f"    {name}" for name in product),
        "forbidden_modules =",
        "    harness",
        "ignore_imports =",  # the handler tests beside each handler are not shipped
        "    *.test_handler -> harness.**",
        "unmatched_ignore_imports_alerting = none",
        "",
        "[importlinter:contract:handlers-are-independent]",
        "name = A handler imports agent_core, never another handler",
        "type = independence",
        "modules =",
        *(f"    {name}" for name in handlers),
        "",
        "[importlinter:contract:domain-modules-use-no-sdk]",
        "name = Domain modules import no AWS SDK (only the adapters and the handlers do)",
        "type = forbidden",
        "source_modules =",
        *(f"    {name}" for name in domain_modules(functions_dir)),
        "forbidden_modules =",
        *(f"    {name}" for name in SDKS),
        "",
        "[importlinter:contract:agent-core-is-acyclic]",
        "name = agent_core's modules import each other without cycles",
        "type = acyclic_siblings",
        "ancestors =",
        "    agent_core",
        "",
    ]
    return "\n".join(lines)


def check(functions_dir: Path = FUNCTIONS_DIR, repo: Path = REPO) -> subprocess.CompletedProcess[str]:
    """Run import-linter on the code under ``functions_dir`` (and the harness in ``repo``)."""
    with tempfile.TemporaryDirectory() as workdir:
        path = Path(workdir) / "importlinter.ini"
        path.write_text(config(functions_dir), encoding="utf-8")
        env = {**os.environ, "PYTHONPATH": os.pathsep.join([str(functions_dir), str(repo)])}
        run = "import sys; from importlinter.cli import lint_imports_command; sys.exit(lint_imports_command())"
        command = [sys.executable, "-c", run, str(path), "--no-cache"]
        return subprocess.run(command, capture_output=True, text=True, env=env, check=False, cwd=workdir)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="agent contracts", description=__doc__.split("\n\n")[0])
    parser.add_argument("--show", action="store_true", help="print the import-linter configuration")
    args = parser.parse_args(argv)
    if args.show:
        print(config())
        return 0
    result = check()
    print(result.stdout, end="")
    print(result.stderr, end="", file=sys.stderr)
    return result.returncode
