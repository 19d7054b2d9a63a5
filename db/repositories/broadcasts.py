"""Announcements from the Dinas: the broadcasts table, who an audience is, and the announcement's rows
in the outbox (kind "broadcast", priority 2), queued in bulk with one INSERT … SELECT.

"sponsors_due" is worked out in the same statement, whatever the number of sponsors: an active
sponsorship is in it when the months of its commitment whose due day has come by `due_by`
(conversations.audiences.sponsor_months_due_by) outnumber the months it said paid among them — month
arithmetic on year × 12 + month, which both SQLite and PostgreSQL do with EXTRACT.

The outbox's unique (broadcast_id, contact_id) makes the queuing idempotent: starting a broadcast
twice (a crash between queuing and recording it, two runners at once) gives nobody a second copy."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from dataclasses import dataclass
from datetime import date, datetime, timedelta
from typing import Any

from sqlalchemy import Select, and_, case, extract, false, func, literal, or_, select, update
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from conversations.audiences import Audience
from conversations.requests.broadcasts import AudienceCount
from db.models import Broadcast, Contact, OutboxMessage, Registration, RoleGrant, Sponsor, SponsorPeriod, Sponsorship
from db.repositories._dialect import dialect_name, insert_ignoring_duplicates
from db.repositories.outbox import PRIORITY_BROADCAST, UNREACHABLE_NOT_SENT
from db.types import JsonColumn

__all__ = [
    "WHATSAPP_WINDOW",
    "QueueResult",
    "RowCount",
    "add_progress_message",
    "audience_contact_ids",
    "broadcast_with_key",
    "broadcasts_with_status",
    "cancel_waiting",
    "cancel_waiting_of_cancelled",
    "count_audience",
    "create_broadcast",
    "due_broadcasts",
    "failure_reasons",
    "get_broadcast",
    "latest_edit",
    "queue_recipients",
    "recent_broadcasts",
    "row_counts",
]

WHATSAPP_WINDOW = timedelta(hours=24)
# Registrations an announcement to participants never reaches: the person asked for deletion.
_GONE = ("deleted",)
# "submitted" covers a registration corrected and waiting for the kelurahan again.
_STATUS_GROUPS: Mapping[str, tuple[str, ...]] = {"submitted": ("submitted", "corrected")}


async def create_broadcast(
    session: AsyncSession,
    *,
    programme_id: str,
    author_contact_id: int | None,
    author: str,
    body: str,
    audience: Mapping[str, str],
    send_at: datetime,
    now: datetime,
    request_key: str | None = None,
) -> int:
    """Record an announcement to be sent at `send_at`; the runner starts it. Its id. With a
    `request_key` already recorded, nothing is recorded: the id of the broadcast that has it."""
    if request_key is not None:
        found = await broadcast_with_key(session, request_key)
        if found is not None:
            return found
    row = Broadcast(
        request_key=request_key,
        programme_id=programme_id,
        author_contact_id=author_contact_id,
        author=author[:100],
        body=body,
        audience=dict(audience),
        status="scheduled",
        send_at=send_at,
        recipients=0,
        skipped_opted_out=0,
        skipped_unreachable=0,
        progress_shown=0,
        created_at=now,
    )
    try:
        async with session.begin_nested():  # two submits at once: the second finds the first's row
            session.add(row)
            await session.flush()
    except IntegrityError:
        if request_key is None:
            raise
        found = await broadcast_with_key(session, request_key)
        assert found is not None
        return found
    return row.id


async def broadcast_with_key(session: AsyncSession, request_key: str) -> int | None:
    statement = select(Broadcast.id).where(Broadcast.request_key == request_key)
    return (await session.execute(statement)).scalar_one_or_none()


async def get_broadcast(session: AsyncSession, broadcast_id: int, *, lock: bool = False) -> Broadcast | None:
    statement = select(Broadcast).where(Broadcast.id == broadcast_id)
    if lock and dialect_name(session) == "postgresql":
        statement = statement.with_for_update()
    return (await session.execute(statement)).scalar_one_or_none()


async def recent_broadcasts(session: AsyncSession, programme_id: str, *, finished: int) -> list[Broadcast]:
    """Every scheduled and sending announcement, then the `finished` newest done or cancelled."""
    mine = Broadcast.programme_id == programme_id
    open_ones = select(Broadcast).where(mine, Broadcast.status.in_(("scheduled", "sending"))).order_by(Broadcast.id)
    closed = (
        select(Broadcast)
        .where(mine, Broadcast.status.in_(("done", "cancelled")))
        .order_by(Broadcast.id.desc())
        .limit(finished)
    )
    return [*(await session.execute(open_ones)).scalars(), *(await session.execute(closed)).scalars()]


async def due_broadcasts(session: AsyncSession, now: datetime, *, limit: int) -> list[Broadcast]:
    """Scheduled announcements whose time has come, locked (PostgreSQL: two runners never take the same)."""
    statement = (
        select(Broadcast)
        .where(Broadcast.status == "scheduled", Broadcast.send_at <= now)
        .order_by(Broadcast.send_at, Broadcast.id)
        .limit(limit)
    )
    if dialect_name(session) == "postgresql":
        statement = statement.with_for_update(skip_locked=True)
    return list((await session.execute(statement)).scalars())


async def broadcasts_with_status(session: AsyncSession, status: str, *, lock: bool = False) -> list[Broadcast]:
    statement = select(Broadcast).where(Broadcast.status == status).order_by(Broadcast.id)
    if lock and dialect_name(session) == "postgresql":
        statement = statement.with_for_update(skip_locked=True)
    return list((await session.execute(statement)).scalars())


# ---- audiences ------------------------------------------------------------------------------------


def _registrations_of(audience: Audience, programme_id: str) -> list[Any]:
    """The conditions on `registrations` for an audience read from registrations."""
    conditions: list[Any] = [
        Registration.programme_id == programme_id,
        Registration.status.not_in(_GONE),
        Registration.deceased_on.is_(None),
    ]
    match audience.kind:
        case "status":
            conditions.append(Registration.status.in_(_STATUS_GROUPS.get(audience.value, (audience.value,))))
        case "kelurahan":
            conditions.append(Registration.kelurahan_code == audience.value)
        case "kecamatan":
            conditions.append(Registration.kelurahan_code.startswith(audience.value + ".", autoescape=True))
        case "job":
            conditions.append(Registration.job_type == audience.value)
        case _:
            raise ValueError(f"not an audience of registrations: {audience.kind!r}")
    return conditions


def _deceased_contacts() -> Select[Any]:
    """The chats of workers a paid claim marked deceased (registrations.deceased_on): never in an audience."""
    return select(Registration.registrant_contact_id).where(
        Registration.deceased_on.is_not(None), Registration.registrant_contact_id.is_not(None)
    )


def _month_index(column: Any) -> Any:
    """A date's month as one number (year × 12 + month), to count months between two dates in SQL."""
    return extract("year", column) * 12 + extract("month", column)


def _unpaid_month_come(due_by: date) -> Any:
    """The sponsorship (in the enclosing query) has a month whose due day has come by `due_by`'s month
    and that it did not say paid."""
    start = _month_index(Sponsorship.start_month)
    last = start + Sponsorship.months - 1
    newest = due_by.year * 12 + due_by.month
    come = case((last < newest, last), else_=newest) - start + 1  # 0 or less: nothing due yet
    paid = (
        select(func.count())
        .select_from(SponsorPeriod)
        .where(
            SponsorPeriod.sponsorship_id == Sponsorship.id,
            SponsorPeriod.paid_at.is_not(None),
            SponsorPeriod.period >= Sponsorship.start_month,
            _month_index(SponsorPeriod.period) <= case((last < newest, last), else_=newest),
        )
        .correlate(Sponsorship)
        .scalar_subquery()
    )
    return come > paid


def _sponsors_of(audience: Audience, programme_id: str, due_by: date | None) -> Select[Any]:
    """The sponsors' chats: every sponsor not stopped, or those with a month to pay ("sponsors_due")."""
    conditions: list[Any] = [
        Sponsor.programme_id == programme_id,
        Sponsor.status == "active",
        Sponsor.contact_id.is_not(None),
        Sponsor.contact_id.not_in(_deceased_contacts()),
    ]
    if audience.kind == "sponsors":
        return select(Sponsor.contact_id).where(*conditions)
    if due_by is None:
        raise ValueError("the audience 'sponsors_due' needs due_by (conversations.audiences.sponsor_months_due_by)")
    return (
        select(Sponsor.contact_id)
        .join(Sponsorship, Sponsorship.sponsor_id == Sponsor.id)
        .where(*conditions, Sponsorship.status == "active", _unpaid_month_come(due_by))
    )


def audience_contact_ids(audience: Audience, programme_id: str, *, due_by: date | None = None) -> Select[Any]:
    """The contacts an audience is (before anyone is left out), as a subquery of ids. The deceased are
    not in any audience, "everyone" and the leaders included. `due_by`: for "sponsors_due", the newest
    month whose due day has come (conversations.audiences.sponsor_months_due_by); required for it."""
    match audience.kind:
        case "everyone":
            return select(Contact.id).where(
                Contact.last_inbound_at.is_not(None), Contact.id.not_in(_deceased_contacts())
            )
        case "leaders":
            return select(RoleGrant.contact_id).where(
                RoleGrant.role == "rtrw",
                RoleGrant.revoked_at.is_(None),
                RoleGrant.contact_id.not_in(_deceased_contacts()),
            )
        case "sponsors" | "sponsors_due":
            return _sponsors_of(audience, programme_id, due_by)
        case _:
            conditions = _registrations_of(audience, programme_id)
            return select(Registration.registrant_contact_id).where(
                *conditions,
                Registration.registrant_contact_id.is_not(None),
                Registration.registrant_contact_id.not_in(_deceased_contacts()),
            )


async def count_audience(
    session: AsyncSession,
    audience: Audience,
    programme_id: str,
    now: datetime,
    *,
    template_configured: bool,
    due_by: date | None = None,
) -> AudienceCount:
    """The audience per channel as it stands now (the WhatsApp window counted from `now`; `due_by` as for
    `audience_contact_ids`)."""
    recent = and_(Contact.last_inbound_at.is_not(None), Contact.last_inbound_at >= now - WHATSAPP_WINDOW)
    statement = (
        select(
            Contact.channel,
            Contact.opted_out,
            Contact.unreachable,
            case((recent, True), else_=False).label("recent"),
            func.count(),
        )
        .where(Contact.id.in_(audience_contact_ids(audience, programme_id, due_by=due_by)))
        .group_by(Contact.channel, Contact.opted_out, Contact.unreachable, "recent")
    )
    buckets: dict[str, int] = {}
    for channel, opted_out, unreachable, was_recent, count in (await session.execute(statement)).all():
        if opted_out:
            key = "opted_out"
        elif unreachable:
            key = "unreachable"
        elif channel == "whatsapp":
            key = "whatsapp_window" if was_recent else "whatsapp_template"
        else:
            key = channel
        buckets[key] = buckets.get(key, 0) + int(count)
    without_chat = 0
    if audience.from_registrations:
        nobody = select(func.count()).where(
            *_registrations_of(audience, programme_id), Registration.registrant_contact_id.is_(None)
        )
        without_chat = int((await session.execute(nobody)).scalar_one())
    return AudienceCount(
        telegram=buckets.get("telegram", 0),
        whatsapp_window=buckets.get("whatsapp_window", 0),
        whatsapp_template=buckets.get("whatsapp_template", 0),
        terminal=buckets.get("terminal", 0),
        opted_out=buckets.get("opted_out", 0),
        unreachable=buckets.get("unreachable", 0),
        without_chat=without_chat,
        template_configured=template_configured,
    )


# ---- queuing --------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class QueueResult:
    recipients: int  # rows this broadcast has in the outbox (after this call)
    opted_out: int  # left out: said BERHENTI
    unreachable: int  # left out: blocked the bot, or on a channel this server does not run


async def queue_recipients(
    session: AsyncSession,
    broadcast: Broadcast,
    now: datetime,
    *,
    channels: Collection[str],
    due_by: date | None = None,
) -> QueueResult:
    """One outbox row per reachable contact of the audience, in a single INSERT … SELECT that skips
    anyone who has a row for this broadcast already (`due_by` as for `audience_contact_ids`)."""
    audience = Audience.from_json(broadcast.audience)
    members = Contact.id.in_(audience_contact_ids(audience, broadcast.programme_id, due_by=due_by))
    served = Contact.channel.in_(tuple(channels)) if channels else false()
    reachable = and_(members, Contact.opted_out.is_(False), Contact.unreachable.is_(False), served)
    columns = (
        "contact_id",
        "channel",
        "recipient",
        "kind",
        "body",
        "choices",
        "status",
        "attempts",
        "next_attempt_at",
        "priority",
        "broadcast_id",
        "created_at",
        "updated_at",
    )
    rows = select(
        Contact.id,
        Contact.channel,
        Contact.channel_id,
        literal("broadcast"),
        literal(broadcast.body),
        literal([], JsonColumn),
        literal("pending"),
        literal(0),
        literal(now, OutboxMessage.next_attempt_at.type),
        literal(PRIORITY_BROADCAST),
        literal(broadcast.id),
        literal(now, OutboxMessage.created_at.type),
        literal(now, OutboxMessage.updated_at.type),
    ).where(reachable)  # SQLite needs a WHERE before ON CONFLICT in INSERT … SELECT; there always is one
    await session.execute(insert_ignoring_duplicates(session, OutboxMessage).from_select(columns, rows))

    left_out = select(
        func.coalesce(func.sum(case((Contact.opted_out.is_(True), 1), else_=0)), 0),
        func.coalesce(func.sum(case((and_(Contact.opted_out.is_(False), ~reachable), 1), else_=0)), 0),
    ).where(members)
    opted_out, unreachable = (await session.execute(left_out)).one()
    queued = select(func.count()).where(OutboxMessage.broadcast_id == broadcast.id)
    return QueueResult(int((await session.execute(queued)).scalar_one()), int(opted_out), int(unreachable))


# ---- how it is going ------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RowCount:
    status: str
    channel: str
    unreachable: bool  # a failed row whose recipient blocked the bot (or was found unreachable)
    count: int


def _unreachable_error() -> Any:
    return or_(OutboxMessage.last_error == UNREACHABLE_NOT_SENT, OutboxMessage.last_error.startswith("unreachable"))


async def row_counts(session: AsyncSession, broadcast_id: int) -> list[RowCount]:
    """The broadcast's outbox rows counted by status and channel."""
    blocked = case((and_(OutboxMessage.status == "failed", _unreachable_error()), True), else_=False).label("blocked")
    statement = (
        select(OutboxMessage.status, OutboxMessage.channel, blocked, func.count())
        .where(OutboxMessage.broadcast_id == broadcast_id)
        .group_by(OutboxMessage.status, OutboxMessage.channel, "blocked")
    )
    return [
        RowCount(status, channel, bool(was_blocked), int(count))
        for status, channel, was_blocked, count in (await session.execute(statement)).all()
    ]


async def failure_reasons(session: AsyncSession, broadcast_id: int, *, limit: int) -> list[tuple[str, int]]:
    """The commonest reasons its messages failed (blocked recipients are counted apart)."""
    count = func.count().label("n")
    statement = (
        select(OutboxMessage.last_error, count)
        .where(OutboxMessage.broadcast_id == broadcast_id, OutboxMessage.status == "failed", ~_unreachable_error())
        .group_by(OutboxMessage.last_error)
        .order_by(count.desc(), OutboxMessage.last_error)
        .limit(limit)
    )
    return [(reason or "?", int(n)) for reason, n in (await session.execute(statement)).all()]


async def cancel_waiting(session: AsyncSession, broadcast_id: int, now: datetime) -> int:
    """Messages not yet handed to a channel are not sent; those in flight finish. How many were stopped."""
    result = await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.broadcast_id == broadcast_id, OutboxMessage.status == "pending")
        .values(status="cancelled", updated_at=now)
    )
    return int(getattr(result, "rowcount", 0) or 0)


async def cancel_waiting_of_cancelled(session: AsyncSession, now: datetime) -> int:
    """A message that was in flight when its broadcast was cancelled, and came back to wait for a retry,
    is stopped too."""
    cancelled = select(Broadcast.id).where(Broadcast.status == "cancelled")
    result = await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.status == "pending", OutboxMessage.broadcast_id.in_(cancelled))
        .values(status="cancelled", updated_at=now)
    )
    return int(getattr(result, "rowcount", 0) or 0)


async def latest_edit(session: AsyncSession, contact_id: int, replaces: str) -> OutboxMessage | None:
    """The newest message queued to rewrite the provider's message `replaces` (a progress message)."""
    statement = (
        select(OutboxMessage)
        .where(OutboxMessage.contact_id == contact_id, OutboxMessage.replaces == replaces)
        .order_by(OutboxMessage.id.desc())
        .limit(1)
    )
    return (await session.execute(statement)).scalar_one_or_none()


async def add_progress_message(
    session: AsyncSession, author: Contact, body: str, now: datetime, *, priority: int, replaces: str | None = None
) -> int:
    """A progress message to a broadcast's author (`replaces`: the one it rewrites). Its outbox id, which
    the broadcast keeps so the next update can find the provider's id of the message to edit."""
    row = OutboxMessage(
        contact_id=author.id,
        channel=author.channel,
        recipient=author.channel_id,
        kind="notification",
        body=body,
        choices=[],
        status="pending",
        attempts=0,
        next_attempt_at=now,
        priority=priority,
        replaces=replaces,
        created_at=now,
        updated_at=now,
    )
    session.add(row)
    await session.flush()
    return row.id
