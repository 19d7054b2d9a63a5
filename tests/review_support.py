"""What the store would answer the Dinas's and the kelurahan's requests, for the pure-core tests: an
admin (or a verifier of Medono) with a few registrations waiting, a quota of 2 with one place left."""

from __future__ import annotations

from dataclasses import replace
from datetime import UTC, date, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from conversations.programme import Programme
from conversations.requests.quota import (
    ApprovalDone,
    ApproveFlagged,
    ApproveVerified,
    ChangeQuota,
    FlaggedItem,
    FlagOverridden,
    ListWaiting,
    QuotaChanged,
    QuotaOverview,
    QuotaSummary,
    WaitingItem,
    WaitingPage,
)
from conversations.requests.registrations import StatusEvent
from conversations.requests.review import (
    Decided,
    DecideRegistration,
    DecideRenewal,
    ListPending,
    OpenRegistration,
    OpenRenewalCheck,
    PendingItem,
    PendingPage,
    RenewalCheckView,
    RenewalDecided,
    ReviewView,
)
from conversations.requests.roles import (
    InviteMade,
    ListRoleHolders,
    MakeInvite,
    Revoked,
    RevokeRole,
    RoleHolder,
    RoleHoldersPage,
)
from db.models import Contact, Registration
from db.personal_data import PersonalDataCipher
from db.repositories import contacts, registrations, roles

# The Dinas's and the kelurahan's requests (review, quota, roles): what review_answer answers.
ReviewRequest = (
    ListPending
    | OpenRegistration
    | DecideRegistration
    | OpenRenewalCheck
    | DecideRenewal
    | QuotaOverview
    | ApproveVerified
    | ApproveFlagged
    | ListWaiting
    | ChangeQuota
    | ListRoleHolders
    | RevokeRole
    | MakeInvite
)
REVIEW_REQUESTS = (
    ListPending,
    OpenRegistration,
    DecideRegistration,
    OpenRenewalCheck,
    DecideRenewal,
    QuotaOverview,
    ApproveVerified,
    ApproveFlagged,
    ListWaiting,
    ChangeQuota,
    ListRoleHolders,
    RevokeRole,
    MakeInvite,
)

__all__ = [
    "MEDONO_CODE",
    "NOYONTAANSARI",
    "SAMPLE_PENDING",
    "SAMPLE_RENEWAL_CHECK",
    "SAMPLE_REVIEW_VIEW",
    "nik_for",
    "person",
    "review_answer",
    "seed_registration",
]

_AT = datetime(2026, 11, 20, 3, 0, tzinfo=UTC)
MEDONO = "33.75.01.1002"

SAMPLE_PENDING = PendingPage(
    items=(
        PendingItem(12, "Sri Wahyuni", MEDONO, date(2026, 11, 18)),
        PendingItem(15, "Darto Sumarno", MEDONO, date(2026, 11, 20)),
    ),
    total=2,
    kelurahan_codes=(MEDONO,),
)
SAMPLE_REVIEW_VIEW = ReviewView(
    id=12,
    nik_masked="3375••••••••0002",
    full_name="Sri Wahyuni",
    birth_date=date(1990, 3, 12),
    female=True,
    street="Gg. Melati 2",
    rt="003",
    rw="005",
    kelurahan_code=MEDONO,
    job_type="buruh_batik",
    job_text="mbatik",
    phone="",
    breadwinner=True,
    poverty_register="yes",
    status="submitted",
    status_reason="",
    registered_at=_AT,
    by_leader=True,
    leader_rt="003",
    leader_rw="005",
    history=(StatusEvent("submitted", _AT),),
)

# A participant who answered the 2027 renewal question "sudah pindah": the kelurahan decides.
SAMPLE_RENEWAL_CHECK = RenewalCheckView(
    registration_id=21,
    year=2027,
    nik_masked="3375••••••••0021",
    full_name="Budi Santoso",
    job_type="tukang_becak",
    job_text="narik becak",
    kelurahan_code=MEDONO,
    answer="moved",
    answered_at=_AT,
    decision="check",
    reason="moved",
)

# A verified registration of someone born in 1956: 70 on the day of the approval, outside 18–65.
SAMPLE_FLAGGED = FlaggedItem(16, "Karto Wiyono", ("age",), date(1956, 3, 1), date(2026, 11, 21))


def review_answer(request: ReviewRequest) -> object:  # noqa: PLR0912 (one branch per request type)
    match request:
        case ListPending():
            return SAMPLE_PENDING
        case OpenRegistration(registration_id=registration_id):
            return replace(SAMPLE_REVIEW_VIEW, id=registration_id)
        case DecideRegistration(registration_id=registration_id, decision=decision):
            return Decided(registration_id, decision)
        case OpenRenewalCheck(registration_id=registration_id):
            return replace(SAMPLE_RENEWAL_CHECK, registration_id=registration_id)
        case DecideRenewal(registration_id=registration_id, choice="continues"):
            return RenewalDecided(registration_id, 2027, "continues", "moved")
        case DecideRenewal(registration_id=registration_id, choice=reason):
            return RenewalDecided(registration_id, 2027, "ends", reason)
        case QuotaOverview():
            return QuotaSummary(year=2026, places=2, used=1, verified=2, waiting=1, flagged=(SAMPLE_FLAGGED,))
        case ApproveVerified():
            return ApprovalDone(year=2026, approved=1, waiting_list=1, places=2, used=2, held=(SAMPLE_FLAGGED,))
        case ApproveFlagged(registration_id=registration_id):
            return FlagOverridden(registration_id, year=2026, places=2, used=2)
        case ListWaiting():
            return WaitingPage((WaitingItem(1, 15, "Darto Sumarno", MEDONO, 1, date(2026, 11, 20)),), 1)
        case ChangeQuota(places=places):
            return QuotaChanged(year=2026, places=places, promoted=1, used=2)
        case ListRoleHolders():
            holder = RoleHolder(3, 5, "terminal:bu-lurah", "verifier", MEDONO, "", "", _AT, "invite:1")
            return RoleHoldersPage((holder,), 1)
        case RevokeRole():
            return Revoked(1)
        case MakeInvite(role=role, kelurahan_code=code, rt=rt, rw=rw):
            return InviteMade("ABCD2345", role, code, rt, rw, date(2026, 12, 5))


# ---- a real store, for the store-side tests (tests/test_review.py, test_quota.py, test_roles.py) ----------

MEDONO_CODE = MEDONO
NOYONTAANSARI = "33.75.02.1002"


def nik_for(serial: int) -> str:
    """A valid NIK of a woman born 5 June 1985 in Pekalongan Barat, one per serial (1–9999)."""
    return f"337501450685{serial:04d}"


async def seed_registration(
    session: AsyncSession,
    cipher: PersonalDataCipher,
    programme: Programme,
    *,
    serial: int,
    registrant: Contact | None = None,
    operator: Contact | None = None,
    kelurahan: str = MEDONO,
    breadwinner: bool = False,
    dtsen: str = "no",
    created_at: datetime = _AT,
    status: str = "submitted",
) -> Registration:
    """A registration as the registration flow stores it (NIK encrypted and hashed), with `status`."""
    nik = nik_for(serial)
    fields = {
        "programme_id": programme.id,
        "nik_cipher": cipher.encrypt(nik),
        "nik_hash": cipher.blind_index(nik),
        "full_name": f"Pekerja {serial}",
        "birth_date": date(1985, 6, 5),
        "female": True,
        "kelurahan_code": kelurahan,
        "rt": "003",
        "rw": "005",
        "street": "Jl. Sampangan",
        "job_type": "buruh_batik",
        "job_text": "mbatik",
        "phone": "6281234567890",
        "breadwinner": breadwinner,
        "poverty_register": dtsen,
        "registrant_contact_id": registrant.id if registrant else None,
        "operator_contact_id": operator.id if operator else None,
        "consent_via": "operator" if operator else "self",
        "consent_notice_version": "test",
        "consent_recorded_at": created_at,
    }
    row = await registrations.add_registration(session, fields, None, created_at)
    row.status = status
    await session.flush()
    return row


async def person(session: AsyncSession, name: str, now: datetime, *roles_held: tuple[str, str | None]) -> Contact:
    """A terminal contact holding `roles_held`, each (role, kelurahan code or None)."""
    contact = await contacts.get_or_create_contact(session, "terminal", name, now)
    for role, kelurahan in roles_held:
        await roles.grant_role(session, contact.id, role, granted_by="test", now=now, kelurahan_code=kelurahan)
    return contact
