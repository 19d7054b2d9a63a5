"""What every channel's sender takes and answers. The outbox worker in `bot` drives the senders."""

from __future__ import annotations

from collections.abc import Sequence
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
    "shown_choices",
]


@dataclass(frozen=True, slots=True)
class OutgoingChoice:
    id: str
    label: str
    # Picked by the number its label shows (a registration number, "No. 4 — …"), not by its position.
    keyed: bool = False


def shown_choices(choices: Sequence[OutgoingChoice]) -> list[str]:
    """Each choice as a numbered line ("2. Tolak"); when any is keyed by its own number, the labels
    alone: a position number beside a registration number would invite the wrong one."""
    if any(choice.keyed for choice in choices):
        return [choice.label for choice in choices]
    return [f"{number}. {choice.label}" for number, choice in enumerate(choices, start=1)]


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
