"""Delivers the outbox. Woken when a transaction adds messages, so a reply leaves at once; a timer only
picks up retries and what a crash left behind. Each contact's messages go in order, one at a time."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.pipeline import Clock
from db.connection import Store
from db.models import OutboxMessage
from db.repositories import outbox
from handlers.sending import (
    Delivered,
    Failed,
    OutgoingChoice,
    OutgoingMessage,
    RetryLater,
    Sender,
    SendResult,
    Unreachable,
)

__all__ = ["OutboxWorker", "RetryPolicy"]

log = logging.getLogger(__name__)


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    max_attempts: int = 6
    first_backoff_seconds: float = 2.0
    max_backoff_seconds: float = 300.0

    def backoff(self, attempt: int) -> float:
        return min(self.first_backoff_seconds * 2.0 ** (attempt - 1), self.max_backoff_seconds)


class OutboxWorker:
    def __init__(
        self,
        store: Store,
        senders: Mapping[str, Sender],
        clock: Clock,
        *,
        batch_size: int = 100,
        lease: timedelta = timedelta(seconds=60),
        idle_wait_seconds: float = 5.0,
        retry: RetryPolicy = RetryPolicy(),
    ) -> None:
        self.store = store
        self.senders = senders
        self.clock = clock
        self.batch_size = batch_size
        self.lease = lease
        self.idle_wait_seconds = idle_wait_seconds
        self.retry = retry
        self._wake = asyncio.Event()
        self._stopping = False

    def wake(self) -> None:
        self._wake.set()

    def stop(self) -> None:
        """Make `run` return once the round in progress is done (sends are not cut off half way)."""
        self._stopping = True
        self._wake.set()

    async def run(self) -> None:
        """Deliver until stopped or cancelled."""
        while not self._stopping:
            self._wake.clear()
            wait_seconds = self.idle_wait_seconds
            try:
                await self.drain()
                wait_seconds = await self._seconds_until_next_due()
            except Exception:  # the database may be briefly unreachable: log, wait, go on
                log.exception("outbox round failed")
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(wait_seconds):
                    await self._wake.wait()

    async def take_over(self) -> int:
        """For a process that alone owns its channels: re-send what a crashed predecessor left mid-send
        (the person may see it twice; better than never). The number of messages taken over."""
        async with self.store.transaction() as session:
            return await outbox.release_leases(session, tuple(self.senders), self.clock())

    async def drain(self) -> int:
        """Deliver everything due now; the number of send attempts made."""
        attempts = 0
        while True:
            claimed = await self._claim()
            if not claimed:
                return attempts
            results = await asyncio.gather(*(self._send(message) for message in claimed))
            await self._record(list(zip(claimed, results, strict=True)))
            attempts += len(claimed)

    async def _claim(self) -> list[OutgoingMessage]:
        async with self.store.transaction() as session:
            rows = await outbox.claim_due(
                session, self.clock(), lease=self.lease, limit=self.batch_size, channels=tuple(self.senders)
            )
            wrote_last = await outbox.last_inbound_times(session, {row.contact_id for row in rows})
            return [_outgoing(row, wrote_last.get(row.contact_id)) for row in rows]

    async def _send(self, message: OutgoingMessage) -> SendResult:
        try:
            return await self.senders[message.channel].send(message)
        except Exception as exc:  # a sender bug or a network error: retry with backoff
            log.warning("send failed: outbox=%s channel=%s error=%s", message.id, message.channel, type(exc).__name__)
            return RetryLater(self.retry.backoff(message.attempt), f"{type(exc).__name__}")

    async def _record(self, outcomes: list[tuple[OutgoingMessage, SendResult]]) -> None:
        now = self.clock()
        async with self.store.transaction() as session:
            for message, result in outcomes:
                match result:
                    case Delivered(provider_message_id=provider_id):
                        await outbox.mark_sent(session, message.id, provider_id, now)
                    case RetryLater(after_seconds=after, reason=reason, rate_limited=True):
                        await outbox.schedule_retry(
                            session, message.id, now + timedelta(seconds=after), reason, now, refund_attempt=True
                        )
                    case RetryLater(after_seconds=after, reason=reason) if message.attempt < self.retry.max_attempts:
                        await outbox.schedule_retry(session, message.id, now + timedelta(seconds=after), reason, now)

                    case RetryLater(reason=reason):
                        await outbox.mark_failed(
                            session, message.id, f"gave up after {message.attempt} attempts: {reason}", now
                        )
                    case Failed(reason=reason):
                        await outbox.mark_failed(session, message.id, reason, now)
                    case Unreachable(reason=reason):
                        await outbox.mark_failed(session, message.id, f"unreachable: {reason}", now)
                        await outbox.mark_recipient_unreachable(session, message.id, reason)

    async def _seconds_until_next_due(self) -> float:
        async with self.store.transaction() as session:
            due = await outbox.next_due_at(session)
        if due is None:
            return self.idle_wait_seconds
        return max(0.0, min(self.idle_wait_seconds, (due - self.clock()).total_seconds()))


def _outgoing(row: OutboxMessage, last_inbound_at: datetime | None) -> OutgoingMessage:
    return OutgoingMessage(
        id=row.id,
        channel=row.channel,
        recipient=row.recipient,
        body=row.body,
        choices=tuple(OutgoingChoice(c["id"], c["label"]) for c in row.choices),
        kind=row.kind,
        attempt=row.attempts,
        last_inbound_at=last_inbound_at,
    )
