"""The files exchanged with BPJS Ketenagakerjaan: the enrolment list (sent to the admin asking as a file in
the chat, or handed to the web desk as a download), BPJS TK's answer with the KPJ numbers, and the list of
participants a Pemda already has. The imports are all or nothing: every line is checked first, and a file
with any problem is refused with each problem by its line, nothing changed."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Literal

from conversations.messages import Msg
from conversations.requests.base import Request
from conversations.requests.figures import FileQueued, OnlyForAdmins

__all__ = [
    "DownloadEnrolment",
    "EnrolmentFile",
    "ExportEnrolment",
    "ExportFormat",
    "ExportStatus",
    "FileRefused",
    "ImportKpj",
    "ImportParticipants",
    "KpjImported",
    "LineProblem",
    "ParticipantsImported",
    "TableFormat",
    "YearEffect",
]

ExportStatus = Literal["approved", "active", "all"]


ExportFormat = Literal["xlsx", "csv"]
TableFormat = Literal["xlsx", "csv"]  # an uploaded list, told apart by its content


@dataclass(frozen=True, slots=True)
class ExportEnrolment(Request[FileQueued | OnlyForAdmins]):
    """Send the admin asking the list BPJS TK needs for collective registration, as a file (full NIKs)."""

    status: ExportStatus
    file_format: ExportFormat


@dataclass(frozen=True, slots=True)
class EnrolmentFile:
    """The enrolment list as a file (`rows` 0: only the header row)."""

    rows: int
    content: bytes = field(repr=False)  # full NIKs: never in a log line
    file_name: str
    media_type: str


@dataclass(frozen=True, slots=True)
class DownloadEnrolment(Request[EnrolmentFile | OnlyForAdmins]):
    """The same list, handed to the admin asking (the web desk's download) instead of sent in the chat."""

    status: ExportStatus
    file_format: ExportFormat


@dataclass(frozen=True, slots=True)
class LineProblem:
    """What is wrong with one line of an uploaded list (line 0: the file as a whole)."""

    line: int
    text: Msg


@dataclass(frozen=True, slots=True)
class FileRefused:
    """The list was not imported: nothing changed. The problems in the order of the lines."""

    problems: tuple[LineProblem, ...]
    imported_before: bool = False  # every NIK in it is stored already: most likely imported before


@dataclass(frozen=True, slots=True)
class KpjImported:
    activated: int  # approved registrations now active, each worker (and their RT/RW leader) told
    already_active: int  # active with the same KPJ before: left as they were
    corrected: tuple[int, ...] = ()  # of those activated, the ones being checked again after a correction


@dataclass(frozen=True, slots=True)
class ImportKpj(Request[KpjImported | FileRefused | OnlyForAdmins]):
    """BPJS TK's answer (NIK, KPJ, start date) as `jaring import kpj` reads it: all lines or none."""

    content: bytes = field(repr=False)
    file_format: TableFormat


@dataclass(frozen=True, slots=True)
class YearEffect:
    """A budget year the file counts in: its rows, new or continuing, and its quota before and after."""

    year: int
    new: int
    continuing: int
    places: int | None  # the Dinas's change, else the programme file's; None: no quota for that year
    used_before: int
    used_after: int

    @property
    def over(self) -> int:
        """How many more places are used than the quota has (0 when within it or without a quota)."""
        return max(0, self.used_after - self.places) if self.places is not None else 0


@dataclass(frozen=True, slots=True)
class ParticipantsImported:
    imported: int
    years: tuple[YearEffect, ...]
    kelurahan: int  # how many kelurahan the participants live in
    jobs_outside_list: int  # kept as "lainnya" with the list's words
    legal_basis: str  # recorded for every participant (no consent is asked: the Pemda's public task)


@dataclass(frozen=True, slots=True)
class ImportParticipants(Request[ParticipantsImported | FileRefused | OnlyForAdmins]):
    """The participants a Pemda already has, as `jaring import participants` reads them: all or none.
    `year`: the budget year of rows without one (the command's --year)."""

    content: bytes = field(repr=False)
    file_format: TableFormat
    year: int | None = None
