"""Benchmark: Telegram updates handled per second, end to end, against a bare python-telegram-bot bot.

Each contender gets the same backlog from the fake Bot API server (tests/fake_telegram.py, real HTTP
on 127.0.0.1, in a thread of its own): U text updates ("halo") from C chats. The clock runs from
the moment the contender starts receiving until the fake has received the U-th reply. Contenders:

- jaring polling: `bot.serve.serving` (the code `jaring serve` runs), SQLite in a temporary folder:
  each update stored through the pipeline (inbox, contact, session, engine, outbox) before the offset
  moves, the reply (the main menu, with its keyboard) sent by the outbox worker;
- jaring webhook: the same, the fake POSTing the updates to /webhook/telegram, 40 at a time (as
  Telegram's default max_connections);
- ptb loop: `telegram.Bot`, a minimal getUpdates → sendMessage (echo) loop;
- ptb Application: `telegram.ext.Application` with one MessageHandler that echoes, polling (the
  "bare echo" of issue 16);
- ptb conversation: `telegram.ext.Application`, polling, with a persistent ConversationHandler that
  answers "halo" with Jaring's menu (same text, ten inline buttons), the state per chat written to
  SQLite after every update (bench/ptb_menu.py says why this persistence and not PicklePersistence).

Jaring's pacing is set far above Telegram's limits here (the fake does not rate-limit), so the
figures are the processing capacity, not the 30 messages/s Telegram allows a bot.

    uv run python -m bench.telegram_throughput
    uv run python -m bench.telegram_throughput --updates 3000 --chats 300 --repeat 5
    uv run python -m bench.telegram_throughput --only "jaring polling" --only "ptb conversation"

It prints each contender's updates/s, Jaring / each PTB contender, and the process's peak RSS before
the runs and after each contender's first run (all contenders and the fakes share this process and
the peak only grows: only the first contender's figure is its own).
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import functools
import logging
import os
import platform
import resource
import statistics
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
from cryptography.fernet import Fernet
from telegram import Bot, Update
from telegram.ext import Application, ContextTypes, MessageHandler, filters

from bench.ptb_menu import SqliteConversations, menu_application
from bench.server_thread import ServerInThread
from bot.serve import serving
from bot.settings import Settings, load_settings
from tests.fake_telegram import FakeTelegram

__all__ = ["main"]

WEBHOOK_CONNECTIONS = 40


class FakeInThread(ServerInThread[FakeTelegram]):
    """The fake Bot API server on a thread of its own."""

    def __init__(self) -> None:
        super().__init__(FakeTelegram)

    def push_backlog(self, updates: Sequence[dict[str, Any]]) -> None:
        self.loop.call_soon_threadsafe(self.fake.push, *updates)

    def replies(self) -> int:
        return len(self.fake.state.messages)


@dataclass(frozen=True, slots=True)
class Load:
    """Update ids rise in the order Telegram sends them: the warm-up's first, then the backlog's."""

    warm_up: list[dict[str, Any]]
    backlog: list[dict[str, Any]]


def make_load(server: FakeInThread, updates: int, chats: int) -> Load:
    fake = server.fake
    warm_up = [fake.text_update(999_000 + n, "halo") for n in range(20)]
    return Load(warm_up, [fake.text_update(1000 + n % chats, "halo") for n in range(updates)])


async def until_replies(server: FakeInThread, count: int, within: float = 600.0) -> None:
    deadline = time.monotonic() + within
    while server.replies() < count:
        if time.monotonic() > deadline:
            raise TimeoutError(f"{server.replies()} of {count} replies after {within} s")
        await asyncio.sleep(0.002)


def jaring_settings(data_dir: Path, server: FakeInThread, webhook_port: int | None = None) -> Settings:
    os.environ["JARING_DATA_DIR"] = str(data_dir)
    os.environ["JARING_SECRET_KEY"] = Fernet.generate_key().decode()
    os.environ.pop("DATABASE_URL", None)
    webhook = {}
    if webhook_port is not None:
        webhook = {
            "telegram_webhook_url": f"http://127.0.0.1:{webhook_port}/webhook/telegram",
            "telegram_webhook_secret": "bench-secret",
        }
    return load_settings().model_copy(
        update={
            "telegram_bot_token": server.fake.token,
            "telegram_api_base": server.fake.url,
            "telegram_webhook_url": "",
            "telegram_webhook_secret": "",
            "telegram_messages_per_second": 1_000_000.0,
            "telegram_messages_per_second_per_chat": 1_000_000.0,
            "flood_messages": 1000,  # the flood rule (tests/test_flood.py) out of the way of a benchmark
            **webhook,
        }
    )


@contextlib.asynccontextmanager
async def temporary_folder() -> AsyncIterator[Path]:
    with tempfile.TemporaryDirectory(prefix="jaring-bench-") as folder:
        yield Path(folder)


async def jaring_polling(server: FakeInThread, load: Load) -> float:
    async with temporary_folder() as folder, serving(jaring_settings(folder, server), host="127.0.0.1", port=0):
        return await timed_backlog(server, load)


async def jaring_webhook(server: FakeInThread, load: Load) -> float:
    port = free_port()
    settings_for = functools.partial(jaring_settings, server=server, webhook_port=port)
    async with temporary_folder() as folder, serving(settings_for(folder), host="127.0.0.1", port=port):
        await warm_up(server, load.warm_up, by_webhook=True)
        expected = server.replies() + len(load.backlog)
        started = time.perf_counter()
        delivering = server.call(deliver_all(server.fake, load.backlog))
        await until_replies(server, expected)
        elapsed = time.perf_counter() - started
        statuses = await asyncio.wrap_future(delivering)
        if set(statuses) != {200}:
            raise RuntimeError(f"webhook answers: {sorted(set(statuses))}")
        return elapsed


async def deliver_all(fake: FakeTelegram, updates: Sequence[dict[str, Any]]) -> list[int]:
    """POST the updates to the webhook, WEBHOOK_CONNECTIONS at a time, as Telegram does."""
    assert fake.state.webhook is not None
    url, secret = fake.state.webhook["url"], fake.state.webhook["secret_token"]
    queue = list(reversed(updates))
    statuses: list[int] = []
    limits = httpx.Limits(max_connections=WEBHOOK_CONNECTIONS)
    async with httpx.AsyncClient(limits=limits, timeout=60) as client:

        async def connection() -> None:
            while queue:
                update = queue.pop()
                response = await client.post(url, json=update, headers={"X-Telegram-Bot-Api-Secret-Token": secret})
                statuses.append(response.status_code)

        await asyncio.gather(*(connection() for _ in range(WEBHOOK_CONNECTIONS)))
    return statuses


async def warm_up(server: FakeInThread, first: Sequence[dict[str, Any]], *, by_webhook: bool = False) -> None:
    """A few updates first, unmeasured: connections opened, caches filled, as in a running bot."""
    expected = server.replies() + len(first)
    if by_webhook:
        await asyncio.wrap_future(server.call(deliver_all(server.fake, first)))
    else:
        server.push_backlog(first)
    await until_replies(server, expected)


async def ptb_loop(server: FakeInThread, load: Load) -> float:
    fake = server.fake
    async with Bot(fake.token, base_url=f"{fake.url}/bot{{token}}") as bot:
        await bot.delete_webhook()
        stop = asyncio.Event()

        async def echo() -> None:
            offset: int | None = None
            while not stop.is_set():
                for update in await bot.get_updates(offset=offset, timeout=1, limit=100):
                    if update.message is not None and update.message.text is not None:
                        await bot.send_message(update.message.chat.id, update.message.text)
                    offset = update.update_id + 1

        running = asyncio.create_task(echo())
        try:
            return await timed_backlog(server, load)
        finally:
            stop.set()
            await running


async def ptb_application(server: FakeInThread, load: Load) -> float:
    fake = server.fake

    async def echo(update: Update, _: ContextTypes.DEFAULT_TYPE) -> None:
        assert update.message is not None
        assert update.message.text is not None
        await update.message.reply_text(update.message.text)

    application = Application.builder().token(fake.token).base_url(f"{fake.url}/bot{{token}}").build()
    application.add_handler(MessageHandler(filters.TEXT, echo))
    async with application:
        await application.start()
        assert application.updater is not None
        await application.updater.start_polling(timeout=1)
        try:
            return await timed_backlog(server, load)
        finally:
            await application.updater.stop()
            await application.stop()


async def ptb_conversation(server: FakeInThread, load: Load) -> float:
    fake = server.fake
    async with temporary_folder() as folder:
        application = menu_application(fake.token, f"{fake.url}/bot{{token}}", folder / "conversations.sqlite")
        async with application:
            await application.start()
            assert application.updater is not None
            await application.updater.start_polling(timeout=1)
            try:
                seconds = await timed_backlog(server, load)
            finally:
                await application.updater.stop()
                await application.stop()
            assert isinstance(application.persistence, SqliteConversations)
            writes = application.persistence.writes
    sent = server.fake.state.messages
    if writes < len(load.warm_up) + len(load.backlog) or not sent[-1].buttons:
        raise RuntimeError(f"ptb conversation: {writes} state writes, last reply {sent[-1].text!r} {sent[-1].buttons}")
    return seconds


async def timed_backlog(server: FakeInThread, load: Load) -> float:
    await warm_up(server, load.warm_up)
    expected = server.replies() + len(load.backlog)
    server.push_backlog(load.backlog)
    started = time.perf_counter()
    await until_replies(server, expected)
    return time.perf_counter() - started


def free_port() -> int:
    import socket

    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


Contender = Callable[[FakeInThread, Load], Awaitable[float]]
CONTENDERS: dict[str, Contender] = {
    "jaring polling": jaring_polling,
    "jaring webhook": jaring_webhook,
    "ptb loop": ptb_loop,
    "ptb Application": ptb_application,
    "ptb conversation": ptb_conversation,
}
JARING = ("jaring polling", "jaring webhook")
PTB = {  # the PTB contenders, and what each one is in the table
    "ptb loop": "bare getUpdates loop",
    "ptb Application": "bare echo",
    "ptb conversation": "ConversationHandler, durable",
}


@dataclass(frozen=True, slots=True)
class Options:
    updates: int
    chats: int
    repeat: int
    only: tuple[str, ...]


@dataclass(frozen=True, slots=True)
class Measured:
    rates: dict[str, list[float]]  # updates/s of each run, by contender
    rss_before: float  # peak RSS (MB) before the first run: imports, the interpreter
    rss_after_first: dict[str, float]  # peak RSS (MB) once the contender's first run ended


async def measure(options: Options) -> Measured:
    rates: dict[str, list[float]] = {name: [] for name in options.only}
    before, after_first = peak_rss_mb(), dict[str, float]()
    for _ in range(options.repeat):
        for name in options.only:
            with FakeInThread() as server:  # a fresh fake each run: no backlog or history carried over
                seconds = await CONTENDERS[name](server, make_load(server, options.updates, options.chats))
            rates[name].append(options.updates / seconds)
            after_first.setdefault(name, peak_rss_mb())
    return Measured(rates, before, after_first)


def report(options: Options, measured: Measured) -> None:
    print("Telegram throughput — updates handled end to end (update in → reply delivered at the fake)")
    print(f"  Python {platform.python_version()}, {os.cpu_count()} CPUs; fake Bot API server on 127.0.0.1 (own thread)")
    print(f"  backlog {options.updates} updates from {options.chats} chats; median of {options.repeat} run(s)")
    medians = {name: statistics.median(values) for name, values in measured.rates.items()}
    for name, values in measured.rates.items():
        spread = f"(min {min(values):.0f}, max {max(values):.0f})" if len(values) > 1 else ""
        print(f"  {name:16} {medians[name]:8.0f} updates/s {spread}")
    for ours in JARING:
        for theirs, what in PTB.items():
            if ours in medians and theirs in medians:
                print(f"  {ours} / {theirs} ({what}): {medians[ours] / medians[theirs]:.2f}")
    marks = ", ".join(f"after the first {name} run {mb:.0f}" for name, mb in measured.rss_after_first.items())
    print(f"  peak RSS of the process, MB (it only grows): before the runs {measured.rss_before:.0f}, {marks}")


def peak_rss_mb() -> float:
    return resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024  # kilobytes on Linux


def parse_options(argv: Sequence[str] | None) -> Options:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--updates", type=int, default=1000, help="updates in the backlog (default 1000)")
    parser.add_argument("--chats", type=int, default=200, help="distinct chats they come from (default 200)")
    parser.add_argument("--repeat", type=int, default=3, help="runs per contender (default 3)")
    parser.add_argument("--only", action="append", choices=list(CONTENDERS), help="run only these (repeatable)")
    args = parser.parse_args(argv)
    return Options(args.updates, args.chats, args.repeat, tuple(args.only or CONTENDERS))


def main(argv: Sequence[str] | None = None) -> int:
    options = parse_options(argv)
    logging.basicConfig(level=logging.WARNING)
    logging.getLogger("httpx").setLevel(logging.WARNING)
    report(options, asyncio.run(measure(options)))
    return 0


if __name__ == "__main__":
    sys.exit(main())
