"""PostgreSQL restarting under a running `jaring serve`, and `jaring serve` started before PostgreSQL.

The bot reaches the real PostgreSQL through a TCP proxy (tests/tcp_proxy.py). A restart, as clients
see it: every backend terminated (`pg_terminate_backend`), every connection dropped, connecting refused
for a few seconds, then accepted again. Meanwhile people keep writing through the WhatsApp webhook, and
the fake platform delivers again whatever was refused, as Meta does. Afterwards every message was
handled once, and each person got exactly the replies, in order, that a person who wrote the same
before the restart got."""

from __future__ import annotations

import asyncio
import contextlib
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import httpx
import pytest
from sqlalchemy import func, select
from sqlalchemy.engine import make_url

from bot.serve import serving
from bot.settings import Settings
from db import migrate
from db.connection import Store
from db.models import InboxMessage, OutboxMessage
from tests.fake_whatsapp import FakeGraph
from tests.postgres_databases import postgres_database
from tests.serve_support import command_env, jaring_serve, stop_cleanly, whatsapp_env
from tests.tcp_proxy import TcpProxy
from tests.telegram_support import free_port
from tests.waiting import wait_until
from tests.whatsapp_support import fake_graph, whatsapp_settings

pytestmark = pytest.mark.postgres

SCRIPT = ("halo", "bahasa", "menu", "bantuan", "bahasa", "menu", "bantuan", "menu")
PEOPLE = [f"62812000000{n:02d}" for n in range(8)]
CONTROL = "6281299999999"
OUTAGE_SECONDS = 3.0


@contextlib.asynccontextmanager
async def database_behind_a_proxy(request: pytest.FixtureRequest) -> AsyncIterator[tuple[str, str, TcpProxy]]:
    """A new, migrated database: its direct URL, the URL through the proxy, and the proxy (listening)."""
    async with postgres_database(request) as direct:
        store = Store.from_url(direct)
        await migrate.upgrade(store.engine)
        await store.close()
        url = make_url(direct)
        proxy = TcpProxy(url.host or "127.0.0.1", url.port or 5432)
        await proxy.listen()
        try:
            yield direct, url.set(host="127.0.0.1", port=proxy.port).render_as_string(hide_password=False), proxy
        finally:
            await proxy.close()


async def terminate_backends(direct: str) -> int:
    """What PostgreSQL does to its clients when it shuts down: every session of the database ended."""
    url = make_url(direct)
    admin = await asyncpg.connect(host=url.host, port=url.port or 5432, user=url.username, database=url.database)
    try:
        ended = await admin.fetch(
            "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1 AND pid <> pg_backend_pid()",
            url.database,
        )
    finally:
        await admin.close()
    return len(ended)


async def deliver_until_taken(fake: FakeGraph, wa_id: str, text: str, refused: list[int]) -> None:
    """One message, delivered again after every refusal (a 5xx, or no answer at all) until it is taken."""
    payload = fake.text(wa_id, text)  # one wamid for every delivery of it, as Meta keeps it
    while True:
        try:
            status = await fake.deliver(payload)
        except httpx.HTTPError:
            status = 0
        if status == 200:
            return
        assert status == 0 or status >= 500, f"a refused webhook must be a 5xx, not {status}"
        refused.append(status)
        await asyncio.sleep(0.2)


def texts(fake: FakeGraph, wa_id: str) -> list[tuple[str, str]]:
    return [(sent.type, sent.text) for sent in fake.sent_to(wa_id)]


async def settled(store_url: str) -> tuple[int, int, int, int]:
    """(messages in the inbox, of which failed, replies still open, replies sent), read directly."""
    store = Store.from_url(store_url)
    try:
        async with store.transaction() as session:
            inbox = (await session.execute(select(func.count()).select_from(InboxMessage))).scalar_one()
            failed = (
                await session.execute(
                    select(func.count()).select_from(InboxMessage).where(InboxMessage.status == "failed")
                )
            ).scalar_one()
            open_rows = (
                await session.execute(
                    select(func.count())
                    .select_from(OutboxMessage)
                    .where(OutboxMessage.status.in_(("pending", "sending")))
                )
            ).scalar_one()
            sent = (
                await session.execute(
                    select(func.count()).select_from(OutboxMessage).where(OutboxMessage.status == "sent")
                )
            ).scalar_one()
    finally:
        await store.close()
    return inbox, failed, open_rows, sent


async def restart(proxy: TcpProxy, direct: str) -> int:
    """PostgreSQL restarting: it stops accepting, ends every session, and is back a few seconds later.
    Returns how many of the bot's sessions it ended."""
    proxy.refuse()
    ended = await terminate_backends(direct)
    proxy.cut()
    await asyncio.sleep(OUTAGE_SECONDS)
    await proxy.listen()
    return ended


async def sessions_ended(_proxy: TcpProxy, direct: str) -> int:
    """Sessions ended again and again while the server keeps accepting (an administrator, a failover
    proxy): a transaction under way fails, and the next one gets a new connection at once (often before a
    webhook notices: none may be refused). Returns how many of the bot's sessions it ended."""
    ended = 0
    for _ in range(40):
        ended += await terminate_backends(direct)
        await asyncio.sleep(0.05)
    return ended


OUTAGES = {"restart": restart, "sessions ended": sessions_ended}


@pytest.mark.parametrize(
    "outage",
    [
        "restart",
        "sessions ended",
    ],
)
async def test_postgresql_going_away_mid_run_loses_and_repeats_nothing(
    request: pytest.FixtureRequest, settings: Settings, outage: str
) -> None:
    async with database_behind_a_proxy(request) as (direct, proxied, proxy), fake_graph() as fake:
        port = free_port()
        served = whatsapp_settings(settings, fake, port=port).model_copy(update={"database_url": proxied})
        async with serving(served, host="127.0.0.1", port=port) as service:
            refused: list[int] = []
            for text in SCRIPT:  # the control: what one person gets for the script, nothing disturbed
                await deliver_until_taken(fake, CONTROL, text, refused)
            await wait_until(lambda: len(fake.sent_to(CONTROL)) >= len(SCRIPT), "the control's replies", 30)
            await asyncio.sleep(0.5)  # anything more it would get (it gets none) arrives meanwhile
            expected = texts(fake, CONTROL)
            assert refused == []

            delivered = 0
            over = asyncio.Event()
            ended = 0

            async def converse(wa_id: str) -> None:
                """The script, the last message only once the outage is over: the outage falls in the
                middle of every conversation, however fast the bot answers the rest."""
                nonlocal delivered
                for n, text in enumerate(SCRIPT):
                    if n == len(SCRIPT) - 1:
                        await over.wait()
                    await deliver_until_taken(fake, wa_id, text, refused)
                    delivered += 1
                    await asyncio.sleep(0.15)

            async def disturb() -> None:
                nonlocal ended
                await wait_until(lambda: delivered >= len(PEOPLE) * 2, "conversations under way", 30)
                ended = await OUTAGES[outage](proxy, direct)
                over.set()

            async with asyncio.timeout(120):
                await asyncio.gather(*(converse(wa_id) for wa_id in PEOPLE), disturb())
                assert ended >= 1, "the outage ended the bot's sessions"
                if outage == "restart":  # 3 s of refused connections: what arrived meanwhile was refused
                    assert refused, "some webhooks arrived while the database was away, and were refused"
                for _ in range(600):  # every reply is queued by now: until each is sent (or sent twice)
                    inbox, failed, open_rows, sent = await settled(direct)
                    if not open_rows:
                        break
                    await asyncio.sleep(0.1)

            assert not open_rows, "every reply sent"
            assert failed == 0, "no message taken for a failed step"
            assert inbox == len(SCRIPT) * (len(PEOPLE) + 1), "every message recorded once"
            assert sent == len(expected) * (len(PEOPLE) + 1)
            for wa_id in PEOPLE:
                assert texts(fake, wa_id) == expected, f"{wa_id}: every reply once, in order"
            assert not [task.get_name() for task in service.tasks if task.done()], "every loop lived through it"
            await deliver_until_taken(fake, CONTROL, "menu", refused)  # and the bot still answers
            await wait_until(lambda: len(fake.sent_to(CONTROL)) > len(expected), "a reply after the restart", 30)


@pytest.mark.slow
async def test_serve_waits_for_a_database_that_comes_up_later(request: pytest.FixtureRequest, tmp_path: Path) -> None:
    async with database_behind_a_proxy(request) as (_, proxied, proxy), fake_graph() as fake:
        proxy.refuse()  # PostgreSQL not up yet
        port = free_port()
        fake.webhook_url = f"http://127.0.0.1:{port}/webhook/whatsapp"
        env = command_env(
            tmp_path,
            DATABASE_URL=proxied.replace("postgres@", "postgres:s3cret-pw@"),
            JARING_DATABASE_WAIT_SECONDS="60",
            **whatsapp_env(fake),
            JARING_PORT=str(port),
        )
        lines: list[str] = []
        async with jaring_serve(env, tmp_path) as process:
            assert process.stderr is not None
            async with asyncio.timeout(60):
                while len([line for line in lines if "database not reachable" in line]) < 2:
                    lines.append((await process.stderr.readline()).decode())
            await proxy.listen()  # PostgreSQL is up
            status = 0
            async with asyncio.timeout(60):
                while status != 200:
                    with contextlib.suppress(httpx.HTTPError):
                        status = await fake.deliver(fake.text(PEOPLE[0], "halo"))
                    await asyncio.sleep(0.2)
                await wait_until(lambda: fake.sent_to(PEOPLE[0]), "the first reply", 30)
            await stop_cleanly(process)
        assert process.stderr is not None
        lines.append((await process.stderr.read()).decode())
    log = "".join(lines)
    waiting = [line for line in log.splitlines() if "database not reachable" in line]
    shown = f"postgresql://postgres:***@127.0.0.1:{proxy.port}/"
    assert all(shown in line and "(ConnectionRefusedError); trying again in" in line for line in waiting), waiting
    assert "s3cret-pw" not in log
    assert "Traceback" not in log
    assert "serving whatsapp" in log
