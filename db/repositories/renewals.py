"""Renewal rounds and their rows (db.models.RenewalRound, Renewal): who is in a round, what each worker
was asked and answered, the reminders due, the counts, and the flag on a contact that their next message
may be the answer (`Contact.awaiting`). Never commits; the desk (bot/desks/renewal.py) decides."""

from __future__ import annotations

from collections.abc import Collection, Iterator, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Literal, TypeVar

from sqlalchemy import ColumnElement, and_, func, insert, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from conversations.corrections_policy import PLACE_HOLDING_STATUSES
from conversations.renewal_rules import CONTINUING_DECISIONS
from conversations.sponsorship import FUNDING_STATUSES
from db.models import Contact, Registration, Renewal, RenewalRound, RoleGrant, Sponsorship
from db.repositories._dialect import dialect_name

__all__ = [
    "AWAITING_FLOW",
    "JOINED_LATE",
    "NewRenewal",
    "RoundRow",
    "RowCount",
    "add_renewals",
    "add_round",
    "asked_of",
    "clear_awaiting",
    "continuing_registrations",
    "count_rows",
    "deceased_in_round",
    "due_reminders",
    "find_round",
    "left_out_participants",
    "lock_asked",
    "newest_round",
    "open_round_of",
    "participants",
    "restore_in_open_round",
    "round_contacts",
    "round_rows",
    "set_awaiting",
    "still_waiting",
    "verifiers_of",
]

AWAITING_FLOW = "renewal"  # Contact.awaiting while the worker's answer is awaited
JOINED_LATE = "joined_late"  # the reason of a "continues" row added at the close: approved after the opening
_CHUNK = 1_000  # ids per IN (…): well below SQLite's and asyncpg's limits on bound parameters
T = TypeVar("T")


@dataclass(frozen=True, slots=True)
class NewRenewal:
    registration_id: int
    decision: str
    reason: str | None = None
    contact_id: int | None = None
    asked_at: datetime | None = None


@dataclass(frozen=True, slots=True)
class RoundRow:
    renewal: Renewal
    registration: Registration
    round: RenewalRound


# ---- rounds -------------------------------------------------------------------------------------------


async def find_round(session: AsyncSession, programme_id: str, year: int) -> RenewalRound | None:
    statement = select(RenewalRound).where(RenewalRound.programme_id == programme_id, RenewalRound.year == year)
    return (await session.execute(statement)).scalar_one_or_none()


async def open_round_of(
    session: AsyncSession, programme_id: str, *, lock: Literal["update", "share"] | None = None
) -> RenewalRound | None:
    """The programme's open round (the newest, should there be two). On PostgreSQL, `lock` "update" (a
    close) waits for the answers being recorded under "share", and an answer waiting behind a close
    finds the round closed."""
    statement = (
        select(RenewalRound)
        .where(RenewalRound.programme_id == programme_id, RenewalRound.status == "open")
        .order_by(RenewalRound.year.desc())
        .limit(1)
    )
    if lock is not None and dialect_name(session) == "postgresql":
        statement = statement.with_for_update(read=lock == "share")
    return (await session.execute(statement)).scalar_one_or_none()


async def restore_in_open_round(session: AsyncSession, programme_id: str, registration_id: int) -> bool:
    """A worker wrongly recorded dead, left out of the open round as "deceased", continues after all (as
    everyone does by default). Whether the open round had them so."""
    found = await open_round_of(session, programme_id, lock="share")
    if found is None:
        return False
    result = await session.execute(
        update(Renewal)
        .where(
            Renewal.round_id == found.id,
            Renewal.registration_id == registration_id,
            Renewal.decision == "ends",
            Renewal.reason == "deceased",
        )
        .values(decision="continues", reason=None)
    )
    return bool(getattr(result, "rowcount", 0))


async def newest_round(session: AsyncSession, programme_id: str) -> RenewalRound | None:
    """The round into the latest budget year, open or closed."""
    statement = (
        select(RenewalRound)
        .where(RenewalRound.programme_id == programme_id)
        .order_by(RenewalRound.year.desc())
        .limit(1)
    )
    return (await session.execute(statement)).scalar_one_or_none()


async def add_round(
    session: AsyncSession,
    programme_id: str,
    year: int,
    *,
    opened_by: str,
    opened_by_contact_id: int | None,
    now: datetime,
) -> RenewalRound:
    found = RenewalRound(
        programme_id=programme_id,
        year=year,
        status="open",
        opened_by=opened_by,
        opened_by_contact_id=opened_by_contact_id,
        opened_at=now,
    )
    session.add(found)
    await session.flush()
    return found


# ---- who is in a round --------------------------------------------------------------------------------


def _participating(programme_id: str, this_year: int) -> tuple[ColumnElement[bool], ...]:
    """Active participants (whatever year they started), and those holding a place in this year's quota
    without being active yet (approved, waiting for BPJS TK's number; or checked again after a
    correction): a round carries every one of them into the next year. Not those a sponsor pays for: the
    budget's year is not theirs (their sponsorship has its own months, bot/desks/sponsor_payments.py)."""
    sponsored = select(Sponsorship.registration_id).where(
        Sponsorship.registration_id.is_not(None), Sponsorship.status.in_(FUNDING_STATUSES)
    )
    return (
        Registration.programme_id == programme_id,
        Registration.erased_at.is_(None),
        Registration.id.not_in(sponsored),
        or_(
            Registration.status == "active",
            and_(Registration.quota_year == this_year, Registration.status.in_(PLACE_HOLDING_STATUSES)),
        ),
    )


async def participants(session: AsyncSession, programme_id: str, this_year: int) -> list[Registration]:
    statement = select(Registration).where(*_participating(programme_id, this_year)).order_by(Registration.id)
    return list((await session.execute(statement)).scalars())


async def left_out_participants(
    session: AsyncSession, programme_id: str, round_id: int, this_year: int
) -> list[Registration]:
    """Participants with no row in the round: approved (or activated) after it opened."""
    in_round = select(Renewal.registration_id).where(Renewal.round_id == round_id)
    statement = (
        select(Registration)
        .where(*_participating(programme_id, this_year), Registration.id.not_in(in_round))
        .order_by(Registration.id)
    )
    return list((await session.execute(statement)).scalars())


async def add_renewals(session: AsyncSession, round_id: int, rows: Sequence[NewRenewal]) -> None:
    if not rows:
        return
    values = [
        {
            "round_id": round_id,
            "registration_id": row.registration_id,
            "decision": row.decision,
            "reason": row.reason,
            "contact_id": row.contact_id,
            "asked_at": row.asked_at,
        }
        for row in rows
    ]
    for chunk in _chunks(values):
        await session.execute(insert(Renewal), list(chunk))


async def round_rows(session: AsyncSession, round_id: int, *, lock: bool = False) -> list[RoundRow]:
    """Every row of the round with its registration, in registration order; `lock`: the rows for update."""
    statement = (
        select(Renewal, Registration, RenewalRound)
        .join(Registration, Registration.id == Renewal.registration_id)
        .join(RenewalRound, RenewalRound.id == Renewal.round_id)
        .where(Renewal.round_id == round_id)
        .order_by(Registration.id)
    )
    if lock and dialect_name(session) == "postgresql":
        statement = statement.with_for_update(of=[Renewal, Registration])
    return [RoundRow(renewal, registration, found) for renewal, registration, found in await session.execute(statement)]


async def continuing_registrations(session: AsyncSession, round_id: int) -> list[Registration]:
    """The registrations that continue from the round (continues, or a "check" not decided), still holding
    their place, not erased, in registration order: BPJS TK's list for the new year."""
    statement = (
        select(Registration)
        .join(Renewal, Renewal.registration_id == Registration.id)
        .where(
            Renewal.round_id == round_id,
            Renewal.decision.in_(CONTINUING_DECISIONS),
            Registration.erased_at.is_(None),
            Registration.deceased_on.is_(None),
            Registration.status.in_(PLACE_HOLDING_STATUSES),
        )
        .order_by(Registration.id)
    )
    return list((await session.execute(statement)).scalars())


# ---- one worker's question ----------------------------------------------------------------------------


def _asked_of(contact_id: int, programme_id: str) -> tuple[ColumnElement[bool], ...]:
    """Rows of open rounds whose question went to this contact, for a registration still theirs."""
    return (
        RenewalRound.programme_id == programme_id,
        RenewalRound.status == "open",
        Renewal.contact_id == contact_id,
        Registration.registrant_contact_id == contact_id,
        Registration.erased_at.is_(None),
    )


async def asked_of(session: AsyncSession, contact_id: int, programme_id: str) -> list[RoundRow]:
    statement = (
        select(Renewal, Registration, RenewalRound)
        .join(Registration, Registration.id == Renewal.registration_id)
        .join(RenewalRound, RenewalRound.id == Renewal.round_id)
        .where(*_asked_of(contact_id, programme_id))
        .order_by(Registration.id)
    )
    return [RoundRow(renewal, registration, found) for renewal, registration, found in await session.execute(statement)]


async def lock_asked(
    session: AsyncSession, contact_id: int, programme_id: str, registration_id: int
) -> RoundRow | None:
    """This contact's row for `registration_id` in the open round, for update (PostgreSQL). The caller
    holds the round shared first (`open_round_of(lock="share")`), so a close waits for the answer."""
    statement = (
        select(Renewal, Registration, RenewalRound)
        .join(Registration, Registration.id == Renewal.registration_id)
        .join(RenewalRound, RenewalRound.id == Renewal.round_id)
        .where(*_asked_of(contact_id, programme_id), Renewal.registration_id == registration_id)
    )
    if dialect_name(session) == "postgresql":
        statement = statement.with_for_update(of=Renewal)
    found = (await session.execute(statement)).first()
    return RoundRow(found[0], found[1], found[2]) if found is not None else None


def still_waiting(row: RoundRow) -> bool:
    """Asked, not answered, and nothing decided for it meanwhile."""
    renewal = row.renewal
    return renewal.asked_at is not None and renewal.answered_at is None and renewal.decision == "continues"


async def due_reminders(session: AsyncSession, round_id: int, asked_before: datetime) -> list[RoundRow]:
    """Rows asked before `asked_before`, not answered and not reminded, whose registration is still the
    worker's and still holds its place: each gets its one reminder."""
    statement = (
        select(Renewal, Registration, RenewalRound)
        .join(Registration, Registration.id == Renewal.registration_id)
        .join(RenewalRound, RenewalRound.id == Renewal.round_id)
        .where(
            Renewal.round_id == round_id,
            RenewalRound.status == "open",
            Renewal.decision == "continues",
            Renewal.contact_id.is_not(None),
            Renewal.asked_at <= asked_before,
            Renewal.answered_at.is_(None),
            Renewal.reminded_at.is_(None),
            Registration.registrant_contact_id == Renewal.contact_id,
            Registration.erased_at.is_(None),
            Registration.deceased_on.is_(None),
            Registration.status.in_(PLACE_HOLDING_STATUSES),
        )
        .order_by(Registration.id)
    )
    if dialect_name(session) == "postgresql":  # two reminder rounds at once remind nobody twice
        statement = statement.with_for_update(of=Renewal, skip_locked=True)
    return [RoundRow(renewal, registration, found) for renewal, registration, found in await session.execute(statement)]


# ---- counts -------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class RowCount:
    """How many rows of a round share these: decision, reason, answer, whether asked (a chat to ask),
    reminded, and decided by the kelurahan."""

    decision: str
    reason: str | None
    answer: str | None
    asked: bool
    reminded: bool
    decided: bool
    count: int


async def count_rows(session: AsyncSession, round_id: int) -> list[RowCount]:
    """The round's rows counted by everything `jaring renewal show` tells apart, in one query."""
    asked = Renewal.asked_at.is_not(None)
    reminded = Renewal.reminded_at.is_not(None)
    decided = Renewal.decided_at.is_not(None)
    statement = (
        select(Renewal.decision, Renewal.reason, Renewal.answer, asked, reminded, decided, func.count(Renewal.id))
        .where(Renewal.round_id == round_id)
        .group_by(Renewal.decision, Renewal.reason, Renewal.answer, asked, reminded, decided)
    )
    return [
        RowCount(str(d), r, a, bool(is_asked), bool(is_reminded), bool(is_decided), int(n))
        for d, r, a, is_asked, is_reminded, is_decided, n in await session.execute(statement)
    ]


async def deceased_in_round(session: AsyncSession, round_id: int) -> list[int]:
    """The registration numbers the round ends as deceased (a paid heirs' claim), for the Dinas to check."""
    statement = (
        select(Renewal.registration_id)
        .where(Renewal.round_id == round_id, Renewal.decision == "ends", Renewal.reason == "deceased")
        .order_by(Renewal.registration_id)
    )
    return list((await session.execute(statement)).scalars())


# ---- whose next message may be the answer -------------------------------------------------------------


async def set_awaiting(session: AsyncSession, contact_ids: Collection[int], *, now: datetime) -> None:
    """The next message of each is taken as the answer; `awaiting_since` says from when (a conversation
    started before the letter does not swallow it)."""
    for chunk in _chunks(sorted(set(contact_ids))):
        await session.execute(
            update(Contact).where(Contact.id.in_(chunk)).values(awaiting=AWAITING_FLOW, awaiting_since=now)
        )


async def clear_awaiting(session: AsyncSession, contact_ids: Collection[int]) -> None:
    """No longer waiting for a renewal answer (another flow's question, should there be one, stays)."""
    for chunk in _chunks(sorted(set(contact_ids))):
        await session.execute(
            update(Contact).where(Contact.id.in_(chunk), Contact.awaiting == AWAITING_FLOW).values(awaiting=None)
        )


async def round_contacts(session: AsyncSession, round_id: int) -> list[int]:
    statement = select(Renewal.contact_id).where(Renewal.round_id == round_id, Renewal.contact_id.is_not(None))
    return sorted({int(found) for found in (await session.execute(statement)).scalars() if found is not None})


# ---- who checks a "no" --------------------------------------------------------------------------------


async def verifiers_of(session: AsyncSession, kelurahan_code: str) -> list[Contact]:
    """Everyone holding the verifier role for this kelurahan now, once each."""
    held = select(RoleGrant.contact_id).where(
        RoleGrant.role == "verifier", RoleGrant.kelurahan_code == kelurahan_code, RoleGrant.revoked_at.is_(None)
    )
    statement = select(Contact).where(Contact.id.in_(held)).order_by(Contact.id)
    return list((await session.execute(statement)).scalars())


def _chunks(items: Sequence[T]) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), _CHUNK):
        yield items[start : start + _CHUNK]
