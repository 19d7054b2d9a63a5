"""A copy of the SQLite database that is consistent while the bot runs and writes (`jaring db backup`).

SQLite's online backup API copies every page in one read transaction: in WAL mode readers never block
the writer and see one committed state, so the copy is the database as it stood at one instant, with
nothing half-written, whatever `jaring serve` commits meanwhile. A plain `cp` of the file is not: the
newest commits may still be in the `-wal` file beside it, and a copy taken mid-checkpoint can be torn.

The copy is written to a private temporary file beside the target (0600: it holds names, streets and
encrypted NIKs), checked with `PRAGMA quick_check`, and only then given its name, so a failure halfway
leaves no file that looks like a backup. PostgreSQL is backed up with its own tool, `pg_dump`."""

from __future__ import annotations

import contextlib
import os
import secrets
import sqlite3
from dataclasses import dataclass
from pathlib import Path

__all__ = ["BACKUP_MODE", "BackupError", "BackupTaken", "backup_sqlite"]

BACKUP_MODE = 0o600
_OPEN_TIMEOUT_SECONDS = 30.0  # a read lock is refused only while another process recovers the WAL
_CREATE = os.O_WRONLY | os.O_CREAT | os.O_EXCL | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)


class BackupError(Exception):
    """Why no backup was written; `reason` is a short word for the command's message."""

    def __init__(self, reason: str, path: Path) -> None:
        super().__init__(f"{reason}: {path}")
        self.reason = reason
        self.path = path


@dataclass(frozen=True, slots=True)
class BackupTaken:
    path: Path
    size: int  # bytes


def backup_sqlite(source: Path, target: Path, *, overwrite: bool = False) -> BackupTaken:
    """Copy the SQLite database at `source` to `target` (0600). `BackupError("exists")` when `target`
    is taken and not `overwrite`; `BackupError("missing")` when there is no database at `source`;
    `BackupError("damaged")` when the copy fails its check (nothing is left behind then)."""
    if not source.is_file():
        raise BackupError("missing", source)
    if target.resolve() == source.resolve():
        raise BackupError("exists", target)
    if target.exists() and not overwrite:
        raise BackupError("exists", target)
    temporary = target.with_name(f".{target.name}.{secrets.token_hex(6)}.tmp")
    os.close(os.open(temporary, _CREATE, BACKUP_MODE))
    try:
        _copy(source, temporary)
        if overwrite:
            os.replace(temporary, target)
        else:
            _move_without_replacing(temporary, target)
    except FileExistsError:
        raise BackupError("exists", target) from None
    finally:
        with contextlib.suppress(FileNotFoundError):
            temporary.unlink()
    return BackupTaken(target, target.stat().st_size)


def _move_without_replacing(temporary: Path, target: Path) -> None:
    """Give the finished copy its name, failing (FileExistsError) rather than replace a file made
    meanwhile. A hard link does it in one step; disks without them (vfat, exFAT, some CIFS shares)
    claim the name with an empty file first, then put the copy over it."""
    try:
        os.link(temporary, target)
    except FileExistsError:
        raise
    except OSError:
        os.close(os.open(target, _CREATE, BACKUP_MODE))
        os.replace(temporary, target)
        return
    temporary.unlink()


def _copy(source: Path, target: Path) -> None:
    # mode=rw: never create a database where there was none; the backup only reads.
    origin = sqlite3.connect(f"{source.resolve().as_uri()}?mode=rw", uri=True, timeout=_OPEN_TIMEOUT_SECONDS)
    try:
        copy = sqlite3.connect(target)
        try:
            origin.backup(copy)  # every page in one step: one read transaction, one consistent state
            checked = copy.execute("PRAGMA quick_check").fetchone()
        finally:
            copy.close()
    finally:
        origin.close()
    if checked is None or checked[0] != "ok":
        raise BackupError("damaged", target)
