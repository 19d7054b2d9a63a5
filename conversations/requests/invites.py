"""Invite codes: `kode AB12CD` gives the role the code was made for."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from conversations.requests.base import Request

__all__ = [
    "InviteRefused",
    "RedeemInvite",
    "Redeemed",
    "TooManyInviteTries",
]


@dataclass(frozen=True, slots=True)
class Redeemed:
    role: str
    kelurahan_code: str
    rt: str = ""
    rw: str = ""


@dataclass(frozen=True, slots=True)
class InviteRefused:
    reason: Literal["unknown", "used", "expired"]


@dataclass(frozen=True, slots=True)
class TooManyInviteTries:
    """This person typed too many wrong invite codes lately: the code was not even looked up. They may
    try again in `wait_minutes` minutes (at least 1)."""

    wait_minutes: int


@dataclass(frozen=True, slots=True)
class RedeemInvite(Request[Redeemed | InviteRefused | TooManyInviteTries]):
    """Answered with `Redeemed`, `InviteRefused`, or `TooManyInviteTries` (wrong codes are limited per person)."""

    code: str
