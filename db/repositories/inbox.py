"""The inbox: each inbound message id is recorded once, so a redelivered message is a no-op."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy import update
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import InboxMessage
from db.repositories._dialect import PerDialect, insert_ignoring_duplicates, insert_in

__all__ = ["record_inbound", "record_inbounds", "set_outcome"]


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


_RECORD = PerDialect(
    lambda name: (
        insert_in(name, InboxMessage)
        .on_conflict_do_nothing()
        .returning(InboxMessage.id, InboxMessage.channel, InboxMessage.message_id)
    )
)


async def record_inbounds(
    session: AsyncSession, messages: Sequence[tuple[str, str, int]], received_at: datetime
) -> list[int | None]:
    """Record many (channel, message id, contact id) at once, as handled; for each, in order, its new
    inbox row's id, or None when it was seen before (in an earlier batch, or earlier in this one)."""
    if not messages:
        return []
    rows = [
        {
            "channel": channel,
            "message_id": message_id,
            "contact_id": contact_id,
            "received_at": received_at,
            "status": "processed",
        }
        for channel, message_id, contact_id in dict.fromkeys(messages)
    ]
    statement = _RECORD.of(session)
    stored = {
        (channel, message_id): row_id for row_id, channel, message_id in (await session.execute(statement, rows)).all()
    }
    ids: list[int | None] = []
    for channel, message_id, _ in messages:
        ids.append(stored.pop((channel, message_id), None))  # a second time in the batch is a duplicate
    return ids
