"""A Bot API update (the JSON that getUpdates or the webhook delivers) → what to do with it.

Private messages and button taps become an `Inbound` for the core. Group messages never reach the
core: the edge only answers that the bot works in a private chat. Anything else is ignored."""

from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from telegram import Chat, Message, Update

from conversations.inbound import Inbound, InboundKind

__all__ = ["CHANNEL", "ForTheCore", "Ignored", "NotPrivate", "ParsedUpdate", "parse_update", "update_id_of"]

CHANNEL = "telegram"

# "/menu@JaringBot" (how commands look when picked from a list in some apps) → "/menu".
_COMMAND_WITH_BOT_NAME = re.compile(r"^(/[A-Za-z0-9_]+)@[A-Za-z0-9_]+")


@dataclass(frozen=True, slots=True)
class ForTheCore:
    inbound: Inbound
    chat_id: int
    callback_query_id: str | None = None  # a tap to acknowledge
    tapped_message_id: int | None = None  # the message whose button was tapped


@dataclass(frozen=True, slots=True)
class NotPrivate:
    """A message in a group: answer that the bot works in a private chat, and nothing else."""

    chat_id: int
    callback_query_id: str | None = None


@dataclass(frozen=True, slots=True)
class Ignored:
    reason: str
    callback_query_id: str | None = None


ParsedUpdate = ForTheCore | NotPrivate | Ignored


def update_id_of(raw: Mapping[str, Any]) -> int | None:
    update_id = raw.get("update_id")
    return update_id if isinstance(update_id, int) and not isinstance(update_id, bool) else None


def parse_update(raw: Mapping[str, Any], *, bot_id: int, received_at: datetime) -> ParsedUpdate:
    """Never raises: an update that cannot be read is `Ignored` with the reason.

    The inbox message id is "<bot id>:<update id>": Telegram numbers updates per bot, so a new bot
    token on the same database cannot collide with the old bot's updates."""
    update_id = update_id_of(raw)
    if update_id is None:
        return Ignored("no update_id")
    try:
        return _parse(Update.de_json(dict(raw), None), f"{bot_id}:{update_id}", received_at)
    except Exception as exc:  # malformed JSON makes PTB (or us) raise anything: KeyError, AttributeError…
        return Ignored(f"unreadable update ({type(exc).__name__})")


def _parse(update: Update, message_id: str, received_at: datetime) -> ParsedUpdate:
    if update.callback_query is not None:
        return _tap(update, message_id, received_at)
    if update.message is not None:
        return _message(update.message, message_id, received_at)
    return Ignored("not a message or a button tap")


def _tap(update: Update, message_id: str, received_at: datetime) -> ParsedUpdate:
    query = update.callback_query
    assert query is not None
    if query.message is not None and query.message.chat.type != Chat.PRIVATE:
        return NotPrivate(query.message.chat.id, query.id)
    if query.data is None or query.from_user.is_bot:
        return Ignored("a tap without data", query.id)
    person = query.from_user.id
    inbound = Inbound(
        channel=CHANNEL,
        sender_id=str(person),
        message_id=message_id,
        received_at=received_at,
        kind=InboundKind.CHOICE,
        choice_id=query.data,
        sender_name=query.from_user.first_name,
    )
    tapped = query.message.message_id if query.message is not None else None
    return ForTheCore(inbound, person, callback_query_id=query.id, tapped_message_id=tapped)


def _message(message: Message, message_id: str, received_at: datetime) -> ParsedUpdate:
    chat = message.chat
    if chat.type in (Chat.GROUP, Chat.SUPERGROUP):
        return NotPrivate(chat.id)
    if chat.type != Chat.PRIVATE:
        return Ignored(f"a {chat.type} chat")
    sender = message.from_user
    if sender is None or sender.is_bot:
        return Ignored("not from a person")
    common: dict[str, Any] = {
        "channel": CHANNEL,
        "sender_id": str(chat.id),
        "message_id": message_id,
        "received_at": received_at,
        "sender_name": sender.first_name,
    }
    if isinstance(message.text, str):
        return ForTheCore(Inbound(text=_without_bot_name(message.text), **common), chat.id)
    if message.contact is not None:
        phone = message.contact.phone_number
        return ForTheCore(Inbound(kind=InboundKind.CONTACT, phone=phone, **common), chat.id)
    if message.effective_attachment is not None:  # photo, sticker, voice, location, document…
        return ForTheCore(Inbound(kind=InboundKind.UNSUPPORTED, **common), chat.id)
    return Ignored("a service message")


def _without_bot_name(text: str) -> str:
    return _COMMAND_WITH_BOT_NAME.sub(r"\1", text, count=1)
