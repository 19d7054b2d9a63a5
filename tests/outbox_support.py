"""Outbox rows for tests that need a message waiting without the bot having caused it."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Contact
from db.repositories import outbox


async def queue_notification(
    session: AsyncSession,
    contact: Contact,
    body: str,
    now: datetime,
    *,
    priority: int = outbox.PRIORITY_NOTIFICATION,
    replaces: str | None = None,
) -> None:
    """A message the person did not just ask for, as the outbox writer queues a letter."""
    await outbox.enqueue(
        session,
        contact_id=contact.id,
        channel=contact.channel,
        recipient=contact.channel_id,
        body=body,
        choices=[],
        now=now,
        kind="notification",
        priority=priority,
        replaces=replaces,
    )
