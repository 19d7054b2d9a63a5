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
    "DecideRenewal",
    "Decided",
    "Decision",
    "ListPending",
    "OpenRegistration",
    "OpenRenewalCheck",
    "PendingItem",
    "PendingPage",
    "RenewalAlreadyDecided",
    "RenewalCheckItem",
    "RenewalCheckView",
    "RenewalChoice",
    "RenewalDecided",
    "ReviewView",
]

Decision = Literal["verified", "rejected", "returned"]
# The kelurahan's decision on a renewal "no": the worker stays, or ends from 1 January for this reason.
RenewalChoice = Literal["continues", "moved", "not_working"]


@dataclass(frozen=True, slots=True)
class PendingItem:
    id: int
    full_name: str
    kelurahan_code: str
    registered_on: date
    status: str = "submitted"  # or "corrected": sent again after a return


@dataclass(frozen=True, slots=True)
class RenewalCheckItem:
    """A participant who answered the renewal question "no" (moved, not working): the kelurahan decides."""

    registration_id: int
    full_name: str
    kelurahan_code: str
    answer: str  # what the worker said: "moved" or "not_working"
    year: int  # the budget year of the round


@dataclass(frozen=True, slots=True)
class PendingPage:
    items: tuple[PendingItem, ...]
    total: int
    kelurahan_codes: tuple[str, ...] = ()  # the verifier's kelurahan; empty for an admin (all of them)
    # Renewal "no"s waiting for the kelurahan in an open round, the longest waiting first (every page).
    renewal_checks: tuple[RenewalCheckItem, ...] = ()
    renewal_total: int = 0
    # How many wait in each kelurahan the asker covers (code, count), by code; only when asked (`counts`).
    by_kelurahan: tuple[tuple[str, int], ...] = ()


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
    """Registrations waiting for the kelurahan (submitted, or corrected after a return), oldest first.

    The web desk narrows the list: `kelurahan_code` one kelurahan of those the asker covers (another
    gives an empty list); `search` a name (any part, any case), a registration number, or the NIK's last
    digits (four or more); `counts` also how many wait in each kelurahan. The defaults are the chat's list."""

    offset: int = 0
    limit: int = 10
    kelurahan_code: str = ""
    search: str = ""
    counts: bool = False


@dataclass(frozen=True, slots=True)
class OpenRegistration(Request[ReviewView | RoleRefused]):
    """One registration in full for the person deciding (NIK masked); each opening is audited."""

    registration_id: int


@dataclass(frozen=True, slots=True)
class DecideRegistration(Request[Decided | AlreadyDecided | RoleRefused]):
    registration_id: int
    decision: Decision
    reason: str = ""  # why it was rejected, or what must be fixed


# ---- the renewal's "no"s (the worker said they moved or stopped working): the kelurahan decides -------------


@dataclass(frozen=True, slots=True)
class RenewalCheckView:
    """One renewal "no" for the verifier: who (NIK masked), what they said and when, and where it stands."""

    registration_id: int
    year: int
    nik_masked: str
    full_name: str
    job_type: str
    job_text: str
    kelurahan_code: str
    answer: str  # "moved" or "not_working" ("" when the row was made without an answer)
    answered_at: datetime | None
    decision: str  # "check" while waiting; "continues" or "ends" once decided
    reason: str = ""
    round_open: bool = True  # a closed round is decided for good ("check" left undecided: continued)


@dataclass(frozen=True, slots=True)
class RenewalDecided:
    registration_id: int
    year: int
    decision: str  # "continues" or "ends"
    reason: str  # why it ends ("moved", "not_working"); what the worker said when it continues


@dataclass(frozen=True, slots=True)
class RenewalAlreadyDecided:
    """Someone decided it meanwhile, or the round was closed: nothing was changed."""

    registration_id: int
    decision: str
    reason: str = ""
    year: int = 0
    round_closed: bool = False


@dataclass(frozen=True, slots=True)
class OpenRenewalCheck(Request[RenewalCheckView | RoleRefused]):
    """The registration's row in the open renewal round, for the verifier deciding; each opening is audited."""

    registration_id: int


@dataclass(frozen=True, slots=True)
class DecideRenewal(Request[RenewalDecided | RenewalAlreadyDecided | RoleRefused]):
    registration_id: int
    choice: RenewalChoice
    note: str = ""  # the verifier's own words, kept on the row
