"""The unanswered-question loop in the store: the phrases admins attach to a topic, the trained models
(newest wins), and how each typed question went (for the weekly share answered outright)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime

from sqlalchemy import case, delete, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import QuestionModel, QuestionOutcome, QuestionPhrase, UnansweredQuestion

__all__ = [
    "PHRASE_MAX_CHARS",
    "SavedModel",
    "add_phrases",
    "all_phrases",
    "mark_attached",
    "newest_model",
    "newest_model_id",
    "newest_phrase_id",
    "open_questions",
    "outcomes_by_week",
    "record_outcome",
    "save_model",
]

PHRASE_MAX_CHARS = 500


@dataclass(frozen=True, slots=True)
class SavedModel:
    id: int
    trained_at: datetime
    examples: int
    phrases_up_to: int
    model: str  # the TopicModel's JSON


# ---- unanswered questions and the phrases made of them --------------------------------------------


async def open_questions(session: AsyncSession, limit: int) -> list[UnansweredQuestion]:
    """Unanswered questions no admin has attached to a topic yet, OLDEST first: grouping them in this
    order keeps a group's number (its oldest question) while newer questions arrive."""
    statement = (
        select(UnansweredQuestion)
        .where(UnansweredQuestion.attached_at.is_(None))
        .order_by(UnansweredQuestion.id)
        .limit(limit)
    )
    return list((await session.execute(statement)).scalars())


async def mark_attached(session: AsyncSession, ids: Sequence[int], topic: str, now: datetime) -> list[int]:
    """Mark these questions as attached to `topic`; the ids that were still open (another admin may have
    attached some meanwhile), which are the ones to learn from."""
    if not ids:
        return []
    still_open = list(
        (
            await session.execute(
                select(UnansweredQuestion.id)
                .where(UnansweredQuestion.id.in_(list(ids)), UnansweredQuestion.attached_at.is_(None))
                .order_by(UnansweredQuestion.id)
                .with_for_update()
            )
        ).scalars()
    )
    if still_open:
        await session.execute(
            update(UnansweredQuestion)
            .where(UnansweredQuestion.id.in_(still_open))
            .values(attached_topic=topic, attached_at=now)
        )
    return still_open


async def add_phrases(
    session: AsyncSession, texts: Sequence[str], topic: str, *, added_by: int | None, source: str, now: datetime
) -> int:
    """Training examples for `topic` (already masked by the caller); the number added."""
    rows = [
        QuestionPhrase(text=text[:PHRASE_MAX_CHARS], topic=topic, added_by=added_by, added_at=now, source=source)
        for text in texts
        if text.strip()
    ]
    session.add_all(rows)
    await session.flush()
    return len(rows)


async def all_phrases(session: AsyncSession) -> list[QuestionPhrase]:
    return list((await session.execute(select(QuestionPhrase).order_by(QuestionPhrase.id))).scalars())


async def newest_phrase_id(session: AsyncSession) -> int:
    return int((await session.execute(select(func.max(QuestionPhrase.id)))).scalar_one() or 0)


# ---- trained models ---------------------------------------------------------------------------------


# Two trainings in two processes may both pass save_model's check: the one that learnt from the most
# phrases wins, whichever was saved last.
_NEWEST_FIRST = (QuestionModel.phrases_up_to.desc(), QuestionModel.id.desc())


MODELS_KEPT = 3


async def save_model(
    session: AsyncSession, model_json: str, *, examples: int, phrases_up_to: int, now: datetime
) -> int | None:
    """Keep a trained model; None (nothing saved) when a model already saved learnt from newer phrases:
    two trainings started one after the other may finish in the other order."""
    known = (await session.execute(select(func.max(QuestionModel.phrases_up_to)))).scalar_one()
    if known is not None and int(known) > phrases_up_to:
        return None
    row = QuestionModel(trained_at=now, examples=examples, phrases_up_to=phrases_up_to, model=model_json)
    session.add(row)
    await session.flush()
    # Each model is ~3.5 MB: keep the newest few (a process may still be loading the one before).
    older = select(QuestionModel.id).order_by(*_NEWEST_FIRST).offset(MODELS_KEPT)
    if old_ids := list((await session.execute(older)).scalars()):
        await session.execute(delete(QuestionModel).where(QuestionModel.id.in_(old_ids)))
    return row.id


async def newest_model_id(session: AsyncSession) -> int | None:
    """The cheap question every bot process asks once a minute (a handful of rows: see MODELS_KEPT)."""
    found = (await session.execute(select(QuestionModel.id).order_by(*_NEWEST_FIRST).limit(1))).scalar_one_or_none()
    return None if found is None else int(found)


async def newest_model(session: AsyncSession) -> SavedModel | None:
    statement = select(QuestionModel).order_by(*_NEWEST_FIRST).limit(1)
    row = (await session.execute(statement)).scalar_one_or_none()
    if row is None:
        return None
    return SavedModel(row.id, row.trained_at, row.examples, row.phrases_up_to, row.model)


# ---- how typed questions went -----------------------------------------------------------------------


async def record_outcome(
    session: AsyncSession, outcome: str, topic: str | None, *, asked_in: str, now: datetime
) -> None:
    session.add(QuestionOutcome(asked_at=now, outcome=outcome, topic=topic, asked_in=asked_in[:60]))


async def outcomes_by_week(
    session: AsyncSession, week_starts: Sequence[datetime], end: datetime
) -> list[dict[str, int]]:
    """For each week (from its start to the next one's; the last to `end`), the questions by outcome.
    Counted in the database, one query: a row per week and outcome, never a row per question."""
    if not week_starts:
        return []
    week = case(
        *((QuestionOutcome.asked_at >= start, index) for index, start in reversed(list(enumerate(week_starts)))),
        else_=-1,
    ).label("week")
    statement = (
        select(week, QuestionOutcome.outcome, func.count(QuestionOutcome.id))
        .where(QuestionOutcome.asked_at >= week_starts[0], QuestionOutcome.asked_at < end)
        .group_by(week, QuestionOutcome.outcome)
    )
    counts: list[dict[str, int]] = [{} for _ in week_starts]
    for index, outcome, count in (await session.execute(statement)).all():
        if 0 <= int(index) < len(counts):
            counts[int(index)][str(outcome)] = int(count)
    return counts
