"""The programme's rules, checked in one place: the eligibility check, each registration step where a
fact arrives, and the store when a registration is submitted all ask this module.

A rule comes from the programme file (`Eligibility`): the age band on the day it applies, a KTP of the
region, not already a BPJS Ketenagakerjaan participant, the poverty register where the programme
requires it. A broken rule is a `Breach`: the reason in plain words, what the
person can do instead, and whether the programme file leaves that rule to the kelurahan — then the
registration goes on and carries the breach's flag (registration_flags.breach_flag) to the verifier and
the admin; otherwise it is not submitted.

The age that counts is the age on the day of registration (`age_rule_day`), wherever the rule is
asked: the registration steps, the store at submission, the verifier, the admin's approval. Someone who
turns 66 after registering is still in a 18–65 band; whoever judges it later judges that same day. The
band is said by one formatter (`age_band_text`) for both bounds, a minimum only or a maximum only."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal

from conversations.dates import age_on
from conversations.messages import Money, Msg, msg
from conversations.programme import EligibilityRule, Programme

__all__ = [
    "Breach",
    "Facts",
    "Judgement",
    "age_band_text",
    "age_breach",
    "age_rule_day",
    "birth_date_breach",
    "explain_refusal",
    "judge",
    "kelurahan_decides_note",
    "participant_breach",
    "poverty_breach",
    "resident_breach",
]

YesNoUnknown = Literal["yes", "no", "unknown"]


@dataclass(frozen=True, slots=True)
class Breach:
    """A rule the person breaks, said in the words for them (`about_other`: for the RT/RW leader
    registering a neighbour)."""

    rule: EligibilityRule
    reason: Msg  # "program ini untuk usia 18 sampai 65 tahun, sedangkan umur Anda 70 tahun."
    instead: tuple[Msg, ...]  # what the person can do instead
    kelurahan_decides: bool  # the programme file leaves this rule to the kelurahan: submitted, flagged


@dataclass(frozen=True, slots=True)
class Facts:
    """What a registration says about the rules; None: not known (not asked, or not answered yet)."""

    birth_date: date | None = None
    resident: bool = True  # the KTP address is in the region (a registration's kelurahan always is)
    already_participant: YesNoUnknown | None = None
    poverty_register: YesNoUnknown | None = None


@dataclass(frozen=True, slots=True)
class Judgement:
    refused: tuple[Breach, ...]  # strict rules broken: the registration is not submitted
    flagged: tuple[Breach, ...]  # rules left to the kelurahan: submitted with their flags (registration_flags)


def judge(programme: Programme, facts: Facts, on: date, *, region: str = "") -> Judgement:
    """Every rule against what a registration says, on the day it is submitted (`region`: its name)."""
    found = [
        birth_date_breach(programme, facts.birth_date, on) if facts.birth_date is not None else None,
        None if facts.resident else resident_breach(programme, region=region or programme.pemda),
        participant_breach(programme, facts.already_participant),
        poverty_breach(programme, facts.poverty_register),
    ]
    breaches = [breach for breach in found if breach is not None]
    return Judgement(
        refused=tuple(b for b in breaches if not b.kelurahan_decides),
        flagged=tuple(b for b in breaches if b.kelurahan_decides),
    )


def age_rule_day(programme: Programme, registered_at: datetime) -> date:
    """The day the age band is judged on: the day of registration, where the programme is."""
    return programme.local_date(registered_at)


def age_band_text(programme: Programme) -> Msg | None:
    """The programme's age band in words ("18 sampai 65 tahun", "18 tahun ke atas", "paling tua 65
    tahun"); None without a band."""
    rules = programme.eligibility
    if rules.min_age is not None and rules.max_age is not None:
        return msg("rule.age_band", min_age=rules.min_age, max_age=rules.max_age)
    if rules.min_age is not None:
        return msg("rule.age_band_min", min_age=rules.min_age)
    if rules.max_age is not None:
        return msg("rule.age_band_max", max_age=rules.max_age)
    return None


def age_breach(programme: Programme, age: int, *, about_other: bool = False) -> Breach | None:
    """The age band, for an age already known (the eligibility check asks the age itself)."""
    rules = programme.eligibility
    if not ((rules.min_age is not None and age < rules.min_age) or (rules.max_age is not None and age > rules.max_age)):
        return None  # inside the band, or no band: decided before any words are made (queues judge thousands)
    band = age_band_text(programme)
    assert band is not None  # a bound was broken, so there is one
    reason = msg("rule.reason_age_other" if about_other else "eligibility.reason_age", band=band, age=age)
    branch = programme.office("bpjs_branch")
    instead = msg(
        "rule.instead_age_other" if about_other else "rule.instead_age",
        branch=branch.name if branch else msg("rule.any_branch"),
        call_centre=programme.call_centre,
        premium=Money(programme.premium.monthly),
    )
    return Breach("age", reason, (instead,), "age" in rules.kelurahan_decides)


def birth_date_breach(programme: Programme, born: date, on: date, *, about_other: bool = False) -> Breach | None:
    """The age band on `on`, the day the rule applies: the day of registration (`age_rule_day`)."""
    return age_breach(programme, age_on(born, on), about_other=about_other)


def resident_breach(programme: Programme, *, region: str, about_other: bool = False) -> Breach | None:
    """A KTP from outside the region (`region`: its name, as people know it)."""
    if not programme.eligibility.resident_only:
        return None
    return Breach(
        "resident", msg("eligibility.reason_outside", region=region), _self_funded(programme, about_other), False
    )


def participant_breach(
    programme: Programme, answer: YesNoUnknown | None, *, about_other: bool = False
) -> Breach | None:
    """Already a BPJS Ketenagakerjaan participant ("yes"); not sure ("unknown") is for BPJS TK to check."""
    if answer != "yes":
        return None
    reason = msg("rule.reason_already_member_other" if about_other else "eligibility.reason_already_member")
    check = "rule.check_membership_other" if about_other else "eligibility.check_membership"
    instead = (msg(check, call_centre=programme.call_centre),)
    return Breach(
        "already_participant", reason, instead, "already_participant" in programme.eligibility.kelurahan_decides
    )


def poverty_breach(programme: Programme, answer: YesNoUnknown | None, *, about_other: bool = False) -> Breach | None:
    """Not in the poverty register ("no") where the programme requires it; "unknown" the kelurahan checks."""
    rules = programme.eligibility
    if answer != "no" or not rules.poverty_register_required:
        return None
    instead = (msg("rule.instead_poverty_register"), *_self_funded(programme, about_other))
    return Breach(
        "poverty_register",
        msg("eligibility.reason_poverty_register"),
        instead,
        "poverty_register" in rules.kelurahan_decides,
    )


def explain_refusal(programme: Programme, breach: Breach, *, about_other: bool = False) -> tuple[Msg, ...]:
    """The refusal, then what can be done instead: one message each."""
    said = "rule.not_eligible_other" if about_other else "eligibility.not_eligible"
    return (msg(said, programme=programme.name, reason=breach.reason), *breach.instead)


def kelurahan_decides_note(programme: Programme, breach: Breach, *, about_other: bool = False) -> Msg:
    """Said when the fact arrives, for a rule the kelurahan decides: the registration goes on, honestly."""
    said = "rule.kelurahan_decides_other" if about_other else "rule.kelurahan_decides"
    return msg(said, programme=programme.name, reason=breach.reason)


def _self_funded(programme: Programme, about_other: bool) -> tuple[Msg, ...]:
    said = "rule.alternative_bpu_other" if about_other else "eligibility.alternative_bpu"
    return (msg(said, premium=Money(programme.premium.monthly), call_centre=programme.call_centre),)
