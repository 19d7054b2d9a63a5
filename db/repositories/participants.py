"""Participants a Pemda already had before Jaring (`jaring import participants`), written in bulk: each
an active registration with BPJS TK's KPJ and start date, NIK encrypted with its keyed hash beside it,
held under the Pemda's public task (no consent record: `consent_via` "public_task", the regulation in
`legal_basis`), its place counted in its budget year's quota (`quota_year`), its history begun with
"active", and its year recorded as new or continuing."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime
from typing import cast

from sqlalchemy import Table, insert
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Registration, RegistrationEvent
from db.repositories import participant_years

__all__ = ["IMPORT_SOURCE", "PUBLIC_TASK", "ImportedParticipant", "add_imported"]

IMPORT_SOURCE = "import"
PUBLIC_TASK = "public_task"  # consent_via of an imported row: UU 27/2022 Pasal 20(2)e, not consent
_BATCH = 2_000  # rows per INSERT statement: a few thousand parameters stay within every driver's limits
_REGISTRATIONS = cast(Table, Registration.__table__)
_INSERT_RETURNING_IDS = insert(_REGISTRATIONS).returning(_REGISTRATIONS.c.id, _REGISTRATIONS.c.nik_hash)


@dataclass(frozen=True, slots=True)
class ImportedParticipant:
    """One checked row of the Pemda's list. `nik_cipher` and `nik_hash` come from db.personal_data."""

    nik_cipher: str
    nik_hash: str
    full_name: str  # as on the KTP: capitals
    birth_date: date
    female: bool
    kelurahan_code: str
    kpj: str
    coverage_start: date
    budget_year: int
    job_type: str
    job_text: str | None = None
    street: str | None = None
    rt: str | None = None
    rw: str | None = None
    phone: str | None = None
    funder: str | None = None

    @property
    def kind(self) -> participant_years.Kind:
        """New in its budget year when BPJS TK's start date falls in it; continuing from before otherwise."""
        return "continuing" if self.coverage_start.year < self.budget_year else "new"


async def add_imported(
    session: AsyncSession,
    programme_id: str,
    participants: Sequence[ImportedParticipant],
    *,
    legal_basis: str,
    now: datetime,
) -> list[int]:
    """Insert them all (the caller checked every row first); their registration numbers, in order."""
    ids: list[int] = []
    for start in range(0, len(participants), _BATCH):
        batch = participants[start : start + _BATCH]
        rows = [_row(programme_id, p, legal_basis=legal_basis, now=now) for p in batch]
        # Into the table, not the ORM class: an ORM bulk insert leaves out the keys whose value is None and
        # sends each run of rows with the same keys as a statement of its own (a list where some have a
        # phone and some not: a statement per two or three rows, and their RETURNING results spliced
        # together again and again: minutes for 30 000 rows). Matched back by the NIK's keyed hash.
        result = await session.execute(_INSERT_RETURNING_IDS, rows)
        by_hash = {nik_hash: int(number) for number, nik_hash in result}
        batch_ids = [by_hash[p.nik_hash] for p in batch]
        await session.execute(
            insert(RegistrationEvent),
            [
                {
                    "registration_id": number,
                    "status": "active",
                    "reason": None,
                    "actor_contact_id": None,
                    "created_at": now,
                }
                for number in batch_ids
            ],
        )
        await participant_years.record_years(
            session,
            programme_id,
            [(number, p.budget_year, p.kind) for number, p in zip(batch_ids, batch, strict=True)],
            source="import",
            now=now,
        )
        ids += batch_ids
    return ids


def _row(programme_id: str, participant: ImportedParticipant, *, legal_basis: str, now: datetime) -> dict[str, object]:
    return {
        "programme_id": programme_id,
        "nik_cipher": participant.nik_cipher,
        "nik_hash": participant.nik_hash,
        "full_name": participant.full_name,
        "birth_date": participant.birth_date,
        "female": participant.female,
        "kelurahan_code": participant.kelurahan_code,
        "rt": participant.rt,
        "rw": participant.rw,
        "street": participant.street,
        "job_type": participant.job_type,
        "job_text": participant.job_text,
        "phone": participant.phone,
        "breadwinner": None,
        "poverty_register": "unknown",
        "status": "active",
        "status_reason": None,
        "kpj": participant.kpj,
        "coverage_start": participant.coverage_start,
        "quota_year": participant.budget_year,
        "flags": [],
        "registrant_contact_id": None,
        "operator_contact_id": None,
        "consent_via": PUBLIC_TASK,
        "consent_notice_version": PUBLIC_TASK,  # no notice was agreed to: the person is told when they write
        "consent_recorded_at": now,
        "source": IMPORT_SOURCE,
        "funder": participant.funder,
        "legal_basis": legal_basis,
        "created_at": now,
        "updated_at": now,
    }
