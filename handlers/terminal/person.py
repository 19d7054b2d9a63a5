"""A readable conversation in a terminal window, choices numbered."""

from __future__ import annotations

import re
import textwrap
from collections.abc import Callable
from pathlib import Path
from typing import TextIO

from handlers.sending import Delivered, Failed, OutgoingMessage, SendResult, shown_choices
from handlers.terminal.files import file_note, save_file

__all__ = ["PersonSender", "render_for_person", "wrap_between_words"]

_HANGING = re.compile(r"\s*(?:\d+\.\s+)?")  # a numbered choice's text starts after "  1. "


def render_for_person(message: OutgoingMessage) -> str:
    lines = [message.body]
    if message.choices:
        lines.append("")
        lines.extend(f"  {line}" for line in shown_choices(message.choices))
    return "\n".join(lines)


def wrap_between_words(text: str, width: int) -> str:
    """`text` with each line longer than `width` broken at spaces, never inside a word (a terminal breaks
    at its last column, "Ketenagakerj" / "aan"); a numbered choice's next lines start under its text.
    A word longer than the line (a path) stays whole."""
    wrapped: list[str] = []
    for line in text.split("\n"):
        if len(line) <= width:
            wrapped.append(line)
            continue
        hanging = _HANGING.match(line)
        indent = " " * (hanging.end() if hanging else 0)
        wrapped.extend(
            textwrap.wrap(line, width, subsequent_indent=indent, break_long_words=False, break_on_hyphens=False)
        )
    return "\n".join(wrapped)


class PersonSender:
    """A file is written under `files_dir` (0600 in a 0700 folder: it may hold NIKs in full) and shown as
    `[berkas: <path>, <size> KB]` after its caption; an edit is shown as a new message. With `columns`
    (the terminal's width, asked at each message: a window can be resized), long lines are broken
    between words."""

    channel = "terminal"

    def __init__(self, out: TextIO, files_dir: Path | None = None, *, columns: Callable[[], int] | None = None) -> None:
        self._out = out
        self._files_dir = files_dir
        self._columns = columns

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
        if self._columns is not None:
            text = wrap_between_words(text, max(20, self._columns()))
        self._out.write("\nJaring:\n" + text + "\n")
        self._out.flush()
        return Delivered()
