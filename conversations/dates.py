"""Dates and ages as people type them: "17-08-1975", "17/8/75", "17 Agustus 1975", "17 agt 1975",
"45", "45 tahun", and recent days: "hari ini", "kemarin", "3 hari lalu"."""

from __future__ import annotations

import re
from datetime import date, timedelta

from conversations.text import normalise

__all__ = ["age_on", "parse_age", "parse_date", "parse_recent_day"]

_MONTHS = {
    **dict.fromkeys(("januari", "jan", "january"), 1),
    **dict.fromkeys(("februari", "feb", "pebruari", "peb", "february"), 2),
    **dict.fromkeys(("maret", "mar", "march"), 3),
    **dict.fromkeys(("april", "apr"), 4),
    **dict.fromkeys(("mei", "may"), 5),
    **dict.fromkeys(("juni", "jun", "june"), 6),
    **dict.fromkeys(("juli", "jul", "july"), 7),
    **dict.fromkeys(("agustus", "agu", "agt", "ags", "agust", "aug", "august"), 8),
    **dict.fromkeys(("september", "sep", "sept"), 9),
    **dict.fromkeys(("oktober", "okt", "oct", "october"), 10),
    **dict.fromkeys(("november", "nov", "nop", "nopember"), 11),
    **dict.fromkeys(("desember", "des", "dec", "december"), 12),
}
_NUMERIC = re.compile(r"^(\d{1,2})\s*[-/.\s]\s*(\d{1,2})\s*[-/.\s]\s*(\d{2}|\d{4})$")
_WORDS = re.compile(r"^(\d{1,2})\s+([a-z]+)\.?\s+(\d{2}|\d{4})$")
_DAYS_AGO = re.compile(r"^(\d{1,3})\s*(?:hari\s+(?:yang\s+)?lalu|days?\s+ago)$")
_DAYS_BACK = {
    **dict.fromkeys(("hari ini", "today", "tadi", "barusan", "tadi pagi", "tadi siang", "tadi sore"), 0),
    **dict.fromkeys(("kemarin", "kemaren", "kmrn", "yesterday"), 1),
    **dict.fromkeys(("kemarin lusa", "kemaren lusa", "lusa kemarin"), 2),
}
_AGE = re.compile(r"^(?:umur|usia)?\s*(\d{1,3})\s*(?:th|thn|tahun|taun|years?)?$")


def parse_date(text: str, today: date) -> date | None:
    """A past date, or None when the text is not one."""
    said = normalise(text)
    numeric = _NUMERIC.match(said)
    words = _WORDS.match(said)
    if numeric:
        day, month, year = int(numeric.group(1)), int(numeric.group(2)), numeric.group(3)
    elif words and words.group(2) in _MONTHS:
        day, month, year = int(words.group(1)), _MONTHS[words.group(2)], words.group(3)
    else:
        return None
    full_year = int(year) if len(year) == 4 else _century(int(year), today)
    try:
        found = date(full_year, month, day)
    except ValueError:
        return None
    return found if date(1900, 1, 1) <= found <= today else None


def parse_age(text: str) -> int | None:
    said = _AGE.match(normalise(text))
    if said is None:
        return None
    age = int(said.group(1))
    return age if age <= 120 else None


def age_on(born: date, today: date) -> int:
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


def _century(year2: int, today: date) -> int:
    return 2000 + year2 if 2000 + year2 <= today.year else 1900 + year2


def parse_recent_day(text: str, today: date) -> date | None:
    """ "hari ini", "kemarin", "kemarin lusa", "3 hari lalu": a day counted back from today, or None."""
    said = normalise(text)
    if said in _DAYS_BACK:
        return today - timedelta(days=_DAYS_BACK[said])
    ago = _DAYS_AGO.match(said)
    return today - timedelta(days=int(ago.group(1))) if ago else None
