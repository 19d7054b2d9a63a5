"""GET /healthz says what is wrong: over real HTTP, `jaring serve` with the fake platforms, and a web
app whose database is gone."""

from __future__ import annotations

import asyncio
import itertools
import re
import time
from collections.abc import AsyncIterator

import asyncpg
import httpx
import pytest
from sqlalchemy import event, select
from sqlalchemy.engine import make_url

from bot.channels.health import OLDEST_WAITING_LIMIT_SECONDS
from bot.channels.web import HEALTH_READ_EVERY_SECONDS, create_web_app
from bot.serve import serving
from bot.settings import Settings
from db.connection import Store
from db.models import OutboxMessage
from db.repositories.outbox import PRIORITY_BROADCAST
from tests.conftest import POSTGRES_URL
from tests.fake_telegram import FakeTelegram
from tests.fake_whatsapp import FakeGraph
from tests.operations_support import figure, queue_waiting, scrape, served
from tests.postgres_databases import postgres_database
from tests.telegram_support import fake_server, free_port, telegram_settings, use_migrated_database
from tests.whatsapp_support import fake_graph, whatsapp_settings

WA = "6281234567890"
GRAPH_SERVER_ERROR = 131000  # Meta's "something went wrong": sent again later


@pytest.fixture
async def graph(settings: Settings) -> AsyncIterator[FakeGraph]:
    await use_migrated_database(settings)
    async with fake_graph() as server:
        yield server


@pytest.fixture
async def telegram(settings: Settings) -> AsyncIterator[FakeTelegram]:
    await use_migrated_database(settings)
    async with fake_server() as server:
        yield server


async def health(port: int) -> httpx.Response:
    async with httpx.AsyncClient() as client:
        return await client.get(f"http://127.0.0.1:{port}/healthz")


async def test_all_well_is_ok_with_the_figures(graph: FakeGraph, settings: Settings) -> None:
    port = free_port()
    async with serving(whatsapp_settings(settings, graph, port=port), host="127.0.0.1", port=port) as service:
        # An announcement waiting for long is not a problem (a broadcast takes its time), only counted;
        # nor is what waits for a channel this process does not serve.
        graph.fail(GRAPH_SERVER_ERROR, times=None)
        await queue_waiting(service.jaring.store, "whatsapp", WA, age_seconds=900, priority=PRIORITY_BROADCAST)
        await queue_waiting(service.jaring.store, "terminal", "ani", age_seconds=900)
        answer = await health(port)
    assert answer.status_code == 200
    assert answer.json() == {
        "status": "ok",
        "database": "ok",
        "channels": ["whatsapp"],
        "paused_seconds": {"whatsapp": 0.0},
        "outbox": {"due": 0, "oldest_waiting_seconds": 0.0, "announcements_waiting": 1},
        "problems": [],
    }


async def test_a_reply_waiting_too_long_is_degraded_but_still_200(graph: FakeGraph, settings: Settings) -> None:
    port = free_port()
    async with serving(whatsapp_settings(settings, graph, port=port), host="127.0.0.1", port=port) as service:
        graph.fail(GRAPH_SERVER_ERROR, times=None)  # Meta failing: the reply stays in the outbox, tried again
        await queue_waiting(service.jaring.store, "whatsapp", WA, age_seconds=300)
        answer = await health(port)
    assert answer.status_code == 200
    body = answer.json()
    assert body["status"] == "degraded"
    assert body["database"] == "ok"
    assert 300 <= body["outbox"]["oldest_waiting_seconds"] < 400
    assert body["outbox"]["due"] in (0, 1)  # due, or being sent, or (once failed) waiting for its retry
    [problem] = body["problems"]
    assert re.fullmatch(r"oldest waiting message 3\d\d s old", problem)
    assert OLDEST_WAITING_LIMIT_SECONDS < 300


async def test_asked_again_and_again_it_reads_the_database_every_2_s_at_most(
    graph: FakeGraph, settings: Settings
) -> None:
    """/healthz answers anyone: asking it in a loop must not keep SQLite's one connection busy."""
    port = free_port()
    reads: list[float] = []

    def counting(_conn: object, _cursor: object, statement: str, *_: object) -> None:
        if "FROM outbox" in statement and "GROUP BY" in statement:
            reads.append(time.monotonic())

    async with serving(whatsapp_settings(settings, graph, port=port), host="127.0.0.1", port=port) as service:
        event.listen(service.jaring.store.engine.sync_engine, "before_cursor_execute", counting)
        started = time.monotonic()
        async with httpx.AsyncClient() as client:
            answers = [await client.get(f"http://127.0.0.1:{port}/healthz") for _ in range(40)]
            answers += await asyncio.gather(*(client.get(f"http://127.0.0.1:{port}/healthz") for _ in range(20)))
        elapsed = time.monotonic() - started
    assert {a.status_code for a in answers} == {200}
    readings = len(reads) // 2  # each reading is two statements (replies and notifications; announcements)
    assert 1 <= readings <= 1 + elapsed // HEALTH_READ_EVERY_SECONDS
    assert all(b - a >= HEALTH_READ_EVERY_SECONDS for a, b in itertools.pairwise(reads[::2]))


async def test_a_429_pause_is_reported_with_its_length(telegram: FakeTelegram, settings: Settings) -> None:
    port = free_port()
    async with serving(telegram_settings(settings, telegram), host="127.0.0.1", port=port) as service:
        telegram.fail("sendMessage", 429, retry_after=30)
        telegram.push(telegram.text_update(42, "halo"))
        await telegram.wait_for(lambda: telegram.calls_to("sendMessage"), "the send answered 429")
        await _until_tried(service.jaring.store)
        answer = await health(port)
    body = answer.json()
    assert (answer.status_code, body["status"]) == (200, "degraded")
    assert 10 <= body["paused_seconds"]["telegram"] <= 30  # 30 s from the 429, a little gone since
    assert re.fullmatch(r"telegram paused [1-3]\d s by a 429", body["problems"][0])


async def test_a_database_that_does_not_answer_is_503() -> None:
    closed = free_port()  # nothing listens there
    store = Store.from_url(f"postgresql+asyncpg://jaring@127.0.0.1:{closed}/jaring")
    app = create_web_app(store, ["telegram"], [])
    try:
        async with served(app) as port:
            answer = await health(port)
            scraped = await scrape(port)
    finally:
        await store.close()
    assert answer.status_code == 503
    assert answer.json() == {
        "status": "unavailable",
        "database": "unreachable",
        "channels": ["telegram"],
        "paused_seconds": {"telegram": 0.0},
        "problems": ["database unreachable"],
    }
    assert scraped.status_code == 200  # the process's own figures are still there to read
    assert figure(scraped.text, "jaring_database_up") == 0
    assert "jaring_outbox_waiting_messages" not in scraped.text


@pytest.mark.postgres
async def test_a_database_gone_while_serving_is_503_then_ok_again(
    graph: FakeGraph, settings: Settings, request: pytest.FixtureRequest
) -> None:
    """PostgreSQL refusing this database's connections (as during a restart): the pool's connections are
    cut and no new one is let in; once allowed again, the next /healthz is 200."""
    async with postgres_database(request) as url:
        name = make_url(url).database
        server = make_url(POSTGRES_URL)
        postgres = await asyncpg.connect(
            host=server.host, port=server.port or 5432, user=server.username, database=server.database
        )
        try:
            port = free_port()
            served_settings = whatsapp_settings(settings, graph, port=port).model_copy(update={"database_url": url})
            async with serving(served_settings, host="127.0.0.1", port=port):
                assert (await health(port)).status_code == 200
                await postgres.execute(f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS false')
                await postgres.execute(
                    "SELECT pg_terminate_backend(pid) FROM pg_stat_activity WHERE datname = $1", name
                )
                gone = await health_soon(port, 503)  # /healthz reads the database every 2 s at most
                await postgres.execute(f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS true')
                back = await health_soon(port, 200)
        finally:
            await postgres.execute(f'ALTER DATABASE "{name}" WITH ALLOW_CONNECTIONS true')
            await postgres.close()
    assert (gone.status_code, gone.json()["database"]) == (503, "unreachable")
    assert (back.status_code, back.json()["status"]) == (200, "ok")


async def health_soon(port: int, status: int, within: float = 15.0) -> httpx.Response:
    deadline = time.monotonic() + within
    while (answer := await health(port)).status_code != status:
        if time.monotonic() > deadline:
            raise AssertionError(f"/healthz still {answer.status_code} after {within} s: {answer.text}")
        await asyncio.sleep(0.1)
    return answer


async def _until_tried(store: Store) -> None:
    """Until the outbox has answered its first send attempt with a retry (the row back to pending with
    an error recorded)."""
    deadline = time.monotonic() + 10
    while time.monotonic() < deadline:
        async with store.transaction() as session:
            errors = (await session.execute(select(OutboxMessage.last_error))).scalars().all()
        if any(errors):
            return
        await asyncio.sleep(0.02)
    raise AssertionError("no send was tried within 10 s")
