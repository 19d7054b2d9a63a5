"""`jaring import participants` on SQLite and PostgreSQL: a Pemda's own list (xlsx and csv, headers as
the Dinas writes them) becomes active participants with their KPJ, start date, budget year and legal
basis, NIK encrypted and hashed; every kind of bad row is said by its line and nothing changes; duplicates
within the file and with the store are caught; a dry run changes nothing; no NIK is ever printed; without
a legal basis in the programme file nothing is imported."""

from __future__ import annotations

import asyncio
import csv
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from pathlib import Path

import pytest
from openpyxl import Workbook
from sqlalchemy import func, select

from bot.app import Jaring, open_jaring
from bot.commands.administer import set_quota
from bot.commands.participant_import import run_participant_import_command
from bot.desks.participant_import import column_kind
from bot.settings import PROJECT_DIR, Settings
from conversations.programme import ProgrammeError, load_programme
from db.connection import Store
from db.models import AuditEntry, OutboxMessage, ParticipantYear, Registration, RegistrationEvent
from tests.cli_support import jaring as run_jaring
from tests.conftest import FixedClock

LEGAL_BASIS = (
    "Peraturan Wali Kota Pekalongan Nomor 19 Tahun 2023 dan Peraturan Daerah Kota Pekalongan Nomor 10 Tahun 2023"
)
HEADER = [
    "No",
    "No KTP",
    "Nama Peserta",
    "Tempat, Tgl Lahir",
    "Jenis Kelamin",
    "Nomor Peserta",
    "Tgl Kepesertaan",
    "Alamat",
    "Kel/Desa",
    "Jenis Pekerjaan",
    "Telepon",
    "Penanggung Iuran",
    "TA",
]


@dataclass(frozen=True, slots=True)
class Person:
    serial: int
    name: str
    born: date
    female: bool
    kpj: str
    start: date
    kelurahan: str  # as the list writes it
    job: str = "narik becak"
    phone: str = ""
    year: int = 2026
    address: str = "Jl. Sampangan 3"
    funder: str = "APBD"
    kecamatan: int = 1

    @property
    def nik(self) -> str:
        day = self.born.day + (40 if self.female else 0)
        return f"3375{self.kecamatan:02d}{day:02d}{self.born.month:02d}{self.born.year % 100:02d}{self.serial:04d}"


GOOD = (
    Person(1, "Slamet Riyadi", date(1980, 5, 15), False, "26000000001", date(2025, 2, 1), "Medono",
           phone="0812-3456-7890", address="Jl. Sampangan RT 3/RW 5"),
    Person(2, "siti aminah", date(1982, 5, 15), True, "26000000002", date(2026, 3, 1), "Sapuro", job="buruh batik"),
    Person(3, "Darto", date(1975, 3, 12), False, "26000000003", date(2025, 6, 1), "Kuripan Kertoharjo",
           job="jualan es dawet", year=2027, kecamatan=4),
    Person(4, "H. Moch. Soleh", date(1968, 1, 2), False, "26000000004", date(2026, 1, 1), "3375011006",
           job="Tukang ojek"),
    Person(5, "Wartini", date(1990, 12, 31), True, "26000000005", date(2026, 7, 1), "Kel. Noyontaansar",
           job="pemulung", funder="CSR Bank Jateng"),
)  # fmt: skip


@pytest.fixture
async def app(settings: Settings, clock: FixedClock, store: Store) -> Jaring:
    """The whole bot on each database (the store fixture closes it)."""
    return await open_jaring(settings, clock, store=store)


def _csv_row(p: Person, number: int) -> list[str]:
    sex = "P" if p.female else "L"
    born = f"PEKALONGAN, {p.born:%d-%m-%Y}"
    start = f"{p.start:%d/%m/%Y}"
    return [str(number), p.nik, p.name, born, sex, p.kpj, start, p.address, p.kelurahan, p.job, p.phone, p.funder,
            str(p.year)]  # fmt: skip


def write_csv(path: Path, rows: Sequence[Sequence[object]]) -> Path:
    with path.open("w", encoding="utf-8-sig", newline="") as file:
        csv.writer(file, delimiter=";").writerows(rows)
    return path


def write_xlsx(path: Path, rows: Sequence[Sequence[object]]) -> Path:
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    for row in rows:
        sheet.append(list(row))
    book.save(path)
    return path


def _xlsx_row(p: Person, number: int) -> list[object]:
    """As Excel keeps it: real dates, numbers where the Dinas typed numbers (a phone loses its 0)."""
    phone: object = int(p.phone.replace("-", "")) if p.phone else None
    born: object = f"Pekalongan, {p.born:%d-%m-%Y}" if number == 1 else p.born
    return [number, p.nik, p.name, born, "Perempuan" if p.female else "Laki-laki", p.kpj,
            p.start, p.address, p.kelurahan, p.job, phone, p.funder,
            p.year]  # fmt: skip


def good_file(tmp_path: Path, kind: str, people: Sequence[Person] = GOOD) -> Path:
    if kind == "xlsx":
        numbering = [f"({n})" for n in range(1, len(HEADER) + 1)]  # under the header of many a Dinas template
        rows: list[list[object]] = [["DAFTAR PESERTA BATIK BERLIAN"], list(HEADER), list(numbering)]
        rows += [_xlsx_row(p, n) for n, p in enumerate(people, 1)]
        return write_xlsx(tmp_path / "peserta.xlsx", rows)
    return write_csv(tmp_path / "peserta.csv", [HEADER] + [_csv_row(p, n) for n, p in enumerate(people, 1)])


async def run(app: Jaring, path: Path, **options: object) -> tuple[int, list[str]]:
    printed: list[str] = []
    code = await run_participant_import_command(app, path, out=printed.append, **options)  # type: ignore[arg-type]
    return code, printed


async def snapshot(app: Jaring) -> tuple[int, ...]:
    async with app.store.transaction() as session:
        counts = []
        for model in (Registration, RegistrationEvent, ParticipantYear, AuditEntry, OutboxMessage):
            counts.append((await session.execute(select(func.count()).select_from(model))).scalar_one())
    return tuple(counts)


def no_nik_in(printed: Sequence[str], people: Sequence[Person]) -> bool:
    return not any(p.nik in line or p.nik[:12] in line for line in printed for p in people)


# ---- a good file -------------------------------------------------------------------------------


@pytest.mark.parametrize("kind", ["xlsx", "csv"])
async def test_a_good_file_becomes_active_participants(app: Jaring, tmp_path: Path, kind: str) -> None:
    code, printed = await run(app, good_file(tmp_path, kind))
    assert code == 0, printed
    assert printed == [
        f"5 peserta dari peserta.{kind} kini menjadi peserta aktif, dengan nomor KPJ dan tanggal mulainya.",
        "Tahun anggaran 2026: 3 baru, 1 lanjutan dari tahun sebelumnya.",
        "Tahun anggaran 2027: 0 baru, 1 lanjutan dari tahun sebelumnya.",
        "Tinggal di 5 kelurahan.",
        '1 pekerjaan tidak ada di daftar program: disimpan sebagai "Lainnya" dengan tulisan di berkas.',
        "Kuota 2026 belum ditetapkan; terpakai 4 sesudah impor. Tetapkan kuotanya: jaring quota set 4 --year 2026",
        "Kuota 2027 belum ditetapkan; terpakai 1 sesudah impor. Tetapkan kuotanya: jaring quota set 1 --year 2027",
        f"Dasar hukum yang dicatat untuk setiap peserta (tugas Pemda, tanpa persetujuan): {LEGAL_BASIS}.",
        "Belum ada pesan yang dikirim: peserta ini belum terhubung ke chat.",
    ]
    assert no_nik_in(printed, GOOD)
    async with app.store.transaction() as session:
        rows = list((await session.execute(select(Registration).order_by(Registration.id))).scalars())
        years = {
            (y.registration_id, y.year, y.kind, y.source)
            for y in (await session.execute(select(ParticipantYear))).scalars()
        }
        events = [(e.registration_id, e.status) for e in (await session.execute(select(RegistrationEvent))).scalars()]
        audit = (await session.execute(select(AuditEntry))).scalars().one()
        told = (await session.execute(select(func.count()).select_from(OutboxMessage))).scalar_one()
    assert [
        (r.full_name, r.birth_date, r.female, r.kelurahan_code, r.kpj, r.coverage_start, r.quota_year, r.job_type)
        for r in rows
    ] == [
        ("SLAMET RIYADI", date(1980, 5, 15), False, "33.75.01.1002", "26000000001", date(2025, 2, 1), 2026,
         "tukang_becak"),
        ("SITI AMINAH", date(1982, 5, 15), True, "33.75.01.1004", "26000000002", date(2026, 3, 1), 2026,
         "buruh_batik"),
        ("DARTO", date(1975, 3, 12), False, "33.75.04.1006", "26000000003", date(2025, 6, 1), 2027, "lainnya"),
        ("H. MOCH. SOLEH", date(1968, 1, 2), False, "33.75.01.1006", "26000000004", date(2026, 1, 1), 2026,
         "ojek_pengkolan"),
        ("WARTINI", date(1990, 12, 31), True, "33.75.02.1002", "26000000005", date(2026, 7, 1), 2026, "pemulung"),
    ]  # fmt: skip
    first = rows[0]
    assert (first.phone, first.rt, first.rw, first.street) == ("6281234567890", "003", "005", "Jl. Sampangan RT 3/RW 5")
    assert (rows[2].job_text, rows[4].funder, rows[1].phone) == ("jualan es dawet", "CSR Bank Jateng", None)
    for row, person in zip(rows, GOOD, strict=True):
        assert row.nik_cipher is not None
        assert person.nik not in row.nik_cipher
        assert app.cipher.decrypt(row.nik_cipher) == person.nik
        assert row.nik_hash == app.cipher.blind_index(person.nik)
        assert (row.status, row.source, row.consent_via, row.legal_basis) == (
            "active",
            "import",
            "public_task",
            LEGAL_BASIS,
        )
        assert row.registrant_contact_id is None
    ids = [r.id for r in rows]
    assert years == {
        (ids[0], 2026, "continuing", "import"),
        (ids[1], 2026, "new", "import"),
        (ids[2], 2027, "continuing", "import"),
        (ids[3], 2026, "new", "import"),
        (ids[4], 2026, "new", "import"),
    }
    assert sorted(events) == [(i, "active") for i in ids]
    assert (audit.action, audit.detail) == (
        "participants.imported",
        {"rows": "5", "years": "2026:4,2027:1", "by": "cli"},
    )
    assert told == 0  # nobody to tell: no chat is linked yet


@pytest.mark.parametrize(
    ("header", "kind"),
    [
        ("NIK", "nik"),
        ("No KTP", "nik"),
        ("No. NIK", "nik"),
        ("Nomor Induk Kependudukan", "nik"),
        ("Nomor e-KTP", "nik"),
        ("Nama Sesuai KTP", "name"),
        ("Nama Peserta (sesuai KTP)", "name"),
        ("Tanggal Lahir sesuai KTP", "birth"),
        ("Nama", "name"),
        ("Nama Lengkap", "name"),
        ("NAMA PESERTA", "name"),
        ("Nama Ibu Kandung", None),
        ("Tgl Lahir", "birth"),
        ("Tanggal Lahir", "birth"),
        ("Tempat, Tgl Lahir", "birth"),
        ("Tempat/Tanggal Lahir", "birth"),
        ("TTL", "birth"),
        ("Tempat Lahir", None),
        ("KPJ", "kpj"),
        ("No. KPJ", "kpj"),
        ("Nomor Peserta", "kpj"),
        ("Nomor Kartu Peserta", "kpj"),
        ("TMT", "start"),
        ("Tgl Kepesertaan", "start"),
        ("Mulai", "start"),
        ("Kelurahan", "kelurahan"),
        ("Desa", "kelurahan"),
        ("Kel/Desa", "kelurahan"),
        ("Kode Kelurahan", "kelurahan"),
        ("Kecamatan", None),
        ("Alamat", "address"),
        ("Alamat KTP", "address"),
        ("Pekerjaan", "job"),
        ("Jenis Pekerjaan", "job"),
        ("No HP", "phone"),
        ("Telepon", "phone"),
        ("WA", "phone"),
        ("Sumber Dana", "funder"),
        ("Pendana", "funder"),
        ("Donatur", "funder"),
        ("Penanggung Iuran", "funder"),
        ("Tahun Anggaran", "year"),
        ("Tahun", "year"),
        ("TA", "year"),
        ("Jenis Kelamin", "sex"),
        ("L/P", "sex"),
        ("RT/RW", "rt_rw"),
        ("RT", "rt"),
        ("No", None),
        ("Keterangan", None),
    ],
)
def test_headers_are_matched_loosely_in_indonesian(header: str, kind: str | None) -> None:
    assert column_kind(header) == kind


async def test_kelurahan_in_the_address_and_the_year_from_the_command(app: Jaring, tmp_path: Path) -> None:
    """No kelurahan column: found in the address ("Kel. …", or the one kelurahan it names); no budget
    year column: `--year`. The short headers of a BPJS TK list."""
    rows: list[list[object]] = [["NIK", "Nama", "Tgl Lahir", "KPJ", "TMT", "Alamat", "Pekerjaan"]]
    # the second with what a copy from elsewhere brings along: a zero-width space, a tab, a bidi control
    addresses = ["Jl. Kurinci 7 RT 02 RW 04, Kel. Podosugih, Kec. Pekalongan Barat", "Gg. Mawar\u200b 3\t\u202eKlego"]
    people = [
        Person(11, "Sumarni", date(1970, 8, 17), True, "26000000011", date(2026, 2, 1), "", address=addresses[0]),
        Person(12, "Kasmudi", date(1965, 4, 4), False, "26000000012", date(2026, 2, 1), "", address=addresses[1]),
    ]
    rows += [[p.nik, p.name, f"{p.born:%d-%m-%Y}", p.kpj, f"{p.start:%Y-%m-%d}", p.address, p.job] for p in people]
    rows[1][2] = "17 Agustus 1970"  # a birth date in words
    path = write_csv(tmp_path / "bpjs.csv", rows)
    code, printed = await run(app, path)
    assert code == 1
    assert printed[0] == (
        "baris 1: kolom tahun anggaran tidak ditemukan: tambahkan kolom 'Tahun Anggaran', atau jalankan dengan "
        "--year, mis. --year 2026"
    )
    code, printed = await run(app, path, year=2026)
    assert code == 0, printed
    async with app.store.transaction() as session:
        found = [(r.kelurahan_code, r.rt, r.rw, r.quota_year, r.street) for r in (await session.execute(
                 select(Registration))).scalars()]  # fmt: skip
    assert sorted(found) == [
        ("33.75.01.1003", "002", "004", 2026, addresses[0]),
        ("33.75.02.1008", None, None, 2026, "Gg. Mawar 3 Klego"),
    ]


async def test_a_year_outside_the_budget_years_is_refused(app: Jaring, tmp_path: Path) -> None:
    code, printed = await run(app, good_file(tmp_path, "csv"), year=2031)
    assert (code, printed) == (2, ["tahun anggaran 2031 tidak masuk akal (harus antara 2026 dan 2027)"])
    code, printed = await run(app, good_file(tmp_path, "csv"), year=2025)
    past = "tahun anggaran 2025 sudah lewat: impor hanya peserta tahun berjalan (2026) atau tahun depan"
    assert (code, printed) == (2, [past])


async def test_a_past_budget_year_in_the_file_is_refused(app: Jaring, tmp_path: Path) -> None:
    """A participant of 2019 imported today would be active and counted as covered now."""
    old = Person(1, "Slamet Riyadi", date(1980, 5, 15), False, "26000000001", date(2019, 2, 1), "Medono", year=2019)
    before = await snapshot(app)
    code, printed = await run(app, write_csv(tmp_path / "lama.csv", [HEADER, _csv_row(old, 1)]))
    assert code == 1
    assert printed[0] == (
        "baris 2: tahun anggaran 2019 sudah lewat: impor hanya peserta tahun berjalan (2026) atau tahun depan"
    )
    assert await snapshot(app) == before


async def test_a_nik_in_a_number_cell_is_refused_even_when_valid(app: Jaring, tmp_path: Path) -> None:
    """Excel keeps 15 digits of a number: the 16th became 0, and the NIK still parses (someone else's)."""
    p = Person(11, "Slamet Riyadi", date(1980, 5, 15), False, "26000000001", date(2025, 2, 1), "Medono")
    row = _xlsx_row(p, 2)
    row[1] = int(p.nik[:15] + "0")
    before = await snapshot(app)
    code, printed = await run(app, write_xlsx(tmp_path / "angka.xlsx", [list(HEADER), row]))
    assert code == 1
    assert printed[0] == (
        "baris 2: NIK ini tidak bisa dipastikan benar — kolom NIK tersimpan sebagai angka di Excel, yang mengubah "
        "angka terakhir menjadi 0: format kolom NIK sebagai Teks lalu ketik ulang NIK-nya"
    )
    assert await snapshot(app) == before
    assert no_nik_in(printed, [p])


async def test_a_start_before_the_15th_birthday_is_refused(app: Jaring, tmp_path: Path) -> None:
    young = Person(12, "Kasmudi", date(2010, 3, 4), False, "26000000012", date(2025, 3, 3), "Medono")
    code, printed = await run(app, write_csv(tmp_path / "muda.csv", [HEADER, _csv_row(young, 1)]))
    assert code == 1
    assert printed[0] == (
        "baris 2: tanggal mulai 03-03-2025 sebelum peserta berumur 15 tahun: periksa TMT atau tanggal lahirnya"
    )
    old_enough = Person(12, "Kasmudi", date(2010, 3, 4), False, "26000000012", date(2025, 3, 4), "Medono")
    code, printed = await run(app, write_csv(tmp_path / "pas.csv", [HEADER, _csv_row(old_enough, 1)]))
    assert code == 0, printed


async def test_two_imports_at_once_the_second_reports_the_first_s_rows(
    settings: Settings, clock: FixedClock, store: Store, tmp_path: Path
) -> None:
    """The second waits for the first's lock before it checks the store, then says each NIK is stored."""
    path = good_file(tmp_path, "csv")
    first = await open_jaring(settings, clock, store=store)
    second = await open_jaring(settings, clock, store=store)
    results = await asyncio.gather(run(first, path), run(second, path))
    assert sorted(code for code, _ in results) == [0, 1]
    refused = next(printed for code, printed in results if code == 1)
    assert "Semua NIK di berkas ini sudah tersimpan: berkas ini mungkin sudah pernah diimpor." in refused


def test_a_legal_basis_longer_than_the_store_holds_is_refused_at_start_up() -> None:
    text = (PROJECT_DIR / "programmes" / "kota-pekalongan.toml").read_text(encoding="utf-8")
    base = (PROJECT_DIR / "programmes" / "national-bpu.toml").read_text(encoding="utf-8")
    line = next(line for line in text.splitlines() if line.startswith("legal_basis ="))
    with pytest.raises(ProgrammeError, match=r"privacy\.legal_basis"):
        load_programme(text.replace(line, f'legal_basis = "{"Perwal " * 40}"'), base_text=base)


# ---- bad rows ----------------------------------------------------------------------------------


async def test_each_bad_row_is_said_by_its_line_and_nothing_changes(app: Jaring, tmp_path: Path) -> None:
    stored = GOOD[:2]
    assert (await run(app, good_file(tmp_path, "csv", stored)))[0] == 0
    before = await snapshot(app)

    def bad(serial: int, **changes: object) -> Person:
        fields: dict[str, object] = {
            "serial": serial,
            "name": f"Pekerja {chr(64 + serial % 26)}",
            "born": date(1985, 6, 5),
            "female": False,
            "kpj": f"{27_000_000_000 + serial}",
            "start": date(2026, 2, 1),
            "kelurahan": "Medono",
        }
        return Person(**(fields | changes))  # type: ignore[arg-type]

    good_one = bad(40)
    rows = [HEADER] + [
        _csv_row(p, n)
        for n, p in enumerate(
            [
                good_one,  # line 2
                bad(41, kpj="1234"),  # 3
                bad(42, start=date(1999, 1, 1)),  # 4
                bad(43, kelurahan="Kuripan"),  # 5
                bad(44, kelurahan="Batang"),  # 6
                bad(45, kelurahan="33.75.09.9999"),  # 7
                bad(46, start=date(2027, 2, 1)),  # 8: starts in 2027, budget year 2026
                bad(47, born=date(2015, 6, 5)),  # 9: 11 years old
                bad(48, phone="12345"),  # 10
                bad(49, name="S1TI"),  # 11
                bad(40, kpj="27000000050"),  # 12: the same NIK as line 2
                bad(51, kpj=good_one.kpj),  # 13: the same KPJ as line 2
                bad(1, name="Slamet Riyadi", born=date(1980, 5, 15), kpj="27000000052"),  # 14: stored already
                bad(53, kpj=stored[1].kpj),  # 15: KPJ stored already
            ],
            start=1,
        )
    ]
    rows[2][3] = "PEKALONGAN, 05-06-1986"  # line 3 too: a birth date that is not the NIK's
    rows[3][4] = "P"  # line 4 too: a woman, says the list; the NIK says a man
    rows[10][1] = rows[10][1][:8] + "13" + rows[10][1][10:]  # line 11 too: month 13 in its NIK
    path = write_csv(tmp_path / "salah.csv", rows)
    code, printed = await run(app, path)
    assert code == 1
    assert printed == [
        "baris 3: tanggal lahir 05-06-1986 tidak sama dengan tanggal lahir di dalam NIK (05-06-1985): periksa NIK "
        "atau tanggal lahirnya",
        "baris 3: KPJ harus 11 angka (tertulis: 1234)",
        "baris 4: jenis kelamin P, tetapi NIK ini milik laki-laki: periksa NIK atau jenis kelaminnya",
        "baris 4: tanggal mulai 01-01-1999 tidak masuk akal (harus antara 01-07-2015 dan 22-11-2027)",
        'baris 5: kelurahan "Kuripan" kurang jelas, mungkin: Kuripan Kertoharjo (33.75.04.1006) / Kuripan Yosorejo '
        "(33.75.04.1008); tulis nama lengkapnya atau kodenya",
        'baris 6: kelurahan "Batang" tidak ada di Kota Pekalongan; tulis nama kelurahan atau kodenya, mis. '
        "33.75.01.1002",
        "baris 7: kode kelurahan 33.75.09.9999 tidak ada di Kota Pekalongan",
        "baris 8: tanggal mulai 01-02-2027 sesudah tahun anggaran 2026: periksa TMT atau tahun anggarannya",
        "baris 9: tanggal lahir 05-06-2015 berarti umur 11 tahun; peserta berumur 15 sampai 100 tahun: periksa "
        "tahunnya",
        "baris 10: nomor HP tidak bisa dibaca (tertulis: 12345); tulis seperti 0812-3456-7890, atau kosongkan",
        "baris 11: NIK tidak valid: bulan lahir di dalam NIK salah",
        "baris 11: nama tidak wajar (tertulis: S1TI); tulis nama seperti di KTP: huruf saja, 100 huruf paling banyak",
        "baris 12: NIK sama dengan baris 2",
        "baris 13: KPJ sama dengan baris 2",
        "baris 14: NIK ini sudah tersimpan: pendaftaran No. 1 (status: Aktif (sudah punya KPJ))",
        "baris 15: KPJ 26000000002 sudah dipakai pendaftaran No. 2",
        "Berkas salah.csv TIDAK diimpor: 16 masalah. Tidak ada yang diubah.",
        "Perbaiki baris-baris di atas, lalu jalankan perintah ini lagi.",
    ]
    assert await snapshot(app) == before
    assert no_nik_in(printed, [*GOOD, good_one])


async def test_a_file_imported_twice_is_refused_the_second_time(app: Jaring, tmp_path: Path) -> None:
    path = good_file(tmp_path, "xlsx")
    assert (await run(app, path))[0] == 0
    before = await snapshot(app)
    code, printed = await run(app, path)
    assert code == 1
    assert printed[0] == "baris 4: NIK ini sudah tersimpan: pendaftaran No. 1 (status: Aktif (sudah punya KPJ))"
    assert printed[-3:] == [
        "Semua NIK di berkas ini sudah tersimpan: berkas ini mungkin sudah pernah diimpor.",
        "Berkas peserta.xlsx TIDAK diimpor: 5 masalah. Tidak ada yang diubah.",
        "Perbaiki baris-baris di atas, lalu jalankan perintah ini lagi.",
    ]
    assert await snapshot(app) == before


async def test_missing_columns_are_each_named(app: Jaring, tmp_path: Path) -> None:
    path = write_csv(
        tmp_path / "kurang.csv", [["NIK", "Nama", "Alamat", "Tahun"], [GOOD[0].nik, "Slamet", "Medono", "2026"]]
    )
    code, printed = await run(app, path)
    assert code == 1
    assert printed[:3] == [
        "baris 1: kolom tanggal lahir (judul 'Tgl Lahir' atau 'Tempat, Tgl Lahir') tidak ditemukan",
        "baris 1: kolom nomor KPJ (judul 'No. KPJ' atau 'Nomor Peserta') tidak ditemukan",
        "baris 1: kolom tanggal mulai kepesertaan (judul 'TMT' atau 'Tgl Kepesertaan') tidak ditemukan",
    ]
    (tmp_path / "kosong.csv").write_text("Nama;Alamat\nSiti;Medono\n", encoding="utf-8")
    code, printed = await run(app, tmp_path / "kosong.csv")
    assert code == 2
    assert "judul kolom NIK tidak ditemukan di 10 baris pertama" in printed[0]


# ---- quota, dry run, legal basis ---------------------------------------------------------------


async def test_a_dry_run_says_what_would_happen_and_changes_nothing(app: Jaring, tmp_path: Path) -> None:
    await set_quota(app, 2)  # 2026: fewer places than the file's participants
    path = good_file(tmp_path, "csv")
    before = await snapshot(app)
    code, printed = await run(app, path, dry_run=True)
    assert code == 0, printed
    over = (
        "Kuota 2026: 2 tempat, tetapi terpakai 4 sesudah impor: 2 lebih dari kuota. Mereka sudah peserta, jadi "
        "tetap diimpor. Naikkan kuotanya: jaring quota set 4 --year 2026"
    )
    assert printed[:2] == [
        "Uji coba (--dry-run): semua baris sudah dicek, tidak ada yang diubah. Tanpa --dry-run:",
        "5 peserta dari peserta.csv akan menjadi peserta aktif, dengan nomor KPJ dan tanggal mulainya.",
    ]
    assert over in printed
    assert printed[-1] == "Tidak ada yang diubah. Jalankan lagi tanpa --dry-run untuk mengimpor."
    assert await snapshot(app) == before

    code, printed = await run(app, path)
    assert code == 0
    assert over in printed  # not refused: they are participants already
    assert (await snapshot(app))[0] == before[0] + 5


async def test_within_the_quota_the_places_left_are_said(app: Jaring, tmp_path: Path) -> None:
    await set_quota(app, 1000)
    code, printed = await run(app, good_file(tmp_path, "csv"), language="en")
    assert code == 0
    assert "Quota 2026: 1,000 places; 0 used before the import, 4 after; 996 left." in printed


async def test_without_a_legal_basis_nothing_is_imported(
    settings: Settings, clock: FixedClock, store: Store, tmp_path: Path
) -> None:
    malang = PROJECT_DIR / "programmes" / "kota-malang.toml"
    app = await open_jaring(settings.model_copy(update={"program_file": malang}), clock, store=store)
    assert not app.programme.privacy.legal_basis
    before = await snapshot(app)
    code, printed = await run(app, good_file(tmp_path, "csv"))
    assert code == 2
    assert printed == [
        "Impor peserta ditolak: dasar hukum pemrosesan data belum ada. Isi legal_basis di bagian [privacy] berkas "
        f"program ({malang}) dengan Perwal atau Perbup program ini, lalu jalankan lagi."
    ]
    assert await snapshot(app) == before


def test_the_command_runs_as_a_dinas_officer_types_it(
    settings: Settings, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    path = good_file(tmp_path, "csv", GOOD[:1])
    code, out, _ = run_jaring(capsys, "import", "participants", str(path), "--dry-run", "--english")
    assert code == 0, out
    assert "1 participant(s) from peserta.csv would become active participants" in out
    code, out, _ = run_jaring(capsys, "import", "participants", str(path))
    assert code == 0, out
    assert "1 peserta dari peserta.csv kini menjadi peserta aktif" in out
    assert GOOD[0].nik not in out
