"""The months a sponsor pays and the sponsorships the hourly round looks after: each month's row (reminded,
said paid, the Dinas told it was missed), the sponsorships paying now, those whose worker left, the codes
that ran out, and whose next message answers a sponsor's letter (`Contact.awaiting`). Nothing here commits;
bot/desks/sponsor_payments.py and bot/desks/sponsored_workers.py decide."""

from __future__ import annotations

from collections.abc import Collection, Iterator
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import Select, or_, select, update
from sqlalchemy.ext.asyncio import AsyncSession

from conversations.sponsorship import OPEN_STATUSES
from db.models import Contact, Registration, Sponsor, SponsorPeriod, Sponsorship
from db.repositories._dialect import ignoring_duplicates

__all__ = [
    "GONE_STATUSES",
    "SponsoredRow",
    "active_in_programme",
    "clear_awaiting",
    "contacts_awaiting",
    "ended_of_registrations",
    "expired_offers",
    "open_whose_worker_left",
    "period_row",
    "period_rows",
    "set_awaiting",
]

# A registration in one of these has left the programme: its sponsorship ends.
GONE_STATUSES = ("rejected", "deleted", "ended")
_FUNDING = tuple(s for s in OPEN_STATUSES if s != "offered")  # accepted or active: a worker is named
_CHUNK = 500
_ADD_PERIOD = ignoring_duplicates(SponsorPeriod)


@dataclass(frozen=True, slots=True)
class SponsoredRow:
    sponsorship: Sponsorship
    sponsor: Sponsor
    registration: Registration | None


async def _read(session: AsyncSession, statement: Select[Sponsorship, Sponsor, Registration]) -> list[SponsoredRow]:
    found = (await session.execute(statement.order_by(Sponsorship.id))).all()
    return [SponsoredRow(sponsorship, sponsor, registration) for sponsorship, sponsor, registration in found]


def _with_sponsor_and_worker(programme_id: str) -> Select[Sponsorship, Sponsor, Registration]:
    return (
        select(Sponsorship, Sponsor, Registration)
        .join(Sponsor, Sponsor.id == Sponsorship.sponsor_id)
        .outerjoin(Registration, Registration.id == Sponsorship.registration_id)
        .where(Sponsor.programme_id == programme_id)
    )


async def active_in_programme(session: AsyncSession, programme_id: str) -> list[SponsoredRow]:
    """Every sponsorship paying now ("active"), with its sponsor and worker, oldest first."""
    return await _read(session, _with_sponsor_and_worker(programme_id).where(Sponsorship.status == "active"))


async def open_whose_worker_left(session: AsyncSession, programme_id: str) -> list[SponsoredRow]:
    """Accepted or active sponsorships whose registration is gone, rejected, ended or its worker died: what
    a status change did not end already (a deletion of personal data, a death recorded by a claim)."""
    statement = _with_sponsor_and_worker(programme_id).where(
        Sponsorship.status.in_(_FUNDING),
        or_(
            Registration.id.is_(None),
            Registration.erased_at.is_not(None),
            Registration.status.in_(GONE_STATUSES),
            Registration.deceased_on.is_not(None),
        ),
    )
    return await _read(session, statement)


async def expired_offers(session: AsyncSession, programme_id: str, now: datetime) -> list[SponsoredRow]:
    """Codes given to a worker and not accepted before they ran out."""
    statement = _with_sponsor_and_worker(programme_id).where(
        Sponsorship.status == "offered",
        Sponsorship.code_expires_at.is_not(None),
        Sponsorship.code_expires_at <= now,
    )
    return await _read(session, statement)


async def ended_of_registrations(session: AsyncSession, registration_ids: Collection[int]) -> list[Sponsorship]:
    """Sponsorships of these registrations that a sponsor stopped or whose months ran out, newest first."""
    if not registration_ids:
        return []
    statement = (
        select(Sponsorship)
        .where(
            Sponsorship.registration_id.in_(sorted(set(registration_ids))),
            Sponsorship.status.in_(("stopped", "ended")),
        )
        .order_by(Sponsorship.ended_at.desc(), Sponsorship.id.desc())
    )
    return list((await session.execute(statement)).scalars())


# ---- the months ---------------------------------------------------------------------------------------


async def period_rows(session: AsyncSession, sponsorship_ids: Collection[int]) -> dict[tuple[int, date], SponsorPeriod]:
    """The rows kept for these sponsorships' months, by (sponsorship, month)."""
    found: dict[tuple[int, date], SponsorPeriod] = {}
    for chunk in _chunks(sorted(set(sponsorship_ids))):
        statement = select(SponsorPeriod).where(SponsorPeriod.sponsorship_id.in_(chunk))
        for row in (await session.execute(statement)).scalars():
            found[(row.sponsorship_id, row.period)] = row
    return found


async def period_row(session: AsyncSession, sponsorship_id: int, period: date) -> SponsorPeriod:
    """The month's row, made when it is not there yet (two transactions making it at once keep one)."""
    await session.execute(_ADD_PERIOD.of(session).values(sponsorship_id=sponsorship_id, period=period))
    statement = select(SponsorPeriod).where(
        SponsorPeriod.sponsorship_id == sponsorship_id, SponsorPeriod.period == period
    )
    return (await session.execute(statement.execution_options(populate_existing=True))).scalar_one()


# ---- whose next message answers a letter --------------------------------------------------------------


async def set_awaiting(session: AsyncSession, contact_ids: Collection[int], flow: str, *, now: datetime) -> None:
    """The next message of each answers the letter `flow` takes; `awaiting_since` says from when."""
    for chunk in _chunks(sorted(set(contact_ids))):
        await session.execute(update(Contact).where(Contact.id.in_(chunk)).values(awaiting=flow, awaiting_since=now))


async def clear_awaiting(session: AsyncSession, contact_ids: Collection[int], flow: str) -> None:
    """No longer waiting for an answer to `flow`'s letter (another letter's question, should there be one,
    stays)."""
    for chunk in _chunks(sorted(set(contact_ids))):
        await session.execute(
            update(Contact).where(Contact.id.in_(chunk), Contact.awaiting == flow).values(awaiting=None)
        )


async def contacts_awaiting(session: AsyncSession, flow: str) -> list[int]:
    statement = select(Contact.id).where(Contact.awaiting == flow).order_by(Contact.id)
    return list((await session.execute(statement)).scalars())


def _chunks(ids: list[int]) -> Iterator[list[int]]:
    for start in range(0, len(ids), _CHUNK):
        yield ids[start : start + _CHUNK]
