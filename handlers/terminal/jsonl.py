"""JSON lines in, JSON lines out: `{"from": id, "text": …}` → `{"to": id, "text": …, "choices": […]}`."""

from __future__ import annotations

import json
from datetime import datetime
from pathlib import Path
from typing import TextIO

from conversations.inbound import Inbound
from handlers.sending import Delivered, Failed, OutgoingMessage, SendResult
from handlers.terminal.files import save_file

__all__ = ["JsonlError", "JsonlSender", "parse_jsonl_line"]

_MAX_ID_CHARS = 64


class JsonlError(ValueError):
    pass


def parse_jsonl_line(line: str, sequence: int, received_at: datetime, run_id: str) -> Inbound:
    """One input line as an Inbound. `sequence` and `run_id` make the message id unique per line."""
    try:
        record = json.loads(line)
    except json.JSONDecodeError as exc:
        raise JsonlError(f"line {sequence}: not JSON ({exc.msg})") from exc
    if not isinstance(record, dict):
        raise JsonlError(f'line {sequence}: expected an object with "from" and "text"')
    sender, text = record.get("from"), record.get("text")
    if not isinstance(sender, str) or not sender.strip() or len(sender) > _MAX_ID_CHARS:
        raise JsonlError(f'line {sequence}: "from" must be a non-empty string of at most {_MAX_ID_CHARS} characters')
    if not isinstance(text, str):
        raise JsonlError(f'line {sequence}: "text" must be a string')
    return Inbound(
        channel="terminal",
        sender_id=sender,
        message_id=f"{run_id}:{sequence}",
        received_at=received_at,
        text=text,
    )


class JsonlSender:
    """One line per message. A file is written under `files_dir` (0600 in a 0700 folder: it may hold NIKs
    in full) and its name (unique in that folder) given as the line's "file"; a line carries "file" only
    when there is one, so the golden transcripts and older readers see the same lines as before. An edit
    comes as a new line."""

    channel = "terminal"

    def __init__(self, out: TextIO, files_dir: Path | None = None) -> None:
        self._out = out
        self._files_dir = files_dir

    async def send(self, message: OutgoingMessage) -> SendResult:
        line: dict[str, object] = {
            "to": message.recipient,
            "text": message.body,
            "choices": [c.label for c in message.choices],
        }
        if message.file is not None:
            if self._files_dir is None:
                return Failed("no folder for files in this terminal")
            try:
                line["file"] = save_file(self._files_dir, message.file).name
            except OSError as exc:  # e.g. the folder belongs to someone else: say why, never a half file
                return Failed(f"file not written: {exc.strerror or type(exc).__name__}")
        self._out.write(json.dumps(line, ensure_ascii=False) + "\n")
        self._out.flush()
        return Delivered()
