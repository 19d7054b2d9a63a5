"""Questions the bot could not answer, for the admins to read and the answers to grow from."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import UnansweredQuestion

__all__ = ["add_question", "recent_questions"]


async def add_question(
    session: AsyncSession, contact_id: int | None, text: str, *, language: str, asked_in: str, now: datetime
) -> None:
    session.add(
        UnansweredQuestion(contact_id=contact_id, text=text[:500], language=language, asked_in=asked_in, created_at=now)
    )


async def recent_questions(session: AsyncSession, limit: int = 50) -> list[UnansweredQuestion]:
    """The newest questions still unanswered: those an admin attached to a topic are answered now."""
    statement = (
        select(UnansweredQuestion)
        .where(UnansweredQuestion.attached_at.is_(None))
        .order_by(UnansweredQuestion.id.desc())
        .limit(limit)
    )
    return list((await session.execute(statement)).scalars())
