"""The processes that deliver the outbox, each recorded at its start, so that a lease names a holder
whose fate can be checked: a lease held by a process that is gone is taken over at once instead of
when it runs out (`bot/outbound/lease_holder.py` decides who is gone)."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime, timedelta

from sqlalchemy import delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import OutboxMessage, Process

__all__ = [
    "heartbeat",
    "holders_of_leases",
    "mark_stopped",
    "purge_stopped",
    "register",
    "release_leases_of",
]


async def register(
    session: AsyncSession,
    *,
    process_id: str,
    host: str,
    pid_space: str,
    pid: int,
    pid_started: int | None,
    now: datetime,
) -> None:
    session.add(
        Process(
            id=process_id,
            host=host[:255],
            pid_space=pid_space[:200],
            pid=pid,
            pid_started=pid_started,
            started_at=now,
            heartbeat_at=now,
        )
    )


async def heartbeat(session: AsyncSession, process_id: str, now: datetime, *, lease_until: datetime) -> None:
    """This process is alive: its heartbeat, and the leases it holds extended to `lease_until` (a send
    waiting its turn for a connection must not be taken for abandoned). A process taken for dead by
    mistake (a database stalled for minutes) is alive again: its record no longer says stopped."""
    await session.execute(update(Process).where(Process.id == process_id).values(heartbeat_at=now, stopped_at=None))
    await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.status == "sending", OutboxMessage.lease_holder == process_id)
        .values(lease_until=lease_until)
        .execution_options(synchronize_session=False)
    )


async def mark_stopped(session: AsyncSession, process_ids: Collection[str], now: datetime) -> None:
    """These processes are gone (a clean stop, or found dead): their leases may be taken at once."""
    if not process_ids:
        return
    await session.execute(
        update(Process)
        .where(Process.id.in_(set(process_ids)))
        .values(stopped_at=func.coalesce(Process.stopped_at, now))
    )


async def holders_of_leases(session: AsyncSession, *, other_than: str | None) -> dict[str, Process | None]:
    """Every process holding a lease now (other than `other_than`), with its record (None: no record,
    purged long ago). Walks ix_outbox_claim_order for `status = 'sending'`: the rows in flight only."""
    statement = select(OutboxMessage.lease_holder).where(
        OutboxMessage.status == "sending", OutboxMessage.lease_holder.is_not(None)
    )
    if other_than is not None:
        statement = statement.where(OutboxMessage.lease_holder != other_than)
    holders = {holder for holder in (await session.execute(statement.distinct())).scalars() if holder is not None}
    if not holders:
        return {}
    found = {row.id: row for row in (await session.execute(select(Process).where(Process.id.in_(holders)))).scalars()}
    return {holder: found.get(holder) for holder in holders}


async def release_leases_of(session: AsyncSession, holders: Collection[str], now: datetime) -> int:
    """Make the messages these (gone) processes left `sending` claimable now; the number released. A row
    another process has claimed since keeps its new holder: the holder is part of the condition."""
    if not holders:
        return 0
    result = await session.execute(
        update(OutboxMessage)
        .where(OutboxMessage.status == "sending", OutboxMessage.lease_holder.in_(set(holders)))
        .values(status="pending", lease_until=None, lease_holder=None, next_attempt_at=now, updated_at=now)
        .execution_options(synchronize_session=False)
    )
    return int(getattr(result, "rowcount", 0) or 0)


async def purge_stopped(session: AsyncSession, now: datetime, *, older_than: timedelta) -> None:
    """Forget processes stopped long ago (they hold no lease: theirs were released when they stopped)."""
    await session.execute(delete(Process).where(Process.stopped_at < now - older_than))
