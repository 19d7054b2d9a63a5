"""A readable conversation in a terminal window, choices numbered."""

from __future__ import annotations

from typing import TextIO

from handlers.sending import Delivered, OutgoingMessage, SendResult

__all__ = ["PersonSender", "render_for_person"]


def render_for_person(message: OutgoingMessage) -> str:
    lines = [message.body]
    if message.choices:
        lines.append("")
        lines.extend(f"  {number}. {choice.label}" for number, choice in enumerate(message.choices, start=1))
    return "\n".join(lines)


class PersonSender:
    channel = "terminal"

    def __init__(self, out: TextIO) -> None:
        self._out = out

    async def send(self, message: OutgoingMessage) -> SendResult:
        self._out.write("\nJaring:\n" + render_for_person(message) + "\n")
        self._out.flush()
        return Delivered()
