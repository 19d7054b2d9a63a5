"""Benefit questions in free text: the matcher on the labelled sets, and how the engine uses it —
a first message that is a question, a question in the middle of a form, a close call, no match."""

from __future__ import annotations

from dataclasses import replace

import pytest

from bench.question_matching import HELD_OUT, load_rows, tally
from conversations.effects import RecordQuestionOutcome, RecordUnansweredQuestion
from conversations.flows import build_engine
from conversations.flows.benefits import CATEGORIES
from conversations.questions.answers import TOPIC_TITLES
from conversations.questions.desk import looks_like_a_question
from conversations.questions.features import question_words
from conversations.questions.matching import QuestionMatcher
from conversations.questions.topics import TOPICS, topic_ids
from conversations.questions.training import DEVELOPMENT_SET
from conversations.state import IDLE, SessionState
from tests.core_support import choice_ids, context, inbound, keys, run

ENGINE = build_engine()
MATCHER = QuestionMatcher()


# ---- the topics ----------------------------------------------------------------------------------


def test_every_topic_has_a_title_and_answer_and_a_place_in_the_topic_menu() -> None:
    assert set(TOPIC_TITLES) == set(topic_ids())
    listed = [t for topics in CATEGORIES.values() for t in topics]
    assert sorted(listed) == sorted(topic_ids())


def test_the_labelled_sets_are_large_enough_and_use_known_topics() -> None:
    development, held_out = load_rows(DEVELOPMENT_SET), load_rows(HELD_OUT)
    assert len(development) >= 1000
    assert len(held_out) >= 500
    known = {*topic_ids(), "none"}
    for rows in (development, held_out):
        assert {r.topic for r in rows} == known  # every topic is asked about, nothing else
        assert all(r.accepted <= known for r in rows)
    assert not {r.text for r in development} & {r.text for r in held_out}  # written apart


# ---- the matcher on the held-out set ----------------------------------------------------------------


def test_the_held_out_set_is_answered_outright_and_rarely_wrong() -> None:
    """Never trained or tuned on. Measured 75.2% outright and right, 1.3% wrong (docs/QUESTIONS.md);
    the aim is ≥ 90% and ≤ 2%: this guards what we have, and the wrong-answer aim itself."""
    rows = load_rows(HELD_OUT)
    result = tally(rows, [MATCHER.match(r.text) for r in rows])
    assert result.direct_wrong / result.total <= 0.02
    assert result.direct_right / result.total >= 0.72
    assert result.missed / result.total <= 0.03


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


@pytest.mark.parametrize(
    ("question", "topic"),
    [
        ("brp iuran nya", "premium"),  # the README's examples
        ("klo meninggal dpt brp", "jkm"),
        ("anak sy dpt beasisiwa gk", "scholarship"),  # a typo
        ("sabaraha iuran na", "premium"),  # Sundanese
        ("nek bojoku sedo oleh piro", "jkm"),  # Javanese ngoko
        ("pinten iurane", "premium"),  # krama
    ],
)
def test_messy_questions_are_answered_outright(question: str, topic: str) -> None:
    assert MATCHER.match(question).sure == topic


@pytest.mark.parametrize("question", ["santunan", "dokumen", "klaim"])
def test_a_single_vague_word_offers_a_few_topics(question: str) -> None:
    found = MATCHER.match(question)
    assert found.sure is None
    assert 2 <= len(found.closest) <= 3


@pytest.mark.parametrize("question", ["resep rendang enak?", "skor bola semalam", "", "???", "1234"])
def test_nothing_close_is_not_guessed(question: str) -> None:
    assert MATCHER.match(question).sure is None


def test_javanese_and_sundanese_words_are_read_as_indonesian() -> None:
    assert question_words("pinten iurane") == question_words("berapa iuran")
    assert question_words("sabaraha") == question_words("piro") == ["berapa"]
    assert question_words("sedo") == question_words("maot") == ["meninggal"]


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


def test_the_readmes_examples_are_answered_in_the_next_message() -> None:
    for question, topic in (("brp iuran nya", "premium"), ("klo meninggal dpt brp", "jkm")):
        outcome = run(ENGINE, IDLE, inbound(question), context())
        assert keys(outcome)[0][0].startswith({"premium": "faq.premium.", "jkm": "faq.jkm."}[topic])
        assert RecordQuestionOutcome("answered", topic, "menu") in outcome.effects


def test_a_close_call_offers_topics_and_the_pick_is_answered() -> None:
    offered = run(ENGINE, IDLE, inbound("dokumen?"), context())
    assert keys(offered) == [["questions.did_you_mean"]]
    wanted = "topic:claim_documents_jkm"
    assert wanted in choice_ids(offered)[0]
    assert choice_ids(offered)[0][-1] == "none"
    assert RecordQuestionOutcome("asked_back", None, "menu") in offered.effects
    picked = run(ENGINE, offered.state, inbound(str(choice_ids(offered)[0].index(wanted) + 1)), context())
    assert keys(picked)[0][0] == "faq.documents_jkm.answer"


def test_none_of_these_keeps_the_question_and_gives_the_contacts() -> None:
    offered = run(ENGINE, IDLE, inbound("dokumen?"), context())
    declined = run(ENGINE, offered.state, inbound("bukan semuanya"), context())
    assert keys(declined)[0] == ["questions.not_known"]
    assert RecordUnansweredQuestion("dokumen?", "benefits/did_you_mean") in declined.effects


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
    assert keys(outcome)[0][0].startswith("faq.payment.")
    assert outcome.state == state
    assert RecordQuestionOutcome("answered", "payment_time", "passing") in outcome.effects


def test_a_question_at_the_name_step_never_becomes_the_name() -> None:
    state = SessionState("registration", ENGINE.flows["registration"].version, "full_name", {"nik": "3375014506850001"})
    ctx = context(consented=True)
    answered = run(ENGINE, state, inbound("klo meninggal dpt brp"), ctx)
    assert keys(answered)[0][0].startswith("faq.jkm.")
    assert keys(answered)[1][0] == "engine.back_to_question"
    assert answered.state == state
    # a question the bot cannot answer outright is not a name either: kept for the admins, asked again
    unsure = run(ENGINE, state, inbound("gimana dokumennya"), ctx)
    assert keys(unsure)[0][0] == "engine.question_not_an_answer"
    assert unsure.state == state
    assert RecordUnansweredQuestion("gimana dokumennya", "passing") in unsure.effects
    # nor one the model does not read as the programme's: the name check refuses a question word
    vague = run(ENGINE, state, inbound("gimana nasib saya nanti"), ctx)
    assert keys(vague)[0][0] == "registration.bad_name"
    assert vague.state == state
    # names and "not knowing" are answers, even with a question word inside
    for name in ("Endi Suryana", "Ahmad Endi"):
        assert run(ENGINE, state, inbound(name), ctx).state.step != "full_name"
    # an answer with a "?" from someone unsure is still an answer
    named = run(ENGINE, state, inbound("Siti Aminah?"), ctx)
    assert keys(named)[0][0] != "engine.question_not_an_answer"
    assert not named.effects


def test_a_question_typed_after_a_letters_question_is_answered_and_the_letter_asked_again() -> None:
    """A worker asked by the renewal letter who types a benefit question instead gets the answer, and the
    renewal flow starts afresh (it fetches its question), not with the question as the worker's reply."""
    ctx = context()
    waiting = replace(ctx, contact=replace(ctx.contact, awaiting="renewal"))
    outcome = ENGINE.handle(IDLE, inbound("brp iuran nya sebulan?"), waiting)
    assert RecordQuestionOutcome("answered", "premium", "passing") in outcome.effects
    assert outcome.state.flow == "renewal"
    assert outcome.fetch is not None
    assert outcome.state.data == {}  # no reply handed on: the question was not an answer


def test_a_reply_after_a_letters_question_is_handed_to_its_flow() -> None:
    ctx = context()
    waiting = replace(ctx, contact=replace(ctx.contact, awaiting="renewal"))
    outcome = ENGINE.handle(IDLE, inbound("sdh pindah"), waiting)
    assert not any(isinstance(effect, RecordQuestionOutcome) for effect in outcome.effects)
    assert outcome.state.flow == "renewal"
    assert dict(outcome.state.data) == {"reply": "sdh pindah", "button": ""}
