"""The Dinas's follow-up work (admins, on the web desk): the heirs' claim cases still open, the longest
idle first; the accident reports, those not followed up first; an accident report marked as followed up
(audited); one role grant opened before it is revoked (bot/desks/roles.py revokes it).

Admins see the worker's name, as in the chat's letters to them; a NIK only masked. The pages that show
these answers record who saw them (`Visit.viewed`)."""

from __future__ import annotations

from typing import Literal

from bot.desks.call import DeskCall, page_size, unless_admin
from bot.desks.membership import registration_membership
from bot.desks.roles import address_of, holder_of
from conversations.claim_checklist import find_document
from conversations.coverage import coverage_on
from conversations.dates import stored_day
from conversations.nik import mask_nik
from conversations.programme import Programme
from conversations.requests.base import RoleRefused
from conversations.requests.casework import (
    AccidentFollowUp,
    AccidentFollowUpPage,
    AccidentFollowUpView,
    ClaimDocumentState,
    ClaimFollowUp,
    ClaimFollowUpPage,
    ClaimFollowUpView,
    FollowedUp,
    ListAccidentFollowUps,
    ListClaimFollowUps,
    MarkAccidentFollowedUp,
    OpenAccidentFollowUp,
    OpenClaimFollowUp,
    OpenRoleHolder,
)
from conversations.requests.roles import RoleHolder
from db.models import AccidentReport, ClaimCase, Contact, Registration, RoleGrant
from db.personal_data import PersonalDataCipher
from db.repositories import accident_reports, audit, claim_cases

__all__ = [
    "list_accident_follow_ups",
    "list_claim_follow_ups",
    "mark_accident_followed_up",
    "open_accident_follow_up",
    "open_claim_follow_up",
    "open_role_holder",
]

DocumentState = Literal["collected", "not_needed", "pending", "missing"]


# ---- claim cases ---------------------------------------------------------------------------------


async def list_claim_follow_ups(call: DeskCall, request: ListClaimFollowUps) -> ClaimFollowUpPage | RoleRefused:
    if refused := await unless_admin(call, request):
        return refused
    rows, total = await claim_cases.open_cases_by_idle(
        call.session, call.programme.id, offset=max(0, request.offset), limit=page_size(request.limit)
    )
    return ClaimFollowUpPage(tuple(_claim(call.cipher, *row) for row in rows), total)


async def open_claim_follow_up(call: DeskCall, request: OpenClaimFollowUp) -> ClaimFollowUpView | RoleRefused | None:
    if refused := await unless_admin(call, request):
        return refused
    found = await claim_cases.any_case(call.session, call.programme.id, request.case_id)
    if found is None:
        return None
    case = found[0]
    data = case.data
    return ClaimFollowUpView(
        case=_claim(call.cipher, *found),
        cause=_text(data.get("cause")),
        died_on=stored_day(data.get("died_on")),
        relationship=_text(data.get("relationship")),
        children=data.get("children") if isinstance(data.get("children"), int) else None,
        coverage=_text(data.get("coverage")),
        documents=_documents(call.programme, data),
        submitted_on=stored_day(data.get("submitted_on")),
        amount_paid=case.amount_paid,
        paid_on=case.paid_on,
        reason=_text(data.get("reason")),
    )


def _claim(
    cipher: PersonalDataCipher, case: ClaimCase, heir: Contact, registration: Registration | None
) -> ClaimFollowUp:
    documents, collected = _ids(case.data.get("documents")), set(_ids(case.data.get("collected")))
    name, nik = _worker(cipher, registration)
    return ClaimFollowUp(
        id=case.id,
        status=case.status,
        worker_name=name,
        nik_masked=nik,
        kpj=_text(case.data.get("kpj")) or (registration.kpj or "" if registration is not None else ""),
        heir_address=address_of(heir),
        heir_phone=heir.phone or "",
        documents_done=len([d for d in documents if d in collected]),
        documents_total=len(documents),
        opened_at=case.created_at,
        idle_since=case.updated_at,
    )


def _documents(programme: Programme, data: dict[str, object]) -> tuple[ClaimDocumentState, ...]:
    """The checklist as the heir left it; "not needed" documents count as collected, as in the chat."""
    collected, not_needed = set(_ids(data.get("collected"))), set(_ids(data.get("not_needed")))
    pending = set(_ids(data.get("pending")))
    states = []
    for document_id in _ids(data.get("documents")):
        known = find_document(programme, document_id)
        state: DocumentState = "missing"
        if document_id in not_needed:
            state = "not_needed"
        elif document_id in collected:
            state = "collected"
        elif document_id in pending:
            state = "pending"
        states.append(ClaimDocumentState(document_id, known.name if known else document_id, state))
    return tuple(states)


# ---- accident reports ----------------------------------------------------------------------------


async def list_accident_follow_ups(
    call: DeskCall, request: ListAccidentFollowUps
) -> AccidentFollowUpPage | RoleRefused:
    if refused := await unless_admin(call, request):
        return refused
    rows, total = await accident_reports.reports_to_follow_up(
        call.session, call.programme.id, offset=max(0, request.offset), limit=page_size(request.limit)
    )
    return AccidentFollowUpPage(tuple(_accident(call.cipher, *row) for row in rows), total)


async def open_accident_follow_up(
    call: DeskCall, request: OpenAccidentFollowUp
) -> AccidentFollowUpView | RoleRefused | None:
    if refused := await unless_admin(call, request):
        return refused
    found = await accident_reports.any_report(call.session, call.programme.id, request.report_id)
    if found is None:
        return None
    report, _, registration = found
    membership = (
        await registration_membership(call.session, call.programme, registration)
        if registration is not None and registration.erased_at is None
        else None
    )
    return AccidentFollowUpView(_accident(call.cipher, *found), coverage_on(membership, report.occurred_on))


async def mark_accident_followed_up(call: DeskCall, request: MarkAccidentFollowedUp) -> FollowedUp | RoleRefused | None:
    if refused := await unless_admin(call, request):
        return refused
    if await accident_reports.any_report(call.session, call.programme.id, request.report_id) is None:
        return None
    changed = await accident_reports.mark_followed_up(call.session, request.report_id)
    if changed:
        await audit.record_audit(
            call.session,
            "accident.followed_up",
            now=call.now,
            actor_contact_id=call.asker.id,
            subject=f"accident:{request.report_id}",
        )
    return FollowedUp(changed)


def _accident(
    cipher: PersonalDataCipher, report: AccidentReport, reporter: Contact | None, registration: Registration | None
) -> AccidentFollowUp:
    name, nik = _worker(cipher, registration)
    if not nik and report.nik_cipher:  # the NIK the reporter typed, for a worker not found in the registrations
        nik = mask_nik(cipher.decrypt(report.nik_cipher))
    return AccidentFollowUp(
        id=report.id,
        status=report.status,
        worker_name=name,
        nik_masked=nik,
        kpj=report.kpj or "",
        what=report.what,
        place=report.place,
        occurred_on=report.occurred_on,
        occurred_time=report.occurred_time or "",
        treated_at=report.treated_at,
        reported_at=report.created_at,
        reporter_address=address_of(reporter) if reporter is not None else "",
        reporter_phone=report.reporter_phone,
        relation=report.relation,
    )


# ---- a role holder -------------------------------------------------------------------------------


async def open_role_holder(call: DeskCall, request: OpenRoleHolder) -> RoleHolder | RoleRefused | None:
    if refused := await unless_admin(call, request):
        return refused
    grant = await call.session.get(RoleGrant, request.grant_id)
    holder = await call.session.get(Contact, grant.contact_id) if grant is not None else None
    if grant is None or holder is None or grant.revoked_at is not None:
        return None
    return holder_of(grant, holder)


# ---- shared --------------------------------------------------------------------------------------


def _worker(cipher: PersonalDataCipher, registration: Registration | None) -> tuple[str, str]:
    """The worker's name and masked NIK from their registration; nothing once its data is erased."""
    if registration is None or registration.erased_at is not None:
        return "", ""
    nik = mask_nik(cipher.decrypt(registration.nik_cipher)) if registration.nik_cipher else ""
    return registration.full_name or "", nik


def _text(value: object) -> str:
    return value.strip() if isinstance(value, str) else ""


def _ids(value: object) -> list[str]:
    return [str(item) for item in value] if isinstance(value, list) else []
