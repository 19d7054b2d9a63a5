"""What every channel's sender takes and answers. The outbox worker in `bot` drives the senders."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime
from typing import Protocol

__all__ = [
    "Delivered",
    "Failed",
    "OutgoingChoice",
    "OutgoingFile",
    "OutgoingMessage",
    "RetryLater",
    "SendResult",
    "Sender",
    "Unreachable",
]


@dataclass(frozen=True, slots=True)
class OutgoingChoice:
    id: str
    label: str


@dataclass(frozen=True, slots=True)
class OutgoingFile:
    """A file to send with the message's body as its caption (decrypted content: never log it)."""

    name: str
    media_type: str
    content: bytes = field(repr=False)


@dataclass(frozen=True, slots=True)
class OutgoingMessage:
    id: int
    channel: str
    recipient: str
    body: str
    choices: tuple[OutgoingChoice, ...] = ()
    kind: str = "reply"
    attempt: int = 1
    # When the person last wrote to us (None: never). WhatsApp needs it: free-form messages may go
    # only within 24 hours of it; a reply is inside that window by construction.
    last_inbound_at: datetime | None = None
    file: OutgoingFile | None = None
    # The provider's id of a message this one rewrites (a progress line kept up to date); a channel that
    # cannot edit sends it as a new message.
    replaces: str | None = None


@dataclass(frozen=True, slots=True)
class Delivered:
    provider_message_id: str | None = None


@dataclass(frozen=True, slots=True)
class RetryLater:
    """Try again after this many seconds (a rate limit's retry_after, or backoff after an error).
    A rate limit is not the message's fault: it does not use up one of its attempts."""

    after_seconds: float
    reason: str
    rate_limited: bool = False


@dataclass(frozen=True, slots=True)
class Failed:
    reason: str


@dataclass(frozen=True, slots=True)
class Unreachable:
    """The person blocked the bot or the account is gone: stop sending to them."""

    reason: str


SendResult = Delivered | RetryLater | Failed | Unreachable


class Sender(Protocol):
    channel: str

    async def send(self, message: OutgoingMessage) -> SendResult: ...
