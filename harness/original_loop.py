"""The original write-up's agent loop, ported to count its model calls on the same questions.

The first write-up's orchestrator Lambda runs, for at most two iterations (MAX_LOOP_COUNT = 2):
task_planner (one model call) -> tool_parser (one tool and one id, else an error message) ->
tool_dispatch -> output_parser -> output_interpreter (one model call, only when the tool answered
200) -> loop while the task is not complete. Its code is abbreviated in the write-up; where it is
elided this port takes the plain reading: a turn that found no tool, no single id or no record is
not "complete", so the loop plans again; the interpreter's answer completes the task.

The port uses this repository's prompts, model backends and sample data, so the comparison is of
control flow alone: which calls each design makes for the same question.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from functools import cache
from typing import Any

from agent_core import interpreting, planning, registry
from agent_core.answers import answer
from agent_core.backends import Backend
from agent_core.model import generate
from agent_core.prompts import prompt
from harness.paths import SAMPLE_DATA_PATH

MAX_LOOP_COUNT = 2


@dataclass
class OriginalTurn:
    answer: str
    llm_calls: int
    iterations: int
    lookups: list[tuple[str, str]]


# What the original agent says when it uses no tool (the write-up's own words).
ORIGINAL_REFUSAL = "Sorry, I cannot answer that question."


@cache
def _records() -> dict[str, dict[str, dict[str, Any]]]:
    tables = json.loads(SAMPLE_DATA_PATH.read_text(encoding="utf-8"))["tables"]
    by_tool = {}
    for tool in registry.record_tools():  # the original's tools: lookups by id
        by_tool[tool.name] = {item[tool.argument]: item for item in tables[tool.table]["items"]}
    return by_tool


def tool_parser(prediction: str, user_input: str) -> tuple[str, str]:
    """One valid tool and exactly one id of it in the user's input, else an error (as in the original)."""
    tools, _ = planning.read_tool_names(prediction)
    tools = [name for name in tools if name in _records()]  # the original had lookups only
    if len(tools) != 1:
        raise ValueError("Sorry, I could not work out which tool to use.")
    ids = registry.extract_ids(user_input).get(tools[0], [])
    if len(ids) != 1:
        raise ValueError(f"Sorry, please give me one {registry.tool(tools[0]).display_name} id.")
    return tools[0], ids[0]


def run(question: str, model: Backend) -> OriginalTurn:
    final, complete, loops, calls, looked_up = "", False, 0, 0, []
    while not complete and loops < MAX_LOOP_COUNT:
        planner = prompt("planner")
        prediction = generate(model, planner.render(planning.planner_variables(question, [])), planner, 8).text
        calls += 1
        tool_name = tool_input = None
        error = ""
        try:
            tool_name, tool_input = tool_parser(prediction, question)
        except ValueError as exception:
            error = str(exception)
        if tool_name is not None and tool_input is not None:
            looked_up.append((tool_name, tool_input))
            record = _records()[tool_name].get(tool_input)
            if record is not None:  # status 200
                observation = interpreting.Observation(tool_name, tool_input, "found", json.dumps(record))
                interpreter = prompt("interpreter")
                variables = interpreting.interpreter_variables(question, [observation])
                text = generate(model, interpreter.render(variables), interpreter, 8).text
                calls += 1
                result = interpreting.interpret(question, [observation], text)
                complete, final = result.decision != "continue", result.answer
            else:
                display = registry.tool(tool_name).display_name
                final = answer("not_found", display_name=display, id=tool_input)
        else:
            final = ORIGINAL_REFUSAL if error == "" else error
        loops += 1
    return OriginalTurn(final, calls, loops, looked_up)
