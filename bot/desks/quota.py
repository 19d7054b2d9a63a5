"""Approval within the year's quota, the waiting list, and changing the quota (with promotion from the
waiting list). Shared by the admin's chat and the command line.

Places are handed out only here, each time under one lock (`quotas.lock_quota`) with the rows locked,
in one transaction: two admins approving at once cannot exceed the quota. The order is
`conversations.priority`; each change goes through `change_status`, so every worker is told.

A registration that breaks a programme rule (`conversations.registration_flags.flags_on`: its stored
flags, and its age on the day it was registered — the day the age rule is judged on, whenever the
approval comes) is never approved silently: a bulk approval or a
promotion from the waiting list holds it out and names it, and only an admin's override with a reason
approves it, the reason recorded on its history and in the audit."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import datetime
from typing import Literal, TypeVar, overload

from sqlalchemy.ext.asyncio import AsyncSession

from bot.desks.call import DeskCall, page_size, refuse, unless_admin
from bot.desks.roles import address_of
from bot.desks.status_news import change_status
from conversations.corrections_policy import holds_place
from conversations.letters import Letter
from conversations.priority import Candidate, in_priority_order, met_by, priorities_met
from conversations.programme import Programme
from conversations.programme_rules import age_rule_day
from conversations.registration_flags import Flag, flags_on
from conversations.requests.base import RoleRefused
from conversations.requests.quota import (
    ApprovalDone,
    ApprovalRecord,
    ApproveFlagged,
    ApproveSelected,
    ApproveVerified,
    ChangeQuota,
    FlaggedItem,
    FlagOverridden,
    ListForApproval,
    ListWaiting,
    NoPlaceLeft,
    NotHeld,
    Queue,
    QuotaAlreadySet,
    QuotaBelowUsed,
    QuotaChanged,
    QuotaChangeRecord,
    QuotaHistory,
    QuotaHistoryView,
    QuotaNotSet,
    QuotaOverview,
    QuotaSummary,
    WaitingItem,
    WaitingPage,
)
from db.models import AuditEntry, Registration
from db.repositories import audit, quotas, registrations
from db.repositories.quotas import QueueFacts

__all__ = [
    "approval_history",
    "approve",
    "approve_flagged",
    "approve_selected",
    "approve_verified",
    "change_quota",
    "current_year",
    "flagged_item",
    "flagged_waiting",
    "list_for_approval",
    "list_waiting",
    "override_flags",
    "promote_waiting_list",
    "queue_in_order",
    "quota_history",
    "quota_overview",
    "quota_summary",
    "record_override",
    "registration_flags",
    "set_quota",
    "waiting_list",
]

MAX_PLACES = 10_000_000
_MAX_REASON = 300  # the width of registration_events.reason
_AWAITING = ("verified", "waiting_list")  # the statuses an approval gives places to
_Row = TypeVar("_Row", Registration, QueueFacts)


def current_year(programme: Programme, now: datetime) -> int:
    """The quota year: the year where the programme is (31 December 23.00 UTC is already 1 January in WIB)."""
    return programme.local_date(now).year


async def _places(session: AsyncSession, programme: Programme, year: int) -> int | None:
    in_file = programme.quota_for(year)
    return await quotas.effective_places(session, programme.id, year, in_file.places if in_file else None)


async def _previous_quota(session: AsyncSession, programme: Programme, year: int) -> tuple[int, int] | None:
    """The newest earlier year with a quota (the Dinas's change, else the programme file's) and its places."""
    in_file = [q.year for q in programme.quotas if q.year < year]
    changed = await quotas.latest_year_changed_before(session, programme.id, year)
    years = [*in_file, *([changed] if changed is not None else [])]
    if not years:
        return None
    previous = max(years)
    places = await _places(session, programme, previous)
    return (previous, places) if places is not None else None


async def quota_summary(session: AsyncSession, programme: Programme, year: int) -> QuotaSummary:
    places = await _places(session, programme, year)
    previous = await _previous_quota(session, programme, year) if places is None else None
    return QuotaSummary(
        year=year,
        places=places,
        used=await quotas.places_used(session, year),
        verified=await registrations.count_with_status(session, programme.id, ("verified",)),
        waiting=await registrations.count_with_status(session, programme.id, ("waiting_list",)),
        flagged=await flagged_waiting(session, programme),
        previous_year=previous[0] if previous else None,
        previous_places=previous[1] if previous else None,
    )


def registration_flags(programme: Programme, row: Registration | QueueFacts) -> tuple[Flag, ...]:
    """The rules it breaks (the age judged on the day it was registered, not the day of the approval)."""
    return flags_on(programme, row.flags, birth_date=row.birth_date, registered_at=row.created_at)


def flagged_item(programme: Programme, row: Registration) -> FlaggedItem:
    """It with its flags, as the admin is shown it."""
    registered_on = age_rule_day(programme, row.created_at)
    return FlaggedItem(row.id, row.full_name or "-", registration_flags(programme, row), row.birth_date, registered_on)


async def flagged_waiting(session: AsyncSession, programme: Programme) -> tuple[FlaggedItem, ...]:
    """The verified and waiting-list registrations held out of approval until an admin overrides them
    (the flags judged on a few columns of each; only the flagged ones read in full)."""
    facts = await quotas.queue_facts(session, programme.id, _AWAITING)
    flagged = [fact.id for fact in facts if registration_flags(programme, fact)]
    rows = await quotas.registrations_by_id(session, flagged)
    return tuple(flagged_item(programme, rows[number]) for number in flagged if number in rows)


def _candidate(programme: Programme, row: Registration | QueueFacts) -> Candidate:
    return Candidate(row.id, row.breadwinner, row.poverty_register, programme.local_date(row.created_at))


def _ordered(programme: Programme, rows: list[_Row]) -> list[_Row]:
    by_id = {row.id: row for row in rows}
    priorities = programme.eligibility.priority
    return [by_id[c.id] for c in in_priority_order((_candidate(programme, row) for row in rows), priorities)]


async def approve_verified(
    session: AsyncSession,
    post: list[Letter],
    programme: Programme,
    *,
    now: datetime,
    actor: str,
    actor_contact_id: int | None = None,
    overrides: Mapping[int, str] | None = None,
    only: Collection[int] | None = None,
) -> ApprovalDone | QuotaNotSet:
    """Verified and waiting-list registrations, in priority order, take the free places of this year;
    the verified ones left over go on the waiting list (those already on it stay, in their order).
    Flagged ones are held out, as they are, unless `overrides` gives a reason for their id.
    `only`: just these registrations (chosen by name); the others are not touched."""
    year = current_year(programme, now)
    await quotas.lock_quota(session)
    places = await _places(session, programme, year)
    if places is None:
        return QuotaNotSet(year)
    used = await quotas.places_used(session, year)
    if only is None:
        rows = await registrations.list_with_status(session, programme.id, _AWAITING, lock=True)
    else:
        rows = await quotas.candidate_rows(session, programme.id, set(only), _AWAITING, lock=True)
    not_waiting = 0 if only is None else len(set(only)) - len(rows)
    free, approved, waiting = places - used, 0, 0
    overrides = overrides or {}
    held: list[FlaggedItem] = []
    overridden: list[FlaggedItem] = []
    for row in _ordered(programme, rows):
        flags = registration_flags(programme, row)
        if flags and not overrides.get(row.id, "").strip():
            held.append(flagged_item(programme, row))
            continue
        holding = _holds_place_in(row, year)  # kept its place through a correction: no new one needed
        if free > 0 or holding:
            if flags:
                overridden.append(flagged_item(programme, row))
            reason = overrides.get(row.id, "").strip() if flags else ""
            await _approve(
                session,
                post,
                programme,
                row,
                year=year,
                now=now,
                actor=actor,
                actor_contact_id=actor_contact_id,
                override=(flags, reason) if flags else None,
            )
            free, approved = free - (0 if holding else 1), approved + 1
        elif row.status == "verified":
            await change_status(
                session,
                post,
                row.id,
                "waiting_list",
                now=now,
                actor=actor,
                actor_contact_id=actor_contact_id,
                programme=programme,
            )
            waiting += 1
    await audit.record_audit(
        session,
        "quota.approved",
        now=now,
        actor_contact_id=actor_contact_id,
        subject=f"quota:{year}",
        detail={
            "approved": str(approved),
            "waiting_list": str(waiting),
            "places": str(places),
            "by": actor,
            **({"held": ",".join(str(item.id) for item in held)} if held else {}),
            **_chosen_detail(only, not_waiting),
        },
    )
    return ApprovalDone(
        year, approved, waiting, places, used + approved, tuple(held), tuple(overridden), not_waiting=not_waiting
    )


def _chosen_detail(only: Collection[int] | None, not_waiting: int) -> dict[str, str]:
    """The audit's note of an approval of registrations chosen by name: which, and how many had been
    decided meanwhile."""
    if only is None:
        return {}
    return {"selected": ",".join(str(number) for number in sorted(set(only))), "not_waiting": str(not_waiting)}


async def approve_flagged(
    session: AsyncSession,
    post: list[Letter],
    programme: Programme,
    registration_id: int,
    reason: str,
    *,
    now: datetime,
    actor: str,
    actor_contact_id: int | None = None,
) -> FlagOverridden | NoPlaceLeft | NotHeld | QuotaNotSet:
    """An admin's override: one flagged, verified (or waiting-list) registration takes a free place of
    this year, with the reason recorded. Nothing else is approved."""
    reason = reason.strip()[:_MAX_REASON]
    if not reason:
        raise ValueError("an override needs a reason")
    year = current_year(programme, now)
    await quotas.lock_quota(session)
    places = await _places(session, programme, year)
    if places is None:
        return QuotaNotSet(year)
    row = await registrations.lock_registration(session, registration_id)
    if row is None or row.programme_id != programme.id or row.status not in ("verified", "waiting_list"):
        return NotHeld(registration_id)
    flags = registration_flags(programme, row)
    if not flags:
        return NotHeld(registration_id)
    used = await quotas.places_used(session, year)
    holding = _holds_place_in(row, year)  # kept its place through a correction: counted in `used` already
    if used >= places and not holding:
        return NoPlaceLeft(year, places)
    await _approve(
        session,
        post,
        programme,
        row,
        year=year,
        now=now,
        actor=actor,
        actor_contact_id=actor_contact_id,
        override=(flags, reason),
    )
    return FlagOverridden(row.id, year, places, used if holding else used + 1)


def _holds_place_in(row: Registration, year: int) -> bool:
    return row.quota_year == year and holds_place(row.status, row.quota_year)


async def _approve(
    session: AsyncSession,
    post: list[Letter],
    programme: Programme,
    row: Registration,
    *,
    year: int,
    now: datetime,
    actor: str,
    actor_contact_id: int | None,
    override: tuple[tuple[Flag, ...], str] | None = None,
) -> None:
    """`override`: the flags an admin approves it despite, and their reason (kept on its history)."""
    await change_status(
        session,
        post,
        row.id,
        "approved",
        now=now,
        actor=actor,
        actor_contact_id=actor_contact_id,
        reason=override[1] if override else "",
        quota_year=year,
        programme=programme,
    )
    if override is not None:
        await record_override(session, row.id, override, now=now, actor=actor, actor_contact_id=actor_contact_id)


async def record_override(
    session: AsyncSession,
    registration_id: int,
    override: tuple[tuple[Flag, ...], str],
    *,
    now: datetime,
    actor: str,
    actor_contact_id: int | None,
) -> None:
    """The audit entry of an approval despite `flags`, with the reason (also on the registration's history)."""
    flags, reason = override
    await audit.record_audit(
        session,
        "registration.flags_overridden",
        now=now,
        actor_contact_id=actor_contact_id,
        subject=f"registration:{registration_id}",
        detail={"flags": ",".join(flags), "reason": reason, "by": actor},
    )


@overload
async def change_quota(
    session: AsyncSession,
    post: list[Letter],
    programme: Programme,
    places: int,
    *,
    now: datetime,
    actor: str,
    actor_contact_id: int | None = None,
    reason: str = "",
    year: int | None = None,
    only_if_unset: Literal[False] = False,
) -> QuotaChanged | QuotaBelowUsed: ...


@overload
async def change_quota(
    session: AsyncSession,
    post: list[Letter],
    programme: Programme,
    places: int,
    *,
    now: datetime,
    actor: str,
    actor_contact_id: int | None = None,
    reason: str = "",
    year: int | None = None,
    only_if_unset: bool,
) -> QuotaChanged | QuotaBelowUsed | QuotaAlreadySet: ...


async def change_quota(
    session: AsyncSession,
    post: list[Letter],
    programme: Programme,
    places: int,
    *,
    now: datetime,
    actor: str,
    actor_contact_id: int | None = None,
    reason: str = "",
    year: int | None = None,
    only_if_unset: bool = False,
) -> QuotaChanged | QuotaBelowUsed | QuotaAlreadySet:
    """Set the places of `year` (this year by default). For this year, the waiting list then moves up,
    in priority order, into the places that are free. Never below the places already used.
    `only_if_unset`: nothing changes if the year has a quota by the time the lock is held."""
    this_year = current_year(programme, now)
    year = this_year if year is None else year
    if not 0 <= places <= MAX_PLACES:
        raise ValueError(f"places must be between 0 and {MAX_PLACES}")
    await quotas.lock_quota(session)
    previous = await _places(session, programme, year)
    if only_if_unset and previous is not None:
        return QuotaAlreadySet(year, previous)
    used = await quotas.places_used(session, year)
    if places < used:
        return QuotaBelowUsed(year, used)
    await quotas.record_quota_change(
        session,
        programme.id,
        year,
        places,
        actor=actor,
        actor_contact_id=actor_contact_id,
        reason=reason.strip()[:300] or None,
        now=now,
    )
    promoted = 0
    if year == this_year:
        free = places - used
        promoted = await promote_waiting_list(
            session, post, programme, year=year, free=free, now=now, actor=actor, actor_contact_id=actor_contact_id
        )
    await audit.record_audit(
        session,
        "quota.changed",
        now=now,
        actor_contact_id=actor_contact_id,
        subject=f"quota:{year}",
        detail={
            "places": str(places),
            "previous": "" if previous is None else str(previous),
            "promoted": str(promoted),
            "by": actor,
        },
    )
    return QuotaChanged(year, places, promoted, used + promoted)


async def promote_waiting_list(
    session: AsyncSession,
    post: list[Letter],
    programme: Programme,
    *,
    year: int,
    free: int,
    now: datetime,
    actor: str,
    actor_contact_id: int | None = None,
) -> int:
    """The waiting list moves up, in priority order, into `free` places of `year` (a quota raised, a
    renewal round closed); flagged ones stay on it until an admin overrides them. How many moved up."""
    if free <= 0:
        return 0
    waiting = await registrations.list_with_status(session, programme.id, ("waiting_list",), lock=True)
    movable = [row for row in _ordered(programme, waiting) if not registration_flags(programme, row)][:free]
    for row in movable:
        await _approve(
            session, post, programme, row, year=year, now=now, actor=actor, actor_contact_id=actor_contact_id
        )
    return len(movable)


async def waiting_list(session: AsyncSession, programme: Programme, *, offset: int, limit: int) -> WaitingPage:
    """The waiting list in the order places will be given, with each one's position."""
    queues: tuple[Queue, ...] = ("waiting_list",)
    return await queue_in_order(session, programme, queues, year=None, offset=offset, limit=limit)


async def queue_in_order(
    session: AsyncSession,
    programme: Programme,
    queues: Collection[Queue],
    *,
    year: int | None,
    offset: int,
    limit: int,
    only: Collection[int] | None = None,
) -> WaitingPage:
    """The registrations of `queues` (`in_quota`: holding a place of `year`) in priority order, one page,
    each with its position and the rules it breaks. The database orders the queue and counts it
    (`quotas.queue_in_order`); only the page's rows are read."""
    statuses = [queue for queue in queues if queue != "in_quota"]
    holding_year = year if "in_quota" in queues else None
    priorities = programme.eligibility.priority
    found = await quotas.queue_in_order(
        session,
        programme.id,
        statuses,
        priorities=met_by(priorities),
        timezone=programme.timezone,
        offset=offset,
        limit=limit,
        holding_year=holding_year,
        only=only,
    )
    if found is None:  # the database cannot tell the local day: ordered here
        facts = await quotas.queue_facts(session, programme.id, statuses, holding_year=holding_year, only=only)
        ordered = _ordered(programme, facts)
        found = [fact.id for fact in ordered[offset : offset + limit]], len(ordered)
    page, total = found
    rows = await quotas.registrations_by_id(session, page)
    items = tuple(
        WaitingItem(
            position=offset + n + 1,
            id=number,
            full_name=rows[number].full_name or "-",
            kelurahan_code=rows[number].kelurahan_code,
            priorities_met=priorities_met(_candidate(programme, rows[number]), priorities),
            registered_on=programme.local_date(rows[number].created_at),
            status=rows[number].status,
            flags=registration_flags(programme, rows[number]),
            birth_date=rows[number].birth_date,
        )
        for n, number in enumerate(page)
        if number in rows
    )
    return WaitingPage(items, total)


async def approval_history(session: AsyncSession, programme: Programme, year: int) -> QuotaHistoryView:
    """The year's quota changes and the approvals recorded, oldest first."""
    changes = tuple(
        QuotaChangeRecord(change.created_at, change.actor, change.places, change.reason or "")
        for change in await quotas.quota_history(session, programme.id, year)
    )
    approvals = tuple(_approval_record(entry) for entry in await quotas.approval_records(session, year))
    return QuotaHistoryView(year, changes, approvals)


def _approval_record(entry: AuditEntry) -> ApprovalRecord:
    detail = entry.detail

    def count(key: str) -> int:
        value = detail.get(key, "")
        return int(value) if value.isdecimal() else 0

    def numbers(key: str) -> tuple[int, ...]:
        return tuple(int(part) for part in detail.get(key, "").split(",") if part.isdecimal())

    return ApprovalRecord(
        id=entry.id,
        at=entry.created_at,
        by=detail.get("by", ""),
        by_contact_id=entry.actor_contact_id,
        approved=count("approved"),
        waiting_list=count("waiting_list"),
        places=count("places"),
        held=numbers("held"),
        selected=len(numbers("selected")) if "selected" in detail else None,
        not_waiting=count("not_waiting"),
    )


# ---- the chat's requests (admins only) -----------------------------------------------------------


async def quota_overview(call: DeskCall, request: QuotaOverview) -> QuotaSummary | RoleRefused:
    if refused := await unless_admin(call, request):
        return refused
    return await quota_summary(call.session, call.programme, current_year(call.programme, call.now))


async def approve(call: DeskCall, request: ApproveVerified) -> ApprovalDone | QuotaNotSet | RoleRefused:
    if refused := await unless_admin(call, request):
        return refused
    actor = address_of(call.asker)
    return await approve_verified(
        call.session, call.post, call.programme, now=call.now, actor=actor, actor_contact_id=call.asker.id
    )


async def override_flags(
    call: DeskCall, request: ApproveFlagged
) -> FlagOverridden | NoPlaceLeft | NotHeld | QuotaNotSet | RoleRefused:
    refused = await unless_admin(call, request)
    if refused is not None or not request.reason.strip():
        return refused or await refuse(call, request)
    return await approve_flagged(
        call.session,
        call.post,
        call.programme,
        request.registration_id,
        request.reason,
        now=call.now,
        actor=address_of(call.asker),
        actor_contact_id=call.asker.id,
    )


async def approve_selected(call: DeskCall, request: ApproveSelected) -> ApprovalDone | QuotaNotSet | RoleRefused:
    if refused := await unless_admin(call, request):
        return refused
    return await approve_verified(
        call.session,
        call.post,
        call.programme,
        now=call.now,
        actor=address_of(call.asker),
        actor_contact_id=call.asker.id,
        only=request.registration_ids,
    )


async def list_for_approval(call: DeskCall, request: ListForApproval) -> WaitingPage | RoleRefused:
    if refused := await unless_admin(call, request):
        return refused
    year = current_year(call.programme, call.now)
    offset, limit = max(0, request.offset), page_size(request.limit)
    return await queue_in_order(
        call.session, call.programme, request.queues, year=year, offset=offset, limit=limit, only=request.only
    )


async def quota_history(call: DeskCall, request: QuotaHistory) -> QuotaHistoryView | RoleRefused:
    if refused := await unless_admin(call, request):
        return refused
    return await approval_history(call.session, call.programme, current_year(call.programme, call.now))


async def list_waiting(call: DeskCall, request: ListWaiting) -> WaitingPage | RoleRefused:
    if refused := await unless_admin(call, request):
        return refused
    offset, limit = max(0, request.offset), page_size(request.limit)
    return await waiting_list(call.session, call.programme, offset=offset, limit=limit)


async def set_quota(
    call: DeskCall, request: ChangeQuota
) -> QuotaChanged | QuotaBelowUsed | QuotaAlreadySet | RoleRefused:
    refused = await unless_admin(call, request)
    if refused is not None or not 0 <= request.places <= MAX_PLACES:
        return refused or await refuse(call, request)
    return await change_quota(
        call.session,
        call.post,
        call.programme,
        request.places,
        now=call.now,
        actor=address_of(call.asker),
        actor_contact_id=call.asker.id,
        reason=request.reason,
        only_if_unset=request.only_if_unset,
    )
