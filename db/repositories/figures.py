"""The queries behind the Dinas's figures: counts grouped in the database, and the few dates the
premium sum and the chart need; the newest renewal round counted. Nothing here reads a NIK or a name."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from sqlalchemy import case, func, select
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import InstrumentedAttribute
from sqlalchemy.sql.elements import ColumnElement

from db.models import AccidentReport, ClaimCase, Registration, Renewal, UnansweredQuestion
from db.repositories.claim_cases import OPEN_STATUSES as CLAIMS_IN_PROGRESS

__all__ = [
    "CLAIMS_IN_PROGRESS",
    "NOT_COUNTED_BY_PLACE",
    "ClaimTotals",
    "RenewalTally",
    "accident_reports_between",
    "active_starts",
    "claim_totals",
    "count_by",
    "count_by_status",
    "registration_times",
    "renewal_tally",
    "unanswered_since",
]

# Rejected and deleted registrations stay in the totals by status, but not in "where and who".
NOT_COUNTED_BY_PLACE = ("rejected", "deleted")


@dataclass(frozen=True, slots=True)
class ClaimTotals:
    paid: int
    paid_total: int  # rupiah
    in_progress: int


async def count_by_status(session: AsyncSession, programme_id: str) -> dict[str, int]:
    statement = (
        select(Registration.status, func.count(Registration.id))
        .where(Registration.programme_id == programme_id)
        .group_by(Registration.status)
    )
    return {str(status): int(count) for status, count in (await session.execute(statement)).all()}


async def count_by(
    session: AsyncSession,
    programme_id: str,
    column: InstrumentedAttribute[str],
    *,
    excluding: Collection[str] = NOT_COUNTED_BY_PLACE,
) -> dict[str, int]:
    """Registrations grouped by `column` (Registration.kelurahan_code or Registration.job_type)."""
    statement = (
        select(column, func.count(Registration.id))
        .where(Registration.programme_id == programme_id, Registration.status.not_in(list(excluding)))
        .group_by(column)
    )
    return {str(key): int(count) for key, count in (await session.execute(statement)).all()}


async def active_starts(session: AsyncSession, programme_id: str) -> list[tuple[date | None, datetime]]:
    """For each active participant: BPJS TK's start date (None when not recorded) and the registration's
    last change (when it became active, if nothing changed since)."""
    statement = select(Registration.coverage_start, Registration.updated_at).where(
        Registration.programme_id == programme_id, Registration.status == "active"
    )
    return [(start, updated) for start, updated in (await session.execute(statement)).all()]


async def registration_times(session: AsyncSession, programme_id: str) -> list[datetime]:
    """When each registration was sent, oldest first (deleted and rejected ones too: they were registered)."""
    statement = (
        select(Registration.created_at).where(Registration.programme_id == programme_id).order_by(Registration.id)
    )
    return list((await session.execute(statement)).scalars())


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
