"""Contacts: one per person per channel."""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Collection
from datetime import datetime

from sqlalchemy import bindparam, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Contact, ConversationSession
from db.repositories._dialect import ignoring_duplicates, insert_ignoring_duplicates

__all__ = [
    "ContactKey",
    "contact_by_id",
    "contacts_for",
    "find_contact",
    "get_or_create_contact",
    "refresh_contacts",
    "set_business_user_id",
]

ContactKey = tuple[str, str]  # (channel, id on that channel)


async def find_contact(session: AsyncSession, channel: str, channel_id: str) -> Contact | None:
    statement = select(Contact).where(Contact.channel == channel, Contact.channel_id == channel_id)
    return (await session.execute(statement)).scalar_one_or_none()


async def contact_by_id(session: AsyncSession, contact_id: int) -> Contact | None:
    return await session.get(Contact, contact_id)


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


_BY_CHANNEL_IDS = select(Contact).where(
    Contact.channel == bindparam("channel"), Contact.channel_id.in_(bindparam("ids", expanding=True))
)
_BY_IDS = (
    select(Contact).where(Contact.id.in_(bindparam("ids", expanding=True))).execution_options(populate_existing=True)
)
_NEW_CONTACTS = ignoring_duplicates(Contact)
_NEW_SESSIONS = ignoring_duplicates(ConversationSession)


async def contacts_for(session: AsyncSession, keys: Collection[ContactKey], now: datetime) -> dict[ContactKey, Contact]:
    """Many people's contacts at once (a batch of messages), the missing ones created with an empty
    conversation: one SELECT per channel when everyone is known."""
    found = await _find_contacts(session, keys)
    # Sorted: two processes creating the same new people take the unique index's locks in one order.
    missing = sorted(key for key in set(keys) if key not in found)
    if not missing:
        return found
    await session.execute(
        _NEW_CONTACTS.of(session),
        [
            {
                "channel": channel,
                "channel_id": channel_id,
                "language": "id",
                "opted_out": False,
                "unreachable": False,
                "created_at": now,
            }
            for channel, channel_id in missing
        ],
    )
    created = await _find_contacts(session, missing)
    await session.execute(  # ignoring duplicates: another process may be creating the same person
        _NEW_SESSIONS.of(session),
        [
            {
                "contact_id": contact.id,
                "flow": None,
                "flow_version": 0,
                "step": None,
                "data": {},
                "paused": {},
                "revision": 0,
                "updated_at": now,
            }
            for contact in created.values()
        ],
    )
    return found | created


async def _find_contacts(session: AsyncSession, keys: Collection[ContactKey]) -> dict[ContactKey, Contact]:
    by_channel: defaultdict[str, set[str]] = defaultdict(set)
    for channel, channel_id in keys:
        by_channel[channel].add(channel_id)
    found: dict[ContactKey, Contact] = {}
    for channel, channel_ids in by_channel.items():
        rows = await session.execute(_BY_CHANNEL_IDS, {"channel": channel, "ids": list(channel_ids)})
        found.update(((c.channel, c.channel_id), c) for c in rows.scalars())
    return found


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


async def refresh_contacts(session: AsyncSession, contact_ids: Collection[int]) -> None:
    """Read these contacts again, over what the session holds of them (committed since by others)."""
    if contact_ids:
        await session.execute(_BY_IDS, {"ids": list(contact_ids)})
