"""Reads a gettext .po file into {msgid: msgstr}, as Babel's `read_po` would, in a fraction of the time.

Babel's reader builds a full `Catalog` (locations, flags, comments, the header's metadata) and took
~60 ms of `jaring chat`'s start-up for the two languages; the bot needs only the translated texts. This
reader knows the form our catalogs are written in (`msgid`, `msgstr`, strings continued on the next
lines, comments), line for line as Babel reads it. A file using anything else (`msgctxt`, plurals,
obsolete `#~` entries, a charset other than UTF-8, a msgid twice, a line Babel would warn about) is
handed to Babel itself, so the answer is always Babel's. tests/test_po_reader.py compares the two on
every shipped file."""

from __future__ import annotations

import re
from pathlib import Path

__all__ = ["read_translations"]

_ESCAPE = re.compile(r'\\([\\trn"])')
_ESCAPED = {"n": "\n", "t": "\t", "r": "\r", "\\": "\\", '"': '"'}
_CHARSET = re.compile(r"charset=([^\s;]+)", re.IGNORECASE)


class _NotSimple(Exception):
    """The file uses more of the format than this reader knows."""


def read_translations(path: Path, locale: str) -> dict[str, str]:
    """Every message with a non-empty msgid and a non-empty translation, in the file's order."""
    data = path.read_bytes()
    try:
        return _read_simple(data)
    except (_NotSimple, UnicodeDecodeError):
        return _read_with_babel(path, locale)


def _unescape(piece: str) -> str:
    inner = piece[1:-1]
    return _ESCAPE.sub(lambda m: _ESCAPED[m.group(1)], inner) if "\\" in inner else inner


def _read_simple(data: bytes) -> dict[str, str]:
    translations: dict[str, str] = {}
    seen: set[str] = set()
    for id_pieces, string_pieces in _entries(data):
        msgid = "".join(map(_unescape, id_pieces))
        string = "".join(map(_unescape, string_pieces))
        if msgid in seen:
            raise _NotSimple  # Babel merges a repeated msgid its own way
        seen.add(msgid)
        if not msgid:  # the header
            charset = _CHARSET.search(string)
            if charset and charset.group(1).lower() not in ("utf-8", "utf8"):
                raise _NotSimple
        elif string:
            translations[msgid] = string
    return translations


def _entries(data: bytes) -> list[tuple[list[str], list[str]]]:
    """Each message's msgid and msgstr as their quoted pieces, in the file's order."""
    entries: list[tuple[list[str], list[str]]] = []
    msgid: list[str] | None = None  # a msgid read, its msgstr not yet
    current: list[str] | None = None  # the pieces a continuation line adds to
    for raw in data.split(b"\n"):  # as Babel, which iterates the file's lines
        stripped = raw.strip()
        if not stripped:
            continue
        line = stripped.decode("utf-8")
        keyword, _, argument = line.partition(" ")
        if line[0] == '"' and current is not None:
            current.append(line)
        elif line[0] == "#" and line[:2] != "#~" and msgid is None:
            current = None
        elif keyword == "msgid" and msgid is None:
            msgid = current = [argument.strip()]
        elif keyword == "msgstr" and msgid is not None and current is msgid:
            current = [] if argument.strip() == '""' else [argument.strip()]
            entries.append((msgid, current))
            msgid = None
        else:  # msgctxt, plurals, obsolete entries, a msgid without its msgstr, a string out of place
            raise _NotSimple
    if msgid is not None:
        raise _NotSimple
    return entries


def _read_with_babel(path: Path, locale: str) -> dict[str, str]:
    from babel.messages.pofile import read_po  # noqa: PLC0415  # only for a file the reader above does not know

    with path.open("rb") as handle:
        catalog = read_po(handle, locale=locale)
    return {str(m.id): str(m.string) for m in catalog if m.id and isinstance(m.string, str) and m.string}
