"""Was a worker protected on a given day? Coverage is a fact with dates, and this module is the one
place that reads it: the claim assistant (the day of death), the accident report (the day of the
accident) and the calculator (today) all ask `coverage_on`, and name a benefit amount only when the
answer is `covered`.

- Protected from the BPJS TK start date (from the KPJ import) while the registration is active.
- Not yet: submitted, verified, approved or on the waiting list — no start date, or the day is
  before it. Being registered in the chat is not being protected.
- Ended: it left "active" (the Dinas took it out, a lapse) before the day.
- Not confirmed: not found among the registrations, the number not given, or active without a start
  date. The bot cannot say; the BPJS TK branch can, with the NIK or KPJ."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

__all__ = ["Coverage", "Membership", "Verdict", "coverage_on", "membership_of"]

_ACTIVE = "active"


class Verdict(StrEnum):
    COVERED = "covered"
    NOT_YET = "not_yet"  # registered, not (yet) protected on that day
    ENDED = "ended"  # protected once, no longer on that day
    UNCONFIRMED = "unconfirmed"  # the programme's records cannot say


@dataclass(frozen=True, slots=True)
class Membership:
    """What the programme's records say of one worker (found by NIK or KPJ)."""

    status: str  # the registration's status today
    coverage_start: date | None  # BPJS TK's start date, from the KPJ import
    ended_on: date | None = None  # the day it stopped being active, when it has


@dataclass(frozen=True, slots=True)
class Coverage:
    verdict: Verdict
    day: date  # the day asked about: the death, the accident, today
    start: date | None = None
    ended_on: date | None = None
    status: str = ""  # the registration's status, when one was found

    @property
    def established(self) -> bool:
        """Only then may a benefit amount be named for this person."""
        return self.verdict is Verdict.COVERED


def membership_of(status: str, coverage_start: date | None, history: Sequence[tuple[str, date]]) -> Membership:
    """The membership a registration's status history shows: `history` is its status changes (status,
    day) oldest first; the end is the first change away from "active" after its last activation."""
    ended_on = None
    if status != _ACTIVE:
        active = False
        for event_status, day in history:
            if event_status == _ACTIVE:
                active, ended_on = True, None
            elif active:
                active, ended_on = False, day
    return Membership(status=status, coverage_start=coverage_start, ended_on=ended_on)


def coverage_on(membership: Membership | None, day: date) -> Coverage:
    if membership is None:
        return Coverage(Verdict.UNCONFIRMED, day)
    start, ended, status = membership.coverage_start, membership.ended_on, membership.status

    def judged(verdict: Verdict) -> Coverage:
        return Coverage(verdict, day, start=start, ended_on=ended, status=status)

    if start is None:
        # Active without BPJS TK's start date: the records cannot say since when.
        return judged(Verdict.UNCONFIRMED if status == _ACTIVE else Verdict.NOT_YET)
    if day < start:
        return judged(Verdict.NOT_YET)
    if ended is not None and day >= ended:
        return judged(Verdict.ENDED)
    if ended is None and status != _ACTIVE:
        # A start date, no end, yet not active: the records disagree with themselves.
        return judged(Verdict.UNCONFIRMED)
    return judged(Verdict.COVERED)
