"""A person's own registrations, and those an RT/RW leader entered: check a NIK, submit, list, correct, erase."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date, datetime
from typing import Literal

from conversations.corrections_policy import CorrectionPlan
from conversations.requests.base import Done, NotAllowed, Request, RoleRefused
from conversations.state import Json

__all__ = [
    "AlreadyRegistered",
    "CheckNik",
    "CorrectRegistration",
    "CorrectionRefused",
    "EraseRegistration",
    "FindLeaderArea",
    "LeaderArea",
    "ListRegistrations",
    "NikCheck",
    "PlanCorrection",
    "RegistrationView",
    "RuleBroken",
    "StatusEvent",
    "SubmitRegistration",
    "Submitted",
]


@dataclass(frozen=True, slots=True)
class NikCheck:
    registered: bool
    mine: bool = False  # registered by or for the person asking
    # No chat is linked to it (imported, or entered by an RT/RW leader): its owner can link it ("link" flow)
    linkable: bool = False


@dataclass(frozen=True, slots=True)
class Submitted:
    registration_id: int
    flags: tuple[str, ...] = ()  # registration_flags.Flag ids it carries to the verifier and the admin


@dataclass(frozen=True, slots=True)
class RuleBroken:
    """The store refused the registration: it breaks a rule the programme file holds strictly."""

    rule: str  # a programme.EligibilityRule


@dataclass(frozen=True, slots=True)
class LeaderArea:
    """Where an RT/RW leader's role applies (from the invite that gave it); "" where it names none."""

    kelurahan_code: str
    rt: str = ""
    rw: str = ""


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
    # Held under the Pemda's public task (imported): no consent was asked, so none can be withdrawn.
    public_task: bool = False


@dataclass(frozen=True, slots=True)
class CheckNik(Request[NikCheck]):
    """Is this NIK registered already? (compared by keyed hash; the NIK is never stored in clear)"""

    nik: str


@dataclass(frozen=True, slots=True)
class SubmitRegistration(Request[Submitted | AlreadyRegistered | RuleBroken | RoleRefused]):
    """The store checks the programme's rules again (conversations/programme_rules.py) and stores the
    flags of those the kelurahan decides; on behalf of a neighbour only while the asker is a leader."""

    draft: dict[str, Json]  # the registration flow's fields (see flows/registration.py FIELDS)
    on_behalf: bool  # entered by an RT/RW leader for a neighbour


@dataclass(frozen=True, slots=True)
class FindLeaderArea(Request[LeaderArea | RoleRefused]):
    """The kelurahan, RT and RW of the RT/RW leader role the asker holds now."""


@dataclass(frozen=True, slots=True)
class ListRegistrations(Request[tuple[RegistrationView, ...]]):
    """`mine`: made by or for this person; `operated`: entered by this person as RT/RW leader; `all`: both."""

    scope: Literal["mine", "operated", "all"]


@dataclass(frozen=True, slots=True)
class CorrectionRefused:
    """A correction the registration's own facts or the programme's rules refuse; nothing is saved.
    `nik_date`: the birth date inside the NIK, which the new NIK or birth date contradicts (the other one
    is recorded); else `rule`, the strict rule (a programme.EligibilityRule) the registration would break
    with `birth_date`, judged on `judged_on`, its day of registration (`about_other`: the leader who
    entered it asks)."""

    nik_date: date | None = None
    rule: str = ""
    birth_date: date | None = None
    judged_on: date | None = None
    about_other: bool = False


@dataclass(frozen=True, slots=True)
class PlanCorrection(Request[CorrectionPlan | NotAllowed | AlreadyRegistered | CorrectionRefused]):
    """What changing one field would do (conversations/corrections_policy.py); nothing is saved."""

    registration_id: int
    field: str
    value: Json


@dataclass(frozen=True, slots=True)
class CorrectRegistration(Request[Done | CorrectionPlan | NotAllowed | AlreadyRegistered | CorrectionRefused]):
    """Save the change the person confirmed under `expected`. Another plan back: the registration
    changed meanwhile (a decision, an approval), nothing was saved; ask again with it."""

    registration_id: int
    field: str
    value: Json
    expected: CorrectionPlan


@dataclass(frozen=True, slots=True)
class EraseRegistration(Request[Done | NotAllowed]):
    registration_id: int
