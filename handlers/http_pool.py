"""The HTTP connections a channel sends through: an aiohttp session with a fixed number of kept-alive
connections, opened at its first request (aiohttp wants a running event loop) and closed with the
channel.

aiohttp rather than httpx: a reply's request cost ~1.1 ms of CPU through httpx's pool with 16
connections (it checks every connection's socket at each request) against ~0.1–0.15 ms through
aiohttp's, and sending was most of a message's cost under load (docs/PERFORMANCE.md, `bench/README.md`).

Requests beyond the pool wait for a free connection here, before a timeout starts: a reply queued
behind a burst is late, not failed."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from typing import Any

import aiohttp

__all__ = ["UNREACHABLE", "HttpPool"]

# What a request raises when the platform could not be reached or did not answer in time (aiohttp's
# timeouts are asyncio's, which is TimeoutError). Their text may quote the URL, which may hold a token:
# show the type only.
UNREACHABLE: tuple[type[BaseException], ...] = (aiohttp.ClientError, TimeoutError)


class HttpPool:
    def __init__(self, size: int, *, headers: Mapping[str, str] | None = None) -> None:
        if size < 1:
            raise ValueError("a pool needs at least one connection")
        self.size = size
        self._headers = dict(headers or {})
        self._free = asyncio.Semaphore(size)
        self._session: aiohttp.ClientSession | None = None

    @asynccontextmanager
    async def post(
        self, url: str, *, waits: aiohttp.ClientTimeout, **body: Any
    ) -> AsyncIterator[aiohttp.ClientResponse]:
        """POST `url` once a connection is free; `body` is aiohttp's `json=` or `data=`. Raises one of
        `UNREACHABLE` when the server could not be reached or did not answer within `waits`."""
        async with self._free, self._opened().post(url, timeout=waits, **body) as response:
            yield response

    async def aclose(self) -> None:
        session, self._session = self._session, None
        if session is not None:
            await session.close()

    def _opened(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self.size),
                headers=self._headers,
                trust_env=True,  # HTTPS_PROXY and NO_PROXY, as httpx read them before
            )
        return self._session
