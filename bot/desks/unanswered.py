"""Unanswered questions grouped by similarity, and a group attached to a topic: its questions become
that topic's phrases (training examples) and stop being listed as unanswered. Shared by the admin's
chat (flow "unanswered") and the command line (`jaring questions groups|attach`).

The groups are made by conversations/questions/grouping.py with the model the asking process uses,
from the oldest `GROUPED_AT_MOST` open questions (oldest first keeps a group's number while newer
questions arrive). Training is not done here: it needs scikit-learn, which the bot never imports; the
chat's pipeline starts `jaring questions train` in a child process after the transaction commits, the
command line trains in its own process."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.desks.call import DeskCall, page_size, refuse, unless_admin
from bot.desks.roles import address_of
from conversations.nik import mask_digit_runs
from conversations.questions.answers import TOPIC_TITLES
from conversations.questions.desk import default_desk
from conversations.questions.grouping import NONE, Asked, QuestionGroup, group_questions
from conversations.questions.matching import shipped_model
from conversations.questions.model import TopicModel
from conversations.requests.base import RoleRefused
from conversations.requests.unanswered import (
    AttachGroup,
    GroupAttached,
    GroupGone,
    GroupView,
    ListQuestionGroups,
    QuestionGroupsPage,
)
from db.repositories import audit, question_learning

__all__ = [
    "ATTACHABLE_TOPICS",
    "GROUPED_AT_MOST",
    "SHOWN_TEXTS",
    "attach",
    "attach_group",
    "current_groups",
    "list_question_groups",
    "stored_model",
    "view_of",
]

GROUPED_AT_MOST = 500  # grouping 500 questions takes ~0.2 s; more waits until these are attached
SHOWN_TEXTS = 10  # the questions of a group an admin sees before attaching it
# Every topic the bot answers, and "none": not a programme question (greetings, other services).
ATTACHABLE_TOPICS = frozenset({*TOPIC_TITLES, NONE})


async def stored_model(session: AsyncSession) -> TopicModel:
    """The newest trained model in the store, else the one shipped with the code (for the command line;
    the bot process keeps the one it loaded, see bot/inbound/question_model.py)."""
    saved = await question_learning.newest_model(session)
    if saved is not None:
        try:
            return TopicModel.from_json(saved.model)
        except (ValueError, KeyError):
            pass  # saved by another version of the code: the shipped model reads questions meanwhile
    return shipped_model()


async def current_groups(session: AsyncSession, model: TopicModel) -> list[QuestionGroup]:
    """The open questions, long numbers masked (rows kept before masking was complete too), grouped."""
    rows = await question_learning.open_questions(session, GROUPED_AT_MOST)
    return group_questions([Asked(row.id, mask_digit_runs(row.text)) for row in rows], model)


def view_of(group: QuestionGroup) -> GroupView:
    return GroupView(group.number, group.count, group.texts[:SHOWN_TEXTS], group.suggested, tuple(group.ids))


async def attach(
    session: AsyncSession,
    model: TopicModel,
    number: int,
    topic: str,
    *,
    now: datetime,
    actor: str,
    actor_contact_id: int | None,
    source: str,
    ids: Sequence[int] | None = None,
) -> GroupAttached | GroupGone:
    """The group numbered `number` (grouped again now, as its number names it) becomes `topic`'s phrases;
    its questions are marked attached. Audited. ValueError for a topic the bot does not have."""
    if topic not in ATTACHABLE_TOPICS:
        raise ValueError(f"unknown topic {topic!r}")
    if ids is not None:  # as the admin was shown them: a question that joined the group since is not taken
        open_rows = {row.id: row for row in await question_learning.open_questions(session, GROUPED_AT_MOST)}
        chosen = [(i, mask_digit_runs(open_rows[i].text)) for i in ids if i in open_rows]
    else:
        group = next((g for g in await current_groups(session, model) if g.number == number), None)
        chosen = list(zip(group.ids, group.texts, strict=True)) if group is not None else []
    if not chosen:
        return GroupGone(number)
    attached = set(await question_learning.mark_attached(session, [i for i, _ in chosen], topic, now))
    texts = [text for question, text in chosen if question in attached]
    added = await question_learning.add_phrases(
        session, texts, topic, added_by=actor_contact_id, source=source, now=now
    )
    await audit.record_audit(
        session,
        "questions.attached",
        now=now,
        actor_contact_id=actor_contact_id,
        subject=f"question_group:{number}",
        detail={"topic": topic, "phrases": str(added), "by": actor, "source": source},
    )
    return GroupAttached(number, topic, added)


# ---- the chat's requests (admins only) -----------------------------------------------------------


async def list_question_groups(call: DeskCall, request: ListQuestionGroups) -> QuestionGroupsPage | RoleRefused:
    if refused := await unless_admin(call, request):
        return refused
    groups = await current_groups(call.session, default_desk().matcher.model)
    offset = max(0, request.offset)
    shown = groups[offset : offset + page_size(request.limit)]
    return QuestionGroupsPage(tuple(view_of(g) for g in shown), len(groups), sum(g.count for g in groups))


async def attach_group(call: DeskCall, request: AttachGroup) -> GroupAttached | GroupGone | RoleRefused:
    if refused := await unless_admin(call, request):
        return refused
    try:
        return await attach(
            call.session,
            default_desk().matcher.model,
            request.number,
            request.topic,
            ids=request.ids,
            now=call.now,
            actor=address_of(call.asker),
            actor_contact_id=call.asker.id,
            source="chat",
        )
    except ValueError:
        return await refuse(call, request)
