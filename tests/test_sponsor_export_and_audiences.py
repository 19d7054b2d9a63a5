"""Sponsors in the enrolment export and in broadcasts, for real.

The export's last column, "Pendana Iuran", names each worker's funder: the sponsor's label recorded on the
registration, the programme's `paid_by` for a place of the APBD quota, else nothing; BPJS TK's answer built
on the exported sheet still imports, and the Pemda's own participant import reads the column back as the
funder. The audiences "sponsors" (every sponsor not stopped) and "sponsors_due" (a month due or late and
not said paid, by conversations.sponsorship's rules, worked out in SQL) reach exactly those contacts, on
SQLite and PostgreSQL, and are offered only where the programme file has sponsors."""

from __future__ import annotations

import io
import random
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from datetime import UTC, date, datetime
from pathlib import Path

import pytest
from openpyxl import Workbook, load_workbook
from sqlalchemy import select

from bot.app import Jaring, open_jaring, read_programme_file
from bot.commands.export import run_export_command
from bot.commands.kpj_import import run_import_command
from bot.commands.participant_import import run_participant_import_command
from bot.settings import PROJECT_DIR, Settings
from conversations.audiences import (
    AUDIENCE_KINDS,
    SPONSOR_KINDS,
    Audience,
    audience_kinds,
    audience_label,
    audience_problem,
    sponsor_months_due_by,
)
from conversations.sponsorship import Commitment, add_months, period_state
from db.connection import Store
from db.models import Contact, OutboxMessage, Registration
from db.repositories import broadcasts, contacts, roles
from tests.conftest import FixedClock
from tests.core_support import catalogs
from tests.dinas_sponsor_support import add_sponsor, add_sponsorship, seed_kendal_sponsors
from tests.review_support import MEDONO, NOYONTAANSARI, seed_registration
from tests.telegram_support import fake_server
from tests.test_registrations import talk
from tests.web_support import DeskServer, csrf_of, desk_server

NOV_21 = datetime(2026, 11, 21, 8, 0, tzinfo=UTC)
CSR_LABEL = "CSR: PT Batik Jaya"
FUNDER_COLUMN = "Pendana Iuran"


def _programme_file(settings: Settings, name: str) -> Settings:
    return settings.model_copy(update={"program_file": PROJECT_DIR / "programmes" / name})


@pytest.fixture
async def kendal(settings: Settings, clock: FixedClock, store: Store) -> Jaring:
    return await open_jaring(_programme_file(settings, "kabupaten-kendal.toml"), clock, store=store)


@pytest.fixture
async def pekalongan(settings: Settings, clock: FixedClock) -> AsyncIterator[Jaring]:
    app = await open_jaring(settings, clock)
    try:
        yield app
    finally:
        await app.close()


# ---- the enrolment export ----------------------------------------------------------------------------------


async def _three_funded(app: Jaring) -> dict[str, Registration]:
    """Approved workers of Pekalongan: one a company's CSR pays for (its label recorded at activation), one
    in the APBD quota, one with no funder recorded."""
    async with app.store.transaction() as session:
        rows = {}
        for serial, key, name, kelurahan in (
            (11, "csr", "Siti Aminah", MEDONO),
            (12, "quota", "Budi Santoso", MEDONO),
            (13, "none", "Wati Lestari", NOYONTAANSARI),
        ):
            rows[key] = await seed_registration(
                session, app.cipher, app.programme, serial=serial, kelurahan=kelurahan, status="approved"
            )
            rows[key].full_name = name
        sponsor, _ = await add_sponsor(session, app, "pt-batik-jaya", "csr", organisation_name="PT Batik Jaya")
        await add_sponsorship(session, sponsor, "active", date(2026, 11, 1), 12, registration=rows["csr"])
        rows["csr"].funder = CSR_LABEL
        rows["quota"].quota_year = 2026
    return rows


def _sheet(content: bytes) -> list[list[object]]:
    sheet = load_workbook(io.BytesIO(content)).worksheets[0]
    return [[cell.value for cell in row] for row in sheet.iter_rows()]


async def test_the_export_names_each_workers_funder(
    pekalongan: Jaring, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    app = pekalongan
    rows = await _three_funded(app)
    assert await run_export_command(app, "approved", "xlsx", tmp_path / "daftar.xlsx", None) == 0
    assert await run_export_command(app, "approved", "csv", tmp_path / "daftar.csv", None) == 0
    capsys.readouterr()

    table = _sheet((tmp_path / "daftar.xlsx").read_bytes())
    assert table[0][-1] == FUNDER_COLUMN
    funders = {int(str(row[0])): row[-1] for row in table[1:]}
    assert funders == {
        rows["csr"].id: CSR_LABEL,
        rows["quota"].id: "APBD Kota Pekalongan",  # the programme file's paid_by
        rows["none"].id: None,  # an empty cell
    }
    lines = (tmp_path / "daftar.csv").read_bytes().decode("utf-8-sig").splitlines()
    assert lines[0].split(";")[-1] == FUNDER_COLUMN
    assert {int(line.split(";")[0]): line.split(";")[-1] for line in lines[1:]} == {
        rows["csr"].id: CSR_LABEL,
        rows["quota"].id: "APBD Kota Pekalongan",
        rows["none"].id: "",
    }


def _with_bpjs_answer(exported: list[list[object]], tmp_path: Path) -> Path:
    """The exported sheet as BPJS TK sends it back: the same columns, with the KPJ number and start date
    added at the end."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append([*exported[0], "No. KPJ", "TMT"])
    for number, row in enumerate(exported[1:], start=1):
        sheet.append([*row, f"{26_000_000_100 + number:011d}", "01-12-2026"])
    path = tmp_path / "jawaban.xlsx"
    book.save(path)
    return path


async def test_bpjs_answer_on_the_exported_sheet_imports_and_the_funder_comes_back(
    pekalongan: Jaring,
    settings: Settings,
    clock: FixedClock,
    store: Store,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
) -> None:
    app = pekalongan
    rows = await _three_funded(app)
    assert await run_export_command(app, "approved", "xlsx", tmp_path / "daftar.xlsx", None) == 0
    answer = _with_bpjs_answer(_sheet((tmp_path / "daftar.xlsx").read_bytes()), tmp_path)
    capsys.readouterr()

    assert await run_import_command(app, answer) == 0  # the funder column is no obstacle
    assert "3 pendaftaran menjadi aktif dengan nomor KPJ" in capsys.readouterr().out
    async with app.store.transaction() as session:
        stored = {r.id: r for r in (await session.execute(select(Registration))).scalars()}
    assert {stored[r.id].status for r in rows.values()} == {"active"}

    # Another Pemda store reading the same sheet as its own participant list keeps each funder.
    other = await open_jaring(settings, clock, store=store)
    assert await run_participant_import_command(other, answer, year=2026) == 0
    async with other.store.transaction() as session:
        imported = {r.full_name: r.funder for r in (await session.execute(select(Registration))).scalars()}
    assert imported == {"SITI AMINAH": CSR_LABEL, "BUDI SANTOSO": "APBD Kota Pekalongan", "WATI LESTARI": None}


# ---- who the sponsors' audiences are ---------------------------------------------------------------------


def test_the_sponsor_audiences_are_offered_only_where_the_programme_has_sponsors(pekalongan: Jaring) -> None:
    malang = read_programme_file(PROJECT_DIR / "programmes" / "kota-malang.toml")
    assert set(audience_kinds(malang)) == set(AUDIENCE_KINDS) - SPONSOR_KINDS
    assert audience_kinds(pekalongan.programme) == AUDIENCE_KINDS
    for kind in SPONSOR_KINDS:
        assert audience_problem(Audience(kind), malang, None) is not None
        assert audience_problem(Audience(kind), pekalongan.programme, pekalongan.region) is None
        assert audience_problem(Audience(kind, "x"), pekalongan.programme, pekalongan.region) is not None
    said = [
        catalogs().render(audience_label(Audience(kind), pekalongan.programme, None), "id")
        for kind in ("sponsors", "sponsors_due")
    ]
    assert said == ["semua donatur", "donatur yang iurannya sudah jatuh tempo dan belum dicatat dibayar"]


def test_the_month_due_by_a_day_is_read_in_the_programmes_time_zone(pekalongan: Jaring) -> None:
    p = pekalongan.programme  # due on the 10th
    assert sponsor_months_due_by(p, NOV_21) == date(2026, 11, 1)
    assert sponsor_months_due_by(p, datetime(2026, 12, 5, 3, 0, tzinfo=UTC)) == date(2026, 11, 1)
    assert sponsor_months_due_by(p, datetime(2026, 12, 9, 16, 59, tzinfo=UTC)) == date(2026, 11, 1)  # 23.59 WIB
    assert sponsor_months_due_by(p, datetime(2026, 12, 9, 17, 0, tzinfo=UTC)) == date(2026, 12, 1)  # 10 Dec WIB
    assert sponsor_months_due_by(p, datetime(2027, 1, 3, 3, 0, tzinfo=UTC)) == date(2026, 12, 1)


async def _audience(app: Jaring, kind: str, now: datetime) -> set[int]:
    due_by = sponsor_months_due_by(app.programme, now)
    async with app.store.transaction() as session:
        statement = broadcasts.audience_contact_ids(Audience(kind), app.programme.id, due_by=due_by)
        return {int(found) for found in (await session.execute(statement)).scalars()}


async def test_who_the_sponsor_audiences_reach(kendal: Jaring) -> None:
    seeded = await seed_kendal_sponsors(kendal)
    ids = {key: contact.id for key, contact in seeded.contacts.items()}
    # Every sponsor not stopped, with or without a worker yet (B1 has none; S4 only gave a code).
    assert await _audience(kendal, "sponsors", NOV_21) == {ids[k] for k in ("S1", "S2", "S3", "S4", "S6", "C1", "B1")}
    # 21 November: November is late for S1 (only reminded) and C1, October and November for S6; S2 paid.
    assert await _audience(kendal, "sponsors_due", NOV_21) == {ids[k] for k in ("S1", "C1", "S6")}
    # 5 December: December is not due yet (the 10th).
    early_december = datetime(2026, 12, 5, 3, 0, tzinfo=UTC)
    assert await _audience(kendal, "sponsors_due", early_december) == {ids[k] for k in ("S1", "C1", "S6")}
    # 12 December: December is due for S2 too.
    assert await _audience(kendal, "sponsors_due", datetime(2026, 12, 12, 3, 0, tzinfo=UTC)) == {
        ids[k] for k in ("S1", "S2", "C1", "S6")
    }
    async with kendal.store.transaction() as session:
        counted = await broadcasts.count_audience(
            session,
            Audience("sponsors_due"),
            kendal.programme.id,
            NOV_21,
            template_configured=True,
            due_by=date(2026, 11, 1),
        )
        assert (counted.terminal, counted.reachable) == (3, 3)
        with pytest.raises(ValueError, match="due_by"):
            broadcasts.audience_contact_ids(Audience("sponsors_due"), kendal.programme.id)


async def test_sponsors_due_is_what_the_rules_say_for_random_sponsorships(kendal: Jaring) -> None:
    """The SQL month arithmetic against conversations.sponsorship.period_state, sponsorship by sponsorship,
    over random commitments (active or not), paid and only-reminded months, and days."""
    rng = random.Random(1818)
    rules = kendal.programme.sponsors
    assert rules is not None
    made: list[tuple[int, str, date, int, frozenset[date]]] = []
    async with kendal.store.transaction() as session:
        for n in range(60):
            sponsor, contact = await add_sponsor(session, kendal, f"acak-{n}", "csr", organisation_name=f"PT {n}")
            start = date(2026, rng.randint(1, 12), 1)
            months = rng.randint(1, 14)
            status = rng.choice(("active", "active", "active", "accepted", "stopped", "ended"))
            months_around = [add_months(start, i) for i in range(-1, months + 1)]
            paid = frozenset(m for m in months_around if rng.random() < 0.5)
            reminded = tuple(m for m in months_around if m not in paid and rng.random() < 0.5)
            await add_sponsorship(session, sponsor, status, start, months, paid=tuple(paid), reminded=reminded)
            made.append((contact.id, status, start, months, paid))
    for day in (date(2026, 1, 9), date(2026, 1, 10), date(2026, 6, 17), date(2026, 11, 30), date(2027, 3, 11)):
        now = datetime(day.year, day.month, day.day, 5, 0, tzinfo=UTC)  # 12.00 WIB
        expected = {
            contact_id
            for contact_id, status, start, months, paid in made
            if status == "active"
            and any(
                period_state(rules, period, period in paid, day) in ("due", "missed")
                for period in Commitment(start, months).periods
            )
        }
        assert await _audience(kendal, "sponsors_due", now) == expected, day


async def test_a_sponsors_due_broadcast_queues_exactly_those_sponsors(kendal: Jaring) -> None:
    seeded = await seed_kendal_sponsors(kendal)
    async with kendal.store.transaction() as session:
        broadcast_id = await broadcasts.create_broadcast(
            session,
            programme_id=kendal.programme.id,
            author_contact_id=None,
            author="cli",
            body="Iuran bulan November belum tercatat. Balas sudah bayar kalau sudah dibayar.",
            audience=Audience("sponsors_due").as_json(),
            send_at=NOV_21,
            now=NOV_21,
        )
        broadcast = await broadcasts.get_broadcast(session, broadcast_id)
        assert broadcast is not None
        queued = await broadcasts.queue_recipients(
            session, broadcast, NOV_21, channels=("terminal",), due_by=sponsor_months_due_by(kendal.programme, NOV_21)
        )
        sent_to = (
            await session.execute(select(OutboxMessage.contact_id).where(OutboxMessage.broadcast_id == broadcast_id))
        ).scalars()
        assert set(sent_to) == {seeded.contacts[k].id for k in ("S1", "C1", "S6")}
    assert queued.recipients == 3


# ---- in the chat's broadcast flow ---------------------------------------------------------------------------


async def _said_to(app: Jaring, contact: Contact) -> list[OutboxMessage]:
    async with app.store.transaction() as session:
        statement = select(OutboxMessage).where(OutboxMessage.contact_id == contact.id).order_by(OutboxMessage.id)
        return list((await session.execute(statement)).scalars())


async def test_an_admin_sends_to_every_sponsor_from_the_chat(settings: Settings, clock: FixedClock) -> None:
    app = await open_jaring(_programme_file(settings, "kabupaten-kendal.toml"), clock)
    try:
        await seed_kendal_sponsors(app)
        async with app.store.transaction() as session:
            admin = await contacts.get_or_create_contact(session, "terminal", "dinas", clock())
            await roles.grant_role(session, admin.id, "admin", granted_by="test", now=clock())
        text = "Terima kasih, para donatur. Ajak rekan ASN Anda ikut membantu pekerja rentan."
        await talk(app.pipeline, clock, "dinas", "siaran", "1", text)
        asked = (await _said_to(app, admin))[-1]
        labels = [choice["label"] for choice in asked.choices]
        assert labels[-2:] == ["Semua donatur", "Donatur belum bayar"]
        await talk(app.pipeline, clock, "dinas", "semua donatur")
        preview = (await _said_to(app, admin))[-1].body
        assert "Penerima: semua donatur." in preview
        assert "- Terminal (uji coba): 7\nJumlah: 7 orang." in preview
    finally:
        await app.close()


async def test_a_programme_without_sponsors_does_not_offer_them(settings: Settings, clock: FixedClock) -> None:
    app = await open_jaring(_programme_file(settings, "kota-malang.toml"), clock)
    try:
        async with app.store.transaction() as session:
            admin = await contacts.get_or_create_contact(session, "terminal", "dinas", clock())
            await roles.grant_role(session, admin.id, "admin", granted_by="test", now=clock())
        await talk(app.pipeline, clock, "dinas", "siaran", "1", "Pendaftaran dibuka lagi mulai Senin di kelurahan.")
        labels = [choice["label"] for choice in (await _said_to(app, admin))[-1].choices]
        assert labels == [
            "Semua yang pernah chat",
            "Peserta menurut status",
            "Satu kecamatan",
            "Satu kelurahan",
            "Satu jenis pekerjaan",
            "Pengurus RT/RW",
        ]
        await talk(app.pipeline, clock, "dinas", "donatur")  # not a choice here: asked again
        again = (await _said_to(app, admin))[-1]
        assert [choice["label"] for choice in again.choices] == labels
    finally:
        await app.close()


# ---- on the web desk's compose page -------------------------------------------------------------------------


@asynccontextmanager
async def _desk(settings: Settings, clock: FixedClock, programme_file: str) -> AsyncIterator[DeskServer]:
    async with fake_server() as fake, desk_server(_programme_file(settings, programme_file), fake, clock) as server:
        yield server


async def test_the_web_desk_offers_the_sponsor_audiences_where_there_are_sponsors(
    settings: Settings, clock: FixedClock
) -> None:
    async with _desk(settings, clock, "kabupaten-kendal.toml") as desk:
        await desk.officer(801)
        await seed_kendal_sponsors(desk.jaring)
        async with desk.client(801) as client:
            compose = (await client.get("/siaran/baru")).text
            form = {"csrf": csrf_of(compose), "teks": "Terima kasih, para donatur.", "penerima": "sponsors"}
            preview = await client.post("/siaran/pratinjau", data={**form, "kapan": "now"})
    assert 'id="penerima-sponsors"' in compose
    assert 'aria-describedby="penerima-sponsors_due-keterangan"' in compose
    assert "belum dicatat dibayar, dihitung pada saat siaran dikirim." in compose
    assert preview.status_code == 200
    assert "semua donatur" in preview.text
    assert 'data-channel="terminal">7<' in preview.text  # S1–S4, S6, C1, B1: not the stopped S5


async def test_the_web_desk_refuses_a_sponsor_audience_without_sponsors(settings: Settings, clock: FixedClock) -> None:
    async with _desk(settings, clock, "kota-malang.toml") as desk:
        await desk.officer(802)
        async with desk.client(802) as client:
            compose = (await client.get("/siaran/baru")).text
            form = {"csrf": csrf_of(compose), "teks": "Terima kasih, para donatur.", "penerima": "sponsors"}
            preview = await client.post("/siaran/pratinjau", data={**form, "kapan": "now"})
    assert "penerima-sponsors" not in compose
    assert preview.status_code == 400
    assert "Pilih siapa penerima siaran ini." in preview.text
