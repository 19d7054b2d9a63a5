"""Who holds which role, revoking a role (the person is told), invite codes made in chat, and using a
code (`kode ABCD2345`). Shared by the admin's chat (flow "roles") and the command line (`jaring role
list|revoke`).

Wrong codes are limited per person: every failed try (unknown, used or expired code) is an audit entry
`invite.failed`, and the limit counts those entries in the store, so it holds across restarts and
between workers. A try refused by the limit is not looked up; it is recorded as `invite.throttled`."""

from __future__ import annotations

import math
import secrets
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from conversations.letters import Letter
from conversations.messages import msg
from conversations.programme import Programme
from conversations.requests import InviteRefused, Redeemed, TooManyInviteTries
from conversations.review_requests import InviteMade, Revoked, RoleHolder, RoleHoldersPage
from db.models import Contact
from db.personal_data import PersonalDataCipher
from db.repositories import audit, invites, roles

__all__ = [
    "FAILED_INVITE_TRIES",
    "FAILED_INVITE_WINDOW",
    "INVITE_DAYS",
    "INVITE_FAILED",
    "INVITE_THROTTLED",
    "address_of",
    "invite_hash",
    "list_holders",
    "make_invite",
    "new_invite_code",
    "redeem_invite",
    "revoke",
]

INVITE_DAYS = 14
# At most this many wrong codes per person within the window; then further tries wait. A code has
# 31^8 (about 850 billion) values, so 5 tries per 10 minutes leaves guessing hopeless, while a person
# who mistypes a code read aloud has room for a few slips.
FAILED_INVITE_TRIES = 5
FAILED_INVITE_WINDOW = timedelta(minutes=10)
INVITE_FAILED = "invite.failed"  # audit action of a wrong try (the code itself is never stored)
INVITE_THROTTLED = "invite.throttled"  # audit action of a try refused by the limit, not looked up
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


async def redeem_invite(
    session: AsyncSession, cipher: PersonalDataCipher, contact: Contact, code: str, now: datetime
) -> Redeemed | InviteRefused | TooManyInviteTries:
    """Use a code: the role it was made for, or why not. Too many wrong codes lately: refused without
    looking the code up, with the minutes until the next try is allowed."""
    wait = await _wait_after_failed_tries(session, contact.id, now)
    if wait is not None:
        minutes = max(1, math.ceil(wait.total_seconds() / 60))
        await audit.record_audit(
            session,
            INVITE_THROTTLED,
            now=now,
            actor_contact_id=contact.id,
            detail={"wait_minutes": str(minutes)},
        )
        return TooManyInviteTries(minutes)
    code_hash = invite_hash(cipher, code)
    invite = await invites.find_invite(session, code_hash)
    refused: InviteRefused | None = None
    if invite is None:
        refused = InviteRefused("unknown")
    elif invite.used_at is not None:
        refused = InviteRefused("used")
    elif invite.expires_at < now:
        refused = InviteRefused("expired")
    if refused is not None:
        await audit.record_audit(
            session,
            INVITE_FAILED,
            now=now,
            actor_contact_id=contact.id,
            subject=f"invite:{invite.id}" if invite is not None else None,
            # Never the code: its length, and a prefix of its keyed hash (tells one code typed again
            # from many different guesses, and cannot be turned back into the code without the key).
            detail={"reason": refused.reason, "length": str(len(code.strip())), "hash_prefix": code_hash[:8]},
        )
        return refused
    assert invite is not None
    invite.used_at, invite.used_by_contact_id = now, contact.id
    await roles.grant_role(
        session,
        contact.id,
        invite.role,
        granted_by=f"invite:{invite.id}",
        now=now,
        kelurahan_code=invite.kelurahan_code,
        rt=invite.rt,
        rw=invite.rw,
    )
    await audit.record_audit(
        session,
        "role.granted",
        now=now,
        actor_contact_id=contact.id,
        subject=f"invite:{invite.id}",
        detail={"role": invite.role},
    )
    return Redeemed(invite.role, invite.kelurahan_code or "", invite.rt or "", invite.rw or "")


async def _wait_after_failed_tries(session: AsyncSession, contact_id: int, now: datetime) -> timedelta | None:
    """How long until this person may try a code again, or None when they may now. With the limit
    reached, the next try is allowed once the oldest of the newest `FAILED_INVITE_TRIES` failures
    leaves the window."""
    failed = await audit.recent_action_times(
        session, INVITE_FAILED, actor_contact_id=contact_id, since=now - FAILED_INVITE_WINDOW, limit=FAILED_INVITE_TRIES
    )
    if len(failed) < FAILED_INVITE_TRIES:
        return None
    return failed[-1] + FAILED_INVITE_WINDOW - now
