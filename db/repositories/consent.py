"""Consent records: appended, never changed; the latest record for a purpose is the one in force."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import ConsentRecord

__all__ = ["latest_consent", "latest_consents", "record_consent"]


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
    return (await latest_consents(session, contact_id, (purpose,))).get(purpose)


async def latest_consents(
    session: AsyncSession, contact_id: int, purposes: Collection[str]
) -> dict[str, ConsentRecord]:
    """The record in force for each of `purposes` the person has answered, in one query (read for every
    message: the conversation must know which notices the person has agreed to)."""
    newest = (
        select(func.max(ConsentRecord.id))
        .where(ConsentRecord.contact_id == contact_id, ConsentRecord.purpose.in_(purposes))
        .group_by(ConsentRecord.purpose)
    )
    rows = (await session.execute(select(ConsentRecord).where(ConsentRecord.id.in_(newest)))).scalars()
    return {row.purpose: row for row in rows}
