"""The worker's side of sponsorships on a real store, for tests/test_sponsored_workers.py and
tests/test_sponsor_payments.py: Kendal's programme (ASN, CSR and BUMD sponsors), sponsors and their
offers as the sponsor's desk stores them (only a code's keyed hash), registrations as the registration
flow stores them, and messages through the real pipeline."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from itertools import count

from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.app import Jaring, open_jaring
from bot.desks.call import DeskCall
from bot.desks.sponsor_codes import offer_hash
from bot.settings import PROJECT_DIR, Settings
from conversations.consent import PERSONAL_DATA
from conversations.flows.privacy import NOTICE_VERSION
from conversations.inbound import Inbound, InboundKind
from db.connection import Store
from db.models import AuditEntry, Contact, OutboxMessage, Registration, Sponsor, Sponsorship
from db.repositories import consent, contacts
from tests.conftest import FixedClock
from tests.review_support import person, seed_registration

__all__ = [
    "KENDAL_FILE",
    "PLANTUNGAN",
    "Sent",
    "audit_actions",
    "contact_of",
    "desk_call",
    "kendal",
    "letters_to",
    "offer",
    "say",
    "sent_since",
    "sponsor",
    "worker",
]

KENDAL_FILE = PROJECT_DIR / "programmes" / "kabupaten-kendal.toml"
PLANTUNGAN = "33.24.01.2001"  # Blumah, Kecamatan Plantungan, Kabupaten Kendal
_ids = count(1)


async def kendal(settings: Settings, clock: FixedClock, store: Store | None = None) -> Jaring:
    return await open_jaring(settings.model_copy(update={"program_file": KENDAL_FILE}), clock, store=store)


async def contact_of(app: Jaring, name: str) -> Contact:
    async with app.store.transaction() as session:
        return await contacts.get_or_create_contact(session, "terminal", name, app.pipeline.clock())


async def sponsor(
    app: Jaring,
    chat: str,
    *,
    name: str = "Sri Wahyuni",
    kind: str = "asn",
    share_name: bool = True,
    organisation_id: str | None = "setda",
    organisation_name: str | None = None,
) -> Sponsor:
    """A sponsor as `become_sponsor` stores one (a NIP would be sealed; these have none)."""
    now = app.pipeline.clock()
    async with app.store.transaction() as session:
        contact = await person(session, chat, now)
        row = Sponsor(
            programme_id=app.programme.id,
            contact_id=contact.id,
            kind=kind,
            name=name,
            nip_cipher=None,
            organisation_id=organisation_id if kind == "asn" else None,
            organisation_name=organisation_name,
            phone="6281200000000",
            share_name=share_name,
            status="active",
            created_at=now,
            updated_at=now,
        )
        session.add(row)
        await session.flush()
        return row


async def offer(
    app: Jaring,
    by: Sponsor,
    code: str = "ABCD2345",
    *,
    start: date = date(2026, 12, 1),
    months: int = 12,
    status: str = "offered",
    registration_id: int | None = None,
    days: int = 14,
) -> Sponsorship:
    """A sponsorship as `offer_to_worker` stores it: the code's keyed hash, never the code."""
    now = app.pipeline.clock()
    async with app.store.transaction() as session:
        row = Sponsorship(
            sponsor_id=by.id,
            registration_id=registration_id,
            status=status,
            how="named",
            code_hash=offer_hash(app.cipher, code) if status == "offered" else None,
            code_expires_at=now + timedelta(days=days),
            start_month=start,
            months=months,
            created_at=now,
            accepted_at=now if status != "offered" else None,
            activated_at=now if status == "active" else None,
        )
        session.add(row)
        await session.flush()
        return row


async def worker(
    app: Jaring,
    serial: int,
    chat: str | None = None,
    *,
    status: str = "verified",
    leader: str | None = None,
    quota_year: int | None = None,
    consented: bool = True,
) -> Registration:
    """A registration in Kendal, made by `chat` for themself (or by `leader`, an RT/RW leader, for them),
    whose chat agreed to the privacy notice."""
    now = app.pipeline.clock()
    async with app.store.transaction() as session:
        own = await person(session, chat, now) if chat else None
        operator = await person(session, leader, now, ("rtrw", PLANTUNGAN)) if leader else None
        for who in (own, operator):
            if who is not None and consented:
                await consent.record_consent(
                    session, who.id, purpose=PERSONAL_DATA, notice_version=NOTICE_VERSION, granted=True, now=now
                )
        row = await seed_registration(
            session,
            app.cipher,
            app.programme,
            serial=serial,
            registrant=own,
            operator=operator,
            kelurahan=PLANTUNGAN,
            status=status,
            created_at=now,
        )
        row.full_name = f"Siti {serial}"
        row.job_type = "asisten_rumah_tangga"
        row.quota_year = quota_year
        await session.flush()
        return row


@dataclass(frozen=True, slots=True)
class Sent:
    to: str
    body: str
    choices: list[str]


async def sent_since(app: Jaring, after: int) -> list[Sent]:
    async with app.store.transaction() as session:
        statement = select(OutboxMessage).where(OutboxMessage.id > after).order_by(OutboxMessage.id)
        rows = list((await session.execute(statement)).scalars())
    return [Sent(row.recipient, row.body, [c["label"] for c in (row.choices or [])]) for row in rows]


async def _last_id(app: Jaring) -> int:
    async with app.store.transaction() as session:
        found = (await session.execute(select(OutboxMessage.id).order_by(OutboxMessage.id.desc()))).scalars().first()
    return found or 0


async def say(app: Jaring, clock: FixedClock, who: str, text: str = "", *, button: str | None = None) -> list[str]:
    """One message through the pipeline; the bot's replies to `who` (letters to others are left queued)."""
    before = await _last_id(app)
    kind = InboundKind.CHOICE if button else InboundKind.TEXT
    await app.pipeline.handle(Inbound("terminal", who, f"s{next(_ids)}", clock(), text, kind=kind, choice_id=button))
    clock.advance(seconds=30)
    return [sent.body for sent in await sent_since(app, before) if sent.to == who]


async def letters_to(app: Jaring, who: str, after: int = 0) -> list[Sent]:
    return [sent for sent in await sent_since(app, after) if sent.to == who]


async def audit_actions(app: Jaring, prefix: str = "sponsor.") -> list[AuditEntry]:
    async with app.store.transaction() as session:
        statement = select(AuditEntry).where(AuditEntry.action.startswith(prefix)).order_by(AuditEntry.id)
        return list((await session.execute(statement)).scalars())


def desk_call(app: Jaring, session: AsyncSession, asker: Contact, now: datetime) -> DeskCall:
    """What the dispatcher hands a desk, for calling one directly (a crafted request)."""
    return DeskCall(session, asker, now, app.programme, app.cipher, app.catalogs, app.region)
