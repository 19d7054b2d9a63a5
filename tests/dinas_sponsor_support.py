"""Sponsors in a real store, made through the models as the sponsor desks store them: a handful of each
kind of sponsor, sponsorship and paid month (`seed_kendal_sponsors`), for the Dinas's figures, export and
audience tests."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta

from sqlalchemy.ext.asyncio import AsyncSession

from bot.app import Jaring
from db.models import Contact, Registration, Sponsor, SponsorPeriod, Sponsorship
from db.repositories import contacts
from tests.review_support import seed_registration

__all__ = ["KENDAL_KELURAHAN", "Seeded", "add_sponsor", "add_sponsorship", "seed_kendal_sponsors"]

KENDAL_KELURAHAN = "33.24.01.2001"  # a desa of Kabupaten Kendal (Plantungan)
NOV_12 = datetime(2026, 11, 12, 3, 0, tzinfo=UTC)  # when the seeded rows were made


@dataclass
class Seeded:
    """The rows made, by a short name: sponsors' contacts, registrations, sponsorships."""

    contacts: dict[str, Contact] = field(default_factory=dict)
    registrations: dict[str, Registration] = field(default_factory=dict)
    sponsorships: dict[str, Sponsorship] = field(default_factory=dict)


async def add_sponsor(
    session: AsyncSession,
    jaring: Jaring,
    name: str,
    kind: str,
    *,
    organisation_id: str | None = None,
    organisation_name: str | None = None,
    status: str = "active",
) -> tuple[Sponsor, Contact]:
    """A sponsor with their own chat (a terminal contact called `name`)."""
    contact = await contacts.get_or_create_contact(session, "terminal", name, NOV_12)
    sponsor = Sponsor(
        programme_id=jaring.programme.id,
        contact_id=contact.id,
        kind=kind,
        name=name.replace("-", " ").title(),
        nip_cipher=jaring.cipher.encrypt("198501012010012001") if kind == "asn" else None,
        organisation_id=organisation_id,
        organisation_name=organisation_name,
        phone="6281200000001",
        share_name=False,
        status=status,
        created_at=NOV_12,
        updated_at=NOV_12,
    )
    session.add(sponsor)
    await session.flush()
    return sponsor, contact


async def add_sponsorship(
    session: AsyncSession,
    sponsor: Sponsor,
    status: str,
    start: date,
    months: int,
    *,
    registration: Registration | None = None,
    paid: tuple[date, ...] = (),
    reminded: tuple[date, ...] = (),
    code_expires_at: datetime | None = None,
) -> Sponsorship:
    """A sponsorship, with the months said paid (`paid`) and those only reminded of (`reminded`)."""
    row = Sponsorship(
        sponsor_id=sponsor.id,
        registration_id=registration.id if registration else None,
        status=status,
        how="named",
        code_hash=f"hash-{sponsor.id}-{start:%Y%m}" if status == "offered" else None,
        code_expires_at=code_expires_at,
        start_month=start,
        months=months,
        created_at=NOV_12,
        activated_at=NOV_12 if status == "active" else None,
    )
    session.add(row)
    await session.flush()
    for period in sorted({*paid, *reminded}):
        session.add(
            SponsorPeriod(
                sponsorship_id=row.id,
                period=period,
                reminded_at=NOV_12 if period in reminded else None,
                paid_at=NOV_12 if period in paid else None,
            )
        )
    await session.flush()
    return row


async def seed_kendal_sponsors(jaring: Jaring) -> Seeded:
    """Under Kendal's programme (due on the 10th, late 7 days after):

    - ASN sponsors: S1 (Dinas Kesehatan; active from September for 12 months, September and October paid,
      November only reminded), S2 (Dinas Kesehatan; active from November, November paid), S3 (Sekretariat
      Daerah; accepted, the worker not verified yet), S4 (Bappeda; only a code given, still valid), S5
      (Sekretariat Daerah; stopped), S6 (Disdikbud; active October–November, nothing paid; and a code that
      expired);
    - a company's CSR, C1 (active from November, nothing paid); a BUMD with no worker yet, B1;
    - workers: R1 (approved) funded by S1, R2 by S2, R4 by C1, R9 by S6 (active); R3 (submitted) S3's;
      R5 (approved) and R6 (active) in the APBD quota; R7 active with no funder recorded; R8 submitted.
    """
    seeded = Seeded()
    async with jaring.store.transaction() as session:

        async def worker(key: str, serial: int, status: str, *, quota_year: int | None = None) -> Registration:
            row = await seed_registration(
                session, jaring.cipher, jaring.programme, serial=serial, kelurahan=KENDAL_KELURAHAN, status=status
            )
            row.quota_year = quota_year
            seeded.registrations[key] = row
            return row

        r1 = await worker("R1", 1, "approved")
        r2 = await worker("R2", 2, "active")
        r3 = await worker("R3", 3, "submitted")
        r4 = await worker("R4", 4, "active")
        await worker("R5", 5, "approved", quota_year=2026)
        await worker("R6", 6, "active", quota_year=2026)
        await worker("R7", 7, "active")
        await worker("R8", 8, "submitted")
        r9 = await worker("R9", 9, "active")
        r1.funder = "Donatur ASN: Sri Wahyuni (Dinas Kesehatan)"

        async def sponsor(
            key: str, kind: str, organisation_id: str | None = None, company: str | None = None, status: str = "active"
        ) -> Sponsor:
            found, contact = await add_sponsor(
                session,
                jaring,
                f"donatur-{key.lower()}",
                kind,
                organisation_id=organisation_id,
                organisation_name=company,
                status=status,
            )
            seeded.contacts[key] = contact
            return found

        s1 = await sponsor("S1", "asn", "dinkes")
        s2 = await sponsor("S2", "asn", "dinkes")
        s3 = await sponsor("S3", "asn", "setda")
        s4 = await sponsor("S4", "asn", "bappeda")
        s5 = await sponsor("S5", "asn", "setda", status="stopped")
        s6 = await sponsor("S6", "asn", "disdikbud")
        c1 = await sponsor("C1", "csr", company="PT Maju Jaya")
        await sponsor("B1", "bumd", company="PDAM Tirta Panguripan")

        sep, octo, nov = date(2026, 9, 1), date(2026, 10, 1), date(2026, 11, 1)
        add = add_sponsorship
        made = seeded.sponsorships
        made["A1"] = await add(session, s1, "active", sep, 12, registration=r1, paid=(sep, octo), reminded=(nov,))
        made["A2"] = await add(session, s2, "active", nov, 12, registration=r2, paid=(nov,))
        made["A3"] = await add(session, s3, "accepted", nov, 12, registration=r3)
        later = jaring.pipeline.clock() + timedelta(days=10)
        made["A4"] = await add(session, s4, "offered", date(2026, 12, 1), 12, code_expires_at=later)
        made["A5"] = await add(session, s5, "stopped", sep, 12, registration=r9)
        made["A6"] = await add(session, s6, "active", octo, 2, registration=r9)
        gone = jaring.pipeline.clock() - timedelta(days=1)
        made["A7"] = await add(session, s6, "offered", nov, 12, code_expires_at=gone)
        made["C1"] = await add(session, c1, "active", nov, 12, registration=r4)
    return seeded
