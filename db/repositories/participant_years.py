"""The budget years each registration was a participant in, new or continuing (db.models.ParticipantYear):
written when an approval takes a place in a year's quota, when the Pemda's own list is imported, and when
the renewal round carries a participant into the next year. A year is recorded once per registration."""

from __future__ import annotations

from collections.abc import Sequence
from datetime import datetime
from typing import Literal

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import ParticipantYear
from db.repositories._dialect import insert_ignoring_duplicates

__all__ = ["Kind", "Source", "count_by_year", "record_years"]

Kind = Literal["new", "continuing"]
Source = Literal["approval", "import", "renewal"]


async def record_years(
    session: AsyncSession,
    programme_id: str,
    entries: Sequence[tuple[int, int, Kind]],
    *,
    source: Source,
    now: datetime,
) -> None:
    """`entries`: (registration id, year, kind); a year already recorded for a registration stays as it was."""
    if not entries:
        return
    rows = [
        {
            "registration_id": registration_id,
            "programme_id": programme_id,
            "year": year,
            "kind": kind,
            "source": source,
            "created_at": now,
        }
        for registration_id, year, kind in entries
    ]
    await session.execute(insert_ignoring_duplicates(session, ParticipantYear), rows)


async def count_by_year(session: AsyncSession, programme_id: str) -> dict[int, dict[str, int]]:
    """{year: {"new": n, "continuing": m}} over every year recorded."""
    statement = (
        select(ParticipantYear.year, ParticipantYear.kind, func.count(ParticipantYear.id))
        .where(ParticipantYear.programme_id == programme_id)
        .group_by(ParticipantYear.year, ParticipantYear.kind)
    )
    counted: dict[int, dict[str, int]] = {}
    for year, kind, count in await session.execute(statement):
        counted.setdefault(int(year), {"new": 0, "continuing": 0})[str(kind)] = int(count)
    return counted
