"""The one web app `jaring serve` runs: every channel's webhook routes, GET /healthz (what is wrong,
bot/channels/health.py) and GET /metrics (Prometheus's format, bot/metrics.py; who may read it:
bot/channels/metrics_access.py).

A channel adds its webhook by returning Starlette routes from its `routes()` (Telegram:
POST /webhook/telegram; WhatsApp: GET and POST /webhook/whatsapp); nothing here changes when another
channel arrives.

Anyone on the internet can send it requests, so around every route (see docs/SECURITY.md):
- a webhook's body is read by `handlers.webhook_requests.read_body` (size cap, a deadline of
  `body_deadline_seconds`, a hang-up as one short line) and answered from `BodyNotRead`;
- an answer sent before the request's body was all received (a wrong secret, too large, too slow)
  closes the connection, so the rest of the body cannot be trickled into it for ever;
- an error nobody expected is one ERROR record with the stack but without the exception's message,
  which could quote the body (personal data), and a 500;
- every webhook request answered with an error (a wrong signature or secret, too large, too slow, not
  stored) is counted, by channel and status, from the answer itself: no handler has to remember to."""

from __future__ import annotations

import asyncio
import logging
import math
import time
import traceback
from collections.abc import Callable, Collection, Mapping, Sequence
from datetime import datetime

from starlette.applications import Starlette
from starlette.middleware import Middleware
from starlette.requests import Request
from starlette.responses import JSONResponse, PlainTextResponse, Response
from starlette.routing import BaseRoute, Route
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from bot import metrics
from bot.channels.health import health_answer
from bot.channels.metrics_access import metrics_refusal
from bot.clock import Clock, utc_now
from bot.inbound.pipeline import HandleResult
from db.connection import Store
from db.repositories import outbox_health
from db.repositories.outbox_health import OutboxWaiting
from handlers.sending import Sender
from handlers.telegram import TelegramSender
from handlers.webhook_requests import BODY_DEADLINE_SECONDS, BodyNotRead, body_not_read, error_response
from handlers.whatsapp import WhatsAppSender

__all__ = ["DATABASE_ANSWER_SECONDS", "HEALTH_READ_EVERY_SECONDS", "create_web_app"]

log = logging.getLogger(__name__)

_CLOSE = (b"connection", b"close")
_WEBHOOKS = "/webhook/"
# How long /healthz and /metrics wait for the database: a database slower than this cannot serve the
# webhooks either (SQLite's one connection held by a long write, PostgreSQL not answering).
DATABASE_ANSWER_SECONDS = 5.0
# /healthz answers anyone (a load balancer, an uptime check): it reads the database at most this
# often, however often it is asked, so that asking cannot keep SQLite's one connection busy.
HEALTH_READ_EVERY_SECONDS = 2.0


def create_web_app(
    store: Store,
    channels: Sequence[str],
    routes: Sequence[BaseRoute],
    *,
    body_deadline_seconds: float = BODY_DEADLINE_SECONDS,
    senders: Mapping[str, Sender] | None = None,
    clock: Clock = utc_now,
    metrics_token: str = "",
) -> Starlette:
    """`senders`: the channels' senders, whose 429 pauses /healthz reports; `clock`: the bot's (the
    outbox's times are written with it); `metrics_token`: JARING_METRICS_TOKEN (metrics_access.py)."""
    metrics.start_recording(channels, (result.value for result in HandleResult))
    pauses = {name: paused for name, sender in (senders or {}).items() if (paused := _pause_of(sender))}

    outbox = _LastReading(store, clock)

    async def healthz(_: Request) -> Response:
        """200 when the database answers ("ok", or "degraded" with the problems); 503 otherwise (a load
        balancer then stops sending here)."""
        waiting, now = await outbox.recent()
        status, body = health_answer(channels, waiting, {name: paused() for name, paused in pauses.items()}, now)
        return JSONResponse(body, status_code=status)

    async def metrics_page(request: Request) -> Response:
        refusal = metrics_refusal(request.headers, request.client.host if request.client else None, metrics_token)
        if refusal == 401:
            return PlainTextResponse("unauthorized", status_code=401, headers={"WWW-Authenticate": "Bearer"})
        if refusal is not None:
            return PlainTextResponse("Not Found", status_code=refusal)
        now = clock()
        return Response(
            metrics.exposition(await _waiting(store, now), now),
            media_type=metrics.CONTENT_TYPE,
            headers={"Cache-Control": "no-store"},
        )

    app = Starlette(
        routes=[Route("/healthz", healthz, methods=["GET"]), Route("/metrics", metrics_page, methods=["GET"]), *routes],
        middleware=[Middleware(_Guarded, webhook_channels=frozenset(channels))],
        exception_handlers={BodyNotRead: body_not_read},
    )
    app.state.body_deadline_seconds = body_deadline_seconds  # read by read_body
    return app


def _pause_of(sender: Sender) -> Callable[[], float] | None:
    """How long the sender's channel is paused after a 429 (its pacing knows, shared between workers)."""
    if isinstance(sender, TelegramSender):
        return sender.pacer.paused_for
    if isinstance(sender, WhatsAppSender):
        return sender.throttle.paused_for
    return None


async def _waiting(store: Store, now: datetime) -> OutboxWaiting | None:
    """The outbox's open messages, or None when the database does not answer in time."""
    try:
        async with asyncio.timeout(DATABASE_ANSWER_SECONDS), store.transaction() as session:
            return await outbox_health.waiting_messages(session, now)
    except Exception as exc:  # any database failure means unhealthy; the type only (a message may quote SQL)
        log.warning("database unreachable: %s", type(exc).__name__)
        return None


class _LastReading:
    """The outbox as read at most HEALTH_READ_EVERY_SECONDS ago; requests arriving meanwhile, or while
    it is being read, share that reading."""

    def __init__(self, store: Store, clock: Clock) -> None:
        self._store = store
        self._clock = clock
        self._lock = asyncio.Lock()
        self._read_at = -math.inf
        self._reading: tuple[OutboxWaiting | None, datetime] | None = None

    async def recent(self) -> tuple[OutboxWaiting | None, datetime]:
        """The outbox (None: the database did not answer) and when it was read."""
        async with self._lock:
            if self._reading is None or time.monotonic() - self._read_at >= HEALTH_READ_EVERY_SECONDS:
                now = self._clock()
                self._reading = (await _waiting(self._store, now), now)
                self._read_at = time.monotonic()
            return self._reading


class _Guarded:
    """Pure ASGI around the whole app: closes the connection after an answer given before the body
    was all received, turns an unexpected error into one ERROR record without its message, and
    counts the webhook requests of `webhook_channels` answered with an error."""

    def __init__(self, app: ASGIApp, webhook_channels: Collection[str] = ()) -> None:
        self.app = app
        self.webhook_channels = frozenset(webhook_channels)

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
                if message["status"] >= 400 and (channel := self._webhook_channel(scope)):
                    metrics.webhook_refused(channel, message["status"])
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

    def _webhook_channel(self, scope: Scope) -> str | None:
        """The channel a webhook request was for: only the channels served (a path anyone can make
        up must not become a label of its own)."""
        path: str = scope.get("path", "")
        channel = path.removeprefix(_WEBHOOKS)
        return channel if path.startswith(_WEBHOOKS) and channel in self.webhook_channels else None


def _has_body(scope: Scope) -> bool:
    for name, value in scope.get("headers", []):
        if name == b"transfer-encoding" or (name == b"content-length" and value.strip() not in (b"", b"0")):
            return True
    return False
