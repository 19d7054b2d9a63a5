"""The terminal channel's loops: one person typing, or JSON lines from a program.

A person's window (`jaring chat --as NAME`) shows that person's conversation and nothing else: their
own messages only (another person's wait in the outbox for their own window), no log lines (the
command line sends the log to `chat_log_file`), and before the banner at most one short notice on
stderr (`chat_notice`). `--jsonl` speaks for every person it is given, on stdout, and leaves the log on
stderr."""

from __future__ import annotations

import asyncio
import os
import shutil
import sys
import textwrap
import uuid
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

from bot.app import Jaring
from bot.outbound.broadcast_runner import BroadcastRunner
from bot.outbound.outbox_worker import OutboxWorker
from bot.secret_key import development_key_notice
from bot.settings import Settings
from conversations.inbound import Inbound
from handlers.sending import Sender
from handlers.terminal import CHANNEL, JsonlSender, PersonSender, parse_jsonl_line, wrap_between_words
from handlers.terminal.files import FILE_MODE, private_folder
from handlers.terminal.jsonl import JsonlError

__all__ = ["CHAT_LOG_NAME", "chat_jsonl", "chat_log_file", "chat_notice", "chat_with_person", "files_dir"]

# One line on an 80-column terminal (76 characters), like the notice above it.
BANNER = "Jaring — ketik pesan lalu tekan Enter (misalnya: halo). Ctrl+D untuk keluar.\n"
CHAT_LOG_NAME = "jaring.log"
# Appended to, never followed through a link planted in its place, not inherited by a child process.
_OPEN_LOG = os.O_WRONLY | os.O_CREAT | os.O_APPEND | getattr(os, "O_NOFOLLOW", 0) | getattr(os, "O_CLOEXEC", 0)


def _worker(jaring: Jaring, sender: Sender, recipient: str | None = None) -> OutboxWorker:
    return OutboxWorker(
        jaring.store, {CHANNEL: sender}, jaring.pipeline.clock, cipher=jaring.cipher, recipient=recipient
    )


def files_dir(jaring: Jaring) -> Path:
    """Where files sent in the terminal (an export, a chart) are written."""
    return jaring.settings.data_dir / "files"


def chat_log_file(settings: Settings) -> Path:
    """Where `jaring chat`'s log goes instead of its window: `jaring.log` in the data folder (made 0700),
    the file created 0600 if new and made 0600 if an older one was wider: a log line names people's
    ids. Give it to `configure_logging(..., log_file=...)` before the bot opens, so that the log of
    opening (the development key's warning) goes there too."""
    private_folder(settings.data_dir)
    path = settings.data_dir / CHAT_LOG_NAME
    descriptor = os.open(path, _OPEN_LOG, FILE_MODE)
    try:
        os.fchmod(descriptor, FILE_MODE)  # whatever the umask, and a file an older version made
    finally:
        os.close(descriptor)
    return path


def chat_notice(settings: Settings, columns: int | None = None) -> str | None:
    """The one notice `jaring chat` prints on stderr before its banner, or None: that the data is
    encrypted with the development key, and where it is (67 characters with the default data folder).
    Broken between words, never inside one, on a terminal narrower than that (`columns`, default: the
    terminal's own)."""
    notice = development_key_notice(settings)
    if notice is None:
        return None
    width = max(40, columns or shutil.get_terminal_size().columns)
    return textwrap.fill(notice, width, break_long_words=False, break_on_hyphens=False)


def _columns_of(stream: TextIO) -> Callable[[], int] | None:
    """How wide the terminal `stream` shows on is, asked each time (a window can be resized); None when
    it is no terminal (a pipe, a file, a test's buffer: the text is left as it is)."""
    try:
        if not stream.isatty():
            return None
        descriptor = stream.fileno()
    except (OSError, ValueError):  # io.UnsupportedOperation is both
        return None

    def columns() -> int:
        try:
            return os.get_terminal_size(descriptor).columns
        except OSError:
            return 80

    return columns


async def chat_with_person(
    jaring: Jaring, person_id: str, stdin: TextIO = sys.stdin, stdout: TextIO = sys.stdout
) -> None:
    # This window shows this person's messages only; another person's (news for a neighbour, an admin's
    # notice) wait in the outbox for their own `jaring chat --as THEM`, which shows them when it opens.
    columns = _columns_of(stdout)
    worker = _worker(jaring, PersonSender(stdout, files_dir(jaring), columns=columns), recipient=person_id)
    # An announcement an admin sends from this terminal goes to the terminal's people: a round after
    # every message (a scheduled one leaves at the first message after its time); each sees it in
    # their own window.
    broadcasts = BroadcastRunner.for_jaring(jaring, [CHANNEL])
    stdout.write(BANNER if columns is None else wrap_between_words(BANNER, max(20, columns())))
    stdout.flush()
    await worker.take_over()
    await worker.drain()  # anything a previous run queued but did not show
    while True:
        stdout.write("\nAnda: ")
        stdout.flush()
        line = await asyncio.to_thread(stdin.readline)
        if not line:
            stdout.write("\n")
            return
        inbound = Inbound(
            channel=CHANNEL,
            sender_id=person_id,
            message_id=uuid.uuid4().hex,
            received_at=jaring.pipeline.clock(),
            text=line.rstrip("\n"),
        )
        await jaring.pipeline.handle(inbound)
        await broadcasts.run_round()
        await worker.drain()


async def chat_jsonl(
    jaring: Jaring, stdin: TextIO = sys.stdin, stdout: TextIO = sys.stdout, stderr: TextIO = sys.stderr
) -> int:
    """Returns the number of input lines that could not be read (each reported on stderr)."""
    worker = _worker(jaring, JsonlSender(stdout, files_dir(jaring)))
    await worker.take_over()
    await worker.drain()

    run_id = uuid.uuid4().hex[:12]
    bad_lines = 0
    sequence = 0
    while line := await asyncio.to_thread(stdin.readline):
        sequence += 1
        if not line.strip():
            continue
        try:
            inbound = parse_jsonl_line(line, sequence, jaring.pipeline.clock(), run_id)
        except JsonlError as exc:
            bad_lines += 1
            stderr.write(f"jaring chat --jsonl: {exc}\n")
            continue
        await jaring.pipeline.handle(inbound)
        await worker.drain()
    return bad_lines
