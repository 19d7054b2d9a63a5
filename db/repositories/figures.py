"""The queries behind the Dinas's figures: counts grouped in the database, and the few dates the
premium sum and the chart need; the newest renewal round counted. Nothing here reads a NIK or a name."""

from __future__ import annotations

from collections import Counter
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import Row, case, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute
from sqlalchemy.sql.elements import ColumnElement

from db.models import AccidentReport, ClaimCase, Registration, Renewal, UnansweredQuestion
from db.repositories.claim_cases import OPEN_STATUSES as CLAIMS_IN_PROGRESS

__all__ = [
    "CLAIMS_IN_PROGRESS",
    "NOT_COUNTED_BY_PLACE",
    "ClaimTotals",
    "MonthlySpan",
    "RegistrationTally",
    "RenewalTally",
    "accident_reports_between",
    "active_by_start",
    "claim_totals",
    "monthly_span",
    "registration_tally",
    "renewal_tally",
    "sent_by_month",
    "unanswered_since",
]

# Rejected and deleted registrations stay in the totals by status, but not in "where and who".
NOT_COUNTED_BY_PLACE = ("rejected", "deleted")


@dataclass(frozen=True, slots=True)
class ClaimTotals:
    paid: int
    paid_total: int  # rupiah
    in_progress: int


@dataclass(frozen=True, slots=True)
class RegistrationTally:
    by_status: dict[str, int]
    by_kelurahan: dict[str, int]  # NOT_COUNTED_BY_PLACE left out
    by_job_type: dict[str, int]  # NOT_COUNTED_BY_PLACE left out


async def registration_tally(
    session: AsyncSession, programme_id: str, *, excluding: Collection[str] = NOT_COUNTED_BY_PLACE
) -> RegistrationTally:
    """The programme's registrations by status, by kelurahan and by job type. One pass in the database,
    grouped by the three together (a few hundred groups, whatever the registrations), added up here."""
    statement = (
        select(Registration.status, Registration.kelurahan_code, Registration.job_type, func.count(Registration.id))
        .where(Registration.programme_id == programme_id)
        .group_by(Registration.status, Registration.kelurahan_code, Registration.job_type)
    )
    by_status, by_kelurahan, by_job_type = Counter[str](), Counter[str](), Counter[str]()
    for status, kelurahan_code, job_type, count in (await session.execute(statement)).all():
        by_status[str(status)] += int(count)
        if status not in excluding:
            by_kelurahan[str(kelurahan_code)] += int(count)
            by_job_type[str(job_type)] += int(count)
    return RegistrationTally(dict(by_status), dict(by_kelurahan), dict(by_job_type))


@dataclass(frozen=True, slots=True)
class MonthlySpan:
    """The earliest and latest of the times counted month by month: when each registration was sent, and
    when each active participant without a start date last changed (when it became active)."""

    first: datetime
    last: datetime


def _active_without_start(programme_id: str) -> ColumnElement[bool]:
    return (
        (Registration.programme_id == programme_id)
        & (Registration.status == "active")
        & Registration.coverage_start.is_(None)
    )


async def monthly_span(session: AsyncSession, programme_id: str) -> MonthlySpan | None:
    """None: the programme has no registration yet."""
    changed = case((_active_without_start(programme_id), Registration.updated_at))
    statement = select(
        func.min(Registration.created_at),
        func.max(Registration.created_at),
        func.min(changed),
        func.max(changed),
    ).where(Registration.programme_id == programme_id)
    first_sent, last_sent, first_changed, last_changed = (await session.execute(statement)).one()
    if first_sent is None:
        return None
    return MonthlySpan(
        min(t for t in (first_sent, first_changed) if t is not None),
        max(t for t in (last_sent, last_changed) if t is not None),
    )


def _month_index(column: InstrumentedAttribute[datetime], month_starts: Sequence[datetime]) -> ColumnElement[int]:
    """Which month a time falls in: i from `month_starts[i]` (included) to the next start; -1 before the first."""
    return case(
        *((column >= start, index) for index, start in reversed(list(enumerate(month_starts)))),
        else_=-1,
    ).label("month")


def _per_month(rows: Sequence[Row[int, int]], months: int) -> list[int]:
    counts = [0] * months
    for index, count in rows:
        if 0 <= int(index) < months:
            counts[int(index)] += int(count)
    return counts


async def sent_by_month(session: AsyncSession, programme_id: str, month_starts: Sequence[datetime]) -> list[int]:
    """Registrations sent in each month, from its start (UTC) to the next one's; deleted and rejected ones
    too: they were registered. Counted in the database: a row per month, never a row per registration."""
    if not month_starts:
        return []
    month = _month_index(Registration.created_at, month_starts)
    statement = (
        select(month, func.count(Registration.id)).where(Registration.programme_id == programme_id).group_by(month)
    )
    return _per_month((await session.execute(statement)).all(), len(month_starts))


async def active_by_start(
    session: AsyncSession, programme_id: str, month_starts: Sequence[datetime]
) -> tuple[dict[date, int], list[int]]:
    """Active participants counted by BPJS TK's start date (`coverage_start`); those without one recorded,
    by the month (of `month_starts`) of their registration's last change (when it became active, if
    nothing changed since)."""
    with_start = (
        select(Registration.coverage_start, func.count(Registration.id))
        .where(
            Registration.programme_id == programme_id,
            Registration.status == "active",
            Registration.coverage_start.is_not(None),
        )
        .group_by(Registration.coverage_start)
    )
    by_day = {start: int(count) for start, count in (await session.execute(with_start)).all() if start is not None}
    if not month_starts:
        return by_day, []
    month = _month_index(Registration.updated_at, month_starts)
    without_start = (
        select(month, func.count(Registration.id)).where(_active_without_start(programme_id)).group_by(month)
    )
    return by_day, _per_month((await session.execute(without_start)).all(), len(month_starts))


async def claim_totals(session: AsyncSession, programme_id: str) -> ClaimTotals:
    paid = select(func.count(ClaimCase.id), func.coalesce(func.sum(ClaimCase.amount_paid), 0)).where(
        ClaimCase.programme_id == programme_id, ClaimCase.status == "paid"
    )
    open_cases = select(func.count(ClaimCase.id)).where(
        ClaimCase.programme_id == programme_id, ClaimCase.status.in_(CLAIMS_IN_PROGRESS)
    )
    count, total = (await session.execute(paid)).one()
    return ClaimTotals(int(count), int(total or 0), int((await session.execute(open_cases)).scalar_one()))


async def accident_reports_between(session: AsyncSession, programme_id: str, start: datetime, end: datetime) -> int:
    """Reports made from `start` (included) to `end` (excluded)."""
    statement = select(func.count(AccidentReport.id)).where(
        AccidentReport.programme_id == programme_id,
        AccidentReport.created_at >= start,
        AccidentReport.created_at < end,
    )
    return int((await session.execute(statement)).scalar_one())


async def unanswered_since(session: AsyncSession, since: datetime) -> int:
    """Questions asked from `since` that are still unanswered (not attached to a topic by an admin)."""
    statement = select(func.count(UnansweredQuestion.id)).where(
        UnansweredQuestion.created_at >= since, UnansweredQuestion.attached_at.is_(None)
    )
    return int((await session.execute(statement)).scalar_one())


# ---- the renewal round ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RenewalTally:
    """A round's rows counted by what matters to the figures (one group per combination)."""

    decision: str
    reason: str | None
    answer: str | None
    with_chat: bool  # contact_id: the question could go to the worker's chat
    asked: bool
    reminded: bool
    decided_by_kelurahan: bool
    count: int


def _set(column: InstrumentedAttribute[Any]) -> ColumnElement[int]:
    return case((column.is_not(None), 1), else_=0)


async def renewal_tally(session: AsyncSession, round_id: int) -> list[RenewalTally]:
    """The round's rows in groups, counted in the database."""
    groups = (
        Renewal.decision,
        Renewal.reason,
        Renewal.answer,
        _set(Renewal.contact_id),
        _set(Renewal.asked_at),
        _set(Renewal.reminded_at),
        _set(Renewal.decided_at),
    )
    statement = select(*groups, func.count(Renewal.id)).where(Renewal.round_id == round_id).group_by(*groups)
    return [
        RenewalTally(str(decision), reason, answer, bool(chat), bool(asked), bool(reminded), bool(decided), int(n))
        for decision, reason, answer, chat, asked, reminded, decided, n in (await session.execute(statement)).all()
    ]
