"""Every area's pages mounted under /dinas, with the style sheets and the one script (`jaring serve`
adds them to its web app)."""

from __future__ import annotations

from starlette.routing import BaseRoute, Mount
from starlette.staticfiles import StaticFiles

from bot.web.desk import DESK_PATH, STATIC, Desk
from bot.web.pages import ALL_ROUTES

__all__ = ["desk_routes"]


def desk_routes(desk: Desk) -> list[BaseRoute]:
    routes = [route for make in ALL_ROUTES for route in make(desk)]
    return [Mount(DESK_PATH, routes=[*routes, Mount("/static", app=StaticFiles(directory=STATIC), name="static")])]
