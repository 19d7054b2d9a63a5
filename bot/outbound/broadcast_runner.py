"""Sends the Dinas's announcements: `jaring serve` runs a round every few seconds.

A round (1) stops what a cancelled broadcast still had waiting; (2) starts each broadcast whose time
has come: its audience becomes outbox rows in one transaction (the outbox worker delivers them, after
replies and notifications), and the author gets a first progress message; (3) for each broadcast
being sent, keeps the author's progress up to date — on Telegram one message edited in place, at
most every few seconds and only when the count moved; elsewhere a new message at 25, 50 and 75% —
and, once no message is waiting, marks it done and sends the author the delivery report.

Everything is in the database (the rows, their states, the counts shown), so a crash or a SIGKILL
loses nothing: the next round carries on, and the outbox's unique (broadcast, contact) means a
broadcast started again queues nobody twice. Each function takes what it needs, so a script (the
benchmark) can drive a round itself."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable, Collection
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import TYPE_CHECKING

from sqlalchemy.ext.asyncio import AsyncSession

from bot.clock import Clock
from bot.desks.broadcasts import broadcast_report
from bot.inbound.outbox_writer import OutboxWriter
from conversations.audiences import sponsor_months_due_by
from conversations.flows.broadcast import progress_text, report_parts
from conversations.letters import Letter
from conversations.messages import Msg
from conversations.programme import Programme
from conversations.regions import Region
from db.connection import Store
from db.models import Broadcast, Contact, OutboxMessage
from db.repositories import audit, broadcasts, outbox

if TYPE_CHECKING:
    from bot.app import Jaring

__all__ = ["BROADCAST_ROUND_SECONDS", "PROGRESS_EVERY", "BroadcastRunner", "RoundResult"]

BROADCAST_ROUND_SECONDS = 3.0
# The author's progress message is edited at most this often (Telegram allows about one message a
# second per chat; an edit is one).
PROGRESS_EVERY = timedelta(seconds=5)
_STARTS_PER_ROUND = 10
_EDITABLE = frozenset({"telegram"})  # WhatsApp cannot edit a sent message; the terminal shows a new one
_QUARTERS = 4

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class RoundResult:
    started: tuple[int, ...] = ()
    progress_updates: int = 0
    finished: tuple[int, ...] = ()
    stopped: int = 0  # messages of cancelled broadcasts stopped this round

    @property
    def queued(self) -> bool:
        """Whether the round added outbox rows (the worker should be woken)."""
        return bool(self.started or self.progress_updates or self.finished)


class BroadcastRunner:
    def __init__(
        self,
        store: Store,
        writer: OutboxWriter,
        programme: Programme,
        region: Region | None,
        *,
        channels: Collection[str],
        clock: Clock,
        progress_every: timedelta = PROGRESS_EVERY,
    ) -> None:
        """`channels`: those this process delivers; audience members on another channel are counted as
        unreachable when a broadcast starts, not queued (nobody would ever send their rows)."""
        self.store = store
        self.writer = writer
        self.programme = programme
        self.region = region
        self.channels = tuple(channels)
        self.clock = clock
        self.progress_every = progress_every

    @classmethod
    def for_jaring(cls, jaring: Jaring, channels: Collection[str]) -> BroadcastRunner:
        return cls(
            jaring.store,
            jaring.outbox_writer,
            jaring.programme,
            jaring.region,
            channels=channels,
            clock=jaring.pipeline.clock,
        )

    async def run(
        self, stopping: asyncio.Event, on_outbox: Callable[[], None], every: float = BROADCAST_ROUND_SECONDS
    ) -> None:
        """A round every `every` seconds until `stopping` is set."""
        while not stopping.is_set():
            try:
                if (await self.run_round()).queued:
                    on_outbox()
            except Exception as exc:  # retried next round; the type only, never data
                log.error("broadcast round failed: %s", type(exc).__name__)
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(stopping.wait(), timeout=every)

    async def run_round(self) -> RoundResult:
        now = self.clock()
        async with self.store.transaction() as session:
            stopped = await broadcasts.cancel_waiting_of_cancelled(session, now)
        started = await self.start_due(now)
        updates, finished = await self.follow(now)
        return RoundResult(tuple(started), updates, tuple(finished), stopped)

    # ---- starting ---------------------------------------------------------------------------------

    async def start_due(self, now: datetime) -> list[int]:
        """Start every broadcast whose time has come, each in a transaction of its own."""
        started: list[int] = []
        for _ in range(_STARTS_PER_ROUND):
            async with self.store.transaction() as session:
                due = await broadcasts.due_broadcasts(session, now, limit=1)
                if not due:
                    break
                await self.start(session, due[0], now)
                started.append(due[0].id)
        return started

    async def start(self, session: AsyncSession, broadcast: Broadcast, now: datetime) -> None:
        """Queue the audience, record the counts, tell the author. Safe to repeat: nobody is queued twice."""
        due_by = sponsor_months_due_by(self.programme, now)
        queued = await self.writer.broadcast(session, broadcast, now, channels=self.channels, due_by=due_by)
        broadcast.status, broadcast.started_at = "sending", now
        broadcast.recipients = queued.recipients
        broadcast.skipped_opted_out, broadcast.skipped_unreachable = queued.opted_out, queued.unreachable
        await audit.record_audit(
            session,
            "broadcast.started",
            now=now,
            actor_contact_id=broadcast.author_contact_id,
            subject=f"broadcast:{broadcast.id}",
            detail={
                "recipients": str(queued.recipients),
                "opted_out": str(queued.opted_out),
                "unreachable": str(queued.unreachable),
            },
        )
        author = await self._author(session, broadcast)
        if author is not None and queued.recipients and broadcast.progress_outbox_id is None:
            progress = progress_text(broadcast.id, 0, queued.recipients, 0, author.language)
            broadcast.progress_outbox_id = await self.writer.progress(
                session, author, (progress,), now, priority=outbox.PRIORITY_NOTIFICATION
            )
        log.info("broadcast %s started: %s messages queued", broadcast.id, queued.recipients)

    # ---- following --------------------------------------------------------------------------------

    async def follow(self, now: datetime) -> tuple[int, list[int]]:
        """Progress for each broadcast being sent; the report for each that has nothing left waiting."""
        updates, finished = 0, []
        async with self.store.transaction() as session:
            for broadcast in await broadcasts.broadcasts_with_status(session, "sending", lock=True):
                counts = await broadcasts.row_counts(session, broadcast.id)
                waiting = sum(c.count for c in counts if c.status in outbox.OPEN_STATUSES)
                sent = sum(c.count for c in counts if c.status in ("sent", "delivered", "read"))
                done = broadcast.recipients - waiting
                author = await self._author(session, broadcast)
                if waiting == 0:
                    await self._finish(session, broadcast, author, sent, now)
                    finished.append(broadcast.id)
                elif author is not None and await self._show_progress(
                    session, broadcast, author, sent=sent, done=done, now=now
                ):
                    updates += 1
        return updates, finished

    async def _show_progress(
        self, session: AsyncSession, broadcast: Broadcast, author: Contact, *, sent: int, done: int, now: datetime
    ) -> bool:
        if done == broadcast.progress_shown:
            return False
        text = progress_text(broadcast.id, sent, broadcast.recipients, done - sent, author.language)
        if author.channel in _EDITABLE:
            edited = await self._edit_progress(session, broadcast, author, text, now)
            if edited:
                broadcast.progress_shown = done
            return edited
        total = max(broadcast.recipients, 1)
        quarter = done * _QUARTERS // total
        if quarter <= broadcast.progress_shown * _QUARTERS // total or quarter >= _QUARTERS:
            return False
        await self.writer.letters(session, [Letter.of(author.id, text)], now)
        broadcast.progress_shown = done
        return True

    async def _edit_progress(
        self, session: AsyncSession, broadcast: Broadcast, author: Contact, text: Msg, now: datetime
    ) -> bool:
        """Rewrite the progress message, once it has gone and the last edit is out of the way."""
        first = await session.get(OutboxMessage, broadcast.progress_outbox_id) if broadcast.progress_outbox_id else None
        if first is None or not first.provider_message_id:
            return False  # not sent yet (or it failed): nothing to edit
        last = await broadcasts.latest_edit(session, author.id, first.provider_message_id)
        if last is not None and (last.status in outbox.OPEN_STATUSES or now - last.created_at < self.progress_every):
            return False
        await self.writer.progress(
            session, author, (text,), now, priority=outbox.PRIORITY_REPLY, replaces=first.provider_message_id
        )
        return True

    async def _finish(
        self, session: AsyncSession, broadcast: Broadcast, author: Contact | None, sent: int, now: datetime
    ) -> None:
        broadcast.status, broadcast.finished_at = "done", now
        report = await broadcast_report(session, broadcast)
        await audit.record_audit(
            session,
            "broadcast.finished",
            now=now,
            actor_contact_id=broadcast.author_contact_id,
            subject=f"broadcast:{broadcast.id}",
            detail={"sent": str(report.sent), "failed": str(report.failed), "recipients": str(report.recipients)},
        )
        log.info("broadcast %s done: %s of %s sent", broadcast.id, report.sent, report.recipients)
        if author is None:
            return
        if author.channel in _EDITABLE and broadcast.recipients != broadcast.progress_shown:
            final = progress_text(
                broadcast.id, sent, broadcast.recipients, broadcast.recipients - sent, author.language
            )
            # the last count, in the message the admin has been watching (never throttled: it is the last)
            first = (
                await session.get(OutboxMessage, broadcast.progress_outbox_id) if broadcast.progress_outbox_id else None
            )
            if first is not None and first.provider_message_id:
                await self.writer.progress(
                    session,
                    author,
                    (final,),
                    now,
                    priority=outbox.PRIORITY_REPLY,
                    replaces=first.provider_message_id,
                )
        broadcast.progress_shown = broadcast.recipients
        parts = report_parts(report, self.programme, self.region, author.language)
        await self.writer.letters(session, [Letter(author.id, tuple(parts))], now)

    async def _author(self, session: AsyncSession, broadcast: Broadcast) -> Contact | None:
        if broadcast.author_contact_id is None:
            return None  # recorded on the command line: `jaring broadcast report` shows how it went
        return await session.get(Contact, broadcast.author_contact_id)
