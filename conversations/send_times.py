"""When to send an announcement, as an admin types it: "sekarang", "besok 08.00", "25-11-2026 08.00",
"08.00", "jam 2 siang", "lusa pukul 7.30 WIB". Read in the programme's own time zone (WIB, WITA or
WIT); a time already past is refused with what to type instead, never moved silently to another day."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from conversations.messages import Msg, msg
from conversations.text import normalise

__all__ = ["SendAt", "SendNow", "example_time", "local_time_text", "parse_send_time"]

# An admin who types the minute it is now means now; a broadcast set further ahead than this is a typo.
_NOW_GRACE = timedelta(minutes=1)
_LATEST = timedelta(days=366)

_NOW_WORDS = frozenset(
    ["sekarang", "skrg", "skrng", "sekarang juga", "kirim sekarang", "langsung", "saat ini", "now", "right now"]
)
_DAY_WORDS = {
    **dict.fromkeys(("hari ini", "hr ini", "nanti", "today", "tonight"), 0),
    **dict.fromkeys(("besok", "bsk", "besuk", "esok", "tomorrow"), 1),
    **dict.fromkeys(("lusa", "besok lusa"), 2),
}
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
# Words around the day and the time that say nothing more: "tanggal 25-11 pukul 08.00", "kirim besok".
_FILLER = frozenset(["tanggal", "tgl", "hari", "pada", "kirim", "dikirim", "on", "at", "di", "mulai"])
_ZONE = re.compile(r"\b(?:wib|wita|wit)\b")
_DATE_NUMERIC = re.compile(
    r"\b(\d{1,2})\s*[-/]\s*(\d{1,2})(?:\s*[-/]\s*(\d{4}|\d{2}))?\b|\b(\d{1,2})\.(\d{1,2})\.(\d{4})\b"
)
_DATE_WORDS = re.compile(r"\b(\d{1,2})\s+([a-z]+)\.?(?:\s+(\d{4}))?\b")
_CLOCK = re.compile(
    r"(?:\b(?:jam|pukul|pkl)\.?\s*)?\b(\d{1,2})\s*[.:]\s*(\d{2})\b(?:\s*(pagi|siang|sore|malam|am|pm)\b)?"
    r"|\b(?:jam|pukul|pkl)\.?\s*(\d{1,2})\b(?:\s*(pagi|siang|sore|malam|am|pm)\b)?"
    r"|\b(\d{1,2})\s*(pagi|siang|sore|malam|am|pm)\b"
)
_RELATIVE = re.compile(r"\b(" + "|".join(sorted(map(re.escape, _DAY_WORDS), key=len, reverse=True)) + r")\b")


@dataclass(frozen=True, slots=True)
class SendNow:
    pass


@dataclass(frozen=True, slots=True)
class SendAt:
    at: datetime  # aware; in UTC


def local_time_text(moment: datetime, timezone: str) -> str:
    """ "25-11-2026 08.00 WIB": how the Dinas writes a time."""
    local = moment.astimezone(ZoneInfo(timezone))
    return f"{local:%d-%m-%Y %H.%M} {local.tzname() or ''}".strip()


def parse_send_time(text: str, now: datetime, timezone: str) -> SendNow | SendAt | Msg:
    """The moment meant, or a message saying what was wrong and what to type instead."""
    zone = ZoneInfo(timezone)
    said = normalise(text)
    if said in _NOW_WORDS:
        return SendNow()
    said = _ZONE.sub(" ", said)
    today = now.astimezone(zone).date()

    day = _day(said, today)
    if isinstance(day, Msg):
        return day
    on, rest = day if day is not None else (None, said)
    clock = _CLOCK.search(rest)
    if clock is None and on is not None:
        return msg("send_time.need_clock", example=example_time(now, timezone))
    if clock is None:
        return msg("send_time.not_understood", example=example_time(now, timezone))
    at_clock = _clock(clock)
    if at_clock is None:
        return msg("send_time.bad_clock", said=clock.group(0).strip())
    if any(word not in _FILLER for word in _without(rest, clock).split()):
        return msg("send_time.not_understood", example=example_time(now, timezone))

    at = datetime.combine(on or today, at_clock, tzinfo=zone)
    if at < now - _NOW_GRACE:
        return msg("send_time.past", now=local_time_text(now, timezone), example=example_time(now, timezone))
    if at <= now:
        return SendNow()
    if at - now > _LATEST:
        return msg("send_time.too_far", example=example_time(now, timezone))
    return SendAt(at.astimezone(UTC))


def _clock(found: re.Match[str]) -> time | None:
    hour_text, minute_text, part = found.group(1), found.group(2), found.group(3)
    if hour_text is None:
        hour_text, minute_text, part = found.group(4) or found.group(6), "00", found.group(5) or found.group(7)
    hour, minute = int(hour_text), int(minute_text)
    if (part == "siang" and hour < 11) or (part in ("sore", "malam", "pm") and hour < 12):
        hour += 12
    elif part in ("pagi", "am") and hour == 12:
        hour = 0
    if not (0 <= hour <= 23 and 0 <= minute <= 59):
        return None
    return time(hour, minute)


def _day(said: str, today: date) -> tuple[date, str] | Msg | None:
    """The day named in `said` and what is left of it; None when no day is named."""
    relative = _RELATIVE.search(said)
    if relative is not None:
        return today + timedelta(days=_DAY_WORDS[relative.group(1)]), _without(said, relative)
    numeric = _DATE_NUMERIC.search(said)
    if numeric is not None:
        if numeric.group(1) is not None:
            day, month, year = numeric.group(1), numeric.group(2), numeric.group(3)
        else:
            day, month, year = numeric.group(4), numeric.group(5), numeric.group(6)
        return _date(int(day), int(month), year, today, _without(said, numeric))
    words = _DATE_WORDS.search(said)
    if words is not None and words.group(2) in _MONTHS:
        return _date(int(words.group(1)), _MONTHS[words.group(2)], words.group(3), today, _without(said, words))
    return None


def _date(day: int, month: int, year: str | None, today: date, leftover: str) -> tuple[date, str] | Msg:
    """A date without its year is the next one to come: "5-1" typed in November is next January."""
    full_year = today.year if year is None else int(year) if len(year) == 4 else 2000 + int(year)
    try:
        found = date(full_year, month, day)
        if year is None and found < today:
            found = date(full_year + 1, month, day)
    except ValueError:
        return msg("send_time.bad_date", example=_example_after(today))
    return found, leftover


def _without(said: str, found: re.Match[str]) -> str:
    return (said[: found.start()] + " " + said[found.end() :]).strip()


def example_time(now: datetime, timezone: str) -> str:
    """A real example to type: tomorrow at 08.00, written the way it is read."""
    return _example_after(now.astimezone(ZoneInfo(timezone)).date())


def _example_after(today: date) -> str:
    return f"{today + timedelta(days=1):%d-%m-%Y} 08.00"
