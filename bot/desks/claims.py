"""Heirs' claim cases in the store, and the reminder an idle case gets.

The claim flow keeps its answers in the case's `data`; the columns beside it (status, amount paid,
date paid, registration) are what the Dinas counts. No NIK is kept in a case: the deceased's NIK is
used once to find their registration and then dropped."""

from __future__ import annotations

from dataclasses import replace
from datetime import date, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from bot.desks.call import DeskCall
from bot.desks.deceased import mark_deceased
from bot.desks.membership import registration_membership
from conversations.coverage import Verdict
from conversations.flows.statuses import status_text
from conversations.letters import Letter
from conversations.messages import Msg, msg
from conversations.requests.base import Done, NotAllowed
from conversations.requests.claims import (
    ClaimCaseSaved,
    ClaimCaseView,
    ListClaimCases,
    SaveClaimCase,
    TellDinasNotCovered,
)
from conversations.state import Json
from db.models import ClaimCase, Contact
from db.repositories import audit, claim_cases, registrations, roles

__all__ = ["CASE_STATUSES", "claim_reminders", "list_claim_cases", "save_claim_case", "tell_dinas_not_covered"]

CASE_STATUSES = ("collecting", "ready", "submitted", "paid", "rejected")
# Kept out of the stored case: the NIK is only for finding the registration.
_NOT_STORED = frozenset({"nik"})


async def save_claim_case(call: DeskCall, request: SaveClaimCase) -> ClaimCaseSaved | NotAllowed:
    """Open a case (case_id None: linked to the registration found by NIK or KPJ) or update one of the
    asker's own; anyone else's is not allowed."""
    session, cipher, programme, contact, now = call.session, call.cipher, call.programme, call.asker, call.now
    data = {key: value for key, value in request.case.items() if key not in _NOT_STORED}
    status = str(data.get("status") or "collecting")
    if status not in CASE_STATUSES:
        raise ValueError(f"unknown claim case status {status!r}")
    if request.case_id is None:
        nik = str(request.case.get("nik") or "")
        found = await registrations.find_by_nik_hash_or_kpj(
            session, cipher.blind_index(nik) if nik else None, str(data.get("kpj") or "")
        )
        fields = {
            "programme_id": programme.id,
            "contact_id": contact.id,
            "registration_id": found.id if found is not None else None,
            "data": data,
            "status": status,
        }
        case = await claim_cases.add_case(session, fields, now)
        await audit.record_audit(
            session, "claim.opened", now=now, actor_contact_id=contact.id, subject=f"claim:{case.id}"
        )
        return ClaimCaseSaved(case.id)
    existing = await claim_cases.get_case(session, request.case_id, contact.id)
    if existing is None:
        return NotAllowed()
    existing.data, existing.status, existing.updated_at = data, status, now
    existing.amount_paid = _amount(data.get("amount_paid"))
    existing.paid_on = _day(data.get("paid_on"))
    today = programme.local_date(now)
    await mark_deceased(session, call.post, existing, actor_contact_id=contact.id, now=now, today=today)  # when paid
    return ClaimCaseSaved(existing.id)


async def list_claim_cases(call: DeskCall, _: ListClaimCases) -> tuple[ClaimCaseView, ...]:
    """The asker's cases, each with what its linked registration says today (a case opened before
    coverage was judged is judged from it when the heir comes back)."""
    session, views = call.session, []
    for case in await claim_cases.cases_of(session, call.asker.id):
        view = ClaimCaseView(id=case.id, case=dict(case.data), opened_at=case.created_at, updated_at=case.updated_at)
        row = await registrations.get_registration(session, case.registration_id) if case.registration_id else None
        if row is not None and row.erased_at is None:
            membership = await registration_membership(session, call.programme, row)
            view = replace(view, registration_id=row.id, membership=membership)
        views.append(view)
    return tuple(views)


_TOLD_ONCE_WITHIN = timedelta(days=1)  # an heir asking again the same day does not write to the Dinas again
_CAUSE_KEYS = {
    "work_accident": "claims.cause_work_accident",
    "road_accident": "claims.cause_road_accident",
    "illness": "claims.cause_illness",
}


async def tell_dinas_not_covered(call: DeskCall, request: TellDinasNotCovered) -> Done:
    """Each Dinas admin gets a letter naming the worker (admins see names), the day and why the
    programme will not pay; the heir's number when known, so someone can call the family."""
    session, heir, now = call.session, call.asker, call.now
    row = await registrations.get_registration(session, request.registration_id)
    if row is None or row.erased_at is not None:
        return Done()
    subject = f"registration:{row.id}"
    if await audit.acted_on_since(
        session, "claim.not_covered", actor_contact_id=heir.id, subject=subject, since=now - _TOLD_ONCE_WITHIN
    ):
        return Done()  # the same heir again about the same worker: the Dinas has the letter already
    why = "claims.dinas_not_yet" if request.verdict is Verdict.NOT_YET else "claims.dinas_ended"
    notice = msg(
        "claims.dinas_not_covered",
        number=row.id,
        name=row.full_name or "-",
        died=request.died_on,
        cause=msg(_CAUSE_KEYS.get(request.cause, "claims.cause_illness")),
        status=status_text(row.status, row.status_reason or "", row.kpj or ""),
        why=msg(why),
        contact=heir.phone or (heir.channel_id if heir.channel == "whatsapp" else msg("claims.dinas_contact_chat")),
    )
    for admin in await roles.contacts_with_role(session, "admin"):
        if admin.id != heir.id:
            call.post.append(Letter.of(admin.id, notice))
    await audit.record_audit(session, "claim.not_covered", now=now, actor_contact_id=heir.id, subject=subject)
    return Done()


async def claim_reminders(session: AsyncSession, *, now: datetime, idle_days: int) -> list[Letter]:
    """A reminder for each heir whose open case has been idle `idle_days`, once per idle spell."""
    letters = []
    for case in await claim_cases.idle_cases(session, now - timedelta(days=idle_days)):
        case.reminded_at = now
        contact = await session.get(Contact, case.contact_id)
        if contact is None or contact.opted_out or contact.unreachable:
            continue
        letters.append(Letter.of(contact.id, _reminder(case)))
    return letters


def _reminder(case: ClaimCase) -> Msg:
    if case.status == "ready":
        return msg("claims.reminder_ready")
    if case.status == "submitted":
        return msg("claims.reminder_submitted")
    documents, collected = _ids(case.data.get("documents")), _ids(case.data.get("collected"))
    missing = len([d for d in documents if d not in collected])
    return msg("claims.reminder_collecting", missing=missing, total=len(documents))


def _amount(value: Json) -> int | None:
    return value if isinstance(value, int) and not isinstance(value, bool) else None


def _day(value: Json) -> date | None:
    return date.fromisoformat(value) if isinstance(value, str) and value else None


def _ids(value: object) -> list[str]:
    return [str(item) for item in value] if isinstance(value, list) else []
