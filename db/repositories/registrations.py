"""Registrations and their status history."""

from __future__ import annotations

from collections.abc import Collection, Mapping
from datetime import datetime
from typing import Any, NamedTuple

from sqlalchemy import Select, func, or_, select
from sqlalchemy.exc import IntegrityError
from sqlalchemy.ext.asyncio import AsyncSession

from db.models import Registration, RegistrationEvent
from db.repositories._dialect import dialect_name

__all__ = [
    "PENDING_STATUSES",
    "DuplicateNik",
    "PendingRow",
    "add_registration",
    "count_pending_by_kelurahan",
    "count_with_status",
    "erase_personal_data",
    "find_by_kpj",
    "find_by_nik_hash",
    "find_by_nik_hash_or_kpj",
    "get_registration",
    "history",
    "list_for_contact",
    "list_operated_by",
    "list_pending",
    "list_pending_matching",
    "list_with_status",
    "lock_registration",
    "pending_nik_ciphers",
    "pending_page",
    "record_event",
]

# Waiting for the kelurahan: sent, or sent again after a correction.
PENDING_STATUSES = ("submitted", "corrected")

# What deletion empties. Kelurahan, job type, status and dates stay, with no way back to the person.
PERSONAL_FIELDS = (
    "nik_cipher",
    "nik_hash",
    "full_name",
    "birth_date",
    "female",
    "rt",
    "rw",
    "street",
    "job_text",
    "phone",
    "kpj",
)


class DuplicateNik(Exception):
    """The NIK is registered already (caught by the unique keyed hash, whatever the race)."""


async def add_registration(
    session: AsyncSession, fields: Mapping[str, Any], actor_contact_id: int | None, now: datetime
) -> Registration:
    registration = Registration(**fields, status="submitted", created_at=now, updated_at=now)
    try:
        async with session.begin_nested():
            session.add(registration)
            await session.flush()
    except IntegrityError as exc:
        raise DuplicateNik from exc
    await record_event(session, registration.id, "submitted", actor_contact_id, now)
    return registration


async def find_by_nik_hash(session: AsyncSession, nik_hash: str) -> Registration | None:
    return (await session.execute(select(Registration).where(Registration.nik_hash == nik_hash))).scalar_one_or_none()


async def find_by_kpj(session: AsyncSession, kpj: str) -> Registration | None:
    statement = select(Registration).where(Registration.kpj == kpj, Registration.erased_at.is_(None))
    return (await session.execute(statement.order_by(Registration.id).limit(1))).scalar_one_or_none()


async def find_by_nik_hash_or_kpj(session: AsyncSession, nik_hash: str | None, kpj: str) -> Registration | None:
    """A worker someone else names (an heir, a reporter): by NIK first, else by KPJ; never an erased one."""
    row = await find_by_nik_hash(session, nik_hash) if nik_hash else None
    if row is None and kpj:
        row = await find_by_kpj(session, kpj)
    return row if row is not None and row.erased_at is None else None


async def get_registration(session: AsyncSession, registration_id: int) -> Registration | None:
    return await session.get(Registration, registration_id)


async def lock_registration(session: AsyncSession, registration_id: int) -> Registration | None:
    """The registration, locked until the transaction ends (PostgreSQL; SQLite's BEGIN IMMEDIATE already
    serialises writers), so that two people deciding at once cannot both change it."""
    statement = select(Registration).where(Registration.id == registration_id)
    if dialect_name(session) == "postgresql":
        statement = statement.with_for_update()
    return (await session.execute(statement.execution_options(populate_existing=True))).scalar_one_or_none()


def _pending_in(kelurahan_codes: Collection[str] | None) -> Select[Registration]:
    """`kelurahan_codes` None: every kelurahan (an admin)."""
    statement = select(Registration).where(Registration.status.in_(PENDING_STATUSES), Registration.erased_at.is_(None))
    if kelurahan_codes is not None:
        statement = statement.where(Registration.kelurahan_code.in_(kelurahan_codes))
    return statement


class PendingRow(NamedTuple):
    """What the queue shows of a registration waiting for the kelurahan."""

    id: int
    full_name: str | None
    kelurahan_code: str
    created_at: datetime
    status: str


async def _pending_page(
    session: AsyncSession, statement: Select[Registration], *, offset: int, limit: int
) -> list[PendingRow]:
    """A page of `statement`'s registrations, oldest first: only the columns the queue shows."""
    page = (
        statement.with_only_columns(
            Registration.id,
            Registration.full_name,
            Registration.kelurahan_code,
            Registration.created_at,
            Registration.status,
        )
        .order_by(Registration.created_at, Registration.id)
        .offset(offset)
        .limit(limit)
    )
    return [PendingRow(*row) for row in await session.execute(page)]


async def pending_page(
    session: AsyncSession, kelurahan_codes: Collection[str] | None, *, offset: int, limit: int
) -> list[PendingRow]:
    """A page of registrations waiting for the kelurahan, oldest first (`list_pending` without the count)."""
    return await _pending_page(session, _pending_in(kelurahan_codes), offset=offset, limit=limit)


async def list_pending(
    session: AsyncSession, kelurahan_codes: Collection[str] | None, *, offset: int, limit: int
) -> tuple[list[PendingRow], int]:
    """A page of registrations waiting for the kelurahan, oldest first, and how many there are in all."""
    statement = _pending_in(kelurahan_codes)
    total = (await session.execute(select(func.count()).select_from(statement.subquery()))).scalar_one()
    return await _pending_page(session, statement, offset=offset, limit=limit), int(total)


async def list_pending_matching(
    session: AsyncSession,
    kelurahan_codes: Collection[str] | None,
    *,
    name: str = "",
    ids: Collection[int] = (),
    offset: int,
    limit: int,
) -> tuple[list[PendingRow], int]:
    """A page of the registrations waiting for the kelurahan whose name contains `name` (any case) or
    whose number is one of `ids`, oldest first, and how many match in all. Neither given: none."""
    matching = []
    if name:
        matching.append(func.lower(Registration.full_name).contains(name.lower(), autoescape=True))
    if ids:
        matching.append(Registration.id.in_(sorted(ids)))
    if not matching:
        return [], 0
    statement = _pending_in(kelurahan_codes).where(or_(*matching))
    total = (await session.execute(select(func.count()).select_from(statement.subquery()))).scalar_one()
    return await _pending_page(session, statement, offset=offset, limit=limit), int(total)


async def pending_nik_ciphers(session: AsyncSession, kelurahan_codes: Collection[str] | None) -> list[tuple[int, str]]:
    """(number, encrypted NIK) of every registration waiting for these kelurahan: a search by the NIK's
    last digits decrypts them (the blind index `nik_hash` only finds a whole NIK)."""
    statement = (
        _pending_in(kelurahan_codes)
        .where(Registration.nik_cipher.is_not(None))
        .with_only_columns(Registration.id, Registration.nik_cipher)
        .order_by(Registration.id)
    )
    return [(int(number), str(cipher)) for number, cipher in (await session.execute(statement)).all()]


async def count_pending_by_kelurahan(session: AsyncSession, kelurahan_codes: Collection[str] | None) -> dict[str, int]:
    """How many registrations wait in each kelurahan (only those with any), for these kelurahan or all."""
    statement = (
        _pending_in(kelurahan_codes)
        .with_only_columns(Registration.kelurahan_code, func.count(Registration.id))
        .group_by(Registration.kelurahan_code)
    )
    return {str(code): int(count) for code, count in (await session.execute(statement)).all()}


async def list_with_status(
    session: AsyncSession, programme_id: str, statuses: Collection[str], *, lock: bool = False
) -> list[Registration]:
    """Every registration of the programme with one of `statuses`; `lock`: for update (PostgreSQL)."""
    statement = select(Registration).where(
        Registration.programme_id == programme_id,
        Registration.status.in_(statuses),
        Registration.erased_at.is_(None),
    )
    if lock and dialect_name(session) == "postgresql":
        statement = statement.with_for_update()
    return list((await session.execute(statement.order_by(Registration.id))).scalars())


async def count_with_status(session: AsyncSession, programme_id: str, statuses: Collection[str]) -> int:
    statement = select(func.count(Registration.id)).where(
        Registration.programme_id == programme_id,
        Registration.status.in_(statuses),
        Registration.erased_at.is_(None),
    )
    return int((await session.execute(statement)).scalar_one())


async def list_for_contact(session: AsyncSession, contact_id: int) -> list[Registration]:
    """Made by this person for themself, or made for them by a leader and linked to them."""
    statement = select(Registration).where(
        Registration.registrant_contact_id == contact_id, Registration.erased_at.is_(None)
    )
    return list((await session.execute(statement.order_by(Registration.id))).scalars())


async def list_operated_by(session: AsyncSession, contact_id: int) -> list[Registration]:
    statement = select(Registration).where(
        Registration.operator_contact_id == contact_id,
        Registration.erased_at.is_(None),
        or_(Registration.registrant_contact_id.is_(None), Registration.registrant_contact_id != contact_id),
    )
    return list((await session.execute(statement.order_by(Registration.id))).scalars())


async def record_event(
    session: AsyncSession,
    registration_id: int,
    status: str,
    actor_contact_id: int | None,
    now: datetime,
    *,
    reason: str | None = None,
) -> None:

    session.add(
        RegistrationEvent(
            registration_id=registration_id,
            status=status,
            reason=reason,
            actor_contact_id=actor_contact_id,
            created_at=now,
        )
    )


async def history(session: AsyncSession, registration_id: int) -> list[RegistrationEvent]:
    statement = select(RegistrationEvent).where(RegistrationEvent.registration_id == registration_id)
    return list((await session.execute(statement.order_by(RegistrationEvent.id))).scalars())


async def erase_personal_data(
    session: AsyncSession, registration: Registration, actor_contact_id: int | None, now: datetime
) -> None:
    for name in PERSONAL_FIELDS:
        setattr(registration, name, None)
    registration.status = "deleted"
    registration.status_reason = None
    registration.erased_at = now
    registration.updated_at = now
    registration.registrant_contact_id = None
    await record_event(session, registration.id, "deleted", actor_contact_id, now)
