"""Unanswered questions, grouped by similarity, and attaching a group to a topic (Dinas admins)."""

from __future__ import annotations

from dataclasses import dataclass

from conversations.requests.base import Request, RoleRefused

__all__ = [
    "AttachGroup",
    "GroupAttached",
    "GroupGone",
    "GroupView",
    "ListQuestionGroups",
    "QuestionGroupsPage",
]


@dataclass(frozen=True, slots=True)
class GroupView:
    number: int  # the id of the group's oldest question: the group's name, stable while others arrive
    count: int
    texts: tuple[str, ...]  # the first few of its questions, oldest first, long numbers masked
    suggested: str  # a topic id ("none": not a programme question)
    ids: tuple[int, ...] = ()  # every question in it as listed: attaching takes these, not later joiners


@dataclass(frozen=True, slots=True)
class QuestionGroupsPage:
    groups: tuple[GroupView, ...]  # largest first
    total_groups: int
    total_questions: int


@dataclass(frozen=True, slots=True)
class GroupAttached:
    number: int
    topic: str
    phrases: int  # questions added as the topic's phrases


@dataclass(frozen=True, slots=True)
class GroupGone:
    """No group of that number any more: attached meanwhile, or regrouped by a model trained since."""

    number: int


@dataclass(frozen=True, slots=True)
class ListQuestionGroups(Request[QuestionGroupsPage | RoleRefused]):
    offset: int = 0
    limit: int = 8


@dataclass(frozen=True, slots=True)
class AttachGroup(Request[GroupAttached | GroupGone | RoleRefused]):
    """Add the group's questions as phrases of `topic` and mark them answered; the model is trained
    again after the message's transaction commits (a child process), and every bot process picks the
    new model up within about a minute."""

    number: int
    topic: str
    ids: tuple[int, ...] | None = None  # the questions as the admin was shown the group (None: as grouped now)
