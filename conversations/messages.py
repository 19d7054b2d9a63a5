"""What the bot says, as data: a message key with parameters, rendered later per language and channel."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import date
from typing import Protocol, TypeAlias

__all__ = ["Choice", "Money", "Msg", "Param", "Renderer", "Reply", "msg"]


@dataclass(frozen=True, slots=True)
class Money:
    """An amount in rupiah; rendered the Indonesian way (Rp42.000.000)."""

    rupiah: int


Param: TypeAlias = "str | int | Money | date | Msg | tuple[Msg, ...]"


@dataclass(frozen=True, slots=True)
class Msg:
    """A message key from the catalogs in `locales/` and the values for its placeholders."""

    key: str
    params: Mapping[str, Param] = field(default_factory=dict)


def msg(key: str, **params: Param) -> Msg:
    return Msg(key, params)


@dataclass(frozen=True, slots=True)
class Choice:
    """One answer the person can pick: by button (id), by its number, or by typing its label."""

    id: str
    label: Msg
    aliases: tuple[str, ...] = ()  # other words that also pick it ("ya", "iya", "y")
    # Picked by typing this number (a registration number, shown in its label) instead of its position;
    # a reply with such choices numbers none by position (conversations/choices.py, the channels).
    number: int | None = None


@dataclass(frozen=True, slots=True)
class Reply:
    """One message to send: paragraphs joined by a blank line, and the choices offered with it."""

    parts: tuple[Msg, ...]
    choices: tuple[Choice, ...] = ()

    @staticmethod
    def of(*parts: Msg, choices: tuple[Choice, ...] = ()) -> Reply:
        return Reply(parts, choices)


class Renderer(Protocol):
    """Turns a message into text in a language. Implemented by `locales`; passed in, never imported."""

    def render(self, message: Msg, language: str) -> str: ...
