"""The one web app `jaring serve` runs: every channel's webhook routes, and GET /healthz.

A channel adds its webhook by returning Starlette routes from its `routes()` (Telegram:
POST /webhook/telegram; WhatsApp: GET and POST /webhook/whatsapp); nothing here changes when another
channel arrives."""

from __future__ import annotations

import logging
from collections.abc import Sequence

from sqlalchemy import text
from starlette.applications import Starlette
from starlette.requests import Request
from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute, Route

from db.connection import Store

__all__ = ["create_web_app"]

log = logging.getLogger(__name__)


def create_web_app(store: Store, channels: Sequence[str], routes: Sequence[BaseRoute]) -> Starlette:
    async def healthz(_: Request) -> Response:
        """200 when the database answers; 503 otherwise (a load balancer then stops sending here)."""
        try:
            async with store.engine.connect() as connection:
                await connection.execute(text("SELECT 1"))
        except Exception as exc:  # any database failure means unhealthy
            log.warning("healthz: database unreachable: %s", type(exc).__name__)
            return JSONResponse({"status": "unavailable", "database": "unreachable"}, status_code=503)
        return JSONResponse({"status": "ok", "database": "ok", "channels": list(channels)})

    return Starlette(routes=[Route("/healthz", healthz, methods=["GET"]), *routes])
