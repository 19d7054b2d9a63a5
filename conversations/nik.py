"""NIK (Nomor Induk Kependudukan): `PP KK CC DD MM YY SSSS` — province, kabupaten/kota, kecamatan, birth
day (+40 for women), month, two-digit year, serial from 0001.

The area code is where the NIK was first issued and never changes when someone moves, so a prefix
outside the city is not a reason to refuse: the KTP address decides."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

__all__ = [
    "PROVINCE_CODES",
    "Nik",
    "NikProblem",
    "find_niks",
    "mask_digit_runs",
    "mask_nik",
    "mask_niks",
    "nik_in_answer",
    "parse_nik",
    "problems_with_birth_date",
]

# The 38 provinces in the Kemendagri list (a test keeps this equal to programmes/wilayah.csv).
PROVINCE_CODES = frozenset(
    {
        "11",
        "12",
        "13",
        "14",
        "15",
        "16",
        "17",
        "18",
        "19",
        "21",
        "31",
        "32",
        "33",
        "34",
        "35",
        "36",
        "51",
        "52",
        "53",
        "61",
        "62",
        "63",
        "64",
        "65",
        "71",
        "72",
        "73",
        "74",
        "75",
        "76",
        "81",
        "82",
        "91",
        "92",
        "93",
        "94",
        "95",
        "96",
    }
)
# What people put between a NIK's digits: spaces (the no-break space too), dots, dashes, slashes,
# underscores. One rule for reading a NIK at the NIK step and for finding one in any other text.
_SEPARATOR = r"[\s.\-_/]"
_SEPARATORS = re.compile(_SEPARATOR + "+")
# 16 digits, with at most three separators between two of them, not part of a longer number.
_NIK_IN_TEXT = re.compile(rf"(?<!\d)\d(?:{_SEPARATOR}{{0,3}}\d){{15}}(?!\d)")
_DIGIT_RUN = re.compile(rf"\d(?:{_SEPARATOR}{{0,3}}\d){{7,}}")
# A whole number in a sentence, however long, with the same separators: a NIK is one of exactly 16 digits.
_NUMBER_RUN = re.compile(rf"[0-9](?:{_SEPARATOR}{{0,3}}[0-9])*")
_NIK_LENGTH = 16
_WOMEN_ADD = 40


class NikProblem(StrEnum):
    NOT_16_DIGITS = "not_16_digits"
    UNKNOWN_PROVINCE = "unknown_province"
    BAD_DAY = "bad_day"
    BAD_MONTH = "bad_month"
    IMPOSSIBLE_DATE = "impossible_date"
    SERIAL_ZERO = "serial_zero"
    IN_THE_FUTURE = "in_the_future"
    DATE_DIFFERS = "date_differs"  # the NIK's date is not the birth date given
    SEVERAL = "several_niks"  # two different NIKs in one answer: which one is meant is not guessed


@dataclass(frozen=True, slots=True)
class Nik:
    digits: str
    birth_date: date
    female: bool

    @property
    def province(self) -> str:
        return self.digits[:2]

    @property
    def regency_code(self) -> str:
        """Kemendagri form, e.g. "33.75"."""
        return f"{self.digits[:2]}.{self.digits[2:4]}"

    @property
    def masked(self) -> str:
        return mask_nik(self.digits)


def mask_nik(digits: str) -> str:
    """3375••••••••0001: enough for a person to recognise their own NIK, not enough to use it."""
    return digits[:4] + "•" * 8 + digits[-4:] if len(digits) == 16 else "•" * len(digits)


def find_niks(text: str) -> list[str]:
    """The NIKs written anywhere in a text, whatever stands between their digits ("3375/0125/0488/0014",
    "3375_0125…", "3375 0125…" with no-break spaces), as 16 digits each."""
    return [_SEPARATORS.sub("", found.group()) for found in _NIK_IN_TEXT.finditer(text)]


def mask_niks(text: str) -> str:
    """The text with every NIK in it masked as on screen (3375••••••••0014), whatever its separators."""
    return _NIK_IN_TEXT.sub(lambda found: mask_nik(_SEPARATORS.sub("", found.group())), text)


def mask_digit_runs(text: str) -> str:
    """Free text with every run of 8 or more digits (a NIK, a KPJ, a phone number), with any of the
    separators a NIK may have, replaced by dots."""
    return _DIGIT_RUN.sub(lambda found: "•" * len(found.group()), text)


def nik_in_answer(text: str) -> str | NikProblem:
    """The NIK in an answer, as 16 digits: typed alone with any separators, or the one 16-digit number
    in a sentence ("sy sendiri, 3375014506850001", "nik nya 3375 0145 0685 0001 pak"). A number of
    another length beside it (a phone number) does not count; the same NIK twice is one. Two different
    NIKs: SEVERAL, never one picked; none: NOT_16_DIGITS."""
    alone = _SEPARATORS.sub("", text.strip())
    if alone.isascii() and alone.isdigit():
        return alone if len(alone) == _NIK_LENGTH else NikProblem.NOT_16_DIGITS
    numbers = {_SEPARATORS.sub("", found.group()) for found in _NUMBER_RUN.finditer(text)}
    niks = [number for number in numbers if len(number) == _NIK_LENGTH]
    if len(niks) > 1:
        return NikProblem.SEVERAL
    return niks[0] if niks else NikProblem.NOT_16_DIGITS


def parse_nik(text: str, today: date) -> Nik | NikProblem:
    """A NIK typed alone, with any separators, or inside a sentence ("sy sendiri, 3375 0125 …")."""
    digits = nik_in_answer(text)
    if isinstance(digits, NikProblem):
        return digits
    if digits[:2] not in PROVINCE_CODES:
        return NikProblem.UNKNOWN_PROVINCE
    day, month, year2 = int(digits[6:8]), int(digits[8:10]), int(digits[10:12])
    female = day > _WOMEN_ADD
    if day == 0 or 31 < day <= _WOMEN_ADD or day > _WOMEN_ADD + 31:
        return NikProblem.BAD_DAY
    if not 1 <= month <= 12:
        return NikProblem.BAD_MONTH
    if digits[12:] == "0000":
        return NikProblem.SERIAL_ZERO
    year = 2000 + year2 if 2000 + year2 <= today.year else 1900 + year2
    try:
        born = date(year, month, day - _WOMEN_ADD if female else day)
    except ValueError:
        return NikProblem.IMPOSSIBLE_DATE
    if born > today:
        return NikProblem.IN_THE_FUTURE
    return Nik(digits, born, female)


def problems_with_birth_date(nik: Nik, birth_date: date) -> NikProblem | None:
    """The NIK holds day, month and the last two digits of the year: they must agree with the birth
    date the person gives (the century is the person's to say)."""
    same = (nik.birth_date.day, nik.birth_date.month, nik.birth_date.year % 100) == (
        birth_date.day,
        birth_date.month,
        birth_date.year % 100,
    )
    return None if same else NikProblem.DATE_DIFFERS
