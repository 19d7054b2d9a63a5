"""What a step may ask of the store, and the answers. A step returns `Fetch(request, step=…)`; the
pipeline answers the request inside the same transaction and the engine resumes at that step with the
answer. The core stays pure: it never queries anything itself."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Literal

from conversations.broadcast_requests import BroadcastRequest
from conversations.figures_requests import FiguresRequest
from conversations.review_requests import ReviewRequest
from conversations.state import Json

__all__ = [
    "AccidentReported",
    "AlreadyRegistered",
    "CheckNik",
    "ClaimCaseSaved",
    "ClaimCaseView",
    "CorrectRegistration",
    "Done",
    "EraseRegistration",
    "FindParticipant",
    "InviteRefused",
    "ListClaimCases",
    "ListRegistrations",
    "NikCheck",
    "NotAllowed",
    "ParticipantFound",
    "ParticipantNotFound",
    "RedeemInvite",
    "Redeemed",
    "RegistrationView",
    "Request",
    "SaveClaimCase",
    "StatusEvent",
    "SubmitAccidentReport",
    "SubmitRegistration",
    "Submitted",
    "TooManyInviteTries",
]


# ---- requests ----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class CheckNik:
    """Is this NIK registered already? (compared by keyed hash; the NIK is never stored in clear)"""

    nik: str


@dataclass(frozen=True, slots=True)
class SubmitRegistration:
    draft: dict[str, Json]  # the registration flow's fields (see flows/registration.py FIELDS)
    on_behalf: bool  # entered by an RT/RW leader for a neighbour


@dataclass(frozen=True, slots=True)
class ListRegistrations:
    """`mine`: made by or for this person; `operated`: entered by this person as RT/RW leader; `all`: both."""

    scope: Literal["mine", "operated", "all"]


@dataclass(frozen=True, slots=True)
class CorrectRegistration:
    registration_id: int
    field: str
    value: Json


@dataclass(frozen=True, slots=True)
class EraseRegistration:
    registration_id: int


@dataclass(frozen=True, slots=True)
class RedeemInvite:
    """Answered with `Redeemed`, `InviteRefused`, or `TooManyInviteTries` (wrong codes are limited per person)."""

    code: str


@dataclass(frozen=True, slots=True)
class FindParticipant:
    """Is this worker (by NIK, or by KPJ number) among the programme's registrations? Asked by an heir
    or by someone reporting an accident: the answer says only since when, nothing about the person."""

    nik: str = ""
    kpj: str = ""


@dataclass(frozen=True, slots=True)
class SubmitAccidentReport:
    """A suspected work accident (Permenaker 1/2025 Pasal 48A): stored, and passed to the Dinas admins."""

    report: dict[str, Json]


@dataclass(frozen=True, slots=True)
class SaveClaimCase:
    """Create (case_id None) or update an heir's claim case: the answers and the documents collected."""

    case_id: int | None
    case: dict[str, Json]


@dataclass(frozen=True, slots=True)
class ListClaimCases:
    """The claim cases this person opened, newest first."""


Request = (
    CheckNik
    | SubmitRegistration
    | ListRegistrations
    | CorrectRegistration
    | EraseRegistration
    | RedeemInvite
    | FindParticipant
    | SubmitAccidentReport
    | SaveClaimCase
    | ListClaimCases
    | FiguresRequest
    | ReviewRequest
    | BroadcastRequest
)


# ---- answers -----------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class NikCheck:
    registered: bool
    mine: bool = False  # registered by or for the person asking


@dataclass(frozen=True, slots=True)
class Submitted:
    registration_id: int


@dataclass(frozen=True, slots=True)
class AlreadyRegistered:
    pass


@dataclass(frozen=True, slots=True)
class StatusEvent:
    status: str
    at: datetime
    reason: str = ""


@dataclass(frozen=True, slots=True)
class RegistrationView:
    """One registration as its owner (or the leader who entered it) may see it: NIK masked."""

    id: int
    nik_masked: str
    full_name: str
    birth_date: date | None
    kelurahan_code: str
    rt: str
    rw: str
    street: str
    job_type: str
    job_text: str
    phone: str
    breadwinner: bool | None
    poverty_register: str
    status: str
    status_reason: str = ""
    kpj: str = ""
    on_behalf: bool = False
    history: tuple[StatusEvent, ...] = field(default_factory=tuple)
    coverage_start: date | None = None  # from BPJS TK's answer (KPJ import): protection runs from here
    registered_on: date | None = None


@dataclass(frozen=True, slots=True)
class Done:
    pass


@dataclass(frozen=True, slots=True)
class NotAllowed:
    pass


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
class ParticipantFound:
    registered_on: date
    coverage_start: date | None  # None until BPJS TK has enrolled them


@dataclass(frozen=True, slots=True)
class ParticipantNotFound:
    pass


@dataclass(frozen=True, slots=True)
class AccidentReported:
    report_id: int
    admins_told: int  # how many Dinas admins the report was sent to


@dataclass(frozen=True, slots=True)
class ClaimCaseSaved:
    case_id: int


@dataclass(frozen=True, slots=True)
class ClaimCaseView:
    id: int
    case: dict[str, Json]  # what SaveClaimCase stored
    opened_at: datetime
    updated_at: datetime
