"""Outbox leases name their holder (a recorded process), so that a process killed mid-send has its leases
taken over at once by the next one, not when they run out, while a live process's leases are never
touched; and each outcome is recorded as it arrives, not once a whole batch is sent. Real child
processes killed with SIGKILL, on SQLite and PostgreSQL."""

from __future__ import annotations

import asyncio
import os
import sys
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from sqlalchemy import select, text

from bot.clock import utc_now
from bot.outbound.lease_holder import LeaseHolder, ProcessIdentity, is_gone, this_process
from bot.outbound.outbox_worker import OutboxWorker
from bot.settings import PROJECT_DIR
from db.connection import Store
from db.models import OutboxMessage, Process
from db.repositories import contacts, outbox
from handlers.sending import Delivered, OutgoingMessage, SendResult
from tests.waiting import wait_until

CHANNEL = "telegram"
LEASE = timedelta(seconds=60)
CHILD_WAIT_SECONDS = 60.0  # a child's start (imports, connecting) on a loaded machine


class RecordingSender:
    channel = CHANNEL

    def __init__(self, hold: set[str] | None = None) -> None:
        self.sent: list[int] = []
        self.hold = hold or set()
        self.release = asyncio.Event()

    async def send(self, message: OutgoingMessage) -> SendResult:
        if message.recipient in self.hold:
            await self.release.wait()
        self.sent.append(message.id)
        return Delivered(f"m{message.id}")


async def _queue(store: Store, people: int, now: datetime) -> list[int]:
    """One message to each of `people` people; their outbox ids."""
    async with store.transaction() as session:
        for n in range(people):
            person = await contacts.get_or_create_contact(session, CHANNEL, f"p{n}", now)
            await outbox.enqueue(
                session,
                contact_id=person.id,
                channel=CHANNEL,
                recipient=person.channel_id,
                body=f"pesan {n}",
                choices=[],
                now=now,
            )
    return sorted((await _rows(store)).keys())


async def _rows(store: Store) -> dict[int, OutboxMessage]:
    async with store.transaction() as session:
        return {row.id: row for row in (await session.execute(select(OutboxMessage))).scalars()}


async def _database_of(store: Store) -> list[str]:
    """The child's arguments for the same database (and, on PostgreSQL, the test's schema)."""
    url = store.engine.url.render_as_string(hide_password=False)
    if store.is_sqlite:
        return [url]
    async with store.engine.connect() as connection:
        schema = (await connection.execute(text("SHOW search_path"))).scalar_one()
    return [url, "--schema", schema]


@dataclass(slots=True)
class Child:
    process: asyncio.subprocess.Process
    holder: str
    sending: list[int]


@asynccontextmanager
async def _child_sending(store: Store, messages: int) -> AsyncIterator[Child]:
    """A real delivering process, once it hangs in the middle of sending `messages` messages; killed
    with SIGKILL at the end if the test has not killed it."""
    process = await asyncio.create_subprocess_exec(
        sys.executable,
        "-m",
        "tests.lease_child",
        *await _database_of(store),
        "--batch",
        str(messages),
        cwd=PROJECT_DIR,
        stdout=asyncio.subprocess.PIPE,
    )
    assert process.stdout is not None
    try:
        async with asyncio.timeout(CHILD_WAIT_SECONDS):
            holder = (await process.stdout.readline()).decode().split()[-1]
            sending = [int((await process.stdout.readline()).decode().split()[-1]) for _ in range(messages)]
        yield Child(process, holder, sending)
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()


async def test_a_killed_process_leases_are_taken_over_at_once_and_a_live_ones_are_kept(store: Store) -> None:
    ids = await _queue(store, 6, utc_now())
    async with _child_sending(store, 3) as killed, _child_sending(store, 3) as alive:
        assert sorted(killed.sending + alive.sending) == ids
        killed.process.kill()  # SIGKILL in the middle of three sends
        await killed.process.wait()
        rows = await _rows(store)
        now = utc_now()
        leases = [rows[i].lease_until for i in ids if rows[i].status == "sending"]
        assert len(leases) == 6
        assert all(lease is not None and lease > now for lease in leases), "leases still running"

        holder = await LeaseHolder.register(store, utc_now)
        sender = RecordingSender()
        worker = OutboxWorker(store, {CHANNEL: sender}, utc_now, holder=holder)
        assert await holder.look_after() == 3, "the dead process's three, long before their lease ends"
        assert await worker.drain() == 3
        assert sorted(sender.sent) == sorted(killed.sending)
        rows = await _rows(store)
        assert all(rows[i].status == "sent" and rows[i].lease_holder is None for i in killed.sending)
        assert all(rows[i].status == "sending" and rows[i].lease_holder == alive.holder for i in alive.sending), (
            "a live process's leases are its own"
        )
        async with store.transaction() as session:
            dead = await session.get(Process, killed.holder)
        assert dead is not None
        assert dead.stopped_at is not None, "recorded as gone"

        alive.process.kill()
        await alive.process.wait()
        running = asyncio.create_task(worker.run())  # a start takes over at once
        try:
            await wait_until(lambda: len(sender.sent) == 6, "the second killed process's messages sent")
        finally:
            worker.stop()
            await running
    rows = await _rows(store)
    assert {row.status for row in rows.values()} == {"sent"}, "nothing lost"
    assert sorted(sender.sent) == ids, "each sent once by the survivor"


async def test_a_live_holders_heartbeat_keeps_its_slow_sends_its_own(store: Store) -> None:
    """A send still waiting for a connection when its lease would run out is not taken for abandoned:
    each heartbeat extends the holder's leases, so no claim (its own or another process's) takes it."""
    claimed_at = utc_now() - timedelta(seconds=59)
    ids = await _queue(store, 2, claimed_at)
    holder = await LeaseHolder.register(store, utc_now)
    async with store.transaction() as session:
        await outbox.claim_due(session, claimed_at, lease=LEASE, limit=10, channels=[CHANNEL], holder=holder.id)
    await holder.look_after()
    later = utc_now() + timedelta(seconds=30)  # the first lease has run out by then; the extended one has not
    async with store.transaction() as session:
        assert await outbox.claim_due(session, later, lease=LEASE, limit=10, channels=[CHANNEL]) == []
    rows = await _rows(store)
    assert [(rows[i].status, rows[i].lease_holder) for i in ids] == [("sending", holder.id)] * 2


async def test_a_clean_stop_frees_its_leases_and_a_live_holder_keeps_them(store: Store) -> None:
    now = utc_now()
    ids = await _queue(store, 2, now)
    first = await LeaseHolder.register(store, utc_now)
    second = await LeaseHolder.register(store, utc_now)
    async with store.transaction() as session:
        claimed = await outbox.claim_due(session, now, lease=LEASE, limit=10, channels=[CHANNEL], holder=first.id)
    assert sorted(row.id for row in claimed) == ids
    assert await second.look_after() == 0, "the first is alive (this very process)"
    await first.stop()
    rows = await _rows(store)
    assert [(rows[i].status, rows[i].lease_holder) for i in ids] == [("pending", None)] * 2
    async with store.transaction() as session:
        again = await outbox.claim_due(session, utc_now(), lease=LEASE, limit=10, channels=[CHANNEL], holder=second.id)
    assert sorted(row.id for row in again) == ids, "claimable at once, not after the lease"


def _record(identity: ProcessIdentity, heartbeat_at: datetime) -> Process:
    return Process(
        id="x" * 32,
        host=identity.host,
        pid_space=identity.pid_space,
        pid=identity.pid,
        pid_started=identity.pid_started,
        started_at=heartbeat_at,
        heartbeat_at=heartbeat_at,
    )


def test_who_is_gone() -> None:
    now = datetime(2026, 11, 21, 8, 0, tzinfo=UTC)
    stale = timedelta(minutes=3)
    here = this_process()
    me = _record(here, now)
    assert not is_gone(me, here, now, stale_after=stale)
    # On this machine the pid decides: a live process whose database stalled for minutes is slow, not gone.
    assert not is_gone(_record(here, now - timedelta(minutes=10)), here, now, stale_after=stale)
    if here.pid_started is not None:  # Linux: a pid now running another process than the one recorded
        reused = _record(ProcessIdentity(here.host, here.pid_space, here.pid, here.pid_started + 1), now)
        assert is_gone(reused, here, now, stale_after=stale)
    other_machine = ProcessIdentity("elsewhere", "another boot pid:[1]", os.getpid(), None)
    assert not is_gone(_record(other_machine, now - timedelta(minutes=2)), here, now, stale_after=stale)
    assert is_gone(_record(other_machine, now - timedelta(minutes=4)), here, now, stale_after=stale)
    stopped = _record(here, now)
    stopped.stopped_at = now
    assert is_gone(stopped, here, now, stale_after=stale)
    assert is_gone(None, here, now, stale_after=stale), "a holder without a record"


async def test_outcomes_are_recorded_as_they_arrive(store: Store) -> None:
    """While one send of the batch is still waiting for its answer, the others are already `sent`."""
    ids = await _queue(store, 5, utc_now())
    sender = RecordingSender(hold={"p2"})
    worker = OutboxWorker(store, {CHANNEL: sender}, utc_now)
    draining = asyncio.create_task(worker.drain())
    try:
        statuses: dict[int, str] = {}

        async def look() -> None:
            statuses.update({i: row.status for i, row in (await _rows(store)).items()})

        async with asyncio.timeout(10):
            while sorted(statuses.values()) != ["sending", "sent", "sent", "sent", "sent"]:
                assert not draining.done()
                await asyncio.sleep(0.01)
                await look()
        held = ids[2]
        assert statuses[held] == "sending", "p2's answer has not come"
    finally:
        sender.release.set()
        assert await draining == 5
    assert {row.status for row in (await _rows(store)).values()} == {"sent"}


async def test_after_its_own_long_silence_a_holder_waits_a_round_before_judging_other_machines(store: Store) -> None:
    """The database was down for longer than `stale_after`: nobody could beat. The first round after it
    must not take another machine's leases for its old heartbeat (that worker is alive, still waiting to
    record what it sent); the round after, a heartbeat still that old does mean gone."""
    start = utc_now()
    ids = await _queue(store, 2, start)
    elsewhere = LeaseHolder.register(
        store, lambda: start, identity=ProcessIdentity("elsewhere", "another boot pid:[1]", os.getpid(), None)
    )
    other = await elsewhere
    async with store.transaction() as session:
        await outbox.claim_due(session, start, lease=LEASE, limit=10, channels=[CHANNEL], holder=other.id)
    now = [start]
    here = await LeaseHolder.register(store, lambda: now[0])
    now[0] = start + here.stale_after * 2  # both silent all that time
    assert await here.look_after() == 0, "its own silence: the other's old heartbeat proves nothing yet"
    now[0] += here.every
    assert await here.look_after() == 2, "a round later, still no heartbeat from it: gone"
    rows = await _rows(store)
    assert [rows[i].status for i in ids] == ["pending"] * 2
