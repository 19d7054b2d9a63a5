"""Becoming a sponsor, and whom they pay for, on the real store (SQLite and PostgreSQL) through the real
pipeline and desks: an ASN of Kendal signs up in chat (the sponsors' notice first), her NIP stored only
encrypted, and gets a code for the worker she knows; a company in Pekalongan (the only kind there); what the
desks refuse; the sponsor's view (months paid, the next one due); a match from the waiting list in the
quota's priority order, skipping flagged and funded workers; and, as a property, that whatever a worker's
registration holds, their sponsor's replies carry their name and status and nothing else."""

from __future__ import annotations

import asyncio
import re
import shutil
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, date, datetime, timedelta
from itertools import count
from pathlib import Path
from typing import Any

import pytest
from babel.dates import format_date
from cryptography.fernet import Fernet
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st
from sqlalchemy import select

import bot.app
from bot.app import Jaring, open_jaring
from bot.desks.sponsor_codes import offer_hash
from bot.inbound.dispatcher import RequestAnswerer
from bot.settings import PROJECT_DIR, Settings
from conversations.consent import SPONSOR_DATA
from conversations.flows.privacy import NOTICE_VERSIONS
from conversations.inbound import Inbound
from conversations.programme import Programme
from conversations.requests.base import Request
from conversations.requests.sponsors import (
    AlreadySponsor,
    BecomeSponsor,
    MatchWorker,
    MySponsor,
    NobodyWaiting,
    NotSponsor,
    OfferToWorker,
    SponsorRecorded,
    SponsorsOff,
    SponsorView,
    WorkerMatched,
)
from conversations.sponsorship import add_months
from conversations.state import IDLE, SEALED_KEYS
from db import migrate
from db.connection import Store, create_engine
from db.models import (
    AuditEntry,
    ConsentRecord,
    ConversationSession,
    OutboxMessage,
    Registration,
    Sponsor,
    SponsorPeriod,
    Sponsorship,
)
from db.personal_data import PersonalDataCipher
from db.repositories import contacts
from tests.conftest import FixedClock
from tests.core_support import catalogs, context, inbound, render_reply, run
from tests.review_support import MEDONO_CODE, NOYONTAANSARI, seed_registration
from tests.sponsor_side_support import sponsor_engine

NIP = "197903122005012001"  # not the example the question shows
NOW = datetime(2026, 11, 21, 8, 0, tzinfo=UTC)  # the fixed clock's start
_ids = count(1)


@pytest.fixture(autouse=True)
def _sponsor_flow_in_the_engine(monkeypatch: pytest.MonkeyPatch) -> None:
    """The bot assembled with the sponsor flow, whether or not conversations/flows lists it yet."""
    monkeypatch.setattr(bot.app, "build_engine", sponsor_engine)


def _in(settings: Settings, programme_file: str) -> Settings:
    return settings.model_copy(update={"program_file": PROJECT_DIR / "programmes" / programme_file})


@pytest.fixture
async def kendal(settings: Settings, clock: FixedClock, store: Store) -> AsyncIterator[Jaring]:
    app = await open_jaring(_in(settings, "kabupaten-kendal.toml"), clock, store=store)
    yield app
    await app.pipeline.close()


@pytest.fixture
async def pekalongan(settings: Settings, clock: FixedClock, store: Store) -> AsyncIterator[Jaring]:
    app = await open_jaring(settings, clock, store=store)
    yield app
    await app.pipeline.close()


async def _say(app: Jaring, clock: FixedClock, who: str, text: str) -> list[str]:
    """One message through the pipeline; the bot's replies to `who`."""
    async with app.store.transaction() as session:
        before = (await session.execute(select(OutboxMessage.id).order_by(OutboxMessage.id.desc()))).scalars().first()
    await app.pipeline.handle(Inbound("terminal", who, f"s{next(_ids)}", clock(), text))
    clock.advance(seconds=30)
    async with app.store.transaction() as session:
        statement = select(OutboxMessage).where(OutboxMessage.id > (before or 0)).order_by(OutboxMessage.id)
        return [m.body for m in (await session.execute(statement)).scalars() if m.recipient == who]


async def _ask(app: Jaring, who: str, request: Request[Any]) -> Any:
    """A request answered by its desk, as the pipeline answers it for `who`."""
    answerer = RequestAnswerer(app.cipher, app.programme, app.catalogs, app.region)
    async with app.store.transaction() as session:
        contact = await contacts.get_or_create_contact(session, "terminal", who, app.pipeline.clock())
        return await answerer.answer(session, contact, request, app.pipeline.clock())


async def _rows(app: Jaring, model: type[Any]) -> list[Any]:
    async with app.store.transaction() as session:
        return list((await session.execute(select(model).order_by(model.id))).scalars())


# ---- an ASN of Kendal, in chat --------------------------------------------------------------------------------


async def test_an_asn_signs_up_in_chat_and_gets_a_code_for_the_worker_she_knows(
    kendal: Jaring, clock: FixedClock
) -> None:
    notice = await _say(kendal, clock, "asn-1", "jadi donatur")
    assert "Pemberitahuan privasi: donatur" in notice[0]
    said: list[str] = []
    for text in ("setuju", "1", "Sri Wahyuni", "19790312 200501 2 001", "dinkes", "0812-3456-7890", "ya"):
        said = await _say(kendal, clock, "asn-1", text)
    assert "1979••••••••••2001" in said[0]  # the summary
    assert "Siapa yang ingin Anda bantu?" in (await _say(kendal, clock, "asn-1", "benar"))[-1]
    for text in ("1", "bulan depan", "12"):
        said = await _say(kendal, clock, "asn-1", text)
    assert "Rp201.600" in said[0]
    given = await _say(kendal, clock, "asn-1", "ya")
    found = re.search(r"Kode untuk pekerja Anda: ([A-Z2-9]{8})", given[0])
    assert found is not None
    code = found.group(1)
    assert f"terima {code}" in given[1]  # the message to forward

    [sponsor] = await _rows(kendal, Sponsor)
    assert (sponsor.kind, sponsor.name, sponsor.organisation_id) == ("asn", "Sri Wahyuni", "dinkes")
    assert (sponsor.phone, sponsor.share_name, sponsor.status) == ("6281234567890", True, "active")
    assert sponsor.nip_cipher is not None
    assert NIP not in sponsor.nip_cipher
    assert kendal.cipher.decrypt(sponsor.nip_cipher) == NIP
    [consent] = [c for c in await _rows(kendal, ConsentRecord) if c.purpose == SPONSOR_DATA]
    assert (consent.granted, consent.notice_version) == (True, NOTICE_VERSIONS[SPONSOR_DATA])
    [offer] = await _rows(kendal, Sponsorship)
    assert (offer.status, offer.how, offer.registration_id) == ("offered", "named", None)
    assert (offer.start_month, offer.months) == (date(2026, 12, 1), 12)
    assert offer.code_hash == offer_hash(kendal.cipher, code.lower())
    assert offer.code_expires_at == clock() - timedelta(seconds=30) + timedelta(days=14)

    audit = {entry.action: entry for entry in await _rows(kendal, AuditEntry)}
    assert audit["sponsor.joined"].detail["kind"] == "asn"
    assert audit["sponsor.joined"].detail["organisation"] == "dinkes"
    assert audit["sponsor.offered"].subject == f"sponsorship:{offer.id}"
    for entry in await _rows(kendal, AuditEntry):
        assert NIP not in str(entry.detail)
        assert "Sri Wahyuni" not in str(entry.detail)
    for message in await _rows(kendal, OutboxMessage):
        assert NIP not in message.body
    for kept in await _rows_of_sessions(kendal):
        assert NIP not in str(kept)  # the form is gone once she signed up

    menu = await _say(kendal, clock, "asn-1", "donatur saya")
    assert "Menunggu pekerja menerima kode (mulai Desember 2026, 12 bulan)" in menu[0]


async def _rows_of_sessions(app: Jaring) -> list[object]:
    async with app.store.transaction() as session:
        return list((await session.execute(select(ConversationSession.data))).scalars())


@pytest.mark.skipif("nip" not in SEALED_KEYS, reason='needs "nip" in conversations.state.SEALED_KEYS (the lead)')
async def test_a_nip_in_a_form_left_halfway_is_stored_sealed(kendal: Jaring, clock: FixedClock) -> None:
    for text in ("jadi donatur", "setuju", "1", "Sri Wahyuni", NIP):
        await _say(kendal, clock, "asn-2", text)
    kept = await _rows_of_sessions(kendal)
    assert kept
    assert all(NIP not in str(data) for data in kept)


async def test_a_company_signs_up_where_only_companies_sponsor(pekalongan: Jaring) -> None:
    asn = BecomeSponsor("asn", "Sri Wahyuni", "6281234567890", True, nip=NIP, organisation_id="dinkes")
    assert await _ask(pekalongan, "sri", asn) == SponsorsOff()
    company = BecomeSponsor("csr", "Budi Santoso", "6281234567890", False, organisation_name="PT Batik Jaya")
    recorded = await _ask(pekalongan, "pt-batik", company)
    assert isinstance(recorded, SponsorRecorded)
    assert await _ask(pekalongan, "pt-batik", company) == AlreadySponsor(recorded.sponsor_id)
    [sponsor] = await _rows(pekalongan, Sponsor)
    assert (sponsor.organisation_name, sponsor.organisation_id, sponsor.nip_cipher) == ("PT Batik Jaya", None, None)


async def test_the_desks_refuse_what_the_flow_never_sends(kendal: Jaring) -> None:
    with pytest.raises(ValueError, match="organisation"):
        await _ask(kendal, "asn-3", BecomeSponsor("asn", "Sri", "6281234567890", True, organisation_id="nowhere"))
    with pytest.raises(ValueError, match="NIP"):
        await _ask(kendal, "asn-3", BecomeSponsor("asn", "Sri", "6281234567890", True, "12345", "dinkes"))
    with pytest.raises(ValueError, match="its name"):
        await _ask(kendal, "csr-3", BecomeSponsor("csr", "Budi", "6281234567890", True))
    await _ask(kendal, "asn-3", BecomeSponsor("asn", "Sri", "6281234567890", True, organisation_id="dinkes"))
    for wrong in (OfferToWorker(date(2026, 12, 1), 0), OfferToWorker(date(2026, 12, 1), 25)):
        with pytest.raises(ValueError, match="months"):
            await _ask(kendal, "asn-3", wrong)
    with pytest.raises(ValueError, match="starts"):
        await _ask(kendal, "asn-3", MatchWorker(date(2026, 11, 1), 12))  # November: its due day has gone by
    assert await _rows(kendal, Sponsorship) == []


async def test_someone_not_a_sponsor_is_told_so(kendal: Jaring) -> None:
    start = date(2026, 12, 1)
    for request in (MySponsor(), OfferToWorker(start, 12), MatchWorker(start, 12)):
        assert await _ask(kendal, "nobody", request) == NotSponsor()


async def test_without_sponsors_in_the_programme_file_every_desk_says_so(kendal: Jaring) -> None:
    kendal.programme = kendal.programme.model_copy(update={"sponsors": None})
    start = date(2026, 12, 1)
    asn = BecomeSponsor("asn", "Sri", "6281234567890", True, organisation_id="dinkes")
    for request in (asn, MySponsor(), OfferToWorker(start, 12), MatchWorker(start, 12)):
        assert await _ask(kendal, "asn-4", request) == SponsorsOff()


# ---- the sponsor's view ---------------------------------------------------------------------------------------


async def _company(app: Jaring, who: str) -> int:
    answer = await _ask(app, who, BecomeSponsor("csr", "Budi", "6281234567890", True, organisation_name="PT Batik"))
    assert isinstance(answer, SponsorRecorded)
    return answer.sponsor_id


async def _sponsorship(app: Jaring, sponsor_id: int, registration_id: int | None, **fields: Any) -> Sponsorship:
    values: dict[str, Any] = {
        "status": "active",
        "how": "named",
        "start_month": date(2026, 10, 1),
        "months": 12,
        "created_at": NOW,
        **fields,
    }
    async with app.store.transaction() as session:
        row = Sponsorship(sponsor_id=sponsor_id, registration_id=registration_id, **values)
        session.add(row)
        await session.flush()
        return row


async def test_the_view_counts_the_months_paid_and_names_the_next_one_due(pekalongan: Jaring) -> None:
    sponsor = await _company(pekalongan, "pt-1")
    async with pekalongan.store.transaction() as session:
        worker = await seed_registration(session, pekalongan.cipher, pekalongan.programme, serial=1, status="active")
    paying = await _sponsorship(pekalongan, sponsor, worker.id)
    stopped = await _sponsorship(pekalongan, sponsor, worker.id, status="stopped")
    offered = await _sponsorship(pekalongan, sponsor, None, status="offered", start_month=date(2026, 12, 1))
    async with pekalongan.store.transaction() as session:
        session.add(SponsorPeriod(sponsorship_id=paying.id, period=date(2026, 10, 1), paid_at=NOW))
        session.add(SponsorPeriod(sponsorship_id=paying.id, period=date(2026, 12, 1), reminded_at=NOW))  # not paid

    view = await _ask(pekalongan, "pt-1", MySponsor())
    assert isinstance(view, SponsorView)
    assert (view.name, view.organisation, view.kind) == ("Budi", "PT Batik", "csr")
    assert [w.sponsorship_id for w in view.workers] == [offered.id, paying.id, stopped.id]  # open first, newest first
    listed = {w.sponsorship_id: w for w in view.workers}
    assert (listed[offered.id].worker_name, listed[offered.id].registration_status) == ("", None)
    active = listed[paying.id]
    assert (active.worker_name, active.registration_status, active.paid_months) == ("Pekerja 1", "active", 1)
    assert active.next_due is not None
    assert (active.next_due.period, active.next_due.due_on, active.next_due.state) == (
        date(2026, 11, 1),
        date(2026, 11, 10),
        "missed",  # 21 November: past the 10th and the seven days after
    )
    assert [(item.period, item.state) for item in view.unpaid] == [(date(2026, 11, 1), "missed")]
    assert listed[stopped.id].next_due is None


async def test_another_sponsors_workers_are_not_in_the_view(pekalongan: Jaring) -> None:
    mine, theirs = await _company(pekalongan, "pt-2"), await _company(pekalongan, "pt-3")
    await _sponsorship(pekalongan, theirs, None, status="offered", start_month=date(2026, 12, 1))
    view = await _ask(pekalongan, "pt-2", MySponsor())
    assert isinstance(view, SponsorView)
    assert (view.sponsor_id, view.workers, view.unpaid) == (mine, (), ())


# ---- a match from the waiting list ----------------------------------------------------------------------------


async def _waiting(app: Jaring, serial: int, status: str, **fields: Any) -> Registration:
    async with app.store.transaction() as session:
        row = await seed_registration(
            session,
            app.cipher,
            app.programme,
            serial=serial,
            status=status,
            created_at=datetime(2026, 11, serial, 3, 0, tzinfo=UTC),
            breadwinner=fields.pop("breadwinner", False),
            dtsen=fields.pop("dtsen", "no"),
        )
        for name, value in fields.items():
            setattr(row, name, value)
        return row


async def test_a_match_takes_the_first_worker_in_priority_order_without_a_flag_or_a_funder(
    pekalongan: Jaring,
) -> None:
    start = date(2026, 12, 1)
    last = await _waiting(pekalongan, 1, "verified")  # meets no priority, registered first
    await _waiting(pekalongan, 2, "verified", breadwinner=True, dtsen="yes", flags=["age"])  # waits for an admin
    funded = await _waiting(pekalongan, 3, "waiting_list", breadwinner=True, dtsen="yes")
    await _waiting(pekalongan, 4, "submitted", breadwinner=True, dtsen="yes")  # not verified yet
    await _waiting(pekalongan, 5, "verified", breadwinner=True, dtsen="yes", erased_at=NOW)
    first = await _waiting(pekalongan, 6, "waiting_list", breadwinner=True)  # one priority met
    other = await _company(pekalongan, "pt-other")
    await _sponsorship(pekalongan, other, funded.id, status="accepted")

    await _company(pekalongan, "pt-4")
    matched = await _ask(pekalongan, "pt-4", MatchWorker(start, 12))
    assert isinstance(matched, WorkerMatched)
    assert (matched.worker_name, matched.registration_status) == ("Pekerja 6", "approved")
    second = await _ask(pekalongan, "pt-4", MatchWorker(start, 6))
    assert isinstance(second, WorkerMatched)
    assert second.worker_name == last.full_name
    assert await _ask(pekalongan, "pt-4", MatchWorker(start, 6)) == NobodyWaiting()

    rows = {row.registration_id: row for row in await _rows(pekalongan, Sponsorship) if row.how == "matched"}
    assert set(rows) == {first.id, last.id}
    assert all(row.status == "active" for row in rows.values())
    assert (rows[first.id].months, rows[first.id].start_month) == (12, start)
    matches = [entry for entry in await _rows(pekalongan, AuditEntry) if entry.action == "sponsor.matched"]
    assert [entry.detail["registration"] for entry in matches] == [str(first.id), str(last.id)]
    async with pekalongan.store.transaction() as session:
        approved = await session.get(Registration, first.id)
        assert approved is not None
        assert approved.quota_year is None  # the sponsor pays: no place of the budget's quota


# ---- what a sponsor sees of a worker: the name and the status, nothing else ------------------------------------

_STATUSES = ["submitted", "verified", "approved", "waiting_list", "active", "rejected", "returned", "ended"]
_KELURAHAN = [MEDONO_CODE, NOYONTAANSARI]
_MARK = st.text(alphabet="ABCDEFGHJKLMNPQRSTUVWXYZ", min_size=12, max_size=20)  # never in a template


@st.composite
def _workers(draw: st.DrawFn) -> list[dict[str, Any]]:
    def one(serial: int) -> dict[str, Any]:
        return {
            "serial": serial,
            "name": draw(st.from_regex(r"[a-z]{3,10} [a-z]{3,10}", fullmatch=True)).title(),
            "nik": f"3375{draw(st.integers(10**7, 10**8 - 1))}{serial:04d}",  # one NIK each
            "phone": f"628{draw(st.integers(10**8, 10**10 - 1))}",
            "street": "JALAN " + draw(_MARK),
            "job_text": "KERJA " + draw(_MARK),
            "born": draw(st.dates(date(1950, 1, 1), date(2005, 12, 31))),
            "kpj": str(draw(st.integers(10**10, 10**11 - 1))),
            "kelurahan": draw(st.sampled_from(_KELURAHAN)),
            "status": draw(st.sampled_from(_STATUSES)),
            "sponsorship": draw(st.sampled_from(["accepted", "active", "stopped", "ended"])),
            "paid": draw(st.sets(st.integers(0, 5), max_size=6)),
        }

    return [one(serial) for serial in range(1, draw(st.integers(1, 4)) + 1)]


@pytest.fixture(scope="module")
def migrated_template(tmp_path_factory: pytest.TempPathFactory) -> Path:
    """A migrated SQLite database, copied for each example (migrating each time would take seconds)."""
    path = tmp_path_factory.mktemp("sponsor-template") / "jaring.db"

    async def migrated() -> None:
        engine = create_engine(f"sqlite+aiosqlite:///{path}")
        await migrate.upgrade(engine)
        await engine.dispose()

    asyncio.run(migrated())
    return path


@settings(max_examples=25, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture])
@given(workers=_workers(), language=st.sampled_from(["id", "en"]))
def test_a_sponsors_replies_never_carry_more_of_a_worker_than_name_and_status(
    migrated_template: Path, tmp_path: Path, workers: list[dict[str, Any]], language: str
) -> None:
    database = tmp_path / f"example-{next(_ids)}.db"
    shutil.copy(migrated_template, database)
    said = asyncio.run(_sponsor_sees(database, workers, language))
    for worker in workers:
        assert worker["name"] in said or worker["sponsorship"] in ("stopped", "ended")
        born: date = worker["born"]
        secrets = [
            worker["nik"],
            worker["nik"][-8:],
            worker["phone"],
            "0" + worker["phone"][2:],
            worker["street"],
            worker["job_text"],
            worker["kpj"],
            born.isoformat(),
            born.strftime("%d-%m-%Y"),
            format_date(born, format="long", locale="id_ID"),
            format_date(born, format="long", locale="en"),
            "Buruh batik",
            "Medono",
            "Noyontaansari",
        ]
        for secret in secrets:
            assert secret not in said, secret


async def _sponsor_sees(database: Path, workers: list[dict[str, Any]], language: str) -> str:
    """The sponsor's menu, asked through the real desk and drawn by the real flow, as one text."""
    store = Store(create_engine(f"sqlite+aiosqlite:///{database}"))
    cipher = PersonalDataCipher(Fernet.generate_key())
    programme = bot.app.read_programme_file(PROJECT_DIR / "programmes" / "kota-pekalongan.toml")
    answerer = RequestAnswerer(cipher, programme, catalogs())
    try:
        async with store.transaction() as session:
            sponsor_contact = await contacts.get_or_create_contact(session, "terminal", "sponsor", NOW)
            recorded = await answerer.answer(
                session,
                sponsor_contact,
                BecomeSponsor("csr", "Budi", "6281234567890", True, organisation_name="PT Batik"),
                NOW,
            )
            assert isinstance(recorded, SponsorRecorded)
            for worker in workers:
                await _store_worker(session, cipher, programme, recorded.sponsor_id, worker)
            view = await answerer.answer(session, sponsor_contact, MySponsor(), NOW)
    finally:
        await store.close()
    return _drawn(view, programme, language)


async def _store_worker(
    session: Any, cipher: PersonalDataCipher, programme: Programme, sponsor_id: int, worker: dict[str, Any]
) -> None:
    row = await seed_registration(
        session, cipher, programme, serial=worker["serial"], kelurahan=worker["kelurahan"], status=worker["status"]
    )
    nik: str = worker["nik"]
    row.full_name, row.nik_cipher, row.nik_hash = worker["name"], cipher.encrypt(nik), cipher.blind_index(nik)
    row.phone, row.street, row.job_text, row.birth_date = (
        worker["phone"],
        worker["street"],
        worker["job_text"],
        worker["born"],
    )
    row.kpj, row.coverage_start, row.status_reason = worker["kpj"], date(2026, 10, 1), worker["street"]
    sponsorship = Sponsorship(
        sponsor_id=sponsor_id,
        registration_id=row.id,
        status=worker["sponsorship"],
        how="named",
        start_month=date(2026, 8, 1),
        months=12,
        created_at=NOW,
    )
    session.add(sponsorship)
    await session.flush()
    for month in worker["paid"]:
        session.add(
            SponsorPeriod(sponsorship_id=sponsorship.id, period=add_months(date(2026, 8, 1), month), paid_at=NOW)
        )
    await session.flush()


def _drawn(view: object, programme: Programme, language: str) -> str:
    """The menu the sponsor reads, and the stop list and its confirmation for each worker they can stop."""
    ctx = replace(context(language, consented=True), programme=programme)
    engine = sponsor_engine()
    menu = run(engine, IDLE, inbound("donatur saya"), ctx, lambda _: view)
    texts = [render_reply(reply, language)[0] for reply in menu.replies]
    texts += [label for reply in menu.replies for label in render_reply(reply, language)[1]]
    stop = run(engine, menu.state, inbound("berhenti membantu"), ctx, lambda _: view)
    for reply in stop.replies:
        body, labels = render_reply(reply, language)
        texts += [body, *labels]
    if stop.state.step == "pick_stop":
        confirm = run(engine, stop.state, inbound("1"), ctx, lambda _: view)
        texts += [render_reply(reply, language)[0] for reply in confirm.replies]
    return "\n".join(texts)
