"""The documents an heir needs for a death claim, and what the claim can bring, from the programme file.

Pure: the claim flow (flows/claims.py) asks how the participant died, when, who the heir is and how
many school-age children there are; this module turns those answers into the checklist:

- illness or any other cause → the JKM documents (the marriage book only when the heir is the spouse);
- a work accident, or a road accident on the way to or from work (also a work accident) → the JKK
  documents (the police report only for a road accident), then the JKM heir documents;
- the scholarship documents when there are school-age children and either the death was a work
  accident or the membership had lasted the programme's minimum years at the date of death. When the
  start of the membership is not known, they are included and the flow says that it depends on it.

A document that appears in two lists (Kartu Keluarga, the bank book) is listed once, the first time.
Every figure comes from the programme file."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, timedelta
from enum import StrEnum

from conversations.dates import age_on
from conversations.programme import ClaimDocument, Programme

__all__ = [
    "CAUSES",
    "RELATIONSHIPS",
    "WORK_CAUSES",
    "Checklist",
    "ScholarshipOutcome",
    "add_working_days",
    "build_checklist",
    "claim_deadline_passed",
    "find_document",
    "is_work_accident",
    "jkk_deadline_passed",
    "membership_years",
]

CAUSES = ("work_accident", "road_accident", "illness")
# A road accident on the usual way between home and work is a work accident (JKK), like one at work.
WORK_CAUSES = frozenset({"work_accident", "road_accident"})
RELATIONSHIPS = ("spouse", "child", "parent", "sibling", "other")

_POLICE_REPORT = "laporan_polisi"
_MARRIAGE_BOOK = "buku_nikah"
_WORKING_DAYS = 5  # Monday to Friday


class ScholarshipOutcome(StrEnum):
    NO_CHILDREN = "no_children"
    INCLUDED = "included"  # work accident, or membership long enough
    DEPENDS = "depends"  # membership start not known: included, and it depends on the membership length
    TOO_SHORT = "too_short"  # not a work accident and membership shorter than the minimum


@dataclass(frozen=True, slots=True)
class Checklist:
    documents: tuple[ClaimDocument, ...]
    work_accident: bool  # JKK death benefit (else JKM)
    benefit: int  # rupiah: the JKM total, or the JKK death total at the declared income
    scholarship: ScholarshipOutcome
    scholarship_children: int  # children counted for the scholarship (at most max_children)
    scholarship_total: int  # rupiah: up to this much over the school years; 0 without scholarship
    payment_working_days: int  # once the documents are complete
    membership_years: int | None  # full years from coverage start to the death, when known

    @property
    def document_ids(self) -> tuple[str, ...]:
        return tuple(document.id for document in self.documents)


def is_work_accident(cause: str) -> bool:
    return cause in WORK_CAUSES


def build_checklist(
    programme: Programme,
    *,
    cause: str,
    relationship: str,
    children: int,
    died_on: date,
    coverage_start: date | None,
) -> Checklist:
    claims, benefits = programme.claims, programme.benefits
    work = is_work_accident(cause)
    heir_documents = tuple(d for d in claims.jkm_documents if d.id != _MARRIAGE_BOOK or relationship == "spouse")
    if work:
        accident_documents = tuple(
            d for d in claims.jkk_documents if d.id != _POLICE_REPORT or cause == "road_accident"
        )
        listed = (*accident_documents, *heir_documents)
    else:
        listed = heir_documents

    scholarship = benefits.scholarship
    counted = max(0, min(children, scholarship.max_children))
    years = membership_years(coverage_start, died_on)
    if counted == 0:
        outcome = ScholarshipOutcome.NO_CHILDREN
    elif work:
        outcome = ScholarshipOutcome.INCLUDED
    elif years is None:
        outcome = ScholarshipOutcome.DEPENDS
    elif years >= scholarship.min_membership_years_if_not_work_accident:
        outcome = ScholarshipOutcome.INCLUDED
    else:
        outcome = ScholarshipOutcome.TOO_SHORT
    if outcome in (ScholarshipOutcome.INCLUDED, ScholarshipOutcome.DEPENDS):
        listed = (*listed, *claims.scholarship_documents)
        total = counted * scholarship.per_child_total
    else:
        total = 0

    return Checklist(
        documents=_unique(listed),
        work_accident=work,
        benefit=benefits.jkk_death_total(programme.premium.declared_income) if work else benefits.jkm.total,
        scholarship=outcome,
        scholarship_children=counted if total else 0,
        scholarship_total=total,
        payment_working_days=claims.jkk_payment_working_days if work else claims.jkm_payment_working_days,
        membership_years=years,
    )


def membership_years(coverage_start: date | None, died_on: date) -> int | None:
    """Full years of membership at the death; None when the start is not known, 0 when it came after."""
    if coverage_start is None:
        return None
    return age_on(coverage_start, died_on) if coverage_start <= died_on else 0


def _unique(documents: tuple[ClaimDocument, ...]) -> tuple[ClaimDocument, ...]:
    seen: set[str] = set()
    kept: list[ClaimDocument] = []
    for document in documents:
        if document.id not in seen:
            seen.add(document.id)
            kept.append(document)
    return tuple(kept)


def find_document(programme: Programme, document_id: str) -> ClaimDocument | None:
    """A document by id, from whichever list has it first (JKK, JKM, then scholarship)."""
    claims = programme.claims
    everything = (*claims.jkk_documents, *claims.jkm_documents, *claims.scholarship_documents)
    return next((d for d in everything if d.id == document_id), None)


def _years_after(day: date, years: int) -> date:
    try:
        return day.replace(year=day.year + years)
    except ValueError:  # 29 February
        return day.replace(year=day.year + years, day=28)


def jkk_deadline_passed(programme: Programme, cause: str, died_on: date, today: date) -> bool:
    """A JKK claim lapses this many years after the accident; the accident was on or before the death,
    so a death longer ago than that is past the deadline for certain."""
    years = programme.benefits.jkk.claim_deadline_years
    return is_work_accident(cause) and _years_after(died_on, years) < today


def claim_deadline_passed(programme: Programme, cause: str, died_on: date, today: date) -> bool:
    """For a death not from a work accident: only if the programme sets a JKM deadline (BPJS TK says
    there is none)."""
    years = programme.benefits.jkm.claim_deadline_years
    return not is_work_accident(cause) and years is not None and _years_after(died_on, years) < today


def add_working_days(start: date, days: int) -> date:
    """The day `days` working days (Monday to Friday) after `start`; public holidays are not known here."""
    day = start
    left = days
    while left > 0:
        day += timedelta(days=1)
        if day.weekday() < _WORKING_DAYS:
            left -= 1
    return day
