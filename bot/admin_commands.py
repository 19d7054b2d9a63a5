"""Command-line tools for the Dinas: make admins, create invite codes, change a registration's status,
approve within the quota, show and set the quota, list and revoke roles. Each command is one
transaction, with the same checks, audit entries and news as the chat."""

from __future__ import annotations

import argparse
import sys
from datetime import timedelta
from typing import TYPE_CHECKING

from bot import quota, role_admin
from bot.person_ids import parse_person_id
from bot.role_admin import invite_hash, new_invite_code
from bot.status_changes import change_status
from conversations.review_requests import ApprovalDone, QuotaBelowUsed, QuotaNotSet
from db.repositories import audit, contacts, invites, quotas, registrations, roles

if TYPE_CHECKING:
    from bot.app import Jaring

__all__ = [
    "add_admin",
    "approve_registrations",
    "create_invite",
    "list_roles",
    "new_invite_code",
    "revoke_role",
    "run_review_command",
    "set_quota",
    "set_status",
    "show_quota",
]

CLI_ACTOR = "cli"


def _count(value: int) -> str:
    return f"{value:,}".replace(",", ".")


async def add_admin(jaring: Jaring, address: str) -> str:
    """`address` is CHANNEL:ID (bot/person_ids.py); a wrong one raises PersonIdError, a ValueError."""
    channel, channel_id = parse_person_id(address)
    now = jaring.pipeline.clock()
    async with jaring.store.transaction() as session:
        contact = await contacts.get_or_create_contact(session, channel, channel_id, now)
        await roles.grant_role(session, contact.id, "admin", granted_by=CLI_ACTOR, now=now)
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
            created_by=CLI_ACTOR,
            now=now,
            expires_at=now + timedelta(days=days),
            kelurahan_code=kelurahan,
            rt=f"{int(rt):03d}" if rt else None,
            rw=f"{int(rw):03d}" if rw else None,
        )
    return code


async def set_status(jaring: Jaring, registration_id: int, status: str, reason: str, kpj: str) -> str:
    """One registration's status, by hand. An approval takes a place of this year's quota, so it is
    refused when the quota is full or not set (`jaring registration approve` approves in priority order)."""
    now = jaring.pipeline.clock()
    async with jaring.store.transaction() as session:
        year = None
        if status == "approved":
            year = quota.current_year(jaring.programme, now)
            await quotas.lock_quota(session)
            summary = await quota.quota_summary(session, jaring.programme, year)
            if summary.places is None:
                raise ValueError(f"the quota for {year} is not set; set it first: jaring quota set PLACES")
            row = await registrations.get_registration(session, registration_id)
            holds_a_place = row is not None and row.status in quotas.PLACE_HOLDING_STATUSES and row.quota_year == year
            if summary.used >= summary.places and not holds_a_place:
                raise ValueError(
                    f"the quota for {year} is full ({_count(summary.used)} / {_count(summary.places)}); "
                    "raise it with `jaring quota set PLACES`, or put the registration on the waiting list"
                )
        await change_status(
            session,
            jaring.catalogs,
            registration_id,
            status,
            now=now,
            actor=CLI_ACTOR,
            reason=reason,
            kpj=kpj,
            quota_year=year,
            programme=jaring.programme,
        )
    return f"registration {registration_id}: {status}; the worker and their RT/RW leader will be told."


async def show_quota(jaring: Jaring, year: int | None = None) -> str:
    now = jaring.pipeline.clock()
    year = year or quota.current_year(jaring.programme, now)
    async with jaring.store.transaction() as session:
        summary = await quota.quota_summary(session, jaring.programme, year)
        history = await quotas.quota_history(session, jaring.programme.id, year)
        waiting = await quota.waiting_list(session, jaring.programme, offset=0, limit=10)
    in_file = jaring.programme.quota_for(year)
    lines = [f"Quota {year}: " + ("not set" if summary.places is None else f"{_count(summary.places)} places")]
    if summary.places is not None:
        free = _count(summary.free)
        lines.append(f"used: {_count(summary.used)} / {_count(summary.places)} (approved or active), free: {free}")
    else:
        lines.append(f"used: {_count(summary.used)}; set it with: jaring quota set PLACES --year {year}")
    lines.append(f"verified, waiting for approval: {_count(summary.verified)}")
    lines.append(f"on the waiting list: {_count(summary.waiting)}")
    lines.append(f"programme file: {_count(in_file.places) + ' places' if in_file else 'no quota for this year'}")
    lines += [
        f"  {change.created_at:%d-%m-%Y %H:%M} UTC  set to {_count(change.places)} by {change.actor}"
        + (f"  ({change.reason})" if change.reason else "")
        for change in history
    ]
    lines += [
        f"  waiting #{item.position}: registration {item.id}, registered {item.registered_on:%d-%m-%Y}"
        for item in waiting.items
    ]
    return "\n".join(lines)


async def set_quota(jaring: Jaring, places: int, *, year: int | None = None, reason: str = "") -> str:
    now = jaring.pipeline.clock()
    async with jaring.store.transaction() as session:
        result = await quota.change_quota(
            session, jaring.catalogs, jaring.programme, places, now=now, actor=CLI_ACTOR, reason=reason, year=year
        )
    if isinstance(result, QuotaBelowUsed):
        raise ValueError(f"the quota for {result.year} cannot be below the places already used ({_count(result.used)})")
    promoted = f"{_count(result.promoted)} promoted from the waiting list (they are told)"
    if result.year != quota.current_year(jaring.programme, now):
        promoted = "nobody promoted (the waiting list moves up only into this year's places)"
    return f"Quota {result.year}: {_count(result.places)} places; {promoted}; used {_count(result.used)}."


async def approve_registrations(jaring: Jaring) -> str:
    now = jaring.pipeline.clock()
    async with jaring.store.transaction() as session:
        result = await quota.approve_verified(session, jaring.catalogs, jaring.programme, now=now, actor=CLI_ACTOR)
    if isinstance(result, QuotaNotSet):
        raise ValueError(f"the quota for {result.year} is not set; set it first: jaring quota set PLACES")
    assert isinstance(result, ApprovalDone)
    return (
        f"{_count(result.approved)} approved, {_count(result.waiting_list)} put on the waiting list; "
        f"quota {result.year}: {_count(result.used)} / {_count(result.places)} used. Everyone concerned is told."
    )


async def list_roles(jaring: Jaring) -> str:
    """Who holds which role now: the contact, the scope (kelurahan name and code, RT/RW), since when, by whom."""
    async with jaring.store.transaction() as session:
        page = await role_admin.list_holders(session, offset=0, limit=1_000_000)
    names = {k.code: k.name for k in jaring.region.all_kelurahan}
    lines = []
    for holder in page.items:
        scope = "everywhere"
        if holder.kelurahan_code:
            scope = f"Kelurahan {names.get(holder.kelurahan_code, '?')} ({holder.kelurahan_code})"
        if holder.rt:
            scope = f"RT {holder.rt} / RW {holder.rw}, {scope}"
        since = f"{holder.since:%d-%m-%Y}"
        lines.append(f"{holder.role:<8}  {holder.address:<32}  {scope}  since {since}  by {holder.granted_by}")
    lines.append(f"{len(page.items)} role(s) held.")
    return "\n".join(lines)


async def revoke_role(jaring: Jaring, address: str, role: str) -> str:
    if role not in roles.ROLES:
        raise ValueError(f"unknown role {role!r}; one of {', '.join(roles.ROLES)}")
    person = parse_person_id(address)
    address = str(person)
    now = jaring.pipeline.clock()
    async with jaring.store.transaction() as session:
        target = await contacts.find_contact(session, person.channel, person.channel_id)
        if target is None:
            raise LookupError(f"nobody is known as {address}")
        result = await role_admin.revoke(session, jaring.catalogs, target, role, now=now, actor=CLI_ACTOR)
    if not result.grants:
        return f"{address} does not hold the role {role}; nothing changed."
    return f"{address}: {role} revoked ({result.grants} grant(s)); they are told in chat."


async def run_review_command(jaring: Jaring, args: argparse.Namespace) -> int:
    """`jaring quota …`, `jaring role …`, `jaring registration approve`."""
    try:
        if args.command == "quota" and args.quota_command == "show":
            print(await show_quota(jaring, args.year))
        elif args.command == "quota":
            print(await set_quota(jaring, args.places, year=args.year, reason=args.reason))
        elif args.command == "role" and args.role_command == "list":
            print(await list_roles(jaring))
        elif args.command == "role":
            print(await revoke_role(jaring, args.address, args.role))
        else:
            print(await approve_registrations(jaring))
    except (ValueError, LookupError) as exc:
        print(f"jaring: {exc}", file=sys.stderr)
        return 2
    return 0
