"""What Terraform deploys to operate the agent, read from the deployment itself:
terraform/modules/monitoring (the dashboard's body, the alarms, the saved Logs Insights queries),
evaluated offline by real Terraform with the inputs terraform/monitoring.tf gives it.

The tests check the dashboard and the alarms against functions/agent_core/metrics.json and the
metrics the code emits; the docs (docs/operate.md) and the cost model (the ledger's CloudWatch bill)
are generated from the same evaluation. Results are cached in .local/cache/ like the manifest's.
"""

from __future__ import annotations

import hashlib
import json
import tempfile
import uuid
from functools import cache
from pathlib import Path
from typing import Any

from harness.manifest import ACCOUNT, REGION, local_manifest, terraform_defaults
from harness.paths import CACHE_DIR, FUNCTIONS_DIR, TERRAFORM_DIR
from harness.terraform import evaluate_module

MONITORING_MODULE = TERRAFORM_DIR / "modules" / "monitoring"
ALARM_SETTINGS = {  # the module's alarms object <- the root variables that set it (terraform/monitoring.tf)
    "turn_error_rate_percent": "alarm_turn_error_rate_percent",
    "turn_latency_budget_percent": "alarm_turn_latency_budget_percent",
    "model_server_errors": "alarm_model_server_errors",
    "state_machine_failures": "alarm_state_machine_failures",
    "lambda_throttles": "alarm_lambda_throttles",
    "period_seconds": "alarm_period_seconds",
    "evaluation_periods": "alarm_evaluation_periods",
    "datapoints_to_alarm": "alarm_datapoints_to_alarm",
}


def monitoring_inputs(backend: str = "sagemaker", settings: dict[str, Any] | None = None) -> dict[str, Any]:
    """The module's inputs as terraform/monitoring.tf gives them, with the variables' defaults (and
    ``settings`` over them) in the local runtime's account and region."""
    defaults = terraform_defaults() | (settings or {})
    manifest = local_manifest({name: defaults[name] for name in ("max_iterations", "turn_budget_seconds")})
    prefix = defaults["name_prefix"]
    return {
        "name_prefix": prefix,
        "partition": "aws",
        "region": REGION,
        "account_id": ACCOUNT,
        "console_url": f"https://{REGION}.console.aws.amazon.com",
        "metrics_namespace": defaults["metrics_namespace"],
        "state_machine_arn": manifest["state_machine_arn"],
        "state_machine_definition": manifest.state_machine_definition,
        "state_machine_log_group": f"/aws/vendedlogs/states/{manifest['state_machine_name']}",
        "function_names": manifest.function_names,
        "tools": [tool["name"] for tool in manifest["tools"]],
        "model": {
            "backend": backend,
            "endpoint_name": f"{prefix}-llm" if backend == "sagemaker" else None,
            "bedrock_model_id": defaults["bedrock_model_id"] if backend == "bedrock" else None,
        },
        "turn_budget_seconds": defaults["turn_budget_seconds"],
        "alarms": {name: defaults[variable] for name, variable in ALARM_SETTINGS.items()},
    }


def evaluate(inputs: dict[str, Any]) -> dict[str, Any]:
    """The module's outputs for ``inputs``, from the cache when fresh."""
    return _evaluate(json.dumps(inputs, sort_keys=True))


def local_monitoring(backend: str = "sagemaker", settings: dict[str, Any] | None = None) -> dict[str, Any]:
    return evaluate(monitoring_inputs(backend, settings))


def dashboard(backend: str = "sagemaker") -> dict[str, Any]:
    """The dashboard's body, decoded."""
    return json.loads(local_monitoring(backend)["dashboard_body"])


def _digest(inputs_json: str) -> str:
    digest = hashlib.sha256(inputs_json.encode())
    for path in [*sorted(MONITORING_MODULE.glob("*.tf")), FUNCTIONS_DIR / "agent_core" / "metrics.json"]:
        digest.update(path.name.encode())
        digest.update(path.read_bytes())
    return digest.hexdigest()[:24]


@cache
def _evaluate(inputs_json: str) -> dict[str, Any]:
    cached = CACHE_DIR / "monitoring" / f"{_digest(inputs_json)}.json"
    if cached.is_file():
        return json.loads(cached.read_text(encoding="utf-8"))
    with tempfile.TemporaryDirectory() as workdir:
        outputs = evaluate_module(MONITORING_MODULE, json.loads(inputs_json), Path(workdir))
    cached.parent.mkdir(parents=True, exist_ok=True)
    temporary = cached.with_name(f"{cached.name}.{uuid.uuid4().hex}.tmp")
    temporary.write_text(json.dumps(outputs), encoding="utf-8")
    temporary.replace(cached)
    return outputs
