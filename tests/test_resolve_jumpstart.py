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


# Each scenario: (arguments, your terraform.tfvars or None). They run in one interpreter (importing the
# SageMaker SDK takes seconds), each with its own output file; the SDK reads the local specs named in OFFLINE.
SCENARIOS = {
    "default": ((), 'region = "us-east-1"\n'),
    "tgi": (
        ("--model-id", "test-tgi-uncompressed", "--region", "eu-west-1", "--instance-type", "ml.g5.12xlarge"),
        'region = "us-east-1"\n',
    ),
    "yours": (
        (),
        'region = "eu-west-1"\njumpstart_model_id = "test-tgi-uncompressed"\n'
        'endpoint_instance_type = "ml.g5.12xlarge"\n',
    ),
    "no region": ((), None),
    "unknown model": (("--model-id", "no-such-model"), 'region = "us-east-1"\n'),
}
_DRIVER = """
import contextlib, io, json, sys
from harness import jumpstart
results = {}
for name, args in json.loads(sys.argv[1]).items():
    stderr = io.StringIO()
    with contextlib.redirect_stderr(stderr):
        try:
            code = jumpstart.main(args)
        except SystemExit as exit:
            code = exit.code if isinstance(exit.code, int) else 2
    results[name] = {"returncode": code, "stderr": stderr.getvalue()}
print(json.dumps(results))
"""


class Result:
    def __init__(self, returncode: int, stderr: str) -> None:
        self.returncode, self.stderr = returncode, stderr


def resolver_environment(env=None):
    """No AWS credentials or configuration from this machine; the resolver importable as make runs it."""
    clean = {k: v for k, v in os.environ.items() if not k.startswith("AWS_")}
    clean.update(
        AWS_EC2_METADATA_DISABLED="true", AWS_CONFIG_FILE="/nonexistent", AWS_SHARED_CREDENTIALS_FILE="/nonexistent"
    )
    return {**clean, **(env or {}), "PYTHONPATH": str(REPO)}


def run_all(scenarios, directory: Path, env=None) -> dict[str, tuple[Result, Path]]:
    assert PYTHON.exists(), f"{PYTHON} is missing: `make test` installs sagemaker-core in .local/venvs/jumpstart"
    argv = {}
    for name, (args, tfvars) in scenarios.items():
        folder = directory / name.replace(" ", "_")
        folder.mkdir(parents=True)
        if tfvars is not None:
            (folder / "terraform.tfvars").write_text(tfvars)
        argv[name] = [*args, "--output", str(folder / "out.json"), "--tfvars", str(folder / "terraform.tfvars")]
    result = subprocess.run(
        [str(PYTHON), "-c", _DRIVER, json.dumps(argv)],
        capture_output=True,
        text=True,
        env=resolver_environment(env),
        check=True,
        timeout=300,
    )
    results = json.loads(result.stdout.strip().splitlines()[-1])
    return {name: (Result(**results[name]), directory / name.replace(" ", "_") / "out.json") for name in scenarios}


@pytest.fixture(scope="module")
def resolved(tmp_path_factory):
    return run_all(SCENARIOS, tmp_path_factory.mktemp("resolved"), OFFLINE)


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


def test_default_model_is_flan_ul2_tarball_with_text2text(resolved, tmp_path):
    result, output = resolved["default"]
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


def test_tgi_model_with_uncompressed_weights_in_another_region(resolved, tmp_path):
    result, output = resolved["tgi"]
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


def test_your_model_region_and_instance_type_are_read_from_your_tfvars(resolved):
    result, output = resolved["yours"]
    assert result.returncode == 0, result.stderr
    tfvars = json.loads(output.read_text())
    assert tfvars["jumpstart_resolved_model_id"] == "test-tgi-uncompressed"
    assert tfvars["jumpstart_region"] == "eu-west-1"
    assert tfvars["jumpstart_instance_type"] == "ml.g5.12xlarge"
    assert "set jumpstart_model_id" not in result.stderr


def test_no_region_is_a_clear_error(resolved):
    result, output = resolved["no region"]
    assert result.returncode == 2
    assert "no region: set region in" in result.stderr and "Traceback" not in result.stderr
    assert not output.exists()


def test_unknown_model_is_a_clear_error(resolved):
    result, output = resolved["unknown model"]
    assert result.returncode == 2
    assert "unknown JumpStart model" in result.stderr and "no-such-model" in result.stderr
    assert "Traceback" not in result.stderr
    assert not output.exists()


def test_no_credentials_is_a_clear_error(tmp_path):
    """A run of its own: the SDK would otherwise read the specs from the local folders above."""
    result, output = run_all({"no credentials": SCENARIOS["default"]}, tmp_path)["no credentials"]
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
