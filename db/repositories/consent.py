"""Consent records: appended, never changed; the latest record for a purpose is the one in force."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import bindparam, func, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import ConsentRecord

__all__ = ["ConsentInForce", "consents_in_force", "latest_consent", "record_consent"]


@dataclass(frozen=True, slots=True)
class ConsentInForce:
    """The latest answer a person gave for one purpose."""

    purpose: str
    notice_version: str
    granted: bool
    recorded_at: datetime


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


async def latest_consent(session: AsyncSession, contact_id: int, purpose: str) -> ConsentInForce | None:
    return (await consents_in_force(session, [contact_id], (purpose,))).get(contact_id, {}).get(purpose)


_NEWEST = (
    select(func.max(ConsentRecord.id))
    .where(
        ConsentRecord.contact_id.in_(bindparam("ids", expanding=True)),
        ConsentRecord.purpose.in_(bindparam("purposes", expanding=True)),
    )
    .group_by(ConsentRecord.contact_id, ConsentRecord.purpose)
)
_IN_FORCE = select(
    ConsentRecord.contact_id,
    ConsentRecord.purpose,
    ConsentRecord.notice_version,
    ConsentRecord.granted,
    ConsentRecord.recorded_at,
).where(ConsentRecord.id.in_(_NEWEST))


async def consents_in_force(
    session: AsyncSession, contact_ids: Collection[int], purposes: Collection[str]
) -> dict[int, dict[str, ConsentInForce]]:
    """The answer in force for each of `purposes`, for many people in one query: contact id → purpose →
    the answer (people who never answered are left out)."""
    if not contact_ids:
        return {}
    rows = await session.execute(_IN_FORCE, {"ids": list(set(contact_ids)), "purposes": list(purposes)})
    found: dict[int, dict[str, ConsentInForce]] = {}
    for contact_id, purpose, version, granted, recorded_at in rows.all():
        found.setdefault(contact_id, {})[purpose] = ConsentInForce(purpose, version, granted, recorded_at)
    return found
