"""Delivers the outbox. Woken when a transaction adds messages, so a reply leaves at once; a timer only
picks up retries and what a crash left behind. Each contact's messages go in order, one at a time, and
the most urgent first: replies, then notifications, then announcements.

Files are stored encrypted (an export holds NIKs in full): decrypted here just before sending, and
emptied once their message is final."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from cryptography.fernet import InvalidToken

from bot.clock import Clock
from db.connection import Store
from db.models import OutboxFile, OutboxMessage
from db.personal_data import PersonalDataCipher
from db.repositories import outbox
from handlers.sending import (
    Delivered,
    Failed,
    OutgoingChoice,
    OutgoingFile,
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
        cipher: PersonalDataCipher | None = None,
        recipient: str | None = None,
    ) -> None:
        """`cipher` decrypts files to send; without it a file message fails (the terminal and tests that
        send no files need none). `recipient`: deliver only that person's messages (a terminal window
        chatting as one person, `jaring chat --as NAME`); the others' are neither claimed nor touched:
        they wait, pending, for their own window."""
        self.store = store
        self.cipher = cipher
        self.senders = senders
        self.clock = clock
        self.batch_size = batch_size
        self.lease = lease
        self.idle_wait_seconds = idle_wait_seconds
        self.retry = retry
        self.recipient = recipient
        self._wakes = {channel: asyncio.Event() for channel in senders}
        self._stopping = False

    def wake(self) -> None:
        for event in self._wakes.values():
            event.set()

    def stop(self) -> None:
        """Make `run` return once the round in progress is done (sends are not cut off half way)."""
        self._stopping = True
        self.wake()

    async def run(self) -> None:
        """Deliver until stopped or cancelled: one lane per channel, so a channel that is paused (a 429)
        or slower (Telegram's 30/s beside WhatsApp's 80/s) never holds up the other during a broadcast."""
        await asyncio.gather(*(self._run_lane(channel) for channel in self.senders))

    async def _run_lane(self, channel: str) -> None:
        wake = self._wakes[channel]
        while not self._stopping:
            wake.clear()
            wait_seconds = self.idle_wait_seconds
            try:
                await self._drain_lane(channel)
                wait_seconds = await self._seconds_until_next_due()
            except Exception:  # the database may be briefly unreachable: log, wait, go on
                log.exception("outbox round failed: channel=%s", channel)
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(wait_seconds):
                    await wake.wait()

    async def take_over(self) -> int:
        """For a process that alone owns its channels (with `recipient`: that person on them, one window):
        re-send what a crashed predecessor left mid-send (the person may see it twice; better than
        never). The number of messages taken over."""
        async with self.store.transaction() as session:
            return await outbox.release_leases(session, tuple(self.senders), self.clock(), recipient=self.recipient)

    async def drain(self) -> int:
        """Deliver everything due now, every channel at once; the number of send attempts made."""
        return sum(await asyncio.gather(*(self._drain_lane(channel) for channel in self.senders)))

    async def _drain_lane(self, channel: str) -> int:
        attempts = 0
        while True:
            claimed = await self._claim(channel)
            if not claimed:
                return attempts
            results = await asyncio.gather(*(self._send(claim) for claim in claimed))
            await self._record(list(zip(claimed, results, strict=True)))
            attempts += len(claimed)

    async def _claim(self, channel: str) -> list[_Claimed]:
        async with self.store.transaction() as session:
            rows = await outbox.claim_due(
                session,
                self.clock(),
                lease=self.lease,
                limit=self.batch_size,
                channels=(channel,),
                recipient=self.recipient,
            )
            wrote_last = await outbox.last_inbound_times(session, {row.contact_id for row in rows})
            files = await outbox.files_by_id(session, {row.file_id for row in rows if row.file_id is not None})
            claimed: list[_Claimed] = []
            for row in rows:
                file, problem = self._file_of(row, files)
                claimed.append(_Claimed(_outgoing(row, wrote_last.get(row.contact_id), file), row.file_id, problem))
            return claimed

    def _file_of(self, row: OutboxMessage, files: Mapping[int, OutboxFile]) -> tuple[OutgoingFile | None, str | None]:
        """The decrypted file a message carries, or why it cannot be sent."""
        if row.file_id is None:
            return None, None
        stored = files.get(row.file_id)
        if stored is None or stored.content is None:
            return None, "file content no longer stored"
        if self.cipher is None:
            return None, "no key to decrypt the file"
        try:
            content = self.cipher.decrypt_bytes(stored.content)
        except InvalidToken:
            return None, "file cannot be decrypted with this key"
        return OutgoingFile(stored.file_name, stored.media_type, content), None

    async def _send(self, claim: _Claimed) -> SendResult:
        message = claim.message
        if claim.problem is not None:
            return Failed(claim.problem)
        try:
            return await self.senders[message.channel].send(message)
        except Exception as exc:  # a sender bug or a network error: retry with backoff
            log.warning("send failed: outbox=%s channel=%s error=%s", message.id, message.channel, type(exc).__name__)
            return RetryLater(self.retry.backoff(message.attempt), f"{type(exc).__name__}")

    async def _record(self, outcomes: list[tuple[_Claimed, SendResult]]) -> None:
        now = self.clock()
        async with self.store.transaction() as session:
            for claim, result in outcomes:
                message = claim.message
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
                        await outbox.mark_recipient_unreachable(session, message.id, reason, now)
            await outbox.purge_files(session, [c.file_id for c, r in outcomes if c.file_id and self._final(c, r)], now)

    def _final(self, claim: _Claimed, result: SendResult) -> bool:
        """Whether the message is done with (no retry will need its file again)."""
        if isinstance(result, RetryLater):
            return not result.rate_limited and claim.message.attempt >= self.retry.max_attempts
        return True

    async def _seconds_until_next_due(self) -> float:
        async with self.store.transaction() as session:
            due = await outbox.next_due_at(session)
        if due is None:
            return self.idle_wait_seconds
        return max(0.0, min(self.idle_wait_seconds, (due - self.clock()).total_seconds()))


@dataclass(frozen=True, slots=True)
class _Claimed:
    message: OutgoingMessage
    file_id: int | None
    problem: str | None  # why it cannot be sent at all (its file is gone): it fails without a try


def _outgoing(row: OutboxMessage, last_inbound_at: datetime | None, file: OutgoingFile | None) -> OutgoingMessage:
    return OutgoingMessage(
        id=row.id,
        channel=row.channel,
        recipient=row.recipient,
        body=row.body,
        choices=tuple(OutgoingChoice(c["id"], c["label"], keyed=c.get("keyed") == "yes") for c in row.choices),
        kind=row.kind,
        attempt=row.attempts,
        last_inbound_at=last_inbound_at,
        file=file,
        replaces=row.replaces,
    )
