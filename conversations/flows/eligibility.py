"""Cek kelayakan: asks only what the programme's rules need, one question per message, and no personal
data. It screens; the kelurahan and the Dinas decide."""

from __future__ import annotations

from dataclasses import dataclass

from conversations.dates import age_on, parse_age, parse_date
from conversations.flow import Answer, Context, Data, Finish, Flow, Goto, Invalid, Step, Transition
from conversations.flow_data import FlowData
from conversations.flows.common import NO, UNKNOWN, YES, YES_NO, YES_NO_UNKNOWN
from conversations.flows.fields import YesNoUnknown
from conversations.flows.jobs import OTHER_JOB, job_name, job_steps
from conversations.flows.places import kelurahan_name, place_steps
from conversations.flows.registration import Prefill, RegistrationData
from conversations.messages import Money, Msg, Reply, msg
from conversations.programme_rules import (
    Breach,
    age_breach,
    explain_refusal,
    participant_breach,
    poverty_breach,
    resident_breach,
)

__all__ = ["eligibility_flow"]


@dataclass(frozen=True, slots=True)
class EligibilityData(FlowData):
    """The answers so far; None: not asked (yet, or at all under the programme's rules)."""

    age: int | None = None
    working: bool = False
    job_type: str | None = None
    job_text: str | None = None  # the work in the person's words, when it was typed
    job_candidates: tuple[str, ...] = ()  # for the job steps
    kelurahan_code: str | None = None
    kelurahan_candidates: tuple[str, ...] = ()  # for the place steps
    kecamatan_code: str = ""
    already_member: YesNoUnknown | None = None  # "yes" only where the kelurahan decides
    breadwinner: bool | None = None
    poverty_register: YesNoUnknown | None = None


def _start(_: Context, __: Data) -> Transition:
    return Goto("age", EligibilityData().dump())


# ---- age ---------------------------------------------------------------------------------------


def _ask_age(_: Context, __: Data) -> Reply:
    return Reply.of(msg("eligibility.ask_age"))


def _on_age(ctx: Context, data: Data, answer: Answer) -> Transition:
    today = ctx.programme.local_date(ctx.now)
    born = parse_date(answer.text, today)
    age = age_on(born, today) if born else parse_age(answer.text)
    if age is None:
        return Invalid(msg("eligibility.age_not_understood"))
    breach = age_breach(ctx.programme, age)
    if breach is not None and not breach.kelurahan_decides:
        return _refused(ctx, breach)
    return Goto("working", EligibilityData.load(data).but(age=age).dump())


# ---- working -------------------------------------------------------------------------------------


def _ask_working(_: Context, __: Data) -> Reply:
    return Reply.of(msg("eligibility.ask_working"), choices=YES_NO)


def _on_working(ctx: Context, data: Data, answer: Answer) -> Transition:
    if answer.choice == NO.id:
        return _not_eligible(ctx, msg("eligibility.reason_not_working"))
    return Goto("job", EligibilityData.load(data).but(working=True).dump())


# ---- already a participant ---------------------------------------------------------------------


def _ask_already(_: Context, __: Data) -> Reply:
    return Reply.of(msg("eligibility.ask_already_member"), choices=YES_NO_UNKNOWN)


def _on_already(ctx: Context, data: Data, answer: Answer) -> Transition:
    breach = participant_breach(ctx.programme, "yes" if answer.choice == YES.id else None)
    if breach is not None and not breach.kelurahan_decides:
        return _refused(ctx, breach)
    already = "yes" if breach is not None else "unknown" if answer.choice == UNKNOWN.id else "no"
    return _continue(ctx, EligibilityData.load(data).but(already_member=already), _after_membership(ctx))


def _after_membership(ctx: Context) -> str:
    rules = ctx.programme.eligibility
    if rules.asks_breadwinner:
        return "breadwinner"
    return "poverty" if rules.asks_poverty_register else "result"


# ---- priority questions ------------------------------------------------------------------------


def _ask_breadwinner(_: Context, __: Data) -> Reply:
    return Reply.of(msg("eligibility.ask_breadwinner"), choices=YES_NO)


def _on_breadwinner(ctx: Context, data: Data, answer: Answer) -> Transition:
    following = "poverty" if ctx.programme.eligibility.asks_poverty_register else "result"
    return _continue(ctx, EligibilityData.load(data).but(breadwinner=answer.choice == YES.id), following)


def _ask_poverty(_: Context, __: Data) -> Reply:
    return Reply.of(msg("eligibility.ask_poverty_register"), choices=YES_NO_UNKNOWN)


def _on_poverty(ctx: Context, data: Data, answer: Answer) -> Transition:
    breach = poverty_breach(ctx.programme, "no" if answer.choice == NO.id else None)
    if breach is not None and not breach.kelurahan_decides:
        return _refused(ctx, breach)
    return _continue(ctx, EligibilityData.load(data).but(poverty_register=str(answer.choice)), "result")


def _continue(ctx: Context, answers: EligibilityData, step: str) -> Transition:
    return _result(ctx, answers) if step == "result" else Goto(step, answers.dump())


# ---- the outcome -------------------------------------------------------------------------------


def _result(ctx: Context, answers: EligibilityData) -> Transition:
    doubts = [msg("eligibility.doubt_kelurahan_decides", reason=b.reason) for b in _left_to_kelurahan(ctx, answers)]
    if answers.job_type == OTHER_JOB:
        doubts.append(msg("eligibility.doubt_job", job=answers.job_text or ""))
    if answers.already_member == "unknown":
        doubts.append(msg("eligibility.doubt_membership"))
    if answers.poverty_register == UNKNOWN.id and ctx.programme.eligibility.poverty_register_required:
        doubts.append(msg("eligibility.doubt_poverty_register"))
    place = kelurahan_name(ctx, answers.kelurahan_code or "")
    job = job_name(ctx, OTHER_JOB if answers.job_type is None else answers.job_type)
    if doubts:
        verdict = msg("eligibility.result_check", job=job, place=place, doubts=tuple(doubts))
    else:
        verdict = msg("eligibility.result_likely", job=job, place=place, programme=ctx.programme.name)
    said = (verdict, msg("eligibility.priority")) if _is_priority(ctx, answers) else (verdict,)
    return Goto("offer", answers.dump(), say=(Reply.of(*said),))


def _left_to_kelurahan(ctx: Context, answers: EligibilityData) -> tuple[Breach, ...]:
    """The rules the person breaks that the programme file leaves to the kelurahan."""
    found = (
        age_breach(ctx.programme, answers.age) if answers.age is not None else None,
        participant_breach(ctx.programme, "yes" if answers.already_member == "yes" else None),
        poverty_breach(ctx.programme, "no" if answers.poverty_register == NO.id else None),
    )
    return tuple(breach for breach in found if breach is not None)


def _is_priority(ctx: Context, answers: EligibilityData) -> bool:
    rules = ctx.programme.eligibility
    return ("breadwinner" in rules.priority and answers.breadwinner is True) or (
        "extremely_poor" in rules.priority and answers.poverty_register == YES.id
    )


def _ask_offer(_: Context, __: Data) -> Reply:
    return Reply.of(msg("eligibility.offer_registration"), choices=YES_NO)


def _on_offer(_: Context, data: Data, answer: Answer) -> Transition:
    if answer.choice == YES.id:
        answers = EligibilityData.load(data)
        prefill = Prefill(
            job_type=answers.job_type,
            job_text=answers.job_text,
            kelurahan_code=answers.kelurahan_code,
            breadwinner=answers.breadwinner,
            poverty_register=answers.poverty_register,
            already_member=answers.already_member,
        )
        return Finish(then="registration", then_data=RegistrationData(prefill=prefill).dump())
    return Finish(say=(Reply.of(msg("eligibility.maybe_later")),))


def _refused(ctx: Context, breach: Breach) -> Transition:
    return Finish(say=(Reply.of(*explain_refusal(ctx.programme, breach)),))


def _not_eligible(ctx: Context, reason: Msg) -> Transition:
    """Not working: a condition of every programme, not a rule of the programme file."""
    programme = ctx.programme
    return Finish(
        say=(
            Reply.of(
                msg("eligibility.not_eligible", programme=programme.name, reason=reason),
                msg(
                    "eligibility.alternative_bpu",
                    premium=Money(programme.premium.monthly),
                    call_centre=programme.call_centre,
                ),
            ),
        )
    )


def _outside(ctx: Context, _: Data) -> Transition:
    breach = resident_breach(ctx.programme, region=ctx.region.name if ctx.region else ctx.programme.pemda)
    return Invalid(msg("place.must_pick")) if breach is None else _refused(ctx, breach)


eligibility_flow = Flow(
    id="eligibility",
    version=1,
    title=msg("eligibility.title"),
    start=_start,
    steps={
        "age": Step(ask=_ask_age, on_answer=_on_age),
        "working": Step(ask=_ask_working, on_answer=_on_working),
        **job_steps(then=lambda _, data: Goto("kelurahan", data), data_class=EligibilityData),
        **place_steps(
            then=lambda _, data: Goto("already_member", data), on_outside=_outside, data_class=EligibilityData
        ),
        "already_member": Step(ask=_ask_already, on_answer=_on_already),
        "breadwinner": Step(ask=_ask_breadwinner, on_answer=_on_breadwinner),
        "poverty": Step(ask=_ask_poverty, on_answer=_on_poverty),
        "offer": Step(ask=_ask_offer, on_answer=_on_offer),
    },
    aliases=("cek kelayakan", "kelayakan", "syarat", "apakah saya bisa", "bisa ikut"),
    data=EligibilityData,
)
