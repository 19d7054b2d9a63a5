"""Files sent in chat (an enrolment export, a chart): stored encrypted beside the outbox row that carries
them, since an export holds NIKs in full; the worker decrypts when sending and empties the content once
the message is final."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Contact
from db.personal_data import PersonalDataCipher
from db.repositories import outbox

__all__ = ["queue_file"]


async def queue_file(
    session: AsyncSession,
    cipher: PersonalDataCipher,
    contact: Contact,
    *,
    file_name: str,
    media_type: str,
    content: bytes,
    caption: str,
    now: datetime,
) -> None:
    """Queue `content` as a file to `contact`, with `caption` as its text (a notification: priority 1)."""
    file_id = await outbox.add_file(
        session,
        file_name=file_name,
        media_type=media_type,
        encrypted_content=cipher.encrypt_bytes(content),
        now=now,
    )
    await outbox.enqueue(
        session,
        contact_id=contact.id,
        channel=contact.channel,
        recipient=contact.channel_id,
        body=caption,
        choices=[],
        now=now,
        kind="file",
        priority=outbox.PRIORITY_NOTIFICATION,
        file_id=file_id,
    )
