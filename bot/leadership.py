"""One leader among the `jaring serve` processes on one database, for the work that must run once.

Most of `jaring serve` runs in every worker: the webhooks, the outbox worker (its claims are `FOR UPDATE
SKIP LOCKED` under leases naming their holder), the Dinas desk. Some of it must not: Telegram's
getUpdates refuses a second poller, and the hourly reminder round and the broadcast runner would do
their rounds N times over (harmless thanks to their locks and unique rows, but N times the queries, and
a reminder could go twice in a race). That work runs on the leader only.

On PostgreSQL the leader is the process holding a session advisory lock (`pg_try_advisory_lock`) on a
connection of its own, kept for as long as it leads: the lock lives exactly as long as that connection,
so a leader killed by SIGKILL, or cut off from the database, lets it go without anyone's help, and the
others, who try again every few seconds, take over. A leader checks its connection every few seconds:
when it broke (a database restart, `pg_terminate_backend`), it steps down (its loops stop) and tries
again like the others. Between the connection dying and the check, two leaders may overlap for a few
seconds; what they run is safe to run twice (Telegram answers the second poller 409; rounds lock
their rows), only wasteful. The lock's key is the schema's name hashed, so several deployments (or
tests) in one database do not elect one leader between them. The leader's connection is named
`jaring leader <pid>` (pg_stat_activity's application_name), so an operator sees who leads.

On SQLite there is one process (`jaring serve --workers` refuses more): it is always the leader."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
from collections.abc import Callable, Coroutine
from typing import Any

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

from db.connection import Store

__all__ = ["LEADER_CHECK_SECONDS", "LEADER_RETRY_SECONDS", "LeaderWork", "Leadership"]

log = logging.getLogger(__name__)

LEADER_RETRY_SECONDS = 3.0  # how often a process that does not lead tries to
LEADER_CHECK_SECONDS = 2.0  # how often a leader checks that its connection (so its lock) is still there
_CHECK_TIMEOUT_SECONDS = 5.0  # a check that takes longer than this counts as a lost connection

# The key is computed by the database from the schema the connection uses: one leader per deployment.
_TRY_LOCK = text("SELECT pg_try_advisory_lock(hashtextextended('jaring leader ' || current_schema(), 0))")
_NAMED = text("SELECT set_config('application_name', :name, false)")
# A dead leader's connection found within ~25 s (10 s idle, then 3 probes 5 s apart, or 25 s of unacknowledged
# data): then its lock is free for another worker.
_KEEPALIVES = text(
    "SELECT set_config('tcp_keepalives_idle', '10', false), set_config('tcp_keepalives_interval', '5', false), "
    "set_config('tcp_keepalives_count', '3', false), set_config('tcp_user_timeout', '25000', false)"
)
_STILL_HELD = text("SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND granted AND pid = pg_backend_pid()")

LeaderWork = Callable[[asyncio.Event], Coroutine[Any, Any, None]]
"""What the leader runs: it gets an event set when it must stop (the process stops, or it steps down)."""


class Leadership:
    """Runs `work` whenever this process leads, until `stopping` is set. `retry_seconds`: how often to
    try to lead; `check_seconds`: how often a leader checks its lock."""

    def __init__(
        self,
        store: Store,
        *,
        retry_seconds: float = LEADER_RETRY_SECONDS,
        check_seconds: float = LEADER_CHECK_SECONDS,
    ) -> None:
        self.store = store
        self.retry_seconds = retry_seconds
        self.check_seconds = check_seconds
        self.leading = False
        self.terms = 0  # how many times this process became the leader

    async def run(self, work: LeaderWork, stopping: asyncio.Event) -> None:
        """Lead when possible, until `stopping`. An error `work` raises ends this with it (the process
        then stops, as it does when any of its parts dies)."""
        if self.store.is_sqlite:
            await self._lead(work, stopping, None)
            return
        told_waiting = False
        while not stopping.is_set():
            connection = await self._try_to_lead()
            if connection is None:
                if not told_waiting:
                    log.info(
                        "another process leads (polling, reminders, broadcasts); trying every %g s", self.retry_seconds
                    )
                    told_waiting = True
                await _sleep_unless(stopping, self.retry_seconds)
                continue
            told_waiting = False
            try:
                await self._lead(work, stopping, connection)
            finally:
                await _drop(connection)
            # Stepped down (its connection died): the others, trying every `retry_seconds`, go first.
            await _sleep_unless(stopping, 2 * self.retry_seconds)

    async def _try_to_lead(self) -> AsyncConnection | None:
        """A connection holding the leader's lock, or None (another process holds it, or the database
        does not answer now)."""
        connection: AsyncConnection | None = None
        try:
            connection = await self.store.engine.connect()
            # Autocommit: the lock belongs to the session, and a transaction left open for the process's
            # life would hold back VACUUM.
            await connection.execution_options(isolation_level="AUTOCOMMIT")
            if (await connection.execute(_TRY_LOCK)).scalar_one():
                await connection.execute(_NAMED, {"name": f"jaring leader {os.getpid()}"})
                # The lock lasts as long as PostgreSQL believes the connection alive. A leader's machine
                # that is switched off or cut off sends nothing more: without these, the server would
                # notice after its default ~2 hours of TCP keepalive, and nobody could lead meanwhile.
                await connection.execute(_KEEPALIVES)
                return connection
            await connection.close()  # no lock taken: the connection goes back to the pool
            return None
        except Exception as exc:  # the database may be restarting: the next try may succeed
            log.warning("trying to lead failed: %s", type(exc).__name__)
        if connection is not None:
            await _drop(connection)
        return None

    async def _lead(self, work: LeaderWork, stopping: asyncio.Event, connection: AsyncConnection | None) -> None:
        self.leading = True
        self.terms += 1
        if connection is not None:  # on SQLite there is nobody else to lead: nothing worth a line
            log.info("leading: this process runs the polling, reminders and broadcasts")
        stepping_down = asyncio.Event()
        relay = asyncio.create_task(_relay(stopping, stepping_down), name="leader stop relay")
        working = asyncio.create_task(work(stepping_down), name="leader's work")
        checking = (
            asyncio.create_task(self._check(connection, stepping_down), name="leader check")
            if connection is not None
            else None
        )
        try:
            await working
        finally:
            self.leading = False
            stepping_down.set()
            for task in (relay, checking):
                if task is not None:
                    task.cancel()
                    with contextlib.suppress(asyncio.CancelledError):
                        await task
            if not working.done():
                working.cancel()
                with contextlib.suppress(asyncio.CancelledError):
                    await working

    async def _check(self, connection: AsyncConnection, stepping_down: asyncio.Event) -> None:
        """Until the lock is found gone: then step down (the work stops), and `run` tries again."""
        while not stepping_down.is_set():
            await _sleep_unless(stepping_down, self.check_seconds)
            if stepping_down.is_set():
                return
            try:
                async with asyncio.timeout(_CHECK_TIMEOUT_SECONDS):
                    held = (await connection.execute(_STILL_HELD)).scalar_one() > 0
            except Exception as exc:  # a dead connection: its lock is gone with it
                log.warning("stepping down as leader: its database connection failed (%s)", type(exc).__name__)
                stepping_down.set()
                return
            if not held:
                log.warning("stepping down as leader: its lock is no longer held")
                stepping_down.set()
                return


async def _relay(stopping: asyncio.Event, stepping_down: asyncio.Event) -> None:
    await stopping.wait()
    stepping_down.set()


async def _sleep_unless(event: asyncio.Event, seconds: float) -> None:
    with contextlib.suppress(TimeoutError):
        async with asyncio.timeout(seconds):
            await event.wait()


async def _drop(connection: AsyncConnection) -> None:
    """Close the connection for real (not back to the pool, where it would keep the lock and its name)."""
    with contextlib.suppress(Exception):
        await connection.invalidate()
    with contextlib.suppress(Exception):
        await connection.close()
