"""Loads `locales/<lang>/LC_MESSAGES/*.po` and renders messages with their parameters.

`jaring.po` holds the conversations' shared texts; a larger subject has a file of its own
(`benefits.po`, `claims.po`, …) so that each stays readable. A key may appear in only one file.

Message ids are keys ("privacy.notice"); the Indonesian catalog is the source every other language
follows. Parameters use Python's `{name}` placeholders; rupiah and dates are formatted per language.
"""

from __future__ import annotations

import re
from collections.abc import Mapping
from datetime import date
from functools import lru_cache
from pathlib import Path

from conversations.messages import Money, Msg, Param
from locales.po import read_translations

__all__ = ["CATALOG_DIR", "Catalogs", "MissingMessage", "format_rupiah", "placeholders"]

CATALOG_DIR = Path(__file__).resolve().parent
SOURCE_LANGUAGE = "id"
_BABEL_LOCALE = {"id": "id_ID", "en": "en"}
_PLACEHOLDER = re.compile(r"(?<!\{)\{([a-z_][a-z0-9_]*)\}(?!\})")


class MissingMessage(KeyError):
    """A message key, or a placeholder's value, is missing."""


@lru_cache(maxsize=1024)  # Babel takes ~50 µs an amount; the programme has a handful of them
def format_rupiah(amount: int, language: str) -> str:
    from babel.numbers import format_decimal  # noqa: PLC0415  # Babel loads at the first amount, not at start-up

    return "Rp" + format_decimal(amount, locale=_BABEL_LOCALE.get(language, "id_ID"), group_separator=True)


def placeholders(text: str) -> frozenset[str]:
    return frozenset(_PLACEHOLDER.findall(text))


class Catalogs:
    def __init__(self, messages: Mapping[str, Mapping[str, str]]) -> None:
        if SOURCE_LANGUAGE not in messages:
            raise ValueError("the Indonesian catalog is required")
        self.messages = messages
        self._plain: dict[tuple[str, str], str] = {}

    @classmethod
    def load(cls, folder: Path = CATALOG_DIR) -> Catalogs:
        messages: dict[str, dict[str, str]] = {}
        for po_file in sorted(folder.glob("*/LC_MESSAGES/*.po")):
            language = po_file.parent.parent.name
            found = read_translations(po_file, _BABEL_LOCALE.get(language, language))
            known = messages.setdefault(language, {})
            twice = sorted(found.keys() & known.keys())
            if twice:
                raise ValueError(f"{po_file}: keys already in another catalog file: {', '.join(twice)}")
            known.update(found)
        return cls(messages)

    @property
    def languages(self) -> tuple[str, ...]:
        return tuple(self.messages)

    def template(self, key: str, language: str) -> str:
        found = self.messages.get(language, {}).get(key) or self.messages[SOURCE_LANGUAGE].get(key)
        if found is None:
            raise MissingMessage(key)
        return found

    def render(self, message: Msg, language: str) -> str:
        if not message.params:  # most labels and many paragraphs: rendered once, then looked up
            plain = self._plain.get((message.key, language))
            if plain is None:
                plain = self._plain[message.key, language] = self._format(message, language)
            return plain
        return self._format(message, language)

    def _format(self, message: Msg, language: str) -> str:
        template = self.template(message.key, language)
        values = {name: self._value(value, language) for name, value in message.params.items()}
        try:
            return template.format_map(values)
        except KeyError as exc:
            raise MissingMessage(f"{message.key}: no value for {exc}") from exc

    def _value(self, value: Param, language: str) -> str:
        if isinstance(value, Money):
            return format_rupiah(value.rupiah, language)
        if isinstance(value, date):
            from babel.dates import format_date  # noqa: PLC0415  # as format_rupiah

            return format_date(value, format="long", locale=_BABEL_LOCALE.get(language, "id_ID"))
        if isinstance(value, Msg):
            return self.render(value, language)
        if isinstance(value, tuple):
            return "\n".join(self.render(item, language) for item in value)
        return str(value)
