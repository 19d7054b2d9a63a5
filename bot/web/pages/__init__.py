"""One module per area of the desk's work; each gives its routes (`routes(desk)`), mounted under /dinas."""

from __future__ import annotations

from collections.abc import Callable, Sequence

from starlette.routing import BaseRoute

from bot.web.desk import Desk
from bot.web.pages import (
    approval,
    broadcasts,
    cases,
    figures,
    files,
    home,
    people,
    signing_in,
    verification,
)

__all__ = ["ALL_ROUTES"]

ALL_ROUTES: Sequence[Callable[[Desk], list[BaseRoute]]] = (
    signing_in.routes,
    home.routes,
    verification.routes,
    approval.routes,
    broadcasts.routes,
    figures.routes,
    files.routes,
    people.routes,
    cases.routes,
)
