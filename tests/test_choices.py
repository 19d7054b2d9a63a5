"""Matching what a person answered to the choices offered: button, number, label, alias, prefix, typo."""

from __future__ import annotations

import pytest

from conversations.choices import LabelledChoice, match_choice

# Shaped like what the engine builds: each label in Indonesian and English, then the aliases.
MENU = [
    LabelledChoice("about", ["Tentang program", "About the programme", "tentang", "info", "informasi"]),
    LabelledChoice("privacy", ["Privasi dan data pribadi", "Privacy and personal data", "privasi", "persetujuan"]),
    LabelledChoice("language", ["Ganti bahasa (Language)", "Language (Ganti bahasa)"]),
    LabelledChoice("help", ["Bantuan", "Help"]),
]
YES_NO = [
    LabelledChoice("agree", ["Setuju", "I agree", "setuju", "ya", "iya", "y", "ok", "yes"]),
    LabelledChoice("decline", ["Tidak setuju", "I do not agree", "tidak", "gak", "no", "tidak mau"]),
]


def test_names_are_normalised_and_deduplicated() -> None:
    assert LabelledChoice("agree", ["Ya", "ya", " YA! ", "", "  "]).names == ("ya",)


@pytest.mark.parametrize(
    ("button", "expected"),
    [("about", "about"), ("help", "help"), ("nope", None), ("", None), ("About", None), ("agree", None)],
)
def test_button_id_must_be_offered(button: str, expected: str | None) -> None:
    assert match_choice("", button, MENU) == expected


def test_button_wins_over_the_text() -> None:
    assert match_choice("2", "help", MENU) == "help"
    assert match_choice("help", "nope", MENU) is None  # a stale button is not rescued by its caption


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("1", "about"),
        ("4", "help"),
        (" 2 ", "privacy"),
        ("2.", "privacy"),
        ("01", "about"),
        ("no 2", "privacy"),
        ("no2", "privacy"),
        ("nomor 2", "privacy"),
        ("Nomor 3", "language"),
        ("nomer 3", "language"),
        ("pilih 4", "help"),
        ("angka 1", "about"),
        ("number 4", "help"),
        ("٢", "privacy"),  # Arabic-Indic digit two
    ],
)
def test_numbers_in_range(text: str, expected: str) -> None:
    assert match_choice(text, None, MENU) == expected


@pytest.mark.parametrize("text", ["0", "5", "99", "999", "nomor 0", "no 5", "1234"])
def test_numbers_out_of_range(text: str) -> None:
    assert match_choice(text, None, MENU) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("Tentang program", "about"),
        ("TENTANG PROGRAM", "about"),
        ("About the programme", "about"),
        ("Privasi dan data pribadi!", "privacy"),
        ("privacy and personal data", "privacy"),
        ("Ganti bahasa (Language)", "language"),
        ("bantuan", "help"),
    ],
)
def test_exact_labels_in_either_language(text: str, expected: str) -> None:
    assert match_choice(text, None, MENU) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [("ya", "agree"), ("Y", "agree"), ("ok", "agree"), ("tidak", "decline"), ("no", "decline"), ("gak", "decline")],
)
def test_aliases(text: str, expected: str) -> None:
    assert match_choice(text, None, YES_NO) == expected


@pytest.mark.parametrize(
    ("text", "expected"),
    [("priv", "privacy"), ("tent", "about"), ("ganti", "language"), ("bant", "help"), ("informa", "about")],
)
def test_unique_prefix_of_three_or_more_letters(text: str, expected: str) -> None:
    assert match_choice(text, None, MENU) == expected


@pytest.mark.parametrize("text", ["pr", "ba"])
def test_prefix_shorter_than_three_letters_is_not_enough(text: str) -> None:
    assert match_choice(text, None, MENU) is None


def test_prefix_of_two_choices_is_ambiguous() -> None:
    jobs = [LabelledChoice("bangunan", ["Kuli bangunan"]), LabelledChoice("panggul", ["Kuli panggul"])]
    assert match_choice("kuli", None, jobs) is None
    assert match_choice("kuli b", None, jobs) == "bangunan"


@pytest.mark.parametrize(
    ("text", "choices", "expected"),
    [
        ("privsi", MENU, "privacy"),
        ("tentng program", MENU, "about"),
        ("bantuam", MENU, "help"),
        ("stuju", YES_NO, "agree"),
        ("setujuu", YES_NO, "agree"),
        ("tidak setju", YES_NO, "decline"),
    ],
)
def test_small_typos_are_accepted(text: str, choices: list[LabelledChoice], expected: str) -> None:
    assert match_choice(text, None, choices) == expected


@pytest.mark.parametrize("text", ["xyz", "apa itu", "saya mau daftar", "🙂🙂", "privasi kesehatan jiwa raga"])
def test_far_answers_are_rejected(text: str) -> None:
    assert match_choice(text, None, MENU) is None


def test_near_tie_between_two_choices_is_rejected() -> None:
    bricks = [LabelledChoice("batu", ["tukang batu"]), LabelledChoice("bata", ["tukang bata"])]
    assert match_choice("tukang batx", None, bricks) is None
    assert match_choice("tukang batuu", None, bricks) == "batu"


def test_more_names_do_not_crowd_out_a_near_rival() -> None:
    # "tukang bat" (95) and "tukang batu" (91) both belong to one choice; "tukang bata" (91) is the
    # rival within 5 points. The answer is ambiguous however many names the leader has.
    one_name = [LabelledChoice("batu", ["tukang bat"]), LabelledChoice("bata", ["tukang bata"])]
    two_names = [LabelledChoice("batu", ["tukang bat", "tukang batu"]), LabelledChoice("bata", ["tukang bata"])]
    assert match_choice("tukang batx", None, one_name) is None
    assert match_choice("tukang batx", None, two_names) is None
    assert match_choice("tukang batx", None, list(reversed(two_names))) is None


@pytest.mark.parametrize("text", ["", "   ", "\n\t", "!!!", "\u200b", "..."])
def test_empty_answers_match_nothing(text: str) -> None:
    assert match_choice(text, None, MENU) is None


def test_no_choices_match_nothing() -> None:
    assert match_choice("1", None, []) is None
    assert match_choice("", "about", []) is None


def test_same_name_on_two_choices_is_ambiguous() -> None:
    twins = [LabelledChoice("a", ["indonesia"]), LabelledChoice("b", ["Indonesia"])]
    assert match_choice("indonesia", None, twins) is None
    assert match_choice("indonesa", None, twins) is None
