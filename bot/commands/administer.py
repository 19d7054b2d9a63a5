"""Command-line tools for the Dinas: make admins, create invite codes, change a registration's status,
approve within the quota, show and set the quota, list and revoke roles. Each command is one
transaction, with the same checks, audit entries and news as the chat. What each says, and why it
refuses (a ValueError or LookupError whose text is printed), is in the command's language."""

from __future__ import annotations

import argparse
import sys
from collections.abc import Collection, Sequence
from datetime import timedelta
from typing import TYPE_CHECKING

from sqlalchemy.ext.asyncio import AsyncSession

from bot.commands.person_ids import parse_person_id
from bot.commands.voice import CLI_LANGUAGE, Voice
from bot.desks import quota
from bot.desks import roles as role_admin
from bot.desks.roles import invite_hash, new_invite_code
from bot.desks.status_news import UnknownRegistration, change_status
from conversations.flows.figures import STATUS_LABELS
from conversations.letters import Letter
from conversations.messages import msg
from conversations.programme import Programme
from conversations.registration_flags import flag_message, known_flags
from conversations.requests.quota import ApprovalDone, FlaggedItem, QuotaBelowUsed, QuotaNotSet
from db.repositories import audit, contacts, invites, quotas, registrations, roles

if TYPE_CHECKING:
    from bot.app import Jaring

__all__ = [
    "FlagsHeld",
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


class FlagsHeld(ValueError):
    """Flagged registrations were not approved (the others were): the command says which, and how to
    approve them with a reason, and exits non-zero."""


def _flag_lines(say: Voice, programme: Programme, items: Sequence[FlaggedItem]) -> str:
    """Each one by number and name, with the rules it breaks in plain words."""
    return "\n".join(
        say.text(
            "cli.registration.flag_line",
            id=item.id,
            name=item.full_name,
            flags="; ".join(
                say.text(flag_message(programme, flag, birth_date=item.birth_date, registered_on=item.registered_on))
                for flag in known_flags(list(item.flags))
            ),
        )
        for item in items
    )


async def add_admin(jaring: Jaring, address: str, *, language: str = CLI_LANGUAGE) -> str:
    """`address` is CHANNEL:ID (bot/commands/person_ids.py); a wrong one raises PersonIdError, a ValueError."""
    channel, channel_id = parse_person_id(address)
    now = jaring.pipeline.clock()
    async with jaring.store.transaction() as session:
        contact = await contacts.get_or_create_contact(session, channel, channel_id, now)
        await roles.grant_role(session, contact.id, "admin", granted_by=CLI_ACTOR, now=now)
        await audit.record_audit(
            session, "role.granted", now=now, subject=f"contact:{contact.id}", detail={"role": "admin", "by": "cli"}
        )
    return Voice.of(jaring, language).text("cli.admin.added", person=f"{channel}:{channel_id}")


async def create_invite(
    jaring: Jaring,
    role: str,
    *,
    kelurahan: str | None,
    rt: str | None,
    rw: str | None,
    days: int,
    language: str = CLI_LANGUAGE,
) -> str:
    say = Voice.of(jaring, language)
    if role not in roles.ROLES:
        raise ValueError(say.text("cli.role.unknown", role=role, roles=", ".join(roles.ROLES)))
    if role in ("rtrw", "verifier") and not kelurahan:
        raise ValueError(say.text("cli.invite.kelurahan_required", role=role))
    if kelurahan and kelurahan not in {k.code for k in jaring.region.all_kelurahan}:
        raise ValueError(say.text("cli.invite.kelurahan_outside", code=kelurahan, region=jaring.region.name))
    if role == "rtrw" and not (rt and rw):
        raise ValueError(say.text("cli.invite.rt_rw_required"))
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


async def set_status(
    jaring: Jaring,
    registration_id: int,
    status: str,
    reason: str,
    kpj: str,
    *,
    override_flags: bool = False,
    language: str = CLI_LANGUAGE,
) -> str:
    """One registration's status, by hand. An approval takes a place of this year's quota, so it is
    refused when the quota is full or not set (`jaring registration approve` approves in priority order);
    a registration that breaks a programme rule is approved only with `override_flags` and a reason."""
    say = Voice.of(jaring, language)
    now = jaring.pipeline.clock()
    async with jaring.store.transaction() as session:
        year = None
        override = None
        if status == "approved":
            override = await _override_for_one(
                jaring, session, registration_id, reason, override_flags=override_flags, say=say
            )
            year = quota.current_year(jaring.programme, now)
            await quotas.lock_quota(session)
            summary = await quota.quota_summary(session, jaring.programme, year)
            if summary.places is None:
                raise ValueError(say.text("cli.quota.not_set", year=year))
            row = await registrations.get_registration(session, registration_id)
            holds_a_place = row is not None and row.status in quotas.PLACE_HOLDING_STATUSES and row.quota_year == year
            if summary.used >= summary.places and not holds_a_place:
                raise ValueError(
                    say.text(
                        "cli.quota.full", year=year, used=say.number(summary.used), places=say.number(summary.places)
                    )
                )
        post: list[Letter] = []
        try:
            await change_status(
                session,
                post,
                registration_id,
                status,
                now=now,
                actor=CLI_ACTOR,
                reason=reason,
                kpj=kpj,
                quota_year=year,
                programme=jaring.programme,
            )
        except UnknownRegistration:
            raise LookupError(say.text("cli.registration.not_found", id=registration_id)) from None
        if override is not None:
            await quota.record_override(
                session,
                registration_id,
                (known_flags(list(override.flags)), reason.strip()),
                now=now,
                actor=CLI_ACTOR,
                actor_contact_id=None,
            )
        await jaring.outbox_writer.letters(session, post, now)
    label = msg(STATUS_LABELS[status]) if status in STATUS_LABELS else status
    said = say.text("cli.registration.changed", id=registration_id, status=status, label=label)
    if override is not None:
        lines = _flag_lines(say, jaring.programme, (override,))
        said += "\n" + say.text("cli.registration.overridden", lines=lines, reason=reason.strip())
    return said


async def show_quota(jaring: Jaring, year: int | None = None, *, language: str = CLI_LANGUAGE) -> str:
    """The year's places and their use, the programme file's figure, the changes (in local time) and
    the first of the waiting list."""
    say = Voice.of(jaring, language)
    now = jaring.pipeline.clock()
    year = year or quota.current_year(jaring.programme, now)
    async with jaring.store.transaction() as session:
        summary = await quota.quota_summary(session, jaring.programme, year)
        history = await quotas.quota_history(session, jaring.programme.id, year)
        waiting = await quota.waiting_list(session, jaring.programme, offset=0, limit=10)
    in_file = jaring.programme.quota_for(year)
    if summary.places is None:
        lines = [
            say.text("cli.quota.title_not_set", year=year),
            say.text("cli.quota.used_not_set", used=say.number(summary.used), year=year),
        ]
    else:
        places = say.number(summary.places)
        lines = [
            say.text("cli.quota.title", year=year, places=places),
            say.text("cli.quota.used", used=say.number(summary.used), places=places, free=say.number(summary.free)),
        ]
    lines.append(say.text("cli.quota.verified", count=say.number(summary.verified)))
    lines.append(say.text("cli.quota.waiting", count=say.number(summary.waiting)))
    if in_file:
        lines.append(say.text("cli.quota.in_file", places=say.number(in_file.places)))
    else:
        lines.append(say.text("cli.quota.not_in_file"))
    for change in history:
        said = {"when": say.time(change.created_at), "places": say.number(change.places), "actor": change.actor}
        if change.reason:
            lines.append(say.text("cli.quota.change_with_reason", reason=change.reason, **said))
        else:
            lines.append(say.text("cli.quota.change", **said))
    lines += [
        say.text("cli.quota.waiting_item", position=item.position, id=item.id, date=f"{item.registered_on:%d-%m-%Y}")
        for item in waiting.items
    ]
    return "\n".join(lines)


async def set_quota(
    jaring: Jaring, places: int, *, year: int | None = None, reason: str = "", language: str = CLI_LANGUAGE
) -> str:
    say = Voice.of(jaring, language)
    if not 0 <= places <= quota.MAX_PLACES:
        raise ValueError(say.text("cli.quota.out_of_range", max=say.number(quota.MAX_PLACES)))
    now = jaring.pipeline.clock()
    async with jaring.store.transaction() as session:
        post: list[Letter] = []
        result = await quota.change_quota(
            session, post, jaring.programme, places, now=now, actor=CLI_ACTOR, reason=reason, year=year
        )
        await jaring.outbox_writer.letters(session, post, now)
    if isinstance(result, QuotaBelowUsed):
        raise ValueError(say.text("cli.quota.below_used", year=result.year, used=say.number(result.used)))
    promoted = msg("cli.quota.promoted", count=say.number(result.promoted))
    if result.year != quota.current_year(jaring.programme, now):
        promoted = msg("cli.quota.nobody_promoted")
    return say.text(
        "cli.quota.set",
        year=result.year,
        places=say.number(result.places),
        promoted=promoted,
        used=say.number(result.used),
    )


async def _override_for_one(
    jaring: Jaring, session: AsyncSession, registration_id: int, reason: str, *, override_flags: bool, say: Voice
) -> FlaggedItem | None:
    """The registration with the flags an approval by hand overrides (None: it has none); refused
    without --override-flags and a reason."""
    row = await registrations.get_registration(session, registration_id)
    item = quota.flagged_item(jaring.programme, row) if row is not None else None
    if item is None or not item.flags:
        return None
    if not override_flags:
        lines = _flag_lines(say, jaring.programme, (item,))
        raise ValueError(say.text("cli.registration.flagged_needs_override", id=item.id, lines=lines))
    if not reason.strip():
        raise ValueError(say.text("cli.registration.override_needs_reason"))
    return item


async def approve_registrations(
    jaring: Jaring,
    *,
    override_flags: Collection[int] | None = None,
    reason: str = "",
    language: str = CLI_LANGUAGE,
) -> str:
    """Approve in priority order up to the quota. Flagged registrations are held out and named (raising
    FlagsHeld after the others are approved) unless `override_flags` names them, each by number, with a
    `reason` that is recorded for each; each one approved so is told with its flags. An override never
    reaches a flagged registration it does not name: none named is refused, listing the flagged ones."""
    say = Voice.of(jaring, language)
    if override_flags is not None and not reason.strip():
        raise ValueError(say.text("cli.registration.override_needs_reason"))
    now = jaring.pipeline.clock()
    async with jaring.store.transaction() as session:
        overrides = await _overrides(jaring, session, override_flags, reason, say)
        post: list[Letter] = []
        result = await quota.approve_verified(
            session, post, jaring.programme, now=now, actor=CLI_ACTOR, overrides=overrides
        )
        await jaring.outbox_writer.letters(session, post, now)
    if isinstance(result, QuotaNotSet):
        raise ValueError(say.text("cli.quota.not_set", year=result.year))
    assert isinstance(result, ApprovalDone)
    said = say.text(
        "cli.quota.approved",
        approved=say.number(result.approved),
        waiting=say.number(result.waiting_list),
        year=result.year,
        used=say.number(result.used),
        places=say.number(result.places),
    )
    if result.overridden:
        lines = _flag_lines(say, jaring.programme, result.overridden)
        said += "\n" + say.text("cli.registration.overridden", lines=lines, reason=reason.strip())
    if result.held:
        lines = _flag_lines(say, jaring.programme, result.held)
        raise FlagsHeld(f"{said}\n{say.text('cli.registration.flags_held', lines=lines)}")
    return said


async def _overrides(
    jaring: Jaring, session: AsyncSession, wanted: Collection[int] | None, reason: str, say: Voice
) -> dict[int, str]:
    """Registration id → the reason, for the flagged ones `wanted` names, each by number. None named
    (`--override-flags` alone) is refused with the flagged ones listed: an override is never wholesale."""
    if wanted is None:
        return {}
    flagged = await quota.flagged_waiting(session, jaring.programme)
    if not wanted:
        if not flagged:
            raise ValueError(say.text("cli.registration.override_needs_ids_none_flagged"))
        lines = _flag_lines(say, jaring.programme, flagged)
        raise ValueError(say.text("cli.registration.override_needs_ids", lines=lines))
    unknown = sorted(set(wanted) - {item.id for item in flagged})
    if unknown:
        raise ValueError(say.text("cli.registration.not_flagged", ids=", ".join(map(str, unknown))))
    return dict.fromkeys(wanted, reason.strip())


async def list_roles(jaring: Jaring, *, language: str = CLI_LANGUAGE) -> str:
    """Who holds which role now: the contact, the scope (kelurahan name and code, RT/RW), since when
    (the programme's local date), by whom."""
    say = Voice.of(jaring, language)
    async with jaring.store.transaction() as session:
        page = await role_admin.list_holders(session, offset=0, limit=1_000_000)
    names = {k.code: k.name for k in jaring.region.all_kelurahan}
    lines = []
    for holder in page.items:
        scope = msg("cli.role.everywhere")
        if holder.kelurahan_code:
            scope = msg("cli.role.kelurahan", name=names.get(holder.kelurahan_code, "?"), code=holder.kelurahan_code)
        if holder.rt:
            scope = msg("cli.role.rt_rw", rt=holder.rt, rw=holder.rw, scope=scope)
        lines.append(
            say.text(
                "cli.role.line",
                role=f"{holder.role:<8}",
                person=f"{holder.address:<32}",
                scope=scope,
                since=f"{jaring.programme.local_date(holder.since):%d-%m-%Y}",
                by=holder.granted_by,
            )
        )
    lines.append(say.text("cli.role.total", count=len(page.items)))
    return "\n".join(lines)


async def revoke_role(jaring: Jaring, address: str, role: str, *, language: str = CLI_LANGUAGE) -> str:
    say = Voice.of(jaring, language)
    if role not in roles.ROLES:
        raise ValueError(say.text("cli.role.unknown", role=role, roles=", ".join(roles.ROLES)))
    person = parse_person_id(address)
    address = str(person)
    now = jaring.pipeline.clock()
    async with jaring.store.transaction() as session:
        target = await contacts.find_contact(session, person.channel, person.channel_id)
        if target is None:
            raise LookupError(say.text("cli.role.nobody", person=address))
        post: list[Letter] = []
        result = await role_admin.revoke(session, post, target, role, now=now, actor=CLI_ACTOR)
        await jaring.outbox_writer.letters(session, post, now)
    if not result.grants:
        return say.text("cli.role.not_held", person=address, role=role)
    return say.text("cli.role.revoked", person=address, role=role, grants=result.grants)


async def run_review_command(jaring: Jaring, args: argparse.Namespace, *, language: str = CLI_LANGUAGE) -> int:
    """`jaring quota …`, `jaring role …`, `jaring registration approve`."""
    try:
        if args.command == "quota" and args.quota_command == "show":
            said = await show_quota(jaring, args.year, language=language)
        elif args.command == "quota":
            said = await set_quota(jaring, args.places, year=args.year, reason=args.reason, language=language)
        elif args.command == "role" and args.role_command == "list":
            said = await list_roles(jaring, language=language)
        elif args.command == "role":
            said = await revoke_role(jaring, args.address, args.role, language=language)
        else:
            overrides = getattr(args, "override_flags", None)
            reason = getattr(args, "reason", "") or ""
            said = await approve_registrations(jaring, override_flags=overrides, reason=reason, language=language)
    except FlagsHeld as exc:
        print(f"jaring: {exc}", file=sys.stderr)
        return 3
    except (ValueError, LookupError) as exc:
        print(f"jaring: {exc}", file=sys.stderr)
        return 2
    print(said)
    return 0
