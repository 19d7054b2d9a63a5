"""Heirs' claim cases: opened, brought up to date at every step, reminded when idle."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import ClaimCase, Contact, Registration

__all__ = ["OPEN_STATUSES", "add_case", "any_case", "cases_of", "get_case", "idle_cases", "open_cases_by_idle"]

# A case still needs the heir: documents to collect, a claim to take to the branch, an outcome to record.
OPEN_STATUSES = ("collecting", "ready", "submitted")


async def add_case(session: AsyncSession, fields: Mapping[str, Any], now: datetime) -> ClaimCase:
    case = ClaimCase(**fields, created_at=now, updated_at=now)
    session.add(case)
    await session.flush()
    return case


async def get_case(session: AsyncSession, case_id: int, contact_id: int) -> ClaimCase | None:
    """The case, only when it is this contact's."""
    case = await session.get(ClaimCase, case_id)
    return case if case is not None and case.contact_id == contact_id else None


async def cases_of(session: AsyncSession, contact_id: int) -> list[ClaimCase]:
    statement = select(ClaimCase).where(ClaimCase.contact_id == contact_id).order_by(ClaimCase.id.desc())
    return list((await session.execute(statement)).scalars())


async def idle_cases(session: AsyncSession, idle_since: datetime, limit: int = 500) -> list[ClaimCase]:
    """Open cases nobody has touched since `idle_since` and not reminded since their last step."""
    statement = (
        select(ClaimCase)
        .where(
            ClaimCase.status.in_(OPEN_STATUSES),
            ClaimCase.updated_at < idle_since,
            or_(ClaimCase.reminded_at.is_(None), ClaimCase.reminded_at < ClaimCase.updated_at),
        )
        .order_by(ClaimCase.updated_at)
        .limit(limit)
    )
    return list((await session.execute(statement)).scalars())


async def open_cases_by_idle(
    session: AsyncSession, programme_id: str, *, offset: int, limit: int
) -> tuple[list[tuple[ClaimCase, Contact, Registration | None]], int]:
    """A page of the programme's open cases, the longest idle first (the heir's last step), each with
    the heir and the deceased's registration when linked; and how many open cases there are."""
    open_case = (ClaimCase.programme_id == programme_id, ClaimCase.status.in_(OPEN_STATUSES))
    total = (await session.execute(select(func.count(ClaimCase.id)).where(*open_case))).scalar_one()
    statement = (
        select(ClaimCase, Contact, Registration)
        .join(Contact, Contact.id == ClaimCase.contact_id)
        .outerjoin(Registration, Registration.id == ClaimCase.registration_id)
        .where(*open_case)
        .order_by(ClaimCase.updated_at, ClaimCase.id)
        .offset(offset)
        .limit(limit)
    )
    rows: list[tuple[ClaimCase, Contact, Registration | None]] = [
        (case, heir, registration) for case, heir, registration in await session.execute(statement)
    ]
    return rows, int(total)


async def any_case(
    session: AsyncSession, programme_id: str, case_id: int
) -> tuple[ClaimCase, Contact, Registration | None] | None:
    """One case of the programme, whoever's it is (for the Dinas), with the heir and the registration."""
    statement = (
        select(ClaimCase, Contact, Registration)
        .join(Contact, Contact.id == ClaimCase.contact_id)
        .outerjoin(Registration, Registration.id == ClaimCase.registration_id)
        .where(ClaimCase.id == case_id, ClaimCase.programme_id == programme_id)
    )
    found = (await session.execute(statement)).first()
    return (found[0], found[1], found[2]) if found is not None else None
