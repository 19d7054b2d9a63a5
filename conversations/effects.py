"""What a conversation step asks the outside world to do. The store applies these in the same
transaction as the new conversation state, so a step's consequences are all-or-nothing."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field
from typing import Literal

from conversations.letters import Letter

__all__ = [
    "Audit",
    "Effect",
    "Letter",
    "RecordConsent",
    "RecordQuestionOutcome",
    "RecordUnansweredQuestion",
    "SetLanguage",
    "SetOptOut",
]


@dataclass(frozen=True, slots=True)
class RecordConsent:
    purpose: str
    notice_version: str
    granted: bool


@dataclass(frozen=True, slots=True)
class SetLanguage:
    language: str


@dataclass(frozen=True, slots=True)
class SetOptOut:
    """Stop (True) or resume (False) announcements to this person."""

    opted_out: bool


@dataclass(frozen=True, slots=True)
class Audit:
    action: str
    detail: Mapping[str, str] = field(default_factory=dict)


@dataclass(frozen=True, slots=True)
class RecordUnansweredQuestion:
    """Keep a question the bot could not answer, for the admins (and the answers) to grow from."""

    text: str
    asked_in: str  # the flow and step, or "menu"


@dataclass(frozen=True, slots=True)
class RecordQuestionOutcome:
    """How a typed benefit question went, without its words: the weekly share answered outright."""

    outcome: Literal["answered", "asked_back", "not_known"]
    topic: str | None  # the topic answered
    asked_in: str  # "menu", "benefits/<step>", or "passing" (in the middle of another conversation)


# A Letter is a message to someone else: the pipeline's outbox writer renders and queues it.
Effect = RecordConsent | SetLanguage | SetOptOut | Audit | RecordUnansweredQuestion | RecordQuestionOutcome | Letter
