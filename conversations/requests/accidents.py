"""Work accidents, and whether a worker is among the programme's participants (asked by an heir too)."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from conversations.coverage import Membership
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
    registration_id: int  # to tell the Dinas which worker, never shown to the asker
    registered_on: date
    membership: Membership  # what decides coverage on a day (conversations/coverage.py)


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
    or by someone reporting an accident: the answer holds the dates that decide coverage and the
    status, nothing else about the person."""

    nik: str = ""
    kpj: str = ""


@dataclass(frozen=True, slots=True)
class SubmitAccidentReport(Request[AccidentReported]):
    """A suspected work accident (Permenaker 1/2025 Pasal 48A): stored, and passed to the Dinas admins."""

    report: dict[str, Json]
