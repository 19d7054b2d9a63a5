"""Answers to the Dinas's and the kelurahan's requests (conversations/review_requests.py): verification,
approval within the quota, roles. This is the real gate: every answer reads the asker's roles again and
refuses what they may not do — a verifier sees and decides only registrations of their own kelurahan,
whatever request a crafted message makes; quota and roles are for admins only. Refusals are audited."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.desks import quota
from bot.desks import roles as role_admin
from bot.desks.status_news import change_status
from conversations.letters import Letter
from conversations.nik import mask_nik
from conversations.programme import Programme
from conversations.review_requests import (
    AlreadyDecided,
    ApproveVerified,
    ChangeQuota,
    Decided,
    DecideRegistration,
    ListPending,
    ListRoleHolders,
    ListWaiting,
    MakeInvite,
    OpenRegistration,
    PendingItem,
    PendingPage,
    QuotaOverview,
    ReviewEvent,
    ReviewRequest,
    ReviewView,
    RevokeRole,
    RoleRefused,
)
from db.models import Contact, Registration
from db.personal_data import PersonalDataCipher
from db.repositories import audit, registrations, roles

__all__ = ["OfficerScope", "ReviewDesk", "officer_scope"]

_MAX_PAGE = 50
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


@dataclass(frozen=True, slots=True)
class ReviewDesk:
    cipher: PersonalDataCipher
    programme: Programme
    post: list[Letter]  # the news each decision sends to the worker and their leader

    async def answer(self, session: AsyncSession, contact: Contact, request: ReviewRequest, now: datetime) -> object:
        scope = await officer_scope(session, contact)
        if scope is None:
            return await _refused(session, contact, request, now)
        match request:
            case ListPending(offset=offset, limit=limit):
                return await _pending(session, self.programme, scope, offset, limit)
            case OpenRegistration():
                return await self._open(session, contact, scope, request, now)
            case DecideRegistration():
                return await self._decide(session, contact, scope, request, now)
        if not scope.admin:
            return await _refused(session, contact, request, now)
        return await self._administer(session, contact, request, now)

    async def _administer(
        self, session: AsyncSession, contact: Contact, request: ReviewRequest, now: datetime
    ) -> object:
        """Quota and roles: the caller checked that the contact is an admin."""
        programme, actor = self.programme, role_admin.address_of(contact)
        match request:
            case QuotaOverview():
                return await quota.quota_summary(session, programme, quota.current_year(programme, now))
            case ApproveVerified():
                return await quota.approve_verified(
                    session, self.post, programme, now=now, actor=actor, actor_contact_id=contact.id
                )
            case ListWaiting(offset=offset, limit=limit):
                return await quota.waiting_list(session, programme, offset=max(0, offset), limit=_page(limit))
            case ChangeQuota(places=places, reason=reason) if 0 <= places <= quota.MAX_PLACES:
                return await quota.change_quota(
                    session,
                    self.post,
                    programme,
                    places,
                    now=now,
                    actor=actor,
                    actor_contact_id=contact.id,
                    reason=reason,
                )
            case ListRoleHolders(offset=offset, limit=limit):
                return await role_admin.list_holders(session, offset=max(0, offset), limit=_page(limit))
            case RevokeRole(contact_id=target_id, role=role) if target_id != contact.id:  # never one's own, by mistake
                target = await session.get(Contact, target_id)
                if target is not None:
                    return await role_admin.revoke(
                        session, self.post, target, role, now=now, actor=actor, actor_contact_id=contact.id
                    )
            case MakeInvite(role=role, kelurahan_code=kelurahan_code, rt=rt, rw=rw):
                try:
                    return await role_admin.make_invite(
                        session,
                        self.cipher,
                        programme,
                        role,
                        kelurahan_code=kelurahan_code,
                        rt=rt,
                        rw=rw,
                        now=now,
                        actor=actor,
                        actor_contact_id=contact.id,
                    )
                except ValueError:
                    pass
        return await _refused(session, contact, request, now)

    async def _open(
        self, session: AsyncSession, contact: Contact, scope: OfficerScope, request: OpenRegistration, now: datetime
    ) -> ReviewView | RoleRefused:
        row = await _reviewable(session, scope, request.registration_id)
        if row is None:
            return await _refused(session, contact, request, now)
        await audit.record_audit(
            session,
            "personal_data.viewed",
            now=now,
            actor_contact_id=contact.id,
            subject=f"registration:{row.id}",
            detail={"by": "admin" if scope.admin else "verifier", "for": "review"},
        )
        leader = None
        if row.operator_contact_id is not None and row.consent_via == "operator":
            leader = await roles.leader_grant(session, row.operator_contact_id)
        events = await registrations.history(session, row.id)
        return ReviewView(
            id=row.id,
            nik_masked=mask_nik(self.cipher.decrypt(row.nik_cipher)) if row.nik_cipher else "",
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
            history=tuple(ReviewEvent(e.status, e.created_at, e.reason or "") for e in events),
        )

    async def _decide(
        self, session: AsyncSession, contact: Contact, scope: OfficerScope, request: DecideRegistration, now: datetime
    ) -> Decided | AlreadyDecided | RoleRefused:
        row = await _reviewable(session, scope, request.registration_id)
        if row is None or request.decision not in ("verified", "rejected", "returned"):
            return await _refused(session, contact, request, now)
        if row.status not in registrations.PENDING_STATUSES:
            return AlreadyDecided(row.id, row.status)
        await change_status(
            session,
            self.post,
            row.id,
            request.decision,
            now=now,
            actor=role_admin.address_of(contact),
            actor_contact_id=contact.id,
            reason=request.reason.strip()[:_MAX_REASON] if request.decision != "verified" else "",
            programme=self.programme,
        )
        return Decided(row.id, request.decision)


def _page(limit: int) -> int:
    return min(max(1, limit), _MAX_PAGE)


async def _refused(session: AsyncSession, contact: Contact, request: ReviewRequest, now: datetime) -> RoleRefused:
    await audit.record_audit(
        session,
        "access.refused",
        now=now,
        actor_contact_id=contact.id,
        subject=_subject(request),
        detail={"request": type(request).__name__},
    )
    return RoleRefused()


def _subject(request: ReviewRequest) -> str | None:
    found = getattr(request, "registration_id", None)
    return f"registration:{found}" if isinstance(found, int) else None


async def _pending(
    session: AsyncSession, programme: Programme, scope: OfficerScope, offset: int, limit: int
) -> PendingPage:
    codes = None if scope.admin else scope.kelurahan
    rows, total = await registrations.list_pending(session, codes, offset=max(0, offset), limit=_page(limit))
    items = tuple(
        PendingItem(row.id, row.full_name or "-", row.kelurahan_code, programme.local_date(row.created_at))
        for row in rows
    )
    return PendingPage(items, total, tuple(sorted(codes or ())))


async def _reviewable(session: AsyncSession, scope: OfficerScope, registration_id: int) -> Registration | None:
    row = await registrations.lock_registration(session, registration_id)
    if row is None or row.erased_at is not None or not scope.covers(row.kelurahan_code):
        return None
    return row
