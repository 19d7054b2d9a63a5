"""Helpers for the Telegram tests: the fake Bot API server, settings pointing at it, and waiting."""

from __future__ import annotations

import asyncio
import shutil
import socket
import tempfile
import time
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from pathlib import Path

from sqlalchemy import func, select

from bot.app import Jaring
from bot.channels.telegram import TelegramChannel
from bot.inbound.pipeline import InboundHandler
from bot.outbound.outbox_worker import RetryPolicy
from bot.settings import Settings
from db import migrate
from db.connection import Store
from db.models import Contact, InboxMessage, OutboxMessage
from handlers.telegram import Pacer, Rate, TelegramClient
from tests.conftest import FixedClock
from tests.fake_telegram import FakeTelegram, Sent

__all__ = [
    "count_rows",
    "fake_server",
    "free_port",
    "outbox_rows",
    "replies",
    "sent_rows",
    "telegram_settings",
    "use_migrated_database",
]


_template: list[Path] = []  # one migrated SQLite file per test run


async def use_migrated_database(settings: Settings) -> None:
    """Put a migrated copy of an empty database where `settings` looks: copying it is quicker than
    running the migrations for every test (start-up then finds the schema current)."""
    if not _template:
        path = Path(tempfile.mkdtemp(prefix="jaring-template-")) / "jaring.db"
        store = Store.from_url(f"sqlite+aiosqlite:///{path}")
        await migrate.upgrade(store.engine)
        await store.close()
        _template.append(path)
    target = settings.data_dir / "jaring.db"
    if not target.exists():  # never under a database that is open already
        settings.data_dir.mkdir(parents=True, exist_ok=True)
        shutil.copyfile(_template[0], target)


@asynccontextmanager
async def fake_server() -> AsyncIterator[FakeTelegram]:
    fake = FakeTelegram()
    await fake.start()
    try:
        yield fake
    finally:
        await fake.close()


def telegram_settings(settings: Settings, fake: FakeTelegram, *, webhook_port: int | None = None) -> Settings:
    """`settings` with Telegram pointed at the fake: polling, or a webhook on 127.0.0.1:`webhook_port`."""
    webhook = {}
    if webhook_port is not None:
        webhook = {
            "telegram_webhook_url": f"http://127.0.0.1:{webhook_port}/webhook/telegram",
            "telegram_webhook_secret": "rahasia-123_ABC",
        }
    return settings.model_copy(
        update={
            "telegram_bot_token": fake.token,
            "telegram_api_base": fake.url,
            "telegram_webhook_url": "",
            "telegram_webhook_secret": "",
            **webhook,
        }
    )


def free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


async def replies(fake: FakeTelegram, chat_id: int, count: int, within: float = 5.0) -> list[Sent]:
    """The first `count` messages the bot sent to `chat_id`, once they have all arrived."""
    await fake.wait_for(lambda: len(fake.sent_to(chat_id)) >= count, f"{count} message(s) to chat {chat_id}", within)
    return fake.sent_to(chat_id)[:count]


async def sent_rows(store: Store, count: int) -> Sequence[OutboxMessage]:
    """The outbox once at least `count` messages in it are recorded as sent."""
    deadline = time.monotonic() + 5.0
    while len([row for row in await outbox_rows(store) if row.status == "sent"]) < count:
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for {count} sent message(s) in the outbox")
        await asyncio.sleep(0.01)
    return await outbox_rows(store)


def make_channel(
    jaring: Jaring,
    fake: FakeTelegram,
    clock: FixedClock,
    *,
    pipeline: InboundHandler | None = None,
    retry: RetryPolicy | None = None,
    poll_limit: int = 100,
) -> TelegramChannel:
    """A Telegram channel on the fixed clock (its pacer too), without the rest of `jaring serve`.
    Its pacer lets bursts through (pacing has tests of its own), but a 429 still pauses it."""
    pacer = Pacer(Rate(1000.0, 100), Rate(1000.0, 100), monotonic=lambda: clock().timestamp())
    return TelegramChannel(
        TelegramClient(fake.token, fake.url),
        pipeline or jaring.pipeline,
        clock=clock,
        pacer=pacer,
        backoff=(retry or RetryPolicy()).backoff,
        poll_timeout=1,
        poll_limit=poll_limit,
        retry_pause_seconds=0.01,
    )


@asynccontextmanager
async def started(channel: TelegramChannel) -> AsyncIterator[TelegramChannel]:
    await channel.start()
    try:
        yield channel
    finally:
        await channel.close()


async def count_rows(store: Store, model: type[InboxMessage | OutboxMessage | Contact]) -> int:
    async with store.transaction() as session:
        return int((await session.execute(select(func.count()).select_from(model))).scalar_one())


async def outbox_rows(store: Store) -> Sequence[OutboxMessage]:
    async with store.transaction() as session:
        return list((await session.execute(select(OutboxMessage).order_by(OutboxMessage.id))).scalars())
