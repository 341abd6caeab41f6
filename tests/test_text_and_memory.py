"""Cleaning user text and bounding the conversation memory."""

from __future__ import annotations

import json

from agent_core import memory
from agent_core.limits import MAX_HISTORY_BYTES, MAX_HISTORY_TURNS, MAX_QUESTION_CHARS
from agent_core.text import clean_model_text, clean_user_text, truncate


def test_user_text_is_one_printable_line_without_double_quotes():
    assert clean_user_text('Has "order"\n123456\r\nshipped?\x00\u200b') == "Has 'order' 123456 shipped?"
    assert clean_user_text(None) == ""
    assert clean_user_text(12) == ""
    assert clean_user_text("  \t ") == ""


def test_user_text_is_capped():
    text = clean_user_text("word " * 2000)
    assert len(text) <= MAX_QUESTION_CHARS
    assert text.endswith("...")


def test_truncate_prefers_sentence_ends_then_word_ends():
    text = "First sentence is here. Second sentence follows on and on."
    assert truncate(text, 30) == "First sentence is here."
    assert truncate(text, 40) == "First sentence is here. Second..."  # the sentence end is too early
    assert truncate("short", 10) == "short"


def test_truncate_never_splits_a_word_so_it_cannot_make_an_id():
    assert truncate("x" * 100, 10) == "..."
    assert truncate("Order 1234567890 please", 12) == "Order..."  # not "Order 12345..."
    assert truncate("It cost 123456.78 in total", 16) == "It cost..."  # not "It cost 123456...."
    assert truncate("See rtn-1234 now", 10) == "See..."


def test_a_long_question_cut_at_its_limit_keeps_no_half_id():
    question = "Has my order shipped? " + "x" * 470 + "/1234567890"
    cleaned = clean_user_text(question)
    assert len(cleaned) <= MAX_QUESTION_CHARS
    assert "12345" not in cleaned


def test_model_text_keeps_quotes():
    assert clean_model_text('It is "fine"\n', 100) == 'It is "fine"'


def test_history_is_bounded_in_turns_and_bytes():
    history = []
    for i in range(10):
        history = memory.remember(history, f"question {i} " + "é" * 250, f"answer {i} " + "x" * 280)
    assert len(history) <= MAX_HISTORY_TURNS
    assert len(memory.to_attribute(history).encode("utf-8")) <= MAX_HISTORY_BYTES
    assert history[-1]["user"].startswith("question 9")


def test_history_survives_junk():
    assert memory.read_history("not json") == []
    assert memory.read_history('{"user": "x"}') == []
    assert memory.read_history([{"user": 1}, "x", {"user": "ok"}]) == [{"user": "ok", "agent": ""}]
    round_trip = memory.read_history(memory.to_attribute([{"user": "a", "agent": "b"}]))
    assert round_trip == [{"user": "a", "agent": "b"}]
    assert json.loads(memory.to_attribute(round_trip)) == round_trip


def test_turn_input_reads_the_state_machine_turn():
    event = {"turn": {"question": "q", "history": [{"user": "u", "agent": "a"}]}}
    assert memory.turn_input(event) == ("q", [{"user": "u", "agent": "a"}])
    assert memory.turn_input({}) == ("", [])
    assert memory.turn_input({"turn": {"question": 5}}) == ("", [])


def test_user_text_is_cut_at_a_word_so_a_late_sentence_keeps_its_id():
    from agent_core.limits import MAX_HISTORY_TEXT_CHARS

    text = (
        "Hello, I am writing because I ordered a present for my daughter several weeks ago and she is getting "
        "quite worried that it will not arrive in time for her big birthday party next week. Could you check "
        "whether order 123456 has shipped and which carrier is bringing it to us, and maybe also the tracking?"
    )
    cleaned = clean_user_text(text, MAX_HISTORY_TEXT_CHARS)
    assert "order 123456" in cleaned and cleaned.endswith("...") and len(cleaned) <= MAX_HISTORY_TEXT_CHARS
