"""Roles held by contacts: admin (Dinas), verifier (a kelurahan), rtrw (an RT/RW leader)."""

from __future__ import annotations

from collections.abc import Collection
from datetime import datetime

from sqlalchemy import bindparam, case, func, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Contact, RoleGrant

__all__ = [
    "ROLES",
    "active_grants",
    "active_roles",
    "contacts_with_role",
    "grant_role",
    "held_grants",
    "holds_role",
    "leader_grant",
    "revoke_role",
]

ROLES = ("admin", "verifier", "rtrw")
_ROLE_ORDER = case((RoleGrant.role == "admin", 0), (RoleGrant.role == "verifier", 1), else_=2)


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


_HELD = select(RoleGrant.contact_id, RoleGrant.role).where(
    RoleGrant.contact_id.in_(bindparam("ids", expanding=True)), RoleGrant.revoked_at.is_(None)
)


async def active_roles(session: AsyncSession, contact_ids: Collection[int]) -> dict[int, frozenset[str]]:
    """The roles each of many people holds now, in one query (people with none are left out)."""
    if not contact_ids:
        return {}
    held: dict[int, set[str]] = {}
    for contact_id, role in (await session.execute(_HELD, {"ids": list(set(contact_ids))})).all():
        held.setdefault(contact_id, set()).add(role)
    return {contact_id: frozenset(names) for contact_id, names in held.items()}


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


async def held_grants(session: AsyncSession, *, offset: int, limit: int) -> tuple[list[tuple[RoleGrant, Contact]], int]:
    """A page of the roles held now, with who holds each (admins first, then verifiers, then leaders;
    the oldest grant first), and how many there are in all."""
    held = RoleGrant.revoked_at.is_(None)
    total = (await session.execute(select(func.count(RoleGrant.id)).where(held))).scalar_one()
    statement = (
        select(RoleGrant, Contact)
        .join(Contact, Contact.id == RoleGrant.contact_id)
        .where(held)
        .order_by(_ROLE_ORDER, RoleGrant.granted_at, RoleGrant.id)
        .offset(offset)
        .limit(limit)
    )
    rows = [(grant, contact) for grant, contact in await session.execute(statement)]
    return rows, int(total)


async def leader_grant(session: AsyncSession, contact_id: int) -> RoleGrant | None:
    """The RT/RW leader grant a contact holds or held (the newest): whose RT and RW they registered for."""
    statement = (
        select(RoleGrant)
        .where(RoleGrant.contact_id == contact_id, RoleGrant.role == "rtrw")
        .order_by(RoleGrant.id.desc())
        .limit(1)
    )
    return (await session.execute(statement)).scalar_one_or_none()


async def holds_role(session: AsyncSession, contact_id: int, role: str) -> bool:
    """Does this contact hold `role` now? The store's own check, whatever the conversation believed."""
    statement = select(RoleGrant.id).where(
        RoleGrant.contact_id == contact_id, RoleGrant.role == role, RoleGrant.revoked_at.is_(None)
    )
    return (await session.execute(statement.limit(1))).first() is not None
