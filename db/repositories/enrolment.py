"""The registrations that go to BPJS TK for collective enrolment, and the look-ups that match BPJS TK's
answer (NIK by keyed hash, KPJ) back to them without decrypting anything."""

from __future__ import annotations

from collections.abc import Collection, Iterator, Sequence
from typing import TypeVar

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Registration

__all__ = ["by_kpj", "by_nik_hash", "for_enrolment"]

# Kept well below SQLite's and asyncpg's limits on bound parameters (32 766 / 32 767).
_CHUNK = 1_000
T = TypeVar("T")


async def for_enrolment(
    session: AsyncSession, programme_id: str, statuses: Collection[str] | None
) -> list[Registration]:
    """The programme's registrations with one of `statuses` (None: every status), never an erased one,
    in registration order."""
    statement = select(Registration).where(Registration.programme_id == programme_id, Registration.erased_at.is_(None))
    if statuses is not None:
        statement = statement.where(Registration.status.in_(list(statuses)))
    return list((await session.execute(statement.order_by(Registration.id))).scalars())


async def by_nik_hash(session: AsyncSession, nik_hashes: Collection[str]) -> dict[str, Registration]:
    found: dict[str, Registration] = {}
    for chunk in _chunks(sorted(set(nik_hashes))):
        statement = select(Registration).where(Registration.nik_hash.in_(chunk))
        found.update({row.nik_hash: row for row in (await session.execute(statement)).scalars() if row.nik_hash})
    return found


async def by_kpj(session: AsyncSession, kpjs: Collection[str]) -> dict[str, Registration]:
    """The registrations holding these KPJ numbers already (one each; an erased one holds none)."""
    found: dict[str, Registration] = {}
    for chunk in _chunks(sorted(set(kpjs))):
        statement = select(Registration).where(Registration.kpj.in_(chunk)).order_by(Registration.id)
        for row in (await session.execute(statement)).scalars():
            if row.kpj:
                found.setdefault(row.kpj, row)
    return found


def _chunks(items: Sequence[T]) -> Iterator[Sequence[T]]:
    for start in range(0, len(items), _CHUNK):
        yield items[start : start + _CHUNK]
