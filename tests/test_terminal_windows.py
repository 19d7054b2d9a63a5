"""`jaring chat --as NAME` in several terminal windows: each window shows its own person's conversation
and nothing else. Another person's messages (news about their registration, an announcement) wait in
the outbox, untouched, for their own window; no log line and no warning enters the conversation (the
log goes to `data/jaring.log`, 0600), and at most one short notice goes to stderr before the banner.
`--jsonl` keeps speaking for every person. The real chat loop, pipeline, outbox worker and store
(SQLite, and PostgreSQL where the store is parametrised); the real `jaring` command where marked slow."""

from __future__ import annotations

import asyncio
import contextlib
import io
import logging
import os
import re
import stat
import subprocess
import sys
import threading
import time
from collections.abc import Iterator
from datetime import timedelta
from pathlib import Path
from typing import IO, Any, TextIO

import pytest
from sqlalchemy import event, select

from bot.app import Jaring, open_jaring
from bot.channels.terminal import chat_jsonl, chat_log_file, chat_notice, chat_with_person
from bot.desks.status_news import change_status
from bot.logging_setup import configure_logging
from bot.outbound.outbox_worker import OutboxWorker
from bot.settings import Settings, load_settings
from conversations.letters import Letter
from db.connection import Store
from db.models import Contact, OutboxMessage
from db.repositories import contacts, outbox
from handlers.terminal import CHANNEL, PersonSender, wrap_between_words
from tests.conftest import FixedClock
from tests.outbox_support import queue_notification
from tests.review_support import seed_registration

JARING = str(Path(sys.executable).with_name("jaring"))
NEWS = "Kabar pendaftaran"  # how budi's status news begins
PROMPT = "Anda: "
LOG_LINE = re.compile(r"\d{4}-\d\d-\d\d \d\d:\d\d:\d\d,\d{3} (DEBUG|INFO|WARNING|ERROR|CRITICAL) ")


class Keyboard:
    """A terminal's keyboard, through a real pipe: the chat reads `keys` (in its reading thread, waiting
    until a line is typed), the test types."""

    def __init__(self) -> None:
        reading, writing = os.pipe()
        self.keys = open(reading, encoding="utf-8")  # noqa: SIM115 (closed by end())
        self._typing = open(writing, "w", encoding="utf-8")  # noqa: SIM115

    def type(self, text: str) -> None:
        self._typing.write(text + "\n")
        self._typing.flush()

    def end(self) -> None:  # Ctrl+D
        if not self._typing.closed:
            self._typing.close()

    def close(self) -> None:
        self.end()
        self.keys.close()


class Screen(io.StringIO):
    """A window's screen: what the chat printed, and a signal each time it prints."""

    def __init__(self) -> None:
        super().__init__()
        self.printed = asyncio.Event()

    def write(self, text: str) -> int:
        self.printed.set()
        return super().write(text)


async def _until_prompts(window: Screen, count: int) -> None:
    """Wait until the window has asked for input `count` times (it has answered what was typed)."""
    async with asyncio.timeout(30):
        while window.getvalue().count(PROMPT) < count:
            window.printed.clear()
            await window.printed.wait()


async def _registration_for(app: Jaring, person: str, serial: int = 1) -> int:
    """`person` registered himself in the terminal; the registration's id."""
    async with app.store.transaction() as session:
        contact = await contacts.get_or_create_contact(session, CHANNEL, person, app.pipeline.clock())
        row = await seed_registration(session, app.cipher, app.programme, serial=serial, registrant=contact)
        return row.id


async def _dinas_verifies(app: Jaring, registration_id: int) -> None:
    """What `jaring registration status N verified` does: the worker is told, through the outbox."""
    async with app.store.transaction() as session:
        post: list[Letter] = []
        await change_status(
            session, post, registration_id, "verified", now=app.pipeline.clock(), actor="cli",
            programme=app.programme,
        )  # fmt: skip
        await app.outbox_writer.letters(session, post, app.pipeline.clock())


async def _rows(app: Jaring, recipient: str) -> list[tuple[str, int, str | None]]:
    async with app.store.transaction() as session:
        statement = (
            select(OutboxMessage.status, OutboxMessage.attempts, OutboxMessage.last_error)
            .where(OutboxMessage.channel == CHANNEL, OutboxMessage.recipient == recipient)
            .order_by(OutboxMessage.id)
        )
        return [(row.status, row.attempts, row.last_error) for row in (await session.execute(statement)).all()]


async def test_news_queued_while_another_persons_window_is_open_waits_for_its_own_window(
    settings: Settings, clock: FixedClock, store: Store
) -> None:
    app = await open_jaring(settings, clock, store=store)
    registration = await _registration_for(app, "budi")

    keyboard, bulurah_window = Keyboard(), Screen()
    window = asyncio.create_task(chat_with_person(app, "bulurah", keyboard.keys, bulurah_window))
    try:
        keyboard.type("halo")
        await _until_prompts(bulurah_window, 2)
        await _dinas_verifies(app, registration)  # while bulurah's window is open
        keyboard.type("menu")  # bulurah's window delivers again after this
        await _until_prompts(bulurah_window, 3)
    finally:
        keyboard.end()
        await window
        keyboard.close()

    assert "Halo! Saya Jaring" in bulurah_window.getvalue(), "bulurah's own replies are shown"
    assert "Menu utama" in bulurah_window.getvalue()
    assert NEWS not in bulurah_window.getvalue(), "budi's news is not shown in bulurah's window"
    assert await _rows(app, "budi") == [("pending", 0, None)], "not claimed, not tried: it waits for budi"
    assert {status for status, _, _ in await _rows(app, "bulurah")} == {"sent"}

    budi_window = io.StringIO()
    await chat_with_person(app, "budi", io.StringIO(""), budi_window)
    assert NEWS in budi_window.getvalue(), "budi's window shows his news when it opens"
    assert budi_window.getvalue().index(NEWS) < budi_window.getvalue().index(PROMPT), "before his first prompt"
    assert await _rows(app, "budi") == [("sent", 1, None)]


async def test_a_window_neither_sends_takes_over_nor_fails_another_persons_messages(
    settings: Settings, clock: FixedClock, store: Store
) -> None:
    """budi's window crashed mid-send (a lease still running) with more waiting; andi blocked the bot. A
    window for bulurah leaves all of it as it was: only budi's own window takes his over."""
    app = await open_jaring(settings, clock, store=store)
    now = clock()
    async with app.store.transaction() as session:
        people: dict[str, Contact] = {}
        for person in ("budi", "andi", "bulurah"):
            people[person] = await contacts.get_or_create_contact(session, CHANNEL, person, now)
        people["andi"].unreachable = True
        for person, body in (("budi", "satu"), ("budi", "dua"), ("andi", "untuk andi"), ("bulurah", "untuk bulurah")):
            await queue_notification(session, people[person], body, now)
        [in_flight] = await outbox.claim_due(session, now, lease=timedelta(seconds=60), limit=1, recipient="budi",
                                             channels=(CHANNEL,))  # fmt: skip
        assert in_flight.body == "satu"
    clock.advance(seconds=5)  # the lease has not run out

    async def window_of(person: str) -> tuple[str, int]:
        shown = io.StringIO()
        worker = OutboxWorker(app.store, {CHANNEL: PersonSender(shown)}, clock, recipient=person)
        taken_over = await worker.take_over()
        await worker.drain()
        return shown.getvalue(), taken_over

    shown, taken_over = await window_of("bulurah")
    assert "untuk bulurah" in shown
    assert ("satu" not in shown, "dua" not in shown, "untuk andi" not in shown) == (True, True, True)
    assert taken_over == 0, "budi's lease is budi's window's"
    assert await _rows(app, "budi") == [("sending", 1, None), ("pending", 0, None)]
    assert await _rows(app, "andi") == [("pending", 0, None)], "andi's is failed by andi's window, not bulurah's"

    shown, taken_over = await window_of("budi")
    assert taken_over == 1, "budi's own window takes over what his crashed one left"
    assert shown.index("satu") < shown.index("dua"), "in order"
    assert await _rows(app, "budi") == [("sent", 2, None), ("sent", 1, None)]

    shown, _ = await window_of("andi")
    assert shown == ""
    assert await _rows(app, "andi") == [("failed", 0, outbox.UNREACHABLE_NOT_SENT)]


async def test_jsonl_speaks_for_every_person(jaring: Jaring) -> None:
    """One program speaking for many people: every person's messages come out, whoever wrote."""
    await _dinas_verifies(jaring, await _registration_for(jaring, "budi"))
    out = io.StringIO()
    assert await chat_jsonl(jaring, io.StringIO('{"from": "bulurah", "text": "halo"}\n'), out, io.StringIO()) == 0
    assert '"to": "budi"' in out.getvalue()
    assert NEWS in out.getvalue()
    assert '"to": "bulurah"' in out.getvalue()
    assert await _rows(jaring, "budi") == [("sent", 1, None)]


def _plans(app: Jaring, statements: list[tuple[str, Any]]) -> list[str]:
    """SQLite's plan of each captured SELECT, as one string each."""
    import sqlite3

    database = app.store.engine.url.database
    assert database is not None
    with sqlite3.connect(database) as connection:
        return [
            " | ".join(str(row[3]) for row in connection.execute(f"EXPLAIN QUERY PLAN {sql}", parameters))
            for sql, parameters in statements
        ]


async def test_on_sqlite_a_windows_claim_reads_its_persons_rows_and_the_lanes_claim_is_as_before(
    jaring: Jaring,
) -> None:
    """A window's claim goes through the person's contact (ix_outbox_contact_id), so it reads that
    person's few rows and not every row waiting on every channel (a Telegram broadcast's 100 000); the
    Telegram and WhatsApp lanes' claim still walks ix_outbox_claim_order in order."""
    now = jaring.pipeline.clock()
    async with jaring.store.transaction() as session:
        budi = await contacts.get_or_create_contact(session, CHANNEL, "budi", now)
        await queue_notification(session, budi, "kabar", now)
    captured: list[tuple[str, Any]] = []

    def capture(_conn: Any, _cursor: Any, sql: str, parameters: Any, _context: Any, _many: bool) -> None:
        if sql.lstrip().upper().startswith("SELECT OUTBOX.ID"):
            captured.append((sql, parameters))

    async def claim_plans(**kwargs: Any) -> list[str]:
        captured.clear()
        event.listen(jaring.store.engine.sync_engine, "before_cursor_execute", capture)
        try:
            async with jaring.store.transaction() as session:
                await outbox.claim_due(session, now, lease=timedelta(seconds=60), limit=100, **kwargs)
                await session.rollback()
        finally:
            event.remove(jaring.store.engine.sync_engine, "before_cursor_execute", capture)
        return _plans(jaring, captured)

    window = await claim_plans(channels=(CHANNEL,), recipient="budi")
    assert len(window) == 2, "lease-expired rows, then due ones"
    for plan in window:
        assert "SEARCH outbox USING INDEX ix_outbox_contact_id (contact_id=?)" in plan, plan
        assert "ix_outbox_claim_order" not in plan, plan
    for plan in await claim_plans(channels=("telegram",)):
        assert plan.startswith("SEARCH outbox USING INDEX ix_outbox_claim_order (status=?)"), plan
        assert "TEMP B-TREE" not in plan, plan
    assert await claim_plans(channels=(CHANNEL,), recipient="nobody yet") == [], "no contact: nothing to read"


async def test_a_recipient_is_an_id_on_given_channels(jaring: Jaring) -> None:
    async with jaring.store.transaction() as session:
        with pytest.raises(ValueError, match="channels"):
            await outbox.claim_due(session, jaring.pipeline.clock(), lease=timedelta(seconds=60), limit=1,
                                   recipient="budi")  # fmt: skip


# ---- the window's notice and log ---------------------------------------------------------------------


@pytest.fixture
def restored_logging() -> Iterator[None]:
    """configure_logging changes the root logger and a few others: put them back after the test."""
    root = logging.getLogger()
    names = ("alembic", "sqlalchemy.engine", "aiosqlite", "httpx", "httpcore", "telegram", "hpack", "multipart")
    saved = root.handlers[:], root.level, {name: logging.getLogger(name).level for name in names}
    try:
        yield
    finally:
        for handler in root.handlers:
            if handler not in saved[0]:
                handler.close()
        root.handlers[:] = saved[0]
        root.setLevel(saved[1])
        for name, level in saved[2].items():
            logging.getLogger(name).setLevel(level)


@pytest.fixture
def fresh_clone(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> Settings:
    """As a newcomer runs it: no JARING_SECRET_KEY (the development key is made), ./data, every log
    record (DEBUG)."""
    monkeypatch.delenv("JARING_SECRET_KEY")
    monkeypatch.setenv("JARING_DATA_DIR", "data")
    monkeypatch.setenv("JARING_LOG_LEVEL", "DEBUG")
    return load_settings()


@pytest.mark.usefixtures("restored_logging", "loose_umask")
async def test_the_window_shows_the_conversation_the_notice_goes_to_stderr_and_the_log_to_a_file(
    fresh_clone: Settings, clock: FixedClock, capsys: pytest.CaptureFixture[str]
) -> None:
    """What `jaring chat` does, in this process: before the bot opens (which makes the development key
    and logs its warning), the notice on stderr and the log configured to `chat_log_file`; then the
    conversation."""
    err = io.StringIO()
    if notice := chat_notice(fresh_clone, columns=80):
        err.write(notice + "\n")
    log_file = chat_log_file(fresh_clone)
    configure_logging(fresh_clone.log_level, log_file=log_file)
    app = await open_jaring(fresh_clone, clock)
    try:
        out = io.StringIO()
        await chat_with_person(app, "terminal", io.StringIO("halo\nbrp iuran nya\n"), out)
    finally:
        await app.close()

    assert "Halo! Saya Jaring" in out.getvalue()
    assert not LOG_LINE.search(out.getvalue()), "no log line in the conversation"
    for noise in ("JARING_SECRET_KEY", "sqlalchemy", "bot.", "Traceback"):
        assert noise not in out.getvalue(), noise
    assert err.getvalue() == "Catatan: data dienkripsi dengan kunci pengembangan data/secret.key.\n"
    before_the_prompt = err.getvalue() + out.getvalue().split(PROMPT)[0]
    assert max(map(len, before_the_prompt.splitlines())) <= 80, "nothing wraps on an 80-column terminal"
    assert capsys.readouterr() == ("", ""), "nothing else reaches the terminal"

    assert log_file == Path("data") / "jaring.log"
    assert stat.S_IMODE(log_file.stat().st_mode) == 0o600, "the log names people's ids: its owner's only"
    assert stat.S_IMODE(log_file.parent.stat().st_mode) == 0o700
    logged = log_file.read_text(encoding="utf-8")
    assert "WARNING bot.secret_key: JARING_SECRET_KEY is not set" in logged, "the full warning is in the log"
    assert " INFO sqlalchemy.engine" in logged, "the log gets the records the window does not show"


def test_the_notice_is_one_short_line_broken_between_words_on_a_narrow_terminal(fresh_clone: Settings) -> None:
    wide = chat_notice(fresh_clone, columns=80)
    assert wide == "Catatan: data dienkripsi dengan kunci pengembangan data/secret.key."
    narrow = chat_notice(fresh_clone, columns=40)
    assert narrow is not None
    lines = narrow.splitlines()
    assert len(lines) > 1, lines
    assert all(len(line) <= 40 for line in lines), lines
    assert " ".join(lines) == wide, "only spaces became line breaks"


def test_with_jaring_secret_key_set_there_is_no_notice(settings: Settings) -> None:
    assert chat_notice(settings) is None


@pytest.mark.usefixtures("loose_umask")
def test_the_log_file_is_its_owners_only_appended_to_and_never_followed_through_a_link(
    settings: Settings, tmp_path: Path
) -> None:
    path = chat_log_file(settings)
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    path.write_text("an earlier run\n", encoding="utf-8")
    path.chmod(0o644)  # as an older version, or a careless copy, left it
    assert chat_log_file(settings) == path
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    assert path.read_text(encoding="utf-8") == "an earlier run\n", "appended to, never emptied"

    elsewhere = tmp_path / "elsewhere.txt"
    elsewhere.write_text("not the bot's\n", encoding="utf-8")
    elsewhere.chmod(0o644)
    path.unlink()
    path.symlink_to(elsewhere)
    with pytest.raises(OSError, match="symbolic link"):
        chat_log_file(settings)
    assert stat.S_IMODE(elsewhere.stat().st_mode) == 0o644


# ---- the real command: two windows and an admin ------------------------------------------------------


class _Window:
    """`jaring chat --as PERSON` in a subprocess: a terminal window, read as it prints."""

    def __init__(self, person: str, env: dict[str, str], cwd: Path) -> None:
        self.process = subprocess.Popen(
            [JARING, "chat", "--as", person], stdin=subprocess.PIPE, stdout=subprocess.PIPE,
            stderr=subprocess.PIPE, text=True, env=env, cwd=cwd,
        )  # fmt: skip
        self._out: list[str] = []
        self._err: list[str] = []
        assert self.process.stdout is not None
        assert self.process.stderr is not None
        self._readers = [
            threading.Thread(target=self._read, args=(self.process.stdout, self._out), daemon=True),
            threading.Thread(target=self._read, args=(self.process.stderr, self._err), daemon=True),
        ]  # both read as they come: a full pipe would stop the chat
        for reader in self._readers:
            reader.start()

    @staticmethod
    def _read(stream: IO[str], into: list[str]) -> None:
        while chunk := stream.read(1):
            into.append(chunk)

    @property
    def shown(self) -> str:
        return "".join(self._out)

    @property
    def said_aside(self) -> str:  # stderr
        return "".join(self._err)

    def until_prompts(self, count: int) -> None:
        deadline = time.monotonic() + 60
        while self.shown.count(PROMPT) < count:
            assert self.process.poll() is None, self.shown
            assert time.monotonic() < deadline, self.shown
            time.sleep(0.02)

    def type(self, text: str) -> None:
        assert self.process.stdin is not None
        self.process.stdin.write(text + "\n")
        self.process.stdin.flush()

    def close(self) -> int:
        assert self.process.stdin is not None
        self.process.stdin.close()
        returncode = self.process.wait(timeout=60)
        for reader in self._readers:
            reader.join(timeout=10)
        for stream in (self.process.stdout, self.process.stderr):
            assert stream is not None
            stream.close()
        return returncode


@pytest.mark.slow
async def test_two_real_windows_and_an_admin_each_window_shows_its_own_persons_news(
    settings: Settings, clock: FixedClock, tmp_path: Path
) -> None:
    app = await open_jaring(settings, clock)
    try:
        registration = await _registration_for(app, "budi")
    finally:
        await app.close()
    env = {k: v for k, v in os.environ.items() if not k.startswith(("JARING_", "DATABASE_URL"))}
    env |= {"JARING_DATA_DIR": str(settings.data_dir), "JARING_SECRET_KEY": settings.secret_key}

    def run(*args: str) -> subprocess.CompletedProcess[str]:
        return subprocess.run(
            [JARING, *args], capture_output=True, text=True, env=env, cwd=tmp_path, timeout=60, check=False
        )

    bulurah = await asyncio.to_thread(_Window, "bulurah", env, tmp_path)
    try:
        await asyncio.to_thread(bulurah.until_prompts, 1)
        bulurah.type("halo")
        await asyncio.to_thread(bulurah.until_prompts, 2)
        changed = await asyncio.to_thread(run, "registration", "status", str(registration), "verified")
        assert changed.returncode == 0, changed.stderr
        bulurah.type("menu")
        await asyncio.to_thread(bulurah.until_prompts, 3)
    finally:
        assert await asyncio.to_thread(bulurah.close) == 0
    assert "Halo! Saya Jaring" in bulurah.shown
    assert NEWS not in bulurah.shown, "budi's news is not in bulurah's window"

    budi = await asyncio.to_thread(run, "chat", "--as", "budi")
    assert budi.returncode == 0, budi.stderr
    assert NEWS in budi.stdout.split(PROMPT)[0], "budi's window shows it before his first prompt"
    for shown, aside in ((bulurah.shown, bulurah.said_aside), (budi.stdout, budi.stderr)):
        assert not LOG_LINE.search(shown), "no log line in a conversation"
        assert not LOG_LINE.search(aside), "nor beside it: the log goes to its file"
        assert len(aside.splitlines()) <= 1, aside


# ---- long lines on a real terminal ---------------------------------------------------------------------


def test_long_lines_are_broken_between_words_and_choices_hang_under_their_text() -> None:
    body = (
        "Halo! Saya Jaring, asisten program Batik Berlian: perlindungan BPJS Ketenagakerjaan untuk pekerja "
        "rentan, tanpa biaya bagi pekerja.\n\nMenu utama."
    )
    choice = "  2. Daftar sebagai pekerja rentan yang dibiayai pemerintah daerah"
    path = "[berkas: data/files/daftar-peserta-kota-pekalongan-2026-11-21-lengkap.xlsx, 12 KB]"
    wrapped = wrap_between_words(f"{body}\n\n{choice}\n{path}", 40)
    lines = wrapped.splitlines()
    assert all(len(line) <= 40 for line in lines if "data/files/" not in line), lines
    assert "Ketenagakerjaan" in wrapped, "a word is never cut"
    assert " ".join(wrapped.split()) == " ".join(f"{body} {choice} {path}".split()), "only spaces became breaks"
    assert "\n\nMenu utama.\n\n" in wrapped, "paragraphs are kept"
    at = lines.index("  2. Daftar sebagai pekerja rentan yang")
    assert lines[at + 1].startswith("     dibiayai"), "a choice's next line starts under its text"
    assert "data/files/daftar-peserta-kota-pekalongan-2026-11-21-lengkap.xlsx," in wrapped, "a path stays whole"


def _text_on(descriptor: int) -> TextIO:
    return open(descriptor, "w", encoding="utf-8")  # the caller closes it


async def test_a_real_terminal_gets_the_conversation_broken_between_words_a_pipe_as_it_is(jaring: Jaring) -> None:
    import fcntl
    import struct
    import termios

    controller, terminal = os.openpty()
    fcntl.ioctl(terminal, termios.TIOCSWINSZ, struct.pack("HHHH", 24, 40, 0, 0))  # 40 columns
    shown: list[bytes] = []

    def read_screen() -> None:
        with contextlib.suppress(OSError):  # EIO once the terminal side is closed
            while chunk := os.read(controller, 4096):
                shown.append(chunk)

    reader = threading.Thread(target=read_screen, daemon=True)
    reader.start()
    with _text_on(terminal) as screen:
        await chat_with_person(jaring, "terminal", io.StringIO("halo\n"), screen)
    reader.join(timeout=10)
    os.close(controller)
    on_terminal = b"".join(shown).decode().replace("\r\n", "\n")
    assert "Halo! Saya Jaring" in on_terminal
    assert max(map(len, on_terminal.splitlines())) <= 40, on_terminal
    assert "Ketenagakerjaan" in on_terminal

    piped = io.StringIO()
    await chat_with_person(jaring, "terminal", io.StringIO("halo\n"), piped)
    assert max(map(len, piped.getvalue().splitlines())) > 40, "a program reading a pipe gets the lines whole"
