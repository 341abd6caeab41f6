"""Generated parts of README.md and docs/, kept true by a test (``tests/test_docs.py``).

  agent docs --write   rewrite the generated sections (make docs)
  agent docs --check   exit 1 when a generated section is out of date

Sections sit between ``<!-- BEGIN GENERATED: name -->`` and ``<!-- END GENERATED: name -->``.
"""

from __future__ import annotations

import argparse
import json
import re
import sys
from collections.abc import Callable
from pathlib import Path
from typing import Any

from harness.diagram import mermaid
from harness.paths import REPO, TERRAFORM_DIR

README = REPO / "README.md"


def deployed_asl() -> dict[str, Any]:
    """The state machine as Terraform deploys it (templatefile() rendered by modules/definition)."""
    from harness.manifest import local_manifest

    return json.loads(local_manifest().state_machine_definition)


def _terraform_blocks(file: str, kind: str) -> list[tuple[str, dict[str, Any]]]:
    import hcl2

    with (TERRAFORM_DIR / file).open(encoding="utf-8") as handle:
        document = hcl2.load(handle)
    found = []
    for block in document.get(kind, []):
        for name, body in block.items():
            found.append((name.strip('"'), body))
    return found


def _hcl_text(value: Any) -> str:
    """A value from python-hcl2 as it reads in HCL: strings unquoted, expressions unwrapped."""
    if isinstance(value, str):
        if value.startswith("${") and value.endswith("}"):
            return value[2:-1]
        if len(value) >= 2 and value[0] == value[-1] == '"':
            return json.loads(value)
        return value
    if value is None:
        return "null"
    return json.dumps(value)


def _cell(text: str) -> str:
    return text.replace("|", "\\|").replace("\n", " ")


def terraform_inputs() -> str:
    """The inputs table of terraform/variables.tf, in the terraform-docs layout."""
    rows = ["| Name | Description | Type | Default | Required |", "|------|-------------|------|---------|:--------:|"]
    for name, body in sorted(_terraform_blocks("variables.tf", "variable")):
        has_default = "default" in body
        default = f"`{_hcl_text(body['default'])}`" if has_default else "n/a"
        if has_default and isinstance(body["default"], dict | list):
            default = f"`{json.dumps(body['default'])}`"
        kind = _hcl_text(body.get("type", "any"))
        rows.append(
            f'| <a name="input_{name}"></a> [{name}](#input_{name}) | {_cell(_hcl_text(body["description"]))} '
            f"| `{_cell(kind)}` | {_cell(default)} | {'no' if has_default else 'yes'} |"
        )
    return "\n".join(rows)


def terraform_outputs() -> str:
    rows = ["| Name | Description |", "|------|-------------|"]
    for name, body in sorted(_terraform_blocks("outputs.tf", "output")):
        rows.append(
            f'| <a name="output_{name}"></a> [{name}](#output_{name}) | {_cell(_hcl_text(body["description"]))} |'
        )
    return "\n".join(rows)


def kms_key_policy() -> str:
    """The key policy a customer managed key needs (terraform/kms.tf's statements, evaluated by
    Terraform for an example account, region and prefix), as a key policy document."""
    import tempfile

    from harness.terraform import evaluate_files, locals_blocks

    kms = locals_blocks(TERRAFORM_DIR / "kms.tf").replace(
        "kms_key_arn = var.create_kms_key ? aws_kms_key.deployment[0].arn : var.kms_key_arn", "kms_key_arn = null"
    )
    stub = 'locals {\n  partition = "aws"\n  account   = "111122223333"\n}\n'
    with tempfile.TemporaryDirectory() as workdir:
        statements = evaluate_files(
            [TERRAFORM_DIR / "variables.tf"],
            stub + kms,
            {"statements": "local.kms_key_policy_statements"},
            {"region": "us-east-1", "create_kms_key": True},
            Path(workdir),
        )["statements"]
    document = {"Version": "2012-10-17", "Statement": [_key_policy_statement(s) for s in statements]}
    return "```json\n" + json.dumps(document, indent=2) + "\n```"


def _key_policy_statement(statement: dict[str, Any]) -> dict[str, Any]:
    principals: dict[str, list[str]] = {}
    for principal in statement["principals"]:
        principals.setdefault(principal["type"], []).extend(principal["identifiers"])
    conditions: dict[str, dict[str, Any]] = {}
    for condition in statement["conditions"]:
        values = condition["values"]
        conditions.setdefault(condition["test"], {})[condition["variable"]] = values[0] if len(values) == 1 else values
    rendered: dict[str, Any] = {
        "Sid": statement["sid"],
        "Effect": "Allow",
        "Principal": {kind: ids[0] if len(ids) == 1 else ids for kind, ids in principals.items()},
        "Action": statement["actions"][0] if len(statement["actions"]) == 1 else statement["actions"],
        "Resource": "*",
    }
    if conditions:
        rendered["Condition"] = conditions
    return rendered


def sample_ids() -> str:
    """The records of data/sample_store.json a user can ask about, per tool."""
    from agent_core import registry

    tables = json.loads((REPO / "data" / "sample_store.json").read_text(encoding="utf-8"))["tables"]
    rows = ["| tool | ids to try | their status |", "| --- | --- | --- |"]
    for tool in registry.record_tools():
        items = tables[tool.table]["items"]
        ids = ", ".join(f"`{item[tool.argument]}`" for item in items)
        statuses = ", ".join(sorted({str(item.get("status", "")) for item in items} - {""}))
        rows.append(f"| {tool.name} | {ids} | {statuses} |")
    return (
        "\n".join(rows) + "\n\nAny other id is looked up and not found; text without an id is answered or asked about."
    )


def limits_table() -> str:
    """functions/agent_core/limits.py as a table: each limit, its value and the comment that says why."""
    rows = ["| limit | value | what it bounds |", "| --- | --- | --- |"]
    section = ""
    source = (REPO / "functions" / "agent_core" / "limits.py").read_text(encoding="utf-8")
    for line in source.split('"""', 2)[2].splitlines():
        if line.startswith("# "):
            section = line[2:].strip()
            continue
        match = re.match(r"^([A-Z_]+) = ([0-9_]+)(?:\s+#\s*(.*))?$", line)
        if match:
            name, value, note = match.groups()
            why = f"{section.rstrip('.')}: {note}" if note else section
            rows.append(f"| `{name}` | {int(value):,} | {_cell(why)} |")
    return "\n".join(rows)


def retries_table() -> str:
    """The retries of functions/agent_core/retries.json and the timeouts Terraform derives."""
    from agent_core.retries import _document
    from harness.manifest import local_manifest

    policy, timeouts = _document(), local_manifest().timeouts
    rows = ["| where | retried on | how |", "| --- | --- | --- |"]
    for state, rules in policy["task_states"].items():
        for rule in rules:
            spec = policy["task_retries"][rule]
            how = (
                f"{spec['MaxAttempts']} more attempt(s), {spec['IntervalSeconds']} s, "
                f"x{spec.get('BackoffRate', 2.0):g} backoff, {spec['JitterStrategy'].lower()} jitter"
            )
            rows.append(f"| `{state}` (state machine) | {', '.join(f'`{e}`' for e in spec['ErrorEquals'])} | {how} |")
    for name, spec in policy["clients"].items():
        read = f"{spec['read_timeout']:g} s read" if "read_timeout" in spec else "read timeout from the turn budget"
        how = f"{spec['max_attempts']} attempt(s) in all, {spec['connect_timeout']:g} s connect, {read}"
        rows.append(
            f"| `{name}` client ({spec['service']}) | throttling, 5xx, timeouts (botocore standard mode) | {how} |"
        )
    rows += ["", "| timeout | seconds |", "| --- | --- |"]
    rows += [f"| `{name}` | {value} |" for name, value in timeouts.items()]
    rows += ["", f"Errors a Task's Catch answers as a delay: {', '.join(f'`{e}`' for e in policy['delay_errors'])}."]
    return "\n".join(rows)


def agent_commands() -> str:
    from harness import cli

    return "```text\n" + (cli.__doc__ or "").split("\n\n", 1)[1].split("\n\n")[0].strip("\n") + "\n```"


def make_targets() -> str:
    text = (REPO / "Makefile").read_text(encoding="utf-8")
    rows = ["| target | what it does |", "| --- | --- |"]
    described = ""
    for line in text.splitlines():
        if line.startswith("## "):
            described = f"{described} {line[3:]}".strip()
        elif re.match(r"^[a-z-]+:", line) and described:
            rows.append(f"| `make {line.split(':')[0]}` | {_cell(described)} |")
            described = ""
        else:
            described = ""
    return "\n".join(rows)


EVALUATION = REPO / "docs" / "evaluation-offline.json"
PERFORMANCE = REPO / "docs" / "performance.json"
DATASET_NAMES = {
    "original_cases.jsonl": "original six cases",
    "demo.jsonl": "`make demo`'s conversations (`demo.jsonl`)",
    "conversations.jsonl": "our conversations (`conversations.jsonl`)",
    "routing_dev.jsonl": "routing set (CLINC150 + Bitext)",
}
ROUTING_SET = "routing_dev.jsonl"


def evaluation_table() -> str:
    from harness.evaluate import render_per_dataset

    report = json.loads(EVALUATION.read_text(encoding="utf-8"))
    return render_per_dataset(report["per_dataset"], DATASET_NAMES)


def reply_kinds_table() -> str:
    """Per expected kind of reply on the routing set: how many turns got that kind."""
    from harness.evaluate import percent

    kinds = json.loads(EVALUATION.read_text(encoding="utf-8"))["per_dataset"][ROUTING_SET]["reply_kinds"]
    rows = ["| expected kind of reply | turns | got that kind |", "| --- | --- | --- |"]
    rows += [f"| `{kind}` | {row['turns']} | {percent(row['accuracy'])} |" for kind, row in kinds.items()]
    return "\n".join(rows)


def evaluation_headline() -> str:
    from harness.evaluate import percent

    per_dataset = json.loads(EVALUATION.read_text(encoding="utf-8"))["per_dataset"]
    metrics, conversations = per_dataset[ROUTING_SET], per_dataset["conversations.jsonl"]
    return (
        f"{percent(metrics['outcome_accuracy'])} of the {metrics['turns']} real customer messages of the routing "
        f"set get the right kind of reply, and {percent(metrics['policy_source_accuracy'])} of its policy "
        "answers cite the right help-centre entry (a development set: the entries were tuned on it; our own "
        f"conversations, written apart, give {percent(conversations['outcome_accuracy'])} and "
        f"{percent(conversations['policy_source_accuracy'])})"
    )


def demo_answers() -> str:
    """What `make demo` shows: each question, the stand-in's answer and the state the turn ended in."""
    from harness.runtime import LocalAgent

    rows = ["| question | answer | ending |", "| --- | --- | --- |"]
    with LocalAgent("offline") as agent:
        for name in ("original_cases.jsonl", "demo.jsonl"):
            for line in (REPO / "data" / "eval" / name).read_text(encoding="utf-8").splitlines():
                session = agent.session()
                for turn in json.loads(line)["turns"]:
                    result = agent.ask(session, turn["user"])
                    rows.append(f"| {_cell(turn['user'])} | {_cell(result.answer)} | `{result.states[-1]}` |")
    return "\n".join(rows)


def model_calls_table() -> str:
    figures = json.loads(PERFORMANCE.read_text(encoding="utf-8"))
    rows = ["| kind of turn | LLM calls, this design | LLM calls, original loop |", "| --- | --- | --- |"]
    for row in figures["turns"]:
        rows.append(f"| {row['kind']} | **{row['llm_calls']:g}** | {row['original_llm_calls']:g} |")
    return "\n".join(rows)


def performance_summary() -> str:
    figures = json.loads(PERFORMANCE.read_text(encoding="utf-8"))
    prompts, cold = figures["prompts"], figures["cold_starts"]
    functions = ", ".join(
        f"{name} {row['import_ms']} ms ({row['package_bytes'] / 1000:.0f} KB)"
        for name, row in cold["functions"].items()
    )
    transitions = [row["transitions"] for row in figures["turns"]]
    walls = figures["wall_times"]
    lines = [
        f"- **Prompt size**: the planner prompt is {prompts['planner']['chars']:,} characters "
        f"(~{prompts['planner']['tokens']} tokens); at ~4 characters a token, about {prompts['tools_that_fit']} tools "
        f"fit Flan-UL2's 2,048-token input.",
        f"- **Cold start** (each package unpacked on its own, its handler imported in a fresh interpreter): "
        f"{functions}. A Step Functions client alone takes {cold['stepfunctions_client_ms']} ms.",
        f"- **Orchestration**: {min(transitions):g} to {max(transitions):g} state transitions per turn.",
    ]
    if walls.get("demo_s") is not None:
        lines.append(
            f"- **Wall time**: `make demo` {walls['demo_s']} s"
            + (f"; pytest alone {walls['suite_s']} s." if walls.get("suite_s") is not None else ".")
        )
    return "\n".join(lines)


def first_run() -> str:
    figures = json.loads(PERFORMANCE.read_text(encoding="utf-8")).get("first_run")
    if not figures:
        return "not measured yet (make bench-docs FIRST_RUN=1)"
    return (
        f"about {round(figures['first_test_s'] / 60)} minutes and {figures['disk_gb']:.1f} GB on a "
        f"{figures['cores']}-core machine; later runs take about {round(figures['warm_test_s'], -1):.0f} s"
    )


# ---------------------------------------------------------------- docs/operate.md

COMPARISONS = {
    "GreaterThanThreshold": ">",
    "GreaterThanOrEqualToThreshold": ">=",
    "LessThanThreshold": "<",
    "LessThanOrEqualToThreshold": "<=",
}


def _monitoring() -> dict[str, Any]:
    from harness.monitoring import local_monitoring

    return local_monitoring()


def dashboard_widgets() -> str:
    """The dashboard's widgets (terraform/modules/monitoring, evaluated), in order."""
    rows = ["| # | widget | what it shows |", "| --- | --- | --- |"]
    for number, widget in enumerate(_monitoring()["widgets"], start=1):
        rows.append(f"| {number} | {_cell(widget['title'])} | {_cell(widget['doc'])} |")
    return "\n".join(rows)


def alarms_table() -> str:
    """Every alarm: when it fires (from the module's alarm specs) and where to read on."""
    from harness.manifest import terraform_defaults
    from harness.monitoring import ALARM_SETTINGS

    defaults = terraform_defaults()
    rows = ["| alarm | fires when (defaults) | set it with |", "| --- | --- | --- |"]
    thresholds = {
        "turn-error-rate": "alarm_turn_error_rate_percent",
        "turn-latency-p95": "alarm_turn_latency_budget_percent",
        "model-server-errors": "alarm_model_server_errors",
        "state-machine-failures": "alarm_state_machine_failures",
        "lambda-throttles": "alarm_lambda_throttles",
    }
    for name, alarm in _monitoring()["alarms"].items():
        metrics = alarm["metrics"]
        if alarm["expression"]:
            names = ", ".join(sorted({m["metric_name"] for m in metrics}))
            measured = f"`{alarm['expression']}` over {names} ({metrics[0]['stat']})"
        else:
            measured = f"{metrics[0]['metric_name']} ({metrics[0]['stat']})"
        comparison = COMPARISONS[alarm["comparison"]]
        when = (
            f"{measured} {comparison} {alarm['threshold']:g} in {alarm['datapoints_to_alarm']} of "
            f"{alarm['evaluation_periods']} periods of {alarm['period']} s"
        )
        variable = thresholds[alarm["key"]]
        if variable not in ALARM_SETTINGS.values() or variable not in defaults:
            raise SystemExit(f"alarm {name}: its threshold variable {variable} is not one monitoring.tf passes")
        rows.append(f"| [`{name}`](#{alarm['key']}) | {_cell(when)} | `{variable}` (default {defaults[variable]}) |")
    return "\n".join(rows)


def saved_queries() -> str:
    lines = []
    for name, query in _monitoring()["queries"].items():
        groups = ", ".join(f"`{group}`" for group in query["log_group_names"])
        lines += [
            f"**`{name}`** ({groups}): {query['description']}",
            "",
            "```",
            query["query_string"].rstrip(),
            "```",
            "",
        ]
    return "\n".join(lines).rstrip()


def ledger_metrics() -> str:
    """The ledger's metrics and the functions' others, from functions/agent_core/metrics.json."""
    from agent_core.observability import declared

    rows = ["| metric | unit | by | function | what it counts |", "| --- | --- | --- | --- | --- |"]
    for spec in declared().values():
        by = f"`{spec.dimension}`" if spec.dimension else ""
        rows.append(f"| `{spec.name}` | {spec.unit} | {by} | {spec.service} | {_cell(spec.description)} |")
    return "\n".join(rows)


def ledger_cost() -> str:
    """What the ledger costs in CloudWatch: the cost model's section (docs/cost.md, make cost)."""
    text = (REPO / "docs" / "cost.md").read_text(encoding="utf-8")
    section = text.split("## What the ledger costs in CloudWatch\n", 1)[1].split("\n## ", 1)[0]
    return section.strip()


def trace_example() -> str:
    """agent trace on a recorded turn (tests/fixtures/express_logs/two_tools.json), without the drawing."""
    from harness import trace

    document = json.loads((REPO / "tests" / "fixtures" / "express_logs" / "two_tools.json").read_text(encoding="utf-8"))
    shown = trace.render(trace.parse(document["events"]), deployed_asl())
    return "```text\n" + shown.split("\ninputs and outputs", 1)[0].rstrip() + "\n```"


DEPLOY = REPO / "docs" / "deploy.md"
DOCS = REPO / "docs"
# Per document, its generated sections.
SECTIONS: dict[Path, dict[str, Callable[[], str]]] = {
    README: {
        "first-run": first_run,
        "evaluation-headline": evaluation_headline,
        "statemachine": lambda: mermaid(deployed_asl()),
        "sample-ids": sample_ids,
    },
    DOCS / "architecture.md": {"limits": limits_table, "retries": retries_table},
    DOCS / "development.md": {
        "agent-commands": agent_commands,
        "make-targets": make_targets,
        "demo-answers": demo_answers,
    },
    DOCS / "evaluation.md": {
        "evaluation": evaluation_table,
        "reply-kinds": reply_kinds_table,
        "model-calls": model_calls_table,
        "performance": performance_summary,
    },
    DOCS / "operate.md": {
        "dashboard-widgets": dashboard_widgets,
        "alarms": alarms_table,
        "saved-queries": saved_queries,
        "ledger-metrics": ledger_metrics,
        "ledger-cost": ledger_cost,
        "trace-example": trace_example,
    },
    DEPLOY: {
        "terraform-inputs": terraform_inputs,
        "terraform-outputs": terraform_outputs,
        "kms-key-policy": kms_key_policy,
    },
}


def render(text: str, sections: dict[str, Callable[[], str]]) -> str:
    for name, build in sections.items():
        pattern = re.compile(
            rf"(<!-- BEGIN GENERATED: {name} -->)(\n?).*?(<!-- END GENERATED: {name} -->)", flags=re.DOTALL
        )
        if not pattern.search(text):
            raise SystemExit(f"no generated section {name!r}")
        content = build()
        # A section on lines of its own stays a block; one inside a sentence stays inline.
        text = pattern.sub(
            lambda match, content=content: (
                f"{match.group(1)}\n{content}\n{match.group(3)}"
                if match.group(2)
                else f"{match.group(1)}{content}{match.group(3)}"
            ),
            text,
        )
    return text


def stale() -> list[Path]:
    """The documents whose generated sections are out of date."""
    return [
        path
        for path, sections in SECTIONS.items()
        if render(path.read_text("utf-8"), sections) != path.read_text("utf-8")
    ]


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(
        prog="agent docs", description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter
    )
    mode = parser.add_mutually_exclusive_group(required=True)
    mode.add_argument("--write", action="store_true")
    mode.add_argument("--check", action="store_true")
    args = parser.parse_args(argv)
    for path, sections in SECTIONS.items():
        current = path.read_text(encoding="utf-8")
        wanted = render(current, sections)
        if args.write and wanted != current:
            path.write_text(wanted, encoding="utf-8")
        elif args.check and wanted != current:
            print(f"{path.relative_to(REPO)}: generated sections are out of date: run `make docs`", file=sys.stderr)
            return 1
    return 0
