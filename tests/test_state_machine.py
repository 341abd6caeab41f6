"""The ASL itself: valid, JSONPath only, every placeholder filled, every Task guarded."""

from __future__ import annotations

import copy
import json
import re

import pytest
from statelint.linter import Linter

from agent_core import answers, knowledge_base, model_errors, store
from harness.manifest import local_manifest, terraform_defaults
from harness.paths import ASL_PATH

RAW = ASL_PATH.read_text(encoding="utf-8")
LAMBDA_ERRORS = {
    "Lambda.ServiceException",
    "Lambda.AWSLambdaException",
    "Lambda.SdkClientException",
    "Lambda.TooManyRequestsException",
}


@pytest.fixture(scope="module")
def deployed():
    """What Terraform deploys with the variables' defaults (modules/definition, evaluated)."""
    return local_manifest()


@pytest.fixture(scope="module")
def asl(deployed):
    return json.loads(deployed.state_machine_definition)


def all_states(asl):
    """(name, state) for every state, those inside Map item processors included."""
    for name, state in asl["States"].items():
        yield name, state
        if state["Type"] == "Map":
            yield from all_states(state["ItemProcessor"])


def test_placeholders_are_exactly_the_values_given(deployed):
    assert set(re.findall(r"\$\{(?:jsonencode\()?([a-z_]+)", RAW)) == set(deployed["state_machine_values"])


def test_no_partition_is_written_into_the_asl(asl):
    """Service integration ARNs carry the deployment's partition (aws, aws-us-gov), never a literal."""
    assert "arn:aws:" not in RAW
    resources = {state["Resource"] for _, state in all_states(asl) if state["Type"] == "Task"}
    assert resources == {"arn:aws:states:::lambda:invoke"}  # rendered for the commercial partition


def test_rendered_asl_passes_statelint(asl):
    assert Linter.validate(asl) == []


def test_statelint_is_really_checking(asl):
    broken = copy.deepcopy(asl)
    broken["States"]["PlanToolUse"]["Next"] = "NoSuchState"
    broken["States"]["CountIteration"]["Retry"] = "nonsense"
    assert len(Linter.validate(broken)) >= 2


def test_jsonpath_only(asl):
    assert asl.get("QueryLanguage", "JSONPath") == "JSONPath"
    text = json.dumps(asl)
    assert "{%" not in text, "JSONata expressions cannot run in the local interpreter"
    for name, state in all_states(asl):
        assert state.get("QueryLanguage", "JSONPath") == "JSONPath", name
        assert not {"Arguments", "Output", "Assign"} & state.keys(), name


def test_turn_budget_bounds_the_whole_execution(asl):
    budget = terraform_defaults()["turn_budget_seconds"]
    assert asl["TimeoutSeconds"] == budget < 30  # Lex V2 waits about 30 s for the fulfilment Lambda
    assert asl["States"]["StartTurn"]["Parameters"]["turn"]["budget_seconds"] == budget


def test_every_task_has_a_timeout_retries_with_backoff_and_a_catch(asl):
    tasks = [(name, state) for name, state in all_states(asl) if state["Type"] == "Task"]
    assert {name for name, _ in tasks} == {"PlanToolUse", "ParseToolCalls", "CallTool", "InterpretToolResults"}
    for name, state in tasks:
        assert isinstance(state["TimeoutSeconds"], int) and state["TimeoutSeconds"] > 0, name
        retried = {error for retry in state["Retry"] for error in retry["ErrorEquals"]}
        assert retried >= LAMBDA_ERRORS, name
        for retry in state["Retry"]:
            assert retry.get("BackoffRate", 2.0) >= 1.5 and retry["JitterStrategy"] == "FULL", name
            assert retry["MaxAttempts"] <= 2, f"{name}: retries must fit the turn budget"
        assert any("States.ALL" in catch["ErrorEquals"] for catch in state["Catch"]), name


def test_retried_and_caught_error_names_are_raised_by_the_code(asl):
    """Step Functions matches a Lambda error by its exception class name: keep them in step."""
    raised = {
        model_errors.ModelThrottled.__name__,
        model_errors.ModelUnavailable.__name__,
        model_errors.ModelTimedOut.__name__,
        store.StoreUnavailable.__name__,
        knowledge_base.KnowledgeUnavailable.__name__,
        "TurnBudgetExhausted",
    }
    llm_source = (ASL_PATH.parents[1] / "functions" / "llm" / "handler.py").read_text()
    assert "class TurnBudgetExhausted(Exception)" in llm_source
    named = set()
    for _, state in all_states(asl):
        for rule in state.get("Retry", []) + state.get("Catch", []):
            named.update(error for error in rule["ErrorEquals"] if not error.startswith(("States.", "Lambda.")))
    assert named == raised


def test_model_errors_are_retried_only_on_model_tasks(asl):
    for name, state in all_states(asl):
        retried = {error for retry in state.get("Retry", []) for error in retry["ErrorEquals"]}
        assert ("ModelThrottled" in retried) == (name in {"PlanToolUse", "InterpretToolResults"}), name


TERMINAL_OUTCOMES = {
    "AnswerQuestion": "answered",
    "AnswerFromKnowledge": "knowledge",
    "AnswerSmallTalk": "small_talk",
    "HandOffToPerson": "handoff",
    "RefuseIrrelevantQuestion": "refused",
    "StopAtMaxIterations": "max_iterations",
    "FinishWithFindings": "partial",
    "DeclineOutOfScope": "out_of_scope",
    "AskForClarification": "clarify",
    "ApologiseForError": "error",
    "ApologiseForDelay": "too_slow",
}


def test_every_ending_gives_an_answer_outcome_iterations_and_tools(asl):
    endings = {name for name, state in asl["States"].items() if state.get("End")}
    assert endings == set(TERMINAL_OUTCOMES)
    for name, outcome in TERMINAL_OUTCOMES.items():
        parameters = asl["States"][name]["Parameters"]
        assert parameters["outcome"] == outcome
        assert "answer" in parameters or "answer.$" in parameters
        assert {"iterations.$", "tools.$"} <= parameters.keys()


def test_error_answers_come_from_the_answer_catalogue(asl):
    assert asl["States"]["ApologiseForError"]["Parameters"]["answer"] == answers.answer("error")
    assert asl["States"]["ApologiseForDelay"]["Parameters"]["answer"] == answers.answer("too_slow")
    for key in ("error", "too_slow"):
        assert not re.search(r"[{}\"\\\\%$]", answers.answer(key)), "keep templatefile-safe"


def test_every_state_is_reachable_and_every_path_ends(asl):
    def targets(state):
        found = [state.get("Next"), state.get("Default")]
        found += [choice.get("Next") for choice in state.get("Choices", [])]
        found += [catch["Next"] for catch in state.get("Catch", [])]
        return {target for target in found if target}

    seen, frontier = set(), [asl["StartAt"]]
    while frontier:
        name = frontier.pop()
        if name not in seen:
            seen.add(name)
            frontier.extend(targets(asl["States"][name]))
    assert seen == set(asl["States"])


def test_the_loop_is_bounded_by_the_counter(asl):
    decide = asl["States"]["DecideNextStep"]
    loop_rule = next(choice for choice in decide["Choices"] if choice["Next"] == "CountIteration")
    assert {"Variable": "$.loop.iteration", "NumericLessThanPath": "$.loop.max_iterations"} in loop_rule["And"]
    count = asl["States"]["CountIteration"]
    assert count["Parameters"]["iteration.$"] == "States.MathAdd($.loop.iteration, 1)"
    assert count["Next"] == "PlanToolUse"
    assert asl["States"]["StartTurn"]["Parameters"]["loop"]["max_iterations"] == terraform_defaults()["max_iterations"]


def test_dispatch_is_a_parallel_map_over_validated_calls(asl):
    dispatch = asl["States"]["DispatchToolCalls"]
    assert dispatch["Type"] == "Map" and dispatch["ItemsPath"] == "$.parsed.calls"
    assert dispatch["MaxConcurrency"] == 0
    call = dispatch["ItemProcessor"]["States"]["CallTool"]
    assert call["Parameters"]["FunctionName.$"] == "$.function"


def test_a_broken_copy_fails_these_checks(asl):
    """The structural checks above are live: remove a Catch and they notice."""
    broken = copy.deepcopy(asl)
    del broken["States"]["ParseToolCalls"]["Catch"]
    with pytest.raises(KeyError):
        test_every_task_has_a_timeout_retries_with_backoff_and_a_catch(broken)
