"""An heir's claim cases: saved after every answer, listed to pick one up again."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from conversations.requests.base import NotAllowed, Request
from conversations.state import Json

__all__ = [
    "ClaimCaseSaved",
    "ClaimCaseView",
    "ListClaimCases",
    "SaveClaimCase",
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


@dataclass(frozen=True, slots=True)
class SaveClaimCase(Request[ClaimCaseSaved | NotAllowed]):
    """Create (case_id None) or update an heir's claim case: the answers and the documents collected."""

    case_id: int | None
    case: dict[str, Json]


@dataclass(frozen=True, slots=True)
class ListClaimCases(Request[tuple[ClaimCaseView, ...]]):
    """The claim cases this person opened, newest first."""
