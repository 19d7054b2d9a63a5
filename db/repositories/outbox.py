"""The outbox: every outgoing message, claimed by the worker under a lease, with its delivery state.

Only the oldest undelivered message of each contact can be claimed, so a person's messages always
arrive in order, even when one of them has to wait for a retry."""

from __future__ import annotations

from collections.abc import Collection, Mapping, Sequence
from datetime import datetime, timedelta

from sqlalchemy import String, and_, cast, exists, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from db.models import Contact, OutboxMessage
from db.repositories._dialect import dialect_name

__all__ = [
    "OPEN_STATUSES",
    "claim_due",
    "enqueue",
    "last_inbound_times",
    "latest_sent_with_choices",
    "mark_failed",
    "mark_recipient_unreachable",
    "mark_sent",
    "next_due_at",
    "notify",
    "record_delivery_status",
    "release_leases",
    "schedule_retry",
]

OPEN_STATUSES = ("pending", "sending")


async def enqueue(
    session: AsyncSession,
    *,
    contact_id: int,
    channel: str,
    recipient: str,
    body: str,
    choices: Sequence[Mapping[str, str]],
    now: datetime,
    kind: str = "reply",
    inbox_id: int | None = None,
) -> None:
    session.add(
        OutboxMessage(
            contact_id=contact_id,
            channel=channel,
            recipient=recipient,
            kind=kind,
            body=body,
            choices=[dict(c) for c in choices],
            status="pending",
            attempts=0,
            next_attempt_at=now,
            inbox_id=inbox_id,
            created_at=now,
            updated_at=now,
        )
    )


async def notify(session: AsyncSession, contact: Contact, body: str, now: datetime) -> None:
    """A message the person did not just ask for (a status change, a reminder, a report for an admin)."""
    await enqueue(
        session,
        contact_id=contact.id,
        channel=contact.channel,
        recipient=contact.channel_id,
        body=body,
        choices=[],
        now=now,
        kind="notification",
    )


async def claim_due(
    session: AsyncSession,
    now: datetime,
    *,
    lease: timedelta,
    limit: int,
    channels: Collection[str] | None = None,
) -> list[OutboxMessage]:
    """Claim the due messages (each contact's oldest open one), marking them `sending` until the lease
    ends; a worker that crashes mid-send leaves a lease that runs out and the message is sent again."""
    earlier = aliased(OutboxMessage)
    due = or_(
        and_(OutboxMessage.status == "pending", OutboxMessage.next_attempt_at <= now),
        and_(OutboxMessage.status == "sending", OutboxMessage.lease_until < now),
    )
    waiting_behind_earlier = exists().where(
        earlier.contact_id == OutboxMessage.contact_id,
        earlier.id < OutboxMessage.id,
        earlier.status.in_(OPEN_STATUSES),
    )
    statement = select(OutboxMessage).where(due, ~waiting_behind_earlier).order_by(OutboxMessage.id).limit(limit)
    if channels is not None:
        statement = statement.where(OutboxMessage.channel.in_(channels))
    if dialect_name(session) == "postgresql":
        statement = statement.with_for_update(skip_locked=True)
    await _fail_for_unreachable_recipients(session, now)
    rows = list((await session.execute(statement)).scalars())
    for row in rows:
        row.status = "sending"
        row.lease_until = now + lease
        row.attempts += 1
        row.updated_at = now
    return rows


async def _fail_for_unreachable_recipients(session: AsyncSession, now: datetime) -> None:
    """Nothing more is sent to someone who blocked the bot; writing to us again makes them reachable."""
    unreachable = select(Contact.id).where(Contact.unreachable.is_(True))
    await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.status == "pending", OutboxMessage.contact_id.in_(unreachable))
        .values(status="failed", last_error="recipient unreachable: not sent", updated_at=now)
    )


async def mark_sent(session: AsyncSession, message_id: int, provider_message_id: str | None, now: datetime) -> None:
    await _set(
        session,
        message_id,
        now,
        status="sent",
        provider_message_id=provider_message_id,
        lease_until=None,
        last_error=None,
    )


async def schedule_retry(
    session: AsyncSession, message_id: int, at: datetime, error: str, now: datetime, *, refund_attempt: bool = False
) -> None:
    """Send again at `at`. `refund_attempt` for rate limits: waiting is not a failed attempt."""
    values: dict[str, object] = {
        "status": "pending",
        "next_attempt_at": at,
        "lease_until": None,
        "last_error": error[:500],
    }
    if refund_attempt:
        values["attempts"] = OutboxMessage.attempts - 1
    await _set(session, message_id, now, **values)


async def mark_failed(session: AsyncSession, message_id: int, error: str, now: datetime) -> None:
    await _set(session, message_id, now, status="failed", lease_until=None, last_error=error[:500])


async def mark_recipient_unreachable(session: AsyncSession, message_id: int, reason: str) -> None:
    """The person behind this message blocked the bot or is gone: nothing more is sent to them."""
    recipient = select(OutboxMessage.contact_id).where(OutboxMessage.id == message_id).scalar_subquery()
    await session.execute(
        update(Contact).where(Contact.id == recipient).values(unreachable=True, unreachable_reason=reason[:200])
    )


async def release_leases(session: AsyncSession, channels: Collection[str], now: datetime) -> int:
    """Make messages left `sending` by a process that died claimable again now, rather than when their
    lease runs out. Only for channels a single process owns (the terminal); the number released."""
    result = await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.status == "sending", OutboxMessage.channel.in_(channels))
        .values(status="pending", lease_until=None, next_attempt_at=now, updated_at=now)
    )
    return int(getattr(result, "rowcount", 0) or 0)


async def next_due_at(session: AsyncSession) -> datetime | None:
    """When the earliest waiting message becomes due (for the worker's timer)."""
    statement = (
        select(OutboxMessage.next_attempt_at)
        .where(OutboxMessage.status == "pending")
        .order_by(OutboxMessage.next_attempt_at)
        .limit(1)
    )
    return (await session.execute(statement)).scalar_one_or_none()


async def latest_sent_with_choices(session: AsyncSession, channel: str, recipient: str) -> OutboxMessage | None:
    """The newest message delivered to this person that offered choices: on Telegram, the keyboard
    to take away once they have answered."""
    contact = select(Contact.id).where(Contact.channel == channel, Contact.channel_id == recipient).scalar_subquery()
    statement = (
        select(OutboxMessage)
        .where(
            OutboxMessage.contact_id == contact,
            OutboxMessage.status == "sent",
            OutboxMessage.provider_message_id.is_not(None),
            cast(OutboxMessage.choices, String) != "[]",
        )
        .order_by(OutboxMessage.id.desc())
        .limit(1)
    )
    return (await session.execute(statement)).scalar_one_or_none()


async def last_inbound_times(session: AsyncSession, contact_ids: Collection[int]) -> dict[int, datetime | None]:
    """When each contact last wrote to us (the WhatsApp 24-hour window starts then)."""
    if not contact_ids:
        return {}
    statement = select(Contact.id, Contact.last_inbound_at).where(Contact.id.in_(set(contact_ids)))
    return {row.id: row.last_inbound_at for row in (await session.execute(statement)).all()}


# A delivery status moves forward only: statuses arrive out of order, and "read" says more than "sent".
_PROGRESS = {"sent": 1, "delivered": 2, "read": 3}


async def record_delivery_status(
    session: AsyncSession, channel: str, provider_message_id: str, *, status: str, error: str | None, now: datetime
) -> int | None:
    """A status the provider reported (sent, delivered, read, failed) on the row it was sent as.
    Never goes back: "delivered" after "read" changes nothing, and "failed" is kept only for a message
    not yet delivered. The row's id when it changed; None for an unknown message or an older status."""
    statement = select(OutboxMessage).where(
        OutboxMessage.channel == channel, OutboxMessage.provider_message_id == provider_message_id
    )
    row = (await session.execute(statement)).scalars().first()
    if row is None:
        return None
    current = _PROGRESS.get(row.status, 0)
    if status in _PROGRESS:
        if _PROGRESS[status] <= current:
            return None
        row.status = status
        row.last_error = None
    elif status == "failed":
        if current >= _PROGRESS["delivered"]:
            return None
        row.status = "failed"
        row.last_error = (error or "failed")[:500]
    else:
        return None
    row.updated_at = now
    return row.id


async def _set(session: AsyncSession, message_id: int, now: datetime, **values: object) -> None:
    await session.execute(update(OutboxMessage).where(OutboxMessage.id == message_id).values(updated_at=now, **values))
