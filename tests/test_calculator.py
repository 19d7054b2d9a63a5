"""Hitung manfaat, through the engine: what the family would receive, for this person, with every
figure from the programme file (also under a changed programme, so none can hide in code or text)."""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import replace
from datetime import UTC, date, datetime

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conversations.engine import Engine, Outcome
from conversations.flow import Context
from conversations.flows import ALL_FLOWS, MAIN_MENU
from conversations.flows.benefits import CATEGORIES
from conversations.flows.calculator import CalculatorData, membership_months, parse_children, parse_membership
from conversations.inbound import InboundKind
from conversations.messages import Money, Msg
from conversations.programme import Programme
from conversations.requests.base import Request
from conversations.requests.registrations import ListRegistrations, RegistrationView
from conversations.state import Json, SessionState
from locales import format_rupiah
from tests.core_support import (
    MENU,
    NOW,
    SAMPLE_VIEW,
    catalogs,
    choice_ids,
    context,
    default_answer,
    inbound,
    keys,
    programme,
)
from tests.core_support import render_reply as render
from tests.core_support import run as run_once

# A small fixed menu, as in test_engine.py: the real menu is in the golden transcripts.
ENGINE = Engine(ALL_FLOWS, ("eligibility", "registration", "about", "calculator"))
TODAY = date(2026, 11, 21)  # NOW in Asia/Jakarta


def _view(
    status: str = "active", coverage_start: date | None = None, *, status_reason: str = "", on_behalf: bool = False
) -> RegistrationView:
    return replace(
        SAMPLE_VIEW,
        status=status,
        status_reason=status_reason,
        on_behalf=on_behalf,
        coverage_start=coverage_start,
        kpj="12345678901",
    )


class Talk:
    """One person's conversation: each message through the engine, the store answering with `views`."""

    def __init__(self, views: Sequence[RegistrationView] = (), ctx: Context | None = None) -> None:
        self.views = tuple(views)
        self.ctx = ctx or context()
        self.state: SessionState = MENU
        self.requests: list[Request[object]] = []
        self.last: Outcome | None = None

    def _answer(self, request: Request[object]) -> object:
        self.requests.append(request)
        return self.views if isinstance(request, ListRegistrations) else default_answer(request)

    def say(self, *texts: str) -> Outcome:
        for text in texts:
            self.last = run_once(ENGINE, self.state, inbound(text), self.ctx, self._answer)
            self.state = self.last.state
        assert self.last is not None
        return self.last


def _parts(outcome: Outcome) -> list[Msg]:
    return [part for reply in outcome.replies for part in reply.parts]


def _part(outcome: Outcome, key: str) -> Msg:
    found = [part for part in _parts(outcome) if part.key == key]
    assert len(found) == 1, (key, [p.key for p in _parts(outcome)])
    return found[0]


def _all_keys(outcome: Outcome) -> list[str]:
    return [key for reply in keys(outcome) for key in reply]


def _text(outcome: Outcome, language: str = "id") -> str:
    return "\n\n".join(render(reply, language)[0] for reply in outcome.replies)


def _programme(
    *,
    jkm: dict[str, object] | None = None,
    jkk: dict[str, object] | None = None,
    scholarship: dict[str, object] | None = None,
    premium: dict[str, object] | None = None,
    **top: object,
) -> Programme:
    p = programme()
    b = p.benefits
    benefits = b.model_copy(
        update={
            "jkm": b.jkm.model_copy(update=jkm or {}),
            "jkk": b.jkk.model_copy(update=jkk or {}),
            "scholarship": b.scholarship.model_copy(update=scholarship or {}),
        }
    )
    return p.model_copy(update={"benefits": benefits, "premium": p.premium.model_copy(update=premium or {}), **top})


# ---- where it is and what it reads ---------------------------------------------------------------


def test_kept_off_the_main_menu_but_reached_from_tanya_manfaat() -> None:
    assert "calculator" not in MAIN_MENU  # ten entries at most: WhatsApp's list
    assert "calculator" in CATEGORIES["benefits"]


@pytest.mark.parametrize("opening", ["hitung manfaat", "hitung santunan", "kalkulator", "hitung"])
def test_opens_by_its_words_and_reads_only_the_persons_own_registrations(opening: str) -> None:
    talk = Talk()
    outcome = talk.say(opening)
    assert talk.requests == [ListRegistrations("mine")]
    assert keys(outcome) == [["calculator.intro"], ["calculator.ask_cause"]]
    assert choice_ids(outcome)[-1] == ["accident", "other", "both"]


def test_the_figures_match_the_regulation_in_the_bundled_programme() -> None:
    # PROGRAM.md: JKM Rp42 juta, JKK death Rp70 juta at Rp1 juta declared income, Rp87 juta per child.
    text = _text(Talk().say("hitung", "bandingkan keduanya", "3 tahun atau lebih", "2"))
    assert "Rp42.000.000" in text
    assert "Rp70.000.000" in text
    assert "48 x penghasilan yang dilaporkan (Rp1.000.000) = Rp48.000.000" in text
    assert "Rp87.000.000 per anak, jadi paling banyak Rp174.000.000" in text


# ---- without a registration: the membership is asked -------------------------------------------


def test_death_not_from_a_work_accident_counts_jkm_from_the_programme() -> None:
    talk = Talk()
    asked = talk.say("hitung manfaat", "bukan kecelakaan kerja")
    assert keys(asked)[-1] == ["calculator.ask_membership"]
    assert choice_ids(asked)[-1] == ["none", "short", "long"]
    assert keys(talk.say("3 tahun atau lebih")) == [["calculator.ask_children"]]
    outcome = talk.say("2")
    jkm = programme().benefits.jkm
    block = _part(outcome, "calculator.jkm_block")
    assert block.params == {
        "total": Money(jkm.total),
        "lump_sum": Money(jkm.lump_sum),
        "periodic": Money(jkm.periodic_total),
        "periodic_months": jkm.periodic_months,
        "periodic_monthly": Money(jkm.periodic_monthly),
        "funeral": Money(jkm.funeral),
    }
    assert "calculator.jkk_block" not in _all_keys(outcome)
    assert _all_keys(outcome)[0] == "calculator.jkm_block"  # figure first
    assert _part(outcome, "calculator.scholarship_other_yes").params == {"years": 3}
    rules = programme().benefits.scholarship
    amount = _part(outcome, "calculator.scholarship_amount")
    assert amount.params["total"] == Money(2 * rules.per_child_total)
    assert amount.params["per_child"] == Money(rules.per_child_total)
    assert len(amount.params["levels"]) == len(rules.levels)  # type: ignore[arg-type]
    assert _part(outcome, "calculator.conditions").params == {"call_centre": programme().call_centre}
    assert keys(outcome)[-1] == ["calculator.what_next"]
    assert choice_ids(outcome)[-1] == ["again", "menu"]


def test_death_from_a_work_accident_counts_jkk_with_the_multiple_and_declared_income() -> None:
    outcome = Talk().say("hitung manfaat", "kecelakaan kerja", "kurang dari 3 tahun", "1")
    p = programme()
    income = p.premium.declared_income
    block = _part(outcome, "calculator.jkk_block")
    assert block.params["total"] == Money(p.benefits.jkk_death_total(income))
    assert block.params["multiple"] == p.benefits.jkk.death_income_multiple
    assert block.params["income"] == Money(income)
    assert block.params["income_part"] == Money(p.benefits.jkk.death_income_multiple * income)
    assert "calculator.jkm_block" not in _all_keys(outcome)
    # After a work accident the scholarship does not wait for years of membership.
    assert "calculator.scholarship_accident" in _all_keys(outcome)
    assert not [k for k in _all_keys(outcome) if k.startswith("calculator.scholarship_other")]
    assert _part(outcome, "calculator.scholarship_amount").params["total"] == Money(
        p.benefits.scholarship.per_child_total
    )


def test_a_short_membership_means_no_scholarship_yet_after_other_death() -> None:
    outcome = Talk().say("hitung manfaat", "bukan kecelakaan kerja", "kurang dari 3 tahun", "1")
    assert _part(outcome, "calculator.scholarship_other_later").params == {"years": 3}
    assert "belum, baru berlaku setelah 3 tahun menjadi peserta" in _text(outcome)
    assert "calculator.scholarship_amount_later" in _all_keys(outcome)  # "once it applies, …"
    assert "calculator.scholarship_amount" not in _all_keys(outcome)


def test_compare_both_shows_both_totals_and_both_scholarship_rules() -> None:
    outcome = Talk().say("hitung manfaat", "bandingkan keduanya", "kurang dari 3 tahun", "2")
    found = _all_keys(outcome)
    assert found.index("calculator.jkm_block") < found.index("calculator.jkk_block")
    assert {"calculator.scholarship_accident", "calculator.scholarship_other_later"} <= set(found)


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("2 tahun", 24),
        ("1 tahun 6 bulan", 18),
        ("1 thn dan 6 bln", 18),
        ("8 bulan", 8),
        ("8 bln", 8),
        ("dua tahun", 24),
        ("sudah 3 tahun lebih", 36),
        ("kira-kira 4 tahun", 48),
        ("setahun", 12),
        ("setengah tahun", 6),
        ("2 years", 24),
        ("sejak 01-03-2022", date(2022, 3, 1)),
        ("1 Maret 2022", date(2022, 3, 1)),
        ("sejak tgl 1 maret 2022", date(2022, 3, 1)),
        ("dari tanggal 1-3-2022", date(2022, 3, 1)),
        ("mulai 17 agt '22", date(2022, 8, 17)),
        ("sejak 1 Méi 2022", date(2022, 5, 1)),
        ("sejak 30 februari 2022", None),
        ("5", None),  # a bare number picks a choice; it is not read as years
        ("lama sekali", None),
        ("kurang dari 3 tahun", None),  # that is the choice, not three years
        ("hampir 3 tahun", None),
        ("200 tahun", None),
        ("01-03-2030", None),  # not a past date
    ],
)
def test_typed_membership(typed: str, expected: int | date | None) -> None:
    assert parse_membership(typed, TODAY) == expected


def test_a_typed_length_is_used_and_says_how_long_until_the_scholarship() -> None:
    outcome = Talk().say("hitung manfaat", "bukan kecelakaan kerja", "1 tahun 6 bulan", "1")
    assert _part(outcome, "calculator.member_for").params == {
        "duration": Msg("calculator.duration_years_months", {"years": 1, "months": 6})
    }
    assert _part(outcome, "calculator.scholarship_other_in").params == {"years": 3, "months": 18}


def test_a_typed_start_date_gives_the_date_the_scholarship_applies() -> None:
    outcome = Talk().say("hitung manfaat", "bukan kecelakaan kerja", "sejak 10-01-2025", "1")
    assert _part(outcome, "calculator.member_since").params["date"] == date(2025, 1, 10)
    assert _part(outcome, "calculator.scholarship_other_from").params == {"years": 3, "date": date(2028, 1, 10)}


def test_not_yet_a_participant_is_told_nothing_is_paid_and_offered_registration() -> None:
    talk = Talk()
    outcome = talk.say("hitung manfaat", "bukan kecelakaan kerja", "belum jadi peserta", "0")
    assert _all_keys(outcome)[0] == "calculator.not_member"
    assert _part(outcome, "calculator.not_member").params == {"programme": programme().name}
    assert "calculator.scholarship_no_children" in _all_keys(outcome)
    assert choice_ids(outcome)[-1] == ["again", "register", "menu"]
    registering = talk.say("daftar")
    assert keys(registering)[0] == ["privacy.notice", "privacy.notice_sponsors", "privacy.question"]  # behind consent
    assert talk.state.flow == "privacy"
    assert talk.state.data == {"then": "registration", "purpose": "personal_data"}


# ---- wrong answers: say what to type, keep what was given ----------------------------------------


def test_a_membership_answer_not_understood_says_what_to_type_and_keeps_the_cause() -> None:
    talk = Talk()
    talk.say("hitung manfaat", "kecelakaan kerja")
    outcome = talk.say("lama sekali")
    assert keys(outcome) == [["calculator.membership_not_understood", "calculator.ask_membership"]]
    assert talk.state.step == "membership"
    assert talk.state.data["cause"] == "accident"
    assert "calculator.jkk_block" in _all_keys(talk.say("2 tahun", "1"))


def test_a_children_answer_not_understood_says_what_to_type_and_keeps_the_answers() -> None:
    talk = Talk()
    talk.say("hitung manfaat", "kecelakaan kerja", "2 tahun")
    outcome = talk.say("banyak")
    assert keys(outcome) == [["calculator.children_not_understood", "calculator.ask_children"]]
    assert talk.state.step == "children"
    assert talk.state.data["months"] == 24
    assert "calculator.jkk_block" in _all_keys(talk.say("dua"))


def test_a_cause_not_understood_is_asked_again() -> None:
    talk = Talk()
    talk.say("hitung manfaat")
    outcome = talk.say("entahlah")
    assert keys(outcome) == [["engine.pick_a_number", "calculator.ask_cause"]]
    assert talk.state.step == "cause"


@pytest.mark.parametrize(
    ("typed", "expected"),
    [("0", 0), ("tidak ada", 0), ("belum punya", 0), ("1", 1), ("2 anak", 2), ("ada 3 anak", 3), ("dua", 2)],
)
def test_typed_children(typed: str, expected: int) -> None:
    assert parse_children(typed) == expected


@pytest.mark.parametrize("typed", ["banyak", "2 tahun", "", "1,5", "anak saya"])
def test_children_not_understood(typed: str) -> None:
    assert parse_children(typed) is None


def test_more_children_than_the_scholarship_pays_for_are_capped() -> None:
    outcome = Talk().say("hitung manfaat", "kecelakaan kerja", "2 tahun", "4")
    max_children = programme().benefits.scholarship.max_children
    assert _part(outcome, "calculator.scholarship_amount").params["children"] == max_children
    assert _part(outcome, "calculator.scholarship_capped").params == {"max_children": max_children}


# ---- with a registration -------------------------------------------------------------------------


def test_an_active_registration_gives_the_start_date_and_is_not_asked() -> None:
    talk = Talk([_view("active", date(2022, 3, 1))])
    assert keys(talk.say("hitung manfaat", "bukan kecelakaan kerja")) == [["calculator.ask_children"]]
    outcome = talk.say("2")
    assert _part(outcome, "calculator.registered_since").params == {
        "date": date(2022, 3, 1),
        "duration": Msg("calculator.duration_years_months", {"years": 4, "months": 8}),
    }
    assert "calculator.scholarship_other_yes" in _all_keys(outcome)
    assert "Anda terdaftar sebagai peserta sejak 1 Maret 2022 (4 tahun 8 bulan)." in _text(outcome)
    assert "12345678901" not in _text(outcome) + _text(outcome, "en")  # nothing personal beyond the date
    assert "Siti" not in _text(outcome)


def test_a_recent_registration_says_from_which_date_the_scholarship_applies() -> None:
    outcome = Talk([_view("active", date(2025, 1, 10))]).say("hitung manfaat", "bukan kecelakaan kerja", "1")
    assert _part(outcome, "calculator.scholarship_other_from").params == {"years": 3, "date": date(2028, 1, 10)}
    assert "berlaku mulai 10 Januari 2028" in _text(outcome)


def test_a_start_date_on_29_february_completes_its_years_on_1_march() -> None:
    outcome = Talk([_view("active", date(2024, 2, 29))]).say("hitung manfaat", "bukan kecelakaan kerja", "1")
    assert _part(outcome, "calculator.scholarship_other_from").params["date"] == date(2027, 3, 1)


def test_membership_is_counted_in_the_programmes_time_zone() -> None:
    # 28 February 20:00 UTC is already 1 March in Jakarta: three full years since 1 March 2023 there.
    evening = datetime(2026, 2, 28, 20, 0, tzinfo=UTC)
    views = [_view("active", date(2023, 3, 1))]
    jakarta = Talk(views, replace(context(), now=evening))
    assert "calculator.scholarship_other_yes" in _all_keys(jakarta.say("hitung", "bukan kecelakaan kerja", "1"))
    utc = Talk(views, replace(context(), now=evening, programme=_programme(timezone="UTC")))
    outcome = utc.say("hitung", "bukan kecelakaan kerja", "1")
    assert _part(outcome, "calculator.scholarship_other_from").params["date"] == date(2026, 3, 1)


def test_a_start_date_still_ahead_says_protection_starts_then() -> None:
    outcome = Talk([_view("active", date(2026, 12, 1))]).say("hitung manfaat", "kecelakaan kerja", "1")
    assert _all_keys(outcome)[0] == "calculator.starts_on"
    assert _part(outcome, "calculator.starts_on").params == {"date": date(2026, 12, 1)}
    assert "calculator.registered_since" not in _all_keys(outcome)


def test_a_registration_not_yet_active_says_its_status_and_counts_for_once_enrolled() -> None:
    talk = Talk([_view("verified")])
    assert keys(talk.say("hitung manfaat", "bukan kecelakaan kerja")) == [["calculator.ask_children"]]
    outcome = talk.say("1")
    assert _all_keys(outcome)[0] == "calculator.pending"
    status = _part(outcome, "calculator.pending").params["status"]
    assert isinstance(status, Msg)
    assert status.key == "status.verified"
    assert "calculator.jkm_block" in _all_keys(outcome)
    assert "calculator.scholarship_other_later" in _all_keys(outcome)
    assert choice_ids(outcome)[-1] == ["again", "menu"]  # registered already: no "Daftar"


def test_an_active_registration_without_a_start_date_asks_without_not_yet() -> None:
    talk = Talk([_view("active", None)])
    outcome = talk.say("hitung manfaat", "kecelakaan kerja")
    assert keys(outcome) == [["calculator.active_without_date", "calculator.ask_membership"]]
    assert choice_ids(outcome) == [["short", "long"]]


def test_only_refused_registrations_are_treated_as_none_but_registration_is_not_offered() -> None:
    talk = Talk([_view("rejected", None, status_reason="bukan warga kota")])
    talk.say("hitung manfaat", "kecelakaan kerja")
    assert talk.state.step == "membership"
    outcome = talk.say("belum jadi peserta", "0")
    assert choice_ids(outcome)[-1] == ["again", "menu"]


def test_the_longest_active_protection_counts() -> None:
    views = [_view("submitted"), _view("active", date(2024, 5, 1)), _view("active", date(2021, 5, 1))]
    outcome = Talk(views).say("hitung manfaat", "kecelakaan kerja", "0")
    assert _part(outcome, "calculator.registered_since").params["date"] == date(2021, 5, 1)


def test_a_registration_a_leader_entered_for_this_person_is_theirs() -> None:
    # The store answers "mine" only with registrations whose registrant is the person asking; one an
    # RT/RW leader typed in for them (on_behalf) and linked to them is still their protection.
    outcome = Talk([_view("active", date(2022, 3, 1), on_behalf=True)]).say("hitung", "kecelakaan kerja", "0")
    assert "calculator.registered_since" in _all_keys(outcome)


# ---- what next -----------------------------------------------------------------------------------


def test_count_again_keeps_what_the_registration_said_but_asks_the_rest_again() -> None:
    talk = Talk([_view("active", date(2022, 3, 1))])
    talk.say("hitung manfaat", "kecelakaan kerja", "2")
    outcome = talk.say("hitung lagi")
    assert keys(outcome) == [["calculator.ask_cause"]]
    kept = CalculatorData.load(talk.state.data)
    assert (kept.cause, kept.children) == ("", None)  # the answers are not kept
    assert (kept.has_registration, kept.member, kept.since) == (True, "since", date(2022, 3, 1))
    assert keys(talk.say("bukan kecelakaan kerja")) == [["calculator.ask_children"]]


def test_count_again_asks_an_asked_membership_again() -> None:
    talk = Talk()
    talk.say("hitung manfaat", "kecelakaan kerja", "2 tahun", "2", "hitung lagi")
    assert keys(talk.say("kecelakaan kerja")) == [["calculator.ask_membership"]]


def test_the_menu_choice_shows_the_main_menu() -> None:
    talk = Talk()
    talk.say("hitung manfaat", "kecelakaan kerja", "2 tahun", "2")
    assert keys(talk.say("menu utama")) == [["engine.menu"]]  # the word works everywhere
    talk.say("hitung manfaat", "kecelakaan kerja", "2 tahun", "2")
    outcome = talk.say("2")  # the choice: [Hitung lagi, Menu utama]
    assert keys(outcome) == [["calculator.to_menu"], ["engine.menu"]]
    assert talk.state == MENU


def test_the_menu_button_shows_the_main_menu() -> None:
    talk = Talk()
    talk.say("hitung manfaat", "kecelakaan kerja", "2 tahun", "2")
    outcome = run_once(ENGINE, talk.state, inbound(choice_id="menu", kind=InboundKind.CHOICE), talk.ctx)
    assert keys(outcome) == [["calculator.to_menu"], ["engine.menu"]]
    assert outcome.state == MENU


# ---- every figure from the programme file ----------------------------------------------------------


CHANGED = _programme(
    jkm={"lump_sum": 25_000_000, "periodic_monthly": 600_000, "periodic_months": 12, "funeral": 11_000_000},
    jkk={"death_income_multiple": 60},
    premium={"declared_income": 2_000_000},
    scholarship={"min_membership_years_if_not_work_accident": 5, "max_children": 3, "child_max_age": 25},
    call_centre="1500-910",
    name="Program Uji",
)


def test_a_changed_programme_changes_every_figure() -> None:
    ctx = replace(context(), programme=CHANGED)
    talk = Talk([], ctx)
    asked = talk.say("hitung manfaat", "bandingkan keduanya")
    _, labels = render(asked.replies[-1], "id")
    assert labels == ["Belum jadi peserta", "Kurang dari 5 tahun", "5 tahun atau lebih"]
    assert "sampai 25 tahun" in _text(talk.say("4 tahun"))
    outcome = talk.say("3")
    text = _text(outcome)
    jkm, rules = CHANGED.benefits.jkm, CHANGED.benefits.scholarship
    assert jkm.total == 25_000_000 + 7_200_000 + 11_000_000
    assert f"ahli waris menerima {format_rupiah(jkm.total, 'id')}" in text
    assert "12 x Rp600.000 = Rp7.200.000" in text
    assert "biaya pemakaman Rp11.000.000" in text
    jkk_total = CHANGED.benefits.jkk_death_total(2_000_000)
    assert jkk_total == 60 * 2_000_000 + 7_200_000 + 11_000_000
    assert f"ahli waris menerima {format_rupiah(jkk_total, 'id')}" in text
    assert "60 x penghasilan yang dilaporkan (Rp2.000.000) = Rp120.000.000" in text
    assert "belum. Syaratnya paling sedikit 5 tahun menjadi peserta, jadi kira-kira 12 bulan lagi" in text
    assert f"untuk 3 anak: paling banyak {format_rupiah(rules.per_child_total, 'id')} per anak" in text
    assert format_rupiah(3 * rules.per_child_total, "id") in text
    assert "call centre BPJS Ketenagakerjaan 1500-910" in text
    assert "Rp42.000.000" not in text
    assert "Rp70.000.000" not in text


def test_a_changed_programme_moves_the_scholarship_date() -> None:
    ctx = replace(context(), programme=CHANGED)
    outcome = Talk([_view("active", date(2022, 3, 1))], ctx).say("hitung", "bukan kecelakaan kerja", "1")
    assert _part(outcome, "calculator.scholarship_other_from").params == {"years": 5, "date": date(2027, 3, 1)}


def test_a_changed_scholarship_level_is_listed() -> None:
    levels = programme().benefits.scholarship.levels
    cheaper = (levels[0].model_copy(update={"amount_per_year": 1_250_000, "years": 1}), *levels[1:])
    ctx = replace(context(), programme=_programme(scholarship={"levels": cheaper}))
    text = _text(Talk([], ctx).say("hitung", "kecelakaan kerja", "2 tahun", "1"))
    assert f"- {levels[0].name}: Rp1.250.000 per tahun, paling lama 1 tahun" in text


def test_a_programme_without_scholarship_does_not_ask_about_children() -> None:
    ctx = replace(context(), programme=_programme(scholarship={"max_children": 0}))
    talk = Talk([], ctx)
    outcome = talk.say("hitung manfaat", "kecelakaan kerja", "2 tahun")
    assert "calculator.jkk_block" in _all_keys(outcome)
    assert not [k for k in _all_keys(outcome) if "scholarship" in k or k == "calculator.ask_children"]


def test_no_rupiah_amount_is_written_in_the_catalogs() -> None:
    for language in ("id", "en"):
        for key, template in catalogs().messages[language].items():
            if key.startswith("calculator."):
                assert not re.search(r"Rp\s?\d", template), (key, template)
                assert not re.search(r"\b(?:23|42|48|70|87|174)\b", template), (key, template)


# ---- both languages ------------------------------------------------------------------------------

JOURNEYS = [
    ([], ("hitung", "bandingkan keduanya", "belum jadi peserta", "5")),
    ([], ("hitung", "bukan kecelakaan kerja", "1 tahun 6 bulan", "1")),
    ([_view("active", date(2022, 3, 1))], ("hitung", "bandingkan keduanya", "2")),
    ([_view("active", date(2025, 1, 10))], ("hitung", "bukan kecelakaan kerja", "0")),
    ([_view("returned", status_reason="foto KTP kurang jelas")], ("hitung", "bandingkan keduanya", "1")),
    ([_view("active", None)], ("hitung", "kecelakaan kerja", "2 tahun")),
]


@pytest.mark.parametrize("language", ["id", "en"])
@pytest.mark.parametrize(("views", "texts"), JOURNEYS)
def test_every_answer_renders_in_both_languages(
    language: str, views: list[RegistrationView], texts: tuple[str, ...]
) -> None:
    talk = Talk(views, context(language))
    for text in texts:
        outcome = talk.say(text)
        for reply in outcome.replies:
            body, labels = render(reply, language)
            assert body.strip()
            assert "{" not in body
            assert all(0 < len(label) <= 64 for label in labels)
            assert len(body) <= 4096


def test_membership_months() -> None:
    assert membership_months(date(2022, 3, 1), TODAY) == 56
    assert membership_months(date(2023, 11, 21), TODAY) == 36
    assert membership_months(date(2023, 11, 22), TODAY) == 35
    assert membership_months(date(2026, 11, 21), TODAY) == 0
    assert membership_months(date(2026, 12, 21), TODAY) == -1
    assert programme().local_date(NOW) == TODAY


# ---- anything at any step, with the data a step may carry -------------------------------------------

_CARRIED: list[dict[str, Json]] = [
    {},
    {"cause": "other", "member": "none", "children": 2},
    {"cause": "both", "member": "since", "since": "2022-03-01", "since_source": "registration", "children": 5},
    {"cause": "accident", "member": "months", "months": 18, "children": 1, "has_registration": True},
    {"cause": "other", "member": "pending", "pending": "returned", "pending_reason": "foto", "children": 0},
    {"cause": "other", "member": "since", "since": "not a date", "children": "two"},
    {"active": True, "cause": ["odd"]},
]
_STATES = [
    SessionState("calculator", 1, step, data)
    for step in ("cause", "membership", "children", "end")
    for data in _CARRIED
]


@pytest.mark.parametrize("state", _STATES)
@settings(max_examples=60, deadline=None)
@given(
    text=st.one_of(
        st.text(max_size=40), st.sampled_from(["1", "2", "3", "4", "0", "menu utama", "hitung lagi", "daftar"])
    )
)
def test_any_text_at_any_step_with_data(state: SessionState, text: str) -> None:
    for language in ("id", "en"):
        outcome = run_once(ENGINE, state, inbound(text), context(language))
        assert outcome.replies
        for reply in outcome.replies:
            body, labels = render(reply, language)
            assert body.strip()
            assert len(body) <= 4096
            assert all(0 < len(label) <= 64 for label in labels)
