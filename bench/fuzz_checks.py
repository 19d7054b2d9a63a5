"""What every reply must hold, checked by the fuzz run (bench/fuzz.py) on each outbox row as the outbox
worker would send it: rendered through the channels' real renderers, then held against the platforms'
own limits (written here as the platforms document them, not taken from the renderers under test).

- Telegram: each message 1 to 4 096 characters (UTF-16 units, as Telegram counts); callback data 1 to 64
  bytes; a button's text not blank; a choice's label at most 64 characters.
- WhatsApp: a text body 1 to 4 096 characters; an interactive body 1 to 1 024; 1 to 3 reply buttons with
  unique titles of 1 to 20 characters and ids of 1 to 256; a list of 1 to 10 rows with unique titles of 1
  to 24, descriptions of at most 72, ids of 1 to 200, its button text 1 to 20; as a template variable (a
  letter outside the 24-hour window) one line of at most 1 024 characters.
- Both: no NIK in clear (conversations.nik.find_niks finds any, whatever its separators), nothing the
  inbound door removes (control, bidi and zero-width characters; tests/hostile_inputs.unclean)."""

from __future__ import annotations

from collections.abc import Iterator, Mapping, Sequence
from typing import Any

from conversations.nik import find_niks
from handlers.sending import OutgoingChoice, OutgoingMessage
from handlers.telegram import rendering as telegram
from handlers.whatsapp import rendering as whatsapp
from tests.hostile_inputs import unclean

__all__ = ["Break", "reply_problems"]

Break = tuple[str, str]  # (what kind of failure: "limit" | "nik" | "unclean", what exactly)

TELEGRAM_TEXT = 4096
TELEGRAM_CALLBACK_BYTES = 64
LABEL_CHARS = 64
WHATSAPP_TEXT = 4096
WHATSAPP_INTERACTIVE_BODY = 1024
WHATSAPP_BUTTONS = 3
WHATSAPP_BUTTON_TITLE = 20
WHATSAPP_BUTTON_ID = 256
WHATSAPP_ROWS = 10
WHATSAPP_ROW_TITLE = 24
WHATSAPP_ROW_DESCRIPTION = 72
WHATSAPP_ROW_ID = 200
WHATSAPP_LIST_BUTTON = 20
WHATSAPP_TEMPLATE_PARAMETER = 1024


def reply_problems(body: str, choices: Sequence[Mapping[str, str]]) -> list[Break]:
    """Every way this outbox row (its body and stored choices) breaks a rule, on either channel."""
    outgoing = tuple(OutgoingChoice(c["id"], c["label"], keyed=c.get("keyed") == "yes") for c in choices)
    message = OutgoingMessage(id=0, channel="", recipient="", body=body, choices=outgoing)
    found: list[Break] = []
    for choice in outgoing:
        if not choice.label.strip() or len(choice.label) > LABEL_CHARS:
            found.append(("limit", f"choice label of {len(choice.label)} characters: {choice.label[:40]!r}"))
    found += [("limit", f"telegram: {p}") for p in _telegram(message)]
    found += [("limit", f"whatsapp: {p}") for p in _whatsapp(message)]
    shown = [body, *(c.label for c in outgoing)]
    if any(find_niks(text) for text in shown):
        found.append(("nik", "a NIK in clear"))
    if any(unclean(text) for text in shown):
        found.append(("unclean", "a control, bidi or zero-width character, or not NFC"))
    return found


def _telegram(message: OutgoingMessage) -> Iterator[str]:
    parts = telegram.render(message)
    if not parts:
        yield "renders to nothing"
    for part in parts:
        length = telegram.telegram_length(part.text)
        if not part.text.strip() or length > TELEGRAM_TEXT:
            yield f"a message of {length} characters"
        for row in part.keyboard.inline_keyboard if part.keyboard is not None else ():
            for button in row:
                data = button.callback_data if isinstance(button.callback_data, str) else ""
                if not 1 <= len(data.encode()) <= TELEGRAM_CALLBACK_BYTES:
                    yield f"callback data of {len(data.encode())} bytes"
                if not button.text.strip():
                    yield "a blank button"


def _whatsapp(message: OutgoingMessage) -> Iterator[str]:
    payloads = whatsapp.render(message)
    if not payloads:
        yield "renders to nothing"
    for payload in payloads:
        yield from _payload_problems(payload)
    template = whatsapp.template_text(message)
    if len(template) > WHATSAPP_TEMPLATE_PARAMETER or "\n" in template or "\t" in template:
        yield f"a template variable of {len(template)} characters or with a line break"


def _payload_problems(payload: Mapping[str, Any]) -> Iterator[str]:
    if payload["type"] == "text":
        text = payload["text"]["body"]
        if not text.strip() or len(text) > WHATSAPP_TEXT:
            yield f"a text of {len(text)} characters"
        return
    interactive = payload["interactive"]
    body = interactive["body"]["text"]
    if not body.strip() or len(body) > WHATSAPP_INTERACTIVE_BODY:
        yield f"an interactive body of {len(body)} characters"
    action = interactive["action"]
    if interactive["type"] == "button":
        buttons = action["buttons"]
        titles = [b["reply"]["title"] for b in buttons]
        if not 1 <= len(buttons) <= WHATSAPP_BUTTONS:
            yield f"{len(buttons)} buttons"
        if any(not 1 <= len(t) <= WHATSAPP_BUTTON_TITLE for t in titles) or len(set(titles)) != len(titles):
            yield f"button titles {titles!r}"
        if any(not 1 <= len(b["reply"]["id"]) <= WHATSAPP_BUTTON_ID for b in buttons):
            yield "a button id too long"
        return
    rows = [row for section in action["sections"] for row in section["rows"]]
    titles = [r["title"] for r in rows]
    if not 1 <= len(rows) <= WHATSAPP_ROWS:
        yield f"{len(rows)} list rows"
    if not 1 <= len(action["button"]) <= WHATSAPP_LIST_BUTTON:
        yield "a list button text too long"
    if any(not 1 <= len(t) <= WHATSAPP_ROW_TITLE for t in titles) or len(set(titles)) != len(titles):
        yield f"row titles {titles!r}"
    if any(len(r.get("description", "")) > WHATSAPP_ROW_DESCRIPTION for r in rows):
        yield "a row description over 72 characters"
    if any(not 1 <= len(r["id"]) <= WHATSAPP_ROW_ID for r in rows):
        yield "a row id too long"
