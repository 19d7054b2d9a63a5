"""The webhooks under abuse, over real HTTP on 127.0.0.1 against the web app `jaring serve` runs, with
both webhooks (Telegram's and WhatsApp's) in it: clients that hang up mid-body, a body trickled in
slowly, JSON nested deep with a valid signature or secret, early answers, too many connections.
Raw asyncio sockets play the misbehaving clients; the fakes play Telegram and Meta."""

from __future__ import annotations

import asyncio
import contextlib
import io
import json
import logging
import time
from collections.abc import AsyncIterator, Iterator, Mapping
from contextlib import asynccontextmanager
from pathlib import Path

import httpx
import pytest
from starlette.requests import Request
from starlette.responses import Response
from starlette.routing import Route

from bot.channels.web import create_web_app
from bot.serve import WEB_MAX_CONCURRENCY, Service, serving
from bot.settings import Settings
from db.connection import Store
from db.models import Contact, InboxMessage, OutboxMessage
from handlers.webhook_requests import BODY_DEADLINE_SECONDS, MAX_JSON_DEPTH, BodyNotRead, json_object
from tests.fake_telegram import FakeTelegram
from tests.fake_whatsapp import FakeGraph
from tests.telegram_support import count_rows, fake_server, free_port, telegram_settings, use_migrated_database
from tests.whatsapp_support import fake_graph, replies, whatsapp_settings

WA = "6281234567890"
WHATSAPP = "/webhook/whatsapp"
TELEGRAM = "/webhook/telegram"
SECRET_NAME = "X-Telegram-Bot-Api-Secret-Token"
SECRET = {SECRET_NAME: "rahasia-123_ABC"}  # what telegram_settings registers
LOG_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"  # as bot.logging_setup writes it


@pytest.fixture
async def fakes(settings: Settings) -> AsyncIterator[tuple[FakeGraph, FakeTelegram]]:
    await use_migrated_database(settings)
    async with fake_graph() as graph, fake_server() as telegram:
        yield graph, telegram


@pytest.fixture
def log_output() -> Iterator[io.StringIO]:
    """Every log record at INFO and above (`jaring serve`'s default level), formatted as in production."""
    stream = io.StringIO()
    handler = logging.StreamHandler(stream)
    handler.setFormatter(logging.Formatter(LOG_FORMAT))
    root = logging.getLogger()
    level = root.level
    root.addHandler(handler)
    root.setLevel(logging.INFO)
    try:
        yield stream
    finally:
        root.removeHandler(handler)
        root.setLevel(level)


@asynccontextmanager
async def both_webhooks(
    settings: Settings,
    graph: FakeGraph,
    telegram: FakeTelegram,
    *,
    body_deadline_seconds: float = BODY_DEADLINE_SECONDS,
) -> AsyncIterator[Service]:
    """`jaring serve` with both webhooks, on a free port of 127.0.0.1."""
    port = free_port()
    both = telegram_settings(whatsapp_settings(settings, graph, port=port), telegram, webhook_port=port)
    async with serving(both, host="127.0.0.1", port=port, body_deadline_seconds=body_deadline_seconds) as service:
        assert sorted(c.name for c in service.channels) == ["telegram", "whatsapp"]
        yield service


async def nothing_stored(service: Service) -> bool:
    for model in (InboxMessage, Contact, OutboxMessage):
        if await count_rows(service.jaring.store, model):
            return False
    return True


def request_head(path: str, content_length: int, headers: Mapping[str, str] | None = None) -> bytes:
    lines = [
        f"POST {path} HTTP/1.1",
        "Host: 127.0.0.1",
        "Content-Type: application/json",
        f"Content-Length: {content_length}",
        *(f"{name}: {value}" for name, value in (headers or {}).items()),
    ]
    return ("\r\n".join(lines) + "\r\n\r\n").encode()


@asynccontextmanager
async def connected(port: int) -> AsyncIterator[tuple[asyncio.StreamReader, asyncio.StreamWriter]]:
    """A raw TCP connection to 127.0.0.1:`port`, closed at the end of the block."""
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    try:
        yield reader, writer
    finally:
        writer.close()
        with contextlib.suppress(OSError):  # the server may have reset it
            await writer.wait_closed()


async def hang_up(port: int, path: str, headers: Mapping[str, str] | None = None) -> None:
    """Announce 100 000 bytes of body, send 1 000 of them, and close the connection."""
    async with connected(port) as (_, writer):
        writer.write(request_head(path, 100_000, headers) + b'{"entry": [' + b" " * 989)
        await writer.drain()


async def written_after(stream: io.StringIO, start: int, lines: int, within: float = 5.0) -> str:
    """What the log got after offset `start`, once that is `lines` lines, or nothing more has come for
    half a second."""
    deadline = time.monotonic() + within
    last, quiet_since = -1, time.monotonic()
    while time.monotonic() < deadline:
        written = stream.getvalue()[start:]
        if written.count("\n") >= lines:
            break
        if len(written) != last:
            last, quiet_since = len(written), time.monotonic()
        elif time.monotonic() - quiet_since > 0.5:
            break
        await asyncio.sleep(0.02)
    return stream.getvalue()[start:]


async def until_closed(reader: asyncio.StreamReader, within: float = 2.0) -> bytes:
    """All the server sends until it closes the connection (fails if it does not within `within`)."""
    async with asyncio.timeout(within):
        return await reader.read()


def nested(depth: int) -> bytes:
    return b"[" * depth + b"]" * depth


async def test_a_flood_of_hang_ups_mid_body_is_one_short_line_each(
    fakes: tuple[FakeGraph, FakeTelegram], settings: Settings, log_output: io.StringIO
) -> None:
    graph, telegram = fakes
    async with both_webhooks(settings, graph, telegram) as service:
        port = service.port
        start = len(log_output.getvalue())
        for _ in range(20):  # uvicorn would log two warnings for each, were they not filtered out
            async with connected(port) as (reader, writer):
                writer.write(
                    b"GET /healthz HTTP/1.1\r\nHost: x\r\nConnection: Upgrade, close\r\nUpgrade: websocket\r\n\r\n"
                )
                assert (await until_closed(reader)).startswith(b"HTTP/1.1 200 ")
        hang_ups = 200
        for _ in range(hang_ups // 20):  # 20 at a time: below the concurrency limit, which has a test of its own
            await asyncio.gather(
                *(hang_up(port, WHATSAPP) for _ in range(10)), *(hang_up(port, TELEGRAM, SECRET) for _ in range(10))
            )
        written = await written_after(log_output, start, hang_ups)

        assert "Traceback" not in written
        assert " ERROR " not in written
        assert written.count("\n") <= hang_ups  # at most one line a hang-up, none for an upgrade asked for
        assert len(written.encode()) / hang_ups < 200, written[:1000]
        assert written.count(f"{WHATSAPP}: client went away after ") == hang_ups // 2
        assert written.count(f"{TELEGRAM}: client went away after ") == hang_ups // 2
        assert '{"entry"' not in written  # nothing of the body
        assert await nothing_stored(service)

        # Still serving, both webhooks.
        assert await graph.deliver(graph.text(WA, "halo")) == 200
        assert await telegram.deliver(telegram.text_update(42, "halo")) == 200
        await replies(graph, WA, 1)


async def test_a_body_trickled_in_gets_408_at_the_deadline_and_the_connection_closes(
    fakes: tuple[FakeGraph, FakeTelegram], settings: Settings, log_output: io.StringIO
) -> None:
    graph, telegram = fakes
    deadline = 1.0
    async with both_webhooks(settings, graph, telegram, body_deadline_seconds=deadline) as service:
        port = service.port
        payload = json.dumps(graph.text(WA, "halo")).encode()
        update = json.dumps(telegram.text_update(42, "halo")).encode()

        async def trickle(path: str, body: bytes, headers: Mapping[str, str]) -> tuple[bytes, float]:
            """Send `body` a byte a second (3 at most); what the server answered, and when. The bytes go
            at 0.5 s, 1.5 s…: never just as the server hangs up (that would reset the connection)."""
            async with connected(port) as (reader, writer):
                started = time.monotonic()
                writer.write(request_head(path, len(body), headers))
                answer = asyncio.create_task(reader.read(65536))
                pause = 0.5
                for byte in body[:3]:
                    await asyncio.wait({answer}, timeout=pause)
                    if answer.done():
                        break
                    writer.write(bytes([byte]))
                    await writer.drain()
                    pause = 1.0
                else:
                    await asyncio.wait({answer}, timeout=pause)
                if not answer.done():
                    answer.cancel()
                    return b"no answer", time.monotonic() - started
                response = await answer
                took = time.monotonic() - started
                response += await until_closed(reader)  # it hangs up: the rest of the body is not waited for
                return response, took

        (whatsapp, whatsapp_took), (telegram_answer, telegram_took) = await asyncio.gather(
            trickle(WHATSAPP, payload, {"X-Hub-Signature-256": graph.signature(payload)}),
            trickle(TELEGRAM, update, SECRET),
        )
        for response, took in ((whatsapp, whatsapp_took), (telegram_answer, telegram_took)):
            assert response.startswith(b"HTTP/1.1 408 ")
            assert b"\r\nconnection: close\r\n" in response.lower()
            assert response.endswith(b'{"ok":false,"error":"body not received in time"}')
            assert deadline <= took < deadline + 1.0

        written = log_output.getvalue()
        assert "Traceback" not in written
        assert written.count("body not received within 1s") == 2
        assert '"halo"' not in written
        assert await nothing_stored(service)


async def test_deeply_nested_json_with_a_valid_signature_or_secret_gets_400(
    fakes: tuple[FakeGraph, FakeTelegram], settings: Settings, log_output: io.StringIO
) -> None:
    graph, telegram = fakes
    async with (
        both_webhooks(settings, graph, telegram) as service,
        httpx.AsyncClient(base_url=f"http://127.0.0.1:{service.port}") as client,
    ):
        deepest = b'{"entry":' + nested(100_000) + b"}"  # far past the interpreter's recursion limit
        deeper = b'{"entry":' + nested(MAX_JSON_DEPTH) + b"}"  # parses, but one level past the limit

        async def whatsapp(body: bytes, signature: str | None = None) -> httpx.Response:
            signed = graph.signature(body) if signature is None else signature
            return await client.post(WHATSAPP, content=body, headers={"X-Hub-Signature-256": signed})

        for body in (deepest, deeper):
            answer = await whatsapp(body)
            assert (answer.status_code, answer.json()) == (400, {"ok": False, "error": "body nested too deeply"})
        assert (await whatsapp(deepest, signature="sha256=" + "0" * 64)).status_code == 401  # checked first

        for body in (deepest, deeper):
            answer = await client.post(TELEGRAM, content=body, headers=SECRET)
            assert answer.status_code == 400
            assert answer.json()["ok"] is False
        assert (await client.post(TELEGRAM, content=deepest, headers={SECRET_NAME: "tebakan"})).status_code == 401

        assert await nothing_stored(service)
        assert await graph.deliver(graph.text(WA, "halo")) == 200  # a real payload still goes through
    written = log_output.getvalue()
    assert "Traceback" not in written
    assert "RecursionError" not in written
    assert " ERROR " not in written


async def test_an_answer_before_the_body_is_read_closes_the_connection(
    fakes: tuple[FakeGraph, FakeTelegram], settings: Settings, log_output: io.StringIO
) -> None:
    """Otherwise the client could go on trickling the rest of the body into the open connection."""
    graph, telegram = fakes
    async with both_webhooks(settings, graph, telegram) as service:
        port = service.port
        # Telegram's secret is checked before the body is read.
        async with connected(port) as (reader, writer):
            writer.write(request_head(TELEGRAM, 100_000, {SECRET_NAME: "tebakan"}) + b"{" * 100)
            await writer.drain()
            response = await until_closed(reader)
        assert response.startswith(b"HTTP/1.1 401 ")
        assert b"\r\nconnection: close\r\n" in response.lower()

        # A declared body over the cap: 413 before any of it is read.
        async with connected(port) as (reader, writer):
            writer.write(request_head(WHATSAPP, 50_000_000) + b"{" * 100)
            await writer.drain()
            response = await until_closed(reader)
        assert response.startswith(b"HTTP/1.1 413 ")
        assert b"\r\nconnection: close\r\n" in response.lower()

        async with httpx.AsyncClient() as client:  # a request read in full keeps its connection
            health = await client.get(f"http://127.0.0.1:{port}/healthz")
        assert "connection" not in health.headers
    assert "Traceback" not in log_output.getvalue()


async def test_past_the_concurrency_limit_uvicorn_answers_503_at_once(
    fakes: tuple[FakeGraph, FakeTelegram], settings: Settings
) -> None:
    graph, telegram = fakes
    async with both_webhooks(settings, graph, telegram) as service, httpx.AsyncClient() as client:
        url = f"http://127.0.0.1:{service.port}/healthz"
        async with contextlib.AsyncExitStack() as held:  # idle connections, as many as the limit
            for _ in range(WEB_MAX_CONCURRENCY):
                await held.enter_async_context(connected(service.port))
            assert await status_soon(client, url, 503)
        assert await status_soon(client, url, 200)


async def status_soon(client: httpx.AsyncClient, url: str, status: int, within: float = 3.0) -> bool:
    deadline = time.monotonic() + within
    while time.monotonic() < deadline:
        if (await client.get(url)).status_code == status:
            return True
        await asyncio.sleep(0.05)
    return False


async def test_an_unexpected_error_is_one_error_record_without_its_message(
    caplog: pytest.LogCaptureFixture, tmp_path: Path
) -> None:
    """An exception's message may quote the body (personal data): the log gets its type and where it
    happened, the caller a 500."""

    async def broken(request: Request) -> Response:
        raise ValueError(f"cannot use {(await request.body())!r}")

    store = Store.from_url(f"sqlite+aiosqlite:///{tmp_path / 'unused.db'}")  # never opened
    app = create_web_app(store, [], [Route("/broken", broken, methods=["POST"])])
    try:
        async with httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url="http://jaring") as client:
            answer = await client.post("/broken", content=b'{"nik": "3171234567890123"}')
    finally:
        await store.close()
    assert (answer.status_code, answer.json()) == (500, {"ok": False, "error": "internal error"})
    [record] = [r for r in caplog.records if r.levelno >= logging.ERROR]
    logged = logging.Formatter(LOG_FORMAT).format(record)
    assert "POST /broken failed: ValueError" in logged
    assert "in broken" in logged  # where it happened
    assert "3171" not in logged  # the message, which quotes the body, is not there: only code lines
    assert '"nik"' not in logged


@pytest.mark.parametrize(
    ("body", "reason"),
    [
        (b"[]", "body is not a JSON object"),
        (b"not json", "body is not JSON"),
        (b"\xff\xfe", "body is not JSON"),
        (b'{"a":' + nested(MAX_JSON_DEPTH) + b"}", "body nested too deeply"),
        (b'{"a":' + nested(100_000) + b"}", "body nested too deeply"),
    ],
)
def test_json_object_refuses_with_400(body: bytes, reason: str) -> None:
    with pytest.raises(BodyNotRead) as refused:
        json_object(body)
    assert (refused.value.status_code, refused.value.detail) == (400, reason)


def test_json_object_takes_nesting_up_to_the_limit() -> None:
    deepest_allowed = b'{"a":' + nested(MAX_JSON_DEPTH - 1) + b', "b": {"c": [1, "x"]}}'
    assert set(json_object(deepest_allowed)) == {"a", "b"}
