"""Start-up against a database it cannot use: PostgreSQL not answering is waited for, one line per try
(the password hidden), up to JARING_DATABASE_WAIT_SECONDS, then one line and status 1; a SQLite file
that cannot be opened stops at once with one line. Never a traceback. (A database that comes up while
`jaring serve` waits, and one that restarts under it: tests/test_database_restart.py.)"""

from __future__ import annotations

import re
import sqlite3
import subprocess
from pathlib import Path

import asyncpg
import pytest

from bot.settings import Settings
from db.disconnects import is_connection_lost, is_unreachable
from tests.cli_support import jaring
from tests.serve_support import JARING, command_env
from tests.telegram_support import free_port

WAITING = re.compile(
    r"jaring: database not reachable at postgresql://jaring:\*\*\*@127\.0\.0\.1:(\d+)/jaring "
    r"\(ConnectionRefusedError\); trying again in [\d.]+ s"
)
GAVE_UP = re.compile(
    r"jaring: database not reachable at postgresql://jaring:\*\*\*@127\.0\.0\.1:\d+/jaring "
    r"\(ConnectionRefusedError\); gave up after 2 s \(JARING_DATABASE_WAIT_SECONDS; 0 waits for ever\)"
)


def unreachable_url() -> str:
    return f"postgresql+asyncpg://jaring:rahasia@127.0.0.1:{free_port()}/jaring"  # nothing listens there


@pytest.mark.slow
def test_chat_waits_for_postgresql_then_gives_up_in_one_line(tmp_path: Path) -> None:
    env = command_env(tmp_path, DATABASE_URL=unreachable_url(), JARING_DATABASE_WAIT_SECONDS="2")
    done = subprocess.run(
        [JARING, "chat"], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=60, check=False
    )
    assert (done.returncode, done.stdout) == (1, "")
    *waiting, last = done.stderr.splitlines()
    assert len(waiting) >= 2, done.stderr  # tried at once, after 1 s, and again before giving up
    assert all(WAITING.fullmatch(line) for line in waiting), done.stderr
    assert GAVE_UP.fullmatch(last), last
    assert "rahasia" not in done.stderr


def test_db_commands_wait_too(
    settings: Settings, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_URL", unreachable_url())
    monkeypatch.setenv("JARING_DATABASE_WAIT_SECONDS", "2")
    code, out, err = jaring(capsys, "db", "current")
    assert (code, out) == (1, "")
    *waiting, last = err.splitlines()
    assert waiting, err
    assert all(WAITING.fullmatch(line) for line in waiting), err
    assert GAVE_UP.fullmatch(last), last


def test_a_sqlite_database_that_is_a_folder_stops_at_once(
    settings: Settings, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    folder = settings.data_dir.parent / "bukan-berkas"
    folder.mkdir()
    monkeypatch.setenv("DATABASE_URL", f"sqlite+aiosqlite:///{folder}")
    code, out, err = jaring(capsys, "chat", "--jsonl")
    assert (code, out) == (1, "")
    assert err == f"jaring: cannot use the database at sqlite:///{folder} (a folder, not a SQLite file)\n"


def test_a_sqlite_database_under_a_file_stops_at_once(
    settings: Settings, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    not_a_folder = settings.data_dir.parent / "berkas.txt"
    not_a_folder.write_text("bukan folder\n")
    monkeypatch.setenv("DATABASE_URL", f"sqlite+aiosqlite:///{not_a_folder}/jaring.db")
    code, out, err = jaring(capsys, "chat", "--jsonl")
    assert (code, out) == (1, "")
    assert err.startswith(f"jaring: cannot use the database at sqlite:///{not_a_folder}/jaring.db (")
    assert err.count("\n") == 1


def _raised_from(error: BaseException, cause: BaseException) -> BaseException:
    try:
        raise error from cause
    except BaseException as raised:
        return raised


def _while_handling(error: BaseException, handled: BaseException) -> BaseException:
    try:
        try:
            raise handled
        except BaseException:
            raise error  # noqa: B904 (the point: raised while handling another)
    except BaseException as raised:
        return raised


@pytest.mark.parametrize(
    ("error", "unreachable"),
    [
        (ConnectionRefusedError(111, "refused"), True),
        (TimeoutError(), True),
        (_raised_from(RuntimeError("wrapped"), ConnectionResetError()), True),
        (asyncpg.exceptions.AdminShutdownError("terminating connection due to administrator command"), True),
        (asyncpg.exceptions.CannotConnectNowError("the database system is starting up"), True),
        (asyncpg.exceptions.TooManyConnectionsError("sorry, too many clients already"), True),
        (sqlite3.OperationalError("database is locked"), True),
        (sqlite3.OperationalError("unable to open database file"), False),
        (sqlite3.IntegrityError("UNIQUE constraint failed: contacts.channel_id"), False),
        (asyncpg.exceptions.InvalidPasswordError("password authentication failed"), False),
        (KeyError("a bug in a step"), False),
        (FileNotFoundError(2, "no such file"), False),
        (_while_handling(KeyError("a bug"), ConnectionResetError()), False),  # only what it was raised from
    ],
)
def test_what_counts_as_a_database_out_of_reach(error: BaseException, unreachable: bool) -> None:
    assert is_unreachable(error) is unreachable
    if unreachable and not isinstance(error, sqlite3.Error | asyncpg.exceptions.TooManyConnectionsError):
        assert is_connection_lost(error)
