"""The terminal channel's loops: one person typing, or JSON lines from a program."""

from __future__ import annotations

import asyncio
import sys
import uuid
from pathlib import Path
from typing import TextIO

from bot.app import Jaring
from bot.broadcast_runner import BroadcastRunner
from bot.outbox_worker import OutboxWorker
from conversations.inbound import Inbound
from handlers.sending import Sender
from handlers.terminal import CHANNEL, JsonlSender, PersonSender, parse_jsonl_line
from handlers.terminal.jsonl import JsonlError

__all__ = ["chat_jsonl", "chat_with_person", "files_dir"]

BANNER = "Jaring — ketik pesan lalu tekan Enter (misalnya: halo). Tekan Ctrl+D untuk keluar.\n"


def _worker(jaring: Jaring, sender: Sender, recipient: str | None = None) -> OutboxWorker:
    return OutboxWorker(
        jaring.store, {CHANNEL: sender}, jaring.pipeline.clock, cipher=jaring.cipher, recipient=recipient
    )


def files_dir(jaring: Jaring) -> Path:
    """Where files sent in the terminal (an export, a chart) are written."""
    return jaring.settings.data_dir / "files"


async def chat_with_person(
    jaring: Jaring, person_id: str, stdin: TextIO = sys.stdin, stdout: TextIO = sys.stdout
) -> None:
    # This window shows this person's messages only; another person's (news for a neighbour, an admin's
    # notice) wait in the outbox for their own `jaring chat --as THEM`.
    worker = _worker(jaring, PersonSender(stdout, files_dir(jaring)), recipient=person_id)
    # An announcement an admin sends from this terminal goes to the terminal's people: a round after
    # every message (a scheduled one leaves at the first message after its time).
    broadcasts = BroadcastRunner.for_jaring(jaring, [CHANNEL])
    stdout.write(BANNER)
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
