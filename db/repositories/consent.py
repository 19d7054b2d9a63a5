"""Consent records: appended, never changed; the latest record for a purpose is the one in force."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import ConsentRecord

__all__ = ["latest_consent", "record_consent"]


async def record_consent(
    session: AsyncSession,
    contact_id: int,
    *,
    purpose: str,
    notice_version: str,
    granted: bool,
    now: datetime,
    given_via: str = "self",
    operator_contact_id: int | None = None,
) -> None:
    session.add(
        ConsentRecord(
            contact_id=contact_id,
            purpose=purpose,
            notice_version=notice_version,
            granted=granted,
            given_via=given_via,
            operator_contact_id=operator_contact_id,
            recorded_at=now,
        )
    )


async def latest_consent(session: AsyncSession, contact_id: int, purpose: str) -> ConsentRecord | None:
    statement = (
        select(ConsentRecord)
        .where(ConsentRecord.contact_id == contact_id, ConsentRecord.purpose == purpose)
        .order_by(ConsentRecord.id.desc())
        .limit(1)
    )
    return (await session.execute(statement)).scalar_one_or_none()
