"""Benchmark: what sharing the platform limits through PostgreSQL costs one process.

Two figures, each on a scratch PostgreSQL database:

1. The reservations alone (`SharedSlots.reserve`, no sending): one after another (a round trip each:
   its latency) and `--in-flight` at once (as the outbox's lane asks; how many statements they
   shared), at a rate high enough that nobody waits.
2. Delivery through the real `OutboxWorker` of `--messages` queued to as many people, at a limit of
   `--rate` a second, paced in memory ("local", one process alone) and through the database ("shared",
   every worker on it together): first with a sender that only waits its turn and sends nowhere
   ("pacing": the ceiling of the pacing and the outbox alone), then with each channel's real sender
   against the fake Telegram Bot API and Graph API (on a thread of their own). Printed: messages/s
   (first to last send), the process's CPU time a message (the fakes' threads included, the same in
   both modes), and the reservation statements run.

    uv run python -m bench.shared_pacing
    uv run python -m bench.shared_pacing --rate 1000 --messages 5000
    uv run python -m bench.shared_pacing --database-url postgresql+asyncpg://postgres@127.0.0.1:5432/test
"""

from __future__ import annotations

import argparse
import asyncio
import statistics
import time
from collections.abc import Sequence
from datetime import UTC, datetime

from bench.inbound_path import scratch_postgres
from bench.server_thread import ServerInThread
from bot.outbound.outbox_worker import OutboxWorker
from bot.outbound.shared_pacing import SharedSlots
from db import migrate
from db.connection import Store
from db.repositories import contacts, outbox
from handlers.sending import Delivered, OutgoingMessage, Sender, SendResult
from handlers.slots import Rate
from handlers.telegram import Pacer, TelegramClient, TelegramSender
from handlers.whatsapp import GraphClient, Throttle, WhatsAppSender
from tests.fake_telegram import FakeTelegram
from tests.fake_whatsapp import FakeGraph

__all__ = ["main"]

DEFAULT_URL = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
PER_CHAT = Rate(1.0, 3)  # Telegram's per-chat limit, as `jaring serve` sets it


def _utc_now() -> datetime:
    return datetime.now(UTC)


async def reservations(store: Store, count: int, in_flight: int) -> None:
    rate = Rate(1_000_000.0, 1_000_000)  # nobody waits: the cost of reserving alone
    slots = SharedSlots(store)
    one_by_one: list[float] = []
    for _ in range(min(count, 500)):
        started = time.perf_counter()
        await slots.reserve("bench:one", rate)
        one_by_one.append(time.perf_counter() - started)
    before = slots.statements
    started = time.perf_counter()
    for _ in range(count // in_flight):
        await asyncio.gather(*(slots.reserve("bench:many", rate) for _ in range(in_flight)))
    elapsed = time.perf_counter() - started
    statements = slots.statements - before
    await slots.aclose()
    p50 = statistics.median(one_by_one) * 1000
    p99 = sorted(one_by_one)[int(len(one_by_one) * 0.99) - 1] * 1000
    print(f"reservation, one at a time: p50 {p50:.2f} ms, p99 {p99:.2f} ms ({len(one_by_one)} reservations)")
    done = count // in_flight * in_flight
    print(
        f"reservations, {in_flight} at once: {done / elapsed:,.0f}/s, {statements} statements "
        f"({done / max(1, statements):.1f} reservations a statement)"
    )


async def queue(store: Store, channel: str, people: int, first: int) -> None:
    now = _utc_now()
    keys = [(channel, str(first + n) if channel == "telegram" else f"62{first + n:010d}") for n in range(people)]
    async with store.transaction() as session:
        known = await contacts.contacts_for(session, keys, now)
        replies = [outbox.NewReply(known[key].id, channel, key[1], "Pengumuman", [], None) for key in keys]
        await outbox.enqueue_many(session, replies, now)


class PacingOnly:
    """A sender that only waits its turn, as WhatsApp's does, and sends nowhere: the pacing's own ceiling."""

    channel = "whatsapp"

    def __init__(self, throttle: Throttle) -> None:
        self.throttle = throttle
        self.sent: list[float] = []

    async def send(self, message: OutgoingMessage) -> SendResult:
        await self.throttle.wait_turn()
        self.sent.append(time.perf_counter())
        return Delivered()


def sender_for(
    channel: str, rate: float, slots: SharedSlots | None, telegram: FakeTelegram, graph: FakeGraph
) -> Sender:
    if channel == "pacing":
        return PacingOnly(Throttle(rate, burst=max(1, int(rate)), slots=slots, key="whatsapp:pacing-only"))
    if channel == "telegram":
        pacer = Pacer(PER_CHAT, Rate(rate, max(1, int(rate))), slots=slots)
        return TelegramSender(TelegramClient(telegram.token, telegram.url), pacer, backoff=float)
    throttle = Throttle(rate, burst=max(1, int(rate)), slots=slots, key=f"whatsapp:{graph.phone_number_id}")
    client = GraphClient(graph.token, graph.phone_number_id, graph.api_base)
    return WhatsAppSender(client, throttle, backoff=float, clock=_utc_now)


def accepted_times(channel: str, sender: Sender, telegram: FakeTelegram, graph: FakeGraph) -> list[float]:
    if isinstance(sender, PacingOnly):
        return sender.sent
    if channel == "telegram":
        return [call.at for call in telegram.calls if call.method == "sendMessage" and call.status == 200]
    return [call.at for call in graph.calls if call.path.endswith("/messages") and call.status == 200]


async def delivery(
    store: Store,
    channel: str,
    args: argparse.Namespace,
    fakes: tuple[ServerInThread[FakeTelegram], ServerInThread[FakeGraph]],
    *,
    shared: bool,
    first: int,
) -> None:
    telegram, graph = fakes[0].fake, fakes[1].fake
    telegram.calls.clear()
    graph.calls.clear()
    await queue(store, "whatsapp" if channel == "pacing" else channel, args.messages, first)
    slots = SharedSlots(store) if shared else None
    sender = sender_for(channel, args.rate, slots, telegram, graph)
    if isinstance(sender, TelegramSender):
        await sender.bot.initialize()
    worker = OutboxWorker(store, {sender.channel: sender}, _utc_now)
    started, cpu = time.perf_counter(), time.process_time()
    await worker.drain()
    elapsed, cpu = time.perf_counter() - started, time.process_time() - cpu
    if slots is not None:
        await slots.aclose()
    if isinstance(sender, TelegramSender):
        await sender.bot.shutdown()
    elif isinstance(sender, WhatsAppSender):
        await sender.client.aclose()
    times = accepted_times(channel, sender, telegram, graph)
    span = max(times) - min(times) if len(times) > 1 else 0.0
    statements = slots.statements if slots is not None else 0
    print(
        f"{channel:8} {'shared' if shared else 'local':6}: {len(times)} sent, {len(times) / span:,.0f}/s "
        f"({args.messages / elapsed:,.0f}/s drain), limit {args.rate:g}/s; CPU {cpu / args.messages * 1000:.2f} ms "
        f"a message; {statements} reservation statements ({statements / max(1, len(times)):.3f} a message)"
    )


async def run(args: argparse.Namespace) -> None:
    async with scratch_postgres(args.database_url) as url:
        store = Store.from_url(url)
        await migrate.upgrade(store.engine)
        try:
            await reservations(store, args.reservations, args.in_flight)
            with ServerInThread(FakeTelegram) as telegram, ServerInThread(FakeGraph) as graph:
                first = 1_000_000
                for channel in args.channels * args.rounds:
                    for shared in (False, True):
                        await delivery(store, channel, args, (telegram, graph), shared=shared, first=first)
                        first += args.messages
        finally:
            await store.close()


def main(argv: Sequence[str] | None = None) -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0] if __doc__ else None)
    parser.add_argument("--database-url", default=DEFAULT_URL, help="a PostgreSQL server (a scratch database is made)")
    parser.add_argument("--rate", type=float, default=1000.0, help="each channel's limit, messages a second")
    parser.add_argument("--messages", type=int, default=3000, help="messages per channel and mode")
    parser.add_argument("--rounds", type=int, default=1, help="each channel's pair of runs, repeated")
    parser.add_argument("--reservations", type=int, default=20_000)
    parser.add_argument("--in-flight", type=int, default=100, help="reservations asked at once (the lane's window)")
    parser.add_argument(
        "--channels",
        nargs="+",
        default=["pacing", "whatsapp", "telegram"],
        choices=["pacing", "whatsapp", "telegram"],
        help="pacing: the outbox worker and the pacing alone, sending nowhere",
    )
    asyncio.run(run(parser.parse_args(argv)))


if __name__ == "__main__":
    main()
