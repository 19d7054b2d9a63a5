"""The Dinas's follow-up work on the web desk (admins): the heirs' claim cases and the accident reports
to follow up, each opened on its own, an accident report marked as followed up, and one role holder
opened before their role is revoked. The lists name the worker (admins see names) with the NIK masked."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal

from conversations.coverage import Coverage
from conversations.requests.base import Request, RoleRefused
from conversations.requests.roles import RoleHolder

__all__ = [
    "AccidentFollowUp",
    "AccidentFollowUpPage",
    "AccidentFollowUpView",
    "ClaimDocumentState",
    "ClaimFollowUp",
    "ClaimFollowUpPage",
    "ClaimFollowUpView",
    "FollowedUp",
    "ListAccidentFollowUps",
    "ListClaimFollowUps",
    "MarkAccidentFollowedUp",
    "OpenAccidentFollowUp",
    "OpenClaimFollowUp",
    "OpenRoleHolder",
]


@dataclass(frozen=True, slots=True)
class ClaimFollowUp:
    """An heir's claim case as the Dinas follows it."""

    id: int
    status: str  # collecting, ready, submitted, paid, rejected
    worker_name: str  # "" when the case is linked to no registration (or its data was erased)
    nik_masked: str  # the deceased's NIK as on screen (3375••••••••0001), "" when not known
    kpj: str
    heir_address: str  # the heir's chat, "whatsapp:62812…" or "telegram:123…"
    heir_phone: str
    documents_done: int
    documents_total: int
    opened_at: datetime
    idle_since: datetime  # the heir's last step


@dataclass(frozen=True, slots=True)
class ClaimFollowUpPage:
    items: tuple[ClaimFollowUp, ...]
    total: int


@dataclass(frozen=True, slots=True)
class ClaimDocumentState:
    id: str
    name: str  # from the programme file; the id when the file no longer lists it
    state: Literal["collected", "not_needed", "pending", "missing"]


@dataclass(frozen=True, slots=True)
class ClaimFollowUpView:
    case: ClaimFollowUp
    cause: str  # the id of the claim flow's cause choice, "" when not answered
    died_on: date | None
    relationship: str  # the id of the claim flow's relationship choice
    children: int | None
    coverage: str  # "", covered, not_yet, ended, unconfirmed: on the day of death, as the flow judged it
    documents: tuple[ClaimDocumentState, ...]
    submitted_on: date | None
    amount_paid: int | None
    paid_on: date | None
    reason: str  # why the claim was rejected


@dataclass(frozen=True, slots=True)
class AccidentFollowUp:
    """A work-accident report as the Dinas follows it."""

    id: int
    status: str  # "new", or "followed_up" once an admin has followed it up
    worker_name: str  # "" when the report names no registered worker
    nik_masked: str
    kpj: str
    what: str
    place: str
    occurred_on: date
    occurred_time: str  # "HH:MM", or ""
    treated_at: str
    reported_at: datetime
    reporter_address: str  # "" when the reporter's contact is gone
    reporter_phone: str
    relation: str  # self, family, coworker, other


@dataclass(frozen=True, slots=True)
class AccidentFollowUpPage:
    items: tuple[AccidentFollowUp, ...]
    total: int


@dataclass(frozen=True, slots=True)
class AccidentFollowUpView:
    report: AccidentFollowUp
    coverage: Coverage  # the worker's protection on the day of the accident


@dataclass(frozen=True, slots=True)
class FollowedUp:
    changed: bool  # False: another admin had already marked it


@dataclass(frozen=True, slots=True)
class ListClaimFollowUps(Request[ClaimFollowUpPage | RoleRefused]):
    """The open claim cases (collecting, ready, submitted), the longest idle first."""

    offset: int = 0
    limit: int = 50


@dataclass(frozen=True, slots=True)
class OpenClaimFollowUp(Request[ClaimFollowUpView | RoleRefused | None]):
    """One claim case in full; None when there is no such case."""

    case_id: int


@dataclass(frozen=True, slots=True)
class ListAccidentFollowUps(Request[AccidentFollowUpPage | RoleRefused]):
    """The accident reports: those not yet followed up first, the oldest first."""

    offset: int = 0
    limit: int = 50


@dataclass(frozen=True, slots=True)
class OpenAccidentFollowUp(Request[AccidentFollowUpView | RoleRefused | None]):
    """One accident report in full; None when there is no such report."""

    report_id: int


@dataclass(frozen=True, slots=True)
class MarkAccidentFollowedUp(Request[FollowedUp | RoleRefused | None]):
    """An admin has followed the report up (called the family, helped them to the branch): audited."""

    report_id: int


@dataclass(frozen=True, slots=True)
class OpenRoleHolder(Request[RoleHolder | RoleRefused | None]):
    """One role grant held now, to show before it is revoked; None when it is not held any more."""

    grant_id: int
