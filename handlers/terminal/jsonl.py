"""JSON lines in, JSON lines out: `{"from": id, "text": …}` → `{"to": id, "text": …, "choices": […]}`."""

from __future__ import annotations

import json
from datetime import datetime
from typing import TextIO

from conversations.inbound import Inbound
from handlers.sending import Delivered, OutgoingMessage, SendResult

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
    channel = "terminal"

    def __init__(self, out: TextIO) -> None:
        self._out = out

    async def send(self, message: OutgoingMessage) -> SendResult:
        line = {"to": message.recipient, "text": message.body, "choices": [c.label for c in message.choices]}
        self._out.write(json.dumps(line, ensure_ascii=False) + "\n")
        self._out.flush()
        return Delivered()
