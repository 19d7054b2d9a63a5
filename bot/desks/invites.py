"""Invite codes (conversations/requests/invites.py): `kode AB12CD` gives the role the code was made for
(bot/desks/roles.py makes them). Wrong codes are limited per person: after too many, the person waits."""

from __future__ import annotations

import math
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from bot.desks.call import DeskCall
from bot.desks.roles import invite_hash
from conversations.requests.invites import InviteRefused, Redeemed, RedeemInvite, TooManyInviteTries
from db.models import Contact
from db.personal_data import PersonalDataCipher
from db.repositories import audit, invites, roles

__all__ = [
    "FAILED_INVITE_TRIES",
    "FAILED_INVITE_WINDOW",
    "INVITE_FAILED",
    "INVITE_THROTTLED",
    "redeem",
    "redeem_invite",
    "wait_after_failed_tries",
]

# At most this many wrong codes per person within the window; then further tries wait. A code has
# 31^8 (about 850 billion) values, so 5 tries per 10 minutes leaves guessing hopeless, while a person
# who mistypes a code read aloud has room for a few slips.
FAILED_INVITE_TRIES = 5
FAILED_INVITE_WINDOW = timedelta(minutes=10)
INVITE_FAILED = "invite.failed"  # audit action of a wrong try (the code itself is never stored)
INVITE_THROTTLED = "invite.throttled"  # audit action of a try refused by the limit, not looked up


async def redeem(call: DeskCall, request: RedeemInvite) -> Redeemed | InviteRefused | TooManyInviteTries:
    return await redeem_invite(call.session, call.cipher, call.asker, request.code, call.now)


async def redeem_invite(
    session: AsyncSession, cipher: PersonalDataCipher, contact: Contact, code: str, now: datetime
) -> Redeemed | InviteRefused | TooManyInviteTries:
    """Use a code: the role it was made for, or why not. Too many wrong codes lately: refused without
    looking the code up, with the minutes until the next try is allowed."""
    wait = await wait_after_failed_tries(session, contact.id, now)
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


async def wait_after_failed_tries(session: AsyncSession, contact_id: int, now: datetime) -> timedelta | None:
    """How long until this person may try a code again, or None when they may now. With the limit
    reached, the next try is allowed once the oldest of the newest `FAILED_INVITE_TRIES` failures
    leaves the window."""
    failed = await audit.recent_action_times(
        session, INVITE_FAILED, actor_contact_id=contact_id, since=now - FAILED_INVITE_WINDOW, limit=FAILED_INVITE_TRIES
    )
    if len(failed) < FAILED_INVITE_TRIES:
        return None
    return failed[-1] + FAILED_INVITE_WINDOW - now
