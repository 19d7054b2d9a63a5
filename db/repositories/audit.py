"""The audit log: admin actions and every view of personal data."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from db.models import AuditEntry

__all__ = ["record_audit"]


async def record_audit(
    session: AsyncSession,
    action: str,
    *,
    now: datetime,
    actor_contact_id: int | None = None,
    subject: str | None = None,
    detail: Mapping[str, str] | None = None,
) -> None:
    session.add(
        AuditEntry(
            actor_contact_id=actor_contact_id, action=action, subject=subject, detail=dict(detail or {}), created_at=now
        )
    )
