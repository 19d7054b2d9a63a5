"""An heir's claim cases: saved after every answer, listed to pick one up again."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from conversations.coverage import Membership, Verdict
from conversations.requests.base import Done, NotAllowed, Request
from conversations.state import Json

__all__ = [
    "ClaimCaseSaved",
    "ClaimCaseView",
    "ListClaimCases",
    "SaveClaimCase",
    "TellDinasNotCovered",
]


@dataclass(frozen=True, slots=True)
class ClaimCaseSaved:
    case_id: int


@dataclass(frozen=True, slots=True)
class ClaimCaseView:
    id: int
    case: dict[str, Json]  # what SaveClaimCase stored
    opened_at: datetime
    updated_at: datetime
    registration_id: int | None = None  # the deceased's registration, when the case is linked to one
    membership: Membership | None = None  # what that registration says today (conversations/coverage.py)


@dataclass(frozen=True, slots=True)
class SaveClaimCase(Request[ClaimCaseSaved | NotAllowed]):
    """Create (case_id None) or update an heir's claim case: the answers and the documents collected."""

    case_id: int | None
    case: dict[str, Json]


@dataclass(frozen=True, slots=True)
class ListClaimCases(Request[tuple[ClaimCaseView, ...]]):
    """The claim cases this person opened, newest first."""


@dataclass(frozen=True, slots=True)
class TellDinasNotCovered(Request[Done]):
    """An heir reported the death of a registered worker who was not protected on that day: the Dinas
    admins are told, so they can help the family (and see why the programme will not pay)."""

    registration_id: int
    died_on: date
    cause: str  # the id of a cause choice in the claim flow
    verdict: Verdict  # NOT_YET or ENDED
