"""What every channel's webhook does with an HTTP request before the channel's own checks: read the
body, and read it as a JSON object.

Anyone can POST to a webhook, so no request may cost much, in memory, in time or in log lines:

- the body is capped in size (each webhook says how much), checked while it arrives;
- it must have arrived within a deadline (BODY_DEADLINE_SECONDS, or the web app's
  `state.body_deadline_seconds`); a slower one is answered 408, with one short log line;
- a client that hangs up mid-body is one short log line, and no traceback;
- JSON nested deeper than MAX_JSON_DEPTH is answered 400 (Telegram's and Meta's payloads nest fewer
  than 10 levels), never a RecursionError.

Both raise `BodyNotRead`, which the web app answers with `error_response` (`body_not_read`); a
Starlette app without that handler still answers its status, as plain text. No log line here ever
holds any of the body: it may hold personal data."""

from __future__ import annotations

import asyncio
import json
import logging
from typing import Any

from starlette.exceptions import HTTPException
from starlette.requests import ClientDisconnect, Request
from starlette.responses import JSONResponse, Response

__all__ = [
    "BODY_DEADLINE_SECONDS",
    "MAX_JSON_DEPTH",
    "BodyNotRead",
    "body_not_read",
    "error_response",
    "json_object",
    "read_body",
]

# Telegram and Meta send a webhook body of a few kilobytes in one go; one still arriving after this is
# a broken link or someone holding a connection open (a 1-byte-a-second upload), and answered 408.
BODY_DEADLINE_SECONDS = 10.0
MAX_JSON_DEPTH = 64  # Telegram's updates and Meta's payloads nest fewer than 10 levels

log = logging.getLogger(__name__)


class BodyNotRead(HTTPException):
    """The request's body could not be read or is not what a webhook takes: answered with
    `status_code` and the reason in `detail`."""


async def read_body(request: Request, max_bytes: int) -> bytes | None:
    """The raw body, or None when it is larger than `max_bytes` (checked while reading, so a lying
    Content-Length cannot make us hold more than that).

    Raises BodyNotRead: 408 when the body has not all arrived within the deadline, 400 when the client
    hung up before sending all of it (nobody is left to read that answer). Each is one short log
    line."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        return None
    deadline = _deadline_seconds(request)
    chunks: list[bytes] = []
    size = 0
    try:
        async with asyncio.timeout(deadline):
            async for chunk in request.stream():
                size += len(chunk)
                if size > max_bytes:
                    return None
                chunks.append(chunk)
    except TimeoutError:
        path = request.scope.get("path", "?")
        log.warning("%s: body not received within %gs (%d of %s bytes): 408", path, deadline, size, declared or "?")
        raise BodyNotRead(408, "body not received in time") from None
    except ClientDisconnect:
        path = request.scope.get("path", "?")
        log.info("%s: client went away after %d of %s body bytes", path, size, declared or "?")
        raise BodyNotRead(400, "client went away") from None
    return b"".join(chunks)


def json_object(body: bytes) -> dict[str, Any]:
    """`body` read as a JSON object. Raises BodyNotRead (400) when it is not JSON, not an object, or
    nested deeper than MAX_JSON_DEPTH."""
    try:
        value = json.loads(body)
    except RecursionError:  # nested deeper than the interpreter's recursion limit (~1000)
        raise BodyNotRead(400, "body nested too deeply") from None
    except (ValueError, UnicodeDecodeError):
        raise BodyNotRead(400, "body is not JSON") from None
    if not isinstance(value, dict):
        raise BodyNotRead(400, "body is not a JSON object")
    if _nested_deeper_than(value, MAX_JSON_DEPTH):
        raise BodyNotRead(400, "body nested too deeply")
    return value


def error_response(status: int, reason: str) -> Response:
    return JSONResponse({"ok": False, "error": reason}, status_code=status)


async def body_not_read(_: Request, exc: Exception) -> Response:
    """The web app's answer to BodyNotRead (a Starlette exception handler)."""
    assert isinstance(exc, BodyNotRead)
    return error_response(exc.status_code, exc.detail)


def _deadline_seconds(request: Request) -> float:
    app = request.scope.get("app")
    deadline = getattr(getattr(app, "state", None), "body_deadline_seconds", None)
    return float(deadline) if isinstance(deadline, int | float) else BODY_DEADLINE_SECONDS


def _nested_deeper_than(value: object, limit: int) -> bool:
    """Whether `value` has containers more than `limit` levels deep (`{}` is one level). Without
    recursion: a deep value must not make this check fail the way json.loads would have."""
    pending: list[tuple[object, int]] = [(value, 1)]
    while pending:
        item, depth = pending.pop()
        children = item.values() if isinstance(item, dict) else item if isinstance(item, list) else ()
        for child in children:
            if isinstance(child, dict | list):
                if depth + 1 > limit:
                    return True
                pending.append((child, depth + 1))
    return False
