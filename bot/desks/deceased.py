"""A paid heirs' claim is the record that the worker died: their registration gets `deceased_on`, so that
nobody sends announcements to the dead worker's chat (db/repositories/broadcasts.py leaves them out of
every audience) and the renewal round ends their participation instead of asking them.

The day is the day of death the heir gave in the claim; a case without one (never written by the claim
flow, which asks it first) falls back to the day the claim was paid, which a death always precedes."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from db.models import ClaimCase
from db.repositories import audit, registrations

__all__ = ["PAID", "mark_deceased"]

PAID = "paid"


async def mark_deceased(
    session: AsyncSession, case: ClaimCase, *, actor_contact_id: int, now: datetime, today: date
) -> None:
    """Mark the worker of a paid case deceased, once (audited as `registration.deceased`, never a name)."""
    if case.status != PAID or case.registration_id is None:
        return
    row = await registrations.get_registration(session, case.registration_id)
    if row is None or row.erased_at is not None or row.deceased_on is not None:
        return
    died = _day(case.data.get("died_on"))
    row.deceased_on = died or case.paid_on or today
    await audit.record_audit(
        session,
        "registration.deceased",
        now=now,
        actor_contact_id=actor_contact_id,
        subject=f"registration:{row.id}",
        detail={"claim": str(case.id), "day_from": "death" if died else "payment"},
    )


def _day(value: object) -> date | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None
