"""The NIK validator: NIKs generated from the rules pass; each rule broken fails with its own reason."""

from __future__ import annotations

from datetime import date, timedelta

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conversations.flows import build_engine
from conversations.flows.fields import check_text_field
from conversations.flows.registration import RegistrationData, registration_flow
from conversations.messages import msg
from conversations.nik import (
    PROVINCE_CODES,
    Nik,
    NikProblem,
    mask_nik,
    nik_in_answer,
    parse_nik,
    problems_with_birth_date,
)
from conversations.state import SessionState
from tests.core_support import ROOT, context, inbound, keys, render_reply, run

ENGINE = build_engine()

TODAY = date(2026, 11, 21)
birth_dates = st.dates(min_value=TODAY - timedelta(days=99 * 365), max_value=TODAY)
provinces = st.sampled_from(sorted(PROVINCE_CODES))
area = st.integers(min_value=1, max_value=99).map(lambda n: f"{n:02d}")
serials = st.integers(min_value=1, max_value=9999).map(lambda n: f"{n:04d}")


def build(province: str, regency: str, district: str, born: date, female: bool, serial: str) -> str:
    day = born.day + 40 if female else born.day
    return f"{province}{regency}{district}{day:02d}{born.month:02d}{born.year % 100:02d}{serial}"


@settings(max_examples=300)
@given(provinces, area, area, birth_dates, st.booleans(), serials)
def test_a_nik_made_by_the_rules_is_valid(
    province: str, regency: str, district: str, born: date, female: bool, serial: str
) -> None:
    parsed = parse_nik(build(province, regency, district, born, female, serial), TODAY)
    assert isinstance(parsed, Nik)
    assert parsed.female is female
    assert (parsed.birth_date.day, parsed.birth_date.month, parsed.birth_date.year % 100) == (
        born.day,
        born.month,
        born.year % 100,
    )
    assert problems_with_birth_date(parsed, born) is None
    assert parsed.regency_code == f"{province}.{regency}"


@given(st.text(alphabet="0123456789", min_size=0, max_size=30).filter(lambda t: len(t) != 16))
def test_anything_but_16_digits_is_refused(text: str) -> None:
    assert parse_nik(text, TODAY) is NikProblem.NOT_16_DIGITS


@given(st.integers(min_value=0, max_value=99).map(lambda n: f"{n:02d}").filter(lambda p: p not in PROVINCE_CODES))
def test_an_unknown_province_is_refused(province: str) -> None:
    assert parse_nik(f"{province}75014506850001", TODAY) is NikProblem.UNKNOWN_PROVINCE


@given(st.sampled_from([0, *range(32, 41), *range(72, 100)]))
def test_an_impossible_day_is_refused(day: int) -> None:
    assert parse_nik(f"337501{day:02d}0685" + "0001", TODAY) is NikProblem.BAD_DAY


@given(st.sampled_from([0, *range(13, 100)]))
def test_an_impossible_month_is_refused(month: int) -> None:
    assert parse_nik(f"33750105{month:02d}850001", TODAY) is NikProblem.BAD_MONTH


def test_each_other_rule_has_its_own_reason() -> None:
    assert parse_nik("3375013102850001", TODAY) is NikProblem.IMPOSSIBLE_DATE  # 31 February
    assert parse_nik("3375017102850001", TODAY) is NikProblem.IMPOSSIBLE_DATE  # 31 February, a woman
    assert parse_nik("3375014506850000", TODAY) is NikProblem.SERIAL_ZERO
    assert parse_nik("3375 0145 0685 000A", TODAY) is NikProblem.NOT_16_DIGITS
    assert parse_nik("٣٣٧٥٠١٤٥٠٦٨٥٠٠٠١", TODAY) is NikProblem.NOT_16_DIGITS  # other scripts' digits


def test_known_examples_from_the_programme_notes() -> None:
    woman = parse_nik("3375014506850001", TODAY)
    assert isinstance(woman, Nik)
    assert (woman.birth_date, woman.female) == (date(1985, 6, 5), True)
    assert parse_nik("3375017506850001", TODAY) is NikProblem.BAD_DAY
    assert parse_nik("3375013506850001", TODAY) is NikProblem.BAD_DAY
    assert parse_nik("9975010506850001", TODAY) is NikProblem.UNKNOWN_PROVINCE
    assert parse_nik("3375010102000000", TODAY) is NikProblem.SERIAL_ZERO


def test_separators_people_type_are_ignored_and_an_outside_area_code_is_fine() -> None:
    assert isinstance(parse_nik("3375-0145-0685-0001", TODAY), Nik)
    assert isinstance(parse_nik(" 3375.0145.0685.0001 ", TODAY), Nik)
    outside = parse_nik("3326014506850001", TODAY)  # Kabupaten Pekalongan: still a valid NIK
    assert isinstance(outside, Nik)
    assert outside.regency_code == "33.26"


def test_the_two_digit_year_is_read_in_the_right_century() -> None:
    young = parse_nik("3375010101080001", TODAY)
    old = parse_nik("3375010101500001", TODAY)
    assert isinstance(young, Nik)
    assert isinstance(old, Nik)
    assert (young.birth_date.year, old.birth_date.year) == (2008, 1950)


def test_a_birth_date_that_differs_from_the_nik_is_caught() -> None:
    nik = parse_nik("3375014506850001", TODAY)
    assert isinstance(nik, Nik)
    assert problems_with_birth_date(nik, date(1985, 6, 5)) is None
    assert problems_with_birth_date(nik, date(1985, 5, 6)) is NikProblem.DATE_DIFFERS
    assert problems_with_birth_date(nik, date(1986, 6, 5)) is NikProblem.DATE_DIFFERS


def test_masking_keeps_only_the_first_and_last_four_digits() -> None:
    assert mask_nik("3375014506850001") == "3375••••••••0001"
    assert "0145" not in mask_nik("3375014506850001")


def test_province_codes_match_the_kemendagri_list() -> None:
    lines = (ROOT / "programmes" / "wilayah.csv").read_text(encoding="utf-8").splitlines()[1:]
    assert {line.split(",")[0] for line in lines if "." not in line.split(",")[0]} == PROVINCE_CODES


# ---- a NIK inside a sentence (nik_in_answer), at the NIK steps ------------------------------------------


@pytest.mark.parametrize(
    "text",
    [
        "3375014506850001",
        "3375 0145 0685 0001",
        "sy sendiri, 3375014506850001",
        "nik nya 3375 0145 0685 0001 pak",
        "NIK: 3375-0145-0685-0001.",
        "3375.0145.0685.0001 ini nik ibu saya",
        "nik 3375014506850001, hp 081234567890",  # a number of another length beside it does not count
        "3375014506850001 ya, 3375 0145 0685 0001",  # the same NIK twice is one
    ],
)
def test_the_one_nik_in_an_answer_is_found(text: str) -> None:
    assert nik_in_answer(text) == "3375014506850001"
    parsed = parse_nik(text, TODAY)
    assert isinstance(parsed, Nik)
    assert parsed.digits == "3375014506850001"


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("3375014506850001 atau 3375012504880014", NikProblem.SEVERAL),  # which one: asked again, never guessed
        ("punya saya 3375014506850001, suami 3375 0125 0488 0014", NikProblem.SEVERAL),
        ("nik saya 3375 0145 0685 0001 2", NikProblem.NOT_16_DIGITS),  # 17 digits: a slip, not a NIK
        ("nik saya 337501450685000", NikProblem.NOT_16_DIGITS),
        ("sy sendiri", NikProblem.NOT_16_DIGITS),
        ("", NikProblem.NOT_16_DIGITS),
    ],
)
def test_an_answer_without_exactly_one_nik_is_refused(text: str, problem: NikProblem) -> None:
    assert nik_in_answer(text) is problem
    assert parse_nik(text, TODAY) is problem


def test_a_nik_in_a_sentence_at_the_registration_step_is_taken_and_shown_masked() -> None:
    state = SessionState("registration", registration_flow.version, "nik", RegistrationData().dump())
    outcome = run(ENGINE, state, inbound("nik nya 3375 0145 0685 0001 pak"), context(consented=True))
    assert RegistrationData.load(outcome.state.data).nik == "3375014506850001"
    assert outcome.state.step == "full_name"
    assert "0145" not in "".join(render_reply(reply, "id")[0] for reply in outcome.replies)


def test_two_different_niks_at_the_registration_step_are_asked_again() -> None:
    state = SessionState("registration", registration_flow.version, "nik", RegistrationData().dump())
    outcome = run(ENGINE, state, inbound("3375014506850001 atau 3375012504880014"), context(consented=True))
    assert keys(outcome) == [["nik.several", "registration.ask_nik_self"]]
    assert RegistrationData.load(outcome.state.data).nik is None


def test_the_registration_fields_check_finds_the_nik_in_a_sentence() -> None:
    checked = check_text_field(context(), "nik", "sy sendiri, 3375014506850001", {})
    assert (checked.values, checked.problem) == ({"nik": "3375014506850001", "female": True}, None)
    several = check_text_field(context(), "nik", "3375014506850001 dan 3375012504880014", {})
    assert several.problem == msg("nik.several")
