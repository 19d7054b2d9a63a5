"""The queries behind the sponsors' figures (bot/desks/sponsor_figures.py): counts grouped in the database,
never a row per sponsor or worker in Python. Nothing here reads a name, a NIP or a NIK."""

from __future__ import annotations

from collections import Counter
from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy import and_, case, distinct, func, or_, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Registration, Sponsor, SponsorPeriod, Sponsorship

__all__ = [
    "FUNDED_STATUSES",
    "PAYING_STATUSES",
    "FundedWorkers",
    "active_commitments",
    "funded_workers",
    "offers_waiting",
    "paid_in_active_commitments",
    "paying_sponsors",
]

# A sponsor counts as taking part while one of their sponsorships is accepted (waiting for the kelurahan)
# or active (the worker funded).
PAYING_STATUSES = ("accepted", "active")
# Workers counted by who pays: their registration approved (waiting for BPJS TK's KPJ) or active.
FUNDED_STATUSES = ("approved", "active")


async def paying_sponsors(session: AsyncSession, programme_id: str) -> Counter[tuple[str, str]]:
    """Sponsors not stopped with at least one sponsorship accepted or active, by (kind, OPD id; "" for a
    company or BUMD)."""
    statement = (
        select(Sponsor.kind, Sponsor.organisation_id, func.count(distinct(Sponsor.id)))
        .join(Sponsorship, Sponsorship.sponsor_id == Sponsor.id)
        .where(
            Sponsor.programme_id == programme_id,
            Sponsor.status == "active",
            Sponsorship.status.in_(PAYING_STATUSES),
        )
        .group_by(Sponsor.kind, Sponsor.organisation_id)
    )
    found = Counter[tuple[str, str]]()
    for kind, organisation_id, count in (await session.execute(statement)).all():
        found[str(kind), str(organisation_id or "")] += int(count)
    return found


@dataclass(frozen=True, slots=True)
class FundedWorkers:
    by_sponsor_kind: Counter[str]  # workers an active sponsorship pays for, by the sponsor's kind
    quota: int  # workers holding a place of a year's quota (APBD), no sponsor
    unknown: int  # neither


async def funded_workers(session: AsyncSession, programme_id: str) -> FundedWorkers:
    """Approved and active registrations by who pays: one grouped pass over registrations, each joined to
    its active sponsorship if it has one."""
    quota_place = case((Registration.quota_year.is_not(None), 1), else_=0).label("quota_place")
    statement = (
        select(Sponsor.kind, quota_place, func.count(distinct(Registration.id)))
        .select_from(Registration)
        .outerjoin(Sponsorship, and_(Sponsorship.registration_id == Registration.id, Sponsorship.status == "active"))
        .outerjoin(Sponsor, Sponsor.id == Sponsorship.sponsor_id)
        .where(Registration.programme_id == programme_id, Registration.status.in_(FUNDED_STATUSES))
        .group_by(Sponsor.kind, "quota_place")
    )
    by_kind, quota, unknown = Counter[str](), 0, 0
    for kind, holds_place, count in (await session.execute(statement)).all():
        if kind is not None:
            by_kind[str(kind)] += int(count)
        elif holds_place:
            quota += int(count)
        else:
            unknown += int(count)
    return FundedWorkers(by_kind, quota, unknown)


async def active_commitments(session: AsyncSession, programme_id: str) -> list[tuple[date, int, int]]:
    """Active sponsorships grouped by (start month, months): each group with how many have it."""
    statement = (
        select(Sponsorship.start_month, Sponsorship.months, func.count())
        .join(Sponsor, Sponsor.id == Sponsorship.sponsor_id)
        .where(Sponsor.programme_id == programme_id, Sponsorship.status == "active")
        .group_by(Sponsorship.start_month, Sponsorship.months)
    )
    return [(start, int(months), int(count)) for start, months, count in (await session.execute(statement)).all()]


async def paid_in_active_commitments(session: AsyncSession, programme_id: str) -> list[tuple[date, int, date, int]]:
    """The months said paid of active sponsorships, grouped by (start month, months, period)."""
    statement = (
        select(Sponsorship.start_month, Sponsorship.months, SponsorPeriod.period, func.count())
        .select_from(SponsorPeriod)
        .join(Sponsorship, Sponsorship.id == SponsorPeriod.sponsorship_id)
        .join(Sponsor, Sponsor.id == Sponsorship.sponsor_id)
        .where(
            Sponsor.programme_id == programme_id,
            Sponsorship.status == "active",
            SponsorPeriod.paid_at.is_not(None),
        )
        .group_by(Sponsorship.start_month, Sponsorship.months, SponsorPeriod.period)
    )
    return [
        (start, int(months), period, int(count))
        for start, months, period, count in (await session.execute(statement)).all()
    ]


async def offers_waiting(session: AsyncSession, programme_id: str, now: datetime) -> int:
    """Codes given for a named worker, not accepted, declined or expired yet."""
    statement = (
        select(func.count())
        .select_from(Sponsorship)
        .join(Sponsor, Sponsor.id == Sponsorship.sponsor_id)
        .where(
            Sponsor.programme_id == programme_id,
            Sponsorship.status == "offered",
            or_(Sponsorship.code_expires_at.is_(None), Sponsorship.code_expires_at > now),
        )
    )
    return int((await session.execute(statement)).scalar_one())
