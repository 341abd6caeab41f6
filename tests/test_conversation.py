"""Small talk, requests for a person and other languages (agent_core.conversation)."""

from __future__ import annotations

import subprocess
import sys

import pytest

from agent_core import conversation
from support import REPO


@pytest.mark.parametrize(
    ("message", "kind"),
    [
        ("Hi", "small_talk_greeting"),
        ("hello there!!", "small_talk_greeting"),
        ("Good morning", "small_talk_greeting"),
        ("Thanks, bye!", "small_talk_goodbye"),
        ("thank you very much, have a nice day", "small_talk_goodbye"),
        ("thanks a lot!", "small_talk_thanks"),
        ("bye bye", "small_talk_goodbye"),
        ("Hi! Are you a bot?", "small_talk_about_me"),
        ("what's your name?", "small_talk_about_me"),
        ("Who made you?", "small_talk_about_me"),
        ("Am I talking to a real person?", "small_talk_about_me"),
        ("hi, has order 123456 shipped?", None),
        ("thanks, and my refund?", None),
        ("hiya", "small_talk_greeting"),
        ("high five", None),
        ("  ...  ", None),
        ("", None),
    ],
)
def test_only_a_message_that_is_nothing_but_small_talk_is_small_talk(message, kind):
    assert conversation.small_talk_key(message) == kind


@pytest.mark.parametrize(
    ("message", "asks"),
    [
        ("Can I talk to a human?", True),
        ("put me through to an agent please", True),
        ("I want to speak with someone from your team", True),
        ("Am I talking to a real person?", False),
        ("Has order 123456 shipped?", False),
        ("the person at the door took my parcel", False),
    ],
)
def test_a_request_for_a_person(message, asks):
    assert conversation.asks_for_a_person(message) is asks


def test_messages_that_almost_match_take_linear_time():
    """A message of repeated phrases that fails at its end ("bye bye ... x") once made the matcher try
    every way of splitting it: 2^n steps. Read phrase by phrase, the longest message allowed is instant;
    the old pattern would not finish before the timeout."""
    code = (
        "import sys; sys.path.insert(0, 'functions')\n"
        "from agent_core import conversation, planning\n"
        "for phrase in ('bye ', 'thanks ', 'hi there ', 'bye bye ', 'good morning, '):\n"
        "    message = (phrase * 200)[:490] + ' 7x'\n"
        "    assert conversation.small_talk_key(message) is None\n"
        "    planning.plan_calls('no_tool', message, [])\n"
    )
    subprocess.run([sys.executable, "-c", code], cwd=REPO, check=True, timeout=60)


@pytest.mark.parametrize(
    ("message", "note"),
    [
        ("¿Dónde está mi pedido 123456?", True),
        ("Où est ma commande 123456 ?", True),
        ("Wo ist meine Bestellung 123456?", True),
        ("注文123456はどこですか", True),
        ("Where is my order 123456?", False),
        ("Has order 123456 shipped? Merci", False),
    ],
)
def test_another_language_gets_the_answer_and_a_note(message, note):
    noted = conversation.with_language_note("Order 123456 shipped.", message)
    assert (noted != "Order 123456 shipped.") is note
