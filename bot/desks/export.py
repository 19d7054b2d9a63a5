"""The list BPJS TK needs for collective registration: one row per registration with the chosen status,
NIK in full (decrypted here, and only here), as Excel or CSV. Written by `jaring export enrolment`, sent to
an admin in chat as a file (stored encrypted in the outbox until it has gone), and downloaded from the web
desk; each export is in the audit log. The lists that come back (BPJS TK's answer with the KPJ numbers, a
Pemda's own participants) are answered here for the web desk too, by the desks of `jaring import`.

The formats, and why:
- xlsx (openpyxl): NIK, phone, RT and RW are TEXT cells (format "@"), so Excel shows
  3375010506850001 and not 3,37501E+15 — a 16-digit number does not fit Excel's 15 significant digits;
  birth dates are real dates shown as 05-06-1985; the header row is bold, frozen and filtered.
- the last column, "Pendana Iuran", names who pays each worker's premium (`funder_of_registration`); the
  participant import reads it back as the funder ("pendana" is one of its words), the KPJ import ignores it.
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

import csv
import io
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date, datetime, time
from typing import TYPE_CHECKING

from sqlalchemy.ext.asyncio import AsyncSession

from bot.desks.call import DeskCall
from bot.desks.figures import only_for_admins
from conversations.flows.figures import STATUS_LABELS
from conversations.flows.jobs import OTHER_JOB
from conversations.letters import Attachment, Letter
from conversations.messages import msg
from conversations.programme import Programme
from conversations.regions import Region
from conversations.requests.export import (
    DownloadEnrolment,
    EnrolmentFile,
    ExportEnrolment,
    ExportFormat,
    ExportStatus,
    FileRefused,
    ImportKpj,
    ImportParticipants,
    KpjImported,
    LineProblem,
    ParticipantsImported,
    TableFormat,
)
from conversations.requests.figures import FileQueued, OnlyForAdmins
from conversations.text import clean_text, fold_lines
from db.models import Contact, Registration
from db.personal_data import PersonalDataCipher
from db.repositories import audit, enrolment
from locales import Catalogs

if TYPE_CHECKING:
    from bot.desks.spreadsheets import Problem, Row

__all__ = [
    "COLUMNS",
    "EXPORT_STATUSES",
    "MEDIA_TYPES",
    "EnrolmentExport",
    "EnrolmentRow",
    "build_export",
    "csv_bytes",
    "download_enrolment",
    "enrolment_row",
    "enrolment_rows",
    "export_enrolment",
    "export_file",
    "export_file_name",
    "funder_of_registration",
    "import_kpj_file",
    "import_participant_file",
    "read_upload",
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
    ("Pendana Iuran", 40),  # who pays the premium: a sponsor, the APBD quota, or the Pemda's own word
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
    funder: str = ""  # `funder_of_registration`

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
            self.funder,
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
    return [enrolment_row(r, cipher, programme, region, catalogs) for r in registrations]


def enrolment_row(
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
        funder=funder_of_registration(r, programme),
    )


def funder_of_registration(r: Registration, programme: Programme) -> str:
    """Who pays this worker's premium, as the list names it: the funder recorded on the registration (a
    sponsor's label, set when the sponsorship became active, or the Pemda's own list's word for an imported
    participant), else the programme file's `paid_by` for a place of a year's quota, else nothing."""
    if r.funder:
        return r.funder
    return programme.premium.paid_by if r.quota_year is not None else ""


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
    return csv_bytes([header for header, _ in COLUMNS], (row.cells() for row in rows))


def csv_bytes(headers: Sequence[str], rows: Iterable[Sequence[str | int | date | None]]) -> bytes:
    """A table as Excel opens it in Indonesia: UTF-8 with a BOM, `;` between cells, dates as dd-mm-yyyy,
    every cell data and never a formula (`safe_cell`). The enrolment list and the web desk's figures."""
    output = io.StringIO(newline="")
    writer = csv.writer(output, delimiter=CSV_DELIMITER, lineterminator="\r\n")
    writer.writerow([safe_cell(header, "csv") for header in headers])
    for row in rows:
        cells = (safe_cell(value, "csv") for value in row)
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
    await audit.record_audit(
        session,
        "enrolment.exported",
        now=now,
        actor_contact_id=actor_contact_id,
        subject=f"programme:{programme.id}"[:120],
        detail={"rows": str(len(rows)), "status": status, "format": file_format, "by": by},
    )
    return export_file(rows, file_format, export_file_name(status, file_format, programme.local_date(now)))


def export_file(rows: list[EnrolmentRow], file_format: ExportFormat, file_name: str) -> EnrolmentExport:
    """The rows of a list for BPJS TK (the enrolment export, the renewal's continuing) as a file."""
    content = to_xlsx(rows) if file_format == "xlsx" else to_csv(rows)
    return EnrolmentExport(len(rows), content, file_name, MEDIA_TYPES[file_format])


def export_letter(contact: Contact, export: EnrolmentExport) -> Letter:
    """The file to an admin, its caption counting the rows (stored encrypted until it has gone)."""
    rows = f"{export.rows:,}".replace(",", "," if contact.language == "en" else ".")
    attachment = Attachment(export.file_name, export.media_type, export.content)
    return Letter.of(contact.id, msg("export.caption", rows=rows), attachment=attachment)


async def export_enrolment(call: DeskCall, request: ExportEnrolment) -> FileQueued | OnlyForAdmins:
    """The chat's export: to the admin asking, as a file in the outbox (stored encrypted until sent)."""
    if refused := await only_for_admins(call, request):
        return refused
    contact = call.asker
    export = await _export_for(call, request.status, request.file_format, by=f"{contact.channel}:{contact.channel_id}")
    if export.rows == 0:
        return FileQueued(0)
    call.post.append(export_letter(contact, export))
    return FileQueued(export.rows, export.file_name)


async def download_enrolment(call: DeskCall, request: DownloadEnrolment) -> EnrolmentFile | OnlyForAdmins:
    """The web desk's download: the same file, audited as the chat's and the command's exports are."""
    if refused := await only_for_admins(call, request):
        return refused
    export = await _export_for(call, request.status, request.file_format, by=_by_web(call.asker))
    return EnrolmentFile(export.rows, export.content, export.file_name, export.media_type)


async def _export_for(call: DeskCall, status: ExportStatus, file_format: ExportFormat, *, by: str) -> EnrolmentExport:
    """The enrolment file for the admin asking, audited with `by` (the chat's address or the web's)."""
    return await build_export(
        call.session,
        call.cipher,
        call.programme,
        call.region,
        call.catalogs,
        status=status,
        file_format=file_format,
        now=call.now,
        by=by,
        actor_contact_id=call.asker.id,
    )


# ---- the lists that come back: BPJS TK's answer (KPJ) and a Pemda's own participants ---------------
# Answered here for the web desk, by the same desk functions as `jaring import kpj` and `jaring import
# participants`. Those modules read spreadsheets with openpyxl (over a second to import): they are imported
# when a file comes, not when the bot starts.


def read_upload(content: bytes, file_format: TableFormat) -> list[Row]:
    """An uploaded list's non-empty rows with their line numbers, as `jaring import` reads a file."""
    from bot.desks.spreadsheets import read_bytes  # noqa: PLC0415  # openpyxl: only when a file arrives

    return read_bytes(content, file_format)


async def import_kpj_file(call: DeskCall, request: ImportKpj) -> KpjImported | FileRefused | OnlyForAdmins:
    """BPJS TK's answer, all lines or none (`import_kpj`, as `jaring import kpj`): each worker made active
    is told, with their RT/RW leader. A refused file changes nothing (`import_kpj` writes only when every
    line is good)."""
    from bot.desks.kpj_import import import_kpj  # noqa: PLC0415
    from bot.desks.spreadsheets import UnreadableFile  # noqa: PLC0415

    if refused := await only_for_admins(call, request):
        return refused
    try:
        rows = read_upload(request.content, request.file_format)
        outcome = await import_kpj(
            call.session, call.cipher, call.programme, call.post, rows, now=call.now, actor=_by_web(call.asker)
        )
    except UnreadableFile as exc:
        return FileRefused((LineProblem(0, exc.message),))
    if outcome.refused:
        return _refused(outcome.problems)
    return KpjImported(outcome.activated, outcome.already_active, outcome.corrected)


async def import_participant_file(
    call: DeskCall, request: ImportParticipants
) -> ParticipantsImported | FileRefused | OnlyForAdmins:
    """A Pemda's own participant list, all lines or none (`import_participants`, as `jaring import
    participants`). Nobody is told: these participants are not linked to a chat yet."""
    from bot.desks.participant_import import budget_year_problem, import_participants  # noqa: PLC0415
    from bot.desks.spreadsheets import UnreadableFile  # noqa: PLC0415

    if refused := await only_for_admins(call, request):
        return refused
    legal_basis = call.programme.privacy.legal_basis
    if not legal_basis:  # the desk's page says so before a file is chosen; asked anyway, nothing is read
        return FileRefused((LineProblem(0, msg("imports.no_legal_basis", file=call.programme.id)),))
    today = call.programme.local_date(call.now)
    if request.year is not None and (wrong := budget_year_problem(request.year, today)):
        return FileRefused((LineProblem(0, wrong),))
    if call.region is None:
        raise ValueError("a participant import needs the programme's region (the bot always gives it)")
    try:
        rows = read_upload(request.content, request.file_format)
        outcome = await import_participants(
            call.session,
            call.cipher,
            call.programme,
            call.region,
            rows,
            now=call.now,
            year=request.year,
            actor=_by_web(call.asker),
        )
    except UnreadableFile as exc:
        return FileRefused((LineProblem(0, exc.message),))
    if outcome.refused:
        return _refused(outcome.problems, imported_before=outcome.imported_before)
    return ParticipantsImported(
        outcome.imported, outcome.years, outcome.kelurahan, outcome.jobs_outside_list, legal_basis
    )


def _refused(problems: Sequence[Problem], *, imported_before: bool = False) -> FileRefused:
    return FileRefused(tuple(LineProblem(p.line, p.text) for p in problems), imported_before)


def _by_web(contact: Contact) -> str:
    """Who, in the audit log and the registrations' history: the officer on the web desk."""
    return f"web:{contact.channel}:{contact.channel_id}"
