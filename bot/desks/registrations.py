"""A person's own registrations, and those an RT/RW leader entered (conversations/requests/registrations.py).
Every answer is scoped to the person asking: nobody sees or changes a registration that is neither
theirs nor one they entered as RT/RW leader."""

from __future__ import annotations

from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from bot.desks.call import DeskCall
from conversations.flows.privacy import NOTICE_VERSION
from conversations.nik import mask_nik
from conversations.requests.base import Done, NotAllowed
from conversations.requests.registrations import (
    AlreadyRegistered,
    CheckNik,
    CorrectRegistration,
    EraseRegistration,
    ListRegistrations,
    NikCheck,
    RegistrationView,
    StatusEvent,
    SubmitRegistration,
    Submitted,
)
from conversations.state import Json
from db.models import Contact, Registration
from db.repositories import audit, registrations
from db.repositories.registrations import DuplicateNik

__all__ = [
    "CORRECTABLE",
    "check_nik",
    "correct_registration",
    "erase_registration",
    "list_registrations",
    "submit_registration",
]

CORRECTABLE = frozenset(
    {
        "nik",
        "full_name",
        "birth_date",
        "kelurahan_code",
        "rt",
        "rw",
        "street",
        "job_type",
        "phone",
        "breadwinner",
        "poverty_register",
    }
)


async def check_nik(call: DeskCall, request: CheckNik) -> NikCheck:
    """Compared by keyed hash: the NIK is never stored in clear."""
    found = await registrations.find_by_nik_hash(call.session, call.cipher.blind_index(request.nik))
    if found is None:
        return NikCheck(registered=False)
    mine = call.asker.id in (found.registrant_contact_id, found.operator_contact_id)
    return NikCheck(registered=True, mine=mine)


async def submit_registration(call: DeskCall, request: SubmitRegistration) -> Submitted | AlreadyRegistered:
    """Stored with the consent it was given under: the worker's own, or the RT/RW leader's on their behalf."""
    session, cipher, programme, contact, now = call.session, call.cipher, call.programme, call.asker, call.now
    draft, on_behalf = request.draft, request.on_behalf
    nik = str(draft["nik"])
    fields = {
        "programme_id": programme.id,
        "nik_cipher": cipher.encrypt(nik),
        "nik_hash": cipher.blind_index(nik),
        "full_name": _text(draft.get("full_name")),
        "birth_date": date.fromisoformat(str(draft["birth_date"])),
        "female": bool(draft.get("female")),
        "kelurahan_code": str(draft["kelurahan_code"]),
        "rt": _text(draft.get("rt")),
        "rw": _text(draft.get("rw")),
        "street": _text(draft.get("street")),
        "job_type": str(draft["job_type"]),
        "job_text": _text(draft.get("job_text")),
        "phone": _text(draft.get("phone")),
        "breadwinner": draft.get("breadwinner") is True,
        "poverty_register": str(draft.get("poverty_register", "unknown")),
        "registrant_contact_id": None if on_behalf else contact.id,
        "operator_contact_id": contact.id if on_behalf else None,
        "consent_via": "operator" if on_behalf else "self",
        "consent_notice_version": NOTICE_VERSION,
        "consent_recorded_at": now,
    }
    try:
        registration = await registrations.add_registration(session, fields, contact.id, now)
    except DuplicateNik:
        return AlreadyRegistered()
    await audit.record_audit(
        session,
        "registration.submitted",
        now=now,
        actor_contact_id=contact.id,
        subject=f"registration:{registration.id}",
        detail={"on_behalf": str(on_behalf).lower()},
    )
    return Submitted(registration.id)


async def list_registrations(call: DeskCall, request: ListRegistrations) -> tuple[RegistrationView, ...]:
    session, contact, scope = call.session, call.asker, request.scope
    rows = []
    if scope in ("mine", "all"):
        rows += await registrations.list_for_contact(session, contact.id)
    if scope in ("operated", "all"):
        rows += await registrations.list_operated_by(session, contact.id)
    views = tuple([await _view(call, row) for row in rows])
    if views:
        await audit.record_audit(
            session,
            "personal_data.viewed",
            now=call.now,
            actor_contact_id=contact.id,
            subject=",".join(f"registration:{v.id}" for v in views)[:120],
            detail={"scope": scope},
        )
    return views


async def _view(call: DeskCall, row: Registration) -> RegistrationView:
    events = await registrations.history(call.session, row.id)
    nik = call.cipher.decrypt(row.nik_cipher) if row.nik_cipher else ""
    return RegistrationView(
        id=row.id,
        nik_masked=mask_nik(nik),
        full_name=row.full_name or "",
        birth_date=row.birth_date,
        kelurahan_code=row.kelurahan_code,
        rt=row.rt or "",
        rw=row.rw or "",
        street=row.street or "",
        job_type=row.job_type,
        job_text=row.job_text or "",
        phone=row.phone or "",
        breadwinner=row.breadwinner,
        poverty_register=row.poverty_register,
        status=row.status,
        status_reason=row.status_reason or "",
        kpj=row.kpj or "",
        on_behalf=row.consent_via == "operator",
        history=tuple(StatusEvent(e.status, e.created_at, e.reason or "") for e in events),
        coverage_start=row.coverage_start,
        registered_on=call.programme.local_date(row.created_at),
    )


async def _owned(session: AsyncSession, contact: Contact, registration_id: int) -> Registration | None:
    row = await registrations.get_registration(session, registration_id)
    if row is None or row.erased_at is not None:
        return None
    return row if contact.id in (row.registrant_contact_id, row.operator_contact_id) else None


async def correct_registration(call: DeskCall, request: CorrectRegistration) -> Done | NotAllowed | AlreadyRegistered:
    """One field of a registration the asker made or entered; it goes back to the kelurahan to verify."""
    session, cipher, contact, now = call.session, call.cipher, call.asker, call.now
    field, value = request.field, request.value
    row = await _owned(session, contact, request.registration_id)

    if row is None or field not in CORRECTABLE:
        return NotAllowed()
    if field == "nik":
        nik = str(value)
        other = await registrations.find_by_nik_hash(session, cipher.blind_index(nik))
        if other is not None and other.id != row.id:
            return AlreadyRegistered()
        row.nik_cipher, row.nik_hash = cipher.encrypt(nik), cipher.blind_index(nik)
    elif field == "birth_date":
        row.birth_date = date.fromisoformat(str(value))
    elif field == "breadwinner":
        row.breadwinner = value is True
    else:
        setattr(row, field, None if value is None else str(value))
    row.status, row.status_reason, row.updated_at = "submitted", None, now
    await registrations.record_event(session, row.id, "corrected", contact.id, now, reason=field)
    await audit.record_audit(
        session,
        "registration.corrected",
        now=now,
        actor_contact_id=contact.id,
        subject=f"registration:{row.id}",
        detail={"field": field},
    )
    return Done()


async def erase_registration(call: DeskCall, request: EraseRegistration) -> Done | NotAllowed:
    """The personal data goes (UU 27/2022); the row stays, empty, for the figures and the audit."""
    session, contact, now = call.session, call.asker, call.now
    row = await _owned(session, contact, request.registration_id)
    if row is None:
        return NotAllowed()
    await registrations.erase_personal_data(session, row, contact.id, now)
    await audit.record_audit(
        session, "personal_data.erased", now=now, actor_contact_id=contact.id, subject=f"registration:{row.id}"
    )
    return Done()


def _text(value: Json) -> str | None:
    return None if value is None or value == "" else str(value)
