"""Helpers for the pure-core tests: the real programme file and catalogs, a fixed time, and small
builders for states, inbound messages and contexts. No database, no mocks of our own code."""

from __future__ import annotations

from datetime import UTC, datetime
from functools import cache
from pathlib import Path

from conversations.engine import MENU_FLOW, Outcome
from conversations.flow import ContactInfo, Context
from conversations.inbound import Inbound, InboundKind
from conversations.messages import Reply
from conversations.programme import Programme, load_programme
from conversations.state import SessionState
from locales import Catalogs

__all__ = [
    "CONSENTED_AT",
    "MENU",
    "NOW",
    "PROGRAMME_FILE",
    "ROOT",
    "catalogs",
    "choice_ids",
    "context",
    "inbound",
    "keys",
    "programme",
    "render_reply",
]

ROOT = Path(__file__).resolve().parent.parent
PROGRAMME_FILE = ROOT / "programmes" / "kota-pekalongan.toml"
NOW = datetime(2026, 11, 21, 8, 0, tzinfo=UTC)
CONSENTED_AT = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)
# Where the engine leaves a person after showing the main menu.
MENU = SessionState(MENU_FLOW, 1, "choose")


@cache
def programme() -> Programme:
    return load_programme(PROGRAMME_FILE.read_text(encoding="utf-8"), source=str(PROGRAMME_FILE))


@cache
def catalogs() -> Catalogs:
    return Catalogs.load()


def context(language: str = "id", *, consented: bool = False, roles: frozenset[str] = frozenset()) -> Context:
    """A contact on the terminal channel; a consenting one agreed to the notice the day before."""
    contact = ContactInfo(
        channel="terminal",
        roles=roles,
        consented=consented,
        consented_at=CONSENTED_AT if consented else None,
    )
    return Context(now=NOW, language=language, programme=programme(), contact=contact, renderer=catalogs())


def inbound(
    text: str = "",
    *,
    kind: InboundKind = InboundKind.TEXT,
    choice_id: str | None = None,
    phone: str | None = None,
) -> Inbound:
    return Inbound(
        channel="terminal",
        sender_id="person-1",
        message_id="m-1",
        received_at=NOW,
        text=text,
        kind=kind,
        choice_id=choice_id,
        phone=phone,
    )


def keys(outcome: Outcome) -> list[list[str]]:
    """The message keys of each reply, in order: what the person is told, without the wording."""
    return [[part.key for part in reply.parts] for reply in outcome.replies]


def choice_ids(outcome: Outcome) -> list[list[str]]:
    return [[choice.id for choice in reply.choices] for reply in outcome.replies]


def render_reply(reply: Reply, language: str) -> tuple[str, list[str]]:
    """The body and choice labels, rendered exactly as bot.pipeline.Pipeline.render_reply does."""
    body = "\n\n".join(catalogs().render(part, language) for part in reply.parts)
    return body, [catalogs().render(choice.label, language) for choice in reply.choices]
