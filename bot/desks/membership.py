"""What a registration says of its worker's BPJS TK membership, for conversations/coverage.py to judge
on a day: its status, BPJS TK's start date, and the day it left "active" (from its status history)."""

from __future__ import annotations

from sqlalchemy.ext.asyncio import AsyncSession

from conversations.coverage import Membership, membership_of
from conversations.programme import Programme
from db.models import Registration
from db.repositories import registrations

__all__ = ["registration_membership"]


async def registration_membership(session: AsyncSession, programme: Programme, row: Registration) -> Membership:
    history = [
        (event.status, programme.local_date(event.created_at)) for event in await registrations.history(session, row.id)
    ]
    return membership_of(row.status, row.coverage_start, history)
