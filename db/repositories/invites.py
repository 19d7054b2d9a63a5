"""One-time invite codes that give a role. The code itself is shown once and stored only as a hash."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Invite

__all__ = ["create_invite", "find_invite"]


async def create_invite(
    session: AsyncSession,
    code_hash: str,
    role: str,
    *,
    created_by: str,
    now: datetime,
    expires_at: datetime,
    kelurahan_code: str | None = None,
    rt: str | None = None,
    rw: str | None = None,
) -> None:
    session.add(
        Invite(
            code_hash=code_hash,
            role=role,
            kelurahan_code=kelurahan_code,
            rt=rt,
            rw=rw,
            created_by=created_by,
            created_at=now,
            expires_at=expires_at,
        )
    )


async def find_invite(session: AsyncSession, code_hash: str) -> Invite | None:
    """The invite, locked for this transaction so two people cannot both use it."""
    statement = select(Invite).where(Invite.code_hash == code_hash)
    if session.get_bind().dialect.name == "postgresql":
        statement = statement.with_for_update()
    return (await session.execute(statement)).scalar_one_or_none()
