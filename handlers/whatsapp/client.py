"""The thin Graph API client: POST {api base}/{phone number id}/messages, and /media to upload a file
before it is sent, with the token as a Bearer header. Plain HTTP through our pool (`handlers.http_pool`,
aiohttp), not a wrapper library (see DESIGN.md): our needs are these two calls."""

from __future__ import annotations

import io
import json
from dataclasses import dataclass
from typing import Any

import aiohttp

from handlers.http_pool import HttpPool

__all__ = ["DEFAULT_API_BASE", "GraphAnswer", "GraphClient"]

DEFAULT_API_BASE = "https://graph.facebook.com/v23.0"  # a pinned Graph API version


@dataclass(frozen=True, slots=True)
class GraphAnswer:
    """What the Graph API said: the id of the message it accepted, or its error."""

    http_status: int
    message_id: str | None = None
    error_code: int | None = None
    error_message: str = ""

    @property
    def ok(self) -> bool:
        return self.error_code is None and 200 <= self.http_status < 300


class GraphClient:
    def __init__(
        self,
        token: str,
        phone_number_id: str,
        api_base: str = DEFAULT_API_BASE,
        *,
        timeout_seconds: float = 15.0,
        max_connections: int = 64,
    ) -> None:
        self.phone_number_id = phone_number_id
        self.api_base = api_base.rstrip("/")
        self._pool = HttpPool(max_connections, headers={"Authorization": f"Bearer {token}"})
        # Connect, write, read: aiohttp times the first and each read, not the writing of a body (an upload).
        self._waits = aiohttp.ClientTimeout(
            total=3 * timeout_seconds, sock_connect=timeout_seconds, sock_read=timeout_seconds
        )

    async def send_message(self, to: str, content: dict[str, Any]) -> GraphAnswer:
        """Send one message (`content`: the type and its object). Raises one of `handlers.http_pool.UNREACHABLE`
        when the Graph API could not be reached or did not answer in time."""
        body = {"messaging_product": "whatsapp", "recipient_type": "individual", "to": to, **content}
        url = f"{self.api_base}/{self.phone_number_id}/messages"
        async with self._pool.post(url, waits=self._waits, json=body) as response:
            return _answer(response.status, response.reason, await response.read())

    async def upload_media(self, file_name: str, media_type: str, content: bytes) -> GraphAnswer:
        """Upload a file to send; the answer's `message_id` is the media id a message then refers to.
        Raises like `send_message`."""
        form = aiohttp.FormData({"messaging_product": "whatsapp", "type": media_type}, quote_fields=False)
        form.add_field("file", io.BytesIO(content), filename=file_name, content_type=media_type)  # streamed
        url = f"{self.api_base}/{self.phone_number_id}/media"
        async with self._pool.post(url, waits=self._waits, data=form) as response:
            return _answer(response.status, response.reason, await response.read())

    async def aclose(self) -> None:
        await self._pool.aclose()


def _answer(status: int, reason: str | None, content: bytes) -> GraphAnswer:
    try:
        data: Any = json.loads(content)
    except ValueError:
        data = None
    if not isinstance(data, dict):
        data = {}
    error = data.get("error")
    if isinstance(error, dict) or status >= 300:
        error = error if isinstance(error, dict) else {}
        code = error.get("code")
        return GraphAnswer(
            status,
            error_code=code if isinstance(code, int) and not isinstance(code, bool) else status,
            error_message=str(error.get("message") or reason or status)[:300],
        )
    messages = data.get("messages")
    first = messages[0] if isinstance(messages, list) and messages and isinstance(messages[0], dict) else data
    message_id = first.get("id")  # a message's id, or an uploaded file's ({"id": …})
    return GraphAnswer(status, message_id=message_id if isinstance(message_id, str) else None)
