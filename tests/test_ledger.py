"""The per-turn ledger (agent_core/ledger.py): token counts (reported or estimated), the usage the state
machine carries, the price of a turn, and what the fulfilment Lambda emits once per turn (EMF)."""

from __future__ import annotations

import io
import json
import math

import pytest

from agent_core import ledger, model
from agent_core.model_errors import ModelUnavailable
from agent_core.observability import declared, metric
from harness import chat
from support import REPO
from test_model_client import PLANNER, bedrock_backend, ok_response, stubbed_backend

PRICE = ledger.prices()


# ---------------------------------------------------------------- tokens: reported, else estimated


def test_bedrock_reports_the_tokens_it_counted():
    backend, stub = bedrock_backend()
    stub.add_response(
        "converse",
        {
            "output": {"message": {"role": "assistant", "content": [{"text": "order_status"}]}},
            "stopReason": "end_turn",
            "usage": {"inputTokens": 412, "outputTokens": 3, "totalTokens": 415},
            "metrics": {"latencyMs": 210},
        },
    )
    with stub:
        generation = model.generate(backend, "hello", PLANNER, 8)
    assert (generation.text, generation.tokens_in, generation.tokens_out) == ("order_status", 412, 3)
    assert not generation.tokens_estimated


def test_a_chat_completions_endpoint_reports_them_and_flan_does_not():
    backend, stub = stubbed_backend("messages")
    body = {
        "choices": [{"message": {"content": "order_status"}}],
        "usage": {"prompt_tokens": 77, "completion_tokens": 2},
    }
    stub.add_response("invoke_endpoint", ok_response(json.dumps(body).encode()))
    with stub:
        reported = model.generate(backend, "hello", PLANNER, 8)
    assert (reported.tokens_in, reported.tokens_out, reported.tokens_estimated) == (77, 2, False)
    backend, stub = stubbed_backend("text2text")
    stub.add_response("invoke_endpoint", ok_response(b'{"generated_texts": ["order_status"]}'))
    prompt_text = "x" * 401
    with stub:
        estimated = model.generate(backend, prompt_text, PLANNER, 8)
    assert estimated.tokens_estimated
    assert (estimated.tokens_in, estimated.tokens_out) == (math.ceil(401 / 4), math.ceil(len("order_status") / 4))


def test_tgi_reports_generated_tokens_only_with_details():
    from agent_core.payloads import PAYLOAD_FORMATS

    assert PAYLOAD_FORMATS["tgi"].usage([{"generated_text": "x", "details": {"generated_tokens": 5}}]) == (None, 5)
    assert PAYLOAD_FORMATS["tgi"].usage([{"generated_text": "x"}]) == (None, None)
    assert ledger.estimate_tokens("") == 0 and ledger.estimate_tokens("abcde") == 2


# ---------------------------------------------------------------- usage through the state machine


def test_usage_reads_defensively_and_adds_up():
    assert ledger.ModelUsage.read({"model_calls": "2", "tokens_in": -5, "model_ms": True}) == ledger.ModelUsage()
    usage = ledger.ModelUsage().with_invocation(plan=True).with_call(120, 400, 3, estimated=True)
    usage = usage.with_invocation(plan=False).with_call(80, 500, 40, estimated=False)
    assert usage == ledger.ModelUsage(2, 200, 900, 43, 1, 2, 1)
    assert usage.tokens_counted == "estimated" and ledger.ModelUsage().tokens_counted == "none"
    assert ledger.ModelUsage.read(usage.to_dict()) == usage


def test_every_ending_of_the_state_machine_returns_the_turns_usage():
    """The usage the LLM steps add up must reach the execution's output, whichever way the turn ends
    (a new ending, such as a handoff, must carry it too)."""
    from harness.docs import deployed_asl

    asl = deployed_asl()
    endings = {name: state for name, state in asl["States"].items() if state.get("End")}
    assert len(endings) >= 8
    for name, state in endings.items():
        source = state["Parameters"].get("usage.$", "")
        assert source in ("$.plan.usage", "$.interpretation.usage", "$.loop.usage"), name
    for task in ("PlanToolUse", "InterpretToolResults"):
        assert asl["States"][task]["ResultSelector"]["usage.$"] == "$.Payload.usage"
        assert "usage.$" in asl["States"][task]["Parameters"]["Payload"]
    assert asl["States"]["CountIteration"]["Parameters"]["usage.$"] == "$.interpretation.usage"


# ---------------------------------------------------------------- prices


def test_a_turn_is_priced_with_the_cost_models_prices():
    output = {
        "iterations": 1,
        "tools": [
            {"tool": "order_status", "id": "1", "status": "found"},
            {"tool": "order_status", "id": "2", "status": "error"},
        ],
        "usage": {
            "model_calls": 2,
            "model_ms": 3000,
            "tokens_in": 1000,
            "tokens_out": 50,
            "llm_invocations": 2,
            "plans": 1,
        },
    }
    common = {"execution": "e", "outcome": "answered", "latency_ms": 3400, "output": output, "lambda_gb": 0.25}
    bedrock = ledger.turn_ledger(model="bedrock:us.amazon.nova-micro-v1:0", **common)
    assert bedrock.cost_usd["Model"] == pytest.approx(
        1000 * PRICE["bedrock:amazon.nova-micro-v1:0:input"] + 50 * PRICE["bedrock:amazon.nova-micro-v1:0:output"]
    )
    endpoint = ledger.turn_ledger(model="sagemaker:ml.g5.12xlarge", **common)
    assert endpoint.cost_usd["Model"] == pytest.approx(3 / 3600 * PRICE["sagemaker:ml.g5.12xlarge"])
    unknown = ledger.turn_ledger(model="sagemaker:unknown", **common)
    assert unknown.cost_usd["Model"] == 0 and not unknown.model_priced and endpoint.model_priced
    assert endpoint.tools == {"order_status": {"calls": 2, "errors": 1}} and not endpoint.failed
    # fulfilment + 2 LLM steps + 1 parse + 2 lookups; Step Functions as billed when the response says
    assert endpoint.cost_usd["Lambda"] == pytest.approx(
        6 * PRICE["lambda_request"] + (3.4 + 3 + 2 * 0.05 + 3 * 0.03) * 0.25 * PRICE["lambda_arm_gb_second"]
    )
    billed = ledger.turn_ledger(model="x", express_billed=(3.5, 0.0625), **common)
    assert billed.cost_usd["Step Functions"] == pytest.approx(
        PRICE["express_request"] + 3.5 * 0.0625 * PRICE["express_gb_second"]
    )
    assert ledger.turn_ledger(model="x", via_lex=False, **common).cost_usd["Lex"] == 0
    assert ledger.turn_ledger(model="x", **{**common, "outcome": "too_slow"}).failed


def test_the_cost_model_prices_turns_with_the_ledgers_formula_and_prices():
    from harness import cost

    assert {name: price.value for name, price in cost.PRICES.items()} == PRICE
    usage = cost.Usage(llm_calls=2, lambda_invocations=5, transitions=9, lookups=1, log_bytes=40_000)
    assert cost.per_turn(usage, 1.5) == ledger.orchestration_cost(
        PRICE,
        turn_seconds=2 * 1.5 + cost.GLUE_SECONDS,
        model_calls=2,
        model_seconds=3.0,
        lambda_invocations=5,
        lookups=1,
        lambda_gb=cost.LAMBDA_GB,
        log_bytes=40_000,
    )
    assert "## What the ledger costs in CloudWatch" in (REPO / "docs" / "cost.md").read_text()


# ---------------------------------------------------------------- what a local turn emits


def documents(stream):
    return [json.loads(line) for line in stream.splitlines() if line.startswith('{"_aws"')]


def test_a_local_turn_emits_its_ledger_as_metrics_and_one_line(agents):
    sink = io.StringIO()
    agent = agents.get("offline", log_sink=sink, log_level="INFO")
    question = "Has order 123456 shipped and is return rtn001 processed? I am Jane Roe."
    turn = agent.ask(agent.session(), question)
    fulfilment = [d for d in documents(sink.getvalue()) if d["service"] == "fulfilment"]
    (main,) = [d for d in fulfilment if "ledger" in d]
    (directive,) = main["_aws"]["CloudWatchMetrics"]
    assert directive["Dimensions"] == [["service"]]
    expected = {metric(role).name: metric(role).unit for role in (
        "turns", "turn_latency", "turn_failed", "iterations", "turn_model_calls", "turn_model_latency",
        "turn_tool_calls", "turn_cost",
    )}  # fmt: skip
    assert {m["Name"]: m["Unit"] for m in directive["Metrics"]} == expected
    line = main["ledger"]
    assert line == turn.ledger and line["execution_arn"].endswith(
        f":{line['execution']}:" + line["execution_arn"].rsplit(":", 1)[1]
    )
    assert main["TurnModelCalls"] == [float(turn.llm_calls)] == [2.0] and main["Iterations"] == [float(turn.iterations)]
    assert main["TurnToolCalls"] == [2.0] and main["TurnFailed"] == [0.0] and main["Turns"] == [1.0]
    assert (
        main["TurnLatency"] == [float(line["latency_ms"])]
        and main["TurnCost"] == [line["cost_usd"]]
        and line["cost_usd"] > 0
    )
    assert line["tokens_counted"] == "estimated" and line["tokens_in"] > 500
    by_dimension = {(d.get("outcome"), d.get("counted"), d.get("tool")): d for d in fulfilment if "ledger" not in d}
    assert by_dimension[("answered", None, None)]["TurnOutcome"] == [1.0]
    tokens = by_dimension[(None, "estimated", None)]
    assert (tokens["TokensIn"], tokens["TokensOut"]) == ([float(line["tokens_in"])], [float(line["tokens_out"])])
    for tool in ("order_status", "return_status"):
        assert (by_dimension[(None, None, tool)]["ToolCalls"], by_dimension[(None, None, tool)]["ToolErrors"]) == (
            [1.0],
            [0.0],
        )
    for text in ("Jane Roe", "Has order", "Organic Handsoap"):  # no user text, no records
        assert text not in json.dumps(fulfilment)


class Down:
    label = "a model that is down"

    def generate(self, text, prompt, timeout_seconds):
        raise ModelUnavailable("down")


def test_a_failed_turn_is_counted_as_failed(agents):
    sink = io.StringIO()
    agent = agents.get(Down(), log_sink=sink)
    turn = agent.ask(agent.session(), "Which item was ordered for 123456?")
    (main,) = [d for d in documents(sink.getvalue()) if "ledger" in d]
    assert turn.ledger["outcome"] == "error" and turn.ledger["failed"] is True and main["TurnFailed"] == [1.0]
    assert turn.ledger["model_calls"] == 0 and turn.ledger["tokens_counted"] == "none"
    assert not any("counted" in d for d in documents(sink.getvalue()))  # no token metrics without a call


def test_make_demo_prints_each_turns_ledger_line(agents, capsys):
    agents.close()  # make demo runs its own local agent
    assert chat.main(["--conversations", str(REPO / "data" / "eval" / "original_cases.jsonl")]) == 0
    out = capsys.readouterr().out
    ledgers = [line.strip() for line in out.splitlines() if line.strip().startswith("ledger:")]
    assert len(ledgers) == 6
    assert all(" ms | iterations " in line and "| tokens in/out " in line and " | ~$" in line for line in ledgers)
    assert sum("(estimated)" in line for line in ledgers) == 6  # the stand-in reports no counts
    assert [line.split()[1] for line in ledgers] == [
        "answered",
        "answered",
        "out_of_scope",
        "answered",
        "answered",
        "refused",
    ]


def test_every_declared_metric_has_a_unit_cloudwatch_knows():
    from aws_lambda_powertools.metrics import MetricUnit

    for spec in declared().values():
        MetricUnit(spec.unit)
        assert spec.service in {"fulfilment", "llm", "parse", "tool"} and spec.description


def test_questions_piped_into_chat_are_shown_with_their_answers(agents, capsys, monkeypatch):
    agents.close()
    monkeypatch.setattr("sys.stdin", io.StringIO("Has order 123456 shipped?\n"))
    assert chat.main([]) == 0
    out = capsys.readouterr().out
    assert "you> Has order 123456 shipped?\nagent> Order 123456: shipped" in out
