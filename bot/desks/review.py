"""Verification by the kelurahan (conversations/requests/review.py). This is the real gate: every
answer reads the asker's roles again and refuses what they may not do — a verifier sees and decides
only registrations of their own kelurahan, whatever request a crafted message makes. Refusals are
audited."""

from __future__ import annotations

from dataclasses import dataclass

from sqlalchemy.ext.asyncio import AsyncSession

from bot.desks.call import DeskCall, page_size, refuse
from bot.desks.roles import address_of
from bot.desks.status_news import change_status
from conversations.corrections_policy import status_after_verification
from conversations.nik import mask_nik
from conversations.programme import Programme
from conversations.registration_flags import flags_on, known_flags
from conversations.requests.base import RoleRefused
from conversations.requests.registrations import StatusEvent
from conversations.requests.review import (
    AlreadyDecided,
    Decided,
    DecideRegistration,
    ListPending,
    OpenRegistration,
    PendingItem,
    PendingPage,
    ReviewView,
)
from db.models import Contact, Registration
from db.repositories import audit, registrations, roles

__all__ = ["OfficerScope", "decide_registration", "list_pending", "officer_scope", "open_registration"]

_MAX_REASON = 300


@dataclass(frozen=True, slots=True)
class OfficerScope:
    """What a contact may review: everything (an admin) or their kelurahan (a verifier)."""

    admin: bool
    kelurahan: frozenset[str]

    def covers(self, kelurahan_code: str) -> bool:
        return self.admin or kelurahan_code in self.kelurahan


async def officer_scope(session: AsyncSession, contact: Contact) -> OfficerScope | None:
    """None: neither an admin nor a verifier (or every such role was revoked)."""
    grants = await roles.active_grants(session, contact.id)
    admin = any(g.role == "admin" for g in grants)
    kelurahan = frozenset(g.kelurahan_code for g in grants if g.role == "verifier" and g.kelurahan_code)
    return OfficerScope(admin, kelurahan) if admin or kelurahan else None


async def list_pending(call: DeskCall, request: ListPending) -> PendingPage | RoleRefused:
    """Registrations waiting for a decision: the verifier's kelurahan, or all for an admin."""
    scope = await officer_scope(call.session, call.asker)
    if scope is None:
        return await refuse(call, request)
    codes = None if scope.admin else scope.kelurahan
    rows, total = await registrations.list_pending(
        call.session, codes, offset=max(0, request.offset), limit=page_size(request.limit)
    )
    items = tuple(
        PendingItem(row.id, row.full_name or "-", row.kelurahan_code, call.programme.local_date(row.created_at))
        for row in rows
    )
    return PendingPage(items, total, tuple(sorted(codes or ())))


async def open_registration(call: DeskCall, request: OpenRegistration) -> ReviewView | RoleRefused:
    scope = await officer_scope(call.session, call.asker)
    row = await _reviewable(call.session, scope, request.registration_id) if scope is not None else None
    if scope is None or row is None:
        return await refuse(call, request)
    await audit.record_audit(
        call.session,
        "personal_data.viewed",
        now=call.now,
        actor_contact_id=call.asker.id,
        subject=f"registration:{row.id}",
        detail={"by": "admin" if scope.admin else "verifier", "for": "review"},
    )
    leader = None
    if row.operator_contact_id is not None and row.consent_via == "operator":
        leader = await roles.leader_grant(call.session, row.operator_contact_id)
    events = await registrations.history(call.session, row.id)
    return ReviewView(
        id=row.id,
        nik_masked=mask_nik(call.cipher.decrypt(row.nik_cipher)) if row.nik_cipher else "",
        full_name=row.full_name or "",
        birth_date=row.birth_date,
        female=row.female,
        street=row.street or "",
        rt=row.rt or "",
        rw=row.rw or "",
        kelurahan_code=row.kelurahan_code,
        job_type=row.job_type,
        job_text=row.job_text or "",
        phone=row.phone or "",
        breadwinner=row.breadwinner,
        poverty_register=row.poverty_register,
        status=row.status,
        status_reason=row.status_reason or "",
        registered_at=row.created_at,
        by_leader=row.consent_via == "operator",
        leader_rt=(leader.rt or "") if leader else "",
        leader_rw=(leader.rw or "") if leader else "",
        history=tuple(StatusEvent(e.status, e.created_at, e.reason or "") for e in events),
        flags=known_flags(row.flags),
    )


async def decide_registration(call: DeskCall, request: DecideRegistration) -> Decided | AlreadyDecided | RoleRefused:
    scope = await officer_scope(call.session, call.asker)
    row = await _reviewable(call.session, scope, request.registration_id) if scope is not None else None
    if row is None or request.decision not in ("verified", "rejected", "returned"):
        return await refuse(call, request)
    if row.status not in registrations.PENDING_STATUSES:
        return AlreadyDecided(row.id, row.status)
    status = _status_decided(call.programme, row, request.decision)
    await change_status(
        call.session,
        call.post,
        row.id,
        status,
        now=call.now,
        actor=address_of(call.asker),
        actor_contact_id=call.asker.id,
        reason=request.reason.strip()[:_MAX_REASON] if request.decision != "verified" else "",
        programme=call.programme,
    )
    return Decided(row.id, status)


def _status_decided(programme: Programme, row: Registration, decision: str) -> str:
    """The status a decision stores. An approved registration checked again after a correction kept its
    place: verified, it is approved again, unless it breaks a programme rule now (a birth date corrected
    outside the age band the kelurahan decides, say) — then it is verified, keeping its place, and held
    for the admin's override like every flagged registration (never approved silently)."""
    if decision != "verified":
        return decision
    status = status_after_verification(row.status, row.quota_year)
    if status == "approved" and flags_on(programme, row.flags, birth_date=row.birth_date, registered_at=row.created_at):
        return "verified"
    return status


async def _reviewable(session: AsyncSession, scope: OfficerScope, registration_id: int) -> Registration | None:
    row = await registrations.lock_registration(session, registration_id)
    if row is None or row.erased_at is not None or not scope.covers(row.kelurahan_code):
        return None
    return row
