"""Who holds which role, revoking a role (the person is told), and invite codes made in chat. Shared by
the admin's chat (flow "roles") and the command line (`jaring role list|revoke`)."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from conversations.messages import msg
from conversations.programme import Programme
from conversations.review_requests import InviteMade, Revoked, RoleHolder, RoleHoldersPage
from db.models import Contact
from db.personal_data import PersonalDataCipher
from db.repositories import audit, invites, outbox, roles
from locales import Catalogs

__all__ = ["INVITE_DAYS", "address_of", "invite_hash", "list_holders", "make_invite", "new_invite_code", "revoke"]

INVITE_DAYS = 14
# No 0/O or 1/I/L: codes are read aloud and typed on small keyboards.
_CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
_CODE_LENGTH = 8
_ROLE_NAMES = {"admin": "roles.role_admin", "verifier": "roles.role_verifier", "rtrw": "roles.role_rtrw"}


def new_invite_code() -> str:
    return "".join(secrets.choice(_CODE_ALPHABET) for _ in range(_CODE_LENGTH))


def invite_hash(cipher: PersonalDataCipher, code: str) -> str:
    """Only this keyed hash of a code is stored: a database leak does not hand out roles."""
    return cipher.blind_index("invite:" + code.strip().upper())


def address_of(contact: Contact) -> str:
    return f"{contact.channel}:{contact.channel_id}"


async def list_holders(session: AsyncSession, *, offset: int, limit: int) -> RoleHoldersPage:
    rows, total = await roles.held_grants(session, offset=offset, limit=limit)
    items = tuple(
        RoleHolder(
            grant_id=grant.id,
            contact_id=contact.id,
            address=address_of(contact),
            role=grant.role,
            kelurahan_code=grant.kelurahan_code or "",
            rt=grant.rt or "",
            rw=grant.rw or "",
            since=grant.granted_at,
            granted_by=grant.granted_by,
        )
        for grant, contact in rows
    )
    return RoleHoldersPage(items, total)


async def revoke(
    session: AsyncSession,
    catalogs: Catalogs,
    target: Contact,
    role: str,
    *,
    now: datetime,
    actor: str,
    actor_contact_id: int | None = None,
) -> Revoked:
    """Revoke every grant of `role` the person holds; they are told in chat. It takes effect at their
    next message: roles are read again for every message."""
    count = await roles.revoke_role(session, target.id, role, now)
    if count:
        await audit.record_audit(
            session,
            "role.revoked",
            now=now,
            actor_contact_id=actor_contact_id,
            subject=f"contact:{target.id}",
            detail={"role": role, "grants": str(count), "by": actor},
        )
        notice = msg("roles.revoked_notice", role=msg(_ROLE_NAMES.get(role, "roles.role_rtrw")))
        await outbox.notify(session, target, catalogs.render(notice, target.language), now)
    return Revoked(count)


async def make_invite(
    session: AsyncSession,
    cipher: PersonalDataCipher,
    programme: Programme,
    role: str,
    *,
    kelurahan_code: str,
    rt: str,
    rw: str,
    now: datetime,
    actor: str,
    actor_contact_id: int | None = None,
) -> InviteMade:
    """A new one-time code (only its keyed hash is stored) for a verifier or an RT/RW leader of a kelurahan."""
    if role not in ("verifier", "rtrw"):
        raise ValueError(f"invites in chat are for verifier or rtrw, not {role!r}")
    if not kelurahan_code.startswith(programme.region_code + "."):
        raise ValueError(f"kelurahan {kelurahan_code} is outside the programme's region {programme.region_code}")
    code, expires_at = new_invite_code(), now + timedelta(days=INVITE_DAYS)
    leader = role == "rtrw"
    await invites.create_invite(
        session,
        invite_hash(cipher, code),
        role,
        created_by=actor,
        now=now,
        expires_at=expires_at,
        kelurahan_code=kelurahan_code,
        rt=(rt or None) if leader else None,
        rw=(rw or None) if leader else None,
    )
    await audit.record_audit(
        session,
        "invite.created",
        now=now,
        actor_contact_id=actor_contact_id,
        subject=f"kelurahan:{kelurahan_code}",
        detail={"role": role, "by": actor},
    )
    return InviteMade(
        code, role, kelurahan_code, rt if leader else "", rw if leader else "", programme.local_date(expires_at)
    )
