"""Verification by the kelurahan (verifiers: their own kelurahan; admins: all). Every answer is
checked again in the store against the asker's roles and kelurahan: a flow's own check only decides
what to show."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Literal

from conversations.requests.base import Request, RoleRefused
from conversations.requests.registrations import StatusEvent

__all__ = [
    "AlreadyDecided",
    "DecideRegistration",
    "Decided",
    "Decision",
    "ListPending",
    "OpenRegistration",
    "PendingItem",
    "PendingPage",
    "ReviewView",
]

Decision = Literal["verified", "rejected", "returned"]


@dataclass(frozen=True, slots=True)
class PendingItem:
    id: int
    full_name: str
    kelurahan_code: str
    registered_on: date


@dataclass(frozen=True, slots=True)
class PendingPage:
    items: tuple[PendingItem, ...]
    total: int
    kelurahan_codes: tuple[str, ...] = ()  # the verifier's kelurahan; empty for an admin (all of them)


@dataclass(frozen=True, slots=True)
class ReviewView:
    """What the verifier decides on. The NIK only masked; who registered it: the person or a leader."""

    id: int
    nik_masked: str
    full_name: str
    birth_date: date | None
    female: bool | None
    street: str
    rt: str
    rw: str
    kelurahan_code: str
    job_type: str
    job_text: str
    phone: str
    breadwinner: bool | None
    poverty_register: str
    status: str
    status_reason: str
    registered_at: datetime
    by_leader: bool
    leader_rt: str = ""
    leader_rw: str = ""
    history: tuple[StatusEvent, ...] = field(default_factory=tuple)
    flags: tuple[str, ...] = ()  # the programme rules it was registered breaking (registration_flags)


@dataclass(frozen=True, slots=True)
class Decided:
    registration_id: int
    status: str


@dataclass(frozen=True, slots=True)
class AlreadyDecided:
    """Someone else decided it meanwhile: nothing was changed."""

    registration_id: int
    status: str


@dataclass(frozen=True, slots=True)
class ListPending(Request[PendingPage | RoleRefused]):
    """Registrations waiting for the kelurahan (submitted, or corrected after a return), oldest first."""

    offset: int = 0
    limit: int = 10


@dataclass(frozen=True, slots=True)
class OpenRegistration(Request[ReviewView | RoleRefused]):
    """One registration in full for the person deciding (NIK masked); each opening is audited."""

    registration_id: int


@dataclass(frozen=True, slots=True)
class DecideRegistration(Request[Decided | AlreadyDecided | RoleRefused]):
    registration_id: int
    decision: Decision
    reason: str = ""  # why it was rejected, or what must be fixed
