"""Message catalogs (gettext .po, read with Babel) and the renderer that turns a `Msg` into text."""

from __future__ import annotations

from locales.catalogs import Catalogs, MissingMessage, format_rupiah

__all__ = ["Catalogs", "MissingMessage", "format_rupiah"]
