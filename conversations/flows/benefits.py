"""Tanya manfaat: benefit questions, picked from topics or typed in the person's own words.

A typed question is matched (conversations/questions): a clear topic is answered at once; a close
call offers the two or three nearest topics; nothing close says so, gives the Dinas and the call
centre, and keeps the question for the admins. After an answer the person can ask again or go on to
what the answer points to (register, calculate, claim)."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass

from conversations.choices import looks_like_a_number
from conversations.effects import Effect, RecordQuestionOutcome, RecordUnansweredQuestion
from conversations.flow import QUESTION_LIMIT, Answer, Context, Data, Finish, Flow, Goto, Invalid, Step, Transition
from conversations.flow_data import FlowData
from conversations.messages import Choice, Msg, Reply, msg
from conversations.nik import mask_digit_runs
from conversations.questions.answers import TOPIC_TITLES, answer
from conversations.questions.desk import default_desk
from conversations.questions.topics import TOPICS

__all__ = ["CATEGORIES", "benefits_flow"]

CATEGORIES: Mapping[str, tuple[str, ...]] = {
    "membership": (
        "about",
        "premium",
        "eligibility",
        "how_to_register",
        "check_status",
        "quota",
        "coverage_period",
        "unpaid_premium",
        "premium_discount",
        "card_jmo",
    ),
    "benefits": (
        "jkm",
        "jkk_death",
        "jkk_cover",
        "work_accident_definition",
        "scholarship",
        "not_included",
        "calculator",
    ),
    "claims": (
        "claim_help",
        "claim_documents_jkm",
        "claim_documents_jkk",
        "claim_documents_scholarship",
        "where_to_claim",
        "payment_time",
        "jkk_deadline",
        "heirs_order",
        "accident_report",
    ),
    "contact": ("offices", "data_rights"),
}
_CATEGORY_TITLES = {
    "membership": msg("questions.category_membership"),
    "benefits": msg("questions.category_benefits"),
    "claims": msg("questions.category_claims"),
    "contact": msg("questions.category_contact"),
}
# Where an answer leads next: the flow, and its name on the button.
_NEXT_FLOW: Mapping[str, tuple[str, Msg]] = {
    "how_to_register": ("registration", msg("registration.title")),
    "eligibility": ("eligibility", msg("eligibility.title")),
    "quota": ("eligibility", msg("eligibility.title")),
    "check_status": ("status", msg("status.menu_title")),
    "data_rights": ("my_data", msg("mydata.title")),
    "accident_report": ("accident_report", msg("accident.title")),
    "jkm": ("calculator", msg("calculator.title")),
    "jkk_death": ("calculator", msg("calculator.title")),
    "scholarship": ("calculator", msg("calculator.title")),
    "claim_documents_jkm": ("claim", msg("claims.title")),
    "claim_documents_jkk": ("claim", msg("claims.title")),
    "where_to_claim": ("claim", msg("claims.title")),
    "heirs_order": ("claim", msg("claims.title")),
    "payment_time": ("claim", msg("claims.title")),
}
_STARTS_FLOW = {t.id: t.starts_flow for t in TOPICS if t.starts_flow is not None and t.id != "accident_report"}
_ANOTHER = Choice("another", msg("questions.another_topic"), ("topik lain", "lain", "tanya lagi", "lagi"))
_NONE_OF_THESE = Choice("none", msg("questions.none_of_these"), ("bukan", "bukan semua", "tidak ada", "lainnya"))


@dataclass(frozen=True, slots=True)
class BenefitsData(FlowData):
    question: str = ""  # typed outside a flow (the engine starts this flow with it), or kept to file it
    category: str = ""  # the category whose topics are shown
    offered: tuple[str, ...] = ()  # "did you mean": the topics offered
    topic: str = ""  # the topic just answered


def _start(ctx: Context, data: Data) -> Transition:
    question = BenefitsData.load(data).question
    if question.strip():
        return _interpret(ctx, question, asked_in="menu")
    return Goto("categories", data={})


# ---- choosing a topic ----------------------------------------------------------------------------


def _ask_categories(_: Context, __: Data) -> Reply:
    choices = tuple(Choice(f"category:{cid}", title) for cid, title in _CATEGORY_TITLES.items())
    return Reply.of(msg("questions.pick_category"), choices=choices)


def _on_category(ctx: Context, _: Data, given: Answer) -> Transition:
    if given.choice is None:
        return _interpret(ctx, given.text, asked_in="benefits/categories")
    return Goto("topics", data=BenefitsData(category=given.choice.removeprefix("category:")).dump())


def _ask_topics(_: Context, data: Data) -> Reply:
    topics = CATEGORIES.get(BenefitsData.load(data).category, ())
    return Reply.of(msg("questions.pick_topic"), choices=(*_topic_choices(topics), _ANOTHER))


def _on_topic(ctx: Context, _: Data, given: Answer) -> Transition:
    if given.choice == _ANOTHER.id:
        return Goto("categories", data={})
    if given.choice is None:
        return _interpret(ctx, given.text, asked_in="benefits/topics")
    return _answer(ctx, given.choice.removeprefix("topic:"))


# ---- did you mean ---------------------------------------------------------------------------------


def _ask_did_you_mean(_: Context, data: Data) -> Reply:
    topics = BenefitsData.load(data).offered
    return Reply.of(msg("questions.did_you_mean"), choices=(*_topic_choices(topics), _NONE_OF_THESE))


def _on_did_you_mean(ctx: Context, data: Data, given: Answer) -> Transition:
    if given.choice == _NONE_OF_THESE.id:
        return _not_known(ctx, BenefitsData.load(data).question, asked_in="benefits/did_you_mean")
    if given.choice is None:
        return _interpret(ctx, given.text, asked_in="benefits/did_you_mean")
    return _answer(ctx, given.choice.removeprefix("topic:"))


# ---- after an answer ----------------------------------------------------------------------------


def _ask_after(_: Context, data: Data) -> Reply:
    onward = _NEXT_FLOW.get(BenefitsData.load(data).topic)
    next_choice = (Choice(f"flow:{onward[0]}", onward[1]),) if onward else ()
    return Reply.of(msg("questions.ask_more"), choices=(*next_choice, _ANOTHER))


def _on_after(ctx: Context, _: Data, given: Answer) -> Transition:
    if given.choice == _ANOTHER.id:
        return Goto("categories", data={})
    if given.choice is not None and given.choice.startswith("flow:"):
        return Finish(then=given.choice.removeprefix("flow:"))
    return _interpret(ctx, given.text, asked_in="benefits/after")


# ---- understanding a typed question -------------------------------------------------------------


def _interpret(ctx: Context, text: str, *, asked_in: str) -> Transition:
    if looks_like_a_number(text):  # a number that is not one of the choices
        return Invalid(msg("engine.pick_a_number"))
    found = default_desk().match(text)
    if found.sure is not None:
        return _answer(ctx, found.sure, effects=(RecordQuestionOutcome("answered", found.sure, asked_in),))
    if found.closest:
        # Kept only to file it as unanswered if none fits; long numbers (a NIK) are masked first.
        offered = BenefitsData(offered=tuple(found.closest), question=mask_digit_runs(text))
        outcome = RecordQuestionOutcome("asked_back", None, asked_in)
        return Goto("did_you_mean", data=offered.dump(), effects=(outcome,))
    return _not_known(ctx, text, asked_in=asked_in, effects=(RecordQuestionOutcome("not_known", None, asked_in),))


def _answer(ctx: Context, topic: str, *, effects: tuple[Effect, ...] = ()) -> Transition:
    if topic not in TOPIC_TITLES:
        return Invalid(msg("engine.pick_a_number"))
    said = (Reply((*answer(topic, ctx),)),)
    if topic in _STARTS_FLOW:
        return Finish(say=said, then=_STARTS_FLOW[topic], effects=effects)
    return Goto("after", data=BenefitsData(topic=topic).dump(), say=said, effects=effects)


def _not_known(ctx: Context, text: str, *, asked_in: str, effects: tuple[Effect, ...] = ()) -> Transition:
    sorry = msg(
        "questions.not_known",
        dinas=ctx.programme.dinas_name,
        call_centre=ctx.programme.call_centre,
    )
    kept = (RecordUnansweredQuestion(text, asked_in),) if text.strip() else ()
    return Goto("categories", data={}, say=(Reply.of(sorry),), effects=(*effects, *kept))


def _topic_choices(topics: tuple[str, ...]) -> tuple[Choice, ...]:
    return tuple(Choice(f"topic:{t}", TOPIC_TITLES[t]) for t in topics if t in TOPIC_TITLES)


benefits_flow = Flow(
    id="benefits",
    version=1,
    title=msg("questions.title"),
    start=_start,
    steps={
        "categories": Step(ask=_ask_categories, on_answer=_on_category, free_text=True, limit=QUESTION_LIMIT),
        "topics": Step(ask=_ask_topics, on_answer=_on_topic, free_text=True, limit=QUESTION_LIMIT),
        "did_you_mean": Step(ask=_ask_did_you_mean, on_answer=_on_did_you_mean, free_text=True, limit=QUESTION_LIMIT),
        "after": Step(ask=_ask_after, on_answer=_on_after, free_text=True, limit=QUESTION_LIMIT),
    },
    aliases=("tanya manfaat", "tanya", "manfaat", "pertanyaan", "faq", "info manfaat"),
    data=BenefitsData,
)
