"""An outgoing message → the WhatsApp messages that carry it (each the type-specific part of a Graph
API /messages body: {"type": "text", "text": {...}} or {"type": "interactive", ...}).

- 1–3 choices → reply buttons (title ≤ 20 characters)
- 4–10 choices → a list message (row title ≤ 24, description ≤ 72, button "Pilih")
- more than 10, or ids too long → numbered lines in the text (typing the number works everywhere)

A label too long for its title is never cut mid-word: the title becomes its first words that fit
(or its number), and the full label goes in the row's description or, numbered, in the body, so
the meaning stays. Text is split at line breaks (4096 characters a message, 1024 for the body of an
interactive message, which goes last)."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from typing import Any

from handlers.sending import OutgoingChoice, OutgoingMessage, shown_choices

__all__ = [
    "LIST_BUTTON",
    "MAX_BUTTONS",
    "MAX_INTERACTIVE_BODY",
    "MAX_ROWS",
    "MAX_TEXT_LENGTH",
    "WhatsAppPayload",
    "render",
    "short_title",
    "split_text",
    "template_text",
]

WhatsAppPayload = dict[str, Any]

MAX_TEXT_LENGTH = 4096
MAX_INTERACTIVE_BODY = 1024
MAX_BUTTONS = 3
MAX_BUTTON_TITLE = 20
MAX_ROWS = 10
MAX_ROW_TITLE = 24
MAX_ROW_DESCRIPTION = 72
MAX_BUTTON_ID = 256
MAX_ROW_ID = 200
MAX_TEMPLATE_PARAMETER = 1024
LIST_BUTTON = "Pilih"  # the list's button text (≤ 20)


def render(message: OutgoingMessage) -> list[WhatsAppPayload]:
    """Empty when there is nothing to send (a blank body and no choices)."""
    body = message.body.strip()
    choices = message.choices
    if body and 0 < len(choices) <= MAX_BUTTONS and _ids_fit(choices, MAX_BUTTON_ID):
        return _interactive(body, choices, _buttons)
    if body and MAX_BUTTONS < len(choices) <= MAX_ROWS and _ids_fit(choices, MAX_ROW_ID):
        return _interactive(body, choices, _list)
    if choices:
        lines = _numbered_lines(choices)
        body = f"{body}\n\n{lines}" if body else lines
    return [_text(part) for part in split_text(body, MAX_TEXT_LENGTH)]


def template_text(message: OutgoingMessage) -> str:
    """The message as a template's body variable: one line (Meta refuses new lines and tabs in a
    parameter), choices numbered after the text, at most 1024 characters, cut at a space."""
    parts = [message.body.strip(), *shown_choices(message.choices)]
    flat = " · ".join(" ".join(line.split()) for part in parts for line in part.splitlines() if line.strip())
    if len(flat) <= MAX_TEMPLATE_PARAMETER:
        return flat
    return _words_that_fit(flat, MAX_TEMPLATE_PARAMETER, ellipsis=True) or flat[:MAX_TEMPLATE_PARAMETER]


def short_title(label: str, number: int, limit: int) -> str:
    """The label if it fits; else its first whole words that fit, with "…"; else its number."""
    label = " ".join(label.split())
    if len(label) <= limit:
        return label
    return _words_that_fit(label, limit, ellipsis=True) or str(number)


def split_text(text: str, limit: int) -> list[str]:
    """Parts of at most `limit` characters, cut at a blank line, else a line break, else a space,
    else anywhere; no part is blank."""
    parts: list[str] = []
    rest = text.strip()
    while len(rest) > limit:
        head = rest[:limit]
        cut = _break_in(head)
        parts.append(rest[:cut].rstrip())
        rest = rest[cut:].strip()
    if rest:
        parts.append(rest)
    return [part for part in parts if part]


# ---- interactive messages ----------------------------------------------------------------------

# choices → (the interactive type and action, the numbered labels to add to the body or "")
Builder = Callable[[Sequence[OutgoingChoice]], tuple[dict[str, Any], str]]


def _interactive(body: str, choices: Sequence[OutgoingChoice], build: Builder) -> list[WhatsAppPayload]:
    action, spelled_out = build(choices)
    if spelled_out:  # a title had to be shortened: the full labels, numbered, keep the meaning
        body = f"{body}\n\n{spelled_out}"
    pieces = split_text(body, MAX_INTERACTIVE_BODY)
    earlier = "\n\n".join(pieces[:-1])
    before = [_text(part) for part in split_text(earlier, MAX_TEXT_LENGTH)]
    interactive = {"type": action["type"], "body": {"text": pieces[-1]}, "action": action["action"]}
    return [*before, {"type": "interactive", "interactive": interactive}]


def _buttons(choices: Sequence[OutgoingChoice]) -> tuple[dict[str, Any], str]:
    titles = _unique([short_title(c.label, n, MAX_BUTTON_TITLE) for n, c in _numbered(choices)])
    shortened = any(t != " ".join(c.label.split()) for t, c in zip(titles, choices, strict=True))
    buttons = [{"type": "reply", "reply": {"id": c.id, "title": t}} for t, c in zip(titles, choices, strict=True)]
    return {"type": "button", "action": {"buttons": buttons}}, _numbered_lines(choices) if shortened else ""


def _list(choices: Sequence[OutgoingChoice]) -> tuple[dict[str, Any], str]:
    rows: list[dict[str, str]] = []
    spelled_out = False
    titles = _unique([short_title(c.label, n, MAX_ROW_TITLE) for n, c in _numbered(choices)])
    for title, choice in zip(titles, choices, strict=True):
        row = {"id": choice.id, "title": title}
        label = " ".join(choice.label.split())
        if title != label:
            if len(label) <= MAX_ROW_DESCRIPTION:
                row["description"] = label
            else:
                spelled_out = True
        rows.append(row)
    action = {"button": LIST_BUTTON, "sections": [{"rows": rows}]}
    return {"type": "list", "action": action}, _numbered_lines(choices) if spelled_out else ""


def _unique(titles: list[str]) -> list[str]:
    """WhatsApp refuses two buttons (or rows) with the same title: those get their numbers."""
    return [str(n) if titles.count(t) > 1 else t for n, t in enumerate(titles, start=1)]


# ---- helpers -----------------------------------------------------------------------------------


def _text(body: str) -> WhatsAppPayload:
    return {"type": "text", "text": {"body": body, "preview_url": False}}


def _ids_fit(choices: Sequence[OutgoingChoice], limit: int) -> bool:
    ids = [c.id for c in choices]
    return len(set(ids)) == len(ids) and all(0 < len(i) <= limit for i in ids)


def _numbered(choices: Sequence[OutgoingChoice]) -> list[tuple[int, OutgoingChoice]]:
    return list(enumerate(choices, start=1))


def _numbered_lines(choices: Sequence[OutgoingChoice]) -> str:
    return "\n".join(shown_choices(choices))


def _words_that_fit(text: str, limit: int, *, ellipsis: bool) -> str:
    """The first whole words of `text` that fit in `limit` (with "…" after them); "" if none does."""
    room = limit - 1 if ellipsis else limit
    cut = text[: room + 1].rfind(" ")
    if cut <= 0:
        return ""
    head = text[:cut].rstrip(" ,;:.-–·")
    return f"{head}…" if ellipsis and head else head


def _break_in(head: str) -> int:
    for separator in ("\n\n", "\n", " "):
        at = head.rfind(separator)
        if at >= len(head) // 2:
            return at + len(separator)
    return max(len(head), 1)
