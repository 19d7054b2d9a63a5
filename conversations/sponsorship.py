"""A sponsor's commitment, as dates and money: the one place every flow, desk and figure asks.

A commitment covers `months` calendar months from `start` (the first day of a month). Each month is a
period of the programme's monthly premium, due on the programme file's `due_day` of that month. A period
not recorded as paid is, from its due day, *due*; `missed_after_days` later it is *missed* (the Dinas is
told); once the programme's `inactive_after_unpaid_months` periods in a row are missed, the worker is told
that protection may stop (BPJS TK's grace period for BPU, PROGRAM.md). Nothing here promises cover: the
bot says what was recorded and where to ask."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, timedelta
from typing import Literal

from conversations.programme import Programme, Sponsors

__all__ = [
    "FUNDER_APBD",
    "FUNDING_STATUSES",
    "OPEN_STATUSES",
    "Commitment",
    "PeriodState",
    "add_months",
    "due_day",
    "first_of_month",
    "first_paying_month",
    "lapsed",
    "period_state",
    "reminder_due",
    "start_choices",
    "unpaid_in_a_row",
]

# A sponsorship that still stands: offered to a named worker, accepted and waiting for the kelurahan, or paying.
OPEN_STATUSES = ("offered", "accepted", "active")
# A sponsorship that holds a worker: accepted (funded once verified) or paying. One at a time per worker.
FUNDING_STATUSES = ("accepted", "active")
FUNDER_APBD = "apbd"

PeriodState = Literal["upcoming", "due", "missed", "paid"]


def first_of_month(day: date) -> date:
    return day.replace(day=1)


def add_months(month: date, count: int) -> date:
    """The first day of the month `count` months after `month`'s."""
    index = month.year * 12 + month.month - 1 + count
    return date(index // 12, index % 12 + 1, 1)


def first_paying_month(rules: Sponsors, committed: date, today: date) -> date:
    """The first month a sponsor pays for: the month committed to, but never one already past, nor this
    month once its due day has gone by (a month that could only be late from the start)."""
    this_month = first_of_month(today)
    start = max(first_of_month(committed), this_month)
    if start == this_month and today > due_day(rules, this_month):
        return add_months(this_month, 1)
    return start


def start_choices(rules: Sponsors, today: date) -> tuple[date, date]:
    """The months a sponsor can start from: the first still payable (this month until its due day, else
    the next) and the one after."""
    first = first_paying_month(rules, today, today)
    return first, add_months(first, 1)


@dataclass(frozen=True, slots=True)
class Commitment:
    start: date  # the first day of the first covered month
    months: int

    @property
    def periods(self) -> tuple[date, ...]:
        return tuple(add_months(self.start, i) for i in range(self.months))

    @property
    def last_month(self) -> date:
        return add_months(self.start, self.months - 1)

    def total(self, programme: Programme) -> int:
        return programme.premium.monthly * self.months

    def covers(self, month: date) -> bool:
        return self.start <= first_of_month(month) <= self.last_month


def due_day(rules: Sponsors, period: date) -> date:
    return period.replace(day=rules.due_day)


def period_state(rules: Sponsors, period: date, paid: bool, today: date) -> PeriodState:
    if paid:
        return "paid"
    due = due_day(rules, period)
    if today < due:
        return "upcoming"
    return "missed" if today >= due + timedelta(days=rules.missed_after_days) else "due"


def reminder_due(rules: Sponsors, period: date, paid: bool, today: date) -> bool:
    """Whether the sponsor should have been reminded of this period by `today` (from `reminder_days`
    before its due day, while it is not paid and not yet missed)."""
    if paid:
        return False
    due = due_day(rules, period)
    return due - timedelta(days=rules.reminder_days) <= today < due + timedelta(days=rules.missed_after_days)


def unpaid_in_a_row(rules: Sponsors, commitment: Commitment, paid: Collection[date], today: date) -> int:
    """Missed periods in a row, ending with the latest one whose time to pay has passed."""
    run = 0
    for period in commitment.periods:
        state = period_state(rules, period, period in paid, today)
        if state == "missed":
            run += 1
        elif state == "paid":
            run = 0
        else:  # due or upcoming: its time has not passed yet
            break
    return run


def lapsed(programme: Programme, commitment: Commitment, paid: Collection[date], today: date) -> bool:
    """The grace period has run out: the worker is told that protection may stop."""
    rules = programme.sponsors
    if rules is None:
        return False
    return unpaid_in_a_row(rules, commitment, paid, today) >= programme.premium.inactive_after_unpaid_months
