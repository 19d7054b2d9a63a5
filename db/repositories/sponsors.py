"""Sponsors and their sponsorships: the reads every sponsor desk shares. Nothing here commits.

A worker has one funder at a time: `open_for_registration` is read with the registration's row locked
(registrations.lock_registration), so two sponsors accepting or matching at once cannot both fund them."""

from __future__ import annotations

from collections.abc import Collection, Sequence
from datetime import date, datetime

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from conversations.sponsorship import FUNDING_STATUSES
from db.models import Sponsor, SponsorPeriod, Sponsorship
from db.repositories._dialect import dialect_name

__all__ = [
    "add_sponsor",
    "add_sponsorship",
    "expired",
    "find_offer",
    "lock_sponsorship",
    "open_for_registration",
    "paid_periods",
    "sponsor_of_contact",
    "sponsorships_of",
]


async def sponsor_of_contact(session: AsyncSession, contact_id: int, programme_id: str) -> Sponsor | None:
    statement = select(Sponsor).where(Sponsor.contact_id == contact_id, Sponsor.programme_id == programme_id)
    return (await session.execute(statement)).scalar_one_or_none()


async def add_sponsor(session: AsyncSession, sponsor: Sponsor) -> Sponsor:
    session.add(sponsor)
    await session.flush()
    return sponsor


async def add_sponsorship(session: AsyncSession, sponsorship: Sponsorship) -> Sponsorship:
    session.add(sponsorship)
    await session.flush()
    return sponsorship


async def sponsorships_of(session: AsyncSession, sponsor_id: int) -> Sequence[Sponsorship]:
    """Every sponsorship of one sponsor, newest first."""
    statement = select(Sponsorship).where(Sponsorship.sponsor_id == sponsor_id).order_by(Sponsorship.id.desc())
    return (await session.execute(statement)).scalars().all()


async def lock_sponsorship(session: AsyncSession, sponsorship_id: int) -> Sponsorship | None:
    """The sponsorship, locked until the transaction ends (PostgreSQL; SQLite's BEGIN IMMEDIATE already
    serialises writers)."""
    statement = select(Sponsorship).where(Sponsorship.id == sponsorship_id)
    if dialect_name(session) == "postgresql":
        statement = statement.with_for_update()
    return (await session.execute(statement.execution_options(populate_existing=True))).scalar_one_or_none()


async def find_offer(session: AsyncSession, code_hash: str) -> Sponsorship | None:
    """The sponsorship a code was given for, locked (so two people cannot both accept it)."""
    statement = select(Sponsorship).where(Sponsorship.code_hash == code_hash)
    if dialect_name(session) == "postgresql":
        statement = statement.with_for_update()
    return (await session.execute(statement.execution_options(populate_existing=True))).scalar_one_or_none()


async def open_for_registration(session: AsyncSession, registration_id: int) -> Sponsorship | None:
    """The sponsorship funding (or about to fund) this registration: accepted or active."""
    statement = (
        select(Sponsorship)
        .where(
            Sponsorship.registration_id == registration_id,
            Sponsorship.status.in_(FUNDING_STATUSES),
        )
        .order_by(Sponsorship.id.desc())
        .limit(1)
    )
    return (await session.execute(statement)).scalar_one_or_none()


def expired(sponsorship: Sponsorship, now: datetime) -> bool:
    return sponsorship.code_expires_at is not None and sponsorship.code_expires_at <= now


async def paid_periods(session: AsyncSession, sponsorship_ids: Collection[int]) -> dict[int, set[date]]:
    """The months the sponsor said are paid, per sponsorship."""
    found: dict[int, set[date]] = {number: set() for number in sponsorship_ids}
    if not found:
        return found
    statement = select(SponsorPeriod.sponsorship_id, SponsorPeriod.period).where(
        SponsorPeriod.sponsorship_id.in_(list(found)), SponsorPeriod.paid_at.is_not(None)
    )
    for sponsorship_id, period in (await session.execute(statement)).all():
        found[sponsorship_id].add(period)
    return found
