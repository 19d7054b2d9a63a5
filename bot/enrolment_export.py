"""The list BPJS TK needs for collective registration: one row per registration with the chosen status,
NIK in full (decrypted here, and only here), as Excel or CSV. Written by `jaring export enrolment` and
sent to an admin in chat as a file (stored encrypted in the outbox until it has gone).

The formats, and why:
- xlsx (openpyxl): NIK, phone, RT and RW are TEXT cells (format "@"), so Excel shows
  3375010506850001 and not 3,37501E+15 — a 16-digit number does not fit Excel's 15 significant digits;
  birth dates are real dates shown as 05-06-1985; the header row is bold, frozen and filtered.
- csv: UTF-8 with a byte-order mark, so Excel reads names with non-ASCII letters correctly; `;` between
  fields, because Excel with Indonesian regional settings (decimal comma) expects `;` and opens such a
  file in columns on a double-click, and because addresses often hold commas. Digits are written as they
  are: a system reading the CSV gets the NIK intact, while Excel would still turn a NIK in a CSV into a
  number — open the xlsx in Excel instead.

What people typed is shown, never run, and never breaks the file (`safe_cell`, used by both writers):
- a text cell starting with `=`, `+`, `-` or `@` is a formula to a spreadsheet (`=HYPERLINK(...&A2)` would
  send a row's NIK away). In the xlsx every text cell is stored as text, with the Text format, so it is
  shown as typed and stays text when edited; the csv has no types, so such a cell gets a leading `'`, as
  OWASP's CSV-injection guidance says (Excel shows the `'`; numbers and dates are never touched);
- characters with no place in a list are removed: control characters (C0, DEL, C1; a tab or a line break
  becomes a space), bidi overrides, zero-width and other invisible format characters, lone surrogates.
  Old rows may hold them, and one of them made openpyxl refuse the whole file.

Files: 0600, written by `write_private_file` (see handlers/terminal/files.py); in chat, encrypted in the
outbox and emptied once sent."""

from __future__ import annotations

import asyncio
import contextlib
import csv
import io
import traceback
from dataclasses import dataclass
from datetime import date, datetime, time
from pathlib import Path
from typing import TYPE_CHECKING

from sqlalchemy.ext.asyncio import AsyncSession

from bot.cli_voice import CLI_LANGUAGE, Voice
from bot.outbox_files import queue_file
from bot.person_ids import parse_person_id
from conversations.figures_requests import ExportEnrolment, ExportFormat, ExportStatus, FileQueued
from conversations.flows.figures import STATUS_LABELS
from conversations.flows.jobs import OTHER_JOB
from conversations.messages import Msg, msg
from conversations.programme import Programme
from conversations.regions import Region
from conversations.text import clean_text, fold_lines
from db.models import Contact, Registration
from db.personal_data import PersonalDataCipher
from db.repositories import audit, contacts, enrolment, roles
from handlers.terminal.files import write_private_file
from locales import Catalogs

if TYPE_CHECKING:
    from bot.app import Jaring

__all__ = [
    "COLUMNS",
    "EXPORT_STATUSES",
    "MEDIA_TYPES",
    "EnrolmentExport",
    "EnrolmentRow",
    "answer_export",
    "build_export",
    "enrolment_rows",
    "export_file_name",
    "run_export_command",
    "safe_cell",
    "to_csv",
    "to_xlsx",
]

EXPORT_STATUSES: tuple[ExportStatus, ...] = ("approved", "active", "all")
MEDIA_TYPES: dict[ExportFormat, str] = {
    "xlsx": "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet",
    "csv": "text/csv",
}
PROGRAMMES = "JKK + JKM"
CSV_DELIMITER = ";"
# (header, width in characters): the order BPJS TK's collective form asks for, our number first so
# their answer can be matched by hand too.
COLUMNS: tuple[tuple[str, int], ...] = (
    ("No. Pendaftaran", 16),
    ("NIK", 20),
    ("Nama Lengkap", 28),
    ("Tanggal Lahir", 14),
    ("Jenis Kelamin", 14),
    ("Alamat", 32),
    ("RT", 6),
    ("RW", 6),
    ("Kelurahan/Desa", 20),
    ("Kecamatan", 20),
    ("Kabupaten/Kota", 20),
    ("Jenis Pekerjaan", 32),
    ("No. HP", 16),
    ("Program", 12),
    ("Iuran per Bulan", 16),
    ("Status", 30),
)
# "@" is Excel's Text format: NIK and phone keep every digit, RT 003 keeps its zeros.
_NUMBER_FORMATS = {
    "NIK": "@",
    "RT": "@",
    "RW": "@",
    "No. HP": "@",
    "Tanggal Lahir": "DD-MM-YYYY",
    "Iuran per Bulan": "#,##0",
}
_FILE_STATUS = {"approved": "disetujui", "active": "aktif", "all": "semua"}
_SHEET_TITLE = "Daftar BPJS TK"

# What makes a spreadsheet read a cell as a formula (OWASP, CSV injection): tab and CR cannot lead once
# cleaned, they are here in case the cleaning changes.
_FORMULA_STARTS = ("=", "+", "-", "@", "\t", "\r")


@dataclass(frozen=True, slots=True)
class EnrolmentRow:
    registration_id: int
    nik: str
    full_name: str
    birth_date: date | None
    sex: str  # L or P, as on the KTP
    street: str
    rt: str
    rw: str
    kelurahan: str
    kecamatan: str
    kabupaten_kota: str
    job: str
    phone: str
    programmes: str
    monthly_premium: int
    status: str

    def cells(self) -> tuple[str | int | date | None, ...]:
        return (
            self.registration_id,
            self.nik,
            self.full_name,
            self.birth_date,
            self.sex,
            self.street,
            self.rt,
            self.rw,
            self.kelurahan,
            self.kecamatan,
            self.kabupaten_kota,
            self.job,
            self.phone,
            self.programmes,
            self.monthly_premium,
            self.status,
        )


@dataclass(frozen=True, slots=True)
class EnrolmentExport:
    rows: int
    content: bytes
    file_name: str
    media_type: str


def _statuses(status: ExportStatus) -> tuple[str, ...] | None:
    return None if status == "all" else (status,)


async def enrolment_rows(
    session: AsyncSession,
    *,
    cipher: PersonalDataCipher,
    programme: Programme,
    region: Region | None,
    catalogs: Catalogs,
    status: ExportStatus,
) -> list[EnrolmentRow]:
    registrations = await enrolment.for_enrolment(session, programme.id, _statuses(status))
    return [_row(r, cipher, programme, region, catalogs) for r in registrations]


def _row(
    r: Registration, cipher: PersonalDataCipher, programme: Programme, region: Region | None, catalogs: Catalogs
) -> EnrolmentRow:
    kelurahan = next((k.name for k in region.all_kelurahan if k.code == r.kelurahan_code), None) if region else None
    kecamatan = region.kecamatan_of(r.kelurahan_code) if region else None
    job = next((j.name for j in programme.job_types if j.id == r.job_type), None)
    if job is None:
        job = f"Lainnya: {r.job_text}" if r.job_type == OTHER_JOB and r.job_text else r.job_text or r.job_type
    status_key = STATUS_LABELS.get(r.status)
    return EnrolmentRow(
        registration_id=r.id,
        nik=cipher.decrypt(r.nik_cipher) if r.nik_cipher else "",
        full_name=r.full_name or "",
        birth_date=r.birth_date,
        sex="" if r.female is None else ("P" if r.female else "L"),
        street=r.street or "",
        rt=r.rt or "",
        rw=r.rw or "",
        kelurahan=kelurahan or r.kelurahan_code,
        kecamatan=kecamatan.name if kecamatan else "",
        kabupaten_kota=region.name if region else "",
        job=job,
        phone=r.phone or "",
        programmes=PROGRAMMES,
        monthly_premium=programme.premium.monthly,
        status=catalogs.render(msg(status_key), "id") if status_key else r.status,
    )


def safe_cell(value: str | int | date | None, file_format: ExportFormat) -> str | int | date | None:
    """A cell as both writers put it in the file: text cleaned of what has no place in a list (see the
    module's notes), and in csv, text that would start a formula behind a `'`. Other values unchanged."""
    if not isinstance(value, str):
        return value
    text = fold_lines(clean_text(value))  # the inbound door's cleaning, on one line
    if file_format == "csv" and text.startswith(_FORMULA_STARTS):
        return "'" + text
    return text


def to_xlsx(rows: list[EnrolmentRow]) -> bytes:
    """Written in openpyxl's streaming mode: about three times faster than building the sheet in memory
    (10 000 rows in about a second), which matters since a chat export runs inside a transaction."""
    # Imported here: the chat path imports this module, and only an export needs openpyxl.
    from openpyxl import Workbook  # noqa: PLC0415
    from openpyxl.cell import WriteOnlyCell  # noqa: PLC0415
    from openpyxl.styles import Font  # noqa: PLC0415
    from openpyxl.utils import get_column_letter  # noqa: PLC0415

    book = Workbook(write_only=True)
    sheet = book.create_sheet(_SHEET_TITLE)
    for index, (_, width) in enumerate(COLUMNS, start=1):
        sheet.column_dimensions[get_column_letter(index)].width = width
    sheet.freeze_panes = "A2"
    sheet.auto_filter.ref = f"A1:{get_column_letter(len(COLUMNS))}{len(rows) + 1}"
    bold = Font(bold=True)
    header_cells = []
    for header, _ in COLUMNS:
        cell = WriteOnlyCell(sheet, value=header)
        cell.font = bold
        header_cells.append(cell)
    sheet.append(header_cells)
    formats = [_NUMBER_FORMATS.get(header) for header, _ in COLUMNS]
    for row in rows:
        cells = []
        for value, number_format in zip(row.cells(), formats, strict=True):
            safe = safe_cell(value, "xlsx")
            cell = WriteOnlyCell(sheet, value=_excel_value(safe))
            if isinstance(safe, str):
                # Text, always: openpyxl makes a str starting with "=" a formula (and "#N/A" an error).
                # The Text format keeps it text when someone edits the cell in Excel, too.
                cell.data_type = "s"
                cell.number_format = number_format or "@"
            elif number_format is not None:
                cell.number_format = number_format
            cells.append(cell)
        sheet.append(cells)
    output = io.BytesIO()
    book.save(output)
    return output.getvalue()


def _excel_value(value: str | int | date | None) -> str | int | datetime | None:
    """A date as Excel stores it (a date-time at midnight, shown with the date format only)."""
    return datetime.combine(value, time()) if isinstance(value, date) else value


def to_csv(rows: list[EnrolmentRow]) -> bytes:
    output = io.StringIO(newline="")
    writer = csv.writer(output, delimiter=CSV_DELIMITER, lineterminator="\r\n")
    writer.writerow([header for header, _ in COLUMNS])
    for row in rows:
        cells = (safe_cell(value, "csv") for value in row.cells())
        writer.writerow([value.strftime("%d-%m-%Y") if isinstance(value, date) else value for value in cells])
    return output.getvalue().encode("utf-8-sig")


def export_file_name(status: ExportStatus, file_format: ExportFormat, today: date) -> str:
    return f"daftar-bpjstk-{_FILE_STATUS[status]}-{today:%d-%m-%Y}.{file_format}"


async def build_export(
    session: AsyncSession,
    cipher: PersonalDataCipher,
    programme: Programme,
    region: Region | None,
    catalogs: Catalogs,
    *,
    status: ExportStatus,
    file_format: ExportFormat,
    now: datetime,
    by: str,
    actor_contact_id: int | None = None,
) -> EnrolmentExport:
    """The file's content, with the export in the audit log (how many rows, which status and format:
    never a NIK)."""
    rows = await enrolment_rows(
        session, cipher=cipher, programme=programme, region=region, catalogs=catalogs, status=status
    )
    content = to_xlsx(rows) if file_format == "xlsx" else to_csv(rows)
    await audit.record_audit(
        session,
        "enrolment.exported",
        now=now,
        actor_contact_id=actor_contact_id,
        subject=f"programme:{programme.id}"[:120],
        detail={"rows": str(len(rows)), "status": status, "format": file_format, "by": by},
    )
    name = export_file_name(status, file_format, programme.local_date(now))
    return EnrolmentExport(len(rows), content, name, MEDIA_TYPES[file_format])


async def _send_to_admin(
    session: AsyncSession,
    *,
    cipher: PersonalDataCipher,
    catalogs: Catalogs,
    contact: Contact,
    export: EnrolmentExport,
    now: datetime,
) -> None:
    rows = f"{export.rows:,}".replace(",", "," if contact.language == "en" else ".")
    await queue_file(
        session,
        cipher,
        contact,
        file_name=export.file_name,
        media_type=export.media_type,
        content=export.content,
        caption=catalogs.render(msg("export.caption", rows=rows), contact.language),
        now=now,
    )


async def answer_export(
    session: AsyncSession,
    *,
    cipher: PersonalDataCipher,
    programme: Programme,
    region: Region | None,
    catalogs: Catalogs,
    contact: Contact,
    request: ExportEnrolment,
    now: datetime,
) -> FileQueued:
    """The chat's export: to the admin asking (the caller checked the role), as a file in the outbox."""
    export = await build_export(
        session,
        cipher,
        programme,
        region,
        catalogs,
        status=request.status,
        file_format=request.file_format,
        now=now,
        by=f"{contact.channel}:{contact.channel_id}",
        actor_contact_id=contact.id,
    )
    if export.rows == 0:
        return FileQueued(0)
    await _send_to_admin(session, cipher=cipher, catalogs=catalogs, contact=contact, export=export, now=now)
    return FileQueued(export.rows, export.file_name)


# ---- jaring export enrolment -------------------------------------------------------------------


async def run_export_command(
    jaring: Jaring,
    status: ExportStatus,
    file_format: ExportFormat | None,
    output: Path,
    send_to: str | None,
    *,
    language: str = CLI_LANGUAGE,
) -> int:
    """Write the file (readable by its owner only); with `send_to`, queue it to that admin too. A failure is
    one short line (no traceback: its text could hold a name or a NIK) and exit code 1, with nothing
    written, queued or recorded."""
    say = Voice.of(jaring, language)
    chosen: ExportFormat = file_format or ("csv" if output.suffix.lower() == ".csv" else "xlsx")
    try:
        return await _export_command(jaring, status, chosen, output, send_to, say=say)
    except _NotWritten as exc:
        say.complain("cli.export.not_written", path=str(output), reason=str(exc))
        return 1
    except Exception as exc:  # any other failure: the same short line, never its text
        say.complain("cli.export.failed", where=_where(exc))
        return 1


class _NotWritten(Exception):
    """The file could not be written (no such folder, no permission…): the OS's reason, no content."""


def _where(exc: BaseException) -> Msg | str:
    """The failure's type and the line it came from, never its message (openpyxl's, for one, quotes the
    cell's text)."""
    frames = traceback.extract_tb(exc.__traceback__)
    if not frames:
        return type(exc).__name__
    place = f"{Path(frames[-1].filename).name}:{frames[-1].lineno}"
    return msg("cli.export.failed_at", error=type(exc).__name__, place=place)


async def _export_command(
    jaring: Jaring, status: ExportStatus, chosen: ExportFormat, output: Path, send_to: str | None, *, say: Voice
) -> int:
    now = jaring.pipeline.clock()
    written = False
    try:
        async with jaring.store.transaction() as session:
            admin: Contact | None = None
            if send_to:
                person = parse_person_id(send_to)  # checked already by the command line
                admin = await contacts.find_contact(session, person.channel, person.channel_id)
                if admin is None or not await roles.holds_role(session, admin.id, "admin"):
                    say.complain("cli.export.not_admin", person=send_to)
                    return 2
            export = await build_export(
                session,
                jaring.cipher,
                jaring.programme,
                jaring.region,
                jaring.catalogs,
                status=status,
                file_format=chosen,
                now=now,
                by="cli",
                actor_contact_id=None,
            )
            try:
                # 0600 even over an existing file; the folder is the officer's choice and is left as it is.
                await asyncio.to_thread(write_private_file, output, export.content)
            except OSError as exc:  # raised inside the transaction: the export is not recorded either
                raise _NotWritten(exc.strerror or type(exc).__name__) from None
            written = True
            if admin is not None and export.rows:
                await _send_to_admin(
                    session, cipher=jaring.cipher, catalogs=jaring.catalogs, contact=admin, export=export, now=now
                )
    except BaseException:
        if written:  # not recorded, not queued: not left on disk either
            _discard(output)
        raise
    which = msg(_STATUS_SAID[status])
    say.say("cli.export.written", rows=say.number(export.rows), status=which, path=str(output), format=chosen)
    say.say("cli.export.full_niks")
    if admin is not None:
        say.say("cli.export.sent" if export.rows else "cli.export.empty_not_sent", person=send_to or "")
    return 0


# What the command says of each choice of --status.
_STATUS_SAID = {
    "approved": "cli.export.status_approved",
    "active": "cli.export.status_active",
    "all": "cli.export.status_all",
}


def _discard(path: Path) -> None:
    with contextlib.suppress(OSError):
        path.unlink()
