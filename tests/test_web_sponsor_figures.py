"""The web desk's figures page, "Donatur" section, for real: `jaring serve` on 127.0.0.1 under Kendal's
programme, known sponsors (tests/dinas_sponsor_support.py), an admin signed in through the chat's link.
Each table shows what the chat's "Angka donatur" says (the same desk, `SponsorFigures`), with real table
headers and a figure the programme file does not give said in words, never 0%; each downloads as a CSV;
a CSR-only programme has no ASN tables; verifiers are refused; an admin reads it in Chromium."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import select

from bot.desks.sponsor_figures import gather_sponsor_figures
from bot.settings import PROJECT_DIR, Settings
from bot.web.pages.figures import sponsor_tables
from bot.web.rendering import Texts
from conversations.requests.sponsors import SponsorFiguresView
from db.models import AuditEntry
from tests.conftest import FixedClock
from tests.dinas_sponsor_support import KENDAL_KELURAHAN, seed_kendal_sponsors
from tests.telegram_support import fake_server
from tests.test_web_figures import tables_of
from tests.web_support import DeskServer, browser_page, desk_server, screenshot

ADMIN = 701
VERIFIER = 702
KENDAL_OPDS_WITHOUT_SPONSORS = (
    "Sekretariat DPRD",
    "Inspektorat",
    "Badan Perencanaan Pembangunan Daerah",
    "Badan Kepegawaian dan Pengembangan SDM",
    "Badan Pengelolaan Keuangan dan Aset Daerah",
    "RSUD dr. H. Soewondo",
    "Dinas Ketenagakerjaan",
    "Dinas Sosial",
    "Dinas Pekerjaan Umum dan Penataan Ruang",
    "Dinas Perhubungan",
    "Dinas Kependudukan dan Pencatatan Sipil",
    "Kecamatan dan kelurahan",
    "OPD lainnya",
)


@pytest.fixture
async def desk(settings: Settings, clock: FixedClock) -> AsyncIterator[DeskServer]:
    kendal = settings.model_copy(update={"program_file": PROJECT_DIR / "programmes" / "kabupaten-kendal.toml"})
    async with fake_server() as fake, desk_server(kendal, fake, clock) as server:
        yield server


@pytest.fixture
async def pekalongan_desk(settings: Settings, clock: FixedClock) -> AsyncIterator[DeskServer]:
    async with fake_server() as fake, desk_server(settings, fake, clock) as server:
        yield server


def _csv_rows(content: bytes) -> list[list[str]]:
    assert content.startswith(b"\xef\xbb\xbf")
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig")), delimiter=";"))


def _opd_row(name: str, sponsors: int) -> list[str]:
    return [name, str(sponsors)]


async def test_the_sponsor_tables_show_what_the_chat_says(desk: DeskServer) -> None:
    await desk.officer(ADMIN)
    await seed_kendal_sponsors(desk.jaring)
    async with desk.client(ADMIN) as client:
        page = await client.get("/angka")
    assert page.status_code == 200
    assert "<h2>Donatur, per 21-11-2026</h2>" in page.text
    tables = tables_of(page.text)
    assert tables["Donatur yang sedang membayar untuk pekerja"] == [
        ["Jenis donatur", "Donatur"],
        ["Donatur ASN", "4"],
        ["CSR perusahaan", "1"],
        ["BUMD", "0"],
        ["Jumlah semua", "5"],
    ]
    assert tables["ASN yang ikut menjadi donatur"] == [
        ["Keterangan", "Angka"],
        ["ASN yang menjadi donatur", "4"],
        ["Jumlah semua ASN", "10.345"],
        ["Persentase ASN yang ikut", "0,04%"],
        ["Target persentase", "51,64%"],
        ["ASN lagi yang diperlukan untuk mencapai target", "5.339"],
    ]
    assert "Jumlah ASN per 31-08-2025. Target menurut RPJMD Kabupaten Kendal 2025–2029." in page.text
    assert tables["Donatur ASN per OPD"] == [
        ["OPD", "Donatur"],  # no OPD's ASN in Kendal's file: no columns of blanks, the note says so
        _opd_row("Dinas Kesehatan", 2),
        _opd_row("Sekretariat Daerah", 1),
        _opd_row("Dinas Pendidikan dan Kebudayaan", 1),
        *(_opd_row(name, 0) for name in KENDAL_OPDS_WITHOUT_SPONSORS),
    ]
    assert tables["OPD paling jauh dari target"][1:] == [_opd_row(name, 0) for name in KENDAL_OPDS_WITHOUT_SPONSORS[:5]]
    assert "Jumlah ASN per OPD belum diisi di berkas program, jadi persentase per OPD belum bisa dihitung." in page.text
    assert "diurutkan menurut jumlah donatur, yang paling sedikit dulu" in page.text  # which ranking, said
    assert tables["Pekerja yang iurannya dibayar, menurut pembayarnya"] == [
        ["Pembayar iuran", "Pekerja"],
        ["Donatur ASN", "3"],
        ["CSR perusahaan", "1"],
        ["BUMD", "0"],
        ["Kuota APBD", "2"],
        ["Belum tercatat siapa yang membayar", "1"],
        ["Jumlah semua", "7"],
    ]
    assert tables["Iuran donatur dan kode"][1:] == [
        ["Bulan jatuh tempo, belum dicatat dibayar", "0"],
        ["Bulan terlambat (lewat 7 hari dari jatuh tempo), belum dicatat dibayar", "4"],
        ["Kode donatur yang belum dipakai pekerja", "1"],
    ]
    assert "donatur-s1" not in page.text.lower()  # counts only: no sponsor's name
    assert re.search(r'<th scope="col" class="num">Donatur</th>', page.text)
    async with desk.jaring.store.transaction() as session:
        audited = (await session.execute(select(AuditEntry).where(AuditEntry.action == "figures.viewed"))).scalars()
        assert [entry.detail["what"] for entry in audited] == ["figures_over_time", "sponsors"]


async def test_each_sponsor_table_downloads_as_its_rows(desk: DeskServer) -> None:
    await desk.officer(ADMIN)
    await seed_kendal_sponsors(desk.jaring)
    async with desk.client(ADMIN) as client:
        html = (await client.get("/angka")).text
        slugs = re.findall(r'href="/dinas/angka/(donatur-[\w-]+)\.csv', html)
        assert slugs == [
            "donatur-jenis",
            "donatur-asn",
            "donatur-opd",
            "donatur-terjauh",
            "donatur-pekerja",
            "donatur-iuran",
        ]
        answers = {slug: await client.get(f"/angka/{slug}.csv") for slug in slugs}
    assert {slug: answer.status_code for slug, answer in answers.items()} == dict.fromkeys(slugs, 200)
    opd = answers["donatur-opd"]
    assert opd.headers["content-disposition"] == 'attachment; filename="angka-donatur-opd-21-11-2026.csv"'
    assert _csv_rows(opd.content)[:3] == [["OPD", "Donatur"], ["Dinas Kesehatan", "2"], ["Sekretariat Daerah", "1"]]
    assert _csv_rows(answers["donatur-asn"].content)[1:4] == [
        ["ASN yang menjadi donatur", "4"],
        ["Jumlah semua ASN", "10345"],
        ["Persentase ASN yang ikut", "0,04%"],
    ]


async def test_a_csr_only_programme_shows_no_asn_tables(pekalongan_desk: DeskServer) -> None:
    desk = pekalongan_desk
    await desk.officer(ADMIN)
    async with desk.client(ADMIN) as client:
        page = await client.get("/angka")
        asn = await client.get("/angka/donatur-asn.csv")
        kinds = await client.get("/angka/donatur-jenis.csv")
    tables = tables_of(page.text)
    assert tables["Donatur yang sedang membayar untuk pekerja"][1:] == [["CSR perusahaan", "0"], ["Jumlah semua", "0"]]
    assert "ASN yang ikut menjadi donatur" not in tables
    assert "Donatur ASN per OPD" not in tables
    assert (asn.status_code, kinds.status_code) == (404, 200)


async def test_a_verifier_is_refused_the_sponsor_figures(desk: DeskServer) -> None:
    await desk.officer(VERIFIER, "verifier", KENDAL_KELURAHAN)
    await seed_kendal_sponsors(desk.jaring)
    async with desk.client(VERIFIER) as client:
        page = await client.get("/angka")
        download = await client.get("/angka/donatur-opd.csv")
    assert (page.status_code, download.status_code) == (403, 403)
    assert "Dinas Kesehatan" not in download.text


async def test_an_admin_reads_the_sponsor_figures_in_a_real_browser(desk: DeskServer) -> None:
    await desk.officer(ADMIN)
    await seed_kendal_sponsors(desk.jaring)
    link = await desk.link_from_chat(ADMIN)
    async with browser_page() as page:
        await page.goto(link)
        await page.get_by_role("button", name="Masuk").click()
        await page.wait_for_url(f"{desk.url}/")
        await page.get_by_role("navigation").get_by_role("link", name="Angka").click()
        await page.wait_for_url(f"{desk.url}/angka")
        heading = page.get_by_role("heading", name="Donatur, per 21-11-2026", level=2)
        await heading.scroll_into_view_if_needed()
        assert await heading.is_visible()
        opds = page.get_by_role("table", name="Donatur ASN per OPD")
        assert await opds.is_visible()
        headers = await opds.get_by_role("columnheader").all_inner_texts()
        assert headers == ["OPD", "Donatur"]
        assert await opds.get_by_role("rowheader").first.inner_text() == "Dinas Kesehatan"
        chart = page.get_by_role("img", name="Donatur ASN per OPD")
        box = await chart.bounding_box()
        assert box is not None
        assert box["width"] > 300
        share = page.get_by_role("table", name="ASN yang ikut menjadi donatur")
        assert "0,04%" in await share.inner_text()
        await screenshot(page, "figures-sponsors")
        async with page.expect_download() as waiting:
            await page.get_by_role("link", name="Unduh CSV: Pekerja yang iurannya dibayar, menurut pembayarnya").click()
        download = await waiting.value
        assert download.suggested_filename == "angka-donatur-pekerja-21-11-2026.csv"
        saved = await download.path()
        rows = _csv_rows(saved.read_bytes())
    assert rows[1:3] == [["Donatur ASN", "3"], ["CSR perusahaan", "1"]]


async def test_where_some_opds_asn_are_known_their_share_is_shown_and_the_rest_said_unknown(desk: DeskServer) -> None:
    """The same tables for a programme file that gives some OPD's ASN (built from Kendal's)."""
    jaring = desk.jaring
    await seed_kendal_sponsors(jaring)
    rules = jaring.programme.sponsors
    assert rules is not None
    known = {"dinkes": 800, "inspektorat": 50}
    organisations = tuple(o.model_copy(update={"asn": known.get(o.id)}) for o in rules.organisations)
    programme = jaring.programme.model_copy(
        update={"sponsors": rules.model_copy(update={"organisations": organisations, "asn_total": None})}
    )
    async with jaring.store.transaction() as session:
        view = await gather_sponsor_figures(session, programme, now=desk.clock())
    assert isinstance(view, SponsorFiguresView)
    tables = {t.slug: t for t in sponsor_tables(view, Texts(jaring.catalogs, "id", programme))}

    def shown(slug: str) -> list[list[str]]:
        return [[cell.text for cell in row] for row in tables[slug].rows]

    assert tables["donatur-opd"].headers == ("OPD", "Donatur", "Jumlah ASN", "Persentase yang ikut")
    assert shown("donatur-opd")[:2] == [
        ["Dinas Kesehatan", "2", "800", "0,25%"],
        ["Sekretariat Daerah", "1", "belum diisi", "belum bisa dihitung"],
    ]
    assert shown("donatur-terjauh") == [["Inspektorat", "0", "50", "0,00%"], ["Dinas Kesehatan", "2", "800", "0,25%"]]
    assert "menurut persentase ASN yang ikut" in tables["donatur-terjauh"].note
    # No asn_total: the share is not made up.
    assert shown("donatur-asn")[1:3] == [
        ["Jumlah semua ASN", "belum diisi"],
        ["Persentase ASN yang ikut", "belum bisa dihitung"],
    ]
    assert tables["donatur-asn"].note.startswith("Jumlah semua ASN belum diisi di berkas program")
    assert [[str(cell.value) for cell in row] for row in tables["donatur-asn"].rows][1:3] == [
        ["Jumlah semua ASN", ""],
        ["Persentase ASN yang ikut", ""],
    ]
