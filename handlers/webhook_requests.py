"""What every channel's webhook does with an HTTP request before the channel's own checks."""

from __future__ import annotations

from starlette.requests import Request
from starlette.responses import JSONResponse, Response

__all__ = ["error_response", "read_body"]


async def read_body(request: Request, max_bytes: int) -> bytes | None:
    """The raw body, or None when it is larger than `max_bytes` (checked while reading, so a lying
    Content-Length cannot make us hold more than that)."""
    declared = request.headers.get("content-length", "")
    if declared.isdigit() and int(declared) > max_bytes:
        return None
    chunks: list[bytes] = []
    size = 0
    async for chunk in request.stream():
        size += len(chunk)
        if size > max_bytes:
            return None
        chunks.append(chunk)
    return b"".join(chunks)


def error_response(status: int, reason: str) -> Response:
    return JSONResponse({"ok": False, "error": reason}, status_code=status)
