"""Requests of the Dinas's and the kelurahan's work (verification, approval within the quota, roles) and
their answers. Every answer is checked again in the store against the asker's roles and kelurahan: a
flow's own check only decides what to show. Kept apart from `requests.py`, which lists them in `Request`.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Literal

__all__ = [
    "REVIEW_REQUESTS",
    "AlreadyDecided",
    "ApprovalDone",
    "ApproveVerified",
    "ChangeQuota",
    "DecideRegistration",
    "Decided",
    "Decision",
    "InviteMade",
    "ListPending",
    "ListRoleHolders",
    "ListWaiting",
    "MakeInvite",
    "OpenRegistration",
    "PendingItem",
    "PendingPage",
    "QuotaBelowUsed",
    "QuotaChanged",
    "QuotaNotSet",
    "QuotaOverview",
    "QuotaSummary",
    "ReviewEvent",
    "ReviewRequest",
    "ReviewView",
    "RevokeRole",
    "Revoked",
    "RoleHolder",
    "RoleHoldersPage",
    "RoleRefused",
    "WaitingItem",
    "WaitingPage",
]

Decision = Literal["verified", "rejected", "returned"]


# ---- verification (verifiers: their kelurahan; admins: all) ----------------------------------------


@dataclass(frozen=True, slots=True)
class ListPending:
    """Registrations waiting for the kelurahan (submitted, or corrected after a return), oldest first."""

    offset: int = 0
    limit: int = 10


@dataclass(frozen=True, slots=True)
class OpenRegistration:
    """One registration in full for the person deciding (NIK masked); each opening is audited."""

    registration_id: int


@dataclass(frozen=True, slots=True)
class DecideRegistration:
    registration_id: int
    decision: Decision
    reason: str = ""  # why it was rejected, or what must be fixed


# ---- approval within the quota (admins) ----------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class QuotaOverview:
    """This year's places, used, verified and waiting for approval, on the waiting list."""


@dataclass(frozen=True, slots=True)
class ApproveVerified:
    """Approve verified registrations (and waiting-list ones) in priority order up to the quota; the
    verified ones that do not fit go on the waiting list."""


@dataclass(frozen=True, slots=True)
class ListWaiting:
    offset: int = 0
    limit: int = 10


@dataclass(frozen=True, slots=True)
class ChangeQuota:
    """Set this year's places; the waiting list moves up into the new free places."""

    places: int
    reason: str = ""


# ---- roles (admins) ------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ListRoleHolders:
    offset: int = 0
    limit: int = 10


@dataclass(frozen=True, slots=True)
class RevokeRole:
    contact_id: int
    role: str


@dataclass(frozen=True, slots=True)
class MakeInvite:
    """A one-time code for a kelurahan verifier, or for an RT/RW leader (rt and rw as "003")."""

    role: Literal["verifier", "rtrw"]
    kelurahan_code: str
    rt: str = ""
    rw: str = ""


ReviewRequest = (
    ListPending
    | OpenRegistration
    | DecideRegistration
    | QuotaOverview
    | ApproveVerified
    | ListWaiting
    | ChangeQuota
    | ListRoleHolders
    | RevokeRole
    | MakeInvite
)
REVIEW_REQUESTS = (
    ListPending,
    OpenRegistration,
    DecideRegistration,
    QuotaOverview,
    ApproveVerified,
    ListWaiting,
    ChangeQuota,
    ListRoleHolders,
    RevokeRole,
    MakeInvite,
)


# ---- answers -------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RoleRefused:
    """The asker does not hold the role, or the registration is outside their kelurahan (or gone)."""


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
class ReviewEvent:
    status: str
    at: datetime
    reason: str = ""


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
    history: tuple[ReviewEvent, ...] = field(default_factory=tuple)


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
class QuotaSummary:
    year: int
    places: int | None  # None: neither the Dinas nor the programme file set a quota for the year
    used: int
    verified: int  # verified, waiting for the Dinas's approval
    waiting: int  # on the waiting list

    @property
    def free(self) -> int:
        return max(0, (self.places or 0) - self.used)


@dataclass(frozen=True, slots=True)
class QuotaNotSet:
    year: int


@dataclass(frozen=True, slots=True)
class ApprovalDone:
    year: int
    approved: int
    waiting_list: int  # newly put on the waiting list
    places: int
    used: int


@dataclass(frozen=True, slots=True)
class WaitingItem:
    position: int
    id: int
    full_name: str
    kelurahan_code: str
    priorities_met: int
    registered_on: date


@dataclass(frozen=True, slots=True)
class WaitingPage:
    items: tuple[WaitingItem, ...]
    total: int


@dataclass(frozen=True, slots=True)
class QuotaChanged:
    year: int
    places: int
    promoted: int
    used: int


@dataclass(frozen=True, slots=True)
class QuotaBelowUsed:
    year: int
    used: int


@dataclass(frozen=True, slots=True)
class RoleHolder:
    grant_id: int
    contact_id: int
    address: str  # "telegram:123456789"
    role: str
    kelurahan_code: str
    rt: str
    rw: str
    since: datetime
    granted_by: str


@dataclass(frozen=True, slots=True)
class RoleHoldersPage:
    items: tuple[RoleHolder, ...]
    total: int


@dataclass(frozen=True, slots=True)
class Revoked:
    grants: int  # how many grants of that role were revoked (0: nothing held it any more)


@dataclass(frozen=True, slots=True)
class InviteMade:
    code: str
    role: str
    kelurahan_code: str
    rt: str
    rw: str
    expires_on: date
