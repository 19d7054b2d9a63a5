"""Answers the requests conversation steps make (conversations/requests.py), inside the transaction of
the message being handled. Every answer is scoped to the person asking: nobody sees or changes a
registration that is neither theirs nor one they entered as RT/RW leader."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.desks.accidents import find_participant, submit_accident_report
from bot.desks.broadcasts import BroadcastDesk
from bot.desks.claims import list_claim_cases, save_claim_case
from bot.desks.figures import FiguresDesk
from bot.desks.review import ReviewDesk
from bot.desks.roles import invite_hash, redeem_invite
from bot.inbound.outbox_writer import OutboxWriter
from conversations.broadcast_requests import BROADCAST_REQUESTS
from conversations.figures_requests import ExportEnrolment, SendFiguresChart, ShowFigures
from conversations.flows.privacy import NOTICE_VERSION
from conversations.letters import Letter
from conversations.nik import mask_nik
from conversations.programme import Programme
from conversations.regions import Region
from conversations.requests import (
    AlreadyRegistered,
    CheckNik,
    CorrectRegistration,
    Done,
    EraseRegistration,
    FindParticipant,
    ListClaimCases,
    ListRegistrations,
    NikCheck,
    NotAllowed,
    RedeemInvite,
    RegistrationView,
    Request,
    SaveClaimCase,
    StatusEvent,
    SubmitAccidentReport,
    SubmitRegistration,
    Submitted,
)
from conversations.review_requests import REVIEW_REQUESTS
from conversations.state import Json
from db.models import Contact, Registration
from db.personal_data import PersonalDataCipher
from db.repositories import audit, registrations
from db.repositories.registrations import DuplicateNik
from locales import Catalogs

__all__ = ["RequestAnswerer", "invite_hash"]

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


@dataclass(frozen=True, slots=True)
class RequestAnswerer:
    cipher: PersonalDataCipher
    programme: Programme
    catalogs: Catalogs  # the letters it causes are rendered in their readers' languages; a chart's labels
    region: Region | None = None  # kelurahan and kecamatan names (the enrolment export)
    whatsapp_template_configured: bool = False  # a broadcast preview warns when WhatsApp has no template

    async def answer(self, session: AsyncSession, contact: Contact, request: Request, now: datetime) -> object:
        """The answer; the letters to others it caused are queued by the outbox writer, in the same
        transaction."""
        post: list[Letter] = []
        answer = await self._answer(session, contact, request, now, post)
        await OutboxWriter(self.catalogs, self.cipher).letters(session, post, now)
        return answer

    async def _answer(  # noqa: PLR0912 - one dispatch over every request kind
        self, session: AsyncSession, contact: Contact, request: Request, now: datetime, post: list[Letter]
    ) -> object:
        if isinstance(request, REVIEW_REQUESTS):  # verification, quota, roles: bot/desks/review.py checks the roles
            return await ReviewDesk(self.cipher, self.programme, post).answer(session, contact, request, now)
        if isinstance(request, BROADCAST_REQUESTS):  # announcements: bot/desks/broadcasts.py checks the admin role
            announcements = BroadcastDesk(self.programme, self.region, self.whatsapp_template_configured)
            return await announcements.answer(session, contact, request, now)
        match request:
            case CheckNik(nik=nik):
                return await self._check_nik(session, contact, nik)
            case SubmitRegistration(draft=draft, on_behalf=on_behalf):
                return await self._submit(session, contact, draft, on_behalf=on_behalf, now=now)
            case ListRegistrations(scope=scope):
                return await self._list(session, contact, scope, now)
            case CorrectRegistration():
                return await self._correct(session, contact, request, now)
            case EraseRegistration(registration_id=registration_id):
                return await self._erase(session, contact, registration_id, now)
            case RedeemInvite(code=code):  # wrong codes are limited per person: bot/desks/roles.py
                return await redeem_invite(session, self.cipher, contact, code, now)
            case FindParticipant():
                return await find_participant(session, self.cipher, self.programme, request)
            case SubmitAccidentReport(report=report):
                return await submit_accident_report(
                    session,
                    cipher=self.cipher,
                    post=post,
                    programme=self.programme,
                    reporter=contact,
                    report=report,
                    now=now,
                )
            case SaveClaimCase():
                return await save_claim_case(session, self.cipher, self.programme, contact, request, now=now)
            case ListClaimCases():
                return await list_claim_cases(session, contact)
            case ShowFigures() | SendFiguresChart() | ExportEnrolment():
                desk = FiguresDesk(self.cipher, self.programme, self.catalogs, self.region, post)
                return await desk.answer(session, contact, request, now)

    async def _check_nik(self, session: AsyncSession, contact: Contact, nik: str) -> NikCheck:
        found = await registrations.find_by_nik_hash(session, self.cipher.blind_index(nik))
        if found is None:
            return NikCheck(registered=False)
        return NikCheck(registered=True, mine=contact.id in (found.registrant_contact_id, found.operator_contact_id))

    async def _submit(
        self, session: AsyncSession, contact: Contact, draft: dict[str, Json], *, on_behalf: bool, now: datetime
    ) -> Submitted | AlreadyRegistered:
        nik = str(draft["nik"])
        fields = {
            "programme_id": self.programme.id,
            "nik_cipher": self.cipher.encrypt(nik),
            "nik_hash": self.cipher.blind_index(nik),
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

    async def _list(
        self, session: AsyncSession, contact: Contact, scope: str, now: datetime
    ) -> tuple[RegistrationView, ...]:
        rows = []
        if scope in ("mine", "all"):
            rows += await registrations.list_for_contact(session, contact.id)
        if scope in ("operated", "all"):
            rows += await registrations.list_operated_by(session, contact.id)
        views = tuple([await self._view(session, row) for row in rows])
        if views:
            await audit.record_audit(
                session,
                "personal_data.viewed",
                now=now,
                actor_contact_id=contact.id,
                subject=",".join(f"registration:{v.id}" for v in views)[:120],
                detail={"scope": scope},
            )
        return views

    async def _view(self, session: AsyncSession, row: Registration) -> RegistrationView:
        events = await registrations.history(session, row.id)
        nik = self.cipher.decrypt(row.nik_cipher) if row.nik_cipher else ""
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
            registered_on=self.programme.local_date(row.created_at),
        )

    async def _owned(self, session: AsyncSession, contact: Contact, registration_id: int) -> Registration | None:
        row = await registrations.get_registration(session, registration_id)
        if row is None or row.erased_at is not None:
            return None
        return row if contact.id in (row.registrant_contact_id, row.operator_contact_id) else None

    async def _correct(
        self, session: AsyncSession, contact: Contact, request: CorrectRegistration, now: datetime
    ) -> Done | NotAllowed | AlreadyRegistered:
        field, value = request.field, request.value
        row = await self._owned(session, contact, request.registration_id)

        if row is None or field not in CORRECTABLE:
            return NotAllowed()
        if field == "nik":
            nik = str(value)
            other = await registrations.find_by_nik_hash(session, self.cipher.blind_index(nik))
            if other is not None and other.id != row.id:
                return AlreadyRegistered()
            row.nik_cipher, row.nik_hash = self.cipher.encrypt(nik), self.cipher.blind_index(nik)
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

    async def _erase(
        self, session: AsyncSession, contact: Contact, registration_id: int, now: datetime
    ) -> Done | NotAllowed:
        row = await self._owned(session, contact, registration_id)
        if row is None:
            return NotAllowed()
        await registrations.erase_personal_data(session, row, contact.id, now)
        await audit.record_audit(
            session, "personal_data.erased", now=now, actor_contact_id=contact.id, subject=f"registration:{row.id}"
        )
        return Done()


def _text(value: Json) -> str | None:
    return None if value is None or value == "" else str(value)
