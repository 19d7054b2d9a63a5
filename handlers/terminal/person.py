"""A readable conversation in a terminal window, choices numbered."""

from __future__ import annotations

from pathlib import Path
from typing import TextIO

from handlers.sending import Delivered, Failed, OutgoingMessage, SendResult
from handlers.terminal.files import file_note, save_file

__all__ = ["PersonSender", "render_for_person"]


def render_for_person(message: OutgoingMessage) -> str:
    lines = [message.body]
    if message.choices:
        lines.append("")
        lines.extend(f"  {number}. {choice.label}" for number, choice in enumerate(message.choices, start=1))
    return "\n".join(lines)


class PersonSender:
    """A file is written under `files_dir` (0600 in a 0700 folder: it may hold NIKs in full) and shown as
    `[berkas: <path>, <size> KB]` after its caption; an edit is shown as a new message."""

    channel = "terminal"

    def __init__(self, out: TextIO, files_dir: Path | None = None) -> None:
        self._out = out
        self._files_dir = files_dir

    async def send(self, message: OutgoingMessage) -> SendResult:
        text = render_for_person(message)
        if message.file is not None:
            if self._files_dir is None:
                return Failed("no folder for files in this terminal")
            try:
                saved = save_file(self._files_dir, message.file)
            except OSError as exc:  # e.g. the folder belongs to someone else: say why, never a half file
                return Failed(f"file not written: {exc.strerror or type(exc).__name__}")
            note = file_note(saved, len(message.file.content))
            text = f"{text}\n{note}" if message.body else note
        self._out.write("\nJaring:\n" + text + "\n")
        self._out.flush()
        return Delivered()
