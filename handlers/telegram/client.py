"""The Bot API client: python-telegram-bot's `Bot`, pointed at `TELEGRAM_API_BASE`, plus getUpdates
that returns the updates as JSON.

`Bot.get_updates` parses the whole batch at once: one update it cannot read fails the batch (and
PTB then logs the raw updates, message text included). We parse each update ourselves instead, the
same way for polling and for the webhook."""

from __future__ import annotations

import io
import os
from collections.abc import Sequence
from typing import Any

import aiohttp
from telegram import Bot
from telegram.error import NetworkError, TimedOut
from telegram.request import BaseRequest, RequestData

from handlers.http_pool import HttpPool
from handlers.telegram.rendering import Keyboard

__all__ = ["ALLOWED_UPDATES", "PooledRequest", "TelegramClient"]

ALLOWED_UPDATES = ("message", "callback_query")
_READ_MARGIN_SECONDS = 10.0  # a long poll's answer may take this much longer than its timeout
# PTB's HTTPXRequest's defaults.
_READ_SECONDS = _WRITE_SECONDS = _CONNECT_SECONDS = 5.0
_MEDIA_WRITE_SECONDS = 20.0


class PooledRequest(BaseRequest):
    """PTB's transport, through our `HttpPool` (aiohttp) instead of its httpx one: the same requests
    (parameters as form fields, files as multipart), the same errors (TimedOut, NetworkError) and the same
    default timeouts, at a tenth of the CPU a request. aiohttp times the connect and each read, not the
    writing of a body: a request as a whole may take connect + write + read, as it could with httpx, so a
    stalled upload ends too."""

    __slots__ = ("_pool",)

    def __init__(self, connection_pool_size: int) -> None:
        self._pool = HttpPool(connection_pool_size, headers={"User-Agent": self.USER_AGENT})

    @property
    def read_timeout(self) -> float | None:
        return _READ_SECONDS

    async def initialize(self) -> None:
        """The connections open with the first request; after `shutdown`, requests are taken again."""
        self._pool.reopen()

    async def shutdown(self) -> None:
        await self._pool.aclose()

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
        del pool_timeout  # the wait for a free connection is not timed (HttpPool)
        if method != "POST":
            raise ValueError(f"the Bot API is called with POST here, not {method}")
        files = request_data is not None and request_data.contains_files
        read, connect = _seconds(read_timeout, _READ_SECONDS), _seconds(connect_timeout, _CONNECT_SECONDS)
        write = _seconds(write_timeout, _MEDIA_WRITE_SECONDS if files else _WRITE_SECONDS)
        whole = read + connect + write if read is not None and connect is not None and write is not None else None
        waits = aiohttp.ClientTimeout(total=whole, sock_connect=connect, sock_read=read)
        try:
            async with self._pool.post(url, waits=waits, data=_form(request_data)) as response:
                return response.status, await response.read()
        except TimeoutError as exc:
            raise TimedOut from exc
        except aiohttp.ClientError as exc:  # the type only: its text may quote the URL, and the URL holds the token
            raise NetworkError(f"aiohttp.{type(exc).__name__}") from exc


def _seconds(given: object, default: float) -> float | None:
    """A timeout PTB passed, or ours when it passed its "not given" marker."""
    return given if given is None or isinstance(given, int | float) else default


def _form(request_data: RequestData | None) -> aiohttp.FormData | dict[str, str] | None:
    """The request's parameters as PTB's httpx transport sends them: form fields (each value JSON when not
    a string), and a multipart form when files go with them."""
    if request_data is None:
        return None
    if not request_data.contains_files:
        return request_data.json_parameters
    form = aiohttp.FormData(request_data.json_parameters, quote_fields=False)  # a file's name as it is, not %20
    for name, (file_name, content, mime_type) in request_data.multipart_data.items():
        # As a stream: aiohttp copies a large bytes body in one go on the event loop (and warns).
        body = io.BytesIO(content) if isinstance(content, bytes) else content
        form.add_field(name, body, filename=file_name, content_type=mime_type)
    return form


class TelegramClient(Bot):
    __slots__ = ("_api_base", "_pooled")

    def __init__(self, token: str, api_base: str = "https://api.telegram.org") -> None:
        # Durations as timedelta (PTB 23's default): otherwise PTB 22 warns each time it builds a
        # RetryAfter, i.e. on every 429.
        os.environ.setdefault("PTB_TIMEDELTA", "true")
        api_base = api_base.rstrip("/")
        super().__init__(
            token,
            base_url=f"{api_base}/bot{{token}}",
            base_file_url=f"{api_base}/file/bot{{token}}",
            # 30 messages a second at ~0.3 s a request need ~10 connections.
            request=(sending := PooledRequest(connection_pool_size=16)),
            get_updates_request=(polling := PooledRequest(connection_pool_size=2)),
        )
        self._api_base = api_base
        self._pooled = (sending, polling)

    async def shutdown(self) -> None:
        """PTB's, and the connections closed even when `initialize` was never called (a request made
        without it opened them all the same)."""
        await super().shutdown()
        for request in self._pooled:
            await request.shutdown()

    @property
    def api_base(self) -> str:
        """The Bot API server, without the token (safe to show)."""
        return self._api_base

    async def send_text(self, chat_id: str, text: str, keyboard: Keyboard | None = None) -> int:
        """`send_message`, returning only the sent message's id: PTB's method reads the whole answer into a
        `Message` (its buttons, chat and sender), which cost more than the request itself."""
        data: dict[str, Any] = {"chat_id": chat_id, "text": text}
        if keyboard is not None:
            data["reply_markup"] = keyboard.to_json()
        result = await self._post("sendMessage", data)
        message_id = result.get("message_id") if isinstance(result, dict) else None
        if not isinstance(message_id, int):
            raise NetworkError("sendMessage answered without a message id")
        return message_id

    async def remove_keyboard(self, chat_id: int, message_id: int) -> None:
        """`edit_message_reply_markup` without a markup, its answer not read into a `Message`."""
        await self._post("editMessageReplyMarkup", {"chat_id": chat_id, "message_id": message_id})

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
