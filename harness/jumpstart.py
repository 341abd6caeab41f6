"""Resolve a SageMaker JumpStart model for Terraform: image, artifact, environment, payload format.

  make resolve-model (python -m harness.jumpstart) [--model-id huggingface-text2text-flan-ul2-bf16] [--region eu-west-1]

Writes terraform/jumpstart.auto.tfvars.json (Terraform reads it on the next plan or apply) with facts
about the model and nothing else: every key is a ``jumpstart_*`` variable (the region and model it
was resolved for, the inference image URI, the model artifact, the default container environment,
whether the container can run network-isolated, whether it has a licence, its default instance type
and the request/response format the LLM Lambda must use). Your own settings (region, instance type,
payload format) stay yours: Terraform takes them first and the facts only fill in what you left unset.

The model id, region and instance type come from the arguments, else from your
terraform/terraform.tfvars; the region has no default (the resolver never picks one for you).

It uses the SageMaker Python SDK v3 JumpStart functions (``sagemaker.core``: image_uris.retrieve,
model_uris.retrieve, environment_variables.retrieve_default, instance_types.retrieve_default), which
read the JumpStart model specs from S3 with your AWS credentials. Offline, point
AWS_JUMPSTART_MANIFEST_LOCAL_ROOT_DIR_OVERRIDE and AWS_JUMPSTART_SPECS_LOCAL_ROOT_DIR_OVERRIDE at a
local manifest and specs (tests/fixtures/jumpstart holds small ones).

Exit status: 0 written, 2 unknown model or bad arguments, 3 no AWS credentials or no access.
"""

from __future__ import annotations

import argparse
import json
import os
import re
import sys
from pathlib import Path
from typing import Any

REPO = Path(__file__).resolve().parents[1]
VARIABLES_PATH = REPO / "terraform" / "variables.tf"
USER_TFVARS = REPO / "terraform" / "terraform.tfvars"
DEFAULT_OUTPUT = REPO / "terraform" / "jumpstart.auto.tfvars.json"


def terraform_default(name: str) -> str:
    """A string variable's default in terraform/variables.tf (so the two never disagree)."""
    text = VARIABLES_PATH.read_text(encoding="utf-8")
    block = re.search(rf'variable "{name}" \{{(.*?)\n\}}', text, flags=re.DOTALL)
    default = re.search(r'^\s*default\s*=\s*"([^"]*)"', block.group(1) if block else "", flags=re.MULTILINE)
    if not default:
        raise SystemExit(f"terraform/variables.tf has no string default for {name}")
    return default.group(1)


def user_settings(path: Path = USER_TFVARS) -> dict[str, Any]:
    """What you set in terraform.tfvars (HCL), as plain values."""
    if not path.is_file():
        return {}
    import hcl2

    with path.open(encoding="utf-8") as handle:
        loaded = hcl2.load(handle)
    return {key: json.loads(value) if _quoted(value) else value for key, value in loaded.items()}


def _quoted(value: Any) -> bool:
    return isinstance(value, str) and len(value) >= 2 and value[0] == value[-1] == '"'


def payload_format(default_payloads: dict[str, Any], image_uri: str) -> str:
    """The request format the model's container speaks: from the spec's example payloads, else the image."""
    for payload in default_payloads.values():
        body = payload.get("body") if isinstance(payload, dict) else None
        if isinstance(body, dict):
            if "text_inputs" in body:
                return "text2text"
            if "messages" in body:
                return "messages"
            if "inputs" in body:
                return "tgi"
    if re.search(r"tgi|djl|lmi|text-generation-inference", image_uri):
        return "tgi"
    return "text2text"


def resolve(model_id: str, region: str, model_version: str = "*", instance_type: str | None = None) -> dict[str, Any]:
    from sagemaker.core import environment_variables, image_uris, instance_types, model_uris
    from sagemaker.core.jumpstart.utils import verify_model_region_and_return_specs

    common = {"model_id": model_id, "model_version": model_version, "region": region}
    specs = verify_model_region_and_return_specs(
        model_id=model_id, version=model_version, scope="inference", region=region
    )
    instance_type = instance_type or instance_types.retrieve_default(**common, scope="inference")
    image_uri = image_uris.retrieve(framework=None, image_scope="inference", instance_type=instance_type, **common)
    model_uri = model_uris.retrieve(model_scope="inference", instance_type=instance_type, **common)
    environment = environment_variables.retrieve_default(instance_type=instance_type, **common)
    payloads = {
        name: {"content_type": payload.content_type, "body": payload.body}
        for name, payload in (getattr(specs, "default_payloads", None) or {}).items()
    }
    return {
        "model_version": specs.version,
        "eula_url": _eula_url(specs, region),
        "supported_instance_types": list(getattr(specs, "supported_inference_instance_types", None) or []),
        "tfvars": {
            "jumpstart_region": region,
            "jumpstart_resolved_model_id": model_id,
            "jumpstart_image_uri": image_uri,
            # JumpStart's own rule: a URI ending in "/" is an uncompressed prefix, else a tarball.
            "jumpstart_model_artifact": {"s3_uri": model_uri, "compressed": not model_uri.endswith("/")},
            "jumpstart_environment": {key: str(value) for key, value in sorted(environment.items())},
            "jumpstart_enable_network_isolation": bool(getattr(specs, "inference_enable_network_isolation", False)),
            "jumpstart_eula_required": bool(getattr(specs, "hosting_eula_key", None)),
            "jumpstart_instance_type": instance_type,
            "jumpstart_payload_format": payload_format(payloads, image_uri),
        },
    }


def _eula_url(specs: Any, region: str) -> str | None:
    """Where the model's licence is (JumpStart keeps it in its content bucket)."""
    key = getattr(specs, "hosting_eula_key", None)
    return f"https://jumpstart-cache-prod-{region}.s3.{region}.amazonaws.com/{key}" if key else None


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--model-id", help="default: jumpstart_model_id in terraform.tfvars, else Flan-UL2")
    parser.add_argument("--region", help="default: region in terraform.tfvars (there is no other default)")
    parser.add_argument("--model-version", default="*", help="a version or * for the newest (default)")
    parser.add_argument(
        "--instance-type",
        help="default: endpoint_instance_type in terraform.tfvars, else the model's default inference instance type",
    )
    parser.add_argument("--output", type=Path, default=DEFAULT_OUTPUT, help="where to write the tfvars (JSON)")
    parser.add_argument("--tfvars", type=Path, default=USER_TFVARS, help="your settings (default: terraform.tfvars)")
    args = parser.parse_args(argv)
    os.environ.setdefault("DISABLE_JUMPSTART_LOGGING", "1")
    yours = user_settings(args.tfvars)
    args.model_id = args.model_id or yours.get("jumpstart_model_id") or terraform_default("jumpstart_model_id")
    args.region = args.region or yours.get("region")
    args.instance_type = args.instance_type or yours.get("endpoint_instance_type")
    if not args.region:
        print(
            f"error: no region: set region in {args.tfvars} (copy terraform.tfvars.example) or give --region",
            file=sys.stderr,
        )
        return 2
    configured = yours.get("jumpstart_model_id") or terraform_default("jumpstart_model_id")
    if args.model_id != configured:
        print(
            f"note: Terraform deploys jumpstart_model_id = {configured}: set jumpstart_model_id = "
            f'"{args.model_id}" in {args.tfvars} to deploy {args.model_id}',
            file=sys.stderr,
        )

    try:
        resolved = resolve(args.model_id, args.region, args.model_version, args.instance_type)
    except KeyError as error:  # the SDK's "Unable to find model manifest for ..."
        print(f"error: unknown JumpStart model: {error.args[0] if error.args else error}", file=sys.stderr)
        return 2
    except ValueError as error:  # unsupported region, no image for the instance type...
        print(f"error: {error}", file=sys.stderr)
        return 2
    except Exception as error:  # noqa: BLE001 - botocore errors: no credentials, no access, no network
        if type(error).__name__ in {"NoCredentialsError", "PartialCredentialsError", "NoRegionError"}:
            print(
                "error: no AWS credentials: configure them (aws configure, AWS_PROFILE, SSO) to read the "
                "JumpStart specs, or set the JumpStart local override variables to work offline",
                file=sys.stderr,
            )
        else:
            print(f"error: could not read the JumpStart specs: {type(error).__name__}: {error}", file=sys.stderr)
        return 3

    if resolved["tfvars"]["jumpstart_eula_required"]:
        print(
            f"note: {args.model_id} has a licence (EULA): read {resolved['eula_url']}, then set "
            "jumpstart_accept_eula = true (terraform.tfvars) to accept it; Terraform refuses to create it before",
            file=sys.stderr,
        )
    tfvars = resolved["tfvars"]
    args.output.parent.mkdir(parents=True, exist_ok=True)
    args.output.write_text(json.dumps(tfvars, indent=2) + "\n", encoding="utf-8")
    artifact = tfvars["jumpstart_model_artifact"]
    print(f"{args.model_id} {resolved['model_version']} in {args.region}")
    print(f"  image:    {tfvars['jumpstart_image_uri']}")
    print(f"  artifact: {artifact['s3_uri']} ({'tarball' if artifact['compressed'] else 'uncompressed prefix'})")
    print(
        f"  instance: {tfvars['jumpstart_instance_type']} "
        f"(supported: {', '.join(resolved['supported_instance_types'])})"
    )
    print(
        f"  payload:  {tfvars['jumpstart_payload_format']}; "
        f"network isolation: {tfvars['jumpstart_enable_network_isolation']}"
    )
    print(f"wrote {args.output}")
    return 0


if __name__ == "__main__":
    sys.exit(main())
