"""Exports and imports (admins), at /dinas/berkas: the enrolment list for BPJS TK downloaded (xlsx or csv,
full NIKs, audited as the chat's and the command's exports), BPJS TK's answer with the KPJ numbers
uploaded, and the list of participants a Pemda already has uploaded. An upload is checked line by line
first and imported only when every line is good, by the same desks as `jaring import kpj` and `jaring
import participants` (bot/desks/export.py answers the requests); a refused file is shown with each
problem by its line, nothing changed.

An upload is one file of at most 10 MB, told apart by its content (an xlsx is a zip, a csv is text), so
a list saved with the wrong name still reads. A browser cannot put a chosen file back into a form: after
a problem the form keeps its other choices and asks for the file again."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import date
from typing import Literal, get_args

from starlette.datastructures import UploadFile
from starlette.responses import Response
from starlette.routing import BaseRoute

from bot.web.desk import Desk
from bot.web.rendering import Texts
from bot.web.visit import AdminsOnly, Visit, page_route
from conversations.messages import Msg
from conversations.requests.export import (
    DownloadEnrolment,
    ExportFormat,
    ExportStatus,
    FileRefused,
    ImportKpj,
    ImportParticipants,
    TableFormat,
)
from conversations.requests.figures import OnlyForAdmins

__all__ = [
    "MAX_UPLOAD_BYTES",
    "ShownProblem",
    "Upload",
    "problems_shown",
    "routes",
    "table_format",
]

MAX_UPLOAD_BYTES = 10 * 1024 * 1024
STATUSES: tuple[ExportStatus, ...] = get_args(ExportStatus)
FORMATS: tuple[ExportFormat, ...] = get_args(ExportFormat)
STATUS_LABELS: dict[ExportStatus, str] = {
    "approved": "web.files.status_approved",
    "active": "web.files.status_active",
    "all": "web.files.status_all",
}
FORMAT_LABELS: dict[ExportFormat, str] = {"xlsx": "web.files.format_xlsx", "csv": "web.files.format_csv"}
PROBLEMS_SHOWN = 300  # a list refused on every line of 30 000 shows the first ones: enough to see the pattern
_ZIP = b"PK\x03\x04"  # an xlsx is a zip of XML files
_OLD_EXCEL = b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1"  # .xls (Excel 97–2003), which the readers do not open
_SNIFF_BYTES = 64 * 1024
# The desks' problems that tell the command line's user to "run with --year": on the desk the year is
# chosen in the form.
_WEB_WORDING = {
    "imports.no_year_column": "web.files.participants.no_year_column",
    "imports.year_empty": "web.files.participants.year_empty",
}

FileKind = TableFormat | Literal["xls", "other"]
PageHandler = Callable[[Visit], Awaitable[Response]]


# ---- pure: what an upload is, what its problems say -------------------------------------------------


def table_format(content: bytes) -> FileKind:
    """What an uploaded file is, by its content: xlsx (a zip), csv (text in UTF-8 or Windows' own
    encoding, as Excel saves it), an old .xls, or something else."""
    if content.startswith(_ZIP):
        return "xlsx"
    if content.startswith(_OLD_EXCEL):
        return "xls"
    if b"\x00" in content[:_SNIFF_BYTES]:  # a picture, a PDF, a UTF-16 text: not a list we read
        return "other"
    for encoding in ("utf-8-sig", "cp1252"):
        try:
            content.decode(encoding)
        except UnicodeDecodeError:
            continue
        return "csv"
    return "other"


@dataclass(frozen=True, slots=True)
class ShownProblem:
    line: int  # 0: the file as a whole
    text: str


def problems_shown(refused: FileRefused, texts: Texts) -> list[ShownProblem]:
    """The desk's problems in the officer's language, in the order of the lines."""
    return [ShownProblem(p.line, _said(p.text, texts)) for p in refused.problems]


def _said(message: Msg, texts: Texts) -> str:
    return texts(_WEB_WORDING.get(message.key, message.key), **message.params)


@dataclass(frozen=True, slots=True)
class Upload:
    content: bytes = field(repr=False)
    name: str  # as the officer's computer named it: shown back, never used as a path
    file_format: TableFormat


async def read_upload(visit: Visit) -> Upload | str:
    """The one uploaded file (field `berkas`), or the catalog key of what is wrong with it."""
    value = visit.form.get("berkas") if visit.form is not None else None
    if not isinstance(value, UploadFile) or not value.filename:
        return "web.files.choose_file"
    try:
        too_big = value.size is not None and value.size > MAX_UPLOAD_BYTES
        content = b"" if too_big else await value.read(MAX_UPLOAD_BYTES + 1)
    finally:
        await value.close()
    if too_big or len(content) > MAX_UPLOAD_BYTES:
        return "web.files.too_big"
    if not content:
        return "web.files.empty"
    kind = table_format(content)
    if kind == "xls":
        return "web.files.old_excel"
    if kind == "other":
        return "web.files.not_a_table"
    name = value.filename.replace("\\", "/").rsplit("/", 1)[-1][:100]
    return Upload(content, name, kind)


# ---- the page and its forms -------------------------------------------------------------------------


@dataclass(slots=True)
class FilesPage:
    """The page's three forms as the officer left them, and what came of the last one sent."""

    status: str = "approved"
    file_format: str = "xlsx"
    download_problem: str = ""  # a catalog key
    kpj_problem: str = ""
    kpj_refused: list[ShownProblem] = field(default_factory=list)
    kpj_file: str = ""
    kpj_confirmed: bool = False
    participants_year: str = ""
    participants_problem: str = ""
    participants_refused: list[ShownProblem] = field(default_factory=list)
    participants_file: str = ""
    participants_confirmed: bool = False
    participants_imported_before: bool = False

    @property
    def failed(self) -> bool:
        return bool(
            self.download_problem
            or self.kpj_problem
            or self.kpj_refused
            or self.participants_problem
            or self.participants_refused
        )


def budget_years(today: date) -> tuple[int, int]:
    """The years a participant list may be imported into: this one and the next (budget_year_problem)."""
    return today.year, today.year + 1


def _show(visit: Visit, form: FilesPage) -> Response:
    jaring = visit.desk.jaring
    return visit.page(
        "files/files.html",
        status=422 if form.failed else 200,
        form=form,
        statuses=[(value, STATUS_LABELS[value]) for value in STATUSES],
        formats=[(value, FORMAT_LABELS[value]) for value in FORMATS],
        problems_shown=PROBLEMS_SHOWN,
        years=budget_years(jaring.programme.local_date(visit.now)),
        legal_basis=jaring.programme.privacy.legal_basis or "",
        program_file=str(jaring.settings.program_file),
        max_mb=MAX_UPLOAD_BYTES // (1024 * 1024),
    )


async def _confirmed_upload(visit: Visit, problem: str = "") -> Upload | str:
    """The uploaded file, or the first thing wrong with the form: the file, `problem` (a choice the
    caller checked), or the box that confirms the import left unticked (a crafted form: it is required)."""
    upload = await read_upload(visit)
    if isinstance(upload, str):
        return upload
    if problem:
        return problem
    return upload if _ticked(visit) else "web.files.confirm_first"


def _ticked(visit: Visit) -> bool:
    return visit.field("yakin") == "ya"


def routes(desk: Desk) -> list[BaseRoute]:
    async def files(visit: Visit) -> Response:
        visit.require_admin()
        return _show(visit, FilesPage())

    async def download(visit: Visit) -> Response:
        visit.require_admin()
        form = FilesPage(status=visit.field("status"), file_format=visit.field("format"))
        status = next((s for s in STATUSES if s == form.status), None)
        file_format = next((f for f in FORMATS if f == form.file_format), None)
        if status is None or file_format is None:
            form.download_problem = "web.files.choose_status_and_format"
            return _show(visit, form)
        made = await visit.ask(DownloadEnrolment(status, file_format))
        if isinstance(made, OnlyForAdmins):  # the role was taken away meanwhile
            raise AdminsOnly
        if made.rows == 0:
            form.download_problem = "web.files.nothing_to_download"
            return _show(visit, form)
        return visit.download(made.content, made.file_name, made.media_type)

    async def import_kpj(visit: Visit) -> Response:
        visit.require_admin()
        form = FilesPage(kpj_confirmed=_ticked(visit))
        upload = await _confirmed_upload(visit)
        if isinstance(upload, str):
            form.kpj_problem = upload
            return _show(visit, form)
        answer = await visit.ask(ImportKpj(upload.content, upload.file_format))
        if isinstance(answer, OnlyForAdmins):
            raise AdminsOnly
        if isinstance(answer, FileRefused):
            form.kpj_refused, form.kpj_file = problems_shown(answer, visit.texts), upload.name
            return _show(visit, form)
        return visit.page("files/kpj_done.html", done=answer, file_name=upload.name)

    async def import_participants(visit: Visit) -> Response:
        visit.require_admin()
        form = FilesPage(participants_year=visit.field("tahun"), participants_confirmed=_ticked(visit))
        years = budget_years(visit.desk.jaring.programme.local_date(visit.now))
        year = next((y for y in years if str(y) == form.participants_year), None)
        wrong_year = "web.files.participants.choose_year" if form.participants_year and year is None else ""
        upload = await _confirmed_upload(visit, wrong_year)
        if isinstance(upload, str):
            form.participants_problem = upload
            return _show(visit, form)
        answer = await visit.ask(ImportParticipants(upload.content, upload.file_format, year))
        if isinstance(answer, OnlyForAdmins):
            raise AdminsOnly
        if isinstance(answer, FileRefused):
            form.participants_refused = problems_shown(answer, visit.texts)
            form.participants_file, form.participants_imported_before = upload.name, answer.imported_before
            return _show(visit, form)
        return visit.page("files/participants_done.html", done=answer, file_name=upload.name)

    return [
        page_route(desk, "/berkas", files),
        page_route(desk, "/berkas/unduh", download, methods=("POST",)),
        page_route(desk, "/berkas/kpj", import_kpj, methods=("POST",)),
        page_route(desk, "/berkas/peserta", import_participants, methods=("POST",)),
    ]
