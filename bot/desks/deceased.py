"""A paid heirs' claim is the record that the worker died: their registration gets `deceased_on`, so that
nobody sends announcements to the dead worker's chat (db/repositories/broadcasts.py leaves them out of
every audience) and the renewal round ends their participation instead of asking them.

The day is the day of death the heir gave in the claim; a case without one (never written by the claim
flow, which asks it first) falls back to the day the claim was paid, which a death always precedes.

Whoever knows a NIK or KPJ can report a claim "paid", so the marking is made visible and reversible: every
Dinas admin gets a letter naming the registration, the day and the claim case, and
`jaring registration alive ID --reason …` (`undo_deceased`) takes it back, audited."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from conversations.letters import Letter
from conversations.messages import msg
from db.models import ClaimCase
from db.repositories import audit, registrations, roles

__all__ = ["PAID", "NotDeceased", "mark_deceased", "undo_deceased"]

PAID = "paid"


class NotDeceased(LookupError):
    """No such registration, or it is not marked deceased: nothing to undo."""


async def mark_deceased(
    session: AsyncSession,
    post: list[Letter],
    case: ClaimCase,
    *,
    actor_contact_id: int,
    now: datetime,
    today: date,
) -> None:
    """Mark the worker of a paid case deceased, once (audited as `registration.deceased`, never a name),
    and tell every Dinas admin how to take it back should the report be wrong."""
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
    letter = msg(
        "claims.deceased_marked",
        number=row.id,
        name=row.full_name or "-",
        day=row.deceased_on,
        case=case.id,
    )
    post.extend(Letter.of(admin.id, letter) for admin in await roles.contacts_with_role(session, "admin"))


async def undo_deceased(session: AsyncSession, registration_id: int, *, reason: str, now: datetime, actor: str) -> date:
    """Take back a wrong "deceased" (the Dinas checked with the heirs): announcements and the renewal reach
    the worker again. Audited as `registration.deceased_undone` with the day it had, never a name; that
    day is returned."""
    row = await registrations.get_registration(session, registration_id)
    if row is None or row.erased_at is not None or row.deceased_on is None:
        raise NotDeceased(str(registration_id))
    day, row.deceased_on = row.deceased_on, None
    await audit.record_audit(
        session,
        "registration.deceased_undone",
        now=now,
        subject=f"registration:{row.id}",
        detail={"was": day.isoformat(), "reason": reason[:200], "by": actor},
    )
    return day


def _day(value: object) -> date | None:
    if not isinstance(value, str) or not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None
