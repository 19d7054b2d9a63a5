"""Where each contact is in a conversation. Read under a row lock, written with the revision checked."""

from __future__ import annotations

from collections.abc import Mapping
from datetime import datetime
from typing import Any

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import ConversationSession
from db.repositories._dialect import dialect_name

__all__ = ["StaleSession", "lock_session", "save_session"]


class StaleSession(RuntimeError):
    """Somebody else saved this conversation since it was read; the caller's transaction must roll back."""


async def lock_session(session: AsyncSession, contact_id: int) -> ConversationSession:
    """The contact's conversation, locked for this transaction (FOR UPDATE on PostgreSQL; on SQLite the
    transaction began IMMEDIATE, which already serialises writers)."""
    statement = select(ConversationSession).where(ConversationSession.contact_id == contact_id)
    if dialect_name(session) == "postgresql":
        statement = statement.with_for_update()
    return (await session.execute(statement)).scalar_one()


async def save_session(
    session: AsyncSession,
    contact_id: int,
    expected_revision: int,
    *,
    flow: str | None,
    flow_version: int,
    step: str | None,
    data: Mapping[str, Any],
    paused: Mapping[str, Any] | None = None,
    now: datetime,
) -> int:
    """Save and return the new revision."""
    result = await session.execute(
        update(ConversationSession)
        .where(ConversationSession.contact_id == contact_id, ConversationSession.revision == expected_revision)
        .values(
            paused=dict(paused or {}),
            flow=flow,
            flow_version=flow_version,
            step=step,
            data=dict(data),
            revision=expected_revision + 1,
            updated_at=now,
        )
        .returning(ConversationSession.revision)
    )
    revision = result.scalar_one_or_none()
    if revision is None:
        raise StaleSession(f"conversation of contact {contact_id} changed since revision {expected_revision}")
    return revision
