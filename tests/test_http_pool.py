"""The HTTP pool the channels send through (handlers/http_pool.py): a Pemda's server behind a proxy
reaches Telegram and Meta through HTTP_PROXY / HTTPS_PROXY, and NO_PROXY is respected."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator

import aiohttp
import pytest

from handlers.http_pool import UNREACHABLE, HttpPool

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


async def test_requests_go_through_the_proxy_the_environment_names(
    proxy: tuple[str, list[str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    address, seen = proxy
    monkeypatch.setenv("HTTP_PROXY", address)
    monkeypatch.delenv("NO_PROXY", raising=False)
    monkeypatch.delenv("no_proxy", raising=False)
    pool = HttpPool(2)
    try:
        for _ in range(2):
            async with pool.post("http://api.platform.invalid/send", waits=WAITS, json={"text": "halo"}) as response:
                assert (response.status, await response.json()) == (200, {"ok": True})
    finally:
        await pool.aclose()
    assert seen == ["POST http://api.platform.invalid/send HTTP/1.1"] * 2


async def test_a_host_in_no_proxy_is_reached_directly(
    proxy: tuple[str, list[str]], monkeypatch: pytest.MonkeyPatch
) -> None:
    address, seen = proxy
    monkeypatch.setenv("HTTP_PROXY", address)
    monkeypatch.setenv("NO_PROXY", "api.platform.invalid")
    pool = HttpPool(1)
    try:
        with pytest.raises(UNREACHABLE):  # .invalid never resolves: the request did not go to the proxy
            async with pool.post("http://api.platform.invalid/send", waits=WAITS, json={}):
                pass
    finally:
        await pool.aclose()
    assert seen == []
