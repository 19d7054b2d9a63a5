"""Reading the lists a Dinas or BPJS TK keeps, as xlsx or csv: the rows with their line numbers, the
header row found among the first few, and the cells read as text, digits or dates. Shared by the imports
(`jaring import kpj`, `jaring import participants`), whose problems are each said with its line."""

from __future__ import annotations

import csv
import io
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from pathlib import Path
from typing import Literal

from openpyxl import load_workbook

from conversations.messages import Msg, msg

__all__ = [
    "HEADER_SEARCH_ROWS",
    "Cell",
    "Problem",
    "Row",
    "UnreadableFile",
    "cell_date",
    "cell_digits",
    "cell_text",
    "find_header",
    "is_number_cell",
    "parse_day",
    "read_bytes",
    "read_table",
]

HEADER_SEARCH_ROWS = 10  # a title or a blank line or two above the header is fine
_DIGIT_NOISE = re.compile(r"[\s.\-_/']+")
_CLOCK = r"(?: [0-9]{1,2}:[0-9]{1,2}:[0-9]{1,2})?"  # a time a tool wrote after the date, ignored
_DATE_PATTERNS = tuple(
    re.compile(pattern, re.ASCII)
    for pattern in (
        rf"^(?P<day>[0-9]{{1,2}})-(?P<month>[0-9]{{1,2}})-(?P<year>[0-9]{{4}}){_CLOCK}$",
        r"^(?P<day>[0-9]{1,2})/(?P<month>[0-9]{1,2})/(?P<year>[0-9]{4})$",
        r"^(?P<day>[0-9]{1,2})\.(?P<month>[0-9]{1,2})\.(?P<year>[0-9]{4})$",
        rf"^(?P<year>[0-9]{{4}})-(?P<month>[0-9]{{1,2}})-(?P<day>[0-9]{{1,2}}){_CLOCK}$",
        r"^(?P<year>[0-9]{4})/(?P<month>[0-9]{1,2})/(?P<day>[0-9]{1,2})$",
    )
)

Cell = object
Row = tuple[int, list[Cell]]  # (line number as a spreadsheet or text editor shows it, the cells)


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


# ---- the file ----------------------------------------------------------------------------------


def read_table(path: Path) -> list[Row]:
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


def read_bytes(content: bytes, file_format: Literal["xlsx", "csv"]) -> list[Row]:
    """An uploaded list's rows, as `read_table` reads a file's (a web upload is told apart by its
    content, not by a name's suffix)."""
    if file_format == "xlsx":
        return _xlsx_rows(content)
    try:
        return _csv_rows(content)
    except UnicodeDecodeError as exc:  # neither UTF-8 nor Windows' own: not a text file at all
        raise UnreadableFile(msg("cli.kpj.unreadable", reason=type(exc).__name__)) from exc


def _xlsx_rows(content: bytes) -> list[Row]:
    # Anything may come in a file that only looks like a workbook (a zip whose parts are not the XML they
    # claim, a sheet that breaks off): whatever openpyxl raises while opening or reading it, the file is
    # one that cannot be read, said in one line, never a crash.
    try:
        book = load_workbook(io.BytesIO(content), read_only=True, data_only=True)
    except Exception as exc:
        raise UnreadableFile(msg("cli.kpj.bad_excel", error=type(exc).__name__)) from exc
    try:
        sheet = book.worksheets[0]
        rows: list[Row] = [
            (number, list[Cell](values))
            for number, values in enumerate(sheet.iter_rows(values_only=True), start=1)
            if any(cell_text(value) for value in values)
        ]
    except Exception as exc:
        raise UnreadableFile(msg("cli.kpj.bad_excel", error=type(exc).__name__)) from exc
    finally:
        book.close()
    return rows


def _csv_rows(content: bytes) -> list[Row]:
    try:
        text = content.decode("utf-8-sig")
    except UnicodeDecodeError:
        text = content.decode("cp1252")  # Excel's "CSV" on Windows without UTF-8
    first = next((line for line in text.splitlines() if line.strip()), "")
    delimiter = max((";", ",", "\t"), key=first.count)
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=delimiter)
    rows: list[Row] = []
    try:
        for values in reader:
            if any(value.strip() for value in values):
                rows.append((reader.line_num, list(values)))
    except csv.Error as exc:  # a cell longer than csv's limit (128 KB), a NUL byte: not a list
        raise UnreadableFile(msg("cli.kpj.unreadable", reason=type(exc).__name__)) from exc
    return rows


def find_header(
    rows: Sequence[Row], column_kind: Callable[[Cell], str | None], enough: Callable[[dict[str, int]], bool]
) -> tuple[int, dict[str, int]] | None:
    """The header's position in `rows` (among the first HEADER_SEARCH_ROWS) and the column of each kind
    found in it (the first column of a kind counts): the first row whose kinds are `enough`."""
    for position, (_, cells) in enumerate(rows[:HEADER_SEARCH_ROWS]):
        columns: dict[str, int] = {}
        for index, cell in enumerate(cells):
            kind = column_kind(cell)
            if kind is not None:
                columns.setdefault(kind, index)
        if enough(columns):
            return position, columns
    return None


# ---- the cells ---------------------------------------------------------------------------------


def cell_text(value: Cell) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    if isinstance(value, datetime):
        return value.strftime("%d-%m-%Y")
    if isinstance(value, date):
        return value.strftime("%d-%m-%Y")
    return str(value).strip()


def cell_digits(value: Cell) -> str:
    """The cell's digits with what people put between them taken out ("3375 0125…", "'3375…")."""
    text = cell_text(value)
    if text.startswith('="') and text.endswith('"'):  # ="3375…": how some tools keep Excel off a number
        text = text[2:-1]
    return _DIGIT_NOISE.sub("", text)


def is_number_cell(value: Cell) -> bool:
    """A number typed into a number cell: Excel keeps 15 significant digits (a NIK's 16th becomes 0) and
    drops a leading 0 (a phone number's)."""
    return isinstance(value, (int, float)) and not isinstance(value, bool)


def cell_date(value: Cell) -> date | None:
    """A real Excel date, or a date written as dd-mm-yyyy, dd/mm/yyyy, dd.mm.yyyy or yyyy-mm-dd."""
    if isinstance(value, datetime):
        return value.date()
    if isinstance(value, date):
        return value
    return parse_day(cell_text(value))


def parse_day(text: str) -> date | None:
    """dd-mm-yyyy, dd/mm/yyyy, dd.mm.yyyy, yyyy-mm-dd or yyyy/mm/dd: a date of the calendar, or None. Read
    with patterns rather than strptime, which cost ~45 µs a try: a second on 30 000 rows."""
    for pattern in _DATE_PATTERNS:
        found = pattern.match(text)
        if found is not None:
            try:
                return date(int(found["year"]), int(found["month"]), int(found["day"]))
            except ValueError:
                return None
    return None
