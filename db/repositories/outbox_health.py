"""What is waiting in the outbox, for /metrics and /healthz: read when they are asked, so the figures
are the database's (the same whichever worker answers) and nothing has to keep them up to date.

Only open rows (`pending`, `sending`) are read, through ix_outbox_claim_order (status, priority, id):
sent and failed rows, the bulk of the table, never are. Replies and notifications, normally a handful,
are read in full (how many, how many due, the oldest). Announcements can be a broadcast's 100 000 rows
waiting by design: only counted, per channel, which costs about half of reading them in full
(bench/outbox_health.py: 87 ms on SQLite and 54 ms on PostgreSQL with 100 000 waiting, p50, on the
2-core machine while it was busy with other work; a few ms with a few hundred)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import case, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import OutboxMessage
from db.repositories.outbox import OPEN_STATUSES, PRIORITY_BROADCAST

__all__ = ["OutboxWaiting", "Waiting", "WaitingAnnouncements", "waiting_messages"]


@dataclass(frozen=True, slots=True)
class Waiting:
    """The open replies (priority 0) or notifications (1) of one channel."""

    channel: str
    priority: int
    waiting: int  # not yet sent: pending (due or scheduled for a retry) or being sent
    due: int  # of which due now: pending past their time, or being sent
    oldest_created_at: datetime  # when the oldest of them was queued


@dataclass(frozen=True, slots=True)
class WaitingAnnouncements:
    channel: str
    waiting: int


@dataclass(frozen=True, slots=True)
class OutboxWaiting:
    """Every channel with something open; nothing waiting, nothing listed."""

    urgent: Sequence[Waiting]
    announcements: Sequence[WaitingAnnouncements]


async def waiting_messages(session: AsyncSession, now: datetime) -> OutboxWaiting:
    open_rows = OutboxMessage.status.in_(OPEN_STATUSES)
    due = or_(OutboxMessage.status == "sending", OutboxMessage.next_attempt_at <= now)
    urgent = (
        select(
            OutboxMessage.channel,
            OutboxMessage.priority,
            func.count(),
            func.sum(case((due, 1), else_=0)),
            func.min(OutboxMessage.created_at),
        )
        .where(open_rows, OutboxMessage.priority < PRIORITY_BROADCAST)
        .group_by(OutboxMessage.channel, OutboxMessage.priority)
    )
    announcements = (
        select(OutboxMessage.channel, func.count())
        .where(open_rows, OutboxMessage.priority >= PRIORITY_BROADCAST)
        .group_by(OutboxMessage.channel)
    )
    return OutboxWaiting(
        [
            Waiting(channel, int(priority), int(waiting), int(due_now or 0), oldest)
            for channel, priority, waiting, due_now, oldest in (await session.execute(urgent)).all()
        ],
        [
            WaitingAnnouncements(channel, int(waiting))
            for channel, waiting in (await session.execute(announcements)).all()
        ],
    )
