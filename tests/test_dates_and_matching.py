"""Dates, days, times and ages as people type them (conversations/dates.py), and free text matched to
job types."""

from __future__ import annotations

from datetime import date, time

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conversations.dates import (
    DayAndTime,
    age_on,
    date_ahead,
    parse_age,
    parse_date,
    parse_day_and_time,
    parse_recent_day,
    parse_time,
)
from conversations.flows import build_engine
from conversations.flows.eligibility import EligibilityData, eligibility_flow
from conversations.flows.registration import RegistrationData, registration_flow
from conversations.matching import best_matches
from conversations.state import SessionState
from tests.core_support import context, inbound, keys, programme, run

TODAY = date(2026, 11, 21)  # a Saturday; the steps' clock says so too
ENGINE = build_engine()


def nov(day: int) -> date:
    return date(2026, 11, day)


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("17-08-1975", date(1975, 8, 17)),
        ("17/8/1975", date(1975, 8, 17)),
        ("17.08.75", date(1975, 8, 17)),
        ("17 Agustus 1975", date(1975, 8, 17)),
        ("17 agt 1975", date(1975, 8, 17)),
        ("5 Mei 2001", date(2001, 5, 5)),
        ("1 januari 10", date(2010, 1, 1)),
        ("17-8-1975", date(1975, 8, 17)),
        ("17 agustus 75", date(1975, 8, 17)),
        ("tgl 17 agustus 1975", date(1975, 8, 17)),
        ("Tgl. 17 Agustus 1975", date(1975, 8, 17)),
        ("lahir 17/08/1975", date(1975, 8, 17)),
        ("tanggal lahir 17-08-1975", date(1975, 8, 17)),
        ("17 agt '75", date(1975, 8, 17)),
        ("17 Agt. 1975", date(1975, 8, 17)),
        ("17agustus1975", date(1975, 8, 17)),
        ("1975-08-17", date(1975, 8, 17)),
        ("17-08-1975 jam 7", date(1975, 8, 17)),  # a time with it is no reason to refuse
        # the Javanese and Sundanese spellings of the months
        ("5 Pèbruari 1980", date(1980, 2, 5)),
        ("5 pebruwari 1980", date(1980, 2, 5)),
        ("5 Méi 1980", date(1980, 5, 5)),
        ("5 Mèi 1980", date(1980, 5, 5)),
        ("5 Séptémber 1980", date(1980, 9, 5)),
        ("5 Sèptèmber 1980", date(1980, 9, 5)),
        ("5 Nopémber 1980", date(1980, 11, 5)),
        ("5 Désémber 1980", date(1980, 12, 5)),
        ("5 januwari 1980", date(1980, 1, 5)),
    ],
)
def test_dates_people_type(text: str, expected: date) -> None:
    assert parse_date(text, TODAY) == expected


@pytest.mark.parametrize(
    "text",
    [
        "31-02-1980",
        "30 februari 1980",
        "kemarin",
        "kemarin sore",  # a day said in words: parse_recent_day's
        "17 agustusan 1945",
        "1-1-2030",
        "17 agustus 2027",
        "12-13-1980",
        "1-1-1899",
        "tgl 17 agustus",  # no year
        "17-08-1975 jam 25",
        "",
    ],
)
def test_not_a_past_date(text: str) -> None:
    assert parse_date(text, TODAY) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("45", 45),
        ("45 tahun", 45),
        ("umur 62 thn", 62),
        ("umur sy 70 thn", 70),
        ("usia 45", 45),
        ("45th", 45),
        ("45thn", 45),
        ("sdh 52 tahun", 52),
        ("Umur: 45", 45),
        ("umurku 45 taun", 45),
        ("empat puluh lima", 45),
        ("umur saya empat puluh lima tahun", 45),
        ("dua belas", 12),
        ("seratus dua puluh", 120),
        ("patang puluh", 40),  # Javanese
        ("seket loro", 52),  # Javanese
        ("0", 0),
        ("120", 120),
        ("130", None),
        ("121", None),
        ("seratus dua puluh satu", None),
        ("lima dua", None),
        ("hampir 50", None),  # almost fifty: not a number to guess
        ("1975", None),
        ("umur 45 tahun 3 bulan", None),
        ("45 50", None),
        ("umur", None),
        ("", None),
    ],
)
def test_ages(text: str, expected: int | None) -> None:
    assert parse_age(text) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("hari ini", TODAY),
        ("Kemarin", nov(20)),
        ("3 hari lalu", nov(18)),
        ("barusan", TODAY),
        ("td pagi", TODAY),
        ("tadi pagi jam 7", TODAY),
        ("td pagi jam 7", TODAY),
        ("pagi ini", TODAY),
        ("kemarin sore", nov(20)),
        ("kmrn malam", nov(20)),
        ("kemarin sore sekitar jam 4 pak", nov(20)),
        ("semalam", nov(20)),  # last night
        ("tadi malam", nov(20)),
        ("tadi malam jam 2", TODAY),  # after midnight, last night is today
        ("semalam jam 11", nov(20)),
        ("kemarin lusa", nov(19)),
        ("2 hari yg lalu", nov(19)),
        ("2 hr lalu", nov(19)),
        ("2hr yang lalu", nov(19)),
        ("dua hari lalu", nov(19)),
        ("sehari yang lalu", nov(20)),
        ("seminggu yang lalu", nov(14)),
        ("minggu lalu", nov(14)),  # decided: a week back
        ("minggu kemarin", nov(14)),
        ("2 minggu lalu", nov(7)),
        ("senin kemarin", nov(16)),  # the most recent Monday before today
        ("hari senin", nov(16)),
        ("senin", nov(16)),
        ("Jum'at kemarin", nov(20)),
        ("sabtu", nov(14)),  # today is a Saturday: the one before
        ("minggu", nov(15)),  # Sunday
        ("hari minggu kemarin", nov(15)),
        ("tgl 3 kemarin", nov(3)),  # decided: a day of this month not after today, else last month's
        ("tanggal 21", TODAY),
        ("tgl 25", date(2026, 10, 25)),
        ("19 nov", nov(19)),
        ("19/11", nov(19)),
        ("tgl 5 maret", date(2026, 3, 5)),
        # Javanese
        ("wingi", nov(20)),
        ("wingi sore", nov(20)),
        ("mau esuk", TODAY),
        ("mau bengi", nov(20)),
        ("dino iki", TODAY),
        ("wingenane", nov(19)),
        ("telung dino kepungkur", nov(18)),
        ("rong dino kepungkur", nov(19)),
        ("senen wingi", nov(16)),
        # Sundanese
        ("kamari", nov(20)),
        ("kamari sore", nov(20)),
        ("tadi isuk", TODAY),
        ("poe ieu", TODAY),
        ("dua poe ka tukang", nov(19)),
    ],
)
def test_days_said_in_words(text: str, expected: date) -> None:
    assert parse_recent_day(text, TODAY) == expected


@pytest.mark.parametrize(
    "text",
    [
        "",
        "mau",  # Indonesian "want": Javanese "earlier" only with a part of the day
        "ini",
        "pagi",
        "lalu",
        "lusa",
        "besok",
        "25 nov",  # later this year, and a year ago is too far to be meant
        "30 desember",
        "tgl 32",
        "jam 7",
        "kemarin jam 25",
        "kemarin jam 7 jam 8",
        "kemarin pagi malam",
        "1000 hari lalu",
        "lima dua hari lalu",
        "senin minggu lalu",  # which Monday: asked again
        "17-08-1975",  # a written date: parse_date's
        "kemarin dan hari ini",
    ],
)
def test_not_a_day_said_in_words(text: str) -> None:
    assert parse_recent_day(text, TODAY) is None


@pytest.mark.parametrize(
    ("today", "text", "expected"),
    [
        (date(2027, 1, 5), "28 desember", date(2026, 12, 28)),  # just after new year: last December
        (date(2027, 1, 5), "tgl 31", date(2026, 12, 31)),
        (date(2027, 1, 5), "30 juni", None),  # more than six months back: in doubt
        (date(2026, 12, 5), "tgl 31", None),  # not yet this month, and November has no 31st
        (date(2026, 11, 23), "senin", date(2026, 11, 16)),  # on a Monday: the Monday before
        (date(2026, 11, 23), "hari ini", date(2026, 11, 23)),
        (date(2028, 3, 1), "29 feb", date(2028, 2, 29)),
        (date(2027, 3, 1), "29 feb", None),
    ],
)
def test_days_without_a_year_are_the_most_recent(today: date, text: str, expected: date | None) -> None:
    assert parse_recent_day(text, today) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("td pagi jam 7", DayAndTime(TODAY, time(7, 0))),
        ("tadi pagi jam 7", DayAndTime(TODAY, time(7, 0))),
        ("kemarin sore jam 4", DayAndTime(nov(20), time(16, 0))),
        ("kmrn jam 14.30", DayAndTime(nov(20), time(14, 30))),
        ("kemarin pukul 07:15 WIB", DayAndTime(nov(20), time(7, 15))),
        ("setengah 8 pagi tadi", DayAndTime(TODAY, time(7, 30))),
        ("kira2 jam 7 tadi pagi", DayAndTime(TODAY, time(7, 0))),
        ("semalam jam 9", DayAndTime(nov(20), time(21, 0))),
        ("tadi malam jam 2", DayAndTime(TODAY, time(2, 0))),
        ("wingi sore jam 5", DayAndTime(nov(20), time(17, 0))),
        ("yesterday 4 pm", DayAndTime(nov(20), time(16, 0))),
        ("19-11-2026 jam 7 malam", DayAndTime(nov(19), time(19, 0))),
        ("19/11 jam 8", DayAndTime(nov(19), time(8, 0))),
        ("kemarin sore", DayAndTime(nov(20))),
        ("17 Agustus 2021", DayAndTime(date(2021, 8, 17))),
    ],
)
def test_a_day_with_its_time(text: str, expected: DayAndTime) -> None:
    assert parse_day_and_time(text, TODAY) == expected


@pytest.mark.parametrize("text", ["jam 7", "kemarin jam 25", "td pagi jam 7.75", "kemarin jam 7 jam 8", "25-11-2026"])
def test_not_a_day_with_its_time(text: str) -> None:
    assert parse_day_and_time(text, TODAY) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("14.30", time(14, 30)),
        ("14:30", time(14, 30)),
        ("jam 7", time(7, 0)),
        ("jam 7 pagi", time(7, 0)),
        ("pagi jam 7", time(7, 0)),
        ("jam 14.30", time(14, 30)),
        ("pukul 07.15 WIB", time(7, 15)),
        ("pkl.7", time(7, 0)),
        ("jam 2 siang", time(14, 0)),
        ("sekitar jam 11 siang", time(11, 0)),
        ("kira-kira jam 4 sore", time(16, 0)),
        ("jam 9 malam", time(21, 0)),
        ("jam 7 bengi", time(19, 0)),
        ("jam 2 malam", time(2, 0)),
        ("jam 12 malam", time(0, 0)),
        ("setengah 8 pagi", time(7, 30)),
        ("jam setengah 8", time(7, 30)),
        ("setengah 1 siang", time(12, 30)),
        ("2 pm", time(14, 0)),
    ],
)
def test_times_people_type(text: str, expected: time) -> None:
    assert parse_time(text) == expected


@pytest.mark.parametrize("text", ["25.00", "jam 14.75", "siang", "1430", "jam 7 pagi malam", "td pagi jam 7", ""])
def test_not_a_time(text: str) -> None:
    assert parse_time(text) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("25-11-2026", date(2026, 11, 25)),
        ("30 Desember", date(2026, 12, 30)),
        ("1/1/2027", date(2027, 1, 1)),
        ("25 nov jam 7", date(2026, 11, 25)),
        ("19/11", None),  # past: not ahead
        ("kemarin", None),
        ("abc", None),
    ],
)
def test_a_date_ahead_is_told_apart_for_its_own_answer(text: str, expected: date | None) -> None:
    assert date_ahead(text, TODAY) == expected


# Words the day parsers know, thrown together in any order: whatever they make, never a day after today.
SOME_DAY_WORDS = (
    "kemarin tadi td semalam malam pagi sore jam 7 2 25 31 hari lalu tgl tanggal nov desember 19/11 senin minggu "
    "seminggu lusa wingi mau esuk bengi setengah 12 ini dua puluh 17-08-2026 pm 14.30 kepungkur"
)
DAY_WORDS = st.sampled_from(SOME_DAY_WORDS.split())
DAYS = st.dates(min_value=date(2001, 1, 1), max_value=date(2099, 12, 31))


@given(st.lists(DAY_WORDS, max_size=5).map(" ".join), DAYS)
def test_no_day_is_ever_after_today(text: str, today: date) -> None:
    for parse in (parse_recent_day, parse_date):
        day = parse(text, today)
        assert day is None or date(1900, 1, 1) <= day <= today, (text, day)
    said = parse_day_and_time(text, today)
    assert said is None or said.day <= today


SOME_AGE_WORDS = "umur usia 45 th tahun seratus dua puluh lima belas 130 sdh 0 1975"


@given(st.lists(st.sampled_from(SOME_AGE_WORDS.split()), max_size=5))
def test_an_age_is_between_0_and_120(words: list[str]) -> None:
    age = parse_age(" ".join(words))
    assert age is None or 0 <= age <= 120


# ---- the steps that ask a date or an age --------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "age"),
    [
        ("umur sy 45 thn", 45),
        ("usia 45", 45),
        ("45th", 45),
        ("sdh 52 tahun", 52),
        ("empat puluh lima", 45),
        ("lahir 17/08/1975", 51),
        ("tgl 17 agustus 1975", 51),
        ("17 agt '75", 51),
    ],
)
def test_the_eligibility_check_reads_the_age_as_people_say_it(typed: str, age: int) -> None:
    state = SessionState("eligibility", eligibility_flow.version, "age", EligibilityData().dump())
    outcome = run(ENGINE, state, inbound(typed), context())
    assert (outcome.state.step, EligibilityData.load(outcome.state.data).age) == ("working", age)


@pytest.mark.parametrize("typed", ["umur 130", "hampir 50", "17-08-2030"])
def test_the_eligibility_check_asks_again_for_an_impossible_age(typed: str) -> None:
    state = SessionState("eligibility", eligibility_flow.version, "age", EligibilityData().dump())
    outcome = run(ENGINE, state, inbound(typed), context())
    assert keys(outcome) == [["eligibility.age_not_understood", "eligibility.ask_age"]]


@pytest.mark.parametrize(
    "typed", ["17-8-1975", "tgl 17 agustus 1975", "lahir 17/08/1975", "17 agt '75", "17 Agt. 1975"]
)
def test_the_registration_reads_the_birth_date_as_people_write_it(typed: str) -> None:
    state = SessionState("registration", registration_flow.version, "birth_date", RegistrationData().dump())
    outcome = run(ENGINE, state, inbound(typed), context(consented=True))
    assert RegistrationData.load(outcome.state.data).birth_date == date(1975, 8, 17)


@pytest.mark.parametrize("typed", ["31-02-1975", "17 agustus", "kemarin", "17-08-2030"])
def test_the_registration_asks_again_for_a_birth_date_that_cannot_be(typed: str) -> None:
    state = SessionState("registration", registration_flow.version, "birth_date", RegistrationData().dump())
    outcome = run(ENGINE, state, inbound(typed), context(consented=True))
    assert keys(outcome) == [["registration.bad_birth_date", "registration.ask_birth_date"]]


def test_age_on_a_day() -> None:
    assert age_on(date(1961, 11, 22), TODAY) == 64
    assert age_on(date(1961, 11, 21), TODAY) == 65


JOB_NAMES = [(job.id, name) for job in programme().job_types for name in (job.name, *job.synonyms)]


@pytest.mark.parametrize(
    ("text", "job"),
    [
        ("narik becak", "tukang_becak"),
        ("jualan keliling", "pedagang_keliling"),
        ("bantu-bantu di masjid", "marbot"),
        ("saya nyopir angkot", "sopir_angkot_setoran"),
        ("mbatik", "buruh_batik"),
        ("kerja serabutan", "buruh_harian_lepas"),
        ("Penggali Kubur", "penggali_kubur"),
    ],
)
def test_chat_words_for_work_find_the_job_type(text: str, job: str) -> None:
    sure, _ = best_matches(text, JOB_NAMES)
    assert sure is not None
    assert sure.id == job


def test_an_ambiguous_answer_offers_the_closest_instead_of_guessing() -> None:
    sure, offered = best_matches("kuli", JOB_NAMES)
    assert sure is None
    assert {"kuli_bangunan", "kuli_panggul"} <= {c.id for c in offered}


def test_work_that_is_not_listed_matches_nothing() -> None:
    assert best_matches("programmer komputer", JOB_NAMES) == (None, ())
