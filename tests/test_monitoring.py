"""The dashboard, the alarms and the saved queries (terraform/modules/monitoring, evaluated offline by
Terraform), checked against functions/agent_core/metrics.json, the metrics the code emits on a local
turn, the state machine's outcomes and the dashboard body's documented structure."""

from __future__ import annotations

import ast
import copy
import io
import json
import re

import pytest

from agent_core.observability import declared, metrics_document
from harness import monitoring
from harness.manifest import local_manifest, terraform_defaults
from support import REPO
from terraform_support import TERRAFORM_DIR, blocks, hcl_files, resources

CATALOGUE = metrics_document()
OURS = terraform_defaults()["metrics_namespace"]


@pytest.fixture(scope="module")
def deployed():
    return monitoring.local_monitoring()


@pytest.fixture(scope="module")
def body(deployed):
    return json.loads(deployed["dashboard_body"])


@pytest.fixture(scope="module")
def local_run():
    """The functions' log stream and the ledgers of a few local turns."""
    from harness.runtime import LocalAgent

    sink = io.StringIO()
    with LocalAgent("offline", log_sink=sink) as agent:
        questions = ("Has order 123456 shipped and is return rtn001 processed?", "Has my order shipped?", "Hi")
        ledgers = [agent.ask(agent.session(), question).ledger for question in questions]
    return sink.getvalue(), ledgers


@pytest.fixture(scope="module")
def emitted(local_run):
    """(namespace, name, {dimension: value}, unit) of every metric a few local turns emit."""
    found = set()
    for line in local_run[0].splitlines():
        document = json.loads(line) if line.startswith("{") else {}
        for directive in document.get("_aws", {}).get("CloudWatchMetrics", []):
            (dimensions,) = directive["Dimensions"]
            for metric in directive["Metrics"]:
                keys = {key: document[key] for key in dimensions}
                found.add((directive["Namespace"], metric["Name"], json.dumps(keys, sort_keys=True), metric["Unit"]))
    return found


def asl_outcomes():
    asl = json.loads(local_manifest().state_machine_definition)
    return {state["Parameters"]["outcome"] for state in asl["States"].values() if state.get("End")}


def metric_lines(widget):
    """(namespace, name, {dimension: value}, options) of a metric widget's lines (metric math left out)."""
    lines = []
    for line in widget["properties"].get("metrics", []):
        options = line[-1] if isinstance(line[-1], dict) else {}
        parts = line[:-1] if options else line
        if len(parts) >= 2:
            lines.append((parts[0], parts[1], dict(zip(parts[2::2], parts[3::2], strict=True)), options))
    return lines


def all_metrics(deployed, body):
    for widget in body["widgets"]:
        if widget["type"] == "metric":
            for namespace, name, dimensions, _ in metric_lines(widget):
                yield namespace, name, dimensions, widget["properties"]["title"]
    for alarm_name, alarm in deployed["alarms"].items():
        for metric in alarm["metrics"]:
            yield metric["namespace"], metric["metric_name"], metric["dimensions"], alarm_name


# ---------------------------------------------------------------- one source for the names


def test_every_metric_on_the_dashboard_and_in_the_alarms_is_declared(deployed, body):
    ours = {(spec.name, spec.service): spec for spec in declared().values()}
    vendors = {spec["namespace"]: spec for spec in CATALOGUE["aws"].values() if isinstance(spec, dict)}
    checked = 0
    for namespace, name, dimensions, where in all_metrics(deployed, body):
        checked += 1
        if namespace == OURS:
            spec = ours.get((name, dimensions.get("service")))
            assert spec is not None, f"{where}: {name} ({dimensions}) is not in metrics.json"
            assert set(dimensions) == {"service"} | ({spec.dimension} if spec.dimension else set()), where
        else:
            vendor = vendors[namespace]
            assert name in vendor["metrics"].values(), f"{where}: {namespace} {name}"
            assert set(dimensions) == set(vendor["dimensions"]), f"{where}: {namespace} {name} {dimensions}"
    assert checked > 50


def test_what_the_dashboard_plots_of_ours_is_what_a_local_turn_emits(deployed, body, emitted):
    """Same name, same dimension names, same service, same unit: a renamed or re-dimensioned metric
    shows as an empty graph in CloudWatch, and here as a failure."""
    seen = {
        (namespace, name, tuple(sorted(json.loads(dims))), json.loads(dims)["service"])
        for namespace, name, dims, _ in emitted
    }
    units = {(name, json.loads(dims)["service"]): unit for _, name, dims, unit in emitted}
    for namespace, name, dimensions, where in all_metrics(deployed, body):
        if namespace != OURS:
            continue
        assert (namespace, name, tuple(sorted(dimensions)), dimensions["service"]) in seen, f"{where}: {name}"
        spec = next(s for s in declared().values() if (s.name, s.service) == (name, dimensions["service"]))
        assert units[(name, dimensions["service"])] == spec.unit


def test_every_metric_the_functions_emit_is_declared(emitted):
    specs = {(spec.name, spec.service): spec for spec in declared().values()}
    tool_services = {tool.function for tool in __import__("agent_core.registry").registry.tools()}
    for namespace, name, dims, unit in emitted:
        dimensions = json.loads(dims)
        if name == "ColdStart":  # Powertools' own, with function_name
            continue
        service = "tool" if dimensions["service"] in tool_services else dimensions["service"]
        spec = specs.get((name, service))
        assert namespace == OURS and spec is not None, (name, dimensions)
        assert unit == spec.unit and set(dimensions) == {"service"} | ({spec.dimension} if spec.dimension else set())


def test_the_code_cannot_emit_an_undeclared_metric():
    from agent_core.observability import Metrics, add, count_by

    metrics = Metrics(namespace=OURS, service="fulfilment")
    with pytest.raises(KeyError):
        add(metrics, "TurnLatency", 1)  # a name, not a role of metrics.json
    with pytest.raises(ValueError, match="use count_by"):
        add(metrics, "turn_outcome", 1)
    with pytest.raises(ValueError, match="share one extra dimension"):
        count_by(metrics, "turn_latency", "x")


# ---------------------------------------------------------------- outcomes from the state machine


def test_the_outcomes_are_the_state_machines_endings_and_the_fulfilment_lambdas_own(deployed, body):
    extra = CATALOGUE["outcomes"]["outside_the_state_machine"]
    assert deployed["outcomes"] == sorted(asl_outcomes()) + extra
    widget = next(w for w in body["widgets"] if w["properties"].get("title") == "Turns by outcome")
    assert [dims["outcome"] for _, _, dims, _ in metric_lines(widget)] == deployed["outcomes"]
    assert set(CATALOGUE["outcomes"]["errors"]) <= set(deployed["outcomes"])


def test_outcomes_given_outside_the_state_machine_are_exactly_the_declared_ones():
    """The TurnResult outcomes the fulfilment Lambda writes itself (execution.py, the handler)."""
    given = set()
    for path in (REPO / "functions" / "agent_core" / "execution.py", REPO / "functions" / "fulfilment" / "handler.py"):
        for node in ast.walk(ast.parse(path.read_text())):
            if (
                isinstance(node, ast.Call)
                and getattr(node.func, "id", "") == "TurnResult"
                and len(node.args) > 1
                and isinstance(node.args[1], ast.Constant)
            ):
                given.add(node.args[1].value)
    assert given - asl_outcomes() == set(CATALOGUE["outcomes"]["outside_the_state_machine"])


def test_every_ending_an_error_leads_to_counts_as_a_failed_turn(deployed):
    asl = json.loads(local_manifest().state_machine_definition)
    caught = {
        asl["States"][name]["Parameters"]["outcome"] for name in deployed["catching_states"] if name in asl["States"]
    }
    assert caught and caught <= set(CATALOGUE["outcomes"]["errors"])
    assert deployed["catching_states"] == ["ApologiseForDelay", "ApologiseForError", "RecordToolFailure"]


def test_a_new_ending_of_the_state_machine_appears_on_the_dashboard():
    """Add an ending (as the handoff state will be) and the dashboard plots it, with no other change."""
    inputs = monitoring.monitoring_inputs()
    asl = json.loads(inputs["state_machine_definition"])
    asl["States"]["HandToPerson"] = {"Type": "Pass", "Parameters": {"answer": "x", "outcome": "handoff"}, "End": True}
    asl["States"]["AskForClarification"]["Next"] = "HandToPerson"
    changed = monitoring.evaluate({**inputs, "state_machine_definition": json.dumps(asl)})
    assert "handoff" in changed["outcomes"]
    widget = next(
        w
        for w in json.loads(changed["dashboard_body"])["widgets"]
        if w["properties"].get("title") == "Turns by outcome"
    )
    assert "handoff" in [dims["outcome"] for _, _, dims, _ in metric_lines(widget)]


def test_the_handoff_outcome_the_dashboard_plots_is_an_ending_of_the_state_machine():
    assert CATALOGUE["outcomes"]["handoff"] in asl_outcomes()


# ---------------------------------------------------------------- the dashboard body


def test_the_dashboard_body_follows_the_documented_structure(body):
    """CloudWatch's Dashboard Body Structure: widget type, x 0-23, width 1-24, height 1-1000, a region for
    every metric widget, periods in whole minutes, ids lower-case first, no overlap, alarms non-empty."""
    cells = set()
    for widget in body["widgets"]:
        assert widget["type"] in {"metric", "text", "log", "alarm", "explorer"}
        assert 0 <= widget["x"] <= 23 and widget["y"] >= 0 and 1 <= widget["width"] <= 24 and widget["height"] >= 1
        assert widget["x"] + widget["width"] <= 24
        area = {
            (x, y)
            for x in range(widget["x"], widget["x"] + widget["width"])
            for y in range(widget["y"], widget["y"] + widget["height"])
        }
        assert not area & cells, widget["properties"].get("title")
        cells |= area
        properties = widget["properties"]
        if widget["type"] == "metric":
            assert properties["region"] == monitoring.REGION and properties["period"] % 60 == 0
            assert properties["title"] and 0 < len(properties["metrics"]) <= 500
            ids = [line[-1]["id"] for line in properties["metrics"] if isinstance(line[-1], dict) and "id" in line[-1]]
            assert all(re.fullmatch(r"[a-z][a-zA-Z0-9_]*", identifier) for identifier in ids)
            for line in properties["metrics"]:
                options = line[-1] if isinstance(line[-1], dict) else {}
                stat = options.get("stat", properties.get("stat", "Average"))
                assert re.fullmatch(r"SampleCount|Average|Sum|Minimum|Maximum|p\d{1,2}(\.\d+)?", stat)
                if "expression" in options:  # every id an expression names is defined in the widget
                    assert set(re.findall(r"[a-z][a-zA-Z0-9_]*", options["expression"])) <= set(ids)
        if widget["type"] == "alarm":
            assert properties["alarms"]
    assert body["start"] == "-PT6H"


def test_the_widgets_the_issue_asks_for(deployed, body):
    titles = [widget["title"] for widget in deployed["widgets"]]
    assert titles == [w["properties"].get("title", "(header)") for w in body["widgets"]]
    for wanted in (
        "Turn latency (ms) against the budget",
        "Turns by outcome",
        "Model calls, iterations and lookups per turn",
        "Endpoint invocations and errors",
        "Endpoint model latency (ms)",
        "State machine executions",
        "Lambda errors and throttles",
        "Lambda duration p95 (ms)",
        "Handoffs",
        "Estimated cost (USD)",
        "Tokens per turn",
    ):
        assert wanted in titles
    latency = next(w for w in body["widgets"] if w["properties"].get("title") == titles[1])
    assert [line[-1]["stat"] for line in latency["properties"]["metrics"]] == ["p50", "p95", "p99"]
    budget = {a["label"]: a["value"] for a in latency["properties"]["annotations"]["horizontal"]}
    assert budget == {"turn budget": terraform_defaults()["turn_budget_seconds"] * 1000, "Lex gives up": 30000}
    arns = next(w for w in body["widgets"] if w["type"] == "alarm")["properties"]["alarms"]
    assert sorted(arn.rsplit(":", 1)[1] for arn in arns) == sorted(deployed["alarms"])


def test_bedrock_turns_the_model_widgets_and_alarm_to_bedrocks_metrics():
    bedrock = monitoring.local_monitoring("bedrock")
    titles = [widget["title"] for widget in bedrock["widgets"]]
    assert "Bedrock invocations and errors" in titles and "Endpoint invocations and errors" not in titles
    alarm = bedrock["alarms"]["support-agent-model-server-errors"]["metrics"][0]
    assert (alarm["namespace"], alarm["metric_name"]) == ("AWS/Bedrock", "InvocationServerErrors")
    assert alarm["dimensions"] == {"ModelId": terraform_defaults()["bedrock_model_id"]}


# ---------------------------------------------------------------- alarms


def test_five_alarms_with_their_thresholds_from_the_variables(deployed):
    defaults = terraform_defaults()
    alarms = deployed["alarms"]
    assert sorted(alarms) == [
        "support-agent-lambda-throttles",
        "support-agent-model-server-errors",
        "support-agent-state-machine-failures",
        "support-agent-turn-error-rate",
        "support-agent-turn-latency-p95",
    ]
    errors = alarms["support-agent-turn-error-rate"]
    assert errors["threshold"] == defaults["alarm_turn_error_rate_percent"] / 100
    assert (errors["metrics"][0]["metric_name"], errors["metrics"][0]["stat"]) == ("TurnFailed", "Average")
    latency = alarms["support-agent-turn-latency-p95"]
    budget_ms = defaults["turn_budget_seconds"] * 1000
    assert latency["threshold"] == budget_ms * defaults["alarm_turn_latency_budget_percent"] / 100
    assert latency["metrics"][0]["stat"] == "p95"
    failures = alarms["support-agent-state-machine-failures"]
    assert failures["expression"] == "failed+timed_out+aborted"
    throttles = alarms["support-agent-lambda-throttles"]
    assert {m["dimensions"]["FunctionName"] for m in throttles["metrics"]} == set(
        local_manifest().function_names.values()
    )
    for alarm in alarms.values():
        assert alarm["treat_missing_data"] == "notBreaching" and alarm["period"] == defaults["alarm_period_seconds"]
        assert (alarm["evaluation_periods"], alarm["datapoints_to_alarm"]) == (3, 2)
        assert "docs/operate.md" in alarm["description"] and len(alarm["description"]) <= 1024
    raised = monitoring.local_monitoring(settings={"alarm_turn_error_rate_percent": 20})
    assert raised["alarms"]["support-agent-turn-error-rate"]["threshold"] == 0.2


def test_the_root_module_creates_what_the_module_computes():
    parsed = hcl_files(TERRAFORM_DIR)
    found = {(kind, name): body for _, kind, name, body in resources(parsed)}
    alarm = found[("aws_cloudwatch_metric_alarm", "alarm")]
    assert alarm["for_each"] == "${module.monitoring.alarms}"
    assert "extended_statistic" in alarm and "metric_query" in str(alarm.get("dynamic"))
    assert found[("aws_cloudwatch_dashboard", "turns")]["dashboard_body"] == "${module.monitoring.dashboard_body}"
    assert found[("aws_cloudwatch_query_definition", "query")]["for_each"] == "${module.monitoring.queries}"
    module = next(body for _, name, body in blocks(parsed, "module") if name == "monitoring")
    variables = {name for file, name, _ in blocks(parsed, "variable") if file.startswith("modules/monitoring/")}
    assert set(module) - {"source"} == variables == set(monitoring.monitoring_inputs())
    assert set(module["alarms"]) == set(monitoring.ALARM_SETTINGS)
    assert {value.removeprefix("${var.").removesuffix("}") for value in module["alarms"].values()} == set(
        monitoring.ALARM_SETTINGS.values()
    )
    topic = found[("aws_sns_topic", "alarms")]
    assert topic["kms_master_key_id"] == "${local.kms_key_arn}"
    outputs = {name for file, name, _ in blocks(parsed, "output") if file == "outputs.tf"}
    assert {"dashboard_url", "alarm_names", "alarm_topic_arn", "saved_queries"} <= outputs


def test_the_alarm_topic_may_be_encrypted_with_a_key_cloudwatch_can_use():
    text = (TERRAFORM_DIR / "kms.tf").read_text()
    statement = text[text.index('sid        = "CloudWatchAlarmsPublishToTheAlarmTopic"') :].split("},", 1)[0]
    assert "cloudwatch.amazonaws.com" in statement and '"kms:Decrypt", "kms:GenerateDataKey"' in statement


def test_an_alarm_email_must_be_an_address():
    from harness.terraform import variable_problem

    assert variable_problem("alarm_email", "ops@example.com") is None
    assert "e-mail address" in variable_problem("alarm_email", "not an address")


# ---------------------------------------------------------------- saved queries


def test_the_saved_queries_read_the_ledger_fields_and_the_execution_events(deployed, local_run):
    ledger = local_run[1][0]
    queries = deployed["queries"]
    assert sorted(queries) == [
        f"support-agent/{n}" for n in ("errors-by-state", "handoffs", "one-session", "slowest-turns")
    ]
    fulfilment = f"/aws/lambda/{local_manifest().function_names['fulfilment']}"
    for name, query in queries.items():
        assert set(re.findall(r"ledger\.(\w+)", query["query_string"])) <= set(ledger), name
        assert query["log_group_names"] in (
            [fulfilment],
            [f"/aws/vendedlogs/states/{local_manifest()['state_machine_name']}"],
        )
    assert "ApologiseForError" in queries["support-agent/errors-by-state"]["query_string"]
    assert '"handoff"' in queries["support-agent/handoffs"]["query_string"]


def test_a_copy_with_a_renamed_metric_fails_these_checks(deployed, body):
    """The checks above can fail: rename TurnLatency in the dashboard body and it is no longer declared."""
    broken = copy.deepcopy(body)
    broken["widgets"][1]["properties"]["metrics"][0][1] = "TurnLatencyMs"
    ours = {(spec.name, spec.service) for spec in declared().values()}
    names = [(n, d.get("service")) for ns, n, d, _ in all_metrics({"alarms": {}}, broken) if ns == OURS]
    assert ("TurnLatencyMs", "fulfilment") in names and ("TurnLatencyMs", "fulfilment") not in ours
