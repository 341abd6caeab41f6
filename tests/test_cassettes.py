"""Cassettes (harness/models.py): recorded, replayed, validated, and safe to record in parallel."""

from __future__ import annotations

import json
import multiprocessing

import pytest

from agent_core.prompts import prompt
from harness import models

PLANNER = prompt("planner")


def rendered(question: str) -> str:
    return PLANNER.render({"tools": "", "checked": "", "conversation": "", "question": question})


def test_recording_then_replaying_round_trips(tmp_path):
    path = tmp_path / "cassette.json"
    recorder = models.RecordingBackend(models.OfflineBackend(), path)
    first = recorder.generate(rendered("Has order 123456 shipped?"), PLANNER, 8)
    recorder.generate(rendered("Has order 123456 shipped?"), PLANNER, 8)  # the same prompt is stored once
    assert len(models.load_cassette(path)) == 1
    assert models.ReplayBackend(path).generate(rendered("Has order 123456 shipped?"), PLANNER, 8) == first


def test_a_prompt_missing_from_the_cassette_is_named(tmp_path):
    path = tmp_path / "empty.json"
    models.save_cassette(path, [], source="test")
    with pytest.raises(models.CassetteMiss, match=r"has no response for prompt 'planner' \(sha256 [0-9a-f]{12}"):
        models.ReplayBackend(path).generate(rendered("Hi"), PLANNER, 8)


@pytest.mark.parametrize(
    ("content", "problem"),
    [
        ("not json", "is not a cassette: the document: Invalid JSON"),
        ('{"format": 1, "source": "x"}', "is not a cassette: interactions: Field required"),
        ('{"format": 2, "source": "x", "interactions": []}', "is not a cassette: format: Input should be 1"),
        ('{"format": 1, "source": "x", "interactions": [{"prompt": "p"}]}', "interactions.0.prompt_name: Field"),
        ('{"format": 1, "source": "x", "interactions": [], "extra": 1}', "extra: Extra inputs are not permitted"),
        ("[]", "is not a cassette: the document: Input should be"),
    ],
)
def test_a_cassette_of_the_wrong_shape_is_a_one_line_error(tmp_path, content, problem):
    path = tmp_path / "bad.json"
    path.write_text(content)
    with pytest.raises(models.CassetteInvalid) as raised:
        models.ReplayBackend(path)
    assert problem in str(raised.value) and "\n" not in str(raised.value)


def test_a_missing_cassette_is_a_one_line_error(tmp_path):
    with pytest.raises(models.CassetteInvalid, match="cannot be read"):
        models.ReplayBackend(tmp_path / "nowhere.json")


def _record_many(path: str, worker: int, count: int) -> None:
    recorder = models.RecordingBackend(models.OfflineBackend(), path)
    for index in range(count):
        recorder.generate(rendered(f"Has order {100000 + worker * 1000 + index} shipped?"), PLANNER, 8)


def test_parallel_recording_loses_nothing(tmp_path):
    """Several processes recording into one cassette at once: every interaction is kept, the file
    stays a valid cassette, and no temporary file is left behind."""
    path = tmp_path / "shared.json"
    workers, each = 4, 15
    context = multiprocessing.get_context("spawn")
    processes = [context.Process(target=_record_many, args=(str(path), w, each)) for w in range(workers)]
    for process in processes:
        process.start()
    for process in processes:
        process.join(60)
        assert process.exitcode == 0
    interactions = models.load_cassette(path)
    assert len(interactions) == workers * each
    assert len({item.prompt for item in interactions}) == workers * each
    assert json.loads(path.read_text())["format"] == 1
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []


def test_agent_chat_with_a_cassette_of_the_wrong_shape_prints_one_line_and_fails(tmp_path, capsys):
    """`agent chat --llm replay:bad.json`: one line on stderr, exit status 2, no traceback."""
    from harness import chat

    path = tmp_path / "bad.json"
    path.write_text('{"bad": 1}')
    status = chat.main(["--llm", f"replay:{path}", "Has order 123456 shipped?"])
    captured = capsys.readouterr()
    assert status == 2
    assert captured.err.strip().splitlines() == [f"error: cassette {path} is not a cassette: format: Field required"]
    assert "Traceback" not in captured.err + captured.out
