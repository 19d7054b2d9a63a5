"""`jaring import kpj FILE`: BPJS TK's answer to the collective registration — NIK, KPJ number, start
date — read from xlsx or csv. Every row is checked first; any problem and the whole file is refused
with each problem by line ("baris 7: KPJ harus 11 angka (tertulis: 1234)") and nothing changes.
Otherwise, in ONE transaction, each approved registration becomes active with its KPJ and start date
(the worker and their RT/RW leader are told), and a re-run is harmless: a registration already active
with the same KPJ is counted as such, not changed.

NIKs are matched through the keyed hash (`cipher.blind_index`), never by decrypting the registrations;
no NIK is printed, not even in a problem."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Iterator, Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from typing import TYPE_CHECKING
from zipfile import BadZipFile

from openpyxl import load_workbook
from sqlalchemy.ext.asyncio import AsyncSession

from bot.status_changes import change_status
from conversations.flows.figures import STATUS_LABELS
from conversations.messages import msg
from conversations.nik import Nik, NikProblem, parse_nik
from conversations.programme import Programme
from conversations.text import words
from db.models import Registration
from db.personal_data import PersonalDataCipher
from db.repositories import audit, enrolment
from locales import Catalogs

if TYPE_CHECKING:
    from bot.app import Jaring

__all__ = [
    "EARLIEST_START",
    "ImportOutcome",
    "KpjRow",
    "Problem",
    "UnreadableFile",
    "import_kpj",
    "parse_kpj_table",
    "read_table",
    "run_import_command",
]

KPJ_DIGITS = 11
_NIK_DIGITS = 16
# BPJS Ketenagakerjaan has run JKK and JKM since 1 July 2015: an earlier start is a typing mistake.
EARLIEST_START = date(2015, 7, 1)
LATEST_START_AHEAD = timedelta(days=366)
_HEADER_SEARCH_ROWS = 10  # a title or a blank line or two above the header is fine
_DIGIT_NOISE = re.compile(r"[\s.\-_/']+")
_DATE_FORMATS = ("%d-%m-%Y", "%d/%m/%Y", "%d.%m.%Y", "%Y-%m-%d", "%Y/%m/%d", "%d-%m-%Y %H:%M:%S", "%Y-%m-%d %H:%M:%S")
_NUMBER_CELL_HINT = (
    " — kolom NIK tersimpan sebagai angka di Excel, yang mengubah angka terakhir menjadi 0: "
    "format kolom NIK sebagai Teks lalu ketik ulang NIK-nya"
)
_NIK_PROBLEMS = {
    NikProblem.UNKNOWN_PROVINCE: "NIK tidak valid: kode provinsi (2 angka pertama) tidak ada",
    NikProblem.BAD_DAY: "NIK tidak valid: tanggal lahir di dalam NIK salah",
    NikProblem.BAD_MONTH: "NIK tidak valid: bulan lahir di dalam NIK salah",
    NikProblem.IMPOSSIBLE_DATE: "NIK tidak valid: tanggal lahir di dalam NIK tidak ada di kalender",
    NikProblem.SERIAL_ZERO: "NIK tidak valid: 4 angka terakhir tidak boleh 0000",
    NikProblem.IN_THE_FUTURE: "NIK tidak valid: tanggal lahir di dalam NIK belum terjadi",
}

Cell = object


@dataclass(frozen=True, slots=True)
class _Bad:
    """What is wrong with one value, in the words printed after "baris N: "."""

    text: str


class UnreadableFile(Exception):
    """The file cannot be read at all (missing, another format, no header): said in one line."""


@dataclass(frozen=True, slots=True)
class Problem:
    line: int  # 0: the file as a whole
    text: str

    def __str__(self) -> str:
        return f"baris {self.line}: {self.text}" if self.line else self.text


@dataclass(frozen=True, slots=True)
class KpjRow:
    line: int
    nik: str
    kpj: str
    start: date
    hint: str = ""  # said after "not registered": the NIK came from a number cell


@dataclass(frozen=True, slots=True)
class ImportOutcome:
    activated: int = 0
    already_active: int = 0
    problems: tuple[Problem, ...] = field(default_factory=tuple)

    @property
    def refused(self) -> bool:
        return bool(self.problems)


# ---- reading the file --------------------------------------------------------------------------


def read_table(path: Path) -> list[tuple[int, list[Cell]]]:
    """The file's non-empty rows with their line numbers as a spreadsheet or text editor shows them."""
    suffix = path.suffix.lower()
    try:
        content = path.read_bytes()
    except OSError as exc:
        raise UnreadableFile(f"berkas tidak bisa dibaca: {exc.strerror or exc}") from exc
    if suffix == ".xlsx":
        return _xlsx_rows(content)
    if suffix in (".csv", ".txt"):
        return _csv_rows(content)
    raise UnreadableFile(f"jenis berkas {suffix or '(tanpa akhiran)'} tidak didukung: simpan sebagai .xlsx atau .csv")


def _xlsx_rows(content: bytes) -> list[tuple[int, list[Cell]]]:
    try:
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (BadZipFile, OSError, KeyError, ValueError) as exc:
        raise UnreadableFile(
            f"berkas Excel tidak bisa dibuka ({type(exc).__name__}); simpan ulang sebagai .xlsx"
        ) from exc
    try:
        sheet = book.worksheets[0]
        rows: list[tuple[int, list[Cell]]] = [
            (number, list[Cell](values))
            for number, values in enumerate(sheet.iter_rows(values_only=True), start=1)
            if any(_text(value) for value in values)
        ]
    finally:
        book.close()
    return rows


def _csv_rows(content: bytes) -> list[tuple[int, list[Cell]]]:
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = content.decode("cp1252")  # Excel's "CSV" on Windows without UTF-8
    first = next((line for line in text.splitlines() if line.strip()), "")
    delimiter = max((";", ",", "\t"), key=first.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows: list[tuple[int, list[Cell]]] = []
    for values in reader:
        if any(value.strip() for value in values):
            rows.append((reader.line_num, list(values)))
    return rows


# ---- the columns -------------------------------------------------------------------------------


def _column_kind(header: Cell) -> str | None:
    said = set(words(_text(header).replace(".", " ").replace("_", " ")))
    if not said:
        return None
    if "kpj" in said or said in ({"no", "peserta"}, {"nomor", "peserta"}, {"no", "kartu"}, {"nomor", "kartu"}):
        return "kpj"
    if "nik" in said or "ktp" in said:
        return "nik"
    if said & {"tmt", "start", "mulai", "sejak", "efektif"}:
        return "start"
    if said & {"tgl", "tanggal", "date"} and said & {"kepesertaan", "aktif", "peserta", "awal", "terdaftar"}:
        return "start"
    if said == {"kepesertaan"}:
        return "start"
    return None


def _find_header(rows: Sequence[tuple[int, list[Cell]]]) -> tuple[int, dict[str, int]]:
    """The header's position in `rows` and the column of NIK, KPJ and start date."""
    for position, (_, cells) in enumerate(rows[:_HEADER_SEARCH_ROWS]):
        columns: dict[str, int] = {}
        for index, cell in enumerate(cells):
            kind = _column_kind(cell)
            if kind is not None:
                columns.setdefault(kind, index)
        if {"nik", "kpj"} <= columns.keys():
            if "start" not in columns:
                line = rows[position][0]
                raise UnreadableFile(
                    f"baris {line}: kolom tanggal mulai kepesertaan tidak ditemukan "
                    "(beri judul kolom 'Tgl Kepesertaan' atau 'TMT')"
                )
            return position, columns
    raise UnreadableFile(
        "judul kolom NIK dan KPJ tidak ditemukan di 10 baris pertama "
        "(beri judul kolom 'NIK', 'No KPJ' dan 'Tgl Kepesertaan')"
    )


# ---- the values --------------------------------------------------------------------------------


def _text(value: Cell) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.strftime("%d-%m-%Y")
    if isinstance(value, date):
        return value.strftime("%d-%m-%Y")
    return str(value).strip()


def _digits(value: Cell) -> str:
    text = _text(value)
    if text.startswith('="') and text.endswith('"'):  # ="3375…": how some tools keep Excel off a number
        text = text[2:-1]
    return _DIGIT_NOISE.sub("", text)


def _nik(value: Cell, today: date) -> Nik | _Bad:
    digits = _digits(value)
    if not digits:
        return _Bad("NIK kosong")
    if not (digits.isascii() and digits.isdigit()) or len(digits) != _NIK_DIGITS:
        return _Bad(f"NIK harus {_NIK_DIGITS} angka (tertulis {len(digits)} tanda)")
    parsed = parse_nik(digits, today)
    return parsed if isinstance(parsed, Nik) else _Bad(_NIK_PROBLEMS.get(parsed, "NIK tidak valid") + _hint(value))


def _hint(nik_cell: Cell) -> str:
    """A NIK typed into a number cell: Excel keeps 15 significant digits and turns the 16th into 0."""
    return _NUMBER_CELL_HINT if isinstance(nik_cell, (int, float)) else ""


def _kpj(value: Cell) -> str | _Bad:
    digits = _digits(value)
    if not digits:
        return _Bad("KPJ kosong")
    if not (digits.isascii() and digits.isdigit()) or len(digits) != KPJ_DIGITS:
        return _Bad(f"KPJ harus {KPJ_DIGITS} angka (tertulis: {_text(value)[:20]})")
    return digits


def _start(value: Cell, today: date) -> date | _Bad:
    if isinstance(value, datetime):
        found = value.date()
    elif isinstance(value, date):
        found = value
    else:
        text = _text(value)
        if not text:
            return _Bad("tanggal mulai kepesertaan kosong")
        parsed = _parse_date(text)
        if parsed is None:
            return _Bad(f"tanggal mulai tidak bisa dibaca (tertulis: {text[:20]}); tulis seperti 01-12-2026")
        found = parsed
    latest = today + LATEST_START_AHEAD
    if not EARLIEST_START <= found <= latest:
        return _Bad(
            f"tanggal mulai {found:%d-%m-%Y} tidak masuk akal "
            f"(harus antara {EARLIEST_START:%d-%m-%Y} dan {latest:%d-%m-%Y})"
        )
    return found


def _parse_date(text: str) -> date | None:
    for pattern in _DATE_FORMATS:
        try:
            return datetime.strptime(text, pattern).date()  # noqa: DTZ007 - a calendar date, no time zone
        except ValueError:
            continue
    return None


def parse_kpj_table(rows: Sequence[tuple[int, list[Cell]]], today: date) -> tuple[list[KpjRow], list[Problem]]:
    """Every row read and checked on its own and against the others (no NIK or KPJ twice)."""
    position, columns = _find_header(rows)
    parsed: list[KpjRow] = []
    problems: list[Problem] = []
    nik_lines: dict[str, int] = {}
    kpj_lines: dict[str, int] = {}
    for line, cells in rows[position + 1 :]:

        def cell(kind: str, cells: list[Cell] = cells) -> Cell:
            index = columns[kind]
            return cells[index] if index < len(cells) else None

        nik = _nik(cell("nik"), today)
        kpj = _kpj(cell("kpj"))
        start = _start(cell("start"), today)
        found = [value.text for value in (nik, kpj, start) if isinstance(value, _Bad)]
        if isinstance(nik, Nik):
            if nik.digits in nik_lines:
                found.append(f"NIK sama dengan baris {nik_lines[nik.digits]}")
            nik_lines.setdefault(nik.digits, line)
        if isinstance(kpj, str):
            if kpj in kpj_lines:
                found.append(f"KPJ sama dengan baris {kpj_lines[kpj]}")
            kpj_lines.setdefault(kpj, line)
        if found:
            problems.extend(Problem(line, text) for text in found)
        elif isinstance(nik, Nik) and isinstance(kpj, str) and isinstance(start, date):
            parsed.append(KpjRow(line, nik.digits, kpj, start, _hint(cell("nik"))))
    if not parsed and not problems:
        problems.append(Problem(0, "tidak ada baris data di bawah judul kolom"))
    return parsed, problems


# ---- against the registrations, then all at once ------------------------------------------------


async def import_kpj(
    session: AsyncSession,
    cipher: PersonalDataCipher,
    programme: Programme,
    catalogs: Catalogs,
    rows: Sequence[tuple[int, list[Cell]]],
    *,
    now: datetime,
    actor: str = "cli",
) -> ImportOutcome:
    """Check everything, then activate everything or nothing. The caller's transaction is left
    untouched when the outcome is refused."""
    parsed, problems = parse_kpj_table(rows, programme.local_date(now))
    by_hash = {cipher.blind_index(row.nik): row for row in parsed}
    registrations = await enrolment.by_nik_hash(session, by_hash.keys())
    holders = await enrolment.by_kpj(session, [row.kpj for row in parsed])
    to_activate: list[tuple[Registration, KpjRow]] = []
    already = 0
    for nik_hash, row in by_hash.items():
        registration = registrations.get(nik_hash)
        problem = _problem_with(registration, row, holders.get(row.kpj), programme, catalogs)
        if problem:
            problems.append(Problem(row.line, problem))
        elif registration is not None and registration.status == "active":
            already += 1
        elif registration is not None:
            to_activate.append((registration, row))
    if problems:
        return ImportOutcome(problems=tuple(sorted(problems, key=lambda p: p.line)))
    for registration, row in to_activate:
        await change_status(
            session,
            catalogs,
            registration.id,
            "active",
            now=now,
            actor=f"kpj-import:{actor}",
            kpj=row.kpj,
            coverage_start=row.start,
            programme=programme,  # the news then says what they are protected against, with its figures
        )
    await audit.record_audit(
        session,
        "enrolment.kpj_imported",
        now=now,
        subject=f"programme:{programme.id}"[:120],
        detail={"activated": str(len(to_activate)), "already_active": str(already), "by": actor},
    )
    return ImportOutcome(activated=len(to_activate), already_active=already)


def _problem_with(
    registration: Registration | None,
    row: KpjRow,
    holder: Registration | None,
    programme: Programme,
    catalogs: Catalogs,
) -> str | None:
    if registration is None or registration.programme_id != programme.id or registration.erased_at is not None:
        return f"NIK ini tidak ada di pendaftaran {programme.name}{row.hint}"
    if holder is not None and holder.id != registration.id:
        return f"KPJ {row.kpj} sudah dipakai pendaftaran No. {holder.id}"
    if registration.status == "active":
        same = registration.kpj == row.kpj
        return None if same else f"pendaftaran No. {registration.id} sudah aktif dengan nomor KPJ lain"
    if registration.status != "approved":
        key = STATUS_LABELS.get(registration.status)
        status = catalogs.render(msg(key), "id") if key else registration.status
        return f"pendaftaran No. {registration.id} belum disetujui (status: {status})"
    return None


# ---- jaring import kpj -------------------------------------------------------------------------


class _Refused(Exception):
    """Raised inside the transaction so that it rolls back, whatever a look-up may have touched."""

    def __init__(self, outcome: ImportOutcome) -> None:
        super().__init__(f"{len(outcome.problems)} problem(s)")
        self.outcome = outcome


async def run_import_command(jaring: Jaring, path: Path) -> int:
    try:
        rows = read_table(path)
        async with jaring.store.transaction() as session:
            outcome = await import_kpj(
                session, jaring.cipher, jaring.programme, jaring.catalogs, rows, now=jaring.pipeline.clock()
            )
            if outcome.refused:
                raise _Refused(outcome)
    except UnreadableFile as exc:
        print(f"jaring: {path}: {exc}")
        return 2
    except _Refused as refused:
        outcome = refused.outcome
    if outcome.refused:
        for line in _problem_lines(outcome.problems):
            print(line)
        print(f"Berkas {path.name} TIDAK diimpor: {len(outcome.problems)} masalah. Tidak ada yang diubah.")
        print("Perbaiki baris-baris di atas, lalu jalankan perintah ini lagi.")
        return 1
    print(
        f"{outcome.activated} pendaftaran menjadi aktif dengan nomor KPJ; "
        f"{outcome.already_active} sudah aktif sebelumnya (tidak diubah)."
    )
    if outcome.activated:
        print("Pekerja dan pengurus RT/RW-nya diberi tahu lewat chat (`jaring serve` mengirimnya).")
    return 0


def _problem_lines(problems: Sequence[Problem]) -> Iterator[str]:
    for problem in problems:
        yield str(problem)
