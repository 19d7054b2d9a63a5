"""Who holds which role, revoking a role (the person is told), invite codes made in chat, and using a
code (`kode ABCD2345`). Shared by the admin's chat (flow "roles") and the command line (`jaring role
list|revoke`).

Wrong codes are limited per person: every failed try (unknown, used or expired code) is an audit entry
`invite.failed`, and the limit counts those entries in the store, so it holds across restarts and
between workers. A try refused by the limit is not looked up; it is recorded as `invite.throttled`."""

from __future__ import annotations

import secrets
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from bot.desks.call import DeskCall, page_size, refuse, unless_admin
from conversations.letters import Letter
from conversations.messages import msg
from conversations.programme import Programme
from conversations.requests.base import RoleRefused
from conversations.requests.roles import (
    InviteMade,
    ListRoleHolders,
    MakeInvite,
    Revoked,
    RevokeRole,
    RoleHolder,
    RoleHoldersPage,
)
from db.models import Contact, RoleGrant
from db.personal_data import PersonalDataCipher
from db.repositories import audit, invites, roles

__all__ = [
    "INVITE_DAYS",
    "address_of",
    "holder_of",
    "invite_hash",
    "list_holders",
    "list_role_holders",
    "make_invite",
    "make_role_invite",
    "new_invite_code",
    "revoke",
    "revoke_role",
]

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


def holder_of(grant: RoleGrant, contact: Contact) -> RoleHolder:
    """One grant as the chat and the web desk list it."""
    return RoleHolder(
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


async def list_holders(session: AsyncSession, *, offset: int, limit: int) -> RoleHoldersPage:
    rows, total = await roles.held_grants(session, offset=offset, limit=limit)
    return RoleHoldersPage(tuple(holder_of(grant, contact) for grant, contact in rows), total)


async def revoke(
    session: AsyncSession,
    post: list[Letter],
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
        post.append(Letter.of(target.id, notice))
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


# ---- the chat's requests (admins only) -----------------------------------------------------------


async def list_role_holders(call: DeskCall, request: ListRoleHolders) -> RoleHoldersPage | RoleRefused:
    if refused := await unless_admin(call, request):
        return refused
    return await list_holders(call.session, offset=max(0, request.offset), limit=page_size(request.limit))


async def revoke_role(call: DeskCall, request: RevokeRole) -> Revoked | RoleRefused:
    """Never one's own role, by mistake: another admin revokes it."""
    refused = await unless_admin(call, request)
    target = await call.session.get(Contact, request.contact_id) if request.contact_id != call.asker.id else None
    if refused is not None or target is None:
        return refused or await refuse(call, request)
    actor = address_of(call.asker)
    return await revoke(
        call.session, call.post, target, request.role, now=call.now, actor=actor, actor_contact_id=call.asker.id
    )


async def make_role_invite(call: DeskCall, request: MakeInvite) -> InviteMade | RoleRefused:
    if refused := await unless_admin(call, request):
        return refused
    try:
        return await make_invite(
            call.session,
            call.cipher,
            call.programme,
            request.role,
            kelurahan_code=request.kelurahan_code,
            rt=request.rt,
            rw=request.rw,
            now=call.now,
            actor=address_of(call.asker),
            actor_contact_id=call.asker.id,
        )
    except ValueError:
        return await refuse(call, request)
