"""The enrolment round trip with BPJS TK on SQLite and PostgreSQL: a few hundred registrations made
through the real registration answer (real cipher, valid NIKs) are exported as xlsx and csv and read
back row for row; BPJS TK's answer built from the export is imported, every worker becomes active and is
told; a file with bad rows is refused line by line with nothing changed; a re-run is harmless."""

from __future__ import annotations

import csv
import io
import os
import subprocess
from collections.abc import Sequence
from datetime import date, datetime
from pathlib import Path

import pytest
from cryptography.fernet import Fernet
from openpyxl import Workbook, load_workbook
from sqlalchemy import func, select

from bot.app import Jaring, open_jaring
from bot.commands.export import run_export_command
from bot.commands.kpj_import import run_import_command
from bot.desks.export import COLUMNS
from bot.desks.status_news import change_status
from bot.inbound.dispatcher import RequestAnswerer
from bot.settings import Settings
from conversations.corrections_policy import CorrectionPlan
from conversations.letters import Letter
from conversations.nik import Nik, parse_nik
from conversations.requests.base import Done
from conversations.requests.registrations import CorrectRegistration, PlanCorrection, SubmitRegistration, Submitted
from conversations.state import Json
from db.connection import Store
from db.models import AuditEntry, Contact, OutboxFile, OutboxMessage, Registration
from db.repositories import contacts, roles
from tests.conftest import FixedClock
from tests.test_cli import JARING

WORKERS = 300
APPROVED = range(0, 240)  # the rest stay submitted (240–269) or are already active (270–299)
SUBMITTED = range(240, 270)
ALREADY_ACTIVE = range(270, 300)


@pytest.fixture
async def app(settings: Settings, clock: FixedClock, store: Store) -> Jaring:
    """The whole bot on each database (the store fixture closes it)."""
    return await open_jaring(settings, clock, store=store)


def worker_nik(i: int) -> str:
    """A valid NIK, different for each i: kecamatan 01–04 of Kota Pekalongan, a real birth date."""
    female = i % 2 == 0
    born = worker_birth_date(i)
    day = born.day + (40 if female else 0)
    return f"3375{1 + i % 4:02d}{day:02d}{born.month:02d}{born.year % 100:02d}{i + 1:04d}"


def worker_birth_date(i: int) -> date:
    return date(1961 + i % 44, 1 + i % 12, 1 + i % 28)


def worker_kpj(i: int) -> str:
    return f"{26_000_000_000 + i:011d}"


def worker_draft(app: Jaring, i: int) -> dict[str, Json]:
    kelurahan = app.region.all_kelurahan[i % len(app.region.all_kelurahan)]
    job = app.programme.job_types[i % len(app.programme.job_types)]
    return {
        "nik": worker_nik(i),
        "female": i % 2 == 0,
        "full_name": f"Pekerja Nomor {i}",
        "birth_date": worker_birth_date(i).isoformat(),
        "kelurahan_code": kelurahan.code,
        "rt": f"{1 + i % 9:03d}",
        "rw": f"{1 + i % 5:03d}",
        "street": f"Jl. Batik No. {i}, Gg. {i % 7}",
        "job_type": job.id,
        "phone": f"62812{i:08d}",
        "breadwinner": i % 3 == 0,
        "poverty_register": "yes" if i % 2 else "no",
    }


async def register_workers(app: Jaring, count: int, *, statuses: dict[int, str] | None = None) -> list[int]:
    """`count` workers registered through the real answer, each from their own contact; then the Dinas
    moves them on (`statuses`: worker index → status). Registration ids, by worker index."""
    answerer = RequestAnswerer(app.cipher, app.programme, app.catalogs, app.region)
    now = app.pipeline.clock()
    ids: list[int] = []
    async with app.store.transaction() as session:
        for i in range(count):
            worker = await contacts.get_or_create_contact(session, "terminal", f"worker-{i}", now)
            done = await answerer.answer(session, worker, SubmitRegistration(worker_draft(app, i), False), now)
            assert isinstance(done, Submitted)
            ids.append(done.registration_id)
        post: list[Letter] = []
        for i, status in (statuses or {}).items():
            active = status == "active"
            await change_status(
                session,
                post,
                ids[i],
                status,
                now=now,
                actor="test",
                kpj=worker_kpj(i) if active else "",
                coverage_start=date(2026, 6, 1) if active else None,
            )
        await app.outbox_writer.letters(session, post, now)
    return ids


def _standard_statuses() -> dict[int, str]:
    return {
        **dict.fromkeys(APPROVED, "approved"),
        **dict.fromkeys(ALREADY_ACTIVE, "active"),
    }


def _read_xlsx(content: bytes) -> list[list[object]]:
    sheet = load_workbook(io.BytesIO(content)).worksheets[0]
    return [list(row) for row in sheet.iter_rows(values_only=True)]


def _csv_text(cell: object) -> str:
    """A cell read from the xlsx as the csv writes it: a date as dd-mm-yyyy, an empty cell as nothing."""
    if isinstance(cell, datetime):
        return cell.strftime("%d-%m-%Y")
    return "" if cell is None else str(cell)


def _read_csv(content: bytes) -> list[list[str]]:
    assert content.startswith(b"\xef\xbb\xbf")  # UTF-8 with BOM: Excel reads it as UTF-8
    return list(csv.reader(io.StringIO(content.decode("utf-8-sig"), newline=""), delimiter=";"))


async def _snapshot(app: Jaring) -> tuple[object, ...]:
    async with app.store.transaction() as session:
        rows = (await session.execute(select(Registration).order_by(Registration.id))).scalars()
        registrations = [(r.id, r.status, r.kpj, r.coverage_start, r.updated_at) for r in rows]
        outbox = (await session.execute(select(func.count(OutboxMessage.id)))).scalar_one()
        audit = (await session.execute(select(func.count(AuditEntry.id)))).scalar_one()
    return tuple(registrations), outbox, audit


# ---- export ------------------------------------------------------------------------------------


async def test_the_export_holds_every_approved_registration_in_xlsx_and_csv(
    app: Jaring, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ids = await register_workers(app, WORKERS, statuses=_standard_statuses())
    expected = {ids[i]: i for i in APPROVED}

    assert await run_export_command(app, "approved", "xlsx", tmp_path / "daftar.xlsx", None) == 0
    assert await run_export_command(app, "approved", None, tmp_path / "daftar.csv", None) == 0  # csv by extension
    printed = capsys.readouterr().out
    assert "240 pendaftaran (disetujui) ditulis ke" in printed
    assert "NIK lengkap" in printed  # the warning
    assert (tmp_path / "daftar.xlsx").stat().st_mode & 0o077 == 0  # its owner's only

    table = _read_xlsx((tmp_path / "daftar.xlsx").read_bytes())
    assert table[0] == [header for header, _ in COLUMNS]
    assert sorted(int(str(row[0])) for row in table[1:]) == sorted(expected)  # every approved row, once
    sheet = load_workbook(tmp_path / "daftar.xlsx").worksheets[0]
    assert sheet["B2"].data_type == "s"
    assert sheet["B2"].number_format == "@"  # NIK as text: Excel keeps all 16 digits
    assert sheet["D2"].number_format == "DD-MM-YYYY"
    assert sheet.freeze_panes == "A2"

    by_kelurahan = {k.code: k for k in app.region.all_kelurahan}
    for row in table[1:]:
        assert isinstance(row[0], int)
        i = expected[row[0]]
        draft = worker_draft(app, i)
        kelurahan = by_kelurahan[str(draft["kelurahan_code"])]
        kecamatan = app.region.kecamatan_of(kelurahan.code)
        assert kecamatan is not None
        job = next(j.name for j in app.programme.job_types if j.id == draft["job_type"])
        assert row[1:] == [
            worker_nik(i),
            f"PEKERJA NOMOR {i}",  # as on the KTP
            datetime.combine(worker_birth_date(i), datetime.min.time()),
            "P" if i % 2 == 0 else "L",
            draft["street"],
            draft["rt"],
            draft["rw"],
            kelurahan.name,
            kecamatan.name,
            app.region.name,
            job,
            draft["phone"],
            "JKK + JKM",
            app.programme.premium.monthly,
            "Disetujui, menunggu KPJ dari BPJS TK",
            None,  # Pendana Iuran: no funder recorded, no place of the quota
        ]

    lines = _read_csv((tmp_path / "daftar.csv").read_bytes())
    assert lines[0] == [header for header, _ in COLUMNS]
    assert [line[1:] for line in lines[1:]] == [[_csv_text(cell) for cell in row[1:]] for row in table[1:]]
    async with app.store.transaction() as session:
        exported = (
            await session.execute(select(AuditEntry).where(AuditEntry.action == "enrolment.exported"))
        ).scalars()
        details = [entry.detail for entry in exported]
    assert details == [
        {"rows": "240", "status": "approved", "format": "xlsx", "by": "cli"},
        {"rows": "240", "status": "approved", "format": "csv", "by": "cli"},
    ]
    assert not any(worker_nik(i) in str(details) for i in range(WORKERS))


async def test_the_export_goes_to_an_admin_in_chat_and_to_nobody_else(
    app: Jaring, tmp_path: Path, clock: FixedClock, capsys: pytest.CaptureFixture[str]
) -> None:
    await register_workers(app, 5, statuses=dict.fromkeys(range(5), "approved"))
    async with app.store.transaction() as session:
        admin = await contacts.get_or_create_contact(session, "telegram", "1001", clock())
        await roles.grant_role(session, admin.id, "admin", granted_by="test", now=clock())
        await contacts.get_or_create_contact(session, "telegram", "2002", clock())

    refused = await run_export_command(app, "approved", "xlsx", tmp_path / "no.xlsx", "telegram:2002")
    unknown = await run_export_command(app, "approved", "xlsx", tmp_path / "no.xlsx", "telegram:3003")
    assert refused == unknown == 2
    assert not (tmp_path / "no.xlsx").exists()
    assert "bukan admin" in capsys.readouterr().err

    assert await run_export_command(app, "approved", "xlsx", tmp_path / "yes.xlsx", "telegram:1001") == 0
    async with app.store.transaction() as session:
        message = (await session.execute(select(OutboxMessage).where(OutboxMessage.kind == "file"))).scalar_one()
        stored = await session.get(OutboxFile, message.file_id)
    assert message.contact_id == admin.id
    assert "5 pendaftaran" in message.body
    assert stored is not None
    assert stored.content is not None
    assert worker_nik(0).encode() not in stored.content  # encrypted at rest
    assert app.cipher.decrypt_bytes(stored.content) == (tmp_path / "yes.xlsx").read_bytes()
    assert stored.file_name.endswith(".xlsx")


# ---- import ------------------------------------------------------------------------------------


def _bpjs_answer_xlsx(path: Path, rows: Sequence[tuple[object, object, object]]) -> None:
    """BPJS TK's answer as their staff might send it: a title line, then NIK, name, KPJ, start date."""
    book = Workbook()
    sheet = book.active
    assert sheet is not None
    sheet.append(["Hasil pendaftaran kolektif BPU — Pemkot Pekalongan"])
    sheet.append([])
    sheet.append(["No", "NIK", "Nama Peserta", "No. KPJ", "Tgl Kepesertaan"])
    for number, (nik, kpj, start) in enumerate(rows, start=1):
        sheet.append([number, nik, f"Peserta {number}", kpj, start])
    book.save(path)


async def test_bpjs_answer_built_from_the_export_activates_everyone_and_tells_them(
    app: Jaring, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ids = await register_workers(app, WORKERS, statuses=_standard_statuses())
    await run_export_command(app, "approved", "xlsx", tmp_path / "daftar.xlsx", None)
    exported = _read_xlsx((tmp_path / "daftar.xlsx").read_bytes())[1:]
    index_of = {ids[i]: i for i in range(WORKERS)}
    answer = [(row[1], worker_kpj(index_of[int(str(row[0]))]), date(2026, 12, 1)) for row in exported]
    _bpjs_answer_xlsx(tmp_path / "jawaban.xlsx", answer)
    capsys.readouterr()

    assert await run_import_command(app, tmp_path / "jawaban.xlsx") == 0
    assert "240 pendaftaran menjadi aktif dengan nomor KPJ; 0 sudah aktif sebelumnya" in capsys.readouterr().out

    async with app.store.transaction() as session:
        rows = {r.id: r for r in (await session.execute(select(Registration))).scalars()}
        told = {
            message.contact_id: message.body
            for message in (
                await session.execute(
                    select(OutboxMessage).where(OutboxMessage.kind == "notification").order_by(OutboxMessage.id)
                )
            ).scalars()
        }
        workers = {
            c.channel_id: c.id
            for c in (await session.execute(select(Contact).where(Contact.channel == "terminal"))).scalars()
        }
        imported = (
            await session.execute(select(AuditEntry).where(AuditEntry.action == "enrolment.kpj_imported"))
        ).scalar_one()
    for i in APPROVED:
        row = rows[ids[i]]
        assert (row.status, row.kpj, row.coverage_start) == ("active", worker_kpj(i), date(2026, 12, 1))
        assert worker_kpj(i) in told[workers[f"worker-{i}"]]  # the newest news names their KPJ
    for i in SUBMITTED:
        assert rows[ids[i]].status == "submitted"
    assert imported.detail == {"activated": "240", "already_active": "0", "by": "cli"}

    # Run again (and with the 30 that were active already): nothing changes, nobody is told twice.
    before = await _snapshot(app)
    again = [*answer, *((worker_nik(i), worker_kpj(i), "01-06-2026") for i in ALREADY_ACTIVE)]
    _bpjs_answer_xlsx(tmp_path / "lagi.xlsx", again)
    assert await run_import_command(app, tmp_path / "lagi.xlsx") == 0
    assert "0 pendaftaran menjadi aktif dengan nomor KPJ; 270 sudah aktif sebelumnya" in capsys.readouterr().out
    registrations, outbox, _ = await _snapshot(app)
    assert (registrations, outbox) == before[:2]


async def test_a_csv_answer_with_other_headers_and_date_styles_is_read(
    app: Jaring, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    ids = await register_workers(app, 3, statuses=dict.fromkeys(range(3), "approved"))
    lines = [
        "NIK,KPJ,TMT",
        f"{worker_nik(0)},{worker_kpj(0)},01/12/2026",
        f"'{worker_nik(1)},{worker_kpj(1)},2026-12-01",
        f"{worker_nik(2)[:4]} {worker_nik(2)[4:]},{worker_kpj(2)},1-12-2026",
    ]
    (tmp_path / "jawaban.csv").write_text("\r\n".join(lines) + "\r\n", encoding="cp1252")
    assert await run_import_command(app, tmp_path / "jawaban.csv") == 0, capsys.readouterr().out
    async with app.store.transaction() as session:
        rows = [await session.get(Registration, registration_id) for registration_id in ids]
    assert [(r.status, r.kpj, r.coverage_start) for r in rows if r is not None] == [
        ("active", worker_kpj(i), date(2026, 12, 1)) for i in range(3)
    ]


async def test_a_file_with_bad_rows_is_refused_line_by_line_and_nothing_changes(
    app: Jaring, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    await register_workers(app, 6, statuses={0: "approved", 1: "approved", 2: "approved", 3: "approved", 5: "active"})
    unknown = worker_nik(50)  # valid, never registered
    assert isinstance(parse_nik(unknown, date(2026, 11, 21)), Nik)
    good = (worker_nik(0), worker_kpj(0), date(2026, 12, 1))
    rows: list[tuple[object, object, object]] = [
        good,  # line 4
        ("3375010513850002", worker_kpj(1), date(2026, 12, 1)),  # 5: month 13 in the NIK
        (worker_nik(1), "1234", date(2026, 12, 1)),  # 6: short KPJ
        (worker_nik(2), worker_kpj(2), "31-02-2026"),  # 7: no such date
        (unknown, worker_kpj(10), date(2026, 12, 1)),  # 8: not registered
        (worker_nik(0), worker_kpj(11), date(2026, 12, 1)),  # 9: same NIK as line 4
        (worker_nik(4), worker_kpj(4), date(2026, 12, 1)),  # 10: still submitted
        (worker_nik(3), worker_kpj(0), date(2026, 12, 1)),  # 11: same KPJ as line 4
        (worker_nik(5), worker_kpj(6), date(2026, 12, 1)),  # 12: active with another KPJ
        # 13: a NIK typed into a number cell (Excel zeroes the 16th digit); an absurd date
        (int(worker_nik(3)[:15] + "0"), worker_kpj(3), date(1999, 1, 1)),
    ]
    _bpjs_answer_xlsx(tmp_path / "salah.xlsx", rows)
    before = await _snapshot(app)
    capsys.readouterr()

    assert await run_import_command(app, tmp_path / "salah.xlsx") == 1
    printed = capsys.readouterr().out.splitlines()
    assert printed[:-2] == [
        "baris 5: NIK tidak valid: bulan lahir di dalam NIK salah",
        "baris 6: KPJ harus 11 angka (tertulis: 1234)",
        "baris 7: tanggal mulai tidak bisa dibaca (tertulis: 31-02-2026); tulis seperti 01-12-2026",
        "baris 8: NIK ini tidak ada di pendaftaran Batik Berlian",
        "baris 9: NIK sama dengan baris 4",
        "baris 10: pendaftaran No. 5 belum disetujui (status: Menunggu verifikasi kelurahan)",
        "baris 11: KPJ sama dengan baris 4",
        "baris 12: pendaftaran No. 6 sudah aktif dengan nomor KPJ lain",
        "baris 13: NIK tidak valid: 4 angka terakhir tidak boleh 0000 — kolom NIK tersimpan sebagai angka di "
        "Excel, yang mengubah angka terakhir menjadi 0: format kolom NIK sebagai Teks lalu ketik ulang NIK-nya",
        "baris 13: tanggal mulai 01-01-1999 tidak masuk akal (harus antara 01-07-2015 dan 22-11-2027)",
    ]
    assert printed[-2] == "Berkas salah.xlsx TIDAK diimpor: 10 masalah. Tidak ada yang diubah."
    assert await _snapshot(app) == before  # not one registration, message or audit entry more
    assert not any(worker_nik(i) in line for line in printed for i in range(60))  # no NIK printed


async def test_a_registration_corrected_after_the_export_still_holding_its_place_is_activated_and_named(
    app: Jaring, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    """Approved, exported, then its name corrected: back with the kelurahan, keeping its quota place, when
    BPJS TK's answer arrives. BPJS TK enrolled it all the same: it becomes active, and the summary names
    it, so the Dinas makes sure BPJS TK has the corrected name. One that holds no place is refused."""
    ids = await register_workers(app, 3, statuses=dict.fromkeys(range(3), "approved"))
    now = app.pipeline.clock()
    async with app.store.transaction() as session:
        for registration_id in ids:
            row = await session.get(Registration, registration_id)
            assert row is not None
            row.quota_year = now.year
        worker = await contacts.get_or_create_contact(session, "terminal", "worker-1", now)
        answerer = RequestAnswerer(app.cipher, app.programme, app.catalogs, app.region)
        plan = await answerer.answer(session, worker, PlanCorrection(ids[1], "full_name", "Pekerja Nomor Satu"), now)
        assert isinstance(plan, CorrectionPlan)
        assert (plan.status_after, plan.keeps_place) == ("corrected", True)
        fix = CorrectRegistration(ids[1], "full_name", "Pekerja Nomor Satu", plan)
        assert await answerer.answer(session, worker, fix, now) == Done()
        never_placed = await session.get(Registration, ids[2])
        assert never_placed is not None
        never_placed.status, never_placed.quota_year = "corrected", None  # corrected before any approval

    answer = [(worker_nik(i), worker_kpj(i), date(2026, 12, 1)) for i in range(3)]
    _bpjs_answer_xlsx(tmp_path / "jawaban.xlsx", answer)
    capsys.readouterr()
    assert await run_import_command(app, tmp_path / "jawaban.xlsx") == 1
    printed = capsys.readouterr().out
    assert f"baris 6: pendaftaran No. {ids[2]} belum disetujui (status: " in printed
    assert f"No. {ids[1]} belum disetujui" not in printed

    _bpjs_answer_xlsx(tmp_path / "jawaban-2.xlsx", answer[:2])
    assert await run_import_command(app, tmp_path / "jawaban-2.xlsx") == 0
    printed = capsys.readouterr().out
    assert "2 pendaftaran menjadi aktif dengan nomor KPJ; 0 sudah aktif sebelumnya" in printed
    assert f"1 di antaranya (No. {ids[1]}) sedang dicek ulang kelurahan setelah datanya diperbaiki" in printed
    async with app.store.transaction() as session:
        rows = [await session.get(Registration, registration_id) for registration_id in ids]
        imported = (
            await session.execute(select(AuditEntry).where(AuditEntry.action == "enrolment.kpj_imported"))
        ).scalar_one()
    assert [(r.status, r.kpj, r.coverage_start, r.quota_year) for r in rows if r is not None] == [
        ("active", worker_kpj(0), date(2026, 12, 1), now.year),
        ("active", worker_kpj(1), date(2026, 12, 1), now.year),
        ("corrected", None, None, None),
    ]
    assert imported.detail["corrected"] == str(ids[1])


async def test_a_file_that_cannot_be_read_says_why(
    app: Jaring, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    (tmp_path / "lama.xls").write_bytes(b"\xd0\xcf\x11\xe0")
    (tmp_path / "rusak.xlsx").write_bytes(b"not a zip")
    (tmp_path / "judul.csv").write_text("Nama;Alamat\nSiti;Medono\n", encoding="utf-8")
    assert await run_import_command(app, tmp_path / "lama.xls") == 2
    assert await run_import_command(app, tmp_path / "rusak.xlsx") == 2
    assert await run_import_command(app, tmp_path / "judul.csv") == 2
    assert await run_import_command(app, tmp_path / "tidak-ada.csv") == 2
    out = capsys.readouterr().out
    assert "jenis berkas .xls tidak didukung" in out
    assert "berkas Excel tidak bisa dibuka" in out
    assert "judul kolom NIK dan KPJ tidak ditemukan" in out
    assert "berkas tidak bisa dibaca" in out


@pytest.mark.slow
def test_the_commands_run_as_a_dinas_officer_types_them(tmp_path: Path) -> None:
    """`jaring export enrolment`, `jaring import kpj` and `jaring stats` wired into the real command."""
    environment = {k: v for k, v in os.environ.items() if not k.startswith(("JARING_", "DATABASE_URL"))}
    environment |= {"JARING_DATA_DIR": str(tmp_path / "data"), "JARING_SECRET_KEY": Fernet.generate_key().decode()}

    def jaring(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [JARING, *args], capture_output=True, text=True, env=environment, timeout=60, check=False, cwd=tmp_path
        )

    exported = jaring("export", "enrolment", "--status", "approved", "--format", "csv", "--output", "daftar.csv")
    assert exported.returncode == 0, exported.stderr
    assert "0 pendaftaran (disetujui) ditulis ke daftar.csv (csv)." in exported.stdout
    (tmp_path / "jawaban.csv").write_text("NIK;KPJ;TMT\n3375010506850001;26000000001;01-12-2026\n", encoding="utf-8")
    imported = jaring("import", "kpj", "jawaban.csv")
    assert imported.returncode == 1
    assert "baris 2: NIK ini tidak ada di pendaftaran Batik Berlian" in imported.stdout
    stats = jaring("stats", "--year", "2026", "--chart", "grafik.png")
    assert stats.returncode == 0, stats.stderr
    assert "Pendaftaran menurut status:" in stats.stdout
    assert (tmp_path / "grafik.png").read_bytes().startswith(b"\x89PNG")
