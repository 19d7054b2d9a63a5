"""The Bot API client: python-telegram-bot's `Bot`, pointed at `TELEGRAM_API_BASE`, plus getUpdates
that returns the updates as JSON.

`Bot.get_updates` parses the whole batch at once: one update it cannot read fails the batch (and
PTB then logs the raw updates, message text included). We parse each update ourselves instead, the
same way for polling and for the webhook."""

from __future__ import annotations

import os
from collections.abc import Sequence
from typing import Any

from telegram import Bot
from telegram.request import HTTPXRequest

__all__ = ["ALLOWED_UPDATES", "TelegramClient"]

ALLOWED_UPDATES = ("message", "callback_query")
_READ_MARGIN_SECONDS = 10.0  # a long poll's answer may take this much longer than its timeout


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
            request=HTTPXRequest(connection_pool_size=64),
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
