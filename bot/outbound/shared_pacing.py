"""Platform limits held across every `jaring serve` on one PostgreSQL database: the `SlotSource` the
channels' pacers reserve from (see handlers/slots.py), kept in the `send_pacing` table.

Why the database and not Redis: it is already there and shared by every worker, so there is one moving
part less to run, secure and watch; and the cost is small (`bench/shared_pacing.py`): the sends that
wait for a slot at the same time share one statement. Like the outbox's outcomes, reservations
queue while the statement before them runs and the next statement takes them all (group commit): at a
high rate a statement carries many sends and the round trip is paid once, and nothing is reserved
ahead for sends that do not exist, so no slot is wasted. Only the sends a worker has in flight wait,
which the outbox keeps small (`batch_size`), so the queue never grows without bound.

Each statement runs on its own (autocommit on PostgreSQL: one round trip, the upsert is atomic by
itself). When the database cannot be reached every waiting send gets `SlotsUnavailable`: the sender
retries it a little later rather than sending without a slot (several workers doing that could add up
to more than the limit). Buckets idle for long (a chat written to once in a broadcast) are deleted
every minute.

SQLite runs one process by design: the channels pace in memory there and never use this."""

from __future__ import annotations

import asyncio
import logging
import time
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field

from sqlalchemy.exc import SQLAlchemyError
from sqlalchemy.ext.asyncio import AsyncEngine

from db.connection import Store
from db.repositories import send_pacing
from handlers.slots import Rate, Slot, SlotsUnavailable

__all__ = ["SharedSlots"]

log = logging.getLogger(__name__)

# A bucket whose due is further past than its tolerance is as good as no row: rows older than this (or
# than twice the largest tolerance asked for, if that is longer) are deleted every SWEEP_EVERY_SECONDS.
FORGET_AFTER_SECONDS = 600.0
SWEEP_EVERY_SECONDS = 60.0


@dataclass(slots=True)
class _Waiting:
    key: str
    rate: Rate
    pause_key: str | None
    future: asyncio.Future[Slot] = field(repr=False)


class SharedSlots:
    """The buckets every worker shares, reserved in batches. One per process and store is enough (the
    channels may share it or have one each)."""

    def __init__(
        self,
        store: Store,
        *,
        forget_after_seconds: float = FORGET_AFTER_SECONDS,
        sweep_every_seconds: float = SWEEP_EVERY_SECONDS,
        monotonic: Callable[[], float] = time.monotonic,
    ) -> None:
        self._engine: AsyncEngine = store.engine
        if not store.is_sqlite:
            self._engine = store.engine.execution_options(isolation_level="AUTOCOMMIT")
        self._forget_after = forget_after_seconds
        self._sweep_every = sweep_every_seconds
        self._monotonic = monotonic
        self._next_sweep = monotonic() + sweep_every_seconds
        self._largest_tolerance = 0.0
        self._waiting: list[_Waiting] = []
        self._pauses: dict[str, float] = {}
        self._writer: asyncio.Task[None] | None = None
        self.statements = 0  # reservation statements run (a figure for the benchmark)

    async def reserve(self, key: str, rate: Rate, *, pause_key: str | None = None) -> Slot:
        self._largest_tolerance = max(self._largest_tolerance, rate.tolerance)
        future: asyncio.Future[Slot] = asyncio.get_running_loop().create_future()
        self._waiting.append(_Waiting(key, rate, pause_key, future))
        self._start_writing()
        return await future

    def pause(self, pause_key: str, seconds: float) -> None:
        self._pauses[pause_key] = max(self._pauses.get(pause_key, 0.0), seconds)
        self._start_writing()

    async def aclose(self) -> None:
        """Wait for what is being written (a pause just recorded, reservations in flight)."""
        if self._writer is not None:
            await asyncio.gather(self._writer, return_exceptions=True)

    def _start_writing(self) -> None:
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write_queued(), name="shared send limits")

    async def _write_queued(self) -> None:
        # Started in a task of its own, so every send that asks in the same turn of the event loop joins
        # the first statement; those that ask while it runs join the next.
        while self._waiting or self._pauses:
            pauses, self._pauses = self._pauses, {}
            waiting, self._waiting = self._waiting, []
            try:
                await self._write(pauses, waiting)
            except asyncio.CancelledError:
                for one in (*waiting, *self._waiting):
                    one.future.cancel()
                raise
            except (SQLAlchemyError, OSError) as exc:  # the database is down or restarting
                log.warning("shared send limits unreachable: %s", type(exc).__name__)
            except Exception:
                log.exception("reserving shared send slots failed")
            for one in waiting:  # whatever got no slot is tried again later, never sent without one
                if not one.future.done():
                    one.future.set_exception(SlotsUnavailable("no slot reserved"))

    async def _write(self, pauses: dict[str, float], waiting: Sequence[_Waiting]) -> None:
        by_key: dict[str, list[_Waiting]] = {}
        for one in waiting:
            by_key.setdefault(one.key, []).append(one)
        wanted = [
            send_pacing.Wanted(key, len(ones) * ones[0].rate.interval, ones[0].rate.tolerance, ones[0].pause_key)
            for key, ones in by_key.items()
        ]
        async with self._engine.connect() as connection, connection.begin():
            for pause_key, seconds in pauses.items():  # first, so this process's next sends see it too
                await send_pacing.pause(connection, pause_key, seconds)
            reserved = await send_pacing.reserve(connection, wanted)
            if self._monotonic() >= self._next_sweep:
                self._next_sweep = self._monotonic() + self._sweep_every
                await send_pacing.forget_idle(connection, max(self._forget_after, 2 * self._largest_tolerance))
        self.statements += bool(wanted)
        for bucket in reserved:
            _hand_out(by_key[bucket.key], bucket)


def _hand_out(ones: Sequence[_Waiting], reserved: send_pacing.Reserved) -> None:
    """Each waiting send its slot, in the order they asked: the i-th at max(now, first + i × interval)."""
    interval = ones[0].rate.interval
    first = reserved.due - len(ones) * interval
    paused_for = 0.0 if reserved.paused_until is None else max(0.0, reserved.paused_until - reserved.now)
    for index, one in enumerate(ones):
        if not one.future.done():  # a send cancelled meanwhile: its slot goes unused (under the limit)
            at = max(reserved.now, first + index * interval)
            one.future.set_result(Slot(at - reserved.now, paused_for, at))
