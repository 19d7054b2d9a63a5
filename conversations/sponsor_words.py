"""A sponsor's words, read and said: the NIP as typed, the OPD named with typos, a number of months, a month by
its name, and a worker's status as their sponsor may hear it (the status only: no KPJ number, no reason,
nothing else)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from enum import StrEnum

from conversations.matching import best_matches
from conversations.messages import Msg, msg
from conversations.nik import Nik, parse_nik
from conversations.number_words import DIGIT_WORDS, TEN_WORDS
from conversations.programme import SponsorKind, SponsorOrganisation
from conversations.text import normalise

__all__ = [
    "KIND_LABELS",
    "NIP_LENGTH",
    "NipProblem",
    "NipReading",
    "OrganisationMatch",
    "mask_nip",
    "match_organisation",
    "month_words",
    "read_months",
    "read_nip",
    "sponsor_status_words",
]

NIP_LENGTH = 18
_NIP_SEPARATORS = re.compile(r"[\s.\-/]")
_EARLIEST_BIRTH_YEAR = 1940
_EARLIEST_APPOINTMENT_YEAR = 1960

KIND_LABELS: dict[SponsorKind, str] = {
    "asn": "sponsor.kind_asn",
    "csr": "sponsor.kind_csr",
    "bumd": "sponsor.kind_bumd",
}

# The months by name: "Desember 2026". (Not renewal_rules.month_name: that module cannot be the first of the
# flows' modules imported, and this one is imported by desks before any flow.)
_MONTHS = (
    "sponsor.month_january",
    "sponsor.month_february",
    "sponsor.month_march",
    "sponsor.month_april",
    "sponsor.month_may",
    "sponsor.month_june",
    "sponsor.month_july",
    "sponsor.month_august",
    "sponsor.month_september",
    "sponsor.month_october",
    "sponsor.month_november",
    "sponsor.month_december",
)

# A registration's status as its sponsor is told it. The worker's own words (flows/statuses.py) carry the
# KPJ number and a rejection's reason, which are the worker's and the Dinas's, not the sponsor's.
_STATUS_WORDS = {
    "submitted": "sponsor.status_submitted",
    "corrected": "sponsor.status_corrected",
    "returned": "sponsor.status_returned",
    "verified": "sponsor.status_verified",
    "approved": "sponsor.status_approved",
    "waiting_list": "sponsor.status_waiting_list",
    "active": "sponsor.status_active",
    "rejected": "sponsor.status_rejected",
    "deleted": "sponsor.status_deleted",
    "ended": "sponsor.status_ended",
}


def month_words(month: date) -> Msg:
    """ "Desember 2026": a month by its name, with its year (a date would say the day too)."""
    return msg(_MONTHS[month.month - 1], year=month.year)


def sponsor_status_words(status: str | None) -> Msg:
    return msg(_STATUS_WORDS.get(status or "", "sponsor.status_submitted"))


# ---- the NIP -----------------------------------------------------------------------------------------------


class NipProblem(StrEnum):
    LOOKS_LIKE_NIK = "looks_like_nik"  # 16 digits (the engine shows a NIK masked at any other step)
    NOT_DIGITS = "not_digits"
    LENGTH = "length"
    BIRTH_DATE = "birth_date"  # digits 1–8: the birth date, YYYYMMDD
    APPOINTED = "appointed"  # digits 9–14: the year and month of appointment, YYYYMM
    SEX = "sex"  # digit 15: 1 or 2


@dataclass(frozen=True, slots=True)
class NipReading:
    digits: str = ""  # the 18 digits, when they are a NIP
    problem: NipProblem | None = None
    count: int = 0  # the digits typed


_NIK_LENGTH = 16


def read_nip(text: str, today: date) -> NipReading:
    """An ASN's NIP (PNS or PPPK, 18 digits) as typed, spaces and dots allowed ("19850716 201001 2 003")."""
    said = _NIP_SEPARATORS.sub("", text)
    if "•" in said or (len(said) == _NIK_LENGTH and isinstance(parse_nik(said, today), Nik)):
        return NipReading(problem=NipProblem.LOOKS_LIKE_NIK)
    if not said.isascii() or not said.isdigit():
        return NipReading(problem=NipProblem.NOT_DIGITS)
    if len(said) != NIP_LENGTH:
        return NipReading(problem=NipProblem.LENGTH, count=len(said))
    if _as_date(said[:8], earliest=_EARLIEST_BIRTH_YEAR, latest=today.year) is None:
        return NipReading(problem=NipProblem.BIRTH_DATE, count=NIP_LENGTH)
    if _as_date(said[8:14] + "01", earliest=_EARLIEST_APPOINTMENT_YEAR, latest=today.year + 1) is None:
        return NipReading(problem=NipProblem.APPOINTED, count=NIP_LENGTH)
    if said[14] not in "12":
        return NipReading(problem=NipProblem.SEX, count=NIP_LENGTH)
    return NipReading(digits=said, count=NIP_LENGTH)


def _as_date(digits: str, *, earliest: int, latest: int) -> date | None:
    year, month, day = int(digits[:4]), int(digits[4:6]), int(digits[6:8])
    if not earliest <= year <= latest:
        return None
    try:
        return date(year, month, day)
    except ValueError:
        return None


def mask_nip(digits: str) -> str:
    """1985••••••••••2003: enough for a person to recognise their own NIP on the summary."""
    return digits[:4] + "•" * (len(digits) - 8) + digits[-4:] if len(digits) > 8 else "•" * len(digits)


# ---- the OPD -----------------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class OrganisationMatch:
    exact: str | None  # the id named exactly (its name or a synonym): taken without asking
    candidates: tuple[str, ...]  # else the ids it may mean, closest first: "Maksud Anda …?"


def match_organisation(text: str, organisations: Sequence[SponsorOrganisation]) -> OrganisationMatch:
    """The OPD an ASN typed: "dinkes", "Dinas Kesehatan", "dinas kesehtan" (a typo: confirmed first)."""
    said = normalise(text)
    exact = [o.id for o in organisations if said in {normalise(name) for name in (o.name, *o.synonyms)}]
    if len(exact) == 1:
        return OrganisationMatch(exact[0], ())
    names = [(o.id, name) for o in organisations for name in (o.name, *o.synonyms)]
    sure, closest = best_matches(text, names)
    candidates = (sure.id,) if sure is not None else tuple(c.id for c in closest)
    return OrganisationMatch(None, candidates)


# ---- a number of months ----------------------------------------------------------------------------------------

_MONTH_WORDS = frozenset({"bulan", "bln", "bl", "months", "month", "saja", "aja", "ya", "mau", "selama"})
_YEAR_WORDS = frozenset({"tahun", "thn", "th", "years", "year"})
_A_YEAR = frozenset({"setahun", "sethn"})
_TEENS = {"sebelas": 11}


def read_months(text: str) -> int | None:
    """How many months a sponsor says: "6", "6 bulan", "enam", "dua belas", "dua puluh empat", "setahun",
    "2 tahun". None when it says no number, or more than one."""
    words = [word for word in re.split(r"[\s,.]+", normalise(text)) if word and word not in _MONTH_WORDS]
    if words and words[-1] in _YEAR_WORDS:
        years = _number(words[:-1]) if len(words) > 1 else 1
        return years * 12 if years is not None else None
    if len(words) == 1 and words[0] in _A_YEAR:
        return 12
    return _number(words)


def _number(words: list[str]) -> int | None:
    """ "24", "dua puluh empat", "sepuluh", "sebelas", "tiga belas": a whole number below 100."""
    if len(words) == 1 and words[0].isdecimal() and len(words[0]) <= 3:
        return int(words[0])
    total, current = 0, None
    for word in words:
        if word in DIGIT_WORDS:
            if current is not None:
                return None
            current = DIGIT_WORDS[word]
        elif word in TEN_WORDS:
            total, current = total + 10, None
        elif word in _TEENS:
            total, current = total + _TEENS[word], None
        elif word == "belas" and current is not None:
            total, current = total + 10 + current, None
        elif word == "puluh" and current is not None:
            total, current = total + current * 10, None
        else:
            return None
    if current is None and total == 0:
        return None
    return total + (current or 0)
