"""Approval within the year's quota, the waiting list, and changing the quota (with promotion from the
waiting list). Shared by the admin's chat and the command line.

Places are handed out only here, each time under one lock (`quotas.lock_quota`) with the rows locked,
in one transaction: two admins approving at once cannot exceed the quota. The order is
`conversations.priority`; each change goes through `change_status`, so every worker is told."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.desks.call import DeskCall, page_size, refuse, unless_admin
from bot.desks.roles import address_of
from bot.desks.status_news import change_status
from conversations.letters import Letter
from conversations.priority import Candidate, in_priority_order, priorities_met
from conversations.programme import Programme
from conversations.requests.base import RoleRefused
from conversations.requests.quota import (
    ApprovalDone,
    ApproveVerified,
    ChangeQuota,
    ListWaiting,
    QuotaBelowUsed,
    QuotaChanged,
    QuotaNotSet,
    QuotaOverview,
    QuotaSummary,
    WaitingItem,
    WaitingPage,
)
from db.models import Registration
from db.repositories import audit, quotas, registrations

__all__ = [
    "approve",
    "approve_verified",
    "change_quota",
    "current_year",
    "list_waiting",
    "quota_overview",
    "quota_summary",
    "set_quota",
    "waiting_list",
]

MAX_PLACES = 10_000_000


def current_year(programme: Programme, now: datetime) -> int:
    """The quota year: the year where the programme is (31 December 23.00 UTC is already 1 January in WIB)."""
    return programme.local_date(now).year


async def _places(session: AsyncSession, programme: Programme, year: int) -> int | None:
    in_file = programme.quota_for(year)
    return await quotas.effective_places(session, programme.id, year, in_file.places if in_file else None)


async def quota_summary(session: AsyncSession, programme: Programme, year: int) -> QuotaSummary:
    return QuotaSummary(
        year=year,
        places=await _places(session, programme, year),
        used=await quotas.places_used(session, year),
        verified=await registrations.count_with_status(session, programme.id, ("verified",)),
        waiting=await registrations.count_with_status(session, programme.id, ("waiting_list",)),
    )


def _candidate(programme: Programme, row: Registration) -> Candidate:
    return Candidate(row.id, row.breadwinner, row.poverty_register, programme.local_date(row.created_at))


def _ordered(programme: Programme, rows: list[Registration]) -> list[Registration]:
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
) -> ApprovalDone | QuotaNotSet:
    """Verified and waiting-list registrations, in priority order, take the free places of this year;
    the verified ones left over go on the waiting list (those already on it stay, in their order)."""
    year = current_year(programme, now)
    await quotas.lock_quota(session)
    places = await _places(session, programme, year)
    if places is None:
        return QuotaNotSet(year)
    used = await quotas.places_used(session, year)
    rows = await registrations.list_with_status(session, programme.id, ("verified", "waiting_list"), lock=True)
    free, approved, waiting = places - used, 0, 0
    for row in _ordered(programme, rows):
        if free > 0:
            await _approve(
                session, post, programme, row, year=year, now=now, actor=actor, actor_contact_id=actor_contact_id
            )
            free, approved = free - 1, approved + 1
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
        detail={"approved": str(approved), "waiting_list": str(waiting), "places": str(places), "by": actor},
    )
    return ApprovalDone(year, approved, waiting, places, used + approved)


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
) -> None:
    await change_status(
        session,
        post,
        row.id,
        "approved",
        now=now,
        actor=actor,
        actor_contact_id=actor_contact_id,
        quota_year=year,
        programme=programme,
    )


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
) -> QuotaChanged | QuotaBelowUsed:
    """Set the places of `year` (this year by default). For this year, the waiting list then moves up,
    in priority order, into the places that are free. Never below the places already used."""
    this_year = current_year(programme, now)
    year = this_year if year is None else year
    if not 0 <= places <= MAX_PLACES:
        raise ValueError(f"places must be between 0 and {MAX_PLACES}")
    await quotas.lock_quota(session)
    used = await quotas.places_used(session, year)
    if places < used:
        return QuotaBelowUsed(year, used)
    previous = await _places(session, programme, year)
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
        waiting = await registrations.list_with_status(session, programme.id, ("waiting_list",), lock=True)
        for row in _ordered(programme, waiting)[: places - used]:
            await _approve(
                session, post, programme, row, year=year, now=now, actor=actor, actor_contact_id=actor_contact_id
            )
            promoted += 1
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


async def waiting_list(session: AsyncSession, programme: Programme, *, offset: int, limit: int) -> WaitingPage:
    """The waiting list in the order places will be given, with each one's position."""
    rows = _ordered(programme, await registrations.list_with_status(session, programme.id, ("waiting_list",)))
    priorities = programme.eligibility.priority
    items = tuple(
        WaitingItem(
            position=offset + n + 1,
            id=row.id,
            full_name=row.full_name or "-",
            kelurahan_code=row.kelurahan_code,
            priorities_met=priorities_met(_candidate(programme, row), priorities),
            registered_on=programme.local_date(row.created_at),
        )
        for n, row in enumerate(rows[offset : offset + limit])
    )
    return WaitingPage(items, len(rows))


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


async def list_waiting(call: DeskCall, request: ListWaiting) -> WaitingPage | RoleRefused:
    if refused := await unless_admin(call, request):
        return refused
    offset, limit = max(0, request.offset), page_size(request.limit)
    return await waiting_list(call.session, call.programme, offset=offset, limit=limit)


async def set_quota(call: DeskCall, request: ChangeQuota) -> QuotaChanged | QuotaBelowUsed | RoleRefused:
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
    )
