"""Signing in to the web desk without a password: a one-time link, given in the chat to an officer (an
admin or a kelurahan verifier) or printed by `jaring web link`, that the browser trades for a session
cookie. The pages read the officer's roles again on every request, as the chat does for every message."""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from bot.desks.call import DeskCall, refuse
from conversations.requests.base import RoleRefused
from conversations.requests.web import LINK_MINUTES, MakeWebLink, WebLinkMade
from db.models import Contact
from db.repositories import audit, contacts, roles, web_sign_ins

__all__ = [
    "OFFICER_ROLES",
    "Officer",
    "SignedIn",
    "end_sign_in",
    "is_officer",
    "make_web_link",
    "new_link",
    "officer_of",
    "sign_in",
]

OFFICER_ROLES = frozenset({"admin", "verifier"})


async def is_officer(session: AsyncSession, contact_id: int) -> bool:
    held = (await roles.active_roles(session, [contact_id])).get(contact_id, frozenset())
    return bool(held & OFFICER_ROLES)


async def new_link(session: AsyncSession, contact: Contact, desk_url: str, *, now: datetime, by: str) -> str:
    """A link that signs `contact` in once within LINK_MINUTES (the caller checked they are an officer)."""
    token = secrets.token_urlsafe(32)
    await web_sign_ins.add_link(session, token, contact.id, now=now, expires_at=now + timedelta(minutes=LINK_MINUTES))
    await audit.record_audit(
        session,
        "web.link_made",
        now=now,
        actor_contact_id=contact.id,
        subject=f"contact:{contact.id}",
        detail={"by": by},
    )
    return f"{desk_url}/masuk?t={token}"


async def make_web_link(call: DeskCall, request: MakeWebLink) -> WebLinkMade | RoleRefused:
    if not await is_officer(call.session, call.asker.id):
        return await refuse(call, request)
    return WebLinkMade(await new_link(call.session, call.asker, call.desk_url, now=call.now, by="chat"))


@dataclass(frozen=True, slots=True)
class SignedIn:
    token: str  # the cookie's value
    csrf_token: str
    expires_at: datetime


async def sign_in(session: AsyncSession, link_token: str, *, now: datetime, hours: float) -> SignedIn | None:
    """A new session for the link's officer; None when the link is unknown, used, expired, or its
    officer holds no officer role any more."""
    contact_id = await web_sign_ins.take_link(session, link_token, now=now)
    if contact_id is None or not await is_officer(session, contact_id):
        await audit.record_audit(session, "web.sign_in_refused", now=now, actor_contact_id=contact_id)
        return None
    signed = SignedIn(secrets.token_urlsafe(32), secrets.token_urlsafe(32), now + timedelta(hours=hours))
    await web_sign_ins.add_session(
        session, signed.token, contact_id, signed.csrf_token, now=now, expires_at=signed.expires_at
    )
    await audit.record_audit(session, "web.signed_in", now=now, actor_contact_id=contact_id)
    return signed


@dataclass(frozen=True, slots=True)
class Officer:
    """Who is signed in, with the roles they hold now."""

    contact: Contact
    roles: frozenset[str]
    csrf_token: str

    @property
    def is_admin(self) -> bool:
        return "admin" in self.roles


async def officer_of(session: AsyncSession, cookie: str, *, now: datetime) -> Officer | None:
    """The officer a session cookie belongs to; None when the session has expired or ended, or they
    hold no officer role any more."""
    found = await web_sign_ins.find_session(session, cookie, now=now)
    if found is None:
        return None
    contact = await contacts.contact_by_id(session, found.contact_id)
    held = (await roles.active_roles(session, [found.contact_id])).get(found.contact_id, frozenset())
    if contact is None or not held & OFFICER_ROLES:
        return None
    return Officer(contact, held, found.csrf_token)


async def end_sign_in(session: AsyncSession, cookie: str, *, now: datetime) -> None:
    await web_sign_ins.end_session(session, cookie, now=now)
