"""Wrong tries at linking a record to a chat, counted per NIK from every chat: read from the audit log,
where each wrong try is an entry whose subject is a keyed hash of the NIK typed (never the NIK)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import AuditEntry

__all__ = ["recent_times_for_subject"]


async def recent_times_for_subject(
    session: AsyncSession, action: str, *, subject: str, since: datetime, limit: int
) -> list[datetime]:
    """When the newest `action` entries about `subject` after `since` were made, by anyone, newest first,
    at most `limit` (index ix_audit_log_action_subject)."""
    statement = (
        select(AuditEntry.created_at)
        .where(AuditEntry.action == action, AuditEntry.subject == subject, AuditEntry.created_at > since)
        .order_by(AuditEntry.created_at.desc())
        .limit(limit)
    )
    return list((await session.execute(statement)).scalars())
