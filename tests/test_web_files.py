"""Exports and imports on the web desk, for real: `jaring serve` on 127.0.0.1 with the fake Telegram, an
admin signed in through the chat's link. The enrolment list downloads as the export builds it (full NIKs,
audited); a KPJ file or a participant list with one bad line is shown by that line and changes nothing; a
good one is imported by the same desks as `jaring import`, the workers told in their Telegram chats; a
verifier is refused; and in Chromium an admin uploads a KPJ file with a bad line, then a good one."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import AsyncIterator, Callable, Sequence
from datetime import date

import httpx
import pytest
from openpyxl import load_workbook
from playwright.async_api import FilePayload
from sqlalchemy import func, select

from bot.desks.export import COLUMNS
from bot.settings import Settings
from bot.web.pages.files import MAX_UPLOAD_BYTES, table_format
from db.models import AuditEntry, OutboxMessage, ParticipantYear, Registration
from db.repositories import contacts
from tests.conftest import FixedClock
from tests.review_support import nik_for, seed_registration
from tests.telegram_support import fake_server
from tests.web_support import DeskServer, browser_page, csrf_of, desk_server, screenshot

ADMIN = 601
VERIFIER = 602
WORKERS = (611, 612, 613)  # the chats of the three approved workers (serials 1–3)
SUBMITTED_SERIAL = 4  # waiting for the kelurahan: in no list for BPJS TK
START = "01-12-2026"


@pytest.fixture
async def desk(settings: Settings, clock: FixedClock) -> AsyncIterator[DeskServer]:
    async with fake_server() as fake, desk_server(settings, fake, clock) as server:
        await server.officer(ADMIN)
        yield server


def kpj_of(serial: int) -> str:
    return f"{26_000_000_000 + serial:011d}"


async def seed_workers(desk: DeskServer) -> dict[int, int]:
    """Three approved registrations, each by its worker's own Telegram chat, and one still submitted.
    Registration id by serial."""
    jaring = desk.jaring
    ids: dict[int, int] = {}
    async with jaring.store.transaction() as session:
        for serial, chat in enumerate(WORKERS, start=1):
            worker = await contacts.get_or_create_contact(session, "telegram", str(chat), desk.clock())
            row = await seed_registration(
                session, jaring.cipher, jaring.programme, serial=serial, registrant=worker, status="approved"
            )
            ids[serial] = row.id
        row = await seed_registration(session, jaring.cipher, jaring.programme, serial=SUBMITTED_SERIAL)
        ids[SUBMITTED_SERIAL] = row.id
    return ids


def table(rows: Sequence[Sequence[object]]) -> bytes:
    """A list as Excel saves "CSV UTF-8" with Indonesian settings: `;` between fields, a BOM."""
    output = io.StringIO(newline="")
    csv.writer(output, delimiter=";", lineterminator="\r\n").writerows(rows)
    return output.getvalue().encode("utf-8-sig")


def kpj_file(*rows: tuple[str, str, str]) -> bytes:
    return table([("NIK", "No KPJ", "Tgl Kepesertaan"), *rows])


async def snapshot(desk: DeskServer) -> tuple[object, ...]:
    """Everything an import may change: the registrations, the letters to workers, the years counted."""
    async with desk.jaring.store.transaction() as session:
        rows = (await session.execute(select(Registration).order_by(Registration.id))).scalars()
        registrations = [(r.id, r.status, r.kpj, r.coverage_start, r.updated_at) for r in rows]
        officers = [str(ADMIN), str(VERIFIER)]  # their sign-in links are letters too
        to_others = select(func.count(OutboxMessage.id)).where(OutboxMessage.recipient.not_in(officers))
        outbox = (await session.execute(to_others)).scalar_one()
        years = (await session.execute(select(func.count()).select_from(ParticipantYear))).scalar_one()
    return tuple(registrations), outbox, years


async def upload(
    client: httpx.AsyncClient, path: str, content: bytes, name: str = "jawaban.csv", **fields: str
) -> httpx.Response:
    csrf = csrf_of((await client.get("/berkas")).text)
    data = {"csrf": csrf, "yakin": "ya", **fields}
    return await client.post(path, data=data, files={"berkas": (name, content, "application/octet-stream")})


def problem_rows(html: str) -> list[tuple[str, str]]:
    """The refused file's table: (line, problem) for each row."""
    return [
        (line, re.sub(r"\s+", " ", text).strip())
        for line, text in re.findall(r'<tr><td class="num">([^<]+)</td><td>([^<]+)</td></tr>', html)
    ]


# ---- the enrolment list -------------------------------------------------------------------------


async def test_the_enrolment_list_downloads_as_the_export_builds_it_and_is_audited(desk: DeskServer) -> None:
    ids = await seed_workers(desk)
    async with desk.client(ADMIN) as client:
        page = await client.get("/berkas")
        assert page.status_code == 200
        assert "NIK lengkap" in page.text
        csrf = csrf_of(page.text)
        xlsx = await client.post("/berkas/unduh", data={"csrf": csrf, "status": "approved", "format": "xlsx"})
        assert xlsx.status_code == 200
        assert xlsx.headers["cache-control"] == "no-store"
        assert xlsx.headers["content-disposition"] == 'attachment; filename="daftar-bpjstk-disetujui-21-11-2026.xlsx"'
        sheet = load_workbook(io.BytesIO(xlsx.content)).worksheets[0]
        rows = [list(row) for row in sheet.iter_rows(values_only=True)]
        assert rows[0] == [header for header, _ in COLUMNS]
        # The approved ones, NIK in full (the file for BPJS TK); the one still submitted is not in it.
        assert [(row[0], row[1], row[2]) for row in rows[1:]] == [
            (ids[serial], nik_for(serial), f"Pekerja {serial}") for serial in (1, 2, 3)
        ]
        assert rows[1][8] == "Medono"
        as_csv = await client.post("/berkas/unduh", data={"csrf": csrf, "status": "approved", "format": "csv"})
        assert as_csv.headers["content-type"].startswith("text/csv")
        lines = list(csv.reader(io.StringIO(as_csv.content.decode("utf-8-sig")), delimiter=";"))
        assert [line[:3] for line in lines[1:]] == [[str(row[0]), row[1], row[2]] for row in rows[1:]]
        # Nobody is active yet: no file, the page says so and keeps the choices.
        none = await client.post("/berkas/unduh", data={"csrf": csrf, "status": "active", "format": "csv"})
        assert none.status_code == 422
        assert "Tidak ada pendaftaran dengan status itu" in none.text
        assert '<option value="active" selected>' in none.text
        assert '<input type="radio" name="format" value="csv" checked>' in none.text
    async with desk.jaring.store.transaction() as session:
        admin = await contacts.find_contact(session, "telegram", str(ADMIN))
        assert admin is not None
        audited = (
            await session.execute(
                select(AuditEntry).where(AuditEntry.action == "enrolment.exported").order_by(AuditEntry.id)
            )
        ).scalars()
        assert [(e.actor_contact_id, e.detail) for e in audited] == [
            (admin.id, {"rows": str(n), "status": status, "format": fmt, "by": f"web:telegram:{ADMIN}"})
            for n, status, fmt in ((3, "approved", "xlsx"), (3, "approved", "csv"), (0, "active", "csv"))
        ]


# ---- BPJS TK's answer ---------------------------------------------------------------------------


async def test_a_kpj_file_with_one_bad_line_shows_that_line_and_changes_nothing(desk: DeskServer) -> None:
    await seed_workers(desk)
    before = await snapshot(desk)
    bad = kpj_file(
        (nik_for(1), kpj_of(1), START),
        (nik_for(2), "1234", START),  # line 3: a KPJ of 4 digits
        (nik_for(3), kpj_of(3), START),
    )
    async with desk.client(ADMIN) as client:
        refused = await upload(client, "/berkas/kpj", bad, "jawaban-bpjs.csv")
    assert refused.status_code == 422
    assert "Berkas jawaban-bpjs.csv TIDAK diimpor: 1 masalah. Tidak ada yang diubah." in refused.text
    assert problem_rows(refused.text) == [("3", "KPJ harus 11 angka (tertulis: 1234)")]
    assert await snapshot(desk) == before  # nobody active, nobody told


async def test_a_good_kpj_file_enrols_them_and_each_worker_hears_it_in_the_chat(desk: DeskServer) -> None:
    ids = await seed_workers(desk)
    good = kpj_file(*((nik_for(serial), kpj_of(serial), START) for serial in (1, 2, 3)))
    async with desk.client(ADMIN) as client:
        done = await upload(client, "/berkas/kpj", good)
        assert done.status_code == 200
        assert "Nomor KPJ sudah dicatat" in done.text
        assert "<dd>3</dd>" in done.text  # three activated
        assert "diberi tahu lewat chat" in done.text
        again = await upload(client, "/berkas/kpj", good)  # a re-run is harmless: all active already
        assert "Tidak ada pendaftaran yang baru menjadi aktif" in again.text
    async with desk.jaring.store.transaction() as session:
        rows = {r.id: r for r in (await session.execute(select(Registration))).scalars()}
        assert [(rows[ids[s]].status, rows[ids[s]].kpj, rows[ids[s]].coverage_start) for s in (1, 2, 3)] == [
            ("active", kpj_of(s), date(2026, 12, 1)) for s in (1, 2, 3)
        ]
        assert rows[ids[SUBMITTED_SERIAL]].status == "submitted"
        imported = (
            await session.execute(select(AuditEntry.detail).where(AuditEntry.action == "enrolment.kpj_imported"))
        ).scalars()
        assert [d["activated"] for d in imported] == ["3", "0"]

    def told(chat: int, kpj: str) -> Callable[[], bool]:
        return lambda: any(kpj in sent.text for sent in desk.fake.sent_to(chat))

    for serial, chat in enumerate(WORKERS, start=1):
        await desk.fake.wait_for(told(chat, kpj_of(serial)), f"the news of KPJ {kpj_of(serial)} in chat {chat}")


# ---- a Pemda's own participants ---------------------------------------------------------------------


PARTICIPANT_HEADER = ("NIK", "Nama", "Tgl Lahir", "No KPJ", "TMT", "Kelurahan")
SLAMET = ("3375011505800001", "Slamet Riyadi", "15-05-1980", "26000000101", "01-02-2026", "Medono")
SITI = ("3375015505820002", "Siti Aminah", "15-05-1982", "26000000102", "01-03-2026", "Sapuro")


async def test_a_participant_list_is_checked_by_line_then_imported_whole(desk: DeskServer) -> None:
    before = await snapshot(desk)
    wrong_birth = (*SITI[:2], "16-05-1982", *SITI[3:])  # line 3: not the birth date in the NIK
    async with desk.client(ADMIN) as client:
        page = await client.get("/berkas")
        assert "Peraturan Wali Kota Pekalongan Nomor 19 Tahun 2023" in page.text  # the legal basis recorded
        no_year = await upload(client, "/berkas/peserta", table([PARTICIPANT_HEADER, SLAMET, SITI]), "peserta.csv")
        assert no_year.status_code == 422
        # The desk's problem in the desk's words: choose the year in the form (not `--year`).
        assert problem_rows(no_year.text) == [
            (
                "1",
                "kolom tahun anggaran tidak ditemukan: tambahkan kolom &#39;Tahun Anggaran&#39;, "
                "atau pilih tahun anggarannya di formulir di bawah",
            )
        ]
        refused = await upload(
            client, "/berkas/peserta", table([PARTICIPANT_HEADER, SLAMET, wrong_birth]), "peserta.csv", tahun="2026"
        )
        assert refused.status_code == 422
        assert [line for line, _ in problem_rows(refused.text)] == ["3"]
        assert "tidak sama dengan tanggal lahir di dalam NIK" in refused.text
        assert '<option value="2026" selected>' in refused.text  # the choice is kept
        assert await snapshot(desk) == before
        done = await upload(
            client, "/berkas/peserta", table([PARTICIPANT_HEADER, SLAMET, SITI]), "peserta.csv", tahun="2026"
        )
        assert done.status_code == 200
        assert "2 peserta dari peserta.csv kini menjadi peserta aktif" in done.text
        assert "Tinggal di 2 kelurahan." in done.text
    async with desk.jaring.store.transaction() as session:
        rows = (await session.execute(select(Registration).order_by(Registration.id))).scalars().all()
        assert [(r.full_name, r.status, r.kpj, r.coverage_start, r.kelurahan_code) for r in rows] == [
            ("SLAMET RIYADI", "active", "26000000101", date(2026, 2, 1), "33.75.01.1002"),
            ("SITI AMINAH", "active", "26000000102", date(2026, 3, 1), "33.75.01.1004"),  # Sapuro Kebulen
        ]
        years = (await session.execute(select(ParticipantYear.year))).scalars().all()
        assert years == [2026, 2026]
        audited = (
            await session.execute(select(AuditEntry.detail).where(AuditEntry.action == "participants.imported"))
        ).scalar_one()
        assert audited["by"] == f"web:telegram:{ADMIN}"


# ---- what is not a list, and who may not ------------------------------------------------------------


async def test_what_is_not_a_list_is_said_plainly_and_the_choices_are_kept(desk: DeskServer) -> None:
    before = await snapshot(desk)
    async with desk.client(ADMIN) as client:
        old = await upload(client, "/berkas/kpj", b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1" + b"\0" * 600, "kpj.xls")
        assert "Ini berkas Excel lama (.xls)" in old.text
        picture = await upload(client, "/berkas/kpj", b"\x89PNG\r\n\x1a\n\0\0\0\rIHDR", "kpj.csv")
        assert "Berkas itu bukan .xlsx atau .csv" in picture.text
        big = await upload(client, "/berkas/peserta", b"x" * (MAX_UPLOAD_BYTES + 1), tahun="2027")
        assert "Berkas lebih besar dari 10 MB" in big.text
        assert '<option value="2027" selected>' in big.text
        assert "required checked>" in big.text  # the ticked box stays ticked
        empty = await upload(client, "/berkas/kpj", b"")
        assert "Berkas itu kosong" in empty.text
        csrf = csrf_of((await client.get("/berkas")).text)
        unticked = await client.post(
            "/berkas/kpj", data={"csrf": csrf}, files={"berkas": ("kpj.csv", kpj_file(), "text/csv")}
        )
        assert "Centang kotak persetujuan" in unticked.text
        nothing = await client.post("/berkas/kpj", data={"csrf": csrf})
        assert "Belum ada berkas yang dipilih" in nothing.text
        assert {r.status_code for r in (old, picture, big, empty, unticked, nothing)} == {422}
        # A list is read by its content, whatever its name: this "xlsx" is a csv (without a header).
        no_header = await upload(client, "/berkas/kpj", b"NIK\r\n", "jawaban.xlsx")
        assert problem_rows(no_header.text)[0][0] == "seluruh berkas"
    assert await snapshot(desk) == before


def test_a_file_is_told_apart_by_its_content() -> None:
    assert table_format(b"PK\x03\x04rest") == "xlsx"
    assert table_format("NIK;Nama\r\n3375;Sláмet".encode()) == "csv"
    assert table_format("NIK;Nama\r\n3375;Slamet Dwi Ré".encode("cp1252")) == "csv"
    assert table_format(b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1") == "xls"
    assert table_format(b"%PDF-1.7\n\x00\x01") == "other"
    assert table_format(b"NIK\x81\x8d") == "other"  # neither UTF-8 nor Windows-1252


async def test_a_verifier_is_refused_every_page_and_nothing_is_made(desk: DeskServer) -> None:
    await seed_workers(desk)
    await desk.officer(VERIFIER, "verifier", "33.75.01.1002")
    before = await snapshot(desk)
    async with desk.client(VERIFIER) as client:
        page = await client.get("/berkas")
        assert page.status_code == 403
        assert "Ekspor dan impor berkas" not in page.text
        csrf = csrf_of((await client.get("/")).text)
        download = await client.post("/berkas/unduh", data={"csrf": csrf, "status": "approved", "format": "xlsx"})
        assert download.status_code == 403
        assert "content-disposition" not in download.headers
        good = kpj_file((nik_for(1), kpj_of(1), START))
        files = {"berkas": ("kpj.csv", good, "text/csv")}
        kpj = await client.post("/berkas/kpj", data={"csrf": csrf, "yakin": "ya"}, files=files)
        assert kpj.status_code == 403
    assert await snapshot(desk) == before
    async with desk.jaring.store.transaction() as session:
        exported = await session.execute(select(AuditEntry).where(AuditEntry.action == "enrolment.exported"))
        assert exported.first() is None


# ---- in a real browser --------------------------------------------------------------------------


def chosen(name: str, content: bytes) -> FilePayload:
    """A file as the officer picks it in the browser's file dialogue."""
    return {"name": name, "mimeType": "text/csv", "buffer": content}


async def test_an_admin_uploads_a_kpj_file_with_a_bad_line_then_a_good_one_in_a_browser(desk: DeskServer) -> None:
    ids = await seed_workers(desk)
    link = await desk.link_from_chat(ADMIN)
    async with browser_page() as page:
        await page.goto(link)
        await page.get_by_role("button", name="Masuk").click()
        await page.wait_for_url(f"{desk.url}/")
        await page.get_by_role("link", name="Ekspor & impor").click()
        await page.wait_for_url(f"{desk.url}/berkas")
        await screenshot(page, "files")
        async with page.expect_download() as downloading:
            await page.get_by_role("button", name="Unduh daftar").click()
        download = await downloading.value
        assert download.suggested_filename == "daftar-bpjstk-disetujui-21-11-2026.xlsx"

        bad = kpj_file((nik_for(1), kpj_of(1), START), (nik_for(2), kpj_of(2), "31-02-2026"))
        await page.locator("#kpj-berkas").set_input_files(chosen("jawaban-bpjs.csv", bad))
        await page.get_by_label("Saya sudah memeriksa berkas ini: kalau semua barisnya benar, catat nomor KPJ").check()
        await page.get_by_role("button", name="Periksa dan impor nomor KPJ").click()
        problems = page.get_by_role("table", name="Masalah di berkas jawaban-bpjs.csv")
        await problems.wait_for()
        assert await problems.get_by_role("row").nth(1).inner_text() == (
            "3\ttanggal mulai tidak bisa dibaca (tertulis: 31-02-2026); tulis seperti 01-12-2026"
        )
        assert "TIDAK diimpor" in await page.get_by_role("alert").first.inner_text()
        await screenshot(page, "files-kpj-problems")

        good = kpj_file((nik_for(1), kpj_of(1), START), (nik_for(2), kpj_of(2), START))
        await page.locator("#kpj-berkas").set_input_files(chosen("jawaban-bpjs.csv", good))
        await page.get_by_role("button", name="Periksa dan impor nomor KPJ").click()  # the box stayed ticked
        await page.get_by_role("heading", name="Nomor KPJ sudah dicatat").wait_for()
        assert "2" in await page.locator("dl.facts dd").first.inner_text()
        await screenshot(page, "files-kpj-done")
    async with desk.jaring.store.transaction() as session:
        statuses = {r.id: r.status for r in (await session.execute(select(Registration))).scalars()}
        assert [statuses[ids[s]] for s in (1, 2, 3)] == ["active", "active", "approved"]
