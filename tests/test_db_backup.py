"""`jaring db backup`: SQLite's online backup, consistent while another process keeps writing; the copy
is private, complete (rows, schema revision) and what the bot opens after a restore (the file copied
back in place); an existing file is kept unless `--force`; PostgreSQL is pointed to pg_dump."""

from __future__ import annotations

import asyncio
import json
import os
import re
import shutil
import sqlite3
import stat
import subprocess
import threading
from pathlib import Path

import pytest

from bot.settings import Settings
from db.backup import BackupError, backup_sqlite
from db.migrate import HEAD_REVISION
from tests.cli_support import jaring
from tests.serve_support import JARING, command_env
from tests.telegram_support import use_migrated_database


def chat(env: dict[str, str], cwd: Path, *lines: tuple[str, str]) -> list[dict[str, object]]:
    """The real `jaring chat --jsonl`: (person, text) in, the replies out."""
    given = "".join(json.dumps({"from": person, "text": text}) + "\n" for person, text in lines)
    done = subprocess.run(
        [JARING, "chat", "--jsonl"],
        check=False,
        input=given,
        env=env,
        cwd=cwd,
        capture_output=True,
        text=True,
        timeout=120,
    )
    assert done.returncode == 0, done.stderr
    return [json.loads(line) for line in done.stdout.splitlines()]


class Writer(threading.Thread):
    """Another process's connection, committing two rows at a time for as long as it runs (a backup
    that caught half a transaction would hold an odd number)."""

    def __init__(self, database: Path) -> None:
        super().__init__(daemon=True)
        self.database = database
        self.committed = 0
        self.stopping = threading.Event()
        with sqlite3.connect(database) as connection:
            connection.execute("CREATE TABLE writes (pair INTEGER, payload BLOB)")
        connection.close()

    def run(self) -> None:
        connection = sqlite3.connect(self.database, timeout=30, isolation_level=None)
        try:
            pair = 0
            while not self.stopping.is_set():
                pair += 1
                connection.execute("BEGIN IMMEDIATE")
                connection.execute("INSERT INTO writes VALUES (?, randomblob(500)), (?, randomblob(500))", (pair, pair))
                connection.execute("COMMIT")
                self.committed = pair * 2
                self.stopping.wait(0.002)  # steady, not flat out: the copy stays small
        finally:
            connection.close()


@pytest.mark.slow
def test_a_backup_while_another_process_writes_is_whole_and_the_bot_runs_on_it(tmp_path: Path) -> None:
    env = command_env(tmp_path)
    said = chat(env, tmp_path, ("siti", "halo"), ("siti", "bahasa"))  # Siti reads English from now on
    assert any("will now use English" in str(reply["text"]) for reply in said)
    database = tmp_path / "data" / "jaring.db"
    writer = Writer(database)
    writer.start()
    try:
        while writer.committed < 100:  # the writer is well under way
            threading.Event().wait(0.01)
        before = writer.committed
        done = subprocess.run(
            [JARING, "db", "backup"], env=env, cwd=tmp_path, capture_output=True, text=True, timeout=120, check=False
        )
        after = writer.committed
    finally:
        writer.stopping.set()
        writer.join()
    assert done.returncode == 0, done.stderr
    assert after > before, "the writer kept committing while the backup ran"
    [line] = done.stdout.splitlines()
    match = re.fullmatch(r"cadangan basis data ditulis: (\S+) \(([\d.]+) bita\)", line)
    assert match, line
    copy = Path(match[1])
    assert copy.parent == tmp_path / "data" / "backups"
    assert re.fullmatch(r"jaring-\d{8}-\d{6}\.db", copy.name)
    assert int(match[2].replace(".", "")) == copy.stat().st_size
    assert stat.S_IMODE(copy.stat().st_mode) == 0o600
    assert stat.S_IMODE(copy.parent.stat().st_mode) == 0o700
    assert not copy.with_name(copy.name + "-wal").exists()

    with sqlite3.connect(f"{copy.as_uri()}?mode=ro", uri=True) as backup:
        assert backup.execute("PRAGMA integrity_check").fetchone() == ("ok",)
        assert backup.execute("SELECT version_num FROM alembic_version").fetchone() == (HEAD_REVISION,)
        assert backup.execute("SELECT channel_id, language FROM contacts").fetchall() == [("siti", "en")]
        rows, pairs = backup.execute("SELECT count(*), count(DISTINCT pair) FROM writes").fetchone()
    backup.close()
    assert before <= rows <= after
    assert rows == 2 * pairs, "only whole transactions"

    # Restored on another machine: the copy put in place of the database, the same key.
    restored = tmp_path / "restored"
    (restored / "data").mkdir(parents=True)
    shutil.copyfile(copy, restored / "data" / "jaring.db")
    again = chat(env | {"JARING_DATA_DIR": str(restored / "data")}, restored, ("siti", "menu"), ("budi", "menu"))
    assert str(again[0]["text"]).startswith("Main menu"), "Siti's language came back with the copy"
    assert str(again[1]["text"]).startswith("Menu utama")


def test_an_existing_file_is_kept_unless_forced(settings: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    asyncio.run(use_migrated_database(settings))
    target = settings.data_dir.parent / "salinan.db"
    assert jaring(capsys, "db", "backup", str(target))[0] == 0
    first = target.stat()

    code, out, err = jaring(capsys, "db", "backup", str(target))
    assert (code, out) == (1, "")
    assert err == f"jaring: {target} sudah ada; tambahkan --force untuk menimpanya\n"
    assert target.stat().st_ino == first.st_ino

    code, out, _ = jaring(capsys, "db", "backup", str(target), "--force", "--english")
    assert code == 0
    assert out.startswith(f"database backup written: {target} (")
    assert target.stat().st_ino != first.st_ino
    assert stat.S_IMODE(target.stat().st_mode) == 0o600

    folder = settings.data_dir.parent / "arsip"
    folder.mkdir()
    assert jaring(capsys, "db", "backup", str(folder))[0] == 0
    [named] = os.listdir(folder)
    assert re.fullmatch(r"jaring-\d{8}-\d{6}\.db", named)


def test_without_a_database_it_says_so(settings: Settings, capsys: pytest.CaptureFixture[str]) -> None:
    code, out, err = jaring(capsys, "db", "backup")
    assert (code, out) == (1, "")
    assert err == f"jaring: tidak ada basis data SQLite di {settings.data_dir.resolve() / 'jaring.db'}\n"


def test_postgresql_is_backed_up_with_pg_dump(
    settings: Settings, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    monkeypatch.setenv("DATABASE_URL", "postgresql+asyncpg://jaring:rahasia-sekali@db.example.go.id:5432/jaring")
    code, out, err = jaring(capsys, "db", "backup")
    assert (code, out) == (2, "")
    [line] = err.splitlines()
    assert line.startswith(
        "jaring: PostgreSQL dicadangkan dengan pg_dump, bukan dengan jaring: PGPASSWORD=*** pg_dump "
    )
    assert re.search(
        r"--format=custom --file=jaring-\d{8}-\d{6}\.dump postgresql://jaring@db\.example\.go\.id:5432/jaring$", line
    )
    assert "rahasia" not in err


def test_a_disk_without_hard_links_still_gets_the_backup_and_keeps_an_existing_file(
    tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """vfat and exFAT (a USB disk) refuse hard links with EPERM: the copy is named another way."""
    source = tmp_path / "jaring.db"
    with sqlite3.connect(source) as database:
        database.execute("CREATE TABLE t (x)")
        database.execute("INSERT INTO t VALUES (42)")
    database.close()

    def no_hard_links(*_: object) -> None:
        raise PermissionError(1, "Operation not permitted")

    monkeypatch.setattr(os, "link", no_hard_links)
    taken = backup_sqlite(source, tmp_path / "copy.db")
    with sqlite3.connect(taken.path) as copy:
        assert copy.execute("SELECT x FROM t").fetchall() == [(42,)]
    copy.close()
    assert stat.S_IMODE(taken.path.stat().st_mode) == 0o600
    with pytest.raises(BackupError):
        backup_sqlite(source, tmp_path / "copy.db")
    assert [p.name for p in tmp_path.iterdir() if p.name.endswith(".tmp")] == []
