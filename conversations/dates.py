"""Dates, times and ages as people type them, decided in one place for every flow.

Written dates: "17-08-1975", "17-8-1975", "17/8/75", "17 Agustus 1975", "17 agt '75", "tgl 17 agustus
1975", "lahir 17/08/1975", "1975-08-17"; month names in Indonesian and English, and in the Javanese and
Sundanese spellings (Pèbruari, Méi, Séptémber, Nopémber, Désémber: accents are dropped).

Days said the way people say them, counted back from today and never after it: "hari ini", "td pagi",
"tadi pagi jam 7", "kemarin sore", "kmrn malam", "semalam", "kemarin lusa", "2 hr yg lalu", "dua hari
lalu", "seminggu yang lalu", "senin kemarin", "tgl 3 kemarin", "19 nov", "19/11"; Javanese "wingi sore",
"mau esuk", "dino iki", "wingenane", "telung dino kepungkur"; Sundanese "kamari", "tadi isuk". Where
people could mean two things, this is what is decided:
- "minggu lalu", "minggu kemarin", "seminggu (yang) lalu": seven days back; "minggu", "hari minggu":
  the last Sunday.
- a weekday ("senin", "hari senin", "senin kemarin"): the most recent one before today (a week back when
  today is that weekday).
- "semalam", "tadi malam", "mau bengi": yesterday, the night just past; with an hour after midnight
  ("tadi malam jam 2"), today.
- a day and month without the year ("19 nov", "19/11"): this year's when it is not after today, else
  last year's when that is at most six months back ("28 Desember" typed in January), else nothing.
- a day of the month alone, after "tgl"/"tanggal" ("tgl 3", "tgl 3 kemarin"): this month's when it is
  not after today, else last month's.
- a part of the day without an hour ("kemarin sore") gives the day only.

Times: "14.30", "jam 7 pagi", "jam 2 siang", "setengah 8 pagi" (07.30), "pukul 07.15 WIB", "2 pm".
Ages: "45", "umur sy 70 thn", "usia 45", "45th", "sdh 52 tahun", "empat puluh lima": 0 to 120.
Whatever is in doubt is None, and the step asks again."""

from __future__ import annotations

import re
import unicodedata
from dataclasses import dataclass
from datetime import date, time, timedelta
from itertools import groupby

from conversations.number_words import DIGIT_WORDS
from conversations.text import normalise

__all__ = [
    "DayAndTime",
    "age_on",
    "date_ahead",
    "parse_age",
    "parse_date",
    "parse_day_and_time",
    "parse_recent_day",
    "parse_time",
    "stored_day",
]

_MONTHS = {
    **dict.fromkeys(("januari", "januwari", "jan", "january"), 1),
    **dict.fromkeys(("februari", "febuari", "feb", "pebruari", "pebruwari", "pebuari", "peb", "february"), 2),
    **dict.fromkeys(("maret", "mar", "march"), 3),
    **dict.fromkeys(("april", "apr"), 4),
    **dict.fromkeys(("mei", "may"), 5),
    **dict.fromkeys(("juni", "jun", "june"), 6),
    **dict.fromkeys(("juli", "jul", "july"), 7),
    **dict.fromkeys(("agustus", "agu", "agt", "ags", "agst", "agts", "agus", "agust", "aug", "august"), 8),
    **dict.fromkeys(("september", "sep", "sept"), 9),
    **dict.fromkeys(("oktober", "okt", "oct", "october"), 10),
    **dict.fromkeys(("november", "nov", "nop", "nopember"), 11),
    **dict.fromkeys(("desember", "des", "dec", "december"), 12),
}
_WEEKDAYS = {
    **dict.fromkeys(("senin", "senen", "monday"), 0),
    **dict.fromkeys(("selasa", "seloso", "salasa", "tuesday"), 1),
    **dict.fromkeys(("rabu", "rebo", "wednesday"), 2),
    **dict.fromkeys(("kamis", "kemis", "thursday"), 3),
    **dict.fromkeys(("jumat", "jumaat", "jemuah", "jumuah", "jumaah", "friday"), 4),
    **dict.fromkeys(("sabtu", "setu", "saptu", "sebtu", "saturday"), 5),
    **dict.fromkeys(("ahad", "akhad", "sunday"), 6),  # "minggu" is Sunday too, or a week
}
_SUNDAY = 6
_PARTS_OF_DAY = {
    **dict.fromkeys(("pagi", "pgi", "subuh", "shubuh", "esuk", "isuk", "enjing", "morning"), "pagi"),
    **dict.fromkeys(("siang", "siyang", "awan", "beurang", "noon"), "siang"),
    **dict.fromkeys(("sore", "petang", "sonten", "afternoon"), "sore"),
    **dict.fromkeys(("malam", "mlm", "malem", "bengi", "wengi", "dalu", "peuting", "night"), "malam"),
}
# Days back from today, said in one word (a phrase is made one word first, see _PHRASES).
_DAYS_BACK = {
    **dict.fromkeys(("hari_ini", "today", "barusan", "saiki", "ayeuna", "sekarang"), 0),
    **dict.fromkeys(("kemarin", "kemaren", "kmrn", "kmrin", "kmren", "kmarin", "kemrin", "wingi", "kamari"), 1),
    "yesterday": 1,
    **dict.fromkeys(("lusa_kemarin", "wingenane"), 2),
}
_EARLIER_TODAY = frozenset(("tadi", "td", "tdi", "mau", "ini"))  # "tadi malam" is last night
_ONLY_WITH_PART = frozenset(("mau", "ini"))  # "mau esuk", "pagi ini"; alone they mean something else
_LAST_NIGHT = frozenset(("semalam", "smlm", "semalem"))
_DAY_UNITS = frozenset(("hari", "hr", "hri", "dino", "dina", "poe", "day", "days"))
_WEEK_UNITS = frozenset(("pekan", "mgg", "mg", "week", "weeks"))  # and "minggu"
_AGO = frozenset(("lalu", "kepungkur", "kapungkur", "ago"))
_DATE_WORDS = frozenset(("tgl", "tggl", "tanggal", "tanggale", "tg"))
_WRITTEN_DATE_LEAD = frozenset((*_DATE_WORDS, "lahir", "lair", "kelahiran", "pada"))
_FILLERS = frozenset(
    (
        *("pada", "pas", "waktu", "wktu", "wkt", "sekitar", "sekitaran", "kira", "kira-kira", "kurang", "lebih"),
        *("tepatnya", "itu", "sih", "kok", "ya", "pak", "bu", "bapak", "ibu", "mas", "mbak", "kak", "lho", "loh"),
        *("wib", "wita", "wit"),
    )
)
_PHRASES = {
    **dict.fromkeys(("hari ini", "hr ini", "hri ini", "dino iki", "dina iki", "poe ieu"), "hari_ini"),
    **dict.fromkeys(("baru saja", "baru aja"), "barusan"),
    **dict.fromkeys(("kemarin lusa", "kemaren lusa", "kmrn lusa", "lusa kemarin", "lusa kemaren"), "lusa_kemarin"),
    **dict.fromkeys(("yang lalu", "yg lalu", "yang lewat", "yg lewat", "ka tukang", "ke belakang"), "lalu"),
    **dict.fromkeys(("dini hari",), "subuh"),
}
_PHRASE = re.compile(r"\b(?:" + "|".join(sorted(map(re.escape, _PHRASES), key=len, reverse=True)) + r")\b")
_ONE_OF = {"sehari": "1 hari", "sedino": "1 dino", "sapoe": "1 poe", "seminggu": "1 minggu", "sepekan": "1 pekan"}

# Numbers in words, below a thousand: "empat puluh lima", "dua belas", "seratus dua", Javanese
# "patang puluh", "telung", "seket", and Sundanese "tilu", "opat"; the digits are number_words.DIGIT_WORDS.
# A whole number in one word: (its value, what a number word after it must stay below: "seket loro" is 52).
_WHOLE_WORDS = {
    "sepuluh": (10, 1),
    "sebelas": (11, 1),
    "selawe": (25, 1),
    "seket": (50, 10),
    "sewidak": (60, 10),
    "suwidak": (60, 10),
    "seratus": (100, 100),
}
_SCALE_WORDS = frozenset(("puluh", "belas", "ratus"))
_NUMBER_WORDS = frozenset((*DIGIT_WORDS, *_WHOLE_WORDS, *_SCALE_WORDS))

_AGE_FILLERS = frozenset(
    (
        *("umur", "usia", "umurnya", "usianya", "umurku", "usiaku", "umure", "yuswa", "yuswane"),
        *("sy", "saya", "aku", "kulo", "kula", "abdi", "sdh", "sudah", "udah", "dah", "uda", "wis", "wes", "sampun"),
        *("skrg", "skrang", "sekarang", "ini", "baru", "sekitar", "kira", "kira-kira", "kurang", "lebih"),
        *("pak", "bu", "mas", "mbak", "ya"),
    )
)
_YEAR_WORDS = frozenset(("th", "thn", "tahun", "taun", "years", "year", "yrs"))
_TIME_FILLERS = frozenset(("sekitar", "kira", "kira-kira", "kurang", "lebih", "about", "around", "wib", "wita", "wit"))

_NUMERIC = re.compile(r"^([0-9]{1,2})\s*[-/.\s]\s*([0-9]{1,2})\s*[-/.\s]\s*([0-9]{2}|[0-9]{4})$")
_YEAR_FIRST = re.compile(r"^([0-9]{4})\s*[-/.]\s*([0-9]{1,2})\s*[-/.]\s*([0-9]{1,2})$")
_WORDS = re.compile(r"^([0-9]{1,2})\s*[-/.\s]\s*([a-z]+)\s*[-/.\s]\s*([0-9]{2}|[0-9]{4})$")
_DAY_MONTH = re.compile(r"^([0-9]{1,2})[-/.]([0-9]{1,2})$")
_NUMBER = re.compile(r"^[0-9]{1,3}$")
# An hour inside a longer text needs its word ("jam 7", "pukul 07.15"), a colon ("07:15") or am/pm
# ("4 pm"); "17.08.75" stays a date.
_CLOCK_IN_TEXT = re.compile(
    r"(?<!\S)(?:(?:jam|pukul|pkl|pk|at)\s*(?P<hour>[0-9]{1,2})(?:\s*[.:]\s*(?P<minute>[0-9]{2}))?"
    r"|(?P<colon_hour>[0-9]{1,2}):(?P<colon_minute>[0-9]{2})"
    r"|(?P<bare_hour>[0-9]{1,2})(?:[.:](?P<bare_minute>[0-9]{2}))?(?=\s*(?:am|pm)(?!\S)))"
    r"(?:\s*(?P<am_pm>am|pm))?(?!\S)"
)
_CLOCK_ALONE = re.compile(r"^(?:(?:jam|pukul|pkl|pk|at)\s*)?([0-9]{1,2})(?:\s*[.:]\s*([0-9]{2}))?(?:\s*(am|pm))?$")
_HALF_HOUR = re.compile(
    r"(?<!\S)(?:(?:jam|pukul|pkl|pk)\s*)?(?:setengah|stengah|setngah|stgh|stngh)\s*([0-9]{1,2})(?!\S)"
)

_APOSTROPHES = re.compile("['`\u2018\u2019\u00b4]")
_ABBREVIATION_DOT = re.compile(r"(?<=[a-z])\.")  # "agt.", "tgl.", "pkl.7"
_LONE_COLON = re.compile(r"(?<![0-9]):|:(?![0-9])")  # "umur: 45", not "14:30"
_REDUPLICATED = re.compile(r"\b([a-z]{3,})2\b")  # "kira2" is "kira-kira"
_DIGITS_AND_LETTERS = re.compile(r"(?<=[0-9])(?=[a-z])|(?<=[a-z])(?=[0-9])")  # "45th", "2hr", "jam7"

_OLDEST = date(1900, 1, 1)
_MOST_AGE = 120
_MOST_DAYS_BACK = 999
_YEAR_WRAP = timedelta(days=183)
_A_YEAR_AHEAD = timedelta(days=366)
_NIGHT_ENDS = 6  # an hour before this, said of last night, is after midnight: today


@dataclass(frozen=True, slots=True)
class DayAndTime:
    """A day, and the time of day when one was said."""

    day: date
    time: time | None = None


@dataclass(frozen=True, slots=True)
class _Clock:
    hour: int
    minute: int
    am_pm: str | None


@dataclass(frozen=True, slots=True)
class _Word:
    """One word (or number) of a day said in words."""

    kind: (
        str  # back, earlier, last_night, number, day_unit, week_unit, minggu, ago, weekday, date_word, month, day_month
    )
    number: int = 0
    month: int = 0
    text: str = ""


@dataclass(frozen=True, slots=True)
class _Day:
    day: date
    last_night: bool = False


def parse_date(text: str, today: date) -> date | None:
    """A written date up to today ("17-8-1975", "tgl 17 agustus 1975", "lahir 17/08/1975"), or None."""
    said = _reading(text, today, spoken=False, written=True)
    return said.day if said else None


def parse_recent_day(text: str, today: date) -> date | None:
    """A day said in words, counted back from today ("kemarin sore", "td pagi jam 7", "2 hr yg lalu",
    "senin kemarin", "19 nov"): never after today; None when the text is not one."""
    said = _reading(text, today, spoken=True, written=False)
    return said.day if said else None


def parse_day_and_time(text: str, today: date) -> DayAndTime | None:
    """A day up to today, said or written, and the time when one is given with it ("td pagi jam 7",
    "kemarin jam 14.30", "19-11-2026 pukul 8")."""
    return _reading(text, today, spoken=True, written=True)


def date_ahead(text: str, today: date) -> date | None:
    """A date written plainly but after today, up to a year ahead ("25-11-2026", "30 Desember", "1/1"):
    for saying why it was refused. None for anything else."""
    split = _split_clock(_prepared(text))
    parted = _part_of_day(split[0]) if split else None
    if parted is None:
        return None
    for written in (parted[0], f"{parted[0]} {today.year}"):
        later = _written_date(written, today + _A_YEAR_AHEAD)
        if later is not None and later > today:
            return later
    return None


def parse_time(text: str) -> time | None:
    """A time of day typed alone: "14.30", "14:30", "jam 7", "jam 2 siang", "setengah 8 pagi", "2 pm"."""
    kept: list[str] = []
    parts: set[str] = set()
    for token in _prepared(text).split():
        if token in _PARTS_OF_DAY:
            parts.add(_PARTS_OF_DAY[token])
        elif token not in _TIME_FILLERS:
            kept.append(token)
    found = _CLOCK_ALONE.match(" ".join(kept))
    if found is None or len(parts) > 1:
        return None
    hour, minute, am_pm = found.groups()
    return _clock_time(int(hour), int(minute or 0), am_pm or next(iter(parts), None))


def parse_age(text: str) -> int | None:
    """An age in years, 0 to 120: "45", "umur sy 70 thn", "45th", "sdh 52 tahun", "empat puluh lima"."""
    tokens = [token for token in _prepared(text).split() if token not in _AGE_FILLERS]
    if tokens and tokens[-1] in _YEAR_WORDS:
        tokens.pop()
    if len(tokens) == 1 and _NUMBER.match(tokens[0]):
        age: int | None = int(tokens[0])
    elif tokens and all(token in _NUMBER_WORDS for token in tokens):
        age = _number_in_words(tokens)
    else:
        return None
    return age if age is not None and 0 <= age <= _MOST_AGE else None


def age_on(born: date, today: date) -> int:
    return today.year - born.year - ((today.month, today.day) < (born.month, born.day))


# ---- reading a text -----------------------------------------------------------------------------------


def _prepared(text: str) -> str:
    """Normalised, accents dropped ("Méi"), apostrophes out ("'75", "jum'at"), abbreviation dots out
    ("agt."), digits apart from letters ("45th", "2hr"), "setengah 8" made "jam 7.30"."""
    said = unicodedata.normalize("NFKD", normalise(text))
    said = "".join(ch for ch in said if not unicodedata.combining(ch))
    said = _APOSTROPHES.sub("", said).replace(",", " ")
    said = _ABBREVIATION_DOT.sub(" ", said)
    said = _LONE_COLON.sub(" ", said)
    said = _REDUPLICATED.sub(r"\1-\1", said)
    said = _DIGITS_AND_LETTERS.sub(" ", said)
    said = _HALF_HOUR.sub(_half_past, " ".join(said.split()))
    return " ".join(said.split())


def _half_past(found: re.Match[str]) -> str:
    """ "setengah 8" is half past seven."""
    hour = int(found.group(1))
    return f"jam {hour - 1}.30" if 1 <= hour <= 24 else found.group()


def _reading(text: str, today: date, *, spoken: bool, written: bool) -> DayAndTime | None:
    """The one reading of a day (and its time) every parser above shares."""
    split = _split_clock(_prepared(text))
    if split is None:
        return None
    rest, clock = split
    parted = _part_of_day(rest)
    if parted is None:
        return None
    rest, part = parted
    said = _spoken_day(rest, part, today) if spoken else None
    if said is None and written:
        found = _written_date(rest, today)
        said = _Day(found) if found is not None else None
    if said is None:
        return None
    if clock is None:
        return DayAndTime(said.day)
    at = _clock_time(clock.hour, clock.minute, clock.am_pm or part or ("malam" if said.last_night else None))
    if at is None:
        return None
    after_midnight = said.last_night and at.hour < _NIGHT_ENDS
    return DayAndTime(today if after_midnight else said.day, at)


def _split_clock(said: str) -> tuple[str, _Clock | None] | None:
    """The text without its hour, and the hour; None when it holds two."""
    found = list(_CLOCK_IN_TEXT.finditer(said))
    if not found:
        return said, None
    if len(found) > 1:
        return None
    clock = found[0]
    hour = clock["hour"] or clock["colon_hour"] or clock["bare_hour"]
    minute = clock["minute"] or clock["colon_minute"] or clock["bare_minute"] or "0"
    rest = f"{said[: clock.start()]} {said[clock.end() :]}"
    return " ".join(rest.split()), _Clock(int(hour), int(minute), clock["am_pm"])


def _part_of_day(said: str) -> tuple[str, str | None] | None:
    """The text without its part of the day ("pagi", "esuk", "bengi"…), and that part; None for two."""
    parts = {_PARTS_OF_DAY[token] for token in said.split() if token in _PARTS_OF_DAY}
    if len(parts) > 1:
        return None
    rest = " ".join(token for token in said.split() if token not in _PARTS_OF_DAY)
    return rest, next(iter(parts), None)


def _clock_time(hour: int, minute: int, part_of_day: str | None) -> time | None:
    if minute > 59:
        return None
    on_the_clock = _on_the_clock(hour, part_of_day)
    return time(on_the_clock, minute) if 0 <= on_the_clock <= 23 else None


def _on_the_clock(hour: int, part_of_day: str | None) -> int:
    """A 12-hour reading turned into 24 hours: 2 siang → 14, 9 malam → 21, 2 malam → 2, 12 malam → 0."""
    if hour > 12 or part_of_day in (None, "pagi", "am"):
        return 0 if part_of_day == "am" and hour == 12 else hour
    if part_of_day == "siang":
        return hour + 12 if hour < 10 else hour
    if part_of_day == "malam":
        return 0 if hour == 12 else (hour + 12 if hour >= 6 else hour)
    return hour + 12 if hour < 12 else hour  # sore, pm


# ---- written dates ------------------------------------------------------------------------------------


def _written_date(said: str, today: date) -> date | None:
    tokens = said.split()
    while tokens and tokens[0] in _WRITTEN_DATE_LEAD:
        tokens.pop(0)
    said = " ".join(tokens)
    numeric, year_first, words = _NUMERIC.match(said), _YEAR_FIRST.match(said), _WORDS.match(said)
    if numeric:
        day, month, year = int(numeric.group(1)), int(numeric.group(2)), numeric.group(3)
    elif year_first:
        day, month, year = int(year_first.group(3)), int(year_first.group(2)), year_first.group(1)
    elif words and words.group(2) in _MONTHS:
        day, month, year = int(words.group(1)), _MONTHS[words.group(2)], words.group(3)
    else:
        return None
    full_year = int(year) if len(year) == 4 else _century(int(year), today)
    try:
        found = date(full_year, month, day)
    except ValueError:
        return None
    return found if _OLDEST <= found <= today else None


def _century(year2: int, today: date) -> int:
    return 2000 + year2 if 2000 + year2 <= today.year else 1900 + year2


# ---- days said in words -------------------------------------------------------------------------------


def _spoken_day(said: str, part_of_day: str | None, today: date) -> _Day | None:
    words = _day_words(said)
    if not words:
        return None
    kinds = tuple(word.kind for word in words)
    if len(words) == 1 and kinds[0] in ("back", "earlier", "last_night"):
        return _plain_day(words[0], part_of_day, today)
    if kinds in (("number", "day_unit", "ago"), ("number", "week_unit", "ago"), ("number", "minggu", "ago")):
        return _days_back(words[0].number * (1 if kinds[1] == "day_unit" else 7), today)
    if kinds[0] in ("week_unit", "minggu") and len(words) == 2 and _means_gone(words[1]):
        return _days_back(7, today)  # "minggu lalu", "minggu kemarin": a week back
    core = words[:-1] if len(words) > 1 and _means_gone(words[-1]) else words  # "senin kemarin", "tgl 3 kemarin"
    core = core[1:] if len(core) > 1 and _means_gone(core[0]) else core  # "kemarin senin"
    core = core[1:] if len(core) == 2 and core[0].kind == "day_unit" else core  # "hari senin"
    return _named_day(core, today)


def _named_day(words: tuple[_Word, ...], today: date) -> _Day | None:
    """A weekday, or a day of the month with or without its month, the most recent not after today."""
    kinds = tuple(word.kind for word in words)
    if kinds == ("weekday",):
        return _last_weekday(words[0].number, today)
    if kinds == ("minggu",):
        return _last_weekday(_SUNDAY, today)
    if kinds == ("date_word", "number"):
        return _day_of_month(words[1].number, today)
    if kinds in (("number", "month"), ("date_word", "number", "month")):
        return _day_and_month(words[-2].number, words[-1].month, today)
    if kinds in (("day_month",), ("date_word", "day_month")):
        return _day_and_month(words[-1].number, words[-1].month, today)
    return None


def _means_gone(word: _Word) -> bool:
    """ "kemarin", "lalu", "kepungkur" after a weekday or a date: the one just past."""
    return word.kind == "ago" or (word.kind == "back" and word.number == 1)


def _plain_day(word: _Word, part_of_day: str | None, today: date) -> _Day | None:
    if word.kind == "back":
        return _days_back(word.number, today)
    if word.kind == "last_night":
        return _Day(today - timedelta(days=1), last_night=True)
    if word.text in _ONLY_WITH_PART and part_of_day is None:
        return None
    if part_of_day == "malam" and word.text != "ini":  # "tadi malam": last night
        return _Day(today - timedelta(days=1), last_night=True)
    return _Day(today)


def _days_back(days: int, today: date) -> _Day | None:
    return _Day(today - timedelta(days=days)) if 0 <= days <= _MOST_DAYS_BACK else None


def _last_weekday(weekday: int, today: date) -> _Day:
    return _Day(today - timedelta(days=(today.weekday() - weekday) % 7 or 7))


def _day_of_month(day: int, today: date) -> _Day | None:
    last_month = today.replace(day=1) - timedelta(days=1)
    for year, month in ((today.year, today.month), (last_month.year, last_month.month)):
        try:
            found = date(year, month, day)
        except ValueError:
            return None
        if found <= today:
            return _Day(found)
    return None


def _day_and_month(day: int, month: int, today: date) -> _Day | None:
    for year in (today.year, today.year - 1):
        try:
            found = date(year, month, day)
        except ValueError:  # 31 April; 29 February of another year
            continue
        if found <= today:
            return _Day(found) if today - found <= _YEAR_WRAP or found.year == today.year else None
    return None


def _day_words(said: str) -> tuple[_Word, ...] | None:
    """The words of a day said in words, fillers left out; None when one is no such word."""
    said = _PHRASE.sub(lambda found: _PHRASES[found.group()], said)
    tokens = " ".join(_ONE_OF.get(token, token) for token in said.split()).split()
    found: list[_Word] = []
    for in_words, group in groupby((t for t in tokens if t not in _FILLERS), key=lambda t: t in _NUMBER_WORDS):
        if in_words:
            number = _number_in_words(list(group))
            if number is None:
                return None
            found.append(_Word("number", number))
            continue
        for token in group:
            word = _day_word(token)
            if word is None:
                return None
            found.append(word)
    return tuple(found)


def _day_word(said: str) -> _Word | None:
    if _NUMBER.match(said):
        return _Word("number", int(said))
    if (day_month := _DAY_MONTH.match(said)) is not None:
        return _Word("day_month", int(day_month.group(1)), int(day_month.group(2)))
    if said in _DAYS_BACK:
        return _Word("back", _DAYS_BACK[said])
    kinds = (
        (_EARLIER_TODAY, "earlier"),
        (_LAST_NIGHT, "last_night"),
        (_DAY_UNITS, "day_unit"),
        (_WEEK_UNITS, "week_unit"),
        (_AGO, "ago"),
        (_DATE_WORDS, "date_word"),
    )
    kind = next((kind for words, kind in kinds if said in words), None)
    if kind is not None:
        return _Word(kind, text=said)
    if said == "minggu":
        return _Word("minggu")
    if said in _WEEKDAYS:
        return _Word("weekday", _WEEKDAYS[said])
    if said in _MONTHS:
        return _Word("month", month=_MONTHS[said])
    return None


def _number_in_words(tokens: list[str]) -> int | None:
    """ "empat puluh lima" → 45, "dua belas" → 12, "seratus dua" → 102; None for "lima dua"."""
    total, room, digit = 0, 1000, None
    for token in tokens:
        if token in DIGIT_WORDS:
            if digit is not None:
                return None
            digit = DIGIT_WORDS[token]
            continue
        if token in _WHOLE_WORDS:
            if digit is not None:
                return None
            value, next_room = _WHOLE_WORDS[token]
        else:  # puluh, belas, ratus
            if not digit:
                return None
            value, next_room = {"puluh": (digit * 10, 10), "belas": (10 + digit, 1), "ratus": (digit * 100, 100)}[token]
            digit = None
        if value >= room:
            return None
        total, room = total + value, next_room
    if digit is not None:
        if digit >= room:
            return None
        total += digit
    return total


def stored_day(value: object) -> date | None:
    """A day a flow kept in its data as ISO text ("2026-11-21"); None when absent or unreadable."""
    if not isinstance(value, str) or not value:
        return None
    try:
        return date.fromisoformat(value)
    except ValueError:
        return None
