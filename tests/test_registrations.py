"""Registrations through the real pipeline and store: the NIK never lands in clear text (database file or
logs), each person sees only their own, leaders only theirs, and a NIK is registered once."""

from __future__ import annotations

import logging
from datetime import date, timedelta
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.app import Jaring
from bot.desks.roles import invite_hash
from bot.inbound.dispatcher import RequestAnswerer
from bot.inbound.pipeline import Pipeline
from conversations.corrections_policy import CorrectionPlan
from conversations.inbound import Inbound
from conversations.requests.base import Done, NotAllowed
from conversations.requests.invites import InviteRefused, Redeemed, RedeemInvite
from conversations.requests.registrations import (
    AlreadyRegistered,
    CorrectRegistration,
    EraseRegistration,
    ListRegistrations,
    PlanCorrection,
    RegistrationView,
    SubmitRegistration,
    Submitted,
)
from conversations.state import Json
from db.connection import Store
from db.models import OutboxMessage, Registration
from db.repositories import contacts, invites, roles
from tests.conftest import FixedClock

NIK = "3375014506850001"
REGISTER = [
    "daftar", "setuju", NIK, "Siti Aminah", "05-06-1985", "medono", "ya", "3", "5",
    "Jl. Sampangan", "mbatik", "081234567890", "ya", "ya", "tidak", "kirim",
]  # fmt: skip
_ids = iter(range(1, 1_000_000))


async def talk(pipeline: Pipeline, clock: FixedClock, person: str, *texts: str) -> None:
    for text in texts:
        await pipeline.handle(Inbound("terminal", person, f"m{next(_ids)}", clock(), text))


def draft(nik: str = NIK) -> dict[str, Json]:
    return {
        "nik": nik,
        "female": True,
        "full_name": "Siti Aminah",
        "birth_date": "1985-06-05",
        "kelurahan_code": "33.75.01.1002",
        "rt": "003",
        "rw": "005",
        "street": "Jl. Sampangan",
        "job_type": "buruh_batik",
        "phone": "6281234567890",
        "breadwinner": True,
        "poverty_register": "yes",
    }


async def test_no_nik_in_clear_in_the_database_file_or_the_logs(
    jaring: Jaring, clock: FixedClock, caplog: pytest.LogCaptureFixture
) -> None:
    caplog.set_level(logging.DEBUG)
    await talk(jaring.pipeline, clock, "siti", *REGISTER)
    await talk(jaring.pipeline, clock, "darto", "daftar", "setuju", "3375010101700005", "Darto")  # left halfway
    async with jaring.store.transaction() as session:
        row = (await session.execute(select(Registration))).scalar_one()
    assert row.status == "submitted"
    assert row.nik_cipher is not None
    assert jaring.cipher.decrypt(row.nik_cipher) == NIK
    await jaring.close()  # checkpoint nothing away: read the main file and the WAL as they are
    database = Path(jaring.settings.resolved_database_url.removeprefix("sqlite+aiosqlite:///"))
    stored = b"".join(path.read_bytes() for path in database.parent.glob(database.name + "*"))
    for nik in (NIK, "3375010101700005"):
        assert nik.encode() not in stored
        assert nik not in caplog.text
    assert b"SITI AMINAH" in stored  # the file was really read: the name is there (as on the KTP), the NIK is not


async def test_a_nik_is_registered_once_whatever_the_race(store: Store, jaring: Jaring, clock: FixedClock) -> None:
    answerer = RequestAnswerer(jaring.cipher, jaring.programme, jaring.catalogs)
    async with store.transaction() as session:
        first = await contacts.get_or_create_contact(session, "terminal", "a", clock())
        second = await contacts.get_or_create_contact(session, "terminal", "b", clock())
    async with store.transaction() as session:
        done = await answerer.answer(session, first, SubmitRegistration(draft(), on_behalf=False), clock())
    async with store.transaction() as session:
        again = await answerer.answer(session, second, SubmitRegistration(draft(), on_behalf=False), clock())
        other = await answerer.answer(
            session, second, SubmitRegistration(draft("3375011007800003"), on_behalf=False), clock()
        )
    assert isinstance(done, Submitted)
    assert isinstance(again, AlreadyRegistered)
    assert isinstance(other, Submitted)


async def test_people_see_and_change_only_their_own_registrations(
    store: Store, jaring: Jaring, clock: FixedClock
) -> None:
    answerer = RequestAnswerer(jaring.cipher, jaring.programme, jaring.catalogs)
    async with store.transaction() as session:
        worker = await contacts.get_or_create_contact(session, "terminal", "worker", clock())
        leader = await contacts.get_or_create_contact(session, "terminal", "leader", clock())
        other_leader = await contacts.get_or_create_contact(session, "terminal", "other-leader", clock())
        stranger = await contacts.get_or_create_contact(session, "terminal", "stranger", clock())
        for rt_rw_leader in (leader, other_leader):  # entering a neighbour needs the role (item 5)
            await roles.grant_role(session, rt_rw_leader.id, "rtrw", granted_by="test", now=clock())
        own = await answerer.answer(session, worker, SubmitRegistration(draft(), on_behalf=False), clock())
        entered = await answerer.answer(
            session, leader, SubmitRegistration(draft("3375011007800003"), on_behalf=True), clock()
        )
    assert isinstance(own, Submitted)
    assert isinstance(entered, Submitted)
    async with store.transaction() as session:
        mine = await answerer.answer(session, worker, ListRegistrations("mine"), clock())
        operated = await answerer.answer(session, leader, ListRegistrations("operated"), clock())
        others = await answerer.answer(session, other_leader, ListRegistrations("all"), clock())
        nothing = await answerer.answer(session, stranger, ListRegistrations("all"), clock())
    assert isinstance(mine, tuple)
    assert isinstance(operated, tuple)
    assert [v.id for v in mine if isinstance(v, RegistrationView)] == [own.registration_id]
    assert [v.id for v in operated if isinstance(v, RegistrationView)] == [entered.registration_id]
    assert others == nothing == ()
    assert [v.nik_masked for v in mine if isinstance(v, RegistrationView)] == ["3375••••••••0001"]
    async with store.transaction() as session:
        for intruder, target in ((other_leader, entered.registration_id), (stranger, own.registration_id)):
            planned = await answerer.answer(session, intruder, PlanCorrection(target, "street", "Jl. Lain"), clock())
            changed = await answerer.answer(
                session, intruder, CorrectRegistration(target, "street", "Jl. Lain", CorrectionPlan()), clock()
            )
            assert isinstance(planned, NotAllowed)
            erased = await answerer.answer(session, intruder, EraseRegistration(target), clock())
            assert isinstance(changed, NotAllowed)
            assert isinstance(erased, NotAllowed)
        plan = await answerer.answer(session, leader, PlanCorrection(entered.registration_id, "rt", "004"), clock())
        assert isinstance(plan, CorrectionPlan)
        allowed = await answerer.answer(
            session, leader, CorrectRegistration(entered.registration_id, "rt", "004", plan), clock()
        )
    assert isinstance(allowed, Done)


async def test_deletion_empties_the_personal_fields_and_keeps_an_anonymous_row(
    store: Store, jaring: Jaring, clock: FixedClock
) -> None:
    answerer = RequestAnswerer(jaring.cipher, jaring.programme, jaring.catalogs)
    async with store.transaction() as session:
        worker = await contacts.get_or_create_contact(session, "terminal", "worker", clock())
        own = await answerer.answer(session, worker, SubmitRegistration(draft(), on_behalf=False), clock())
        assert isinstance(own, Submitted)
        await answerer.answer(session, worker, EraseRegistration(own.registration_id), clock())
    async with store.transaction() as session:
        row = (await session.execute(select(Registration))).scalar_one()
        again = await answerer.answer(session, worker, SubmitRegistration(draft(), on_behalf=False), clock())
    personal = (
        row.nik_cipher,
        row.nik_hash,
        row.full_name,
        row.birth_date,
        row.street,
        row.phone,
        row.registrant_contact_id,
    )
    assert personal == (None, None, None, None, None, None, None)
    assert (row.status, row.kelurahan_code, row.job_type) == ("deleted", "33.75.01.1002", "buruh_batik")
    assert isinstance(again, Submitted)  # the NIK is free again


async def test_invites_work_once_and_expire(store: Store, jaring: Jaring, clock: FixedClock) -> None:
    answerer = RequestAnswerer(jaring.cipher, jaring.programme, jaring.catalogs)
    async with store.transaction() as session:
        for code, days in (("GOODCODE", 14), ("OLDCODE2", -1)):
            await invites.create_invite(
                session,
                invite_hash(jaring.cipher, code),
                "rtrw",
                created_by="test",
                now=clock(),
                expires_at=clock() + timedelta(days=days),
                kelurahan_code="33.75.01.1002",
                rt="003",
                rw="005",
            )
        first = await contacts.get_or_create_contact(session, "terminal", "a", clock())
        second = await contacts.get_or_create_contact(session, "terminal", "b", clock())
    async with store.transaction() as session:
        used = await answerer.answer(session, first, RedeemInvite("goodcode"), clock())
        twice = await answerer.answer(session, second, RedeemInvite("GOODCODE"), clock())
        expired = await answerer.answer(session, second, RedeemInvite("OLDCODE2"), clock())
        unknown = await answerer.answer(session, second, RedeemInvite("NOPE1234"), clock())
    assert used == Redeemed("rtrw", "33.75.01.1002", "003", "005")
    assert (twice, expired, unknown) == (InviteRefused("used"), InviteRefused("expired"), InviteRefused("unknown"))


async def test_a_status_change_tells_the_worker_and_the_leader(jaring: Jaring, clock: FixedClock) -> None:
    await talk(jaring.pipeline, clock, "siti", *REGISTER)
    async with jaring.store.transaction() as session:
        row = (await session.execute(select(Registration))).scalar_one()
    from bot.commands.administer import set_status

    said = await set_status(jaring, row.id, "active", "", "12345678901")
    assert "active" in said
    async with jaring.store.transaction() as session:
        row = (await session.execute(select(Registration))).scalar_one()
    assert (row.status, row.kpj) == ("active", "12345678901")
    assert row.birth_date == date(1985, 6, 5)
    async with jaring.store.transaction() as session:
        told = (await session.execute(select(OutboxMessage).where(OutboxMessage.kind == "notification"))).scalar_one()
    assert told.recipient == "siti"
    assert told.body.startswith(
        f"Kabar baik! Pendaftaran nomor {row.id} (SITI AMINAH) sudah AKTIF sebagai peserta BPJS Ketenagakerjaan.\n\n"
        "Nomor KPJ: 12345678901\nTerlindungi mulai: tanggalnya akan kami kabari\n\n"
    )
