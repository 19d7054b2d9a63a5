"""The renewal "no"s the kelurahan decides: rows of an open renewal round with decision "check" (the worker
answered "sudah pindah" or "tidak bekerja lagi"), listed for the verifiers of the worker's kelurahan, and
the verifier's decision recorded on the row. The round itself (opening, answers, closing) is written by
db/repositories/renewals.py; this module only reads the rows waiting and decides one."""

from __future__ import annotations

from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime
from typing import Any, Literal

from sqlalchemy import func, select
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Registration, Renewal, RenewalRound
from db.repositories._dialect import dialect_name

__all__ = ["CHECK", "OPEN", "RenewalCheck", "decide_check", "find_check", "list_checks"]

CHECK = "check"  # the worker said no: waiting for the kelurahan
OPEN = "open"


@dataclass(frozen=True, slots=True)
class RenewalCheck:
    """A renewal row with its registration, the budget year of its round and whether the round is open."""

    renewal: Renewal
    registration: Registration
    year: int
    round_open: bool = True


def _waiting(programme_id: str, kelurahan_codes: Collection[str] | None) -> list[Any]:
    conditions: list[Any] = [
        RenewalRound.programme_id == programme_id,
        RenewalRound.status == OPEN,
        Renewal.decision == CHECK,
        Registration.erased_at.is_(None),
        Registration.deceased_on.is_(None),  # a paid heirs' claim: the close ends it, nothing to decide
    ]
    if kelurahan_codes is not None:
        conditions.append(Registration.kelurahan_code.in_(kelurahan_codes))
    return conditions


async def list_checks(
    session: AsyncSession, programme_id: str, kelurahan_codes: Collection[str] | None, *, limit: int
) -> tuple[list[RenewalCheck], int]:
    """The "no"s waiting for the kelurahan in open rounds (`kelurahan_codes` None: all, for an admin),
    the longest waiting first, at most `limit`; and how many there are in all."""
    joined = (
        select(Renewal, Registration, RenewalRound.year)
        .join(RenewalRound, RenewalRound.id == Renewal.round_id)
        .join(Registration, Registration.id == Renewal.registration_id)
    )
    conditions = _waiting(programme_id, kelurahan_codes)
    counted = (
        select(func.count(Renewal.id))
        .join(RenewalRound, RenewalRound.id == Renewal.round_id)
        .join(Registration, Registration.id == Renewal.registration_id)
        .where(*conditions)
    )
    total = int((await session.execute(counted)).scalar_one())
    page = joined.where(*conditions).order_by(Renewal.answered_at, Renewal.registration_id).limit(limit)
    rows = (await session.execute(page)).all()
    return [RenewalCheck(renewal, registration, int(year)) for renewal, registration, year in rows], total


async def find_check(
    session: AsyncSession, programme_id: str, registration_id: int, *, lock: bool = False
) -> RenewalCheck | None:
    """The registration's row in the newest round of the programme, whatever its decision and the round's
    status (a decided one, or a closed round, tells the asker nothing is left to decide); `lock`: held until
    the transaction ends (PostgreSQL; on SQLite every write transaction is BEGIN IMMEDIATE), so that two
    verifiers cannot both decide it."""
    statement = (
        select(Renewal, Registration, RenewalRound.year, RenewalRound.status)
        .join(RenewalRound, RenewalRound.id == Renewal.round_id)
        .join(Registration, Registration.id == Renewal.registration_id)
        .where(RenewalRound.programme_id == programme_id, Renewal.registration_id == registration_id)
        .order_by(RenewalRound.year.desc())
        .limit(1)
    )
    if lock and dialect_name(session) == "postgresql":
        statement = statement.with_for_update(of=Renewal)
    found = (await session.execute(statement.execution_options(populate_existing=True))).first()
    if found is None:
        return None
    renewal, registration, year, status = found
    return RenewalCheck(renewal, registration, int(year), round_open=status == OPEN)


def decide_check(
    row: Renewal,
    decision: Literal["continues", "ends"],
    *,
    reason: str | None,
    decided_by_contact_id: int,
    now: datetime,
    note: str | None = None,
) -> None:
    """Record the kelurahan's decision on a "check" row (the caller locked it and saw it still "check")."""
    row.decision = decision
    row.reason = reason
    row.decided_by_contact_id = decided_by_contact_id
    row.decided_at = now
    row.note = note
