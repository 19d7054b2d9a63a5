"""What a step may ask of the store, and the answers. A step returns `Fetch(request, step=…)`; the
pipeline answers the request inside the same transaction and the engine resumes at that step with the
answer. The core stays pure: it never queries anything itself."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Literal

from conversations.state import Json

__all__ = [
    "AlreadyRegistered",
    "CheckNik",
    "CorrectRegistration",
    "Done",
    "EraseRegistration",
    "InviteRefused",
    "ListRegistrations",
    "NikCheck",
    "NotAllowed",
    "RedeemInvite",
    "Redeemed",
    "RegistrationView",
    "Request",
    "StatusEvent",
    "SubmitRegistration",
    "Submitted",
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
    code: str


Request = CheckNik | SubmitRegistration | ListRegistrations | CorrectRegistration | EraseRegistration | RedeemInvite


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
