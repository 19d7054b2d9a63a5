"""The desk's first page: what is waiting for this officer, and the way to each area of work."""

from __future__ import annotations

from starlette.responses import Response
from starlette.routing import BaseRoute

from bot.web.desk import Desk
from bot.web.visit import Visit, page_route
from conversations.requests.base import RoleRefused
from conversations.requests.quota import QuotaOverview, QuotaSummary
from conversations.requests.review import ListPending

__all__ = ["routes"]


def routes(desk: Desk) -> list[BaseRoute]:
    async def home(visit: Visit) -> Response:
        pending = await visit.ask(ListPending(0, 1))
        waiting = 0 if isinstance(pending, RoleRefused) else pending.total
        quota: QuotaSummary | None = None
        if visit.officer.is_admin:
            found = await visit.ask(QuotaOverview())
            quota = found if isinstance(found, QuotaSummary) else None
        return visit.page("home.html", pending=waiting, quota=quota)

    return [page_route(desk, "/", home)]
