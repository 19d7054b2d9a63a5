"""The year's quota: places the Dinas set (newest QuotaChange row, else the programme file) and places used.

A place is used by a registration approved against that year (`quota_year`) while it is approved or
active, and while it is checked again after a correction (corrected, or returned for a fix: see
conversations/corrections_policy.py); a later rejection or deletion frees it.

While a renewal round into a year is open, its continuing participants (decision "continues", or a
"check" the kelurahan has not decided: silence never removes) hold that year's places too, although
their `quota_year` is still the year before until the round closes: an approval in January before the
close cannot give their places away.
"""

from __future__ import annotations

import json
from collections.abc import Collection, Sequence
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

from sqlalchemy import ColumnElement, Date, String, case, cast, false, func, literal, or_, select, type_coerce
from sqlalchemy.ext.asyncio import AsyncSession

from conversations.corrections_policy import PLACE_HOLDING_STATUSES
from conversations.renewal_rules import CONTINUING_DECISIONS
from db.models import AuditEntry, QuotaChange, Registration, Renewal, RenewalRound
from db.repositories._dialect import dialect_name

__all__ = [
    "PLACE_HOLDING_STATUSES",
    "QueueFacts",
    "approval_records",
    "candidate_rows",
    "effective_places",
    "latest_change",
    "latest_year_changed_before",
    "lock_quota",
    "places_held_by_approval",
    "places_held_by_renewal",
    "places_used",
    "queue_facts",
    "queue_in_order",
    "quota_history",
    "record_quota_change",
    "registrations_by_id",
]


async def latest_change(session: AsyncSession, programme_id: str, year: int) -> QuotaChange | None:
    statement = (
        select(QuotaChange)
        .where(QuotaChange.programme_id == programme_id, QuotaChange.year == year)
        .order_by(QuotaChange.id.desc())
        .limit(1)
    )
    return (await session.execute(statement)).scalar_one_or_none()


async def latest_year_changed_before(session: AsyncSession, programme_id: str, year: int) -> int | None:
    """The newest year before `year` whose quota the Dinas set, or None."""
    statement = select(func.max(QuotaChange.year)).where(
        QuotaChange.programme_id == programme_id, QuotaChange.year < year
    )
    found = (await session.execute(statement)).scalar_one_or_none()
    return int(found) if found is not None else None


async def effective_places(session: AsyncSession, programme_id: str, year: int, default: int | None) -> int | None:
    """The places for `year`: the newest change the Dinas made, else `default` (the programme file's
    quota for that year, or None when the file has none)."""
    change = await latest_change(session, programme_id, year)
    return change.places if change is not None else default


async def places_used(session: AsyncSession, year: int) -> int:
    """Places of `year` held by approval (`places_held_by_approval`) and by an open renewal round into it."""
    return await places_held_by_approval(session, year) + await places_held_by_renewal(session, year)


async def places_held_by_approval(session: AsyncSession, year: int) -> int:
    """Registrations whose quota year is `year`, in a status that holds a place."""
    statement = select(func.count(Registration.id)).where(
        Registration.quota_year == year, Registration.status.in_(PLACE_HOLDING_STATUSES)
    )
    return int((await session.execute(statement)).scalar_one())


async def places_held_by_renewal(session: AsyncSession, year: int) -> int:
    """The continuing participants of an open renewal round into `year` whose registration still holds its
    place, is not counted in `year` already (its quota year is still the year before) and whose worker
    is not known to have died."""
    statement = (
        select(func.count(Renewal.id))
        .join(RenewalRound, RenewalRound.id == Renewal.round_id)
        .join(Registration, Registration.id == Renewal.registration_id)
        .where(
            RenewalRound.year == year,
            RenewalRound.status == "open",
            Renewal.decision.in_(CONTINUING_DECISIONS),
            Registration.status.in_(PLACE_HOLDING_STATUSES),
            Registration.erased_at.is_(None),
            Registration.deceased_on.is_(None),  # died since the round opened: ends at the close
            or_(Registration.quota_year.is_(None), Registration.quota_year != year),
        )
    )
    return int((await session.execute(statement)).scalar_one())


async def quota_history(session: AsyncSession, programme_id: str, year: int) -> list[QuotaChange]:
    statement = (
        select(QuotaChange)
        .where(QuotaChange.programme_id == programme_id, QuotaChange.year == year)
        .order_by(QuotaChange.id)
    )
    return list((await session.execute(statement)).scalars())


async def record_quota_change(
    session: AsyncSession,
    programme_id: str,
    year: int,
    places: int,
    *,
    actor: str,
    actor_contact_id: int | None,
    reason: str | None,
    now: datetime,
) -> QuotaChange:
    change = QuotaChange(
        programme_id=programme_id,
        year=year,
        places=places,
        reason=reason,
        actor=actor,
        actor_contact_id=actor_contact_id,
        created_at=now,
    )
    session.add(change)
    await session.flush()
    return change


@dataclass(frozen=True, slots=True)
class QueueFacts:
    """What the priority order and the rule flags need of one registration, without the rest of its row:
    ordering 10.000 registrations reads these few columns, and only the page shown is read in full."""

    id: int
    status: str
    breadwinner: bool | None
    poverty_register: str
    created_at: datetime
    birth_date: date | None
    flags: object  # the stored list of flag ids (registration_flags.known_flags reads it)


def _in_queue(
    programme_id: str, statuses: Collection[str], holding_year: int | None, only: Collection[int] | None
) -> ColumnElement[bool]:
    """The registrations with one of `statuses`, and (`holding_year`) those holding a place of that year;
    `only`: of these registration numbers."""
    chosen: ColumnElement[bool] = Registration.status.in_(statuses) if statuses else false()
    if holding_year is not None:
        holding = Registration.status.in_(PLACE_HOLDING_STATUSES) & (Registration.quota_year == holding_year)
        chosen = or_(chosen, holding)
    where = (Registration.programme_id == programme_id) & Registration.erased_at.is_(None) & chosen
    return where & Registration.id.in_(only) if only is not None else where


async def queue_facts(
    session: AsyncSession,
    programme_id: str,
    statuses: Collection[str],
    *,
    holding_year: int | None = None,
    only: Collection[int] | None = None,
) -> list[QueueFacts]:
    """The registrations of a queue (`_in_queue`), each with the few columns the order and flags need."""
    statement = select(
        Registration.id,
        Registration.status,
        Registration.breadwinner,
        Registration.poverty_register,
        Registration.created_at,
        Registration.birth_date,
        type_coerce(Registration.flags, String),  # as stored: nearly all are "[]", read without decoding
    ).where(_in_queue(programme_id, statuses, holding_year, only))
    return [QueueFacts(*row[:-1], _stored_flags(row[-1])) for row in await session.execute(statement)]


def _stored_flags(stored: object) -> object:
    """The flags column's JSON text as its value (a list of flag ids)."""
    if not isinstance(stored, str):  # a driver that decodes JSON itself
        return stored
    return [] if stored == "[]" else json.loads(stored)


async def queue_in_order(
    session: AsyncSession,
    programme_id: str,
    statuses: Collection[str],
    *,
    priorities: Sequence[tuple[str, object]],
    timezone: str,
    offset: int,
    limit: int,
    holding_year: int | None = None,
    only: Collection[int] | None = None,
) -> tuple[list[int], int] | None:
    """One page of a queue (`_in_queue`) in priority order, ordered by the database: its registration
    numbers and the queue's length. `priorities`: the (column, value) tests of the programme's
    priorities (`conversations.priority.met_by`), the most met first; then the day of registration in
    `timezone`, then the number, as `conversations.priority.in_priority_order` orders.

    None when this database cannot tell the local day (SQLite, a time zone whose offset changes): the
    caller then orders in Python."""
    day = _local_day(dialect_name(session), timezone)
    if day is None:
        return None
    met = sum(
        (case((getattr(Registration, column) == value, 1), else_=0) for column, value in priorities),
        start=literal(0),
    )
    where = _in_queue(programme_id, statuses, holding_year, only)
    total = int((await session.execute(select(func.count(Registration.id)).where(where))).scalar_one())
    if total <= offset:
        return [], total
    page = select(Registration.id).where(where).order_by(met.desc(), day, Registration.id).offset(offset).limit(limit)
    return list((await session.execute(page)).scalars()), total


def _local_day(dialect: str, timezone: str) -> ColumnElement[object] | None:
    """The day of registration where the programme is, as SQL."""
    if dialect == "postgresql":
        return cast(func.timezone(timezone, Registration.created_at), Date)
    offset = _fixed_offset(timezone)
    if offset is None:
        return None
    return func.date(Registration.created_at, f"{int(offset.total_seconds()):+d} seconds")


@lru_cache(maxsize=8)
def _fixed_offset(timezone: str) -> timedelta | None:
    """The zone's offset from UTC if it has been the same every week since 1970 and stays so to 2100
    (WIB, WITA and WIT have); None for a zone with summer time or a change (SQLite stores naive UTC
    and knows no time zones)."""
    zone = ZoneInfo(timezone)
    start = datetime(1970, 1, 1, tzinfo=UTC)
    offsets = {(start + timedelta(weeks=week)).astimezone(zone).utcoffset() for week in range(0, 130 * 53)}
    return offsets.pop() if len(offsets) == 1 else None


async def registrations_by_id(session: AsyncSession, ids: Collection[int]) -> dict[int, Registration]:
    """These registrations in full, in one query (a page of a list)."""
    if not ids:
        return {}
    statement = select(Registration).where(Registration.id.in_(ids))
    return {row.id: row for row in (await session.execute(statement)).scalars()}


async def candidate_rows(
    session: AsyncSession, programme_id: str, ids: Collection[int], statuses: Collection[str], *, lock: bool = False
) -> list[Registration]:
    """Those of `ids` with one of `statuses` (not erased); `lock`: for update (PostgreSQL)."""
    statement = select(Registration).where(
        Registration.programme_id == programme_id,
        Registration.id.in_(ids),
        Registration.status.in_(statuses),
        Registration.erased_at.is_(None),
    )
    if lock and dialect_name(session) == "postgresql":
        statement = statement.with_for_update()
    return list((await session.execute(statement.order_by(Registration.id))).scalars())


async def approval_records(session: AsyncSession, year: int) -> list[AuditEntry]:
    """The approvals into `year`'s quota the audit recorded (`quota.approved`), oldest first."""
    statement = (
        select(AuditEntry)
        .where(AuditEntry.action == "quota.approved", AuditEntry.subject == f"quota:{year}")
        .order_by(AuditEntry.id)
    )
    return list((await session.execute(statement)).scalars())


async def lock_quota(session: AsyncSession) -> None:
    """Serialise everything that hands out places, so two admins at once never exceed the quota.

    On PostgreSQL a transaction-scoped advisory lock (the quota may have no row yet to lock); on SQLite
    every write transaction is BEGIN IMMEDIATE already, which serialises writers.
    """
    if dialect_name(session) == "postgresql":
        await session.execute(select(func.pg_advisory_xact_lock(_QUOTA_LOCK_KEY)))


# Any fixed 64-bit number, the same in every process: "jaring quota".
_QUOTA_LOCK_KEY = 0x4A4152494E47_51
