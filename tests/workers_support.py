"""For tests/test_several_workers.py: the real `jaring serve --workers N` in a subprocess on a PostgreSQL
database of its own, with Telegram (webhook) and WhatsApp at the fakes; people who talk to it through
both webhooks, each message delivered twice at once and again when a delivery fails (as Telegram and
Meta do); the replies one process gives, for comparison; and what the database says."""

from __future__ import annotations

import asyncio
import contextlib
import os
import re
import signal
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import httpx
from sqlalchemy import func, select, text

from bot.serve import serving
from bot.settings import Settings
from db.connection import Store
from db.models import InboxMessage, OutboxMessage, Process
from db.repositories.outbox import OPEN_STATUSES
from tests.fake_telegram import FakeTelegram
from tests.fake_whatsapp import FakeGraph
from tests.serve_support import JARING, command_env, whatsapp_env
from tests.telegram_support import free_port, telegram_settings, use_migrated_database
from tests.waiting import wait_until
from tests.whatsapp_support import whatsapp_settings

__all__ = [
    "CONVERSATION",
    "TELEGRAM_SECRET",
    "Person",
    "ServedWorkers",
    "converse",
    "deliver_until_stored",
    "last_lines",
    "one_process_replies",
    "people",
    "sent_with_arrival",
    "served_workers",
    "shown",
    "wait_for",
]

# Four messages, five replies, one of them inside a flow (the age answers the eligibility check's
# question): a reply out of order or a message handled twice shows.
CONVERSATION = ("halo", "brp iuran nya?", "cek kelayakan", "35")
TELEGRAM_SECRET = "rahasia-banyak-pekerja_4"
START_WITHIN = 90.0  # four workers starting at once on a loaded 2-core machine


@dataclass(frozen=True, slots=True)
class Person:
    channel: str  # "telegram" or "whatsapp"
    address: str  # the chat id, or the wa_id

    @property
    def chat_id(self) -> int:
        return int(self.address)


def people(count: int, *, first: int = 0) -> list[Person]:
    """Half on Telegram, half on WhatsApp."""
    found = []
    for n in range(first, first + count):
        if n % 2:
            found.append(Person("whatsapp", f"62811{n:07d}"))
        else:
            found.append(Person("telegram", str(700_000 + n)))
    return found


def shown(person: Person, telegram: FakeTelegram, graph: FakeGraph) -> list[tuple[str, ...]]:
    """What was sent to the person, message by message: the text and the choices offered (as sent:
    Telegram takes a keyboard off once its question is answered, which depends on timing)."""
    if person.channel == "telegram":
        return [(m.text, *_labels(m.params.get("reply_markup"))) for m in telegram.sent_to(person.chat_id)]
    return [(m.text, *(t for _, t in m.buttons), *(r["title"] for r in m.rows)) for m in graph.sent_to(person.address)]


def sent_with_arrival(person: Person, telegram: FakeTelegram, graph: FakeGraph) -> list[tuple[tuple[str, ...], float]]:
    """`shown`, each message with when its request reached the fake (time.monotonic())."""
    if person.channel == "telegram":
        arrivals = [
            c.at
            for c in telegram.calls
            if c.method == "sendMessage" and c.status == 200 and c.params.get("chat_id") == person.chat_id
        ]
    else:
        arrivals = [
            c.at
            for c in graph.calls
            if c.status == 200 and c.path.endswith("/messages") and c.body.get("to") == person.address
        ]
    replies = shown(person, telegram, graph)
    assert len(arrivals) == len(replies), person
    return list(zip(replies, arrivals, strict=True))


def _labels(markup: Any) -> list[str]:
    rows = (markup or {}).get("inline_keyboard", [])
    return [str(button["text"]) for row in rows for button in row]


async def wait_for(condition: Callable[[], Awaitable[bool]], what: str, within: float) -> None:
    """`tests.waiting.wait_until` for a condition that asks the database."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while not await condition():
        if loop.time() > deadline:
            raise AssertionError(f"timed out after {within} s waiting for {what}")
        await asyncio.sleep(0.02)


async def deliver_until_stored(send: Callable[[], Awaitable[int]], *, within: float = 60.0) -> int:
    """Deliver until the webhook answers 200, as Telegram and Meta do after a failure (a worker killed
    mid-request, a 5xx); the number of tries."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    tries = 0
    while True:
        tries += 1
        with contextlib.suppress(httpx.HTTPError):
            if await send() == 200:
                return tries
        if loop.time() > deadline:
            raise AssertionError(f"a webhook delivery was not stored within {within} s")
        await asyncio.sleep(0.2)


async def say(person: Person, words: str, telegram: FakeTelegram, graph: FakeGraph) -> None:
    """One message, delivered twice at once; returns when both deliveries were answered 200."""
    if person.channel == "telegram":
        update = telegram.text_update(person.chat_id, words)
        send = lambda: telegram.deliver(update)  # noqa: E731
    else:
        payload = graph.text(person.address, words)
        send = lambda: graph.deliver(payload)  # noqa: E731
    await asyncio.gather(deliver_until_stored(send), deliver_until_stored(send))


async def converse(
    crowd: Sequence[Person],
    telegram: FakeTelegram,
    graph: FakeGraph,
    words: Sequence[str] = CONVERSATION,
    *,
    after_each: Callable[[], Awaitable[None]] | None = None,
) -> None:
    """Everyone at once, each person's next message once the previous one was answered 200."""

    async def one(person: Person) -> None:
        for said in words:
            await say(person, said, telegram, graph)
            if after_each is not None:
                await after_each()

    await asyncio.gather(*(one(person) for person in crowd))


async def one_process_replies(
    settings: Settings, telegram: FakeTelegram, graph: FakeGraph
) -> dict[str, list[tuple[str, ...]]]:
    """What one `jaring serve` (in this process, on SQLite) answers the conversation, per channel."""
    await use_migrated_database(settings)
    port = free_port()
    both = whatsapp_settings(settings, graph, port=port)
    tg = telegram_settings(both, telegram, webhook_port=port)
    both = tg.model_copy(
        update={"telegram_messages_per_second_per_chat": 1000.0, "telegram_messages_per_second": 1000.0}
    )
    alone = [Person("telegram", "42"), Person("whatsapp", "6281200000042")]
    async with serving(both, host="127.0.0.1", port=port) as service:
        for said in CONVERSATION:
            for person in alone:
                await say(person, said, telegram, graph)
                await _wait_settled(service.jaring.store)
    return {person.channel: shown(person, telegram, graph) for person in alone}


async def _wait_settled(store: Store, within: float = 30.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while await open_messages(store):
        if loop.time() > deadline:
            raise AssertionError("the outbox did not settle")
        await asyncio.sleep(0.02)


async def open_messages(store: Store) -> int:
    async with store.transaction() as session:
        count = await session.scalar(
            select(func.count()).select_from(OutboxMessage).where(OutboxMessage.status.in_(OPEN_STATUSES))
        )
    return int(count or 0)


@dataclass(slots=True)
class ServedWorkers:
    """The supervisor (a `jaring serve --workers N` subprocess), its log, and the database it serves."""

    process: asyncio.subprocess.Process
    store: Store
    port: int
    env: dict[str, str]  # the workers' environment, for the other `jaring` commands a test runs
    cwd: Path
    log: list[str] = field(default_factory=list)

    def lines(self, pattern: str) -> list[re.Match[str]]:
        wanted = re.compile(pattern)
        return [m for line in self.log if (m := wanted.search(line))]

    async def pids_serving(self, count: int, within: float = START_WITHIN) -> None:
        await wait_until(lambda: len(self.lines(r"serving telegram, whatsapp")) >= count, f"{count} workers", within)

    async def live_processes(self) -> list[Process]:
        async with self.store.transaction() as session:
            rows = (await session.execute(select(Process).where(Process.stopped_at.is_(None)))).scalars()
            return list(rows)

    async def holders_in_flight(self) -> dict[str, list[int]]:
        """The outbox messages being sent, by the process holding them."""
        async with self.store.transaction() as session:
            rows = (
                await session.execute(
                    select(OutboxMessage.lease_holder, OutboxMessage.id).where(OutboxMessage.status == "sending")
                )
            ).all()
        held: dict[str, list[int]] = {}
        for holder, message_id in rows:
            held.setdefault(str(holder), []).append(message_id)
        return held

    async def pid_of(self, holder: str) -> int:
        async with self.store.transaction() as session:
            return int((await session.execute(select(Process.pid).where(Process.id == holder))).scalar_one())

    async def leader_pid(self) -> int | None:
        async with self.store.engine.connect() as connection:
            name = (
                await connection.execute(
                    text(
                        "SELECT application_name FROM pg_stat_activity WHERE datname = current_database() "
                        "AND application_name LIKE 'jaring leader %'"
                    )
                )
            ).scalar_one_or_none()
        return int(name.rsplit(" ", 1)[1]) if name else None

    async def outbox_statuses(self) -> dict[str, int]:
        async with self.store.transaction() as session:
            rows = (
                await session.execute(select(OutboxMessage.status, func.count()).group_by(OutboxMessage.status))
            ).all()
        return {status: int(count) for status, count in rows}

    async def most_attempts(self) -> int:
        """The most send attempts any message has had (a message is given up after RetryPolicy's)."""
        async with self.store.transaction() as session:
            return int(await session.scalar(select(func.max(OutboxMessage.attempts))) or 0)

    async def inbox(self) -> list[InboxMessage]:
        async with self.store.transaction() as session:
            return list((await session.execute(select(InboxMessage))).scalars())

    async def settled(self, within: float) -> None:
        await _wait_settled(self.store, within)

    async def stop(self) -> int:
        """SIGTERM to the supervisor; its exit code once every worker stopped."""
        self.process.send_signal(signal.SIGTERM)
        async with asyncio.timeout(60):
            return await self.process.wait()


@asynccontextmanager
async def served_workers(
    database_url: str,
    tmp_path: Path,
    telegram: FakeTelegram,
    graph: FakeGraph,
    *,
    workers: int = 4,
    per_second: float = 1000.0,
) -> AsyncIterator[ServedWorkers]:
    """`jaring serve --workers N` on one port, until the block ends (then stopped, SIGKILLed if it must)."""
    port = free_port()
    graph.webhook_url = f"http://127.0.0.1:{port}/webhook/whatsapp"
    env = command_env(
        tmp_path,
        DATABASE_URL=database_url,
        JARING_PORT=str(port),
        TELEGRAM_BOT_TOKEN=telegram.token,
        TELEGRAM_API_BASE=telegram.url,
        TELEGRAM_WEBHOOK_URL=f"http://127.0.0.1:{port}/webhook/telegram",
        TELEGRAM_WEBHOOK_SECRET=TELEGRAM_SECRET,
        TELEGRAM_MESSAGES_PER_SECOND=str(per_second),
        TELEGRAM_MESSAGES_PER_SECOND_PER_CHAT="1000",
        **whatsapp_env(graph),
        WHATSAPP_MESSAGES_PER_SECOND=str(per_second),
    )
    process = await asyncio.create_subprocess_exec(
        JARING,
        "serve",
        "--workers",
        str(workers),
        "--host",
        "127.0.0.1",
        env=env,
        cwd=tmp_path,
        stderr=asyncio.subprocess.PIPE,
    )
    store = Store.from_url(database_url)
    served = ServedWorkers(process, store, port, env, tmp_path)
    reading = asyncio.create_task(_read_log(process, served.log))
    # One client for every delivery (a client each costs CPU this process needs for the fakes), with
    # a new connection each time, as many senders' would be: the kernel gives each to some worker.
    client = httpx.AsyncClient(timeout=30, limits=httpx.Limits(max_keepalive_connections=0))
    telegram.webhook_client = graph.webhook_client = client
    try:
        await served.pids_serving(workers)
        yield served
    finally:
        telegram.webhook_client = graph.webhook_client = None
        await client.aclose()
        if process.returncode is None:
            process.send_signal(signal.SIGTERM)
            try:
                async with asyncio.timeout(60):
                    await process.wait()
            except TimeoutError:
                _kill_all(served)
                await process.wait()
        await reading
        await store.close()
        if os.environ.get("JARING_TEST_SHOW_LOG"):
            print("\n".join(served.log))


def _kill_all(served: ServedWorkers) -> None:
    for match in served.lines(r"worker \d+ started: pid (\d+)"):
        with contextlib.suppress(ProcessLookupError):
            os.kill(int(match.group(1)), signal.SIGKILL)
    served.process.kill()


async def _read_log(process: asyncio.subprocess.Process, log: list[str]) -> None:
    assert process.stderr is not None
    async for line in process.stderr:
        log.append(line.decode(errors="replace").rstrip("\n"))


def last_lines(log: Sequence[str], count: int = 60) -> str:
    return "\n".join(log[-count:])
