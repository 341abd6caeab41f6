"""The state machine as a Mermaid flowchart: the README's picture, the trace command's drawing and the
local console's graph all come from here, drawn from the ASL Terraform deploys."""

from __future__ import annotations

from collections.abc import Iterable
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


def mermaid(
    asl: dict[str, Any], visited: Iterable[str] | None = None, taken: Iterable[tuple[str, str]] | None = None
) -> str:
    """A Mermaid flowchart of the state machine: Tasks as double boxes, Choices as diamonds,
    endings as rounded boxes, catches as dotted arrows. ``visited`` states and ``taken`` transitions
    (from, to) are highlighted: the path of a traced turn (agent trace)."""
    lines = ["flowchart TD", f"    start((start)) --> {asl['StartAt']}"]
    edges: list[tuple[str, str, str]] = []  # (from, to, Mermaid line)

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
                edges.append((name, state["Next"], f"    {name} --> {state['Next']}"))
            for choice in state.get("Choices", []):
                edges.append((name, choice["Next"], f'    {name} -- "{_condition(choice)}" --> {choice["Next"]}'))
            if "Default" in state:
                edges.append((name, state["Default"], f'    {name} -- "otherwise" --> {state["Default"]}'))
            for catch in state.get("Catch", []):
                label = "timeout" if "States.Timeout" in catch["ErrorEquals"] else "error"
                edges.append((name, catch["Next"], f'    {name} -. "{label}" .-> {catch["Next"]}'))

    walk(asl["States"], "    ")
    body = ["```mermaid", *lines, *(line for _, _, line in edges)]
    if visited is not None or taken is not None:
        body += _highlights(asl, edges, set(visited or ()), set(taken or ()))
    return "\n".join([*body, "```"])


def _highlights(
    asl: dict[str, Any], edges: list[tuple[str, str, str]], visited: set[str], taken: set[tuple[str, str]]
) -> list[str]:
    """Mermaid styles for a path: its states filled, its transitions thick. Link 0 is start's."""
    maps = {name for name, state in asl["States"].items() if state["Type"] == "Map"}  # drawn as subgraphs
    styles = ["    classDef visited fill:#c9f2d0,stroke:#1a7f37,stroke-width:2px"]
    if visited - maps:
        styles.append(f"    class {','.join(sorted(visited - maps))} visited")
    styles += [f"    style {name} fill:#eefbf0,stroke:#1a7f37,stroke-width:2px" for name in sorted(visited & maps)]
    links = [0] if asl["StartAt"] in visited else []
    seen: set[tuple[str, str]] = set()
    for index, (source, target, _) in enumerate(edges, start=1):
        if (source, target) in taken and (source, target) not in seen:  # one arrow per pair: a catch may repeat one
            seen.add((source, target))
            links.append(index)
    if links:
        styles.append(f"    linkStyle {','.join(map(str, links))} stroke:#1a7f37,stroke-width:3px")
    return styles
