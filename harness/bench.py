"""Performance figures, printed as tables (not timed tests): make bench.

  agent bench [--quick] [--suite] [--write docs/performance.md] [--json-out bench.json]

1. LLM calls, iterations, state transitions and Lambda invocations per turn, by kind of turn, for
   this state machine and for the original write-up's loop (harness/original_loop.py) on the same
   questions, both with the offline stand-in.
2. Prompt sizes (characters, approximate tokens) and how the planner prompt grows with the number
   of tools.
3. Cold start per Lambda: import time of its handler in a fresh interpreter (median of several
   runs), what costs most, the Powertools Tracer's cost, and each function's package size (the
   file lists Terraform's modules/definition computes, zipped).
4. Orchestration cost per turn on AWS (Express: per request and per 100 ms).
5. Wall time of the local demo (and, with --suite, of the test suite).
"""

from __future__ import annotations

import argparse
import contextlib
import io
import json
import os
import platform
import re
import shutil
import statistics
import subprocess
import sys
import sysconfig
import tempfile
import time
import zipfile
from collections.abc import Iterator
from datetime import date
from pathlib import Path
from typing import Any

from agent_core import interpreting, knowledge, limits, planning, prompts, registry
from harness.manifest import local_manifest
from harness.models import OfflineBackend
from harness.original_loop import run as run_original
from harness.paths import REPO
from harness.runtime import LocalAgent

KINDS = {
    "out of scope": ["How is the weather in Scotland right now?", "Tell me a joke", "What is the capital of Peru?"],
    "policy": ["What is your refund policy?", "Which payment methods do you accept?", "Do you ship to Canada?"],
    "small talk": ["Hi there", "Thanks, bye!"],
    "handoff": ["Can I talk to a human?"],
    "one tool": [
        "Which item was ordered for 123456?",
        "When is my return rtn003 processed?",
        "Has order 789012 shipped?",
    ],
    "two tools": [
        "Has order 123456 shipped and is return rtn001 processed?",
        "Is rtn003 done and where is order 123457?",
    ],
    "unknown id": ["Which item was ordered for 383833?", "When is my return rtn123 processed?"],
    "clarification": ["Has my order shipped?", "Is my return processed yet?"],
}
# What Express bills (us-east-1, see docs/cost.md): per request, and per GB-second in 100 ms steps
# at 64 MB steps of memory.
EXPRESS_PER_REQUEST = 1.00 / 1_000_000
EXPRESS_PER_GB_SECOND = 0.00001667
ASSUMED_MODEL_SECONDS = 1.5  # a Flan-UL2 call on ml.g5.12xlarge, for the duration estimates


def turns_by_kind() -> list[dict[str, Any]]:
    rows = []
    with LocalAgent("offline") as agent:
        for kind, questions in KINDS.items():
            ours = [agent.ask(agent.session(), question) for question in questions]
            original = [run_original(question, OfflineBackend()) for question in questions]
            rows.append(
                {
                    "kind": kind,
                    "questions": len(questions),
                    "llm_calls": statistics.fmean(t.llm_calls for t in ours),
                    "original_llm_calls": statistics.fmean(t.llm_calls for t in original),
                    "iterations": statistics.fmean(t.iterations for t in ours),
                    "original_iterations": statistics.fmean(t.iterations for t in original),
                    "answered_like_ours": sum(o.answer == t.answer for o, t in zip(original, ours, strict=True)),
                    "transitions": statistics.fmean(t.transitions for t in ours),
                    "lambda_invocations": statistics.fmean(t.lambda_invocations for t in ours),
                    "local_ms": statistics.median(t.elapsed_ms for t in ours),
                }
            )
    return rows


FLAN_UL2_INPUT_TOKENS = 2048  # the default model's input limit; the generated answer does not count


def prompt_sizes() -> dict[str, Any]:
    planner = prompts.prompt("planner")
    rendered = planner.render(planning.planner_variables("Which item was ordered for 123456?", ["Hello"]))
    # The longest a planner prompt gets: a question and remembered messages at their limits, a later step.
    longest = planner.render(
        planning.planner_variables(
            "word " * limits.MAX_QUESTION_CHARS,
            ["word " * limits.MAX_HISTORY_TEXT_CHARS] * limits.MAX_HISTORY_TURNS,
            [("order_status", "123456")] * (limits.MAX_CALLS_PER_TURN - 1),
        )
    )
    record = interpreting.Observation(
        "order_status", "123456", "found", "Order 123456: 2 x Organic Handsoap, total $25.98, ordered on 2026-10-28."
    )
    interpreter = prompts.prompt("interpreter").render(
        interpreting.interpreter_variables("Which item was ordered for 123456?", [record])
    )
    search = interpreting.Observation(
        "knowledge_search", "", "found", "word " * limits.MAX_SEARCH_OBSERVATION_CHARS, ("refund-policy",)
    )
    lookups = [
        interpreting.Observation("order_status", str(123456 + n), "found", "word " * limits.MAX_OBSERVATION_CHARS)
        for n in range(limits.MAX_RECORDS_IN_PROMPT - 1)
    ]
    interpreter_longest = prompts.prompt("interpreter").render(
        interpreting.interpreter_variables("word " * limits.MAX_QUESTION_CHARS, [search, *lookups])
    )
    examples_per_tool = 3  # what a new tool needs in the prompt: a few messages that should pick it
    tool_line = len(registry.planner_tool_list()) / len(registry.tools())
    example_chars = statistics.fmean(  # a 'user: "..."' line, its 'tool: ...' line and a blank line
        len(block) + 2 for block in re.findall(r'user: "[^"]*"\ntool: [a-z_, ]+', planner.template)
    )
    per_tool = tool_line + examples_per_tool * example_chars
    growth = []
    for tools in (2, 4, 8, 16, 32):
        extra = tools - len(registry.tools())
        chars = len(rendered) + extra * per_tool
        growth.append({"tools": tools, "chars": round(chars), "tokens": round(chars / 4)})
    tools_that_fit = len(registry.tools()) + int((FLAN_UL2_INPUT_TOKENS * 4 - len(rendered)) // per_tool)
    return {
        "planner": {"chars": len(rendered), "tokens": round(len(rendered) / 4)},
        "planner_longest": {"chars": len(longest), "tokens": round(len(longest) / 4)},
        "tools_that_fit": tools_that_fit,
        "interpreter": {"chars": len(interpreter), "tokens": round(len(interpreter) / 4)},
        "interpreter_longest": {"chars": len(interpreter_longest), "tokens": round(len(interpreter_longest) / 4)},
        "planner_growth": growth,
        "examples_per_tool": examples_per_tool,
    }


def knowledge_figures(runs: int) -> dict[str, Any]:
    """The knowledge tool's index: built from knowledge/*.md when the function starts (in memory), its
    size, and what a search costs. The index's build time is part of the tool's cold start above."""
    folder = REPO / "knowledge"
    builds, searches = [], []
    for _ in range(runs):
        started = time.perf_counter()
        index = knowledge.Index(knowledge.load_entries(folder))
        builds.append((time.perf_counter() - started) * 1000)
        started = time.perf_counter()
        index.search("Which payment methods do you accept?")
        searches.append((time.perf_counter() - started) * 1000)
    entries = sorted(folder.glob("*.md"))
    return {
        "entries": len(index.entries),
        "markdown_bytes": sum(path.stat().st_size for path in entries if path.name != "README.md"),
        "index_bytes": len(index.serialise()),
        "build_ms": round(statistics.median(builds), 1),
        "search_ms": round(statistics.median(searches), 2),
    }


_IMPORT_SNIPPET = """
import time, importlib
started = time.perf_counter()
importlib.import_module({module!r})
print((time.perf_counter() - started) * 1000)
"""


@contextlib.contextmanager
def unpacked_packages() -> Iterator[dict[str, Path]]:
    """Every function's package, unpacked from the file lists Terraform zips (modules/definition)."""
    with tempfile.TemporaryDirectory(prefix="bench-packages-") as workdir:
        roots = {}
        for name, files in local_manifest()["packages"].items():
            root = Path(workdir) / name
            for inside, source in files.items():
                (root / inside).parent.mkdir(parents=True, exist_ok=True)
                shutil.copyfile(source, root / inside)
            roots[name] = root
        yield roots


def _fresh_interpreter_ms(code: str, package: Path | None = None, environment: dict[str, str] | None = None) -> float:
    """Run ``code`` in a new interpreter; with ``package``, as Lambda would: the unpacked zip and the
    third-party libraries on the path (the runtime's and the Powertools layer's), the repository's
    editable install out of sight (-S: no site initialisation), and the function's environment."""
    command, env = [sys.executable, "-c", code], None
    if package is not None:
        site_packages = sysconfig.get_paths()["purelib"]
        command = [sys.executable, "-S", "-c", code]
        env = {"PATH": os.environ.get("PATH", ""), "PYTHONPATH": f"{package}{os.pathsep}{site_packages}"}
        env |= {"AWS_REGION": "us-east-1", **(environment or {})}
    output = subprocess.run(command, capture_output=True, text=True, check=True, cwd=package, env=env).stdout
    return float(output.strip().splitlines()[-1])


def cold_starts(runs: int) -> dict[str, Any]:
    manifest = local_manifest()
    functions = {}
    with unpacked_packages() as roots:
        for folder, root in sorted(roots.items()):
            code = _IMPORT_SNIPPET.format(module=f"{folder}.handler")
            environment = manifest.environment(folder)
            times = [_fresh_interpreter_ms(code, root, environment) for _ in range(runs)]
            files = manifest["packages"][folder]
            functions[folder] = {
                "import_ms": round(statistics.median(times)),
                "package_bytes": zipped_size(files),
                "package_files": len(files),
            }
        heaviest = heaviest_imports(roots["fulfilment"], manifest.environment("fulfilment"))
    tracer = "from aws_lambda_powertools import Tracer\nimport time\nt = time.perf_counter()\n"
    tracer += "Tracer(service='x', disabled=False)\nprint((time.perf_counter() - t) * 1000)"
    try:
        tracer_ms: float | None = statistics.median(_fresh_interpreter_ms(tracer) for _ in range(runs))
    except subprocess.CalledProcessError:
        tracer_ms = None  # aws-xray-sdk is not installed
    client_floor = "import time\nt = time.perf_counter()\nimport botocore.session\n"
    client_floor += "botocore.session.get_session().create_client('stepfunctions', region_name='us-east-1')\n"
    client_floor += "print((time.perf_counter() - t) * 1000)"
    return {
        "functions": functions,
        "heaviest_imports": heaviest,
        "tracer_ms": tracer_ms,
        # what the fulfilment Lambda cannot do without: botocore and a Step Functions client, nothing else
        "stepfunctions_client_ms": round(statistics.median(_fresh_interpreter_ms(client_floor) for _ in range(runs))),
    }


def heaviest_imports(package: Path, environment: dict[str, str], top: int = 6) -> list[dict[str, Any]]:
    """What the fulfilment handler's import spends its time on (python -X importtime), top-level only."""
    site_packages = sysconfig.get_paths()["purelib"]
    env = {"PATH": os.environ.get("PATH", ""), "PYTHONPATH": f"{package}{os.pathsep}{site_packages}"}
    env |= {"AWS_REGION": "us-east-1", **environment}
    code = _IMPORT_SNIPPET.format(module="fulfilment.handler")
    stderr = subprocess.run(
        [sys.executable, "-S", "-X", "importtime", "-c", code],
        capture_output=True,
        text=True,
        check=True,
        cwd=package,
        env=env,
    ).stderr
    rows = []
    for line in stderr.splitlines():
        match = re.match(r"import time:\s+(\d+) \|\s+(\d+) \| (\s*)(\S+)", line)
        if match and match.group(3) == "  ":  # imported directly by fulfilment.handler
            rows.append({"module": match.group(4), "cumulative_ms": round(int(match.group(2)) / 1000)})
    return sorted(rows, key=lambda row: -row["cumulative_ms"])[:top]


def zipped_size(files: dict[str, str]) -> int:
    """The size of a function's zip, made as Terraform's archive_file makes it."""
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", zipfile.ZIP_DEFLATED) as archive:
        for inside, source in sorted(files.items()):
            archive.write(source, inside)
    return len(buffer.getvalue())


def orchestration_cost(rows: list[dict[str, Any]]) -> list[dict[str, Any]]:
    costs = []
    for row in rows:
        seconds = row["llm_calls"] * ASSUMED_MODEL_SECONDS + 0.3  # model time plus the tools' and glue
        billed = max(0.1, -(-seconds // 0.1) * 0.1)  # rounded up to 100 ms
        per_turn = EXPRESS_PER_REQUEST + billed * 0.0625 * EXPRESS_PER_GB_SECOND  # 64 MB
        costs.append(
            {"kind": row["kind"], "seconds": round(seconds, 1), "express_per_1000_turns": round(per_turn * 1000, 5)}
        )
    return costs


def wall_times(suite: bool) -> dict[str, Any]:
    started = time.perf_counter()
    for conversations in ("original_cases.jsonl", "demo.jsonl"):  # what make demo runs
        subprocess.run(
            [sys.executable, "-m", "harness.cli", "chat", "--conversations", str(REPO / "data/eval" / conversations)],
            capture_output=True,
            check=True,
        )
    times: dict[str, Any] = {"demo_s": round(time.perf_counter() - started, 1), "suite_s": None}
    if suite:
        started = time.perf_counter()
        subprocess.run(
            [sys.executable, "-m", "pytest", "-q", "-n", "2", "--dist", "worksteal"],
            cwd=REPO,
            capture_output=True,
            check=False,
        )
        times["suite_s"] = round(time.perf_counter() - started, 1)
    return times


def first_run() -> dict[str, Any]:
    """``make test`` on a fresh clone of this repository's HEAD, as CI runs it (every virtualenv built),
    then again with everything in place; the disk the virtualenvs take."""
    with tempfile.TemporaryDirectory(prefix="bench-clone-") as workdir:
        clone = Path(workdir) / "repo"
        subprocess.run(["git", "clone", "--quiet", str(REPO), str(clone)], check=True)
        timings, outcomes = [], []
        for _ in range(2):
            started = time.perf_counter()
            run = subprocess.run(["make", "test"], cwd=clone, capture_output=True, text=True, check=False)
            timings.append(round(time.perf_counter() - started, 1))
            outcomes.append(pytest_summary(run.stdout) or f"exit {run.returncode}")
        du = subprocess.run(
            ["du", "-sb", ".venv", ".local/venvs"], cwd=clone, capture_output=True, text=True, check=True
        )
        disk = sum(int(line.split()[0]) for line in du.stdout.splitlines())
    return {
        "first_test_s": timings[0],
        "warm_test_s": timings[1],
        "disk_gb": round(disk / 1e9, 2),
        "cores": os.cpu_count(),
        "results": outcomes,  # pytest's summary line, each run
    }


def pytest_summary(output: str) -> str:
    """The counts of pytest's last summary line ("962 passed, 1 skipped in 143.8s"), without the time."""
    counts = re.findall(r"^=*\s*(\d+ (?:passed|failed).*?) in [\d.]+s", output, re.MULTILINE)
    return counts[-1] if counts else ""


def render(results: dict[str, Any]) -> str:
    where = f"{results['machine']} (Python {results['python']})"
    out = [
        f"Measured {results['date']} on {where}, with the offline stand-in for the model.",
        "",
        "### LLM calls and orchestration per turn",
        "",
        "| kind of turn | LLM calls (ours) | LLM calls (original loop) | iterations (ours / original) "
        "| state transitions | Lambda invocations | Express $ per 1,000 turns |",
        "| --- | --- | --- | --- | --- | --- | --- |",
    ]
    for row, cost in zip(results["turns"], results["orchestration"], strict=True):
        out.append(
            f"| {row['kind']} | {row['llm_calls']:.1f} | {row['original_llm_calls']:.1f} | "
            f"{row['iterations']:.1f} / {row['original_iterations']:.1f} | {row['transitions']:.1f} | "
            f"{row['lambda_invocations']:.1f} | {cost['express_per_1000_turns']} |"
        )
    sizes = results["prompts"]
    out += [
        "",
        "### Prompt sizes",
        "",
        "| prompt | characters | ~tokens (chars / 4) |",
        "| --- | --- | --- |",
        f"| planner ({len(registry.tools())} tools, one remembered turn) | {sizes['planner']['chars']} "
        f"| {sizes['planner']['tokens']} |",
        f"| planner at its longest (question, memory and lookups at their limits) "
        f"| {sizes['planner_longest']['chars']} | {sizes['planner_longest']['tokens']} |",
        f"| interpreter (one record) | {sizes['interpreter']['chars']} | {sizes['interpreter']['tokens']} |",
        f"| interpreter at its longest (a search and the most records, at their limits) "
        f"| {sizes['interpreter_longest']['chars']} | {sizes['interpreter_longest']['tokens']} |",
        "",
        f"Planner prompt as tools are added (one description line and {sizes['examples_per_tool']} examples per tool):",
        "",
        "| tools | characters | ~tokens |",
        "| --- | --- | --- |",
    ]
    out += [f"| {g['tools']} | {g['chars']} | {g['tokens']} |" for g in sizes["planner_growth"]]
    out += [
        "",
        f"At ~4 characters a token, **{sizes['tools_that_fit']} tools** fit Flan-UL2's "
        f"{FLAN_UL2_INPUT_TOKENS:,}-token input (count with the model's tokenizer before relying on it).",
    ]
    cold = results["cold_starts"]
    out += [
        "",
        "### Cold start per Lambda",
        "",
        "Each package unpacked on its own and its handler imported in a fresh interpreter, as Lambda would:",
        "",
        "| function | import (median, ms) | package (bytes, zipped) | files |",
        "| --- | --- | --- | --- |",
    ]
    out += [
        f"| {name} | {row['import_ms']} | {row['package_bytes']:,} | {row['package_files']} |"
        for name, row in cold["functions"].items()
    ]
    out += ["", "Heaviest imports of the fulfilment handler (cumulative ms):", ""]
    out += [f"- {row['module']}: {row['cumulative_ms']}" for row in cold["heaviest_imports"]]
    tracer = cold["tracer_ms"]
    out += [
        "",
        f"A Step Functions client alone (import botocore, create the client; the fulfilment Lambda's floor): "
        f"{cold['stepfunctions_client_ms']} ms.",
        "",
        f"Powertools Tracer (X-Ray SDK) construction: {'not measured' if tracer is None else f'{tracer:.0f} ms'}.",
    ]
    found = results["knowledge"]
    out += [
        "",
        "### Knowledge index",
        "",
        f"{found['entries']} entries ({found['markdown_bytes']:,} bytes of Markdown) make an in-memory SQLite FTS5 "
        f"index of {found['index_bytes']:,} bytes, built in {found['build_ms']} ms when the knowledge tool starts "
        f"(in its import time above); a search takes {found['search_ms']} ms (medians).",
    ]
    walls = results["wall_times"]
    demo = "not measured" if walls["demo_s"] is None else f"{walls['demo_s']} s"
    suite = "not measured (agent bench --suite)" if walls["suite_s"] is None else f"{walls['suite_s']} s"
    out += [
        "",
        "### Wall time",
        "",
        f"- `make demo` (the original six questions and the demo conversations, fresh processes): {demo}",
        f"- pytest alone (two workers, in this checkout): {suite}",
    ]
    if "first_run" in results:
        first = results["first_run"]
        out += [
            f"- a first `make test` on a fresh clone ({first['cores']} cores, every virtualenv built): "
            f"{first['first_test_s']} s, {first['disk_gb']} GB of virtualenvs; again, warm: {first['warm_test_s']} s "
            f"(pytest: {' / '.join(first['results'])})",
        ]
    return "\n".join(out)


def main(argv: list[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--quick", action="store_true", help="3 cold-start runs instead of 7")
    parser.add_argument(
        "--smoke", action="store_true", help="1 cold-start run and no demo timing (the test suite's run)"
    )
    parser.add_argument("--suite", action="store_true", help="also time the whole test suite")
    parser.add_argument(
        "--first-run",
        action="store_true",
        help="also time make test on a fresh clone (virtualenvs included) and again warm (several minutes)",
    )
    parser.add_argument("--write", type=Path, help="write the tables to this Markdown file, the figures beside it")
    parser.add_argument("--json-out", type=Path)
    args = parser.parse_args(argv)
    rows = turns_by_kind()
    results = {
        "date": date.today().isoformat(),
        "machine": f"{platform.machine()}, {platform.system()}",
        "python": platform.python_version(),
        "turns": rows,
        "orchestration": orchestration_cost(rows),
        "prompts": prompt_sizes(),
        "cold_starts": cold_starts(1 if args.smoke else 3 if args.quick else 7),
        "knowledge": knowledge_figures(3 if args.smoke else 21),
        "wall_times": {"demo_s": None, "suite_s": None} if args.smoke else wall_times(args.suite),
    }
    if args.first_run:
        results["first_run"] = first_run()
    elif args.write and args.write.with_suffix(".json").is_file():  # keep the last first-run measurement
        earlier = json.loads(args.write.with_suffix(".json").read_text(encoding="utf-8"))
        if "first_run" in earlier:
            results["first_run"] = earlier["first_run"]
    table = render(results)
    print(table)
    for path in (args.write, args.json_out):
        if path:
            path.parent.mkdir(parents=True, exist_ok=True)
    if args.write:
        args.write.write_text(
            "# Performance\n\nGenerated by `make bench-docs` (harness/bench.py); figures from one run.\n\n"
            + table
            + "\n",
            encoding="utf-8",
        )
        args.write.with_suffix(".json").write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    if args.json_out:
        args.json_out.write_text(json.dumps(results, indent=2) + "\n", encoding="utf-8")
    return 0
