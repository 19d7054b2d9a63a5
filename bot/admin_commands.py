"""Command-line tools for the Dinas: make admins, create invite codes, change a registration's status."""

from __future__ import annotations

import secrets
from datetime import timedelta

from bot.app import Jaring
from bot.request_answers import invite_hash
from bot.status_changes import change_status
from db.repositories import audit, contacts, invites, roles

__all__ = ["add_admin", "create_invite", "new_invite_code", "set_status"]

# No 0/O or 1/I/L: codes are read aloud and typed on small keyboards.
_CODE_ALPHABET = "ABCDEFGHJKMNPQRSTUVWXYZ23456789"
_CODE_LENGTH = 8


def new_invite_code() -> str:
    return "".join(secrets.choice(_CODE_ALPHABET) for _ in range(_CODE_LENGTH))


def _split_address(address: str) -> tuple[str, str]:
    channel, _, channel_id = address.partition(":")
    if not channel or not channel_id:
        raise ValueError("write the person as <channel>:<id>, e.g. telegram:123456789 or whatsapp:6281234567890")
    return channel, channel_id


async def add_admin(jaring: Jaring, address: str) -> str:
    channel, channel_id = _split_address(address)
    now = jaring.pipeline.clock()
    async with jaring.store.transaction() as session:
        contact = await contacts.get_or_create_contact(session, channel, channel_id, now)
        await roles.grant_role(session, contact.id, "admin", granted_by="cli", now=now)
        await audit.record_audit(
            session, "role.granted", now=now, subject=f"contact:{contact.id}", detail={"role": "admin", "by": "cli"}
        )
    return f"{channel}:{channel_id} is now an admin."


async def create_invite(
    jaring: Jaring, role: str, *, kelurahan: str | None, rt: str | None, rw: str | None, days: int
) -> str:
    if role not in roles.ROLES:
        raise ValueError(f"unknown role {role!r}; one of {', '.join(roles.ROLES)}")
    if role in ("rtrw", "verifier") and not kelurahan:
        raise ValueError(f"--kelurahan is required for {role}")
    if kelurahan and kelurahan not in {k.code for k in jaring.region.all_kelurahan}:
        raise ValueError(f"kelurahan {kelurahan} is not in {jaring.region.name}; see `jaring programme check`")
    if role == "rtrw" and not (rt and rw):
        raise ValueError("--rt and --rw are required for an RT/RW leader")
    code = new_invite_code()
    now = jaring.pipeline.clock()
    async with jaring.store.transaction() as session:
        await invites.create_invite(
            session,
            invite_hash(jaring.cipher, code),
            role,
            created_by="cli",
            now=now,
            expires_at=now + timedelta(days=days),
            kelurahan_code=kelurahan,
            rt=f"{int(rt):03d}" if rt else None,
            rw=f"{int(rw):03d}" if rw else None,
        )
    return code


async def set_status(jaring: Jaring, registration_id: int, status: str, reason: str, kpj: str) -> str:
    async with jaring.store.transaction() as session:
        await change_status(
            session,
            jaring.catalogs,
            registration_id,
            status,
            now=jaring.pipeline.clock(),
            actor="cli",
            reason=reason,
            kpj=kpj,
        )
    return f"registration {registration_id}: {status}; the worker and their RT/RW leader will be told."
