"""The renewal round's rules, pure: when a round may open and close, who does not continue into the new
budget year, and the words for why.

The programme is funded one budget year (APBD, January to December) at a time. In the month the
programme file names (`[renewal] month`), the Dinas opens the renewal into the next year; every
participant continues by default. On the renewal date, 1 January of the new year, a participant does
not continue when:
- they died (`deceased_on` is set once a claim for them was paid);
- they are past the programme's age band that day — judged by the same rule every flow asks
  (`programme_rules.birth_date_breach`), only above the band: someone below it (possible only through an
  admin's override) grows into it and is not ended for it;
- they asked to leave ("Ingin keluar dari program", confirmed once).
A worker who says they moved away or no longer do the work goes to the kelurahan's verifier ("check");
silence is never a removal."""

from __future__ import annotations

from dataclasses import dataclass
from datetime import date, datetime
from typing import Literal

from conversations.dates import age_on
from conversations.flows.jobs import OTHER_JOB
from conversations.messages import Msg, msg
from conversations.programme import Programme
from conversations.programme_rules import Breach, birth_date_breach

__all__ = [
    "ANSWERS",
    "CONTINUING_DECISIONS",
    "Answer",
    "Decision",
    "EndedAtOpen",
    "OpenRefused",
    "Reason",
    "continues",
    "decision_for",
    "first_day",
    "job_words",
    "last_covered_day",
    "may_close",
    "month_name",
    "not_continuing",
    "past_age_band",
    "reason_words",
    "renewal_year",
]

Decision = Literal["continues", "check", "ends"]
Reason = Literal["deceased", "aged_out", "asked_to_leave", "moved", "not_working"]
Answer = Literal["yes", "moved", "not_working", "leave"]
EndedAtOpen = Literal["deceased", "aged_out"]

ANSWERS: tuple[Answer, ...] = ("yes", "moved", "not_working", "leave")
# Silence never removes, and a "no" waits for the kelurahan: both still hold the new year's place.
CONTINUING_DECISIONS: tuple[Decision, ...] = ("continues", "check")

_DECISIONS: dict[Answer, tuple[Decision, Reason | None]] = {
    "yes": ("continues", None),
    "moved": ("check", "moved"),
    "not_working": ("check", "not_working"),
    "leave": ("ends", "asked_to_leave"),
}
_REASON_KEYS: dict[str, str] = {
    "deceased": "renewal.reason_deceased",
    "aged_out": "renewal.reason_aged_out",
    "asked_to_leave": "renewal.reason_asked_to_leave",
    "moved": "renewal.reason_moved",
    "not_working": "renewal.reason_not_working",
}
_MONTH_KEYS = (
    "renewal.month_1",
    "renewal.month_2",
    "renewal.month_3",
    "renewal.month_4",
    "renewal.month_5",
    "renewal.month_6",
    "renewal.month_7",
    "renewal.month_8",
    "renewal.month_9",
    "renewal.month_10",
    "renewal.month_11",
    "renewal.month_12",
)


@dataclass(frozen=True, slots=True)
class OpenRefused:
    """Why no round opens now: the programme file names no renewal month, or this is not that month."""

    reason: Literal["no_renewal", "wrong_month"]
    month: int | None = None  # the programme file's month, for "wrong_month"


def renewal_year(programme: Programme, now: datetime) -> int | OpenRefused:
    """The budget year a round opened now renews into (next year, where the programme is), or why none
    may open now."""
    if programme.renewal is None:
        return OpenRefused("no_renewal")
    today = programme.local_date(now)
    if today.month != programme.renewal.month:
        return OpenRefused("wrong_month", programme.renewal.month)
    return today.year + 1


def first_day(year: int) -> date:
    """The renewal date: the first day of the budget year the round renews into."""
    return date(year, 1, 1)


def last_covered_day(year: int) -> date:
    """The last day of the year before: a participant who does not continue is covered until then."""
    return date(year - 1, 12, 31)


def may_close(year: int, today: date) -> bool:
    """A round closes from its year's first day: until then the old year still runs."""
    return today >= first_day(year)


def past_age_band(programme: Programme, born: date | None, year: int) -> Breach | None:
    """The age rule broken on 1 January of `year` by someone above the band (the breach says the band and
    what they can do instead); None when within it, below it, or the birth date is not known."""
    if born is None or programme.eligibility.max_age is None:
        return None
    on = first_day(year)
    breach = birth_date_breach(programme, born, on)
    return breach if breach is not None and age_on(born, on) > programme.eligibility.max_age else None


def not_continuing(
    programme: Programme, *, born: date | None, deceased_on: date | None, year: int
) -> EndedAtOpen | None:
    """Why a participant does not continue into `year` whatever they answer, or None."""
    if deceased_on is not None:
        return "deceased"
    if past_age_band(programme, born, year) is not None:
        return "aged_out"
    return None


def decision_for(answer: Answer) -> tuple[Decision, Reason | None]:
    """Yes: continues. Moved or not working: the kelurahan's verifier checks. Leave: ends."""
    return _DECISIONS[answer]


def continues(decision: str) -> bool:
    return decision in CONTINUING_DECISIONS


def reason_words(reason: str) -> Msg:
    """Why a participant ends, in plain words (also stored, in Indonesian, as the registration's reason)."""
    key = _REASON_KEYS.get(reason)
    return msg(key) if key is not None else msg("renewal.reason_other")


def month_name(month: int) -> Msg:
    return msg(_MONTH_KEYS[month - 1])


def job_words(programme: Programme, job_type: str, job_text: str | None) -> str | Msg:
    """The work as it reads inside a sentence ("bekerja sebagai tukang becak"): the programme file's name
    with a lower-case first letter (an acronym such as "PNS" kept), the person's own words for work
    outside the list."""
    found = next((job for job in programme.job_types if job.id == job_type), None)
    if found is not None:
        name = found.name
        return name if name[1:2].isupper() else name[:1].lower() + name[1:]
    if job_type == OTHER_JOB and job_text:
        return job_text
    return job_text or msg("renewal.job_unknown")
