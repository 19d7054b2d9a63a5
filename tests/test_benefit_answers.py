"""The answers to benefit questions (conversations/questions/answers.py).

Every topic has a short title and an answer in every language under every programme; every figure in
an answer is one the programme file gives (worked out here from the Programme object, not from
answers.py); no figure is written into a translation; uncertain facts are said to be uncertain.
"""

from __future__ import annotations

import re
from dataclasses import replace
from functools import cache
from typing import Any, TypeVar

import pytest
from babel.messages.pofile import read_po
from pydantic import BaseModel

from bot.app import read_programme_file
from conversations.flow import Context
from conversations.programme import Programme
from conversations.questions.answers import TOPIC_TITLES, answer
from conversations.regions import Region, parse_region
from locales import format_rupiah
from locales.catalogs import CATALOG_DIR
from tests.core_support import ROOT, catalogs, context, programme

# The topic ids of /tmp/gen/topics.md, in its order, without "none" (which has no answer).
TOPIC_IDS = (
    "about",
    "premium",
    "premium_discount",
    "unpaid_premium",
    "coverage_period",
    "eligibility",
    "quota",
    "how_to_register",
    "check_status",
    "card_jmo",
    "jkk_cover",
    "work_accident_definition",
    "jkm",
    "jkk_death",
    "scholarship",
    "not_included",
    "claim_documents_jkm",
    "claim_documents_jkk",
    "claim_documents_scholarship",
    "where_to_claim",
    "payment_time",
    "jkk_deadline",
    "heirs_order",
    "accident_report",
    "offices",
    "data_rights",
    "calculator",
    "claim_help",
)
LANGUAGES = ("id", "en")
PROGRAMME_FILES = ("kota-pekalongan.toml", "kota-banjar.toml", "kota-malang.toml", "kabupaten-kendal.toml")
TITLE_MAX = 24  # a WhatsApp list row title
ANSWER_MAX = 1024  # a WhatsApp interactive message body: the answer must fit with its buttons
# A regulation may be named in a translation with its number: "UU 27/2022", "PP 50/2025",
# "Permenaker 1/2025", "Pasal 48A". No other digit may appear in a faq.* template.
REGULATION_REFERENCE = re.compile(r"\b(?:UU|PP|Perpres|Inpres|Permenaker|Perdir|Pasal) \d+[A-Z]?(?:/\d{4})?\b")
# How an answer says that something is not certain, and that it is BPJS TK's word, not a regulation's.
UNCERTAIN = {"id": "belum pasti", "en": "not certain"}
NOT_REGULATION = {"id": "bukan bunyi peraturan", "en": "not the text of a regulation"}
NOT_DECIDED = {"id": "tidak memutuskan", "en": "do not decide"}

M = TypeVar("M", bound=BaseModel)


# ---- programmes, contexts, rendering -------------------------------------------------------------


@cache
def _programme(file_name: str) -> Programme:
    return read_programme_file(ROOT / "programmes" / file_name)


@cache
def _wilayah() -> str:
    return (ROOT / "programmes" / "wilayah.csv").read_text(encoding="utf-8")


@cache
def _region(code: str) -> Region:
    return parse_region(_wilayah(), code)


def _context(p: Programme, language: str) -> Context:
    return replace(context(language), programme=p, region=_region(p.region_code))


def _render(topic: str, p: Programme, language: str) -> str:
    return "\n\n".join(catalogs().render(part, language) for part in answer(topic, _context(p, language)))


def _changed(model: M, path: str, value: object) -> M:
    """A copy of `model` with the field at the dotted `path` set to `value`."""
    head, _, rest = path.partition(".")
    new = _changed(getattr(model, head), rest, value) if rest else value
    return model.model_copy(update={head: new})


def _every_programme() -> list[Programme]:
    return [_programme(name) for name in PROGRAMME_FILES]


# ---- every topic has a title and an answer -------------------------------------------------------


def test_every_topic_has_a_title_and_an_answer() -> None:
    assert tuple(TOPIC_TITLES) == TOPIC_IDS
    for topic in ("none", "cuaca", ""):
        with pytest.raises(KeyError):
            answer(topic, context())


@pytest.mark.parametrize("language", LANGUAGES)
def test_titles_are_short_enough_for_a_whatsapp_list_row(language: str) -> None:
    for topic, title in TOPIC_TITLES.items():
        text = catalogs().render(title, language)
        assert 0 < len(text) <= TITLE_MAX, (topic, text)
    rendered = [catalogs().render(title, language) for title in TOPIC_TITLES.values()]
    assert len(set(rendered)) == len(rendered)


@pytest.mark.parametrize("file_name", PROGRAMME_FILES)
@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("topic", TOPIC_IDS)
def test_every_answer_renders(topic: str, language: str, file_name: str) -> None:
    text = _render(topic, _programme(file_name), language)
    assert text.strip()
    assert not re.search(r"\{[a-z_]+\}", text)
    assert len(text) <= ANSWER_MAX, len(text)
    assert "172" not in text  # the "Rp172 juta" a mayor was quoted with mixes benefits


@pytest.mark.parametrize("topic", ["calculator", "claim_help"])
def test_topics_that_start_a_flow_answer_with_one_line(topic: str) -> None:
    for language in LANGUAGES:
        parts = answer(topic, context(language))
        assert len(parts) == 1
        assert "\n" not in catalogs().render(parts[0], language)


# ---- every figure comes from the programme file --------------------------------------------------


def _figures(p: Programme) -> dict[str, frozenset[int]]:
    """What an answer may say, worked out here from the programme, by unit."""
    premium, jkm, jkk, school = p.premium, p.benefits.jkm, p.benefits.jkk, p.benefits.scholarship
    income = premium.declared_income
    periodic = jkm.periodic_monthly * jkm.periodic_months
    per_child = sum(level.amount_per_year * level.years for level in school.levels)
    rupiah = {
        premium.jkk,
        premium.jkm,
        premium.jkk + premium.jkm,
        income,
        jkm.lump_sum,
        jkm.periodic_monthly,
        periodic,
        jkm.funeral,
        jkm.lump_sum + periodic + jkm.funeral,
        jkk.death_income_multiple * income,
        jkk.death_income_multiple * income + periodic + jkm.funeral,
        jkk.disability_income_multiple * income,
        jkk.home_care_max,
        jkk.transport_land_max,
        per_child,
        per_child * school.max_children,
        *(level.amount_per_year for level in school.levels),
    }
    ages = {age for age in (p.eligibility.min_age, p.eligibility.max_age) if age is not None}
    years = {
        jkk.claim_deadline_years,
        school.min_membership_years_if_not_work_accident,
        school.child_max_age,
        p.privacy.retention_years,
        *(level.years for level in school.levels),
        *ages,
    }
    if jkm.claim_deadline_years is not None:
        years.add(jkm.claim_deadline_years)
    return {
        "rupiah": frozenset(rupiah),
        "ages": frozenset(ages),
        "times": frozenset({jkm.periodic_months, jkk.death_income_multiple, jkk.disability_income_multiple}),
        "working_days": frozenset({p.claims.jkm_payment_working_days, p.claims.jkk_payment_working_days}),
        "days": frozenset({jkk.suspected_accident_decision_days}),
        "hours": frozenset({jkk.accident_report_hours}),
        "percent": frozenset(
            {jkk.income_after_percent, premium.discount.percent, p.claims.late_payment_penalty_percent_per_day}
        ),
        "months": frozenset({jkk.home_care_months, jkk.income_full_months, premium.inactive_after_unpaid_months}),
        "children": frozenset({school.max_children}),
        "calendar_year": frozenset(q.year for q in p.quotas),
        "years": frozenset(years),
        "places": frozenset(q.places for q in p.quotas),
        "job_kinds": frozenset({len(p.job_types)}),
        "list_number": frozenset(
            range(1, 1 + max(len(p.claims.jkm_documents), len(p.claims.jkk_documents), 5, 1)),
        ),
    }


def _whole(number: str) -> int:
    return int(re.sub(r"[.,]", "", number))


_NUMBER = r"(\d{1,3}(?:[.,]\d{3})+|\d+)"
# (unit, pattern): each match's numbers must be among the programme's figures for that unit. Applied in
# this order, each removing what it matched, so that "24 × Rp500.000" is a rupiah amount and a
# multiplier, and "tahun 2025" is not taken for "2025 tahun".
_UNITS: tuple[tuple[str, re.Pattern[str]], ...] = (
    ("rupiah", re.compile(r"Rp\s?" + _NUMBER)),
    ("ages", re.compile(r"(\d+) (?:sampai|to) (\d+) (?:tahun|years)")),
    ("times", re.compile(r"(\d+) ×")),
    ("working_days", re.compile(r"(\d+) (?:hari kerja|working days?)")),
    ("days", re.compile(r"(\d+) (?:hari|days?)\b")),
    ("hours", re.compile(r"(\d+) (?:jam|hours?)\b")),
    ("percent", re.compile(r"(\d+) ?%")),
    ("months", re.compile(r"(\d+) (?:bulan|months?)\b")),
    ("children", re.compile(r"(\d+) (?:anak|children)\b")),
    ("calendar_year", re.compile(r"\b(?:tahun|in) (\d{4})\b")),
    ("years", re.compile(r"(\d+) (?:tahun|years?)\b")),
    ("places", re.compile(_NUMBER + r" (?:peserta|participants)\b")),
    ("job_kinds", re.compile(r"(\d+) (?:jenis|kinds)\b")),
    ("list_number", re.compile(r"^(\d+)\. ", re.MULTILINE)),
)


def _file_texts(p: Programme) -> list[str]:
    """The programme file's own words that contain digits (document names, notes, phone numbers…):
    shown as they are, so they are the file's figures by construction."""
    found: list[str] = []

    def walk(value: Any) -> None:
        if isinstance(value, str):
            if re.search(r"\d", value):
                found.append(value)
        elif isinstance(value, dict):
            for item in value.values():
                walk(item)
        elif isinstance(value, list | tuple):
            for item in value:
                walk(item)

    walk(p.model_dump())
    return sorted(found, key=len, reverse=True)


def _unexplained_figures(text: str, p: Programme) -> list[str]:
    """Every figure in `text` that the programme does not give; empty when all of them are its own."""
    for own in _file_texts(p):
        text = re.sub(rf"(?<!\d){re.escape(own)}(?!\d)", " ", text)
    text = REGULATION_REFERENCE.sub(" ", text)
    figures = _figures(p)
    wrong: list[str] = []
    for unit, pattern in _UNITS:
        for match in pattern.finditer(text):
            wrong += [f"{unit}: {match.group(0)!r}" for number in match.groups() if _whole(number) not in figures[unit]]
        text = pattern.sub(" ", text)
    wrong += [f"no unit: {left!r}" for left in re.findall(r"\S*\d\S*", text)]
    return wrong


@pytest.mark.parametrize("file_name", PROGRAMME_FILES)
@pytest.mark.parametrize("language", LANGUAGES)
def test_every_figure_in_every_answer_is_in_the_programme_file(file_name: str, language: str) -> None:
    p = _programme(file_name)
    for topic in TOPIC_IDS:
        assert _unexplained_figures(_render(topic, p, language), p) == [], topic


def test_the_figure_check_catches_a_figure_that_is_not_in_the_file() -> None:
    p = programme()
    assert _unexplained_figures("Santunan Rp42.000.000, dibayar dalam 3 hari kerja.", p) == []
    assert _unexplained_figures("Santunan Rp172.000.000.", p) == ["rupiah: 'Rp172.000.000'"]
    assert _unexplained_figures("Dibayar dalam 4 hari kerja.", p) == ["working_days: '4 hari kerja'"]
    assert _unexplained_figures("Minimal 3 bulan, 4 tahun.", p) == ["years: '4 tahun'"]
    assert _unexplained_figures("Kode 12345.", p) == ["no unit: '12345.'"]
    assert _unexplained_figures("Menurut PP 50/2025 dan call centre 175.", p) == []


def test_the_key_figures_are_stated() -> None:
    p = programme()
    jkm = p.benefits.jkm
    jkm_total = jkm.lump_sum + jkm.periodic_monthly * jkm.periodic_months + jkm.funeral
    assert format_rupiah(jkm_total, "id") in _render("jkm", p, "id")
    assert format_rupiah(p.premium.jkk + p.premium.jkm, "id") in _render("premium", p, "id")
    assert p.premium.paid_by in _render("premium", p, "id")
    death = (
        p.benefits.jkk.death_income_multiple * p.premium.declared_income
        + jkm.periodic_monthly * jkm.periodic_months
        + jkm.funeral
    )
    assert format_rupiah(death, "id") in _render("jkk_death", p, "id")
    assert format_rupiah(jkm_total, "en") in _render("jkm", p, "en")  # Rp42,000,000 in English


@pytest.mark.parametrize(
    ("path", "value", "topic", "expected"),
    [
        ("benefits.jkm.funeral", 20_000_000, "jkm", ("Rp20.000.000", "Rp52.000.000")),
        ("benefits.jkm.funeral", 20_000_000, "jkk_death", ("Rp20.000.000", "Rp80.000.000")),
        ("premium.declared_income", 2_000_000, "jkk_death", ("Rp96.000.000", "Rp118.000.000")),
        ("premium.jkm", 7_000, "premium", ("Rp7.000", "Rp17.000")),
        ("premium.inactive_after_unpaid_months", 6, "unpaid_premium", ("6 bulan",)),
        ("premium.discount.percent", 40, "premium_discount", ("40%",)),
        ("benefits.jkk.accident_report_hours", 72, "accident_report", ("72 jam",)),
        ("benefits.jkk.home_care_max", 25_000_000, "jkk_cover", ("Rp25.000.000",)),
        ("benefits.jkm.claim_deadline_years", 2, "jkk_deadline", ("2 tahun",)),
        ("benefits.scholarship.max_children", 3, "scholarship", ("3 anak", "Rp261.000.000")),
        ("claims.jkm_payment_working_days", 14, "payment_time", ("14 hari kerja",)),
        ("privacy.retention_years", 10, "data_rights", ("10 tahun",)),
        ("eligibility.min_age", 17, "eligibility", ("17 sampai",)),
    ],
)
def test_answers_follow_the_file_when_a_figure_changes(
    path: str, value: object, topic: str, expected: tuple[str, ...]
) -> None:
    changed = _changed(programme(), path, value)
    text = _render(topic, changed, "id")
    for figure in expected:
        assert figure in text, (figure, text)
    for language in LANGUAGES:
        for each in TOPIC_IDS:
            assert _unexplained_figures(_render(each, changed, language), changed) == [], each


def test_quota_is_this_years_or_the_latest_or_none() -> None:
    p = programme()  # NOW is 2026; the file has 2022 and 2023
    assert "tahun 2023, 1.000 peserta" in _render("quota", p, "id")
    this_year = _changed(p, "quotas", (*p.quotas, p.quotas[0].model_copy(update={"year": 2026, "places": 1500})))
    assert "Kuota tahun 2026: 1.500 peserta." in _render("quota", this_year, "id")
    assert "25,000 participants" in _render("quota", _programme("kota-malang.toml"), "en")
    assert "tidak mencatat kuota" in _render("quota", _programme("kabupaten-kendal.toml"), "id")


def test_claim_documents_are_the_files_numbered() -> None:
    p = programme()
    for topic, documents in (
        ("claim_documents_jkm", p.claims.jkm_documents),
        ("claim_documents_jkk", p.claims.jkk_documents),
        ("claim_documents_scholarship", p.claims.scholarship_documents),
    ):
        text = _render(topic, p, "id")
        for number, document in enumerate(documents, start=1):
            assert f"{number}. {document.name}" in text
            assert document.how in text
    one = _changed(p, "claims.jkm_documents", p.claims.jkm_documents[:1])
    assert "2. " not in _render("claim_documents_jkm", one, "id")


def test_offices_say_what_is_not_recorded_and_show_what_is() -> None:
    p = programme()
    text = _render("offices", p, "id")
    assert all(office.name in text for office in p.offices)
    assert "belum tercatat" in text
    assert f"call centre BPJS Ketenagakerjaan {p.call_centre}" in text
    complete = tuple(
        office.model_copy(update={"address": "Jl. Contoh 1", "hours": "Senin–Jumat", "phone": "0285-000"})
        for office in p.offices
    )
    filled = _render("offices", _changed(p, "offices", complete), "id")
    assert "Jl. Contoh 1" in filled
    assert "belum tercatat" not in filled


def test_eligibility_lists_only_the_rules_the_programme_has() -> None:
    pekalongan = _render("eligibility", programme(), "id")
    assert "18 sampai 65 tahun" in pekalongan
    assert "Kota Pekalongan" in pekalongan
    assert "tulang punggung keluarga" in pekalongan
    assert "DTSEN (data" not in pekalongan  # the poverty register is a priority there, not required
    banjar = _render("eligibility", _programme("kota-banjar.toml"), "id")
    assert "tahun" not in banjar  # no age band published
    assert "DTSEN (data" in banjar
    assert "Diutamakan" not in banjar


# ---- no figure in a translation ------------------------------------------------------------------


def _benefit_catalog_keys(language: str) -> list[str]:
    with (CATALOG_DIR / language / "LC_MESSAGES" / "benefits.po").open("rb") as handle:
        return [str(m.id) for m in read_po(handle) if m.id]


@pytest.mark.parametrize("language", LANGUAGES)
def test_benefits_catalog_holds_only_faq_keys(language: str) -> None:
    keys = _benefit_catalog_keys(language)
    assert keys
    assert [key for key in keys if not key.startswith("faq.")] == []


@pytest.mark.parametrize("language", LANGUAGES)
def test_no_faq_template_contains_a_figure(language: str) -> None:
    templates = {key: text for key, text in catalogs().messages[language].items() if key.startswith("faq.")}
    assert set(_benefit_catalog_keys(language)) == set(templates)
    for key, template in templates.items():
        bare = REGULATION_REFERENCE.sub("", re.sub(r"\{[a-z_]+\}", "", template))
        assert "Rp" not in bare, key
        assert not re.search(r"\d", bare), (key, template)


def test_the_regulation_pattern_allows_references_only() -> None:
    assert REGULATION_REFERENCE.sub("", "UU 27/2022, PP 50/2025, Permenaker 1/2025, Pasal 48A") == ", , , "
    assert re.search(r"\d", REGULATION_REFERENCE.sub("", "Rp42.000.000, 3 hari kerja, 50%"))


# ---- uncertain facts are said to be uncertain ----------------------------------------------------


@pytest.mark.parametrize("language", LANGUAGES)
def test_unpaid_premium_says_cover_of_an_unpaid_month_is_uncertain(language: str) -> None:
    for p in [*_every_programme(), _changed(programme(), "call_centre", "1500910")]:
        text = _render("unpaid_premium", p, language)
        assert UNCERTAIN[language] in text.lower()
        assert p.call_centre in text
        assert p.premium.paid_by in text


@pytest.mark.parametrize("language", LANGUAGES)
def test_jkm_without_time_limit_is_bpjs_word_not_regulation(language: str) -> None:
    p = _changed(programme(), "call_centre", "1500910")
    text = _render("jkk_deadline", p, language)
    assert NOT_REGULATION[language] in text
    assert "1500910" in text
    with_limit = _render("jkk_deadline", _changed(p, "benefits.jkm.claim_deadline_years", 2), language)
    assert NOT_REGULATION[language] not in with_limit


@pytest.mark.parametrize("language", LANGUAGES)
def test_discount_is_uncertain_only_where_donors_pay(language: str) -> None:
    budget = _render("premium_discount", programme(), language)
    assert UNCERTAIN[language] not in budget.lower()
    assert "APBD" in budget
    donors = _programme("kabupaten-kendal.toml")
    text = _render("premium_discount", donors, language)
    assert UNCERTAIN[language] in text.lower()
    assert donors.funding_note in text
    assert donors.call_centre in text


@pytest.mark.parametrize("language", LANGUAGES)
def test_heirs_answer_explains_and_does_not_decide(language: str) -> None:
    assert NOT_DECIDED[language] in _render("heirs_order", programme(), language)


@pytest.mark.parametrize("topic", ["premium", "premium_discount"])
def test_funding_note_is_shown_when_the_programme_has_one(topic: str) -> None:
    kendal = _programme("kabupaten-kendal.toml")
    assert kendal.funding_note
    assert kendal.funding_note in _render(topic, kendal, "id")
    assert "Catatan:" not in _render(topic, programme(), "id")
