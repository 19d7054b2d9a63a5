"""Delivers the outbox. Woken when a transaction adds messages, so a reply leaves at once; a timer only
picks up retries and what a crash left behind. Each contact's messages go in order, one at a time, and
the most urgent first: replies, then notifications, then announcements.

Each channel's lane keeps up to its window of messages in flight (half a second of the channel's rate,
10 to 100: `lane_window`) and claims more as soon as half of them are done, so the channel's pacing
never waits for the database between batches, and a reply queued during a broadcast waits behind about
half a second of sends. Each outcome is recorded as it arrives: outcomes queue while the previous write runs, and the
next write takes them all in one transaction (group commit), so a sent message is marked sent within
milliseconds, and a process killed mid-broadcast sends again only what it had in flight. With a
`LeaseHolder` (`jaring serve`) every lease names this process, and the leases of processes that are
gone are taken over at start and every few seconds.

Files are stored encrypted (an export holds NIKs in full): decrypted here just before sending, and
emptied once their message is final."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import math
from collections.abc import Awaitable, Callable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime, timedelta

from cryptography.fernet import InvalidToken

from bot import metrics
from bot.clock import Clock
from bot.outbound.lease_holder import LeaseHolder
from db.connection import Store
from db.disconnects import error_kind, is_unreachable
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

__all__ = ["OutboxWorker", "RetryPolicy", "lane_window"]

log = logging.getLogger(__name__)

_WRITE_RETRIES = (0.2, 0.5, 1.0, 2.0)  # seconds between tries to record outcomes (the database may blink)


@dataclass(frozen=True, slots=True)
class RetryPolicy:
    # 2, 4, 8, 16, 32, then every 60 s: a platform down for up to ~10 minutes loses no message, and once
    # it is back everything waiting goes out within a minute. (With 6 attempts and a 300 s cap a 5xx
    # spell of just over a minute gave up every reply it met: tests/test_several_workers.py.)
    max_attempts: int = 15
    first_backoff_seconds: float = 2.0
    max_backoff_seconds: float = 60.0

    def backoff(self, attempt: int) -> float:
        return min(self.first_backoff_seconds * 2.0 ** (attempt - 1), self.max_backoff_seconds)


def lane_window(messages_per_second: float) -> int:
    """How many sends a channel's lane keeps in flight: half a second of its rate, at least 10 (a
    platform answers in ~0.3 s: fewer would not keep up with the rate) and at most 100."""
    return max(10, min(100, math.ceil(messages_per_second / 2)))


class OutboxWorker:
    def __init__(
        self,
        store: Store,
        senders: Mapping[str, Sender],
        clock: Clock,
        *,
        batch_size: int = 100,
        lane_windows: Mapping[str, int] | None = None,
        lease: timedelta = timedelta(seconds=60),
        idle_wait_seconds: float = 5.0,
        retry: RetryPolicy = RetryPolicy(),
        cipher: PersonalDataCipher | None = None,
        recipient: str | None = None,
        holder: LeaseHolder | None = None,
    ) -> None:
        """`cipher` decrypts files to send; without it a file message fails (the terminal and tests that
        send no files need none). `recipient`: deliver only that person's messages (a terminal window
        chatting as one person, `jaring chat --as NAME`); the others' are neither claimed nor touched:
        they wait, pending, for their own window. `holder`: this process as recorded (`jaring serve`):
        its leases name it, and `run` takes over the leases of processes that are gone. `batch_size`:
        the most messages a lane has claimed and not yet recorded; `lane_windows`: a smaller limit for a
        channel whose rate is low (`lane_window`), so that a reply claimed during a broadcast waits behind
        half a second of sends, not `batch_size` of them (with several workers, behind each worker's)."""
        self.store = store
        self.cipher = cipher
        self.senders = senders
        self.clock = clock
        self.batch_size = batch_size
        self._windows = {channel: min(batch_size, (lane_windows or {}).get(channel, batch_size)) for channel in senders}
        self.lease = lease
        self.idle_wait_seconds = idle_wait_seconds
        self.retry = retry
        self.recipient = recipient
        self.holder = holder
        self._wakes = {channel: asyncio.Event() for channel in senders}
        self._recorder = _Recorder(self._write_outcomes)
        self._stopping = False
        self._stopped = asyncio.Event()

    def wake(self) -> None:
        for event in self._wakes.values():
            event.set()

    def stop(self) -> None:
        """Make `run` return once the round in progress is done (sends are not cut off half way)."""
        self._stopping = True
        self._stopped.set()
        self.wake()

    async def run(self) -> None:
        """Deliver until stopped or cancelled: one lane per channel, so a channel that is paused (a 429)
        or slower (Telegram's 30/s beside WhatsApp's 80/s) never holds up the other during a broadcast.
        With a holder, first take over what processes that are gone left in flight."""
        if self.holder is not None:
            await self._look_after_leases_once()
        await asyncio.gather(*(self._run_lane(channel) for channel in self.senders), self._look_after_leases())

    async def _look_after_leases_once(self) -> None:
        assert self.holder is not None
        try:
            await self.holder.look_after()
        except Exception:  # the database may be briefly unreachable: the next turn tries again
            log.exception("looking after outbox leases failed")

    async def _look_after_leases(self) -> None:
        """The heartbeat, and the leases of processes that died since (on PostgreSQL, other workers)."""
        if self.holder is None:
            return
        while not self._stopping:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self.holder.every.total_seconds()):
                    await self._stopped.wait()
            if not self._stopping:
                await self._look_after_leases_once()

    async def _run_lane(self, channel: str) -> None:
        wake = self._wakes[channel]
        while not self._stopping:
            wake.clear()
            wait_seconds = self.idle_wait_seconds
            try:
                if await self._drain_lane(channel, until_stopped=True):
                    continue  # it delivered: more may be due (a person's next message), look at once
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
        """Deliver everything due now, every channel at once; the number of send attempts made. Every
        outcome is recorded when it returns."""
        return sum(await asyncio.gather(*(self._drain_lane(channel) for channel in self.senders)))

    async def _drain_lane(self, channel: str, *, until_stopped: bool = False) -> int:
        """Claim and send until nothing more is due (`until_stopped`: or the worker is stopping), keeping
        the lane's window full; returns once every message it claimed has its outcome recorded."""
        attempts = 0
        window = self._windows[channel]
        in_flight: set[asyncio.Task[None]] = set()
        # After a claim that found nothing, look once more when what is in flight is recorded: a
        # person's next message becomes claimable only then.
        more_due, look_again = True, False
        failure: Exception | None = None
        try:
            while True:
                room = window - len(in_flight)
                claim_now = (more_due and room >= (window + 1) // 2) or (look_again and not in_flight)
                if claim_now and failure is None and not (until_stopped and self._stopping):
                    try:
                        claimed = await self._claim(channel, room)
                    except Exception as exc:  # what is in flight still goes and is recorded
                        failure, claimed = exc, []
                    more_due = bool(claimed)
                    look_again = not claimed and bool(in_flight)
                    attempts += len(claimed)
                    in_flight.update(asyncio.create_task(self._deliver(claim)) for claim in claimed)
                if not in_flight:
                    if failure is not None:
                        raise failure
                    return attempts
                done, in_flight = await asyncio.wait(in_flight, return_when=asyncio.FIRST_COMPLETED)
                for task in done:
                    task.result()
        finally:
            for task in in_flight:
                task.cancel()
            if in_flight:
                await asyncio.wait(in_flight)

    async def _deliver(self, claim: _Claimed) -> None:
        await self._recorder.record(claim, await self._send(claim))

    async def _claim(self, channel: str, limit: int) -> list[_Claimed]:
        async with self.store.transaction() as session:
            rows = await outbox.claim_due(
                session,
                self.clock(),
                lease=self.lease,
                limit=limit,
                channels=(channel,),
                recipient=self.recipient,
                holder=self.holder.id if self.holder is not None else None,
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

    async def _write_outcomes(self, outcomes: Sequence[tuple[_Claimed, SendResult]]) -> None:
        now = self.clock()
        async with self.store.transaction() as session:
            sent = [(c.message.id, r.provider_message_id) for c, r in outcomes if isinstance(r, Delivered)]
            await outbox.mark_sent_many(session, sent, now)
            for claim, result in outcomes:
                message = claim.message
                match result:
                    case Delivered():
                        pass
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
        for claim, result in outcomes:  # once committed: a write tried again counts once
            metrics.message_out(claim.message.channel, self._outcome(claim, result))

    def _outcome(self, claim: _Claimed, result: SendResult) -> str:
        """The send's outcome as /metrics counts it (bot.metrics.OUTCOMES)."""
        match result:
            case Delivered():
                return "sent"
            case RetryLater(rate_limited=True):
                return "rate_limited"
            case RetryLater() if claim.message.attempt < self.retry.max_attempts:
                return "retry"
            case Unreachable():
                return "unreachable"
            case _:
                return "failed"

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


class _Recorder:
    """Group commit of outcomes: each waits in a queue while the write before it runs, and the next
    write takes the whole queue in one transaction. A write that fails because the database cannot be
    reached (a restart) is tried again until it succeeds: given up on, the rows would stay `sending`
    under this live process's lease, and each person's later messages behind them. Any other failure is
    tried again a few times; if it never succeeds the outcomes are logged as lost and their rows stay
    `sending` until their lease is taken over (they are sent again: at least once)."""

    def __init__(self, write: Callable[[Sequence[tuple[_Claimed, SendResult]]], Awaitable[None]]) -> None:
        self._write = write
        self._queued: list[tuple[_Claimed, SendResult, asyncio.Future[None]]] = []
        self._writer: asyncio.Task[None] | None = None

    async def record(self, claim: _Claimed, result: SendResult) -> None:
        """Returns once the outcome is written (or given up on). Cancelling the caller does not take
        the outcome back: it is written all the same."""
        future = asyncio.get_running_loop().create_future()
        self._queued.append((claim, result, future))
        if self._writer is None or self._writer.done():
            self._writer = asyncio.create_task(self._write_queued())
        await asyncio.shield(future)

    async def _write_queued(self) -> None:
        while self._queued:
            group, self._queued = self._queued, []
            await self._write_group([(claim, result) for claim, result, _ in group])
            for *_, future in group:
                if not future.done():
                    future.set_result(None)

    async def _write_group(self, outcomes: Sequence[tuple[_Claimed, SendResult]]) -> None:
        tries = 0
        while True:
            try:
                await self._write(outcomes)
                return
            except Exception as exc:
                unreachable = is_unreachable(exc)  # a restart: wait for the database, however long it takes
                if tries >= len(_WRITE_RETRIES) and not unreachable:
                    ids = ", ".join(str(claim.message.id) for claim, _ in outcomes)
                    log.exception("outbox outcomes not recorded, sent again later: outbox=%s", ids)
                    return
                pause = _WRITE_RETRIES[min(tries, len(_WRITE_RETRIES) - 1)]
                log.warning(
                    "recording outbox outcomes failed (%s); trying again in %g s",
                    error_kind(exc),
                    pause,
                    exc_info=not unreachable,
                )
                await asyncio.sleep(pause)
                tries += 1


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
