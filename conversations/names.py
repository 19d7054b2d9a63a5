"""A person's name as the KTP writes it: in capitals, whatever case was typed ("siti  aminah" →
"SITI AMINAH"). Stored so in every registration and correction, so that a correction changing only the
case is seen as no change at all."""

from __future__ import annotations

import re

__all__ = ["NAME_MOST", "ktp_name", "looks_like_a_name"]

NAME_MOST = 100  # registrations.full_name
# Letters, with spaces, dots, apostrophes, hyphens or commas between them ("M. NUR'AINI, S.PD"): no digits.
_NAME = re.compile(r"^[^\W\d_]+(?:[ .'\-,][^\W\d_]*)*$")


def looks_like_a_name(text: str) -> bool:
    """Three to 100 characters of a name as a KTP could write it, whether typed in chat or read from a list."""
    return 3 <= len(text) <= NAME_MOST and _NAME.match(text) is not None


def ktp_name(text: str) -> str:
    """Capitals, with single spaces. A letter whose capital is more than one letter ("ß" → "SS") stays
    as it is: the name keeps its length, and so still fits where it fitted."""
    return "".join(_capital(letter) for letter in " ".join(text.split()))


def _capital(letter: str) -> str:
    upper = letter.upper()
    return upper if len(upper) == 1 else letter
