"""The state machine as a Mermaid flowchart: the README's picture, the trace command's drawing and the
local console's graph all come from here, drawn from the ASL Terraform deploys."""

from __future__ import annotations

from typing import Any


def _condition(rule: dict[str, Any]) -> str:
    if "And" in rule:
        return " and ".join(_condition(part) for part in rule["And"])
    if "Or" in rule:
        return " or ".join(_condition(part) for part in rule["Or"])
    if "Not" in rule:
        return f"not {_condition(rule['Not'])}"
    variable = rule["Variable"].rsplit(".", 1)[-1]
    operators = {
        "StringEquals": "=",
        "NumericEquals": "=",
        "NumericLessThan": "<",
        "NumericLessThanPath": "<",
        "NumericGreaterThan": ">",
        "BooleanEquals": "=",
    }
    for key, symbol in operators.items():
        if key in rule:
            value = rule[key]
            value = value.rsplit(".", 1)[-1] if key.endswith("Path") else value
            return f"{variable} {symbol} {value}"
    return variable


def _node(name: str, state: dict[str, Any]) -> str:
    kind = state["Type"]
    if kind == "Choice":
        return f"{name}{{{name}}}"
    if kind == "Task":
        return f"{name}[[{name}]]"
    if state.get("End") or kind in {"Succeed", "Fail"}:
        return f"{name}([{name}])"
    return f"{name}[{name}]"


def mermaid(asl: dict[str, Any]) -> str:
    """A Mermaid flowchart of the state machine: Tasks as double boxes, Choices as diamonds,
    endings as rounded boxes, catches as dotted arrows."""
    lines = ["flowchart TD", f"    start((start)) --> {asl['StartAt']}"]
    edges: list[str] = []

    def walk(states: dict[str, Any], indent: str) -> None:
        for name, state in states.items():
            if state["Type"] == "Map":
                processor = state["ItemProcessor"]
                lines.append(f"{indent}subgraph {name} [{name}: one branch per tool call, in parallel]")
                lines.append(f"{indent}    direction TB")
                walk(processor["States"], indent + "    ")
                lines.append(f"{indent}end")
            else:
                lines.append(f"{indent}{_node(name, state)}")
            if "Next" in state:
                edges.append(f"    {name} --> {state['Next']}")
            for choice in state.get("Choices", []):
                edges.append(f'    {name} -- "{_condition(choice)}" --> {choice["Next"]}')
            if "Default" in state:
                edges.append(f'    {name} -- "otherwise" --> {state["Default"]}')
            for catch in state.get("Catch", []):
                label = "timeout" if "States.Timeout" in catch["ErrorEquals"] else "error"
                edges.append(f'    {name} -. "{label}" .-> {catch["Next"]}')

    walk(asl["States"], "    ")
    return "\n".join(["```mermaid", *lines, *edges, "```"])
