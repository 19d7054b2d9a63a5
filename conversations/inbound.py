"""A message from a person, the same shape whichever channel it came through."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime
from enum import StrEnum

__all__ = ["Inbound", "InboundKind"]


class InboundKind(StrEnum):
    TEXT = "text"
    CHOICE = "choice"  # a button or list row was tapped: `choice_id` says which
    CONTACT = "contact"  # a shared phone contact: `phone` holds the number
    UNSUPPORTED = "unsupported"  # photo, sticker, voice note, location, document…


@dataclass(frozen=True, slots=True)
class Inbound:
    channel: str
    sender_id: str
    message_id: str
    received_at: datetime
    text: str = ""
    kind: InboundKind = InboundKind.TEXT
    choice_id: str | None = None
    phone: str | None = None
    sender_name: str | None = None
