"""Contacts: one per person per channel."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Contact, ConversationSession
from db.repositories._dialect import insert_ignoring_duplicates

__all__ = ["find_contact", "get_or_create_contact", "set_business_user_id"]


async def find_contact(session: AsyncSession, channel: str, channel_id: str) -> Contact | None:
    statement = select(Contact).where(Contact.channel == channel, Contact.channel_id == channel_id)
    return (await session.execute(statement)).scalar_one_or_none()


async def get_or_create_contact(session: AsyncSession, channel: str, channel_id: str, now: datetime) -> Contact:
    """The contact, created with an empty conversation if new. Safe when two messages race."""
    found = await find_contact(session, channel, channel_id)
    if found is not None:  # the usual case: one SELECT, no write
        return found
    await session.execute(
        insert_ignoring_duplicates(session, Contact).values(
            channel=channel,
            channel_id=channel_id,
            language="id",
            opted_out=False,
            unreachable=False,
            created_at=now,
        )
    )
    contact = await find_contact(session, channel, channel_id)
    assert contact is not None
    await session.execute(
        insert_ignoring_duplicates(session, ConversationSession).values(
            contact_id=contact.id, flow=None, flow_version=0, step=None, data={}, revision=0, updated_at=now
        )
    )
    return contact


async def set_business_user_id(session: AsyncSession, channel: str, channel_id: str, business_user_id: str) -> None:
    """Keep the business-scoped user id Meta sends beside the wa_id (no-op for an unknown contact)."""
    await session.execute(
        update(Contact)
        .where(
            Contact.channel == channel,
            Contact.channel_id == channel_id,
            or_(Contact.business_user_id.is_(None), Contact.business_user_id != business_user_id),
        )
        .values(business_user_id=business_user_id[:128])
    )
