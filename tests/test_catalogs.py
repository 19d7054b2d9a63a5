"""The message catalogs: complete in every language, consistent with the code, and formatting rupiah
and dates the Indonesian way."""

from __future__ import annotations

import re
from datetime import date
from functools import cache
from pathlib import Path

import pytest
from babel.messages.pofile import read_po

from conversations.messages import Money, msg
from locales import Catalogs, MissingMessage, format_rupiah
from locales.catalogs import CATALOG_DIR, placeholders
from tests.core_support import ROOT, catalogs

LANGUAGES = ("id", "en")
CODE_DIRS = ("conversations", "bot", "handlers")
# msg("key", …) or Msg("key", …) with the key written out.
_MSG_CALL = re.compile(r"""\b(?:msg|Msg|t)\(\s*(["'])([^"'\n]+)\1""")
# Any string literal that could be a key: where a key is chosen at run time, e.g.
# `said = "privacy.withdrawn" if … else "privacy.declined"`, it still appears in the code like this.
_KEY_LITERAL = re.compile(r"""(["'])([a-z][a-z0-9_]*(?:\.[a-z][a-z0-9_]*)+)\1""")

# Keys in the catalogs that no code uses yet. Each must say why; the test below fails once a key here
# is used, so the list cannot outlive its reason.
NOT_USED_YET = {
    "render.reply_with_number": "for channel renderers that number the choices (WhatsApp lists); none does yet",
}


def _po_files(language: str) -> list[Path]:
    return sorted((CATALOG_DIR / language / "LC_MESSAGES").glob("*.po"))


@cache
def _code() -> str:
    """The Python code, and the web desk's templates (their texts are `t("web.…")` calls)."""
    files = sorted(path for folder in CODE_DIRS for path in (ROOT / folder).rglob("*.py"))
    files += sorted((ROOT / "bot" / "web" / "templates").rglob("*.html"))
    return "\n".join(path.read_text(encoding="utf-8") for path in files)


def _keys_in_msg_calls() -> set[str]:
    return {match.group(2) for match in _MSG_CALL.finditer(_code())}


def _key_literals() -> set[str]:
    return {match.group(2) for match in _KEY_LITERAL.finditer(_code())}


def _catalog_keys(language: str) -> set[str]:
    return set(catalogs().messages[language])


# ---- complete and consistent ---------------------------------------------------------------------


def test_both_languages_are_loaded() -> None:
    assert set(catalogs().languages) == set(LANGUAGES)


def test_every_key_is_in_every_catalog() -> None:
    assert _catalog_keys("id")
    assert _catalog_keys("en") == _catalog_keys("id")


def test_every_language_has_the_same_catalog_files() -> None:
    names = {language: [path.name for path in _po_files(language)] for language in LANGUAGES}
    assert "jaring.po" in names["id"]
    assert all(found == names["id"] for found in names.values()), names


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_empty_fuzzy_or_duplicate_entries(language: str) -> None:
    for po_file in _po_files(language):
        with po_file.open("rb") as handle:
            entries = [m for m in read_po(handle) if m.id]
        assert entries, po_file.name
        assert [m.id for m in entries if not isinstance(m.string, str) or not m.string.strip()] == []
        assert [m.id for m in entries if m.fuzzy] == []
        msgids = re.findall(r'^msgid "(.+)"$', po_file.read_text(encoding="utf-8"), flags=re.MULTILINE)
        assert len(msgids) == len(set(msgids)) == len(entries), po_file.name


def test_a_key_in_two_catalog_files_is_refused(tmp_path: Path) -> None:
    folder = tmp_path / "id" / "LC_MESSAGES"
    folder.mkdir(parents=True)
    for name in ("jaring.po", "other.po"):
        (folder / name).write_text('msgid "same.key"\nmsgstr "Teks."\n', encoding="utf-8")
    with pytest.raises(ValueError, match=r"same\.key"):
        Catalogs.load(tmp_path)


@pytest.mark.parametrize("key", sorted(catalogs().messages["id"]))
def test_placeholders_are_the_same_in_every_language(key: str) -> None:
    expected = placeholders(catalogs().template(key, "id"))
    for language in LANGUAGES:
        assert placeholders(catalogs().messages[language].get(key, "")) == expected, language


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_template_renders_with_its_placeholders_filled(language: str) -> None:
    for key, template in catalogs().messages[language].items():
        values = {name: f"<{name}>" for name in placeholders(template)}
        rendered = catalogs().render(msg(key, **values), language)
        assert rendered.strip(), key
        assert not re.search(r"\{[a-z_]+\}", rendered), (key, rendered)  # a placeholder left unfilled


# ---- consistent with the code --------------------------------------------------------------------


def test_the_scan_finds_keys_in_every_package() -> None:
    used = _keys_in_msg_calls()
    assert {"engine.menu", "claims.covered", "about.summary", "engine.error"} <= used  # core and bot
    assert {"engine.cancelled", "privacy.declined", "privacy.notice"} <= _key_literals() - used  # chosen at run time


@pytest.mark.parametrize("language", LANGUAGES)
def test_every_key_used_in_code_exists(language: str) -> None:
    assert sorted(_keys_in_msg_calls() - _catalog_keys(language)) == []


def test_no_key_in_the_catalogs_is_unused() -> None:
    unused = _catalog_keys("id") - _key_literals() - NOT_USED_YET.keys()
    assert sorted(unused) == []


def test_keys_listed_as_unused_are_really_unused() -> None:
    assert set(NOT_USED_YET) <= _catalog_keys("id")
    assert set(NOT_USED_YET) & _key_literals() == set()


# ---- rupiah and dates ----------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("amount", "expected"),
    [(42_000_000, "Rp42.000.000"), (16_800, "Rp16.800"), (1_000, "Rp1.000"), (999, "Rp999"), (0, "Rp0")],
)
def test_format_rupiah_the_indonesian_way(amount: int, expected: str) -> None:
    assert format_rupiah(amount, "id") == expected


def test_money_parameter_is_rendered_as_rupiah() -> None:
    own = Catalogs({"id": {"premium": "Iuran {amount} per bulan."}})
    assert own.render(msg("premium", amount=Money(16_800)), "id") == "Iuran Rp16.800 per bulan."


@pytest.mark.parametrize(
    ("day", "expected"),
    [
        (date(2026, 1, 5), "5 Januari 2026"),
        (date(2026, 8, 17), "17 Agustus 2026"),
        (date(2026, 11, 21), "21 November 2026"),
        (date(2027, 12, 31), "31 Desember 2027"),
    ],
)
def test_dates_in_long_indonesian_format(day: date, expected: str) -> None:
    rendered = catalogs().render(msg("privacy.already_agreed", date=day), "id")
    assert rendered == f"Anda sudah menyetujui pemberitahuan ini pada {expected}."


def test_dates_in_english() -> None:
    rendered = catalogs().render(msg("privacy.already_agreed", date=date(2026, 8, 17)), "en")
    assert rendered == "You agreed to this notice on August 17, 2026."


def test_nested_message_parameters_are_rendered_in_the_same_language() -> None:
    own = Catalogs({"id": {"outer": "[{inner}]", "inner": "dalam"}, "en": {"outer": "<{inner}>", "inner": "inside"}})
    assert own.render(msg("outer", inner=msg("inner")), "en") == "<inside>"
    assert own.render(msg("outer", inner=(msg("inner"), msg("inner"))), "id") == "[dalam\ndalam]"


# ---- what is missing is said, not guessed --------------------------------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
def test_unknown_key_raises_missing_message(language: str) -> None:
    with pytest.raises(MissingMessage, match=re.escape("engine.no_such_message")):
        catalogs().render(msg("engine.no_such_message"), language)


@pytest.mark.parametrize("language", LANGUAGES)
def test_missing_placeholder_value_raises_missing_message(language: str) -> None:
    with pytest.raises(MissingMessage, match=re.escape("privacy.already_agreed: no value for 'date'")):
        catalogs().render(msg("privacy.already_agreed"), language)


def test_missing_value_in_a_nested_message_raises_missing_message() -> None:
    with pytest.raises(MissingMessage, match=re.escape("engine.greeting")):
        catalogs().render(msg("engine.menu", programme=msg("engine.greeting")), "id")
