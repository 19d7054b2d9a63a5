"""Announcements: the answers to the broadcast flow's requests, used by `jaring broadcast` too
(bot/commands/broadcasts.py).

Both only record what the admin decided (the text, the audience, when); the broadcast runner
(bot/outbound/broadcast_runner.py) does the sending. Every answer checks that the person asking holds
the admin role now; every creation and cancellation goes in the audit log."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.desks.call import DeskCall
from conversations.audiences import (
    Audience,
    audience_problem,
    sponsor_months_due_by,
)
from conversations.flows.broadcast import BROADCAST_MAX_CHARS, BROADCAST_MIN_CHARS
from conversations.programme import Programme
from conversations.regions import Region
from conversations.requests.broadcasts import (
    BroadcastCancelled,
    BroadcastCreated,
    BroadcastNotAllowed,
    BroadcastNotFound,
    BroadcastPreview,
    BroadcastRefused,
    BroadcastReport,
    CancelBroadcast,
    ChannelTally,
    CreateBroadcast,
    FailureReason,
    ListBroadcasts,
    PreviewBroadcast,
    ShowBroadcast,
)
from conversations.text import clean_text
from db.models import Broadcast, Contact
from db.repositories import audit, broadcasts, roles
from db.repositories.broadcasts import RowCount

__all__ = [
    "FINISHED_SHOWN",
    "broadcast_report",
    "cancel",
    "cancel_broadcast",
    "channel_tallies",
    "create_broadcast",
    "list_broadcasts",
    "preview_broadcast",
    "record_broadcast",
    "show_broadcast",
]

FINISHED_SHOWN = 5  # the list shows every scheduled and sending announcement, and this many finished
TOP_REASONS = 5
_SENT = ("sent", "delivered", "read")
_WAITING = ("pending", "sending")
_CHANNEL_ORDER = ("telegram", "whatsapp", "terminal")


async def preview_broadcast(
    call: DeskCall, request: PreviewBroadcast
) -> BroadcastPreview | BroadcastRefused | BroadcastNotAllowed:
    """How many people the audience reaches, by channel, before the admin confirms."""
    if not await _admin(call):
        return BroadcastNotAllowed()
    audience = Audience(request.audience_kind, request.audience_value)
    if audience_problem(audience, call.programme, call.region) is not None:
        return BroadcastRefused(f"unknown audience {request.audience_kind}:{request.audience_value}")
    configured = call.whatsapp_template_configured
    count = await broadcasts.count_audience(
        call.session,
        audience,
        call.programme.id,
        call.now,
        template_configured=configured,
        due_by=sponsor_months_due_by(call.programme, call.now),
    )
    return BroadcastPreview(count)


async def create_broadcast(
    call: DeskCall, request: CreateBroadcast
) -> BroadcastCreated | BroadcastRefused | BroadcastNotAllowed:
    if not await _admin(call):
        return BroadcastNotAllowed()
    created = await record_broadcast(
        call.session,
        call.programme,
        call.region,
        text=request.text,
        audience=Audience(request.audience_kind, request.audience_value),
        send_at=request.send_at,
        now=call.now,
        author_contact=call.asker,
        request_key=request.request_key,
    )
    if isinstance(created, BroadcastRefused):
        return created
    return BroadcastCreated(created, request.send_at or call.now, now=request.send_at is None)


async def list_broadcasts(call: DeskCall, _: ListBroadcasts) -> tuple[BroadcastReport, ...] | BroadcastNotAllowed:
    if not await _admin(call):
        return BroadcastNotAllowed()
    rows = await broadcasts.recent_broadcasts(call.session, call.programme.id, finished=FINISHED_SHOWN)
    return tuple([await broadcast_report(call.session, row) for row in rows])


async def show_broadcast(
    call: DeskCall, request: ShowBroadcast
) -> BroadcastReport | BroadcastNotFound | BroadcastNotAllowed:
    if not await _admin(call):
        return BroadcastNotAllowed()
    row = await broadcasts.get_broadcast(call.session, request.broadcast_id)
    if row is None or row.programme_id != call.programme.id:
        return BroadcastNotFound()
    return await broadcast_report(call.session, row)


async def cancel(
    call: DeskCall, request: CancelBroadcast
) -> BroadcastCancelled | BroadcastNotFound | BroadcastRefused | BroadcastNotAllowed:
    if not await _admin(call):
        return BroadcastNotAllowed()
    return await cancel_broadcast(
        call.session, call.programme, request.broadcast_id, call.now, actor_contact_id=call.asker.id, actor="chat"
    )


async def _admin(call: DeskCall) -> bool:
    return await roles.holds_role(call.session, call.asker.id, "admin")


async def record_broadcast(
    session: AsyncSession,
    programme: Programme,
    region: Region | None,
    *,
    text: str,
    audience: Audience,
    send_at: datetime | None,
    now: datetime,
    author_contact: Contact | None,
    request_key: str = "",
) -> int | BroadcastRefused:
    """Record an announcement (checked again here: the flow is not the only way in). Its number. A
    `request_key` (the web desk's confirmation form) recorded already: that broadcast's number, and
    nothing recorded again."""
    if request_key and (found := await broadcasts.broadcast_with_key(session, request_key)) is not None:
        return found
    body = clean_text(text)
    if len(body) < BROADCAST_MIN_CHARS:
        return BroadcastRefused(f"the announcement is too short; at least {BROADCAST_MIN_CHARS} characters")
    if len(body) > BROADCAST_MAX_CHARS:
        return BroadcastRefused(f"the announcement has {len(body)} characters; at most {BROADCAST_MAX_CHARS}")
    problem = audience_problem(audience, programme, region)
    if problem is not None:
        return BroadcastRefused(problem)
    author = f"{author_contact.channel}:{author_contact.channel_id}" if author_contact else "cli"
    broadcast_id = await broadcasts.create_broadcast(
        session,
        programme_id=programme.id,
        author_contact_id=author_contact.id if author_contact else None,
        author=author,
        body=body,
        audience=audience.as_json(),
        send_at=max(send_at or now, now),
        now=now,
        request_key=request_key or None,
    )
    await audit.record_audit(
        session,
        "broadcast.created",
        now=now,
        actor_contact_id=author_contact.id if author_contact else None,
        subject=f"broadcast:{broadcast_id}",
        detail={
            "audience": audience.kind,
            "value": audience.value,
            "send_at": (send_at or now).isoformat(),
            "by": "chat" if author_contact else "cli",
        },
    )
    return broadcast_id


async def cancel_broadcast(
    session: AsyncSession,
    programme: Programme,
    broadcast_id: int,
    now: datetime,
    *,
    actor_contact_id: int | None,
    actor: str,
) -> BroadcastCancelled | BroadcastNotFound | BroadcastRefused:
    """Stop an announcement: its waiting messages are not sent; what was sent stays sent."""
    row = await broadcasts.get_broadcast(session, broadcast_id, lock=True)
    if row is None or row.programme_id != programme.id:
        return BroadcastNotFound()
    if row.status not in ("scheduled", "sending"):
        return BroadcastRefused(f"broadcast {broadcast_id} is {row.status}")
    started = row.status == "sending"
    stopped = await broadcasts.cancel_waiting(session, row.id, now)
    row.status, row.cancelled_at = "cancelled", now
    sent = sum(c.count for c in await broadcasts.row_counts(session, row.id) if c.status in _SENT)
    await audit.record_audit(
        session,
        "broadcast.cancelled",
        now=now,
        actor_contact_id=actor_contact_id,
        subject=f"broadcast:{row.id}",
        detail={"cancelled": str(stopped), "already_sent": str(sent), "by": actor},
    )
    return BroadcastCancelled(row.id, cancelled=stopped, already_sent=sent, started=started)


async def broadcast_report(session: AsyncSession, row: Broadcast) -> BroadcastReport:
    """How an announcement went, counted from its outbox rows and what was left out when it started."""
    counts = await broadcasts.row_counts(session, row.id)

    def total(*statuses: str) -> int:
        return sum(c.count for c in counts if c.status in statuses)

    by_channel: dict[str, int] = {}
    for c in counts:
        if c.status in _SENT:
            by_channel[c.channel] = by_channel.get(c.channel, 0) + c.count
    reasons = await broadcasts.failure_reasons(session, row.id, limit=TOP_REASONS)
    blocked = sum(c.count for c in counts if c.status == "failed" and c.unreachable)
    return BroadcastReport(
        id=row.id,
        status=row.status,
        audience_kind=str(row.audience.get("kind", "")),
        audience_value=str(row.audience.get("value", "")),
        body=row.body,
        author=row.author,
        send_at=row.send_at,
        recipients=row.recipients,
        sent=total(*_SENT),
        delivered=total("delivered", "read"),
        read=total("read"),
        waiting=total(*_WAITING),
        failed=total("failed") - blocked,
        unreachable=row.skipped_unreachable + blocked,
        opted_out=row.skipped_opted_out + total("skipped"),
        cancelled=total("cancelled"),
        failure_reasons=tuple(FailureReason(reason[:120], n) for reason, n in reasons),
        sent_telegram=by_channel.get("telegram", 0),
        sent_whatsapp=by_channel.get("whatsapp", 0),
        started_at=row.started_at,
        finished_at=row.finished_at,
        cancelled_at=row.cancelled_at,
        by_channel=channel_tallies(counts),
    )


def channel_tallies(counts: list[RowCount]) -> tuple[ChannelTally, ...]:
    """The outbox rows' counts, one tally per channel that has any (Telegram, WhatsApp first)."""

    def place(channel: str) -> tuple[int, str]:
        return (_CHANNEL_ORDER.index(channel) if channel in _CHANNEL_ORDER else len(_CHANNEL_ORDER), channel)

    channels = sorted({c.channel for c in counts}, key=place)

    def total(channel: str, *statuses: str, blocked: bool | None = None) -> int:
        return sum(
            c.count
            for c in counts
            if c.channel == channel and c.status in statuses and (blocked is None or c.unreachable == blocked)
        )

    return tuple(
        ChannelTally(
            channel=channel,
            sent=total(channel, *_SENT),
            delivered=total(channel, "delivered", "read"),
            read=total(channel, "read"),
            waiting=total(channel, *_WAITING),
            failed=total(channel, "failed", blocked=False),
            unreachable=total(channel, "failed", blocked=True),
            opted_out=total(channel, "skipped"),
            cancelled=total(channel, "cancelled"),
        )
        for channel in channels
    )
