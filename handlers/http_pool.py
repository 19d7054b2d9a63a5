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
from urllib.parse import urlsplit
from urllib.request import getproxies, proxy_bypass

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
        self._closed = False
        self._proxies: dict[str, str | None] = {}

    @asynccontextmanager
    async def post(
        self, url: str, *, waits: aiohttp.ClientTimeout, **body: Any
    ) -> AsyncIterator[aiohttp.ClientResponse]:
        """POST `url` once a connection is free; `body` is aiohttp's `json=` or `data=`. Raises one of
        `UNREACHABLE` when the server could not be reached or did not answer within `waits`, or when the
        pool was closed (a late request must not open connections nobody will close)."""
        if self._closed:
            raise aiohttp.ClientConnectionError("the connections were closed")
        proxy = self._proxy(url)
        async with self._free, self._opened().post(url, timeout=waits, proxy=proxy, **body) as response:
            yield response

    def reopen(self) -> None:
        """Take requests again after `aclose` (python-telegram-bot's Bot can be initialised again)."""
        self._closed = False

    async def aclose(self) -> None:
        self._closed = True
        session, self._session = self._session, None
        if session is not None:
            await session.close()

    def _opened(self) -> aiohttp.ClientSession:
        if self._session is None or self._session.closed:
            self._session = aiohttp.ClientSession(
                connector=aiohttp.TCPConnector(limit=self.size), headers=self._headers
            )
        return self._session

    def _proxy(self, url: str) -> str | None:
        """The proxy the environment names for `url`'s host (HTTPS_PROXY or HTTP_PROXY by the URL's
        scheme, else ALL_PROXY; none for a host NO_PROXY names, by urllib's rules: names and domains, not
        ports or address ranges), looked up once a host. aiohttp's `trust_env` looks again at every
        request, and reads ~/.netrc in a thread each time: 15 % of a broadcast's CPU."""
        parts = urlsplit(url)
        host = parts.hostname or ""
        if host not in self._proxies:
            self._proxies[host] = None if not host or proxy_bypass(host) else _env_proxy(parts.scheme)
        return self._proxies[host]


def _env_proxy(scheme: str) -> str | None:
    named = getproxies()
    proxy = named.get(scheme) or named.get("all")
    if proxy and "://" not in proxy:  # "10.0.0.1:3128", as curl and httpx take it
        proxy = f"http://{proxy}"
    return proxy or None
