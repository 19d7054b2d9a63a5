"""Benefit questions in free text: the matcher on the labelled sets, and how the engine uses it —
a first message that is a question, a question in the middle of a form, a close call, no match."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from bench.question_matching import measure
from conversations.effects import RecordUnansweredQuestion
from conversations.flows import build_engine
from conversations.flows.benefits import CATEGORIES
from conversations.questions.answers import TOPIC_TITLES
from conversations.questions.desk import looks_like_a_question
from conversations.questions.matching import QuestionMatcher
from conversations.questions.topics import TOPICS, topic_ids
from conversations.state import IDLE, SessionState
from tests.core_support import choice_ids, context, inbound, keys, run

DATA = Path(__file__).parent / "data"
ENGINE = build_engine()
MATCHER = QuestionMatcher()


def _rows(name: str) -> list[dict[str, object]]:
    return [json.loads(line) for line in (DATA / name).read_text(encoding="utf-8").splitlines() if line.strip()]


# ---- the topics ----------------------------------------------------------------------------------


def test_every_topic_has_a_title_and_answer_and_a_place_in_the_topic_menu() -> None:
    assert set(TOPIC_TITLES) == set(topic_ids())
    listed = [t for topics in CATEGORIES.values() for t in topics]
    assert sorted(listed) == sorted(topic_ids())


def test_the_labelled_sets_are_large_enough_and_use_known_topics() -> None:
    dev, held_out = _rows("benefit_questions.jsonl"), _rows("benefit_questions_heldout.jsonl")
    assert len(dev) >= 300
    assert len(held_out) >= 150
    known = {*topic_ids(), "none"}
    assert {str(r["topic"]) for r in dev + held_out} == known  # every topic is asked about, nothing else


# ---- the matcher on the labelled sets -------------------------------------------------------------


def test_development_set_meets_the_aim() -> None:
    tally = measure(MATCHER, _rows("benefit_questions.jsonl"))
    assert (tally.right + tally.asked_back) / tally.total >= 0.95
    assert tally.confidently_wrong / tally.total <= 0.02


def test_held_out_set_is_rarely_confidently_wrong() -> None:
    """Never tuned on: the aim of ≤ 2% confidently wrong holds; right-or-asked-back is 91.5% here
    (docs/QUESTIONS.md), below the 95% aim, so this guards what we have rather than the aim."""
    tally = measure(MATCHER, _rows("benefit_questions_heldout.jsonl"))
    assert tally.confidently_wrong / tally.total <= 0.02
    assert (tally.right + tally.asked_back) / tally.total >= 0.90


@pytest.mark.parametrize(
    ("question", "topic"),
    [
        ("berapa iuran per bulan?", "premium"),
        ("piye carane daftar", "how_to_register"),
        ("kuota tahun ini berapa", "quota"),
        ("berapa lama klaim cair?", "payment_time"),
        ("alamat kantor bpjs dimana", "offices"),
        ("pencairan JHT gimana", "not_included"),
    ],
)
def test_clear_questions_are_answered_without_asking(question: str, topic: str) -> None:
    assert MATCHER.match(question).sure == topic


@pytest.mark.parametrize("question", ["brp iuran nya", "klo meninggal dpt brp", "anak sy dpt beasiswa gk"])
def test_close_calls_offer_the_right_topic_among_a_few(question: str) -> None:
    found = MATCHER.match(question)
    expected = {"brp iuran nya": "premium", "klo meninggal dpt brp": "jkm", "anak sy dpt beasiswa gk": "scholarship"}
    assert found.sure in (None, expected[question])
    assert expected[question] in found.closest
    assert 1 <= len(found.closest) <= 3


@pytest.mark.parametrize("question", ["resep rendang enak?", "skor bola semalam", "", "???", "1234"])
def test_nothing_close_is_not_guessed(question: str) -> None:
    assert MATCHER.match(question).sure is None
    assert MATCHER.match(question).closest == ()


def test_typos_and_javanese_reach_the_same_words() -> None:
    assert MATCHER.words("beasisiwa") == MATCHER.words("beasiswa")
    assert MATCHER.words("pinten iurane") == MATCHER.words("berapa iuran")
    assert MATCHER.words("sedo") == MATCHER.words("meninggal")


@pytest.mark.parametrize(
    ("text", "question"),
    [("brp iuran?", True), ("berapa iurannya", True), ("iurane piro", True), ("Siti Aminah", False), ("ya", False)],
)
def test_what_looks_like_a_question(text: str, question: bool) -> None:
    assert looks_like_a_question(text) is question


# ---- in the engine ----------------------------------------------------------------------------------


def test_a_first_message_that_is_a_question_is_answered_directly() -> None:
    outcome = run(ENGINE, IDLE, inbound("berapa iuran per bulan?"), context())
    assert keys(outcome)[0][0].startswith("faq.premium.")
    assert keys(outcome)[-1] == ["questions.ask_more"]
    assert outcome.state.flow == "benefits"


def test_a_question_in_the_middle_of_registration_is_answered_then_the_form_goes_on() -> None:
    ctx = context(consented=True)
    started = run(ENGINE, IDLE, inbound("daftar"), ctx)
    asked = run(ENGINE, started.state, inbound("berapa iuran per bulan?"), ctx)
    assert keys(asked)[0][0].startswith("faq.premium.")
    assert keys(asked)[1][0] == "engine.back_to_question"
    assert keys(asked)[1][1:] == keys(started)[-1]  # the same question again
    assert asked.state == started.state  # nothing entered, nothing lost


def test_a_close_call_offers_topics_and_the_pick_is_answered() -> None:
    offered = run(ENGINE, IDLE, inbound("brp iuran nya"), context())
    assert keys(offered) == [["questions.did_you_mean"]]
    assert "topic:premium" in choice_ids(offered)[0]
    assert choice_ids(offered)[0][-1] == "none"
    picked = run(ENGINE, offered.state, inbound("1"), context())
    assert keys(picked)[0][0].startswith("faq.premium.")


def test_none_of_these_keeps_the_question_and_gives_the_contacts() -> None:
    offered = run(ENGINE, IDLE, inbound("brp iuran nya"), context())
    declined = run(ENGINE, offered.state, inbound("bukan semuanya"), context())
    assert keys(declined)[0] == ["questions.not_known"]
    assert RecordUnansweredQuestion("brp iuran nya", "benefits/did_you_mean") in declined.effects


def test_a_question_about_ones_own_family_starts_the_calculator() -> None:
    outcome = run(ENGINE, IDLE, inbound("tolong hitungkan santunan keluarga saya"), context())
    assert outcome.state.flow == "calculator" or "topic:calculator" in choice_ids(outcome)[0]


def test_after_an_answer_the_next_question_can_just_be_typed() -> None:
    first = run(ENGINE, IDLE, inbound("berapa iuran per bulan?"), context())
    second = run(ENGINE, first.state, inbound("alamat kantor bpjs dimana"), context())
    assert keys(second)[0][0].startswith("faq.offices.")


def test_the_topic_menu_works_without_typing() -> None:
    opened = run(ENGINE, IDLE, inbound("tanya manfaat"), context())
    assert keys(opened) == [["questions.pick_category"]]
    category = run(ENGINE, opened.state, inbound("", choice_id="category:claims"), context())
    assert "topic:claim_documents_jkm" in choice_ids(category)[0]
    answered = run(ENGINE, category.state, inbound("", choice_id="topic:claim_documents_jkm"), context())
    assert keys(answered)[0][0] == "faq.documents_jkm.answer"
    assert "flow:claim" in choice_ids(answered)[-1]


def test_each_topic_phrase_reaches_its_own_topic_or_is_offered() -> None:
    """The phrases are the matcher's knowledge: each must at least be offered for its own topic."""
    for topic in TOPICS:
        for phrase in topic.phrases:
            found = MATCHER.match(phrase)
            assert found.sure == topic.id or topic.id in found.closest, (topic.id, phrase, found)


def test_a_paused_flow_state_is_untouched_by_an_answered_question() -> None:
    state = SessionState("registration", ENGINE.flows["registration"].version, "full_name", {"nik": "3375014506850001"})
    outcome = run(ENGINE, state, inbound("kapan klaim cair?"), context(consented=True))
    if keys(outcome)[0][0].startswith("faq."):  # answered in passing (when the matcher is sure)
        assert outcome.state == state
