"""A paid heirs' claim is the record that the worker died: their registration gets `deceased_on`, so that
nobody sends announcements to the dead worker's chat (db/repositories/broadcasts.py leaves them out of
every audience) and the renewal round ends their participation instead of asking them.

The day is the day of death the heir gave in the claim; a case without one (never written by the claim
flow, which asks it first) falls back to the day the claim was paid, which a death always precedes.

Whoever knows a NIK or KPJ can report a claim "paid", so the marking is made visible and reversible: every
Dinas admin gets a letter naming the registration, the day and the claim case, and
`jaring registration alive ID --reason …` (`undo_deceased`) takes it back, audited."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.desks.sponsor_funding import worker_left
from conversations.dates import stored_day
from conversations.letters import Letter
from conversations.messages import msg
from db.models import ClaimCase
from db.repositories import audit, registrations, renewals, roles

__all__ = ["PAID", "NotDeceased", "Undone", "mark_deceased", "undo_deceased"]

PAID = "paid"
_UNDONE = "registration.deceased_undone"


@dataclass(frozen=True, slots=True)
class Undone:
    was: date  # the day of death it had
    back_in_round: bool  # the open renewal round had left them out: they continue now
    ended: bool  # a closed round ended them already: the Dinas sets the status back itself


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
    if await audit.has_entry(session, _UNDONE, subject=f"registration:{row.id}"):
        return  # the Dinas took a death back: the same paid case saved again does not mark it anew
    died = stored_day(case.data.get("died_on"))
    row.deceased_on = died or case.paid_on or today
    await worker_left(session, post, row, why="deceased", now=now)
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


async def undo_deceased(
    session: AsyncSession, registration_id: int, *, reason: str, now: datetime, actor: str
) -> Undone:
    """Take back a wrong "deceased" (the Dinas checked with the heirs): announcements reach the worker
    again, and an open renewal round that left them out keeps them. Audited as
    `registration.deceased_undone` with the day it had, never a name."""
    row = await registrations.get_registration(session, registration_id)
    if row is None or row.erased_at is not None or row.deceased_on is None:
        raise NotDeceased(str(registration_id))
    day, row.deceased_on = row.deceased_on, None
    back = await renewals.restore_in_open_round(session, row.programme_id, row.id)
    await audit.record_audit(
        session,
        _UNDONE,
        now=now,
        subject=f"registration:{row.id}",
        detail={"was": day.isoformat(), "reason": reason[:200], "by": actor, "back_in_round": str(back).lower()},
    )
    return Undone(day, back, ended=row.status == "ended")
