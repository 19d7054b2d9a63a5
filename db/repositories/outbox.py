"""The outbox: every outgoing message, claimed by the worker under a lease, with its delivery state.

Each message has a priority: 0 a reply, 1 a notification, 2 an announcement. Only each contact's
first open message in (priority, id) order can be claimed, so a person's messages arrive one at a
time and in order within a priority, even when one of them has to wait for a retry, and a reply never
waits behind the thousands of announcements queued before it.

Files sent with a message (`OutboxFile`) are stored encrypted by the caller and emptied once their
message is final."""

from __future__ import annotations

import functools
from collections.abc import Collection, Mapping, Sequence
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import cast as cast_type

from sqlalchemy import (
    ColumnElement,
    Integer,
    Select,
    String,
    Table,
    and_,
    bindparam,
    cast,
    exists,
    func,
    insert,
    literal_column,
    or_,
    select,
    update,
)
from sqlalchemy.ext.asyncio import AsyncSession
from sqlalchemy.orm import aliased

from db.models import Contact, OutboxFile, OutboxMessage
from db.repositories._dialect import dialect_name

__all__ = [
    "OPEN_STATUSES",
    "OPTED_OUT",
    "PRIORITY_BROADCAST",
    "PRIORITY_NOTIFICATION",
    "PRIORITY_REPLY",
    "UNREACHABLE_NOT_SENT",
    "NewReply",
    "add_file",
    "claim_due",
    "enqueue",
    "enqueue_many",
    "files_by_id",
    "is_announcement",
    "last_inbound_times",
    "latest_sent_with_choices",
    "latest_sent_with_choices_of",
    "mark_failed",
    "mark_recipient_unreachable",
    "mark_sent",
    "mark_sent_many",
    "next_due_at",
    "purge_files",
    "record_delivery_status",
    "release_leases",
    "schedule_retry",
]

OPEN_STATUSES = ("pending", "sending")
UNREACHABLE_NOT_SENT = "recipient unreachable: not sent"
OPTED_OUT = "opted out"

# Lower goes first: a broadcast to thousands never makes someone who is chatting wait.
PRIORITY_REPLY = 0
PRIORITY_NOTIFICATION = 1
PRIORITY_BROADCAST = 2


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
    priority: int = PRIORITY_REPLY,
    broadcast_id: int | None = None,
    file_id: int | None = None,
    replaces: str | None = None,
) -> None:
    """Queue one message. `priority`: 0 a reply (or an edit the person is watching), 1 a notification,
    2 an announcement; `replaces` is the provider's id of a sent message to rewrite where the channel can."""
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
            priority=priority,
            broadcast_id=broadcast_id,
            file_id=file_id,
            replaces=replaces,
            created_at=now,
            updated_at=now,
        )
    )


_OUTBOX = cast_type(Table, OutboxMessage.__table__)


_QUEUE_REPLY = insert(_OUTBOX)


@dataclass(frozen=True, slots=True)
class NewReply:
    """A reply to queue with others (`enqueue_many`): to whom, what, answering which inbox message."""

    contact_id: int
    channel: str
    recipient: str
    body: str
    choices: Sequence[Mapping[str, str]]
    inbox_id: int | None


async def enqueue_many(session: AsyncSession, replies: Sequence[NewReply], now: datetime) -> None:
    """Queue many replies (priority 0) in one statement: a batch of messages' answers, in order."""
    if not replies:
        return
    await session.execute(
        _QUEUE_REPLY,
        [
            {
                "contact_id": reply.contact_id,
                "channel": reply.channel,
                "recipient": reply.recipient,
                "kind": "reply",
                "body": reply.body,
                "choices": [dict(c) for c in reply.choices],
                "status": "pending",
                "attempts": 0,
                "next_attempt_at": now,
                "inbox_id": reply.inbox_id,
                "priority": PRIORITY_REPLY,
                "created_at": now,
                "updated_at": now,
            }
            for reply in replies
        ],
    )


# Delivered, with the provider's id, offering choices: on Telegram, a keyboard that may still show.
_SENT_WITH_CHOICES_TERMS = (
    OutboxMessage.status == "sent",
    OutboxMessage.provider_message_id.is_not(None),
    cast(OutboxMessage.choices, String) != "[]",
)
_NEWEST_WITH_CHOICES = (
    select(func.max(OutboxMessage.id))
    .where(OutboxMessage.contact_id.in_(bindparam("ids", expanding=True)), *_SENT_WITH_CHOICES_TERMS)
    .group_by(OutboxMessage.contact_id)
)
_SENT_WITH_CHOICES = select(OutboxMessage.contact_id, OutboxMessage.provider_message_id, OutboxMessage.choices).where(
    OutboxMessage.id.in_(_NEWEST_WITH_CHOICES)
)


async def latest_sent_with_choices_of(
    session: AsyncSession, contact_ids: Collection[int]
) -> dict[int, tuple[str, list[dict[str, str]]]]:
    """`latest_sent_with_choices` for many people in one query: contact id → (the provider's message id,
    its choices)."""
    if not contact_ids:
        return {}
    rows = await session.execute(_SENT_WITH_CHOICES, {"ids": list(set(contact_ids))})
    return {contact_id: (provider_id, choices) for contact_id, provider_id, choices in rows.all() if provider_id}


async def claim_due(
    session: AsyncSession,
    now: datetime,
    *,
    lease: timedelta,
    limit: int,
    channels: Collection[str] | None = None,
    recipient: str | None = None,
    holder: str | None = None,
) -> list[OutboxMessage]:
    """Claim the due messages, most urgent first (priority, then age), marking them `sending` until the
    lease ends; a worker that crashes mid-send leaves a lease that runs out and the message is sent again.
    `holder` names the process taking the lease (`processes`): once it is gone, another process takes
    the lease over at once instead of waiting for it to run out.

    Only each contact's first open message in that order can be claimed, so a person gets one message
    at a time and, within a priority, in the order they were queued; a reply or a notification never
    waits behind that person's own announcement. Messages to someone who blocked the bot fail, and
    announcements to someone who said BERHENTI are skipped, here rather than when queued, so a change
    made after a broadcast started is still respected. Returns only messages to send: an empty list
    means nothing is due.

    `recipient` (with `channels`): only that person's messages, the others' are not touched (a terminal
    window chatting as one person). Found through the person's contact and `ix_outbox_contact_id`, so
    the claim reads that person's few rows, not every waiting row of every channel."""
    contact_ids: list[int] | None = None
    if recipient is not None:
        contact_ids = await _contact_ids(session, channels, recipient)
        if not contact_ids:
            return []
    while True:
        candidates = await _claimable(session, now, limit=limit, channels=channels, contact_ids=contact_ids)
        if not candidates:
            return []
        to_send: list[OutboxMessage] = []
        not_sent: list[OutboxMessage] = []
        for row, unreachable, opted_out in candidates:
            if unreachable:
                row.status, row.last_error = "failed", UNREACHABLE_NOT_SENT
                not_sent.append(row)
            elif opted_out and is_announcement(row):
                row.status, row.last_error = "skipped", OPTED_OUT
                not_sent.append(row)
            else:
                row.status = "sending"
                row.lease_until = now + lease
                row.lease_holder = holder
                row.attempts += 1
                to_send.append(row)
            row.updated_at = now
        await purge_files(session, [row.file_id for row in not_sent if row.file_id is not None], now)
        if to_send:
            return to_send
        await session.flush()  # all were failed or skipped: look again past them


def is_announcement(row: OutboxMessage) -> bool:
    """BERHENTI stops announcements only: replies and news about one's own registration still go."""
    return row.broadcast_id is not None or row.kind == "broadcast"


async def _contact_ids(session: AsyncSession, channels: Collection[str] | None, recipient: str) -> list[int]:
    """The contacts `recipient` is on `channels` (one per channel, by the contacts' unique key)."""
    if channels is None:
        raise ValueError("a recipient is an id on a channel: give the channels too")
    statement = select(Contact.id).where(Contact.channel.in_(channels), Contact.channel_id == recipient)
    return list((await session.execute(statement)).scalars())


async def _claimable(
    session: AsyncSession,
    now: datetime,
    *,
    limit: int,
    channels: Collection[str] | None,
    contact_ids: Collection[int] | None = None,
) -> list[tuple[OutboxMessage, bool, bool]]:
    """Each candidate with its contact's `unreachable` and `opted_out`. Two queries, so that each walks
    ix_outbox_claim_order (status, priority, id) in order for one status: lease-expired `sending` rows
    (few, after a crash) first, then due `pending` ones. With `contact_ids` (one person's window) each
    reads ix_outbox_contact_id instead: that person's rows, whatever else waits."""
    found: list[tuple[OutboxMessage, bool, bool]] = []
    dialect = dialect_name(session)
    for expired in (True, False):
        if len(found) >= limit:
            break
        statement = _candidates(dialect, expired, by_channel=channels is not None, by_contact=contact_ids is not None)
        params: dict[str, object] = {"now": now, "most": limit - len(found)}
        if channels is not None:
            params["channels"] = list(channels)
        if contact_ids is not None:
            params["contact_ids"] = list(contact_ids)
        result = await session.execute(statement, params)
        found.extend((row, bool(unreachable), bool(opted_out)) for row, unreachable, opted_out in result.all())
    return found


@functools.cache
def _candidates(
    dialect: str, expired: bool, *, by_channel: bool, by_contact: bool
) -> Select[OutboxMessage, bool, bool]:
    """The claim's query for lease-expired `sending` rows or due `pending` ones, built once for each
    kind (building it, with its aliased look-behind, cost more than running it); `now`, `most`,
    `channels` and `contact_ids` are its parameters."""
    status: ColumnElement[str] = OutboxMessage.status.expression
    if by_contact and dialect == "sqlite":
        # Without statistics SQLite walks ix_outbox_claim_order for `status = ?` and tests every waiting row
        # of every channel: 21 ms a window's claim with a broadcast's 100 000 Telegram rows waiting, 4 ms
        # (the claim's fixed cost) through the contact's index. "+" keeps the term off the former.
        status = literal_column(f"+{OutboxMessage.__tablename__}.status", OutboxMessage.status.type)
    now = bindparam("now", type_=OutboxMessage.lease_until.type)
    if expired:
        condition = and_(status == "sending", OutboxMessage.lease_until < now)
    else:
        attempt_at: ColumnElement[datetime] = OutboxMessage.next_attempt_at.expression
        if dialect == "sqlite":
            # SQLite, without statistics, would pick ix_outbox_due for `next_attempt_at <= now` and then sort
            # every waiting row: 87 ms a claim of 100 with a broadcast's 100 000 queued, instead of 8
            # (bench/outbox_claim.py). A unary "+" is SQLite's documented way to keep a term off an index.
            attempt_at = literal_column(
                f"+{OutboxMessage.__tablename__}.next_attempt_at", OutboxMessage.next_attempt_at.type
            )
        condition = and_(status == "pending", attempt_at <= now)
    ahead = aliased(OutboxMessage)
    waiting_behind_another = exists().where(
        ahead.contact_id == OutboxMessage.contact_id,
        ahead.status.in_(OPEN_STATUSES),
        or_(
            ahead.priority < OutboxMessage.priority,
            and_(ahead.priority == OutboxMessage.priority, ahead.id < OutboxMessage.id),
        ),
    )
    statement = (
        select(OutboxMessage, Contact.unreachable, Contact.opted_out)
        .join(Contact, Contact.id == OutboxMessage.contact_id)
        .where(condition, ~waiting_behind_another)
        .order_by(OutboxMessage.priority, OutboxMessage.id)
        .limit(bindparam("most", type_=Integer))
    )
    if by_channel:
        statement = statement.where(OutboxMessage.channel.in_(bindparam("channels", expanding=True)))
    if by_contact:
        statement = statement.where(OutboxMessage.contact_id.in_(bindparam("contact_ids", expanding=True)))
    if dialect == "postgresql":
        statement = statement.with_for_update(skip_locked=True, of=OutboxMessage)
    return statement


async def mark_sent(session: AsyncSession, message_id: int, provider_message_id: str | None, now: datetime) -> None:
    await _set(
        session,
        message_id,
        now,
        status="sent",
        provider_message_id=provider_message_id,
        lease_until=None,
        lease_holder=None,
        last_error=None,
    )


async def mark_sent_many(session: AsyncSession, sent: Sequence[tuple[int, str | None]], now: datetime) -> None:
    """`mark_sent` for many messages (id, provider's id) in one statement run with many parameter sets."""
    if not sent:
        return
    statement = (
        update(OutboxMessage)
        .where(OutboxMessage.id == bindparam("sent_id"))
        .values(
            status="sent",
            provider_message_id=bindparam("sent_provider_id"),
            lease_until=None,
            lease_holder=None,
            last_error=None,
            updated_at=now,
        )
    )
    connection = await session.connection()
    await connection.execute(statement, [{"sent_id": i, "sent_provider_id": p} for i, p in sent])


async def schedule_retry(
    session: AsyncSession, message_id: int, at: datetime, error: str, now: datetime, *, refund_attempt: bool = False
) -> None:
    """Send again at `at`. `refund_attempt` for rate limits: waiting is not a failed attempt."""
    values: dict[str, object] = {
        "status": "pending",
        "next_attempt_at": at,
        "lease_until": None,
        "lease_holder": None,
        "last_error": error[:500],
    }
    if refund_attempt:
        values["attempts"] = OutboxMessage.attempts - 1
    await _set(session, message_id, now, **values)


async def mark_failed(session: AsyncSession, message_id: int, error: str, now: datetime) -> None:
    await _set(session, message_id, now, status="failed", lease_until=None, lease_holder=None, last_error=error[:500])


async def mark_recipient_unreachable(
    session: AsyncSession, message_id: int, reason: str, now: datetime | None = None
) -> None:
    """The person behind this message blocked the bot or is gone: nothing more is sent to them (what
    is waiting for them fails now; anything queued later fails when it comes due)."""
    contact_id = (
        await session.execute(select(OutboxMessage.contact_id).where(OutboxMessage.id == message_id))
    ).scalar_one_or_none()
    if contact_id is None:
        return
    await session.execute(
        update(Contact).where(Contact.id == contact_id).values(unreachable=True, unreachable_reason=reason[:200])
    )
    waiting = OutboxMessage.contact_id == contact_id, OutboxMessage.status == "pending"
    file_ids = (
        await session.execute(select(OutboxMessage.file_id).where(*waiting, OutboxMessage.file_id.is_not(None)))
    ).scalars()
    values: dict[str, object] = {"status": "failed", "last_error": UNREACHABLE_NOT_SENT}
    if now is not None:
        values["updated_at"] = now
    await session.execute(update(OutboxMessage).where(*waiting).values(**values))
    await purge_files(session, [file_id for file_id in file_ids if file_id is not None], now)


async def release_leases(
    session: AsyncSession, channels: Collection[str], now: datetime, *, recipient: str | None = None
) -> int:
    """Make messages left `sending` by a process that died claimable again now, rather than when their
    lease runs out. Only for channels a single process owns (the terminal; with `recipient`, one
    person's terminal window); the number released."""
    statement = update(OutboxMessage).where(OutboxMessage.status == "sending", OutboxMessage.channel.in_(channels))
    if recipient is not None:
        statement = statement.where(OutboxMessage.recipient == recipient)
    result = await session.execute(
        statement.values(status="pending", lease_until=None, lease_holder=None, next_attempt_at=now, updated_at=now)
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


async def latest_sent_with_choices(session: AsyncSession, contact_id: int) -> OutboxMessage | None:
    """The newest message delivered to this person that offered choices: on Telegram, the keyboard
    to take away once they have answered."""
    statement = (
        select(OutboxMessage)
        .where(OutboxMessage.contact_id == contact_id, *_SENT_WITH_CHOICES_TERMS)
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


async def add_file(
    session: AsyncSession, *, file_name: str, media_type: str, encrypted_content: bytes, now: datetime
) -> int:
    """Store a file to send (already encrypted by the caller); its id, for the outbox row that carries it."""
    row = OutboxFile(file_name=file_name[:120], media_type=media_type[:100], content=encrypted_content, created_at=now)
    session.add(row)
    await session.flush()
    return row.id


async def files_by_id(session: AsyncSession, file_ids: Collection[int]) -> dict[int, OutboxFile]:
    if not file_ids:
        return {}
    statement = select(OutboxFile).where(OutboxFile.id.in_(set(file_ids)))
    return {row.id: row for row in (await session.execute(statement)).scalars()}


async def purge_files(session: AsyncSession, file_ids: Collection[int], now: datetime | None) -> None:
    """Empty files whose message is final (sent, or failed for good): an export holds NIKs in full and
    must not stay in the database once it has left. Each file belongs to one message (`queue_file`)."""
    if not file_ids:
        return
    await session.execute(
        update(OutboxFile)
        .where(OutboxFile.id.in_(set(file_ids)), OutboxFile.purged_at.is_(None))
        .values(content=None, purged_at=now or datetime.now(UTC))
    )
