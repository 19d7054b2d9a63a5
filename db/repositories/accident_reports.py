"""Work-accident reports made through the bot."""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from sqlalchemy import Select, case, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import AccidentReport, Contact, Registration

__all__ = ["FOLLOWED_UP", "NEW", "add_report", "any_report", "mark_followed_up", "reports_to_follow_up"]

NEW = "new"
FOLLOWED_UP = "followed_up"  # an admin followed it up (called the family, helped them to the branch)
_NOT_FOLLOWED_UP_FIRST = case((AccidentReport.status == NEW, 0), else_=1)


async def add_report(session: AsyncSession, fields: Mapping[str, Any]) -> AccidentReport:
    report = AccidentReport(**fields, status=NEW)
    session.add(report)
    await session.flush()
    return report


ReportRow = tuple[AccidentReport, Contact | None, Registration | None]


def _with_reporter_and_worker() -> Select[AccidentReport, Contact, Registration]:
    return (
        select(AccidentReport, Contact, Registration)
        .outerjoin(Contact, Contact.id == AccidentReport.reporter_contact_id)
        .outerjoin(Registration, Registration.id == AccidentReport.registration_id)
    )


async def reports_to_follow_up(
    session: AsyncSession, programme_id: str, *, offset: int, limit: int
) -> tuple[list[ReportRow], int]:
    """A page of the programme's reports, those not followed up first, the oldest first; each with the
    reporter and the worker's registration when known; and how many reports there are."""
    mine = AccidentReport.programme_id == programme_id
    total = (await session.execute(select(func.count(AccidentReport.id)).where(mine))).scalar_one()
    statement = (
        _with_reporter_and_worker()
        .where(mine)
        .order_by(_NOT_FOLLOWED_UP_FIRST, AccidentReport.created_at, AccidentReport.id)
        .offset(offset)
        .limit(limit)
    )
    rows: list[ReportRow] = [
        (report, reporter, worker) for report, reporter, worker in await session.execute(statement)
    ]
    return rows, int(total)


async def any_report(session: AsyncSession, programme_id: str, report_id: int) -> ReportRow | None:
    statement = _with_reporter_and_worker().where(
        AccidentReport.id == report_id, AccidentReport.programme_id == programme_id
    )
    found = (await session.execute(statement)).first()
    return (found[0], found[1], found[2]) if found is not None else None


async def mark_followed_up(session: AsyncSession, report_id: int) -> bool:
    """New → followed up; False when it was not new any more (another admin was first)."""
    result = await session.execute(
        update(AccidentReport)
        .where(AccidentReport.id == report_id, AccidentReport.status == NEW)
        .values(status=FOLLOWED_UP)
    )
    return bool(getattr(result, "rowcount", 0))
