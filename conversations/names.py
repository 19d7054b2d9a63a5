"""A person's name as the KTP writes it: in capitals, whatever case was typed ("siti  aminah" →
"SITI AMINAH"). Stored so in every registration and correction, so that a correction changing only the
case is seen as no change at all."""

from __future__ import annotations

__all__ = ["ktp_name"]


def ktp_name(text: str) -> str:
    """Capitals, with single spaces. A letter whose capital is more than one letter ("ß" → "SS") stays
    as it is: the name keeps its length, and so still fits where it fitted."""
    return "".join(_capital(letter) for letter in " ".join(text.split()))


def _capital(letter: str) -> str:
    upper = letter.upper()
    return upper if len(upper) == 1 else letter
