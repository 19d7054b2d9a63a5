"""Start-up: settings → database (migrated) → programme → catalogs → engine → inbound pipeline."""

from __future__ import annotations

import logging
import os
import sys
from dataclasses import dataclass
from datetime import timedelta
from pathlib import Path

from sqlalchemy.engine import make_url

from bot.clock import Clock, utc_now
from bot.inbound.dispatcher import check_handlers
from bot.inbound.outbox_writer import OutboxWriter
from bot.inbound.pipeline import Pipeline
from bot.logging_setup import logs_to_stderr
from bot.secret_key import resolve_secret_key
from bot.settings import Settings, SettingsError
from conversations.engine import Engine
from conversations.flood import FloodRule
from conversations.flows import build_engine
from conversations.programme import Programme, ProgrammeError, base_of, load_programme
from conversations.regions import Region, RegionError, parse_region
from db import migrate
from db.connection import Store, is_sqlite, shown_url
from db.personal_data import PersonalDataCipher
from db.reachability import DatabaseRefused, wait_until_reachable
from handlers.terminal.files import FILE_MODE, private_folder
from locales import Catalogs

__all__ = ["Jaring", "open_jaring", "read_programme"]

log = logging.getLogger(__name__)


@dataclass(slots=True)
class Jaring:
    settings: Settings
    store: Store
    programme: Programme
    catalogs: Catalogs
    region: Region
    engine: Engine
    pipeline: Pipeline
    cipher: PersonalDataCipher

    @property
    def outbox_writer(self) -> OutboxWriter:
        """The one way out, for the command line and the runners: see bot/inbound/outbox_writer.py."""
        return self.pipeline.writer

    async def close(self) -> None:
        await self.pipeline.close()  # a question-model training under way finishes first
        await self.store.close()


def read_programme_file(path: Path) -> Programme:
    """A programme file, with the national rules file it `extends` (looked for beside it)."""
    text = path.read_text(encoding="utf-8")
    base = base_of(text)
    base_text = (path.parent / base).read_text(encoding="utf-8") if base else None
    return load_programme(text, source=str(path), base_text=base_text)


def read_programme(settings: Settings) -> Programme:
    try:
        return read_programme_file(settings.program_file)
    except ProgrammeError as exc:
        raise SettingsError(f"invalid programme file (JARING_PROGRAM_FILE): {exc}") from exc
    except OSError as exc:
        raise SettingsError(f"invalid programme file (JARING_PROGRAM_FILE): {exc}") from exc


def read_region(settings: Settings, programme: Programme) -> Region:
    try:
        own = region_lines(settings.wilayah_file.read_bytes(), programme.region_code)
        return parse_region(own, programme.region_code)
    except (OSError, RegionError) as exc:
        raise SettingsError(f"invalid programme file (JARING_PROGRAM_FILE): region_code: {exc}") from exc


def region_lines(data: bytes, code: str) -> str:
    """The lines of the Kemendagri list (`data`) that start with `code`, as reading it line by line and
    keeping those would (its CRLF left for `parse_region`). The list covers all of Indonesia, ~90 000
    lines, a region a few dozen: `bytes.find` skips to them instead of a Python loop over every line
    (~20 ms at each start), and only they are decoded."""
    prefix = code.encode("utf-8")
    needle = b"\n" + prefix
    found: list[bytes] = []
    at = 0 if data.startswith(prefix) else data.find(needle) + 1 or -1
    while at >= 0:
        end = data.find(b"\n", at)
        if end < 0:
            found.append(data[at:])
            break
        found.append(data[at : end + 1])
        at = data.find(needle, end) + 1 or -1
    return b"".join(found).decode("utf-8")


def keep_data_private(settings: Settings) -> None:
    """The data folder (the development key, files for the terminal) is its owner's only, 0700, and so
    is a SQLite database with its WAL, 0600: they hold names, streets and encrypted NIKs. The database
    file is made before SQLite opens it, since SQLite gives its WAL the database file's mode. A folder or
    file that cannot be used stops start-up with one line (a SQLite file is never "unreachable": waiting
    would not mend it)."""
    try:
        private_folder(settings.data_dir)
    except OSError as exc:
        problem = exc.strerror or type(exc).__name__
        raise SettingsError(f"invalid setting JARING_DATA_DIR: cannot use {settings.data_dir} ({problem})") from exc
    url = settings.resolved_database_url
    database = make_url(url).database if is_sqlite(url) else None
    if not database or database == ":memory:":
        return
    path = Path(database)
    if path.is_dir():
        raise DatabaseRefused(f"cannot use the database at {shown_url(url)} (a folder, not a SQLite file)")
    try:
        if not path.exists():
            path.parent.mkdir(parents=True, exist_ok=True)
            os.close(os.open(path, os.O_WRONLY | os.O_CREAT | os.O_EXCL, FILE_MODE))
        for kept in (path, path.with_name(path.name + "-wal"), path.with_name(path.name + "-shm")):
            if kept.exists():
                kept.chmod(FILE_MODE)
    except OSError as exc:
        raise DatabaseRefused(
            f"cannot use the database at {shown_url(url)} ({exc.strerror or type(exc).__name__})"
        ) from exc


def _say_waiting(line: str) -> None:
    """A start-up line for whoever started the command: in the log when it goes to stderr (`jaring
    serve`, in the log's format), else on stderr beside the terminal chat's window."""
    if logs_to_stderr():
        log.warning("%s", line)
    else:
        print(f"jaring: {line}", file=sys.stderr)


async def open_jaring(settings: Settings, clock: Clock = utc_now, *, store: Store | None = None) -> Jaring:
    """Everything the bot needs, with the database migrated. `store` overrides DATABASE_URL."""
    if store is None:
        keep_data_private(settings)
    programme = read_programme(settings)
    region = read_region(settings, programme)
    cipher = PersonalDataCipher(resolve_secret_key(settings))
    opened_here = store is None
    store = store or Store.from_url(settings.resolved_database_url)
    try:
        # Not reachable (PostgreSQL starting or restarting): one line per try, until it answers or
        # JARING_DATABASE_WAIT_SECONDS have passed (db/reachability.py).
        await wait_until_reachable(store.engine, wait_seconds=settings.database_wait_seconds, notify=_say_waiting)
        await migrate.ensure_current(store.engine)
    except BaseException:
        if opened_here:
            await store.close()
        raise
    catalogs = Catalogs.load()
    if problems := check_handlers():  # a request no desk answers would fail only when someone asks it
        raise RuntimeError(f"request dispatcher: {'; '.join(problems)}")
    engine = build_engine()
    pipeline = Pipeline(
        store,
        engine,
        catalogs,
        programme,
        cipher=cipher,
        clock=clock,
        region=region,
        # A broadcast preview warns when WhatsApp messages beyond the 24-hour window have no template.
        whatsapp_template_configured=bool(settings.whatsapp_template_name),
        desk_url=settings.desk_url,
        flood=FloodRule(settings.flood_messages, timedelta(seconds=settings.flood_seconds)),
    )

    return Jaring(settings, store, programme, catalogs, region, engine, pipeline, cipher)
