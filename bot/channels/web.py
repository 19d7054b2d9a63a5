"""The one web app `jaring serve` runs: every channel's webhook routes, and GET /healthz.

A channel adds its webhook by returning Starlette routes from its `routes()` (Telegram:
POST /webhook/telegram; WhatsApp: GET and POST /webhook/whatsapp); nothing here changes when another
channel arrives.

Anyone on the internet can send it requests, so around every route (see docs/SECURITY.md):
- a webhook's body is read by `handlers.webhook_requests.read_body` (size cap, a deadline of
  `body_deadline_seconds`, a hang-up as one short line) and answered from `BodyNotRead`;
- an answer sent before the request's body was all received (a wrong secret, too large, too slow)
  closes the connection, so the rest of the body cannot be trickled into it for ever;
- an error nobody expected is one ERROR record with the stack but without the exception's message,
  which could quote the body (personal data), and a 500."""

from __future__ import annotations

import logging
import traceback
from collections.abc import Sequence

from sqlalchemy import text
from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from db.connection import Store
from handlers.webhook_requests import BODY_DEADLINE_SECONDS, BodyNotRead, body_not_read, error_response

__all__ = ["create_web_app"]

log = logging.getLogger(__name__)

_CLOSE = (b"connection", b"close")


def create_web_app(
    store: Store,
    channels: Sequence[str],
    routes: Sequence[BaseRoute],
    *,
    body_deadline_seconds: float = BODY_DEADLINE_SECONDS,
) -> Starlette:
    async def healthz(_: Request) -> Response:
        """200 when the database answers; 503 otherwise (a load balancer then stops sending here)."""
        try:
            async with store.engine.connect() as connection:
                await connection.execute(text("SELECT 1"))
        except Exception as exc:  # any database failure means unhealthy
            log.warning("healthz: database unreachable: %s", type(exc).__name__)
            return JSONResponse({"status": "unavailable", "database": "unreachable"}, status_code=503)
        return JSONResponse({"status": "ok", "database": "ok", "channels": list(channels)})

    app = Starlette(
        routes=[Route("/healthz", healthz, methods=["GET"]), *routes],
        middleware=[Middleware(_Guarded)],
        exception_handlers={BodyNotRead: body_not_read},
    )
    app.state.body_deadline_seconds = body_deadline_seconds  # read by read_body
    return app


class _Guarded:
    """Pure ASGI around the whole app: closes the connection after an answer given before the body
    was all received, and turns an unexpected error into one ERROR record without its message."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        body_received = not _has_body(scope)
        started = False

        async def receiving() -> Message:
            nonlocal body_received
            message = await receive()
            if message["type"] != "http.request" or not message.get("more_body", False):
                body_received = True  # all of it, or the client went away
            return message

        async def sending(message: Message) -> None:
            nonlocal started
            if message["type"] == "http.response.start":
                started = True
                if not body_received:  # h11 would otherwise keep the connection for the body's remainder
                    message = {**message, "headers": [*message.get("headers", []), _CLOSE]}
            await send(message)

        try:
            await self.app(scope, receiving, sending)
        except Exception as exc:
            stack = "".join(traceback.format_tb(exc.__traceback__))  # code lines only: no message, no values
            log.error("%s %s failed: %s\n%s", scope.get("method"), scope.get("path"), type(exc).__name__, stack)
            if not started:
                await error_response(500, "internal error")(scope, receiving, sending)


def _has_body(scope: Scope) -> bool:
    for name, value in scope.get("headers", []):
        if name == b"transfer-encoding" or (name == b"content-length" and value.strip() not in (b"", b"0")):
            return True
    return False
