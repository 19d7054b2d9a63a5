"""`jaring db backup [PATH] [--force]`: a consistent copy of the SQLite database, taken while the bot runs
(db/backup.py). Without PATH: `data/backups/jaring-YYYYmmdd-HHMMSS.db` (UTC), in a folder only its owner
can open; a PATH that is a folder gets that name inside it. Restoring is copying the file back in place
while no `jaring` runs. For PostgreSQL it prints the `pg_dump` command for the configured database (the
password left out: pg_dump reads PGPASSWORD or ~/.pgpass) and exits 2: PostgreSQL's own tools back it up
consistently, and Jaring should not need the rights a dump needs."""

from __future__ import annotations

import asyncio
import shlex
import sqlite3
from datetime import datetime
from pathlib import Path

from sqlalchemy.engine import make_url

from bot.commands.voice import CLI_LANGUAGE, Voice
from bot.settings import Settings
from db.backup import BackupError, backup_sqlite
from db.connection import is_sqlite, shown_url
from handlers.terminal.files import private_folder
from locales import Catalogs

__all__ = ["BACKUP_FOLDER", "default_backup_name", "run_db_backup_command"]

BACKUP_FOLDER = "backups"  # inside the data folder
_PROBLEMS = {  # db.backup.BackupError's reasons
    "exists": "cli.db.backup.exists",
    "missing": "cli.db.backup.missing",
    "damaged": "cli.db.backup.damaged",
}


def default_backup_name(now: datetime, suffix: str = ".db") -> str:
    return f"jaring-{now:%Y%m%d-%H%M%S}{suffix}"


async def run_db_backup_command(
    settings: Settings, target: Path | None, *, force: bool, now: datetime, language: str = CLI_LANGUAGE
) -> int:
    say = Voice(Catalogs.load(), language)
    url = settings.resolved_database_url
    if not is_sqlite(url):
        dump = default_backup_name(now, ".dump")
        command = f"pg_dump --format=custom --file={dump} {shlex.quote(shown_url(url, password=False))}"
        if make_url(url).password:
            command = f"PGPASSWORD=*** {command}"
        say.complain("cli.db.backup.postgres", command=command)
        return 2
    database = make_url(url).database
    if not database or database == ":memory:":
        say.complain("cli.db.backup.missing", path=str(database or ":memory:"))
        return 1
    if target is None:
        target = settings.data_dir / BACKUP_FOLDER / default_backup_name(now)
    elif target.is_dir():
        target /= default_backup_name(now)
    try:
        if target.parent == settings.data_dir / BACKUP_FOLDER:
            private_folder(target.parent)
        taken = await asyncio.to_thread(backup_sqlite, Path(database), target, overwrite=force)
    except BackupError as problem:
        say.complain(_PROBLEMS[problem.reason], path=str(problem.path))
        return 1
    except (OSError, sqlite3.Error) as problem:  # a folder missing or not ours, a file SQLite cannot read
        error = getattr(problem, "strerror", None) or type(problem).__name__  # never a message quoting data
        say.complain("cli.db.backup.cannot_write", path=str(target), error=error)
        return 1
    say.say("cli.db.backup.written", path=str(taken.path), size=say.number(taken.size))
    return 0
