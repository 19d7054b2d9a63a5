"""What the store answers the unanswered-questions flow, for the pure-core tests (tests/core_support.py)."""

from __future__ import annotations

from conversations.requests.unanswered import (
    AttachGroup,
    GroupAttached,
    GroupView,
    ListQuestionGroups,
    QuestionGroupsPage,
)

__all__ = ["SAMPLE_GROUPS", "UNANSWERED_REQUESTS", "unanswered_answer"]

UNANSWERED_REQUESTS = (ListQuestionGroups, AttachGroup)
SAMPLE_GROUPS = QuestionGroupsPage(
    groups=(
        GroupView(14, 3, ("tidak bisa login jmo", "login jmo gagal terus", "jmo tidak bisa login kenapa"), "card_jmo"),
        GroupView(3, 1, ("kapan blt cair bulan ini",), "payment_time"),
    ),
    total_groups=2,
    total_questions=4,
)


def unanswered_answer(request: ListQuestionGroups | AttachGroup) -> object:
    if isinstance(request, AttachGroup):
        return GroupAttached(request.number, request.topic, 3)
    return SAMPLE_GROUPS
