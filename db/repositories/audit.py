"""The audit log: admin actions and every view of personal data."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import AuditEntry

__all__ = ["acted_on_since", "has_entry", "recent_action_times", "record_audit"]


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


async def has_entry(session: AsyncSession, action: str, *, subject: str) -> bool:
    """Whether the log holds any `action` entry about `subject` (index ix_audit_log_action_subject)."""
    statement = select(AuditEntry.id).where(AuditEntry.action == action, AuditEntry.subject == subject).limit(1)
    return (await session.execute(statement)).first() is not None


async def recent_action_times(
    session: AsyncSession, action: str, *, actor_contact_id: int, since: datetime, limit: int
) -> list[datetime]:
    """When this person's newest `action` entries after `since` were made, newest first, at most `limit`.
    Served by the index on actor_contact_id: the rows read are this one person's, whatever the log's size."""
    statement = (
        select(AuditEntry.created_at)
        .where(
            AuditEntry.actor_contact_id == actor_contact_id,
            AuditEntry.action == action,
            AuditEntry.created_at > since,
        )
        .order_by(AuditEntry.created_at.desc())
        .limit(limit)
    )
    return list((await session.execute(statement)).scalars())


async def acted_on_since(
    session: AsyncSession, action: str, *, actor_contact_id: int, subject: str, since: datetime
) -> bool:
    """Has this person done `action` on `subject` after `since`? (Read through the actor_contact_id index.)"""
    statement = (
        select(AuditEntry.id)
        .where(
            AuditEntry.actor_contact_id == actor_contact_id,
            AuditEntry.action == action,
            AuditEntry.subject == subject,
            AuditEntry.created_at > since,
        )
        .limit(1)
    )
    return (await session.execute(statement)).scalar_one_or_none() is not None
