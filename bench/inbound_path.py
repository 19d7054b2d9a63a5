"""Benchmark of the inbound path: N people chatting at once, M messages each, through the real
`Pipeline.handle`, with the real `OutboxWorker` delivering the replies to a counting sender.

Each person sends their messages one after another (the next one once `handle()` has returned, plus an
optional pause), all people at the same time. The messages walk real conversation paths (menu, the
programme summary, the privacy notice with consent granted, kept and withdrawn, language switches,
the eligibility check started and cancelled, registration status, help, a message the bot does not
understand), so the engine, the catalogs, consent and audit records all take part.

Exits with 1 when a message failed (the figures then include apologies, not the real path).

    uv run python -m bench.inbound_path                       # SQLite file in a temporary folder
    uv run python -m bench.inbound_path --database-url postgresql+asyncpg://postgres@127.0.0.1:5432/test

With --database-url, a scratch database is created next to the one named in the URL and dropped at
the end; the named database itself is not touched.
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import logging
import math
import os
import platform
import random
import resource
import sys
import tempfile
import time
import uuid
from collections import Counter
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from cryptography.fernet import Fernet
from sqlalchemy import func, select, text
from sqlalchemy.engine import make_url
from sqlalchemy.ext.asyncio import create_async_engine

from bot.app import Jaring, open_jaring
from bot.inbound.pipeline import HandleResult, Pipeline
from bot.outbound.outbox_worker import OutboxWorker
from bot.settings import load_settings
from conversations.inbound import Inbound
from db.connection import Store
from db.models import InboxMessage, OutboxMessage
from db.repositories.outbox import OPEN_STATUSES
from handlers.sending import Delivered, OutgoingMessage, SendResult
from handlers.terminal import CHANNEL

__all__ = ["CONVERSATION", "CountingSender", "main"]

FLOOD_OUT_OF_THE_WAY = 1000  # the most JARING_FLOOD_MESSAGES allows, in its 10 s window

# One person's side of a conversation; a person with more messages starts again from the top. Flows
# are started by name, not by menu number, so the walk stays the same when the menu grows.
CONVERSATION: tuple[str, ...] = (
    "halo",  # greeting → main menu
    "tentang",  # the programme summary
    "menu",
    "privasi",  # privacy notice
    "1",  # agree: consent recorded, audit entry
    "bahasa",  # switch to English
    "bahasa",  # and back
    "menu",
    "cek kelayakan",  # the eligibility check's first question
    "batal",  # cancelled
    "bantuan",
    "privasi",  # privacy notice, already agreed
    "ya",  # keep consent
    "apa ini",  # not understood → menu
    "menu",
    "status",  # registration status: none yet
    "privasi",
    "tidak",  # consent withdrawn, audit entry
    "halo",
    "tentang",
)

RECHECK_SECONDS = 0.05  # at the end: look at the outbox again after a delivery, or after this long


class CountingSender:
    """Delivers instantly and remembers when each outbox message was delivered."""

    channel = CHANNEL

    def __init__(self) -> None:
        self.delivered_at: dict[int, float] = {}
        self.delivery = asyncio.Event()

    async def send(self, message: OutgoingMessage) -> SendResult:
        self.delivered_at[message.id] = time.perf_counter()
        self.delivery.set()
        return Delivered(provider_message_id=f"bench-{message.id}")


class ErrorTally(logging.Handler):
    """Counts the errors logged during the run (a failed step logs its traceback) by exception, so that
    a failure shows up as one line in the report instead of a thousand tracebacks."""

    def __init__(self) -> None:
        super().__init__(logging.ERROR)
        self.counts: Counter[str] = Counter()

    def emit(self, record: logging.LogRecord) -> None:
        error = record.exc_info[1] if record.exc_info else None
        self.counts[f"{type(error).__name__}: {error}" if error else record.getMessage()] += 1


@dataclass(frozen=True, slots=True)
class Options:
    people: int
    messages: int
    database_url: str | None
    think_seconds: float
    seed: int


class Think:
    """A person's pause before each message: none when flat out, else drawn uniformly from 0 to twice
    the mean, so that people do not all write at the same moment."""

    def __init__(self, mean_seconds: float, seed: int) -> None:
        self.mean_seconds = mean_seconds
        self._random = random.Random(seed)

    async def pause(self) -> None:
        if self.mean_seconds:
            await asyncio.sleep(self._random.uniform(0, 2 * self.mean_seconds))


@dataclass(slots=True)
class Run:
    started: float = 0.0
    handled_by: float = 0.0  # when the last handle() returned
    delivered_by: float = 0.0  # when the outbox was empty again
    rss_before_mb: float = 0.0
    sent_at: dict[str, float] = field(default_factory=dict)  # inbound message id → when handle() was called
    handle_seconds: list[float] = field(default_factory=list)
    results: Counter[HandleResult] = field(default_factory=Counter)


# ---- the load ------------------------------------------------------------------------------------


async def person(pipeline: Pipeline, run: Run, person_id: str, count: int, think: Think) -> None:
    for number in range(count):
        await think.pause()
        inbound = Inbound(
            channel=CHANNEL,
            sender_id=person_id,
            message_id=f"{person_id}:{number}",
            received_at=pipeline.clock(),
            text=CONVERSATION[number % len(CONVERSATION)],
        )
        started = time.perf_counter()
        run.sent_at[inbound.message_id] = started
        handled = await pipeline.handle(inbound)
        run.handle_seconds.append(time.perf_counter() - started)
        run.results[handled.result] += 1


async def open_outbox_rows(store: Store) -> int:
    async with store.transaction() as session:
        statement = select(func.count()).select_from(OutboxMessage).where(OutboxMessage.status.in_(OPEN_STATUSES))
        return int((await session.execute(statement)).scalar_one())


async def wait_until_delivered(store: Store, sender: CountingSender) -> None:
    while await open_outbox_rows(store):
        sender.delivery.clear()
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(sender.delivery.wait(), RECHECK_SECONDS)


async def drive(jaring: Jaring, options: Options, sender: CountingSender) -> Run:
    worker = OutboxWorker(jaring.store, {CHANNEL: sender}, jaring.pipeline.clock)
    jaring.pipeline.on_outbox = worker.wake
    worker_task = asyncio.create_task(worker.run())
    run = Run(rss_before_mb=peak_rss_mb())
    think = Think(options.think_seconds, options.seed)
    run.started = time.perf_counter()
    try:
        async with asyncio.TaskGroup() as group:
            for index in range(options.people):
                group.create_task(person(jaring.pipeline, run, f"bench-{index:05d}", options.messages, think))
        run.handled_by = time.perf_counter()
        await wait_until_delivered(jaring.store, sender)
        run.delivered_by = max(sender.delivered_at.values(), default=run.handled_by)
    finally:
        worker_task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await worker_task
    return run


# ---- the figures ---------------------------------------------------------------------------------


async def reply_latencies(store: Store, run: Run, sender: CountingSender) -> list[float]:
    """For each inbound message: from the call to handle() until its last reply was delivered."""
    statement = select(OutboxMessage.id, InboxMessage.message_id).join(
        InboxMessage, OutboxMessage.inbox_id == InboxMessage.id
    )
    async with store.transaction() as session:
        rows = (await session.execute(statement)).all()
    last_delivery: dict[str, float] = {}
    for outbox_id, message_id in rows:
        delivered = sender.delivered_at.get(outbox_id)
        if delivered is not None:
            last_delivery[message_id] = max(delivered, last_delivery.get(message_id, delivered))
    return [delivered - run.sent_at[message_id] for message_id, delivered in last_delivery.items()]


def percentile(values: Sequence[float], p: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    if not ordered:
        return math.nan
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def milliseconds(values: Sequence[float], *points: float) -> str:
    parts = [f"p{p:g} {percentile(values, p) * 1000:7.1f} ms" for p in points]
    return "  ".join([*parts, f"max {max(values, default=math.nan) * 1000:7.1f} ms"])


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kilobytes on Linux


def describe_database(url: str) -> str:
    parsed = make_url(url)
    if parsed.get_backend_name() == "sqlite":
        return f"SQLite file {parsed.database}"
    return f"PostgreSQL {parsed.host}:{parsed.port or 5432}/{parsed.database} (scratch database)"


def print_report(
    options: Options, url: str, run: Run, *, latencies: Sequence[float], sender: CountingSender, errors: ErrorTally
) -> None:
    total = options.people * options.messages
    handling = run.handled_by - run.started
    delivering = run.delivered_by - run.started
    results = ", ".join(f"{result.value} {run.results[result]}" for result in HandleResult)
    think = ""
    if options.think_seconds:
        offered = options.people / options.think_seconds
        think = (
            f", a pause of {options.think_seconds * 1000:g} ms on average before each (about {offered:.0f} messages/s)"
        )
    print(f"Jaring inbound path — {describe_database(url)}")
    print(f"  Python {platform.python_version()}, {os.cpu_count()} CPUs, one process, one event loop")
    print(f"  load              {options.people} people × {options.messages} messages = {total} messages{think}")
    print(f"  outcomes          {results}")
    print(f"  handled           {total / handling:8.1f} messages/s  ({handling:.2f} s until the last handle returned)")
    replies = len(sender.delivered_at)
    print(f"  delivered         {replies / delivering:8.1f} replies/s   ({replies} replies)")
    print(f"  handle() latency  {milliseconds(run.handle_seconds, 50, 95, 99)}")
    print(f"  inbound → reply   {milliseconds(latencies, 50, 99)}")
    print(f"  total time        {delivering:.2f} s (first message to last reply delivered)")
    print(f"  peak RSS          {peak_rss_mb():.1f} MB ({run.rss_before_mb:.1f} MB after start-up, before the load)")
    print(f"  errors logged     {sum(errors.counts.values()) or 'none'}")
    for error, count in errors.counts.most_common(5):
        print(f"    {count:6} × {error[:200]}")


# ---- the database --------------------------------------------------------------------------------


@contextlib.asynccontextmanager
async def scratch_postgres(url: str) -> AsyncIterator[str]:
    """A new, empty database beside the one in `url`, dropped afterwards; yields its URL."""
    name = f"jaring_bench_{uuid.uuid4().hex[:12]}"
    admin = create_async_engine(url, isolation_level="AUTOCOMMIT")
    try:
        async with admin.connect() as connection:
            await connection.execute(text(f'CREATE DATABASE "{name}"'))
        try:
            yield make_url(url).set(database=name).render_as_string(hide_password=False)
        finally:
            async with admin.connect() as connection:
                await connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
    finally:
        await admin.dispose()


@contextlib.asynccontextmanager
async def scratch_database(database_url: str | None, data_dir: Path) -> AsyncIterator[str]:
    """The URL to benchmark against: a SQLite file in `data_dir`, or a scratch PostgreSQL database."""
    if database_url is None:
        yield f"sqlite+aiosqlite:///{data_dir / 'jaring.db'}"
        return
    async with scratch_postgres(database_url) as url:
        yield url


async def benchmark(options: Options, errors: ErrorTally) -> None:
    with tempfile.TemporaryDirectory(prefix="jaring-bench-") as folder:
        async with scratch_database(options.database_url, Path(folder)) as url:
            settings = load_settings(
                JARING_DATA_DIR=folder,
                DATABASE_URL=url,
                JARING_SECRET_KEY=Fernet.generate_key().decode(),
                # People here write flat out, faster than anyone types: the flood rule (tests/test_flood.py)
                # would hold most of their messages before they reach the steps being measured.
                JARING_FLOOD_MESSAGES=str(FLOOD_OUT_OF_THE_WAY),
            )
            jaring = await open_jaring(settings)
            try:
                sender = CountingSender()
                run = await drive(jaring, options, sender)
                latencies = await reply_latencies(jaring.store, run, sender)
            finally:
                await jaring.close()
            print_report(options, url, run, latencies=latencies, sender=sender, errors=errors)


# ---- the command ---------------------------------------------------------------------------------


def parse_options(argv: Sequence[str] | None) -> Options:
    parser = argparse.ArgumentParser(
        prog="python -m bench.inbound_path",
        description="Benchmark of the inbound path: people × messages through Pipeline.handle and the OutboxWorker.",
    )
    parser.add_argument("--people", type=int, default=100, help="people chatting at the same time (default 100)")
    parser.add_argument("--messages", type=int, default=20, help="messages each person sends (default 20)")
    parser.add_argument(
        "--database-url",
        help="postgresql+asyncpg://… to run against PostgreSQL (a scratch database is created and dropped); "
        "default: a SQLite file in a temporary folder",
    )
    parser.add_argument(
        "--think-ms",
        type=float,
        default=0.0,
        help="a person's average pause before each message, drawn uniformly from 0 to twice this "
        "(default 0: flat out, the next message as soon as handle() has returned)",
    )
    parser.add_argument("--seed", type=int, default=1, help="seed for the pauses (default 1)")
    args = parser.parse_args(argv)
    if args.people < 1 or args.messages < 1:
        parser.error("--people and --messages must be at least 1")
    if args.database_url is not None and make_url(args.database_url).get_backend_name() != "postgresql":
        parser.error("--database-url must be a postgresql+asyncpg:// URL (SQLite is the default)")
    return Options(args.people, args.messages, args.database_url, args.think_ms / 1000, args.seed)


def main(argv: Sequence[str] | None = None) -> int:
    options = parse_options(argv)
    errors = ErrorTally()
    warnings = logging.StreamHandler(sys.stderr)
    warnings.addFilter(lambda record: record.levelno < logging.ERROR)  # errors are counted, not printed
    logging.basicConfig(level=logging.WARNING, handlers=[warnings, errors])
    asyncio.run(benchmark(options, errors))
    return 1 if errors.counts else 0


if __name__ == "__main__":
    sys.exit(main())
