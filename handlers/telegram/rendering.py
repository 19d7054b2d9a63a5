"""An outgoing message → the Telegram messages that carry it.

Plain text only (no parse_mode), so nothing a person typed can break the formatting. Choices become
an inline keyboard, one numbered button per row (the text says "reply with the number", and typing
the number works too); when an id does not fit in `callback_data` they become numbered lines. A text
longer than Telegram allows is split at paragraph or line breaks; the keyboard goes on the last part."""

from __future__ import annotations

import json
from collections.abc import Sequence
from dataclasses import dataclass

from handlers.sending import OutgoingChoice, OutgoingMessage, shown_choices

__all__ = [
    "MAX_BUTTONS",
    "MAX_CALLBACK_DATA_BYTES",
    "MAX_TEXT_LENGTH",
    "Button",
    "Keyboard",
    "TelegramText",
    "fits_a_keyboard",
    "render",
    "split_text",
    "telegram_length",
]

MAX_TEXT_LENGTH = 4096  # counted in UTF-16 code units, as Telegram counts
MAX_CALLBACK_DATA_BYTES = 64
MAX_BUTTONS = 100


@dataclass(frozen=True, slots=True)
class Button:
    text: str
    callback_data: str


@dataclass(frozen=True, slots=True)
class Keyboard:
    """An inline keyboard, as the Bot API's InlineKeyboardMarkup names it. Ours rather than PTB's
    objects: building and serialising those cost more than sending the message (docs/PERFORMANCE.md)."""

    inline_keyboard: tuple[tuple[Button, ...], ...]

    def to_json(self) -> str:
        rows = [[{"text": b.text, "callback_data": b.callback_data} for b in row] for row in self.inline_keyboard]
        return json.dumps({"inline_keyboard": rows})


@dataclass(frozen=True, slots=True)
class TelegramText:
    """One sendMessage."""

    text: str
    keyboard: Keyboard | None = None


def telegram_length(text: str) -> int:
    return len(text.encode("utf-16-le")) // 2


def fits_a_keyboard(choices: Sequence[OutgoingChoice]) -> bool:
    return 0 < len(choices) <= MAX_BUTTONS and all(
        0 < len(choice.id.encode("utf-8")) <= MAX_CALLBACK_DATA_BYTES for choice in choices
    )


def render(message: OutgoingMessage, limit: int = MAX_TEXT_LENGTH) -> list[TelegramText]:
    """Empty when there is nothing to send (a blank body and no choices)."""
    body = message.body.strip()
    keyboard = None
    if body and fits_a_keyboard(message.choices):  # a keyboard needs a text to hang from
        keyboard = Keyboard(
            tuple(
                (Button(line, c.id),) for line, c in zip(shown_choices(message.choices), message.choices, strict=True)
            )
        )
    elif message.choices:
        lines = "\n".join(shown_choices(message.choices))
        body = f"{body}\n\n{lines}" if body else lines
    parts = split_text(body, limit)
    if not parts:
        return []
    return [TelegramText(part) for part in parts[:-1]] + [TelegramText(parts[-1], keyboard)]


def split_text(text: str, limit: int = MAX_TEXT_LENGTH) -> list[str]:
    """Parts of at most `limit` (Telegram's length), cut at a blank line, else a line break, else a
    space, else anywhere; no part is blank."""
    parts: list[str] = []
    rest = text.strip()
    while telegram_length(rest) > limit:
        head = _longest_prefix(rest, limit)
        cut = _break_in(head)
        parts.append(rest[:cut].rstrip())
        rest = rest[cut:].strip()
    if rest:
        parts.append(rest)
    return [part for part in parts if part]


def _longest_prefix(text: str, limit: int) -> str:
    length = 0
    for index, char in enumerate(text):
        length += 2 if ord(char) > 0xFFFF else 1
        if length > limit:
            return text[:index]
    return text


def _break_in(head: str) -> int:
    """Where to cut `head`: after its last blank line, line break or space in its second half."""
    for separator in ("\n\n", "\n", " "):
        at = head.rfind(separator)
        if at >= len(head) // 2:
            return at + len(separator)
    return max(len(head), 1)
