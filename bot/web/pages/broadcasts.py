"""(being written)"""

from __future__ import annotations

from starlette.routing import BaseRoute

from bot.web.desk import Desk

__all__ = ["routes"]


def routes(desk: Desk) -> list[BaseRoute]:
    return []
