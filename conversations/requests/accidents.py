"""Work accidents, and whether a worker is among the programme's participants (asked by an heir too)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from conversations.requests.base import Request
from conversations.state import Json

__all__ = [
    "AccidentReported",
    "FindParticipant",
    "ParticipantFound",
    "ParticipantNotFound",
    "SubmitAccidentReport",
]


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
class FindParticipant(Request[ParticipantFound | ParticipantNotFound]):
    """Is this worker (by NIK, or by KPJ number) among the programme's registrations? Asked by an heir
    or by someone reporting an accident: the answer says only since when, nothing about the person."""

    nik: str = ""
    kpj: str = ""


@dataclass(frozen=True, slots=True)
class SubmitAccidentReport(Request[AccidentReported]):
    """A suspected work accident (Permenaker 1/2025 Pasal 48A): stored, and passed to the Dinas admins."""

    report: dict[str, Json]
