"""scripts/resolve_jumpstart_model.py, offline: the SageMaker SDK's JumpStart functions read a small
manifest and specs written for these tests (tests/fixtures/jumpstart) through the SDK's local-override
variables, and what the script writes must pass Terraform's own variable validation."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from support import FIXTURES, REPO
from terraform_support import TERRAFORM_DIR, blocks, hcl_files, terraform_command

PYTHON = Path(os.environ.get("JUMPSTART_PYTHON", REPO / ".venv-jumpstart" / "bin" / "python"))
SCRIPT = REPO / "scripts" / "resolve_jumpstart_model.py"
OFFLINE = {
    "AWS_JUMPSTART_MANIFEST_LOCAL_ROOT_DIR_OVERRIDE": str(FIXTURES / "jumpstart" / "manifest"),
    "AWS_JUMPSTART_SPECS_LOCAL_ROOT_DIR_OVERRIDE": str(FIXTURES / "jumpstart" / "specs"),
}


def run(*args, env=None, tmp_path):
    assert PYTHON.exists(), f"{PYTHON} is missing: `make test` installs sagemaker-core in .venv-jumpstart"
    clean = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    clean.update(
        AWS_EC2_METADATA_DISABLED="true", AWS_CONFIG_FILE="/nonexistent", AWS_SHARED_CREDENTIALS_FILE="/nonexistent"
    )
    clean.update(env or {})
    output = tmp_path / "jumpstart.auto.tfvars.json"
    result = subprocess.run(
        [str(PYTHON), str(SCRIPT), "--output", str(output), *args],
        capture_output=True,
        text=True,
        env=clean,
        check=False,
        timeout=120,
    )
    return result, output


def terraform_accepts(tfvars: Path, workdir: Path) -> None:
    """Apply a root module made of terraform/variables.tf alone: Terraform runs every validation."""
    workdir.mkdir()
    shutil.copy(TERRAFORM_DIR / "variables.tf", workdir / "variables.tf")
    shutil.copy(tfvars, workdir / "jumpstart.auto.tfvars.json")
    cli = terraform_command(workdir)
    assert cli.init().retcode == 0
    result = cli.apply(auto_approve=True)
    assert result.retcode == 0, result.value or result.error


def test_default_model_is_flan_ul2_tarball_with_text2text(tmp_path):
    result, output = run(env=OFFLINE, tmp_path=tmp_path)
    assert result.returncode == 0, result.stderr
    tfvars = json.loads(output.read_text())
    assert tfvars["jumpstart_model_id"] == "huggingface-text2text-flan-ul2-bf16"
    assert tfvars["region"] == "us-east-1"
    assert tfvars["jumpstart_image_uri"].startswith(
        "763104351884.dkr.ecr.us-east-1.amazonaws.com/huggingface-pytorch-inference:"
    )
    assert tfvars["jumpstart_model_artifact"] == {
        "s3_uri": "s3://jumpstart-cache-prod-us-east-1/huggingface-infer/prepack/v1.0.0/"
        "infer-prepack-huggingface-text2text-flan-ul2-bf16.tar.gz",
        "compressed": True,
    }
    assert tfvars["jumpstart_environment"]["SAGEMAKER_PROGRAM"] == "inference.py"
    assert tfvars["jumpstart_environment"]["ENDPOINT_SERVER_TIMEOUT"] == "3600"  # ints become strings
    assert tfvars["endpoint_instance_type"] == "ml.g5.12xlarge"
    assert tfvars["llm_payload_format"] == "text2text"
    assert tfvars["jumpstart_enable_network_isolation"] is True
    assert tfvars["jumpstart_eula_required"] is False
    declared = {name for _, name, _ in blocks(hcl_files(TERRAFORM_DIR), "variable")}
    assert set(tfvars) <= declared
    terraform_accepts(output, tmp_path / "tf")


def test_tgi_model_with_uncompressed_weights_in_another_region(tmp_path):
    args = ("--model-id", "test-tgi-uncompressed", "--region", "eu-west-1", "--instance-type", "ml.g5.12xlarge")
    result, output = run(*args, env=OFFLINE, tmp_path=tmp_path)
    assert result.returncode == 0, result.stderr
    tfvars = json.loads(output.read_text())
    assert tfvars["region"] == "eu-west-1"
    assert ".dkr.ecr.eu-west-1.amazonaws.com/huggingface-pytorch-tgi-inference:" in tfvars["jumpstart_image_uri"]
    assert tfvars["jumpstart_model_artifact"]["compressed"] is False
    assert tfvars["jumpstart_model_artifact"]["s3_uri"].endswith("/")
    assert tfvars["jumpstart_environment"]["SM_NUM_GPUS"] == "4"  # the instance type's variant
    assert tfvars["llm_payload_format"] == "tgi"
    assert tfvars["jumpstart_eula_required"] is True and "jumpstart_accept_eula" not in tfvars  # the user accepts
    eula = "https://jumpstart-cache-prod-eu-west-1.s3.eu-west-1.amazonaws.com/fmhMetadata/eula/testTgiEula.txt"
    assert f"has a licence (EULA): read {eula}, then set jumpstart_accept_eula = true" in result.stderr
    terraform_accepts(output, tmp_path / "tf")


def test_unknown_model_is_a_clear_error(tmp_path):
    result, output = run("--model-id", "no-such-model", env=OFFLINE, tmp_path=tmp_path)
    assert result.returncode == 2
    assert "unknown JumpStart model" in result.stderr and "no-such-model" in result.stderr
    assert "Traceback" not in result.stderr
    assert not output.exists()


def test_no_credentials_is_a_clear_error(tmp_path):
    result, output = run(tmp_path=tmp_path)
    assert result.returncode == 3
    assert "no AWS credentials" in result.stderr and "Traceback" not in result.stderr
    assert not output.exists()


def test_terraform_rejects_what_the_validations_forbid(tmp_path):
    bad = tmp_path / "bad.json"
    bad.write_text(
        json.dumps(
            {
                "jumpstart_image_uri": "not-an-image",
                "jumpstart_model_artifact": {"s3_uri": "http://x", "compressed": True},
            }
        )
    )
    with pytest.raises(AssertionError):
        terraform_accepts(bad, tmp_path / "tf")
