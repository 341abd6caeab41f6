"""The JumpStart resolver (harness/jumpstart.py, make resolve-model), offline: the SageMaker SDK's
JumpStart functions read a small manifest and specs written for these tests (tests/fixtures/jumpstart)
through the SDK's local-override variables, and what it writes must pass Terraform's own validation."""

from __future__ import annotations

import json
import os
import shutil
import subprocess
from pathlib import Path

import pytest

from support import FIXTURES, REPO
from terraform_support import TERRAFORM_DIR, blocks, hcl_files, terraform_command

PYTHON = Path(os.environ.get("JUMPSTART_PYTHON", REPO / ".local" / "venvs" / "jumpstart" / "bin" / "python"))
OFFLINE = {
    "AWS_JUMPSTART_MANIFEST_LOCAL_ROOT_DIR_OVERRIDE": str(FIXTURES / "jumpstart" / "manifest"),
    "AWS_JUMPSTART_SPECS_LOCAL_ROOT_DIR_OVERRIDE": str(FIXTURES / "jumpstart" / "specs"),
}


def run(*args, env=None, tmp_path, tfvars='region = "us-east-1"\n'):
    """The resolver with ``tfvars`` as your terraform.tfvars (None: there is none)."""
    assert PYTHON.exists(), f"{PYTHON} is missing: `make test` installs sagemaker-core in .local/venvs/jumpstart"
    clean = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    clean.update(
        AWS_EC2_METADATA_DISABLED="true", AWS_CONFIG_FILE="/nonexistent", AWS_SHARED_CREDENTIALS_FILE="/nonexistent"
    )
    clean.update(env or {}, PYTHONPATH=str(REPO))  # as make resolve-model runs it
    output = tmp_path / "jumpstart.auto.tfvars.json"
    yours = tmp_path / "terraform.tfvars"
    if tfvars is not None:
        yours.write_text(tfvars)
    result = subprocess.run(
        [str(PYTHON), "-m", "harness.jumpstart", "--output", str(output), "--tfvars", str(yours), *args],
        capture_output=True,
        text=True,
        env=clean,
        check=False,
        timeout=120,
    )
    return result, output


def terraform_accepts(tfvars: Path, workdir: Path, yours: str = 'region = "us-east-1"\n') -> None:
    """Apply a root module made of terraform/variables.tf alone, with your terraform.tfvars and the
    resolver's output: Terraform runs every validation."""
    workdir.mkdir()
    shutil.copy(TERRAFORM_DIR / "variables.tf", workdir / "variables.tf")
    shutil.copy(tfvars, workdir / "jumpstart.auto.tfvars.json")
    (workdir / "terraform.tfvars").write_text(yours)
    cli = terraform_command(workdir)
    assert cli.init().retcode == 0
    result = cli.apply(auto_approve=True)
    assert result.retcode == 0, result.value or result.error


def test_default_model_is_flan_ul2_tarball_with_text2text(tmp_path):
    result, output = run(env=OFFLINE, tmp_path=tmp_path)
    assert result.returncode == 0, result.stderr
    tfvars = json.loads(output.read_text())
    assert tfvars["jumpstart_resolved_model_id"] == "huggingface-text2text-flan-ul2-bf16"
    assert tfvars["jumpstart_region"] == "us-east-1"  # from your terraform.tfvars
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
    assert tfvars["jumpstart_instance_type"] == "ml.g5.12xlarge"
    assert tfvars["jumpstart_payload_format"] == "text2text"
    assert tfvars["jumpstart_enable_network_isolation"] is True
    assert tfvars["jumpstart_eula_required"] is False
    declared = {name for _, name, _ in blocks(hcl_files(TERRAFORM_DIR), "variable")}
    assert set(tfvars) <= declared
    assert all(key.startswith("jumpstart_") for key in tfvars), "the resolver writes only facts"
    terraform_accepts(output, tmp_path / "tf")


def test_tgi_model_with_uncompressed_weights_in_another_region(tmp_path):
    args = ("--model-id", "test-tgi-uncompressed", "--region", "eu-west-1", "--instance-type", "ml.g5.12xlarge")
    result, output = run(*args, env=OFFLINE, tmp_path=tmp_path)
    assert result.returncode == 0, result.stderr
    tfvars = json.loads(output.read_text())
    assert tfvars["jumpstart_region"] == "eu-west-1"
    assert ".dkr.ecr.eu-west-1.amazonaws.com/huggingface-pytorch-tgi-inference:" in tfvars["jumpstart_image_uri"]
    assert tfvars["jumpstart_model_artifact"]["compressed"] is False
    assert tfvars["jumpstart_model_artifact"]["s3_uri"].endswith("/")
    assert tfvars["jumpstart_environment"]["SM_NUM_GPUS"] == "4"  # the instance type's variant
    assert tfvars["jumpstart_payload_format"] == "tgi"
    assert tfvars["jumpstart_eula_required"] is True and "jumpstart_accept_eula" not in tfvars  # the user accepts
    eula = "https://jumpstart-cache-prod-eu-west-1.s3.eu-west-1.amazonaws.com/fmhMetadata/eula/testTgiEula.txt"
    assert f"has a licence (EULA): read {eula}, then set jumpstart_accept_eula = true" in result.stderr
    assert 'set jumpstart_model_id = "test-tgi-uncompressed"' in result.stderr  # yours says Flan-UL2
    terraform_accepts(output, tmp_path / "tf", 'region = "eu-west-1"\n')


def test_your_model_region_and_instance_type_are_read_from_your_tfvars(tmp_path):
    yours = "\n".join(
        [
            'region = "eu-west-1"',
            'jumpstart_model_id = "test-tgi-uncompressed"',
            'endpoint_instance_type = "ml.g5.12xlarge"',
        ]
    )
    result, output = run(env=OFFLINE, tmp_path=tmp_path, tfvars=yours)
    assert result.returncode == 0, result.stderr
    tfvars = json.loads(output.read_text())
    assert tfvars["jumpstart_resolved_model_id"] == "test-tgi-uncompressed"
    assert tfvars["jumpstart_region"] == "eu-west-1"
    assert tfvars["jumpstart_instance_type"] == "ml.g5.12xlarge"
    assert "set jumpstart_model_id" not in result.stderr


def test_no_region_is_a_clear_error(tmp_path):
    result, output = run(env=OFFLINE, tmp_path=tmp_path, tfvars=None)
    assert result.returncode == 2
    assert "no region: set region in" in result.stderr and "Traceback" not in result.stderr
    assert not output.exists()


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
