"""The HTTP pool the channels send through (handlers/http_pool.py): a Pemda's server behind a proxy
reaches Telegram and Meta through HTTP_PROXY / HTTPS_PROXY, and NO_PROXY is respected."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator

import aiohttp
import pytest

from handlers.http_pool import UNREACHABLE, HttpPool
from handlers.whatsapp import GraphClient

WAITS = aiohttp.ClientTimeout(sock_connect=2, sock_read=2)


@pytest.fixture
async def proxy() -> AsyncIterator[tuple[str, list[str]]]:
    """A forward proxy that answers every request itself and notes its request line."""
    seen: list[str] = []

    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        head = await reader.readuntil(b"\r\n\r\n")
        seen.append(head.split(b"\r\n", 1)[0].decode())
        length = next(
            (int(line.split(b":")[1]) for line in head.split(b"\r\n") if line.lower().startswith(b"content-length:")),
            0,
        )
        await reader.readexactly(length)
        body = b'{"ok": true}'
        writer.write(
            b"HTTP/1.1 200 OK\r\nConnection: close\r\nContent-Type: application/json\r\nContent-Length: %d\r\n\r\n%s"
            % (len(body), body)
        )
        await writer.drain()
        writer.close()

    server = await asyncio.start_server(answer, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    try:
        yield f"http://127.0.0.1:{port}", seen
    finally:
        server.close()
        await server.wait_closed()


@pytest.fixture
def seen(proxy: tuple[str, list[str]], monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """HTTP_PROXY names the proxy (and nothing else of the machine's own settings counts): what it saw."""
    address, requests = proxy
    _no_proxies(monkeypatch)
    monkeypatch.setenv("HTTP_PROXY", address)
    return requests


async def test_requests_go_through_the_proxy_the_environment_names(seen: list[str]) -> None:
    pool = HttpPool(2)
    try:
        for _ in range(2):
            async with pool.post("http://api.platform.invalid/send", waits=WAITS, json={"text": "halo"}) as response:
                assert (response.status, await response.json()) == (200, {"ok": True})
    finally:
        await pool.aclose()
    assert seen == ["POST http://api.platform.invalid/send HTTP/1.1"] * 2


async def test_a_host_in_no_proxy_is_reached_directly(seen: list[str], monkeypatch: pytest.MonkeyPatch) -> None:
    monkeypatch.setenv("NO_PROXY", "api.platform.invalid")
    pool = HttpPool(1)
    try:
        with pytest.raises(UNREACHABLE):  # .invalid never resolves: the request did not go to the proxy
            async with pool.post("http://api.platform.invalid/send", waits=WAITS, json={}):
                pass
    finally:
        await pool.aclose()
    assert seen == []


@pytest.mark.parametrize("named", ["HTTP_PROXY without its scheme", "ALL_PROXY"])
async def test_a_proxy_named_without_a_scheme_or_for_all_schemes_is_used(
    named: str, proxy: tuple[str, list[str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    address, seen = proxy
    _no_proxies(monkeypatch)
    if named == "ALL_PROXY":
        monkeypatch.setenv("ALL_PROXY", address)
    else:
        monkeypatch.setenv("HTTP_PROXY", address.removeprefix("http://"))  # "127.0.0.1:3128", as curl takes it
    assert await _one_post_through(HttpPool(1)) == 200
    assert seen == ["POST http://api.platform.invalid/send HTTP/1.1"]


async def test_a_closed_pool_refuses_a_late_request_and_opens_nothing(seen: list[str]) -> None:
    pool = HttpPool(1)
    await pool.aclose()
    with pytest.raises(UNREACHABLE):
        async with pool.post("http://api.platform.invalid/send", waits=WAITS, json={}):
            pass
    assert seen == []
    pool.reopen()  # python-telegram-bot's Bot initialised again
    assert await _one_post_through(pool) == 200


async def _one_post_through(pool: HttpPool) -> int:
    """The status of one POST through `pool`, closed afterwards."""
    try:
        async with pool.post("http://api.platform.invalid/send", waits=WAITS, json={}) as response:
            return response.status
    finally:
        await pool.aclose()


def _no_proxies(monkeypatch: pytest.MonkeyPatch) -> None:
    """None of the machine's own proxy settings (urllib reads the lower-case names first)."""
    for name in ("HTTP_PROXY", "HTTPS_PROXY", "ALL_PROXY", "NO_PROXY"):
        monkeypatch.delenv(name, raising=False)
        monkeypatch.delenv(name.lower(), raising=False)


async def test_an_upload_the_server_stops_reading_ends_within_the_timeouts(monkeypatch: pytest.MonkeyPatch) -> None:
    """aiohttp times the connect and each read, not the writing of a body: without a bound on the whole
    request, an upload to a server that stopped reading would hold its connection for as long as TCP
    keeps trying (and the outbox lease could run out, and the file go twice)."""
    _no_proxies(monkeypatch)
    stalled: list[asyncio.StreamWriter] = []

    async def never_read(_: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        stalled.append(writer)  # accepted, never read: the sender's buffers fill and it stalls

    server = await asyncio.start_server(never_read, "127.0.0.1", 0)
    port = server.sockets[0].getsockname()[1]
    client = GraphClient("token", "123", f"http://127.0.0.1:{port}/v23.0", timeout_seconds=0.5)
    started = time.monotonic()
    try:
        with pytest.raises(UNREACHABLE):
            async with asyncio.timeout(10):  # without a bound of its own it would wait here, and fail this way
                await client.upload_media("arsip.pdf", "application/pdf", b"x" * 50_000_000)
    finally:
        await client.aclose()
        for writer in stalled:
            writer.close()
        server.close()
        await server.wait_closed()
    assert time.monotonic() - started < 5  # connect + write + read: 1.5 s
