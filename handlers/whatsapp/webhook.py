"""GET and POST /webhook/whatsapp.

GET is Meta's verification handshake: hub.mode=subscribe and our verify token (compared in constant
time) → echo hub.challenge; anything else → 403.

POST: the X-Hub-Signature-256 header must be "sha256=" + HMAC-SHA256(raw body, app secret), checked
in constant time BEFORE the body is parsed; a missing or wrong one → 401 and nothing is stored. The
body is read by the shared reader (size cap, deadline, hang-ups) and, once signed, read as JSON with
a depth limit (`handlers.webhook_requests`): a payload that is not a JSON object → 400. Then the
payload goes to `process`, which stores every message in it; Meta gets 200 only once that has
returned, and delivers the payload again after any other answer."""

from __future__ import annotations

import hashlib
import hmac
import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import Route

from handlers.webhook_requests import error_response, json_object, read_body

__all__ = ["MAX_BODY_BYTES", "SIGNATURE_HEADER", "WEBHOOK_PATH", "PayloadProcessor", "sign", "webhook_routes"]

WEBHOOK_PATH = "/webhook/whatsapp"
SIGNATURE_HEADER = "X-Hub-Signature-256"
MAX_BODY_BYTES = 3_000_000  # a payload holds at most a few hundred messages and statuses

PayloadProcessor = Callable[[Mapping[str, Any]], Awaitable[None]]
log = logging.getLogger(__name__)


def sign(body: bytes, app_secret: str) -> str:
    """The X-Hub-Signature-256 value Meta sends with `body`."""
    return "sha256=" + hmac.new(app_secret.encode(), body, hashlib.sha256).hexdigest()


def webhook_routes(
    app_secret: str, verify_token: str, process: PayloadProcessor, path: str = WEBHOOK_PATH
) -> list[Route]:
    async def verify(request: Request) -> Response:
        params = request.query_params
        given = params.get("hub.verify_token", "").encode()
        if (
            params.get("hub.mode") != "subscribe"
            or not verify_token
            or not hmac.compare_digest(given, verify_token.encode())
        ):
            return PlainTextResponse("forbidden", status_code=403)
        return PlainTextResponse(params.get("hub.challenge", ""))

    async def receive(request: Request) -> Response:
        body = await read_body(request, MAX_BODY_BYTES)
        if body is None:
            return error_response(413, "body too large")
        given = request.headers.get(SIGNATURE_HEADER, "").encode()
        if not app_secret or not hmac.compare_digest(given, sign(body, app_secret).encode()):
            return error_response(401, "wrong or missing signature")
        payload = json_object(body)  # only now: an unsigned body is never parsed
        try:
            await process(payload)
        except Exception as exc:  # not stored: Meta delivers it again later
            log.error("whatsapp payload not stored: %s", type(exc).__name__)
            return error_response(500, "not stored, try again")
        return JSONResponse({"ok": True})

    return [Route(path, verify, methods=["GET"]), Route(path, receive, methods=["POST"])]
