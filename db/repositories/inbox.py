"""The inbox: each inbound message id is recorded once, so a redelivered message is a no-op."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import InboxMessage
from db.repositories._dialect import insert_ignoring_duplicates

__all__ = ["record_inbound", "set_outcome"]


async def record_inbound(
    session: AsyncSession, channel: str, message_id: str, received_at: datetime, status: str = "processed"
) -> int | None:
    """The new inbox row's id, or None when this message was seen before."""
    statement = (
        insert_ignoring_duplicates(session, InboxMessage)
        .values(channel=channel, message_id=message_id, received_at=received_at, status=status)
        .returning(InboxMessage.id)
    )
    return (await session.execute(statement)).scalar_one_or_none()


async def set_outcome(
    session: AsyncSession, inbox_id: int, contact_id: int | None, status: str, error: str | None = None
) -> None:
    await session.execute(
        update(InboxMessage)
        .where(InboxMessage.id == inbox_id)
        .values(contact_id=contact_id, status=status, error=error)
    )
