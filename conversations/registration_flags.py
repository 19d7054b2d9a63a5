"""The programme rules a registration can break and still be submitted, because the programme file
lets the kelurahan decide: stored on the registration (`registrations.flags`) and shown, each in plain
words, to the verifier and the admin. Approval never passes a flagged registration silently.

The age flag is judged on the day of registration, as the rule is (`programme_rules.age_rule_day`):
the verifier and the admin see the same flag, however long after the registration they look, and it
says the age then ("Umur 70 tahun saat mendaftar, di luar batas program (18 sampai 65 tahun)")."""

from __future__ import annotations

from datetime import date, datetime
from typing import Literal, get_args

from conversations.dates import age_on
from conversations.messages import Msg, msg
from conversations.programme import EligibilityRule, Programme
from conversations.programme_rules import Breach, Judgement, age_band_text, age_rule_day, birth_date_breach

__all__ = [
    "FLAGS",
    "Flag",
    "age_outside_band",
    "breach_flag",
    "flag_message",
    "flags_on",
    "judged_flags",
    "known_flags",
]

Flag = Literal["age", "not_resident", "already_participant", "not_in_poverty_register", "outside_leader_area"]
FLAGS: tuple[Flag, ...] = get_args(Flag)
_SAID: dict[Flag, str] = {
    "not_resident": "flag.not_resident",
    "already_participant": "flag.already_participant",
    "not_in_poverty_register": "flag.not_in_poverty_register",
    "outside_leader_area": "flag.outside_leader_area",
}


_BROKEN: dict[EligibilityRule, Flag] = {
    "age": "age",
    "resident": "not_resident",
    "already_participant": "already_participant",
    "poverty_register": "not_in_poverty_register",
}


def breach_flag(breach: Breach) -> Flag:
    """The flag a registration carries for a rule it breaks (conversations/programme_rules.py)."""
    return _BROKEN[breach.rule]


def judged_flags(judgement: Judgement) -> tuple[Flag, ...]:
    """The flags of the rules the kelurahan decides that a registration breaks."""
    return tuple(breach_flag(breach) for breach in judgement.flagged)


def known_flags(stored: object) -> tuple[Flag, ...]:
    """The flags a registration row holds, in FLAGS order; anything else in the column is ignored."""
    held = set(stored) if isinstance(stored, list) else set()
    return tuple(flag for flag in FLAGS if flag in held)


def flag_message(programme: Programme, flag: Flag, *, birth_date: date | None, registered_on: date) -> Msg:
    """One flag in plain words, for the verifier and the admin; the age is the one on `registered_on`,
    the day of registration (`programme_rules.age_rule_day`)."""
    if flag == "age":
        age = age_on(birth_date, registered_on) if birth_date is not None else None
        band = age_band_text(programme) or msg("common.unknown")
        if age is None:
            return msg("flag.age_unknown", band=band)
        return msg("flag.age", age=age, band=band)
    return msg(_SAID[flag])


def age_outside_band(programme: Programme, birth_date: date | None, registered_on: date) -> bool:
    """Was the age on the day of registration outside the programme's band? False without a band or a
    birth date."""
    return birth_date is not None and birth_date_breach(programme, birth_date, registered_on) is not None


def flags_on(
    programme: Programme, stored: object, *, birth_date: date | None, registered_at: datetime
) -> tuple[Flag, ...]:
    """The flags a registration carries: those stored with it, and "age" whenever its age on the day of
    registration was outside the band, stored or not (a registration stored before the band was
    checked, a birth date corrected since). A birthday after registration changes nothing."""
    held = set(known_flags(stored))
    if age_outside_band(programme, birth_date, age_rule_day(programme, registered_at)):
        held.add("age")
    return tuple(flag for flag in FLAGS if flag in held)
