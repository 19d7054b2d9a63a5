"""`jaring import kpj FILE`: BPJS TK's answer to the collective registration — NIK, KPJ number, start
date — read from xlsx or csv. Every row is checked first; any problem and the whole file is refused
with each problem by line ("baris 7: KPJ harus 11 angka (tertulis: 1234)", in the command's language:
each problem is a catalog message) and nothing changes.
Otherwise, in ONE transaction, each approved registration becomes active with its KPJ and start date
(the worker and their RT/RW leader are told), and a re-run is harmless: a registration already active
with the same KPJ is counted as such, not changed. A registration approved, exported and then corrected
(sent back to the kelurahan, still holding its quota place: corrections_policy.holds_place) was enrolled
by BPJS TK all the same: it becomes active too, and the summary names it, so the Dinas passes the
corrected data on to BPJS TK.

NIKs are matched through the keyed hash (`cipher.blind_index`), never by decrypting the registrations;
no NIK is printed, not even in a problem."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta
from pathlib import Path
from zipfile import BadZipFile

from openpyxl import load_workbook
from sqlalchemy.ext.asyncio import AsyncSession

from bot.desks.status_news import change_status
from conversations.corrections_policy import holds_place
from conversations.flows.figures import STATUS_LABELS
from conversations.letters import Letter
from conversations.messages import Msg, msg
from conversations.nik import Nik, NikProblem, parse_nik
from conversations.programme import Programme
from conversations.text import words
from db.models import Registration
from db.personal_data import PersonalDataCipher
from db.repositories import audit, enrolment

__all__ = [
    "EARLIEST_START",
    "ImportOutcome",
    "KpjRow",
    "Problem",
    "UnreadableFile",
    "import_kpj",
    "parse_kpj_table",
    "read_table",
]

KPJ_DIGITS = 11
_NIK_DIGITS = 16
# BPJS Ketenagakerjaan has run JKK and JKM since 1 July 2015: an earlier start is a typing mistake.
EARLIEST_START = date(2015, 7, 1)
LATEST_START_AHEAD = timedelta(days=366)
_HEADER_SEARCH_ROWS = 10  # a title or a blank line or two above the header is fine
_DIGIT_NOISE = re.compile(r"[\s.\-_/']+")
_DATE_FORMATS = ("%d-%m-%Y", "%d/%m/%Y", "%d.%m.%Y", "%Y-%m-%d", "%Y/%m/%d", "%d-%m-%Y %H:%M:%S", "%Y-%m-%d %H:%M:%S")
_NIK_PROBLEMS = {
    NikProblem.UNKNOWN_PROVINCE: "cli.kpj.nik_unknown_province",
    NikProblem.BAD_DAY: "cli.kpj.nik_bad_day",
    NikProblem.BAD_MONTH: "cli.kpj.nik_bad_month",
    NikProblem.IMPOSSIBLE_DATE: "cli.kpj.nik_impossible_date",
    NikProblem.SERIAL_ZERO: "cli.kpj.nik_serial_zero",
    NikProblem.IN_THE_FUTURE: "cli.kpj.nik_in_the_future",
}

Cell = object


@dataclass(frozen=True, slots=True)
class _Bad:
    """What is wrong with one value, as it is printed after "baris N: "."""

    text: Msg


class UnreadableFile(Exception):
    """The file cannot be read at all (missing, another format, no header): said in one line."""

    def __init__(self, message: Msg) -> None:
        super().__init__(message.key)
        self.message = message


@dataclass(frozen=True, slots=True)
class Problem:
    line: int  # 0: the file as a whole
    text: Msg

    def said(self) -> Msg:
        return msg("cli.kpj.line", line=self.line, problem=self.text) if self.line else self.text


@dataclass(frozen=True, slots=True)
class KpjRow:
    line: int
    nik: str
    kpj: str
    start: date
    number_cell: bool = False  # the NIK came from a number cell: said after "not registered"


@dataclass(frozen=True, slots=True)
class ImportOutcome:
    activated: int = 0
    already_active: int = 0
    # Of those activated, the ones that were being checked again after a correction (their numbers).
    corrected: tuple[int, ...] = ()
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
        raise UnreadableFile(msg("cli.kpj.unreadable", reason=exc.strerror or type(exc).__name__)) from exc
    if suffix == ".xlsx":
        return _xlsx_rows(content)
    if suffix in (".csv", ".txt"):
        return _csv_rows(content)
    raise UnreadableFile(msg("cli.kpj.unsupported", suffix=suffix or msg("cli.kpj.no_suffix")))


def _xlsx_rows(content: bytes) -> list[tuple[int, list[Cell]]]:
    try:
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except (BadZipFile, OSError, KeyError, ValueError) as exc:
        raise UnreadableFile(msg("cli.kpj.bad_excel", error=type(exc).__name__)) from exc
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
                raise UnreadableFile(msg("cli.kpj.line", line=line, problem=msg("cli.kpj.no_start_column")))
            return position, columns
    raise UnreadableFile(msg("cli.kpj.no_header", rows=_HEADER_SEARCH_ROWS))


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
        return _Bad(msg("cli.kpj.nik_empty"))
    if not (digits.isascii() and digits.isdigit()) or len(digits) != _NIK_DIGITS:
        return _Bad(msg("cli.kpj.nik_length", digits=_NIK_DIGITS, written=len(digits)))
    parsed = parse_nik(digits, today)
    if isinstance(parsed, Nik):
        return parsed
    return _Bad(_with_hint(msg(_NIK_PROBLEMS.get(parsed, "cli.kpj.nik_invalid")), _number_cell(value)))


def _number_cell(nik_cell: Cell) -> bool:
    """A NIK typed into a number cell: Excel keeps 15 significant digits and turns the 16th into 0."""
    return isinstance(nik_cell, (int, float))


def _with_hint(problem: Msg, number_cell: bool) -> Msg:
    return msg("cli.kpj.number_cell", problem=problem) if number_cell else problem


def _kpj(value: Cell) -> str | _Bad:
    digits = _digits(value)
    if not digits:
        return _Bad(msg("cli.kpj.kpj_empty"))
    if not (digits.isascii() and digits.isdigit()) or len(digits) != KPJ_DIGITS:
        return _Bad(msg("cli.kpj.kpj_length", digits=KPJ_DIGITS, written=_text(value)[:20]))
    return digits


def _start(value: Cell, today: date) -> date | _Bad:
    if isinstance(value, datetime):
        found = value.date()
    elif isinstance(value, date):
        found = value
    else:
        text = _text(value)
        if not text:
            return _Bad(msg("cli.kpj.start_empty"))
        parsed = _parse_date(text)
        if parsed is None:
            return _Bad(msg("cli.kpj.start_unreadable", written=text[:20]))
        found = parsed
    latest = today + LATEST_START_AHEAD
    if not EARLIEST_START <= found <= latest:
        return _Bad(
            msg(
                "cli.kpj.start_out_of_range",
                date=f"{found:%d-%m-%Y}",
                earliest=f"{EARLIEST_START:%d-%m-%Y}",
                latest=f"{latest:%d-%m-%Y}",
            )
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
                found.append(msg("cli.kpj.nik_twice", line=nik_lines[nik.digits]))
            nik_lines.setdefault(nik.digits, line)
        if isinstance(kpj, str):
            if kpj in kpj_lines:
                found.append(msg("cli.kpj.kpj_twice", line=kpj_lines[kpj]))
            kpj_lines.setdefault(kpj, line)
        if found:
            problems.extend(Problem(line, text) for text in found)
        elif isinstance(nik, Nik) and isinstance(kpj, str) and isinstance(start, date):
            parsed.append(KpjRow(line, nik.digits, kpj, start, _number_cell(cell("nik"))))
    if not parsed and not problems:
        problems.append(Problem(0, msg("cli.kpj.no_rows")))
    return parsed, problems


# ---- against the registrations, then all at once ------------------------------------------------


async def import_kpj(
    session: AsyncSession,
    cipher: PersonalDataCipher,
    programme: Programme,
    post: list[Letter],
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
        problem = _problem_with(registration, row, holders.get(row.kpj), programme)
        if problem:
            problems.append(Problem(row.line, problem))
        elif registration is not None and registration.status == "active":
            already += 1
        elif registration is not None:
            to_activate.append((registration, row))
    if problems:
        return ImportOutcome(problems=tuple(sorted(problems, key=lambda p: p.line)))
    corrected = tuple(sorted(registration.id for registration, _ in to_activate if registration.status != "approved"))
    for registration, row in to_activate:
        await change_status(
            session,
            post,
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
        detail={
            "activated": str(len(to_activate)),
            "already_active": str(already),
            "by": actor,
            **({"corrected": ",".join(map(str, corrected))} if corrected else {}),
        },
    )
    return ImportOutcome(activated=len(to_activate), already_active=already, corrected=corrected)


def _problem_with(
    registration: Registration | None,
    row: KpjRow,
    holder: Registration | None,
    programme: Programme,
) -> Msg | None:
    if registration is None or registration.programme_id != programme.id or registration.erased_at is not None:
        return _with_hint(msg("cli.kpj.not_registered", programme=programme.name), row.number_cell)
    if holder is not None and holder.id != registration.id:
        return msg("cli.kpj.kpj_taken", kpj=row.kpj, id=holder.id)
    if registration.status == "active":
        same = registration.kpj == row.kpj
        return None if same else msg("cli.kpj.active_other_kpj", id=registration.id)
    if registration.status != "approved" and not holds_place(registration.status, registration.quota_year):
        key = STATUS_LABELS.get(registration.status)
        return msg("cli.kpj.not_approved", id=registration.id, status=msg(key) if key else registration.status)
    return None
