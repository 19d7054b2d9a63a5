"""Roles held by contacts: admin (Dinas), verifier (a kelurahan), rtrw (an RT/RW leader)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy import select, update
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Contact, RoleGrant

__all__ = ["ROLES", "active_grants", "contacts_with_role", "grant_role", "revoke_role"]

ROLES = ("admin", "verifier", "rtrw")


async def grant_role(
    session: AsyncSession,
    contact_id: int,
    role: str,
    *,
    granted_by: str,
    now: datetime,
    kelurahan_code: str | None = None,
    rt: str | None = None,
    rw: str | None = None,
) -> None:
    if role not in ROLES:
        raise ValueError(f"unknown role {role!r}; one of {', '.join(ROLES)}")
    session.add(
        RoleGrant(
            contact_id=contact_id,
            role=role,
            kelurahan_code=kelurahan_code,
            rt=rt,
            rw=rw,
            granted_by=granted_by,
            granted_at=now,
        )
    )


async def active_grants(session: AsyncSession, contact_id: int) -> list[RoleGrant]:
    statement = select(RoleGrant).where(RoleGrant.contact_id == contact_id, RoleGrant.revoked_at.is_(None))
    return list((await session.execute(statement.order_by(RoleGrant.id))).scalars())


async def revoke_role(session: AsyncSession, contact_id: int, role: str, now: datetime) -> int:
    result = await session.execute(
        update(RoleGrant)
        .where(RoleGrant.contact_id == contact_id, RoleGrant.role == role, RoleGrant.revoked_at.is_(None))
        .values(revoked_at=now)
    )
    return int(getattr(result, "rowcount", 0) or 0)


async def contacts_with_role(session: AsyncSession, role: str) -> list[Contact]:
    """Everyone holding `role` now, once each: the Dinas admins to tell about an accident report, say."""
    held = select(RoleGrant.contact_id).where(RoleGrant.role == role, RoleGrant.revoked_at.is_(None))
    statement = select(Contact).where(Contact.id.in_(held)).order_by(Contact.id)
    return list((await session.execute(statement)).scalars())
