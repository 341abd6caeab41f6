"""Parsing the planner's output: tolerant of what models write, strict about tools and ids."""

from __future__ import annotations

import pytest

from agent_core import registry
from agent_core.limits import MAX_CALLS_PER_TURN, MAX_IDS_PER_TOOL
from agent_core.planning import plan_calls, read_tool_names


@pytest.mark.parametrize(
    ("text", "tools", "rejected"),
    [
        ("order_status", ["order_status"], []),
        ("order_inquiry", ["order_status"], []),
        ("returns_inquiry", ["return_status"], []),
        ("Tool: order_status", ["order_status"], []),
        (" tool: Order_Status.", ["order_status"], []),
        ("order_status, return_status", ["order_status", "return_status"], []),
        ("ORDER STATUS and Return Status", ["order_status", "return_status"], []),
        ('"order_status"', ["order_status"], []),
        ("retrun_status", ["return_status"], []),
        ("order_stauts", ["order_status"], []),
        ("no_tool", [], []),
        ("no tool", [], []),
        ("", [], []),
        ("I am not sure", [], []),
        ("weather_api", [], ["weather_api"]),
        ("order_status, delete_order", ["order_status"], ["delete_order"]),
        # chat models explain themselves: the first name read decides
        ("no_tool (the customer asks about the return policy, not a specific return)", [], []),
        ("No tool is needed: this is a general question about orders.", [], []),
        ("None. The question is about our return policy.", [], []),
        ("order_status (a specific order, not no_tool)", ["order_status"], []),
    ],
)
def test_tool_names_are_read_tolerantly(text, tools, rejected):
    assert read_tool_names(text) == (tools, rejected)


def test_ids_come_from_this_turn_first():
    plan = plan_calls("order_status", "And order 123457?", ["Which item was ordered for 123456?"])
    assert [(c.tool, c.id, c.id_source) for c in plan.calls] == [("order_status", "123457", "this_turn")]


def test_follow_up_takes_the_id_from_the_latest_earlier_turn_that_has_one():
    earlier = ["Is order 111111 here?", "Which item was ordered for 123456?", "thanks"]
    plan = plan_calls("order_status", "When will it arrive?", earlier)
    assert [(c.id, c.id_source) for c in plan.calls] == [("123456", "earlier_turn")]


def test_ids_in_the_model_output_are_ignored():
    plan = plan_calls("order_status for order 999999 and rtn555", "Has my order shipped?", [])
    assert plan.outcome == "clarify"
    assert plan.calls == []
    assert plan.message and "order number" in plan.message


def test_no_id_anywhere_asks_for_the_id_of_the_chosen_tool():
    plan = plan_calls("return_status", "Is my return processed?", ["hello"])
    assert plan.outcome == "clarify"
    assert plan.message == "Could you tell me your return id? It starts with rtn, for example rtn001."


def test_several_ids_in_an_earlier_turn_are_ambiguous():
    plan = plan_calls("order_status", "When will it arrive?", ["Compare order 123456 and 123457"])
    assert plan.outcome == "clarify"
    assert plan.message == "You mentioned more than one order (123456, 123457). Which one do you mean?"


def test_several_ids_in_this_turn_are_all_looked_up():
    plan = plan_calls("order_status", "Have 123456 and 123457 shipped?", [])
    assert plan.outcome == "call_tools"
    assert [c.id for c in plan.calls] == ["123456", "123457"]


def test_too_many_ids_ask_to_narrow_down():
    ids = " ".join(str(100000 + i) for i in range(MAX_IDS_PER_TOOL + 1))
    plan = plan_calls("order_status", f"orders {ids}", [])
    assert plan.outcome == "clarify"
    assert plan.calls == []


def test_calls_per_turn_are_capped():
    orders = " ".join(str(200000 + i) for i in range(MAX_IDS_PER_TOOL))
    returns = " ".join(f"rtn{i:03d}" for i in range(MAX_IDS_PER_TOOL))
    plan = plan_calls("order_status, return_status", f"{orders} {returns}", [])
    assert 2 * MAX_IDS_PER_TOOL > MAX_CALLS_PER_TURN
    assert plan.outcome == "clarify"
    assert (
        plan.message == f"I can look up at most {MAX_CALLS_PER_TURN} things at a time. Which ones should I check first?"
    )


def test_a_tool_without_an_id_is_asked_about_while_the_other_is_looked_up():
    plan = plan_calls("order_status, return_status", "Has order 123456 shipped and where is my return?", [])
    assert plan.outcome == "call_tools"
    assert [(c.tool, c.id) for c in plan.calls] == [("order_status", "123456")]
    assert plan.message == registry.tool("return_status").ask_for_id


def test_a_later_step_asks_for_the_missing_id_instead_of_giving_up():
    plan = plan_calls(
        "order_status, return_status",
        "Has order 123456 shipped and where is my return?",
        [],
        already_called=[("order_status", "123456")],
    )
    assert (plan.outcome, plan.calls) == ("clarify", [])
    assert plan.message == registry.tool("return_status").ask_for_id


def test_lookups_alone_carry_no_question():
    assert plan_calls("order_status", "Has order 123456 shipped?", []).message is None


def test_unknown_tools_alone_mean_a_last_search_before_declining():
    plan = plan_calls("weather_api", "How is the weather?", [])
    assert plan.outcome == "call_tools" and plan.fallback
    assert [(call.tool, call.text, call.strict) for call in plan.calls] == [
        ("knowledge_search", "How is the weather?", True)
    ]
    assert plan.rejected == ["weather_api"]
    assert plan.message.startswith("Sorry, I cannot answer that question. I can help with your orders and returns")


def test_nothing_new_in_a_later_iteration():
    plan = plan_calls("order_status", "Has order 123456 shipped?", [], already_called=[("order_status", "123456")])
    assert plan.outcome == "nothing_new"
    later_no_tool = plan_calls("no_tool", "Has order 123456 shipped?", [], already_called=[("order_status", "123456")])
    assert later_no_tool.outcome == "nothing_new"


def test_later_iteration_calls_only_the_new_tool():
    plan = plan_calls(
        "order_status, return_status",
        "Has order 123456 shipped and is rtn001 done?",
        [],
        already_called=[("order_status", "123456")],
    )
    assert [(c.tool, c.id) for c in plan.calls] == [("return_status", "rtn001")]


def test_later_steps_share_the_turns_lookup_budget():
    question = "Orders 123456, 123457, 123458 and returns rtn001, rtn002, rtn003: status?"
    done = [("order_status", "123456"), ("order_status", "123457"), ("order_status", "123458")]
    plan = plan_calls("return_status", question, [], already_called=done)
    assert [c.id for c in plan.calls] == ["rtn001"][: MAX_CALLS_PER_TURN - len(done)]
    full = [*done, ("return_status", "rtn001")][:MAX_CALLS_PER_TURN]
    assert plan_calls("return_status", question, [], already_called=full).outcome == "nothing_new"
