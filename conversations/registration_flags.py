"""The programme rules a registration can break and still be submitted, because the programme file
lets the kelurahan decide: stored on the registration (`registrations.flags`) and shown, each in plain
words, to the verifier and the admin. Approval never passes a flagged registration silently."""

from __future__ import annotations

from datetime import date
from typing import Literal, get_args

from conversations.dates import age_on
from conversations.messages import Msg, msg
from conversations.programme import Programme

__all__ = ["FLAGS", "Flag", "flag_message", "known_flags"]

Flag = Literal["age", "not_resident", "already_participant", "not_in_poverty_register", "outside_leader_area"]
FLAGS: tuple[Flag, ...] = get_args(Flag)
_SAID: dict[Flag, str] = {
    "not_resident": "flag.not_resident",
    "already_participant": "flag.already_participant",
    "not_in_poverty_register": "flag.not_in_poverty_register",
    "outside_leader_area": "flag.outside_leader_area",
}


def known_flags(stored: object) -> tuple[Flag, ...]:
    """The flags a registration row holds, in FLAGS order; anything else in the column is ignored."""
    held = set(stored) if isinstance(stored, list) else set()
    return tuple(flag for flag in FLAGS if flag in held)


def flag_message(programme: Programme, flag: Flag, *, birth_date: date | None, on: date) -> Msg:
    """One flag in plain words, for the verifier and the admin; the age is told as it is on `on`."""
    if flag == "age":
        rules = programme.eligibility
        age = age_on(birth_date, on) if birth_date is not None else None
        band = msg("flag.age_band", min=rules.min_age or 0, max=rules.max_age or 0)
        if age is None:
            return msg("flag.age_unknown", band=band)
        return msg("flag.age", age=age, band=band)
    return msg(_SAID[flag])
