"""Normalising what people type on a phone keyboard, before matching it to anything."""

from __future__ import annotations

import re
import unicodedata

__all__ = ["MAX_INPUT_CHARS", "normalise", "words"]

# Nobody answers a question with more than this; longer input is cut before any matching runs.
MAX_INPUT_CHARS = 1000

_SPACES = re.compile(r"\s+")
_EDGE_PUNCTUATION = re.compile(r"^[\W_]+|[\W_]+$")
_CONTROL = {"Cc", "Cf", "Cs", "Co", "Cn"}


def normalise(text: str) -> str:
    """Lower case, compatibility forms folded, control characters dropped, spaces collapsed,
    punctuation trimmed from both ends ("Setuju!!" → "setuju")."""
    text = unicodedata.normalize("NFKC", text[:MAX_INPUT_CHARS])
    text = "".join(ch if unicodedata.category(ch) not in _CONTROL else " " for ch in text)
    text = _SPACES.sub(" ", text).strip().casefold()
    return _EDGE_PUNCTUATION.sub("", text)


def words(text: str) -> list[str]:
    return normalise(text).split()
