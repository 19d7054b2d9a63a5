"""Approval within the year's quota, the waiting list, and changing the quota (admins)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal

from conversations.requests.base import Request, RoleRefused

__all__ = [
    "ApprovalDone",
    "ApprovalRecord",
    "ApproveFlagged",
    "ApproveSelected",
    "ApproveVerified",
    "ChangeQuota",
    "FlagOverridden",
    "FlaggedItem",
    "ListForApproval",
    "ListWaiting",
    "NoPlaceLeft",
    "NotHeld",
    "Queue",
    "QuotaAlreadySet",
    "QuotaBelowUsed",
    "QuotaChangeRecord",
    "QuotaChanged",
    "QuotaHistory",
    "QuotaHistoryView",
    "QuotaNotSet",
    "QuotaOverview",
    "QuotaSummary",
    "WaitingItem",
    "WaitingPage",
]


@dataclass(frozen=True, slots=True)
class FlaggedItem:
    """A verified (or waiting-list) registration that breaks a programme rule: never approved without an
    admin's override with a reason."""

    id: int
    full_name: str
    flags: tuple[str, ...]  # registration_flags ids, the age one judged on the day it was registered
    birth_date: date | None
    registered_on: date  # the day the age rule is judged on (programme_rules.age_rule_day)


@dataclass(frozen=True, slots=True)
class QuotaSummary:
    year: int
    places: int | None  # None: neither the Dinas nor the programme file set a quota for the year
    used: int
    verified: int  # verified, waiting for the Dinas's approval (flagged ones included)
    waiting: int  # on the waiting list (flagged ones included)
    flagged: tuple[FlaggedItem, ...] = ()  # of those, the ones held out until an admin overrides them
    # The newest earlier year with a quota (the Dinas's or the programme file's), offered when this
    # year has none.
    previous_year: int | None = None
    previous_places: int | None = None

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
    held: tuple[FlaggedItem, ...] = ()  # flagged, not approved: each needs an override with a reason
    overridden: tuple[FlaggedItem, ...] = ()  # flagged, approved by the admin's override (named by number)
    not_waiting: int = 0  # chosen by name, but no longer waiting for approval (decided meanwhile): untouched


@dataclass(frozen=True, slots=True)
class FlagOverridden:
    """A flagged registration approved by an admin's override; the reason is on its record."""

    registration_id: int
    year: int
    places: int
    used: int


@dataclass(frozen=True, slots=True)
class NoPlaceLeft:
    year: int
    places: int


@dataclass(frozen=True, slots=True)
class NotHeld:
    """Not a flagged registration waiting for approval (any more): nothing was changed."""

    registration_id: int


@dataclass(frozen=True, slots=True)
class WaitingItem:
    position: int
    id: int
    full_name: str
    kelurahan_code: str
    priorities_met: int
    registered_on: date  # also the day its age rule is judged on (programme_rules.age_rule_day)
    status: str = "waiting_list"
    flags: tuple[str, ...] = ()  # registration_flags ids: held out of approval until an admin overrides them
    birth_date: date | None = None


@dataclass(frozen=True, slots=True)
class WaitingPage:
    items: tuple[WaitingItem, ...]
    total: int


@dataclass(frozen=True, slots=True)
class QuotaChangeRecord:
    at: datetime
    by: str  # the admin's address (channel:id), or the command line's actor
    places: int
    reason: str


@dataclass(frozen=True, slots=True)
class ApprovalRecord:
    """One approval as the audit recorded it."""

    id: int
    at: datetime
    by: str
    by_contact_id: int | None
    approved: int
    waiting_list: int
    places: int
    held: tuple[int, ...]  # registration numbers held out (flagged)
    selected: int | None  # how many the admin chose by name; None: all in priority order up to the quota
    not_waiting: int


@dataclass(frozen=True, slots=True)
class QuotaHistoryView:
    year: int
    changes: tuple[QuotaChangeRecord, ...]  # oldest first
    approvals: tuple[ApprovalRecord, ...]  # oldest first


@dataclass(frozen=True, slots=True)
class QuotaChanged:
    year: int
    places: int
    promoted: int
    used: int


@dataclass(frozen=True, slots=True)
class QuotaAlreadySet:
    """Asked to set the quota only if it had none, and someone had set it meanwhile: nothing changed."""

    year: int
    places: int


@dataclass(frozen=True, slots=True)
class QuotaBelowUsed:
    year: int
    used: int


@dataclass(frozen=True, slots=True)
class QuotaOverview(Request[QuotaSummary | RoleRefused]):
    """This year's places, used, verified and waiting for approval, on the waiting list."""


@dataclass(frozen=True, slots=True)
class ApproveVerified(Request[ApprovalDone | QuotaNotSet | RoleRefused]):
    """Approve verified registrations (and waiting-list ones) in priority order up to the quota; the
    verified ones that do not fit go on the waiting list."""


@dataclass(frozen=True, slots=True)
class ApproveFlagged(Request[FlagOverridden | NoPlaceLeft | NotHeld | QuotaNotSet | RoleRefused]):
    """Approve one flagged registration despite the rules it breaks, with the admin's reason (recorded
    on the registration's history and in the audit)."""

    registration_id: int
    reason: str


@dataclass(frozen=True, slots=True)
class ApproveSelected(Request[ApprovalDone | QuotaNotSet | RoleRefused]):
    """Approve the registrations the admin chose by name, as `ApproveVerified` does (priority order among
    them, up to the quota, the verified ones that do not fit on the waiting list, flagged ones held);
    the others are not touched."""

    registration_ids: tuple[int, ...]


# verified: waiting for the Dinas's approval; waiting_list: on the waiting list; in_quota: holding a
# place of this year's quota.
Queue = Literal["verified", "waiting_list", "in_quota"]


@dataclass(frozen=True, slots=True)
class ListForApproval(Request[WaitingPage | RoleRefused]):
    """Registrations by name in priority order, a page at a time, each with the rules it breaks.
    `only`: just these registration numbers (the admin's choice being confirmed)."""

    queues: tuple[Queue, ...] = ("verified",)
    offset: int = 0
    limit: int = 10
    only: tuple[int, ...] | None = None


@dataclass(frozen=True, slots=True)
class QuotaHistory(Request[QuotaHistoryView | RoleRefused]):
    """This year's quota changes (who, when, places, reason) and the approvals recorded."""


@dataclass(frozen=True, slots=True)
class ListWaiting(Request[WaitingPage | RoleRefused]):
    offset: int = 0
    limit: int = 10


@dataclass(frozen=True, slots=True)
class ChangeQuota(Request[QuotaChanged | QuotaBelowUsed | QuotaAlreadySet | RoleRefused]):
    """Set this year's places; the waiting list moves up into the new free places. `only_if_unset`: only
    when the year has no quota yet (a one-tap offer made when it had none), checked under the quota
    lock, so a stale tap never overwrites another admin's figure."""

    places: int
    reason: str = ""
    only_if_unset: bool = False
