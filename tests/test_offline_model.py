"""The offline stand-in decides from the prompt it is given: edit the prompt, change its answers."""

from __future__ import annotations

import pytest

from agent_core import prompts, registry
from agent_core.interpreting import Observation, interpreter_variables
from agent_core.planning import planner_variables
from harness import offline_model


def planner(question, earlier=(), template=None):
    text = template or prompts.prompt("planner").template
    return prompts._Template(text).substitute(planner_variables(question, list(earlier)))


def interpreter(question, records, template=None):
    observations = [Observation("order_status", "1", "found", text) for text in records]
    text = template or prompts.prompt("interpreter").template
    return prompts._Template(text).substitute(interpreter_variables(question, observations))


@pytest.mark.parametrize(
    ("question", "label"),
    [
        ("Which item was ordered for 123456?", "order_status"),
        ("When is my return rtn003 processed?", "return_status"),
        ("How is the weather in Scotland right now?", "no_tool"),
        ("Has order 123456 shipped and is return rtn001 processed?", "order_status, return_status"),
        ("hello", "small_talk"),
    ],
)
def test_planner_labels(question, label):
    assert offline_model.generate(planner(question)) == label


def test_follow_up_takes_the_topic_of_the_earlier_message():
    assert offline_model.generate(planner("When will it arrive?", ["Has order 123456 shipped?"])) == "order_status"
    assert offline_model.generate(planner("How much money do I get back?", ["Is rtn003 done?"])) == "return_status"


def test_editing_the_prompt_examples_changes_the_labels():
    template = prompts.prompt("planner").template.replace("tool: order_status", "tool: orders_api")
    assert offline_model.generate(planner("Which item was ordered for 123456?", template=template)) == "orders_api"
    no_weather = prompts.prompt("planner").template.replace('user: "How\'s the weather?"\ntool: no_tool\n\n', "")
    assert no_weather != prompts.prompt("planner").template
    # without its nearest example, the weather question falls to the default label all the same
    assert offline_model.generate(planner("How's the weather?", template=no_weather)) == "no_tool"


RECORD = "Return rtn001 for order 123459 (1 x Wireless Mouse): processed on 2026-10-20. Refund of $19.99 issued."


def test_interpreter_refuses_what_its_examples_refuse():
    prompt = interpreter("What's the impact of return rtn001 on world peace?", [RECORD])
    assert offline_model.generate(prompt) == "IRRELEVANT"


def test_without_the_refusal_examples_it_answers():
    template = prompts.prompt("interpreter").template
    blocks = template.split("\n\n")
    kept = "\n\n".join(block for block in blocks if "reply: IRRELEVANT" not in block)
    prompt = interpreter("What's the impact of return rtn001 on world peace?", [RECORD], template=kept)
    assert offline_model.generate(prompt).startswith("Return rtn001")


def test_interpreter_asks_for_more_when_a_record_is_missing():
    prompt = interpreter("Is return rtn001 done and has order 123456 shipped?", [RECORD])
    assert offline_model.generate(prompt) == "MORE"


def test_interpreter_quotes_the_records_for_a_relevant_question():
    prompt = interpreter("When was return rtn001 refunded?", [RECORD])
    answer = offline_model.generate(prompt)
    assert answer.startswith("Return rtn001") and "$19.99" in answer


def test_a_prompt_without_examples_gets_no_answer():
    assert offline_model.generate("Say something.\nreply:") == ""
    assert offline_model.generate("") == ""


def test_every_registry_tool_is_reachable_through_the_planner_examples():
    reached = set()
    for line in prompts.prompt("planner").template.splitlines():
        if line.startswith('user: "') and "${" not in line:
            reached.update(offline_model.generate(planner(line[7:-1])).split(", "))
    assert {tool.name for tool in registry.tools()} <= reached
