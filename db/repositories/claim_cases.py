"""Heirs' claim cases: opened, brought up to date at every step, reminded when idle."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import ClaimCase

__all__ = ["OPEN_STATUSES", "add_case", "cases_of", "get_case", "idle_cases"]

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
