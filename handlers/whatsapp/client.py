"""The thin Graph API client: POST {api base}/{phone number id}/messages, and /media to upload a file
before it is sent, with the token as a Bearer header. httpx, not a wrapper library (see DESIGN.md):
our needs are these two calls."""

from __future__ import annotations

import asyncio
from dataclasses import dataclass
from typing import Any

import httpx

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
        # Requests beyond the pool wait here, not inside httpx: its pool looks through every waiting request
        # and connection at each step, which made sending the costliest part of a message under load.
        self._slots = asyncio.Semaphore(max_connections)
        self._http = httpx.AsyncClient(
            headers={"Authorization": f"Bearer {token}"},
            timeout=timeout_seconds,
            limits=httpx.Limits(max_connections=max_connections, max_keepalive_connections=max_connections),
        )

    async def send_message(self, to: str, content: dict[str, Any]) -> GraphAnswer:
        """Send one message (`content`: the type and its object). Raises httpx.HTTPError when the
        Graph API could not be reached or did not answer in time."""
        body = {"messaging_product": "whatsapp", "recipient_type": "individual", "to": to, **content}
        async with self._slots:
            response = await self._http.post(f"{self.api_base}/{self.phone_number_id}/messages", json=body)
        return _answer(response)

    async def upload_media(self, file_name: str, media_type: str, content: bytes) -> GraphAnswer:
        """Upload a file to send; the answer's `message_id` is the media id a message then refers to.
        Raises httpx.HTTPError like `send_message`."""
        async with self._slots:
            response = await self._http.post(
                f"{self.api_base}/{self.phone_number_id}/media",
                data={"messaging_product": "whatsapp", "type": media_type},
                files={"file": (file_name, content, media_type)},
            )
        return _answer(response)

    async def aclose(self) -> None:
        await self._http.aclose()


def _answer(response: httpx.Response) -> GraphAnswer:
    try:
        data: Any = response.json()
    except ValueError:
        data = None
    if not isinstance(data, dict):
        data = {}
    error = data.get("error")
    if isinstance(error, dict) or response.status_code >= 300:
        error = error if isinstance(error, dict) else {}
        code = error.get("code")
        return GraphAnswer(
            response.status_code,
            error_code=code if isinstance(code, int) and not isinstance(code, bool) else response.status_code,
            error_message=str(error.get("message") or response.reason_phrase)[:300],
        )
    messages = data.get("messages")
    first = messages[0] if isinstance(messages, list) and messages and isinstance(messages[0], dict) else data
    message_id = first.get("id")  # a message's id, or an uploaded file's ({"id": …})
    return GraphAnswer(response.status_code, message_id=message_id if isinstance(message_id, str) else None)
