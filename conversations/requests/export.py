"""The enrolment list for BPJS Ketenagakerjaan, sent to the admin asking as a file."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Literal

from conversations.requests.base import Request
from conversations.requests.figures import FileQueued, OnlyForAdmins

__all__ = [
    "ExportEnrolment",
    "ExportFormat",
    "ExportStatus",
]

ExportStatus = Literal["approved", "active", "all"]


ExportFormat = Literal["xlsx", "csv"]


@dataclass(frozen=True, slots=True)
class ExportEnrolment(Request[FileQueued | OnlyForAdmins]):
    """Send the admin asking the list BPJS TK needs for collective registration, as a file (full NIKs)."""

    status: ExportStatus
    file_format: ExportFormat
