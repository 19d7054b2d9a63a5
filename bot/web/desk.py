"""The web desk: what every page needs (the bot, the templates, the cookie's settings)."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from pathlib import Path

from jinja2 import Environment

from bot.app import Jaring
from bot.web.rendering import templates

__all__ = ["DESK_PATH", "STATIC", "Desk"]

DESK_PATH = "/dinas"
STATIC = Path(__file__).resolve().parent / "static"  # the style sheet and the little script there is


@dataclass(slots=True)
class Desk:
    jaring: Jaring
    desk_url: str  # Settings.desk_url: where the officers' browsers reach the pages
    session_hours: float = 9.0  # a working day
    wake_outbox: Callable[[], None] = lambda: None  # the outbox worker delivers a page's letters at once
    environment: Environment = field(default_factory=templates)
    # Broadcast channels `jaring serve` runs (a broadcast's audience counts them); set by serve.
    channels: tuple[str, ...] = ()

    @property
    def secure_cookie(self) -> bool:
        """Behind HTTPS the cookie is sent over HTTPS only."""
        return self.desk_url.startswith("https://")
