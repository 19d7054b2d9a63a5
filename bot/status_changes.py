"""A registration's status changes, and the worker and the leader who registered them are told."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from conversations.flows.statuses import STATUS_KEYS, status_text
from conversations.messages import msg
from db.models import Contact, Registration
from db.repositories import audit, outbox, registrations
from locales import Catalogs

__all__ = ["UnknownRegistration", "change_status"]


class UnknownRegistration(LookupError):
    pass


async def change_status(
    session: AsyncSession,
    catalogs: Catalogs,
    registration_id: int,
    status: str,
    *,
    now: datetime,
    actor: str,
    actor_contact_id: int | None = None,
    reason: str = "",
    kpj: str = "",
    coverage_start: date | None = None,
) -> Registration:
    if status not in STATUS_KEYS or status == "deleted":
        raise ValueError(f"unknown status {status!r}; one of {', '.join(k for k in STATUS_KEYS if k != 'deleted')}")
    row = await registrations.get_registration(session, registration_id)
    if row is None or row.erased_at is not None:
        raise UnknownRegistration(f"no registration {registration_id}")
    row.status, row.status_reason, row.updated_at = status, reason or None, now
    if kpj:
        row.kpj = kpj
    if coverage_start is not None:
        row.coverage_start = coverage_start
    await registrations.record_event(session, row.id, status, actor_contact_id, now, reason=reason or None)
    await audit.record_audit(
        session,
        "registration.status_changed",
        now=now,
        actor_contact_id=actor_contact_id,
        subject=f"registration:{row.id}",
        detail={"status": status, "by": actor},
    )
    for contact_id in {row.registrant_contact_id, row.operator_contact_id} - {None}:
        contact = await session.get(Contact, contact_id)
        if contact is None:
            continue
        news = msg(
            "status.changed",
            number=row.id,
            name=row.full_name or "-",
            status=status_text(status, reason, row.kpj or ""),
        )
        await outbox.notify(session, contact, catalogs.render(news, contact.language), now)
    return row
