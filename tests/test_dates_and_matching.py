"""Dates and ages as people type them, and free text matched to job types."""

from __future__ import annotations

from datetime import date

import pytest

from conversations.dates import age_on, parse_age, parse_date
from conversations.matching import best_matches
from tests.core_support import programme

TODAY = date(2026, 11, 21)


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
    ],
)
def test_dates_people_type(text: str, expected: date) -> None:
    assert parse_date(text, TODAY) == expected


@pytest.mark.parametrize("text", ["31-02-1980", "kemarin", "17 agustusan 1945", "1-1-2030", "12-13-1980", ""])
def test_not_a_past_date(text: str) -> None:
    assert parse_date(text, TODAY) is None


@pytest.mark.parametrize(("text", "expected"), [("45", 45), ("45 tahun", 45), ("umur 62 thn", 62), ("130", None)])
def test_ages(text: str, expected: int | None) -> None:
    assert parse_age(text) == expected


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
