"""A person's own registrations, and those an RT/RW leader entered (conversations/requests/registrations.py).
Every answer is scoped to the person asking: nobody sees or changes a registration that is neither
theirs nor one they entered as RT/RW leader."""

from __future__ import annotations

from datetime import date

from sqlalchemy.ext.asyncio import AsyncSession

from bot.desks.call import DeskCall, refuse
from bot.desks.sponsor_funding import worker_left
from conversations.flows.privacy import NOTICE_VERSION
from conversations.flows.registration import LEADER_ROLE
from conversations.names import ktp_name
from conversations.nik import mask_nik
from conversations.programme_rules import Facts, YesNoUnknown, judge
from conversations.registration_flags import FLAGS, judged_flags
from conversations.requests.base import Done, NotAllowed, RoleRefused
from conversations.requests.registrations import (
    AlreadyRegistered,
    CheckNik,
    EraseRegistration,
    FindLeaderArea,
    LeaderArea,
    ListRegistrations,
    NikCheck,
    RegistrationView,
    RuleBroken,
    StatusEvent,
    SubmitRegistration,
    Submitted,
)
from conversations.state import Json
from db.models import Contact, Registration, RoleGrant
from db.repositories import audit, registrations, roles
from db.repositories.participants import PUBLIC_TASK
from db.repositories.registrations import DuplicateNik

__all__ = [
    "check_nik",
    "erase_registration",
    "find_leader_area",
    "leader_grant_now",
    "list_registrations",
    "outside_leader_area",
    "submit_registration",
]


async def check_nik(call: DeskCall, request: CheckNik) -> NikCheck:
    """Compared by keyed hash: the NIK is never stored in clear."""
    found = await registrations.find_by_nik_hash(call.session, call.cipher.blind_index(request.nik))
    if found is None:
        return NikCheck(registered=False)
    mine = call.asker.id in (found.registrant_contact_id, found.operator_contact_id)
    return NikCheck(registered=True, mine=mine, linkable=not mine and found.registrant_contact_id is None)


async def find_leader_area(call: DeskCall, request: FindLeaderArea) -> LeaderArea | RoleRefused:
    grant = await leader_grant_now(call.session, call.asker.id)
    if grant is None:
        return await refuse(call, request)
    return LeaderArea(grant.kelurahan_code or "", grant.rt or "", grant.rw or "")


async def submit_registration(
    call: DeskCall, request: SubmitRegistration
) -> Submitted | AlreadyRegistered | RuleBroken | RoleRefused:
    """Stored with the consent it was given under: the worker's own, or the RT/RW leader's on their behalf.
    The programme's rules are checked here again, whatever the conversation said: a strict rule broken
    refuses it; a rule the kelurahan decides, or a neighbour outside the leader's area, is a flag."""
    session, cipher, programme, contact, now = call.session, call.cipher, call.programme, call.asker, call.now
    draft, on_behalf = request.draft, request.on_behalf
    leader = await leader_grant_now(session, contact.id) if on_behalf else None
    if on_behalf and leader is None:
        return await refuse(call, request)
    judged = judge(
        programme, _facts(call, draft), programme.local_date(now), region=call.region.name if call.region else ""
    )
    if judged.refused:
        rule = judged.refused[0].rule
        await audit.record_audit(
            session, "registration.refused", now=now, actor_contact_id=contact.id, detail={"rule": rule}
        )
        return RuleBroken(rule)
    held = set(judged_flags(judged))
    if leader is not None and outside_leader_area(leader, draft):
        held.add("outside_leader_area")
    flags = [flag for flag in FLAGS if flag in held]
    nik = str(draft["nik"])
    fields = {
        "programme_id": programme.id,
        "nik_cipher": cipher.encrypt(nik),
        "nik_hash": cipher.blind_index(nik),
        "full_name": _text(ktp_name(str(draft.get("full_name") or ""))),  # as on the KTP: capitals
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
        "flags": flags,
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
        detail={"on_behalf": str(on_behalf).lower(), "flags": ",".join(flags)},
    )
    return Submitted(registration.id, tuple(flags))


def _facts(call: DeskCall, draft: dict[str, Json]) -> Facts:
    kelurahan = str(draft["kelurahan_code"])
    in_region = call.region is None or any(k.code == kelurahan for k in call.region.all_kelurahan)
    return Facts(
        birth_date=date.fromisoformat(str(draft["birth_date"])),
        resident=in_region,
        already_participant=_yes_no_unknown(draft.get("already_member")),
        poverty_register=_yes_no_unknown(draft.get("poverty_register")),
    )


def _yes_no_unknown(value: Json) -> YesNoUnknown | None:
    return "yes" if value == "yes" else "no" if value == "no" else "unknown" if value == "unknown" else None


async def leader_grant_now(session: AsyncSession, contact_id: int) -> RoleGrant | None:
    """The RT/RW leader role the contact holds now (the newest, if several)."""
    held = [grant for grant in await roles.active_grants(session, contact_id) if grant.role == "rtrw"]
    return held[-1] if held else None


def outside_leader_area(leader: RoleGrant, draft: dict[str, Json]) -> bool:
    """The neighbour's KTP address is not in the kelurahan, RT and RW the leader's role names."""
    pairs = (
        (leader.kelurahan_code, draft.get("kelurahan_code")),
        (leader.rt, draft.get("rt")),
        (leader.rw, draft.get("rw")),
    )
    return any(theirs and not _same_place(theirs, given) for theirs, given in pairs)


def _same_place(theirs: str, given: Json) -> bool:
    """ "3" and "003" are the same RT."""
    said = str(given or "")
    if theirs.isdecimal() and said.isdecimal():
        return int(theirs) == int(said)
    return theirs == said


async def list_registrations(call: DeskCall, request: ListRegistrations) -> tuple[RegistrationView, ...]:
    """The asker's own registrations ("mine"), those they entered as RT/RW leader ("operated": only while
    they are a leader — a revoked leader sees their neighbours no more), or both ("all": cek status)."""
    session, contact, scope = call.session, call.asker, request.scope
    rows = []
    if scope in ("mine", "all"):
        rows += await registrations.list_for_contact(session, contact.id)
    if scope in ("operated", "all"):
        if await roles.holds_role(session, contact.id, LEADER_ROLE):
            rows += await registrations.list_operated_by(session, contact.id)
        elif scope == "operated":  # a crafted request, or the role revoked since the list was offered
            await refuse(call, request)
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
        public_task=row.consent_via == PUBLIC_TASK,
    )


async def _owned(session: AsyncSession, contact: Contact, registration_id: int) -> Registration | None:
    """The registration if it is the asker's own, or one they entered as RT/RW leader while they are a
    leader still: a revoked leader changes nothing, whatever was opened before the revocation."""
    row = await registrations.get_registration(session, registration_id)
    if row is None or row.erased_at is not None:
        return None
    if contact.id == row.registrant_contact_id:
        return row
    entered = contact.id == row.operator_contact_id
    return row if entered and await roles.holds_role(session, contact.id, LEADER_ROLE) else None


async def erase_registration(call: DeskCall, request: EraseRegistration) -> Done | NotAllowed:
    """The personal data goes (UU 27/2022); the row stays, empty, for the figures and the audit."""
    session, contact, now = call.session, call.asker, call.now
    row = await _owned(session, contact, request.registration_id)
    if row is None:
        return NotAllowed()
    await worker_left(session, call.post, row, why="deleted", now=now)  # before the name is emptied
    await registrations.erase_personal_data(session, row, contact.id, now)
    await audit.record_audit(
        session, "personal_data.erased", now=now, actor_contact_id=contact.id, subject=f"registration:{row.id}"
    )
    return Done()


def _text(value: Json) -> str | None:
    return None if value is None or value == "" else str(value)
