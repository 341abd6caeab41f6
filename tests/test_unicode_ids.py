"""One Unicode policy for ids: the id extractor, the parse step and the grounding check read the same
normalised text (agent_core.text.normalise), so they agree on what every row of one table says.

Each row is an id as a user (or a model) might write it. ``means`` is the id it is read as, or None
when it looks like an id but is not a valid one: then the parse step asks about it (never answering
from a remembered id), and a model answer that writes it is not grounded in the record.
"""

from __future__ import annotations

from dataclasses import dataclass

import pytest

from agent_core import registry
from agent_core.answers import answer
from agent_core.grounding import is_grounded
from agent_core.planning import plan_calls
from agent_core.text import normalise


@dataclass(frozen=True)
class Row:
    name: str
    tool: str
    form: str  # as typed
    means: str | None  # the id it is, or None: id-like but invalid


ORDER, RETURN = "order_status", "return_status"
TABLE = [
    Row("ascii", ORDER, "123456", "123456"),
    Row("full-width", ORDER, "１２３４５６", "123456"),
    Row("arabic-indic", ORDER, "١٢٣٤٥٦", "123456"),
    Row("extended arabic-indic", ORDER, "۱۲۳۴۵۶", "123456"),
    Row("devanagari", ORDER, "१२३४५६", "123456"),
    Row("bengali", ORDER, "১২৩৪৫৬", "123456"),
    Row("mixed scripts, one digit each", ORDER, "1２٣४৫6", "123456"),
    Row("superscripts", ORDER, "¹²³⁴⁵⁶", "123456"),
    Row("mathematical bold", ORDER, "𝟏𝟐𝟑𝟒𝟓𝟔", "123456"),
    Row("variation selector inside", ORDER, "1\ufe0f23456", "123456"),
    Row("zero-width space inside", ORDER, "123\u200b456", "123456"),
    Row("zero-width joiner inside", ORDER, "12\u200d3456", "123456"),
    Row("soft hyphen inside", ORDER, "123\u00ad456", "123456"),
    Row("bidi override around", ORDER, "\u202e123456\u202c", "123456"),
    Row("combining mark inside", ORDER, "12345\u03016", None),
    Row("combining mark after", ORDER, "123456\u0301", None),
    Row("letter after", ORDER, "123456x", None),
    Row("arabic-indic digit after a 10-digit id", ORDER, "1234567890٣", None),
    Row("devanagari digit before an id", ORDER, "३1234567890", None),
    Row("too short", ORDER, "2345", None),
    Row("too short in full-width digits", ORDER, "２３４５", None),
    Row("too long", ORDER, "12345678901", None),
    Row("return, ascii", RETURN, "rtn001", "rtn001"),
    Row("return, arabic-indic digit", RETURN, "rtn00٣", "rtn003"),
    Row("return, full-width letters and digits", RETURN, "ｒｔｎ００１", "rtn001"),
    Row("return, zero-width space after rtn", RETURN, "rtn\u200b001", "rtn001"),
    Row("return, Cyrillic look-alikes ртн", RETURN, "ртн001", None),
    Row("return, Cyrillic т only", RETURN, "rтn001", None),
    Row("return, Cyrillic р only", RETURN, "рtn001", None),
    Row("return, letter after", RETURN, "rtn00x", None),
    Row("return, too long", RETURN, "rtn12345678901", None),
]
IDS = [row.name for row in TABLE]
WORD = {ORDER: "order", RETURN: "return"}
RECORD = {
    ORDER: "Order 123456: 2 x Organic Handsoap, total $25.98. Status: shipped on 2026-10-30 by UPS.",
    RETURN: "Return rtn001 for order 654321: processed on 2026-11-02, refund of $12.00 issued.",
}
REPLY = {ORDER: "Order {} has shipped by UPS.", RETURN: "Return {} has been processed."}
RECORD_ID = {ORDER: "123456", RETURN: "rtn001"}
REMEMBERED = {ORDER: "Has order 654321 shipped?", RETURN: "Is return rtn009 processed?"}


@pytest.mark.parametrize("row", TABLE, ids=IDS)
def test_the_id_extractor_reads_the_table(row):
    text = f"What about {WORD[row.tool]} {row.form}?"
    found = registry.extract_ids(text)
    if row.means:
        assert found == {row.tool: [row.means]}
        assert registry.invalid_id_mentions(text) == []
    else:
        assert found.get(row.tool, []) == []
        assert registry.invalid_id_mentions(text), "an id-like word that is not an id is a mention"


@pytest.mark.parametrize("row", TABLE, ids=IDS)
def test_a_follow_up_that_names_an_id_never_falls_back_to_memory(row):
    """Memory holds another id; the follow-up names one in this row's form."""
    plan = plan_calls(row.tool, f"And {WORD[row.tool]} {row.form}?", [REMEMBERED[row.tool]])
    if row.means:
        assert [(call.tool, call.id, call.id_source) for call in plan.calls] == [(row.tool, row.means, "this_turn")]
    else:
        assert plan.outcome == "clarify" and plan.calls == []
        tool = registry.tool(row.tool)
        invalid = answer("invalid_id", value="X", display_name=tool.display_name, ask_for_id=tool.ask_for_id)
        assert plan.message is not None and plan.message.endswith(invalid.split("X", 1)[1])


@pytest.mark.parametrize("row", TABLE, ids=IDS)
def test_the_grounding_check_reads_the_table(row):
    """A model answer that writes the id in this row's form is grounded exactly when the row means the
    record's id: the grounding check and the extractor agree."""
    reply = REPLY[row.tool].format(row.form)
    sources = [RECORD[row.tool], "Has it shipped?"]
    assert is_grounded(reply, sources) is (row.means == RECORD_ID[row.tool])


@pytest.mark.parametrize("row", TABLE, ids=IDS)
def test_normalising_is_the_one_policy_and_idempotent(row):
    once = normalise(row.form)
    assert normalise(once) == once
    if row.means and row.tool == ORDER:
        assert once == row.means


@pytest.mark.parametrize(
    "text",
    [
        "It cost $25.98 on 2026-10-30 for 2 items",
        "I ordered 3 things in 2024",
        "The total was 12345.67",
        "Can I return 2 of them?",
    ],
)
def test_amounts_dates_and_quantities_are_not_id_mentions(text):
    assert registry.invalid_id_mentions(text) == [] and registry.extract_ids(text) == {}


def test_ids_next_to_words_of_unspaced_scripts_and_announcing_words_are_ids():
    assert registry.extract_ids("注文123456の状況は?") == {ORDER: ["123456"]}
    assert registry.extract_ids("order674351 please") == {ORDER: ["674351"]}
    assert registry.invalid_id_mentions("order674351 please") == []
    assert registry.extract_ids("xorder674351") == {}


@pytest.mark.parametrize(
    ("reply", "grounded"),
    [
        ("Order 123456 was саnсеllеd.", False),  # Latin with Cyrillic look-alikes
        ("Заказ 123456 отправлен.", False),  # Cyrillic: neither the records nor the question use it
        ("注文123456は発送されました。", False),  # Japanese to an English question
        ("Order 123456 total $٩٩.٩٩.", False),  # an amount the record does not have, in Arabic-Indic digits
        ("Order 123456 total $٢٥.٩٨.", True),  # the record's amount, in Arabic-Indic digits
        ("Order 123456: shipped on २०२६-११-०५.", False),  # a date the record does not have, in Devanagari
        ("Order 123456 shipped by Émile Express.", False),  # an invented accented name
        ("Order 123456 shipped ⓶ times.", False),  # a numeral that is not a digit
        ("Order 123456 shipped by UPS.", True),
    ],
)
def test_grounding_cannot_be_bypassed_by_script(reply, grounded):
    assert is_grounded(reply, [RECORD[ORDER], "Has order 123456 shipped?"]) is grounded


def test_a_question_in_another_script_lets_the_answer_use_it():
    question = "注文123456は発送されましたか?"
    assert is_grounded("Order 123456 shipped by UPS.", [RECORD[ORDER], question])
    assert not is_grounded("Order 123456 was саnсеllеd.", [RECORD[ORDER], "Заказ 123456 саnсеllеd?"])
