"""A WhatsApp Cloud API webhook payload → the messages for the core and the delivery statuses.

One payload can carry several entries, each with several changes, each with several messages and
statuses. Text, reply-button and list taps, and template quick-reply buttons reach the core as text
or choices; photos, voice notes, stickers, locations, shared contacts and the like reach it as
UNSUPPORTED (the core answers what the bot understands). Nothing here raises on an odd payload:
what cannot be read is skipped with the reason."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

from conversations.inbound import Inbound, InboundKind

__all__ = ["CHANNEL", "ForTheCore", "ParsedPayload", "StatusUpdate", "parse_payload"]

CHANNEL = "whatsapp"
MAX_ID_LENGTH = 128  # the inbox keeps message ids up to this length
_UNSUPPORTED = frozenset(
    {"image", "audio", "video", "sticker", "document", "location", "contacts", "unsupported", "reaction", "order"}
)
_STATUSES = frozenset({"sent", "delivered", "read", "failed"})


@dataclass(frozen=True, slots=True)
class ForTheCore:
    inbound: Inbound
    business_user_id: str | None = None  # Meta's business-scoped user id, when the payload has one


@dataclass(frozen=True, slots=True)
class StatusUpdate:
    """What became of a message we sent: found again by the id the Graph API gave it."""

    provider_message_id: str
    status: str  # sent | delivered | read | failed
    error: str | None = None  # "<code> <title>" for failed
    error_code: int | None = None


@dataclass(slots=True)
class ParsedPayload:
    messages: list[ForTheCore] = field(default_factory=list)
    statuses: list[StatusUpdate] = field(default_factory=list)
    ignored: list[str] = field(default_factory=list)  # reasons only: never the content


def parse_payload(raw: Mapping[str, Any], *, phone_number_id: str, received_at: datetime) -> ParsedPayload:
    """Everything in the payload addressed to our number (`phone_number_id`); never raises."""
    parsed = ParsedPayload()
    for entry in _dicts(raw.get("entry")):
        for change in _dicts(entry.get("changes")):
            value = change.get("value")
            if change.get("field") != "messages" or not isinstance(value, dict):
                parsed.ignored.append("not a messages change")
                continue
            metadata = value.get("metadata")
            to = metadata.get("phone_number_id") if isinstance(metadata, dict) else None
            if str(to) != phone_number_id:
                parsed.ignored.append("for another phone number")
                continue
            _read_value(value, received_at, parsed)
    return parsed


def _read_value(value: Mapping[str, Any], received_at: datetime, parsed: ParsedPayload) -> None:
    people = {_text(c.get("wa_id")): c for c in _dicts(value.get("contacts")) if _text(c.get("wa_id"))}
    for message in _dicts(value.get("messages")):
        try:
            read = _message(message, people, received_at)
        except Exception as exc:  # a shape nobody expected: skip it, keep the rest of the payload
            read = f"unreadable message ({type(exc).__name__})"
        if isinstance(read, ForTheCore):
            parsed.messages.append(read)
        else:
            parsed.ignored.append(read)
    for status in _dicts(value.get("statuses")):
        found = _status(status)
        if isinstance(found, StatusUpdate):
            parsed.statuses.append(found)
        else:
            parsed.ignored.append(found)


def _message(message: Mapping[str, Any], people: Mapping[str, Mapping[str, Any]], at: datetime) -> ForTheCore | str:
    sender = _text(message.get("from"))
    message_id = _text(message.get("id"))
    if not sender or not message_id or len(message_id) > MAX_ID_LENGTH or len(sender) > 64:
        return "a message without a usable sender or id"
    person = people.get(sender, {})
    profile = person.get("profile")
    name = _text(profile.get("name")) if isinstance(profile, dict) else ""
    business_user_id = _text(person.get("user_id")) or _text(message.get("from_user_id"))
    common: dict[str, Any] = {
        "channel": CHANNEL,
        "sender_id": sender,
        "message_id": message_id,
        "received_at": at,
        "sender_name": name or None,
    }
    kind = message.get("type")
    if kind == "text":
        body = message.get("text")
        text = _text(body.get("body")) if isinstance(body, dict) else ""
        inbound = Inbound(text=text, **common)
    elif kind == "interactive":
        choice = _interactive_choice(message.get("interactive"))
        if choice is None:
            return "an interactive message that is not a button or list reply"
        inbound = Inbound(kind=InboundKind.CHOICE, choice_id=choice, **common)
    elif kind == "button":  # a template's quick-reply button
        button = message.get("button")
        payload = (_text(button.get("payload")) or _text(button.get("text"))) if isinstance(button, dict) else ""
        if not payload:
            return "a template button without a payload"
        inbound = Inbound(kind=InboundKind.CHOICE, choice_id=payload, **common)
    elif kind in _UNSUPPORTED:
        inbound = Inbound(kind=InboundKind.UNSUPPORTED, **common)
    else:
        return f"a {str(kind)[:20]!r} message"
    return ForTheCore(inbound, business_user_id[:128] or None)


def _interactive_choice(interactive: object) -> str | None:
    if not isinstance(interactive, dict):
        return None
    kind = interactive.get("type")
    if kind not in ("button_reply", "list_reply"):
        return None
    reply = interactive.get(kind)
    choice = _text(reply.get("id")) if isinstance(reply, dict) else ""
    return choice or None


def _status(status: Mapping[str, Any]) -> StatusUpdate | str:
    provider_id = _text(status.get("id"))
    state = status.get("status")
    if not provider_id or state not in _STATUSES:
        return "a status without an id or with an unknown state"
    error, code = None, None
    if state == "failed":
        errors = list(_dicts(status.get("errors")))
        first = errors[0] if errors else {}
        given = first.get("code")
        code = given if isinstance(given, int) and not isinstance(given, bool) else None
        error = f"{code if code is not None else '?'} {_text(first.get('title')) or 'failed'}"[:500]
    return StatusUpdate(provider_id, str(state), error, code)


def _dicts(value: object) -> list[dict[str, Any]]:
    return [item for item in value if isinstance(item, dict)] if isinstance(value, list) else []


def _text(value: object) -> str:
    return value.strip() if isinstance(value, str) else ""
