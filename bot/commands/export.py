"""`jaring export enrolment`: the enrolment list for BPJS Ketenagakerjaan written to a private file, through the same
desk as the chat's export (bot/desks/export.py)."""

from __future__ import annotations

import asyncio
import contextlib
import traceback
from pathlib import Path
from typing import TYPE_CHECKING

from bot.commands.person_ids import parse_person_id
from bot.commands.voice import CLI_LANGUAGE, Voice
from bot.desks.export import build_export, export_letter
from conversations.messages import Msg, msg
from conversations.requests.export import ExportFormat, ExportStatus
from db.models import Contact
from db.repositories import contacts, roles
from handlers.terminal.files import write_private_file

if TYPE_CHECKING:
    from bot.app import Jaring


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
                await jaring.outbox_writer.letters(session, [export_letter(admin, export)], now)
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
