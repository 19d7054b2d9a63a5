"""The renewal round, as the worker answers it: what the open round asks them, and their answer.

Both are scoped by the desk to the asker's own registration in the open round (the renewal row whose
question went to their chat); nobody answers for anyone else."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from conversations.renewal_rules import Answer
from conversations.requests.base import Request

__all__ = [
    "AnswerRenewal",
    "NothingToRenew",
    "RenewalAsked",
    "RenewalQuestion",
    "RenewalRecord",
    "RenewalRecorded",
]


@dataclass(frozen=True, slots=True)
class RenewalAsked:
    """The question waiting for this person's answer: their registration in the round renewing into `year`."""

    registration_id: int
    year: int
    full_name: str
    job_type: str
    job_text: str | None = None


@dataclass(frozen=True, slots=True)
class RenewalRecord:
    """What is recorded already for this person's registration in the round: their answer (None: none,
    e.g. ended for their age), the decision ("continues", "check", "ends") and why, and whether the
    kelurahan decided a "no"."""

    registration_id: int
    year: int
    answer: str | None
    answered_on: date | None
    decision: str
    reason: str | None = None
    decided: bool = False


@dataclass(frozen=True, slots=True)
class RenewalRecorded:
    """The answer is recorded. `kelurahan_told`: how many verifiers (or, with none, Dinas admins) were
    sent the worker's "no"."""

    registration_id: int
    year: int
    answer: Answer
    kelurahan_told: int = 0


@dataclass(frozen=True, slots=True)
class NothingToRenew:
    """No open round asks this person anything (none open, or their registration left it)."""


@dataclass(frozen=True, slots=True)
class RenewalQuestion(Request[RenewalAsked | RenewalRecord | NothingToRenew]):
    """The asker's own question in the open round: the first still unanswered, else what was recorded."""


@dataclass(frozen=True, slots=True)
class AnswerRenewal(Request[RenewalRecorded | RenewalRecord | NothingToRenew]):
    """The asker's answer for their registration `registration_id`. Answered once: a second answer gets
    what was recorded (`RenewalRecord`)."""

    registration_id: int
    answer: Answer
