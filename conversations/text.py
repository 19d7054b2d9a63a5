"""Text as people type it on a phone keyboard: cleaned once at the inbound door, then normalised
before matching it to anything."""

from __future__ import annotations

import re
import unicodedata
from functools import lru_cache

__all__ = ["MAX_MESSAGE_CHARS", "clean_text", "fold_lines", "normalise", "words"]

# The most any channel carries in one message (Telegram and WhatsApp: 4096). Each step declares its
# own, smaller limit (flow.TextLimit); nothing is ever cut silently.
MAX_MESSAGE_CHARS = 4096
# Matching only looks at the start of a text: no choice, word or question needs more.
_MATCH_CHARS = 1000

_SPACES = re.compile(r"\s+")
_EDGE_PUNCTUATION = re.compile(r"^[\W_]+|[\W_]+$")
_CONTROL = {"Cc", "Cf", "Cs", "Co", "Cn"}
_LINE_BREAKS = re.compile(r"\r\n?|[\u2028\u2029\x85\v\f]")
# Removed outright: C0 and C1 controls (but the line break and tab), DEL, lone surrogates, U+FFFE and
# U+FFFF, and the invisible format characters (Unicode category Cf): bidi embeddings, overrides and
# isolates (they make "ayam" display as "maya"), zero-width spaces and joiners (they make two
# equal-looking names differ), the byte-order mark, soft hyphens, Arabic and Syriac marks, tag
# characters.
_REMOVED = re.compile(
    "[\x00-\x08\x0b-\x1f\x7f-\x9f\xad\u0600-\u0605\u061c\u06dd\u070f\u0890\u0891"
    "\u08e2\u180e\u200b-\u200f\u202a-\u202e\u2060-\u2064\u2066-\u206f\ufeff\ufff9-\ufffb"
    "\ud800-\udfff\ufffe\uffff]"
    "|[\U000e0001\U000e0020-\U000e007f]"
)


def clean_text(text: str) -> str:
    """What every step sees of a typed message: Unicode NFC, line breaks made "\\n", invisible and
    control characters removed, tabs made spaces, spaces trimmed at both ends. Lines are kept: a step
    that takes one line folds them (`fold_lines`)."""
    text = _LINE_BREAKS.sub("\n", text)
    text = _REMOVED.sub("", text).replace("\t", " ")
    return unicodedata.normalize("NFC", text).strip()


def fold_lines(text: str) -> str:
    """One line: every run of white space, line breaks included, becomes one space."""
    return _SPACES.sub(" ", text).strip()


@lru_cache(maxsize=8192)  # every message normalises the menu's labels, and people repeat themselves
def normalise(text: str) -> str:
    """Lower case, compatibility forms folded, control characters dropped, spaces collapsed,
    punctuation trimmed from both ends ("Setuju!!" → "setuju")."""
    text = unicodedata.normalize("NFKC", text[:_MATCH_CHARS])
    text = "".join(ch if unicodedata.category(ch) not in _CONTROL else " " for ch in text)
    text = _SPACES.sub(" ", text).strip().casefold()
    return _EDGE_PUNCTUATION.sub("", text)


def words(text: str) -> list[str]:
    return normalise(text).split()
