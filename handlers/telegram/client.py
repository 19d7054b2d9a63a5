"""The Bot API client: python-telegram-bot's `Bot`, pointed at `TELEGRAM_API_BASE`, plus getUpdates
that returns the updates as JSON.

`Bot.get_updates` parses the whole batch at once: one update it cannot read fails the batch (and
PTB then logs the raw updates, message text included). We parse each update ourselves instead, the
same way for polling and for the webhook."""

from __future__ import annotations

import asyncio
import os
from collections.abc import Sequence
from typing import Any

from telegram import Bot
from telegram.request import BaseRequest, HTTPXRequest, RequestData

__all__ = ["ALLOWED_UPDATES", "TelegramClient"]

ALLOWED_UPDATES = ("message", "callback_query")
_READ_MARGIN_SECONDS = 10.0  # a long poll's answer may take this much longer than its timeout


class _WaitingRequest(HTTPXRequest):
    """PTB's httpx request, whose requests beyond the pool wait here rather than inside httpx: its pool
    looks through every waiting request and connection at each step, which made sending the costliest
    part of a message under load (docs/PERFORMANCE.md)."""

    __slots__ = ("_slots",)

    def __init__(self, connection_pool_size: int) -> None:
        super().__init__(connection_pool_size=connection_pool_size)
        self._slots = asyncio.Semaphore(connection_pool_size)

    async def do_request(  # noqa: PLR0917 - PTB's signature
        self,
        url: str,
        method: str,
        request_data: RequestData | None = None,
        read_timeout: Any = BaseRequest.DEFAULT_NONE,
        write_timeout: Any = BaseRequest.DEFAULT_NONE,
        connect_timeout: Any = BaseRequest.DEFAULT_NONE,
        pool_timeout: Any = BaseRequest.DEFAULT_NONE,
    ) -> tuple[int, bytes]:
        async with self._slots:
            return await super().do_request(
                url, method, request_data, read_timeout, write_timeout, connect_timeout, pool_timeout
            )


class TelegramClient(Bot):
    __slots__ = ("_api_base",)

    def __init__(self, token: str, api_base: str = "https://api.telegram.org") -> None:
        # Durations as timedelta (PTB 23's default): otherwise PTB 22 warns each time it builds a
        # RetryAfter, i.e. on every 429.
        os.environ.setdefault("PTB_TIMEDELTA", "true")
        api_base = api_base.rstrip("/")
        super().__init__(
            token,
            base_url=f"{api_base}/bot{{token}}",
            base_file_url=f"{api_base}/file/bot{{token}}",
            # 30 messages a second at ~0.3 s a request need ~10 connections; each one more costs every request.
            request=_WaitingRequest(connection_pool_size=16),
            get_updates_request=HTTPXRequest(connection_pool_size=2),
        )
        self._api_base = api_base

    @property
    def api_base(self) -> str:
        """The Bot API server, without the token (safe to show)."""
        return self._api_base

    async def get_update_json(
        self, *, offset: int | None, wait: int, limit: int = 100, allowed_updates: Sequence[str] = ALLOWED_UPDATES
    ) -> list[dict[str, Any]]:
        """The next updates, unparsed: Telegram answers as soon as there is one, or after `wait` seconds
        with none. `offset` confirms every update before it (Telegram then forgets them)."""
        data: dict[str, Any] = {
            "offset": offset,
            "timeout": wait,
            "limit": limit,
            "allowed_updates": list(allowed_updates),
        }
        result = await self._post("getUpdates", data, read_timeout=wait + _READ_MARGIN_SECONDS)
        if not isinstance(result, list):
            return []
        return [update for update in result if isinstance(update, dict)]
