"""The Jinja2 templates, with the catalogs' texts (`t("web.nav.home")`), numbers and dates written the
Indonesian way, and autoescaping on: every value a worker typed is shown as text, never as HTML."""

from __future__ import annotations

from datetime import date, datetime
from pathlib import Path
from typing import Any
from zoneinfo import ZoneInfo

from jinja2 import Environment, FileSystemLoader, StrictUndefined, select_autoescape

from conversations.messages import msg
from conversations.programme import Programme
from locales import Catalogs, format_rupiah

__all__ = ["TEMPLATES", "Texts", "number", "templates"]

TEMPLATES = Path(__file__).resolve().parent / "templates"


def number(value: int | float) -> str:
    """12.345 (Indonesian thousands)."""
    return f"{value:,.0f}".replace(",", ".")


class Texts:
    """The catalogs in one language, for one page."""

    def __init__(self, catalogs: Catalogs, language: str, programme: Programme) -> None:
        self.catalogs = catalogs
        self.language = language
        self.programme = programme

    def __call__(self, key: str, **params: Any) -> str:
        return self.catalogs.render(msg(key, **params), self.language)

    def rupiah(self, amount: int) -> str:
        return format_rupiah(amount, self.language)

    def day(self, value: date | datetime | None) -> str:
        """dd-mm-yyyy, in the programme's time zone for a moment."""
        if value is None:
            return "–"
        if isinstance(value, datetime):
            value = self.programme.local_date(value)
        return value.strftime("%d-%m-%Y")

    def moment(self, value: datetime | None) -> str:
        """dd-mm-yyyy HH:MM in the programme's time zone."""
        if value is None:
            return "–"
        return value.astimezone(ZoneInfo(self.programme.timezone)).strftime("%d-%m-%Y %H:%M")


def templates() -> Environment:
    environment = Environment(
        loader=FileSystemLoader(TEMPLATES),
        autoescape=select_autoescape(("html", "svg")),
        undefined=StrictUndefined,  # a misspelt name fails the page's test, not silently blank
        trim_blocks=True,
        lstrip_blocks=True,
        auto_reload=False,
    )
    environment.filters["number"] = number
    return environment
