"""POST /webhook/telegram: Telegram's secret header checked in constant time, then the update handed
to `process`, which stores it. Telegram gets 200 only once that has returned; any other answer makes
it deliver the update again later."""

from __future__ import annotations

import hmac
import logging
from collections.abc import Awaitable, Callable, Mapping
from typing import Any

from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import Route

from handlers.telegram.parsing import update_id_of
from handlers.webhook_requests import error_response, json_object, read_body

__all__ = ["MAX_BODY_BYTES", "SECRET_HEADER", "WEBHOOK_PATH", "UpdateProcessor", "webhook_route"]

WEBHOOK_PATH = "/webhook/telegram"
SECRET_HEADER = "X-Telegram-Bot-Api-Secret-Token"  # noqa: S105 (a header name)
MAX_BODY_BYTES = 1_000_000  # an update is a few kilobytes

UpdateProcessor = Callable[[Mapping[str, Any]], Awaitable[None]]
log = logging.getLogger(__name__)


def webhook_route(secret: str, process: UpdateProcessor, path: str = WEBHOOK_PATH) -> Route:
    expected = secret.encode()

    async def receive_update(request: Request) -> Response:
        given = request.headers.get(SECRET_HEADER, "").encode()
        if not expected or not hmac.compare_digest(given, expected):
            return error_response(401, "wrong or missing secret token")
        body = await read_body(request, MAX_BODY_BYTES)
        if body is None:
            return error_response(413, "body too large")
        update = json_object(body)  # 400 when not a JSON object or nested too deeply
        try:
            await process(update)
        except Exception as exc:  # not stored: Telegram delivers it again later
            log.error("telegram update %s not stored: %s", update_id_of(update), type(exc).__name__)
            return error_response(500, "not stored, try again")
        return JSONResponse({"ok": True})

    return Route(path, receive_update, methods=["POST"])
