"""The sponsor's own lists: of their workers only the name and the status are read (never the whole row, so
nothing else of a worker can reach a sponsor's reply), and which registrations of a waiting-list page
already have a funder. Nothing here commits."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from conversations.sponsorship import OPEN_STATUSES
from db.models import Registration, Sponsorship

__all__ = ["WorkerSeen", "funded_among", "workers_seen"]

# A sponsorship that funds (or is about to fund) its registration: a worker accepted it, or it pays.
_FUNDING = tuple(status for status in OPEN_STATUSES if status != "offered")


@dataclass(frozen=True, slots=True)
class WorkerSeen:
    """What a sponsor may know of a worker: the name (empty once the worker's data was erased) and the status."""

    full_name: str
    status: str


async def workers_seen(session: AsyncSession, registration_ids: Collection[int]) -> dict[int, WorkerSeen]:
    if not registration_ids:
        return {}
    statement = select(Registration.id, Registration.full_name, Registration.status).where(
        Registration.id.in_(list(registration_ids))
    )
    return {number: WorkerSeen(name or "", status) for number, name, status in await session.execute(statement)}


async def funded_among(session: AsyncSession, registration_ids: Collection[int]) -> set[int]:
    """Those of `registration_ids` (a page of the waiting list) with a sponsorship accepted or active, or
    with a funder named already: a worker has one funder at a time."""
    if not registration_ids:
        return set()
    ids = list(registration_ids)
    sponsored = select(Sponsorship.registration_id).where(
        Sponsorship.registration_id.in_(ids), Sponsorship.status.in_(_FUNDING)
    )
    named = select(Registration.id).where(
        Registration.id.in_(ids), Registration.funder.is_not(None), Registration.funder != ""
    )
    found = set((await session.execute(sponsored)).scalars()) | set((await session.execute(named)).scalars())
    return {number for number in found if number is not None}
