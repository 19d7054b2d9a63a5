"""The web desk's one-time sign-in links and signed-in sessions. Tokens are never stored: only their
SHA-256, so a copy of the database signs nobody in."""

from __future__ import annotations

import hashlib
from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import WebLink, WebSession

__all__ = ["add_link", "add_session", "end_session", "find_session", "take_link", "token_hash"]


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode("utf-8")).hexdigest()


async def add_link(session: AsyncSession, token: str, contact_id: int, *, now: datetime, expires_at: datetime) -> None:
    session.add(WebLink(token_hash=token_hash(token), contact_id=contact_id, created_at=now, expires_at=expires_at))
    await session.flush()


async def take_link(session: AsyncSession, token: str, *, now: datetime) -> int | None:
    """The contact the link was made for, marking it used; None when it is unknown, used or expired.
    One UPDATE decides, so two tabs opening the same link cannot both sign in."""
    statement = (
        update(WebLink)
        .where(WebLink.token_hash == token_hash(token), WebLink.used_at.is_(None), WebLink.expires_at > now)
        .values(used_at=now)
        .returning(WebLink.contact_id)
    )
    return (await session.execute(statement)).scalar_one_or_none()


async def add_session(
    session: AsyncSession, token: str, contact_id: int, csrf_token: str, *, now: datetime, expires_at: datetime
) -> None:
    session.add(
        WebSession(
            token_hash=token_hash(token),
            contact_id=contact_id,
            csrf_token=csrf_token,
            created_at=now,
            expires_at=expires_at,
        )
    )
    await session.flush()


async def find_session(session: AsyncSession, token: str, *, now: datetime) -> WebSession | None:
    """The session the cookie names, while it has neither expired nor been ended."""
    statement = select(WebSession).where(
        WebSession.token_hash == token_hash(token), WebSession.ended_at.is_(None), WebSession.expires_at > now
    )
    return (await session.execute(statement)).scalar_one_or_none()


async def end_session(session: AsyncSession, token: str, *, now: datetime) -> None:
    statement = update(WebSession).where(WebSession.token_hash == token_hash(token)).values(ended_at=now)
    await session.execute(statement)
