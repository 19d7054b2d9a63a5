"""Klaim ahli waris: the checklist built from the programme file, typed amounts and dates, and the
conversation through the engine, with the store's answers given here (no database)."""

from __future__ import annotations

from dataclasses import dataclass, field, replace
from datetime import date

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conversations.claim_checklist import (
    ScholarshipOutcome,
    add_working_days,
    build_checklist,
    claim_deadline_passed,
    find_document,
    jkk_deadline_passed,
    membership_years,
)
from conversations.consent import CLAIM_DATA, PERSONAL_DATA
from conversations.coverage import Membership, Verdict
from conversations.effects import RecordConsent
from conversations.engine import Engine, Outcome
from conversations.flow import ContactInfo
from conversations.flows import ALL_FLOWS, MAIN_MENU
from conversations.flows.claims import CASE_KEYS, CaseOption, ClaimCase, ClaimData, claim_flow, parse_day, parse_rupiah
from conversations.flows.privacy import NOTICE_VERSIONS
from conversations.inbound import InboundKind
from conversations.messages import Money, msg
from conversations.requests.accidents import FindParticipant, ParticipantFound, ParticipantNotFound
from conversations.requests.base import (
    NotAllowed,
    Request,
)
from conversations.requests.claims import (
    ClaimCaseSaved,
    ClaimCaseView,
    ListClaimCases,
    SaveClaimCase,
    TellDinasNotCovered,
)
from conversations.state import IDLE, Json, SessionState
from tests.core_support import (
    NOW,
    catalogs,
    choice_ids,
    context,
    default_answer,
    inbound,
    keys,
    participant_found,
    programme,
    render_reply,
    run,
)

ENGINE = Engine(ALL_FLOWS, MAIN_MENU)
TODAY = date(2026, 11, 21)  # NOW in Asia/Jakarta
NIK = "3375011708750001"
NIK_ELSEWHERE = "3201011708750001"  # issued in Kab. Bogor: still fine, the NIK's area never changes
KPJ = "12345678901"
JKM = (
    "kartu_peserta",
    "ktp_almarhum",
    "ktp_ahli_waris",
    "akta_kematian",
    "kartu_keluarga",
    "surat_ahli_waris",
    "buku_nikah",
    "buku_tabungan",
)
JKK = ("formulir_3", "formulir_3a", "formulir_3b", "kronologi_saksi", "laporan_polisi", "kuitansi", "buku_tabungan")
SCHOLARSHIP = (
    "formulir_beasiswa",
    "akta_kelahiran_anak",
    "kartu_keluarga",
    "surat_sekolah",
    "rapor",
    "rekening",
    "ktp_wali",
)


def _ids(*lists: tuple[str, ...], drop: tuple[str, ...] = ()) -> tuple[str, ...]:
    seen: list[str] = []
    for document in (d for listed in lists for d in listed):
        if document not in seen and document not in drop:
            seen.append(document)
    return tuple(seen)


# ---- the checklist ---------------------------------------------------------------------------------


def _checklist(
    cause: str = "illness",
    relationship: str = "spouse",
    children: int = 0,
    died_on: date = date(2026, 11, 15),
    coverage_start: date | None = date(2021, 1, 4),
) -> tuple[str, ...]:
    return build_checklist(
        programme(),
        cause=cause,
        relationship=relationship,
        children=children,
        died_on=died_on,
        coverage_start=coverage_start,
    ).document_ids


def test_the_programme_lists_are_the_ones_these_tests_expect() -> None:
    claims = programme().claims
    assert tuple(d.id for d in claims.jkm_documents) == JKM
    assert tuple(d.id for d in claims.jkk_documents) == JKK
    assert tuple(d.id for d in claims.scholarship_documents) == SCHOLARSHIP


def test_illness_with_the_spouse_as_heir_needs_the_jkm_documents_with_the_marriage_book() -> None:
    checklist = build_checklist(
        programme(), cause="illness", relationship="spouse", children=0, died_on=TODAY, coverage_start=None
    )
    assert checklist.document_ids == JKM
    assert not checklist.work_accident
    assert checklist.benefit == programme().benefits.jkm.total == 42_000_000
    assert checklist.payment_working_days == programme().claims.jkm_payment_working_days == 3
    assert checklist.scholarship is ScholarshipOutcome.NO_CHILDREN
    assert checklist.scholarship_total == 0


@pytest.mark.parametrize("relationship", ["child", "parent", "sibling", "other"])
def test_the_marriage_book_only_for_the_spouse(relationship: str) -> None:
    assert _checklist(relationship=relationship) == _ids(JKM, drop=("buku_nikah",))


def test_a_work_accident_needs_the_jkk_documents_then_the_heir_documents_without_the_police_report() -> None:
    checklist = build_checklist(
        programme(), cause="work_accident", relationship="child", children=0, died_on=TODAY, coverage_start=None
    )
    assert checklist.document_ids == _ids(JKK, JKM, drop=("laporan_polisi", "buku_nikah"))
    assert checklist.document_ids.count("buku_tabungan") == 1
    assert checklist.document_ids.index("buku_tabungan") < checklist.document_ids.index("kartu_peserta")
    assert checklist.work_accident
    assert checklist.benefit == programme().benefits.jkk_death_total(programme().premium.declared_income)
    assert checklist.benefit == 70_000_000
    assert checklist.payment_working_days == programme().claims.jkk_payment_working_days == 7


def test_a_road_accident_on_the_way_to_work_adds_the_police_report() -> None:
    documents = _checklist(cause="road_accident", relationship="spouse")
    assert documents == _ids(JKK, JKM)
    assert "laporan_polisi" in documents


def test_scholarship_documents_after_a_work_accident_whatever_the_membership() -> None:
    checklist = build_checklist(
        programme(),
        cause="work_accident",
        relationship="spouse",
        children=1,
        died_on=TODAY,
        coverage_start=date(2026, 6, 1),
    )
    assert checklist.scholarship is ScholarshipOutcome.INCLUDED
    assert checklist.document_ids == _ids(JKK, JKM, SCHOLARSHIP, drop=("laporan_polisi",))
    assert checklist.scholarship_total == programme().benefits.scholarship.per_child_total == 87_000_000


def test_scholarship_after_illness_needs_the_minimum_membership() -> None:
    long_enough = build_checklist(
        programme(), cause="illness", relationship="spouse", children=2, died_on=TODAY, coverage_start=date(2021, 1, 4)
    )
    assert long_enough.scholarship is ScholarshipOutcome.INCLUDED
    assert long_enough.document_ids == _ids(JKM, SCHOLARSHIP)
    assert long_enough.document_ids.count("kartu_keluarga") == 1
    assert long_enough.scholarship_total == 174_000_000
    assert long_enough.membership_years == 5

    too_short = build_checklist(
        programme(), cause="illness", relationship="spouse", children=2, died_on=TODAY, coverage_start=date(2024, 1, 4)
    )
    assert too_short.scholarship is ScholarshipOutcome.TOO_SHORT
    assert too_short.document_ids == JKM
    assert too_short.scholarship_total == 0


def test_scholarship_exactly_at_the_minimum_counts() -> None:
    years = programme().benefits.scholarship.min_membership_years_if_not_work_accident
    died = date(2026, 3, 10)
    on_the_day = build_checklist(
        programme(),
        cause="illness",
        relationship="child",
        children=1,
        died_on=died,
        coverage_start=date(died.year - years, died.month, died.day),
    )
    a_day_short = build_checklist(
        programme(),
        cause="illness",
        relationship="child",
        children=1,
        died_on=died,
        coverage_start=date(died.year - years, died.month, died.day + 1),
    )
    assert on_the_day.scholarship is ScholarshipOutcome.INCLUDED
    assert a_day_short.scholarship is ScholarshipOutcome.TOO_SHORT


def test_scholarship_when_the_membership_start_is_not_known_depends_on_it_and_is_listed() -> None:
    checklist = build_checklist(
        programme(), cause="illness", relationship="spouse", children=1, died_on=TODAY, coverage_start=None
    )
    assert checklist.scholarship is ScholarshipOutcome.DEPENDS
    assert checklist.document_ids == _ids(JKM, SCHOLARSHIP)
    assert checklist.membership_years is None


def test_children_above_the_maximum_are_counted_at_the_maximum() -> None:
    checklist = build_checklist(
        programme(), cause="work_accident", relationship="spouse", children=5, died_on=TODAY, coverage_start=None
    )
    most = programme().benefits.scholarship.max_children
    assert checklist.scholarship_children == most
    assert checklist.scholarship_total == most * programme().benefits.scholarship.per_child_total


def test_membership_years() -> None:
    assert membership_years(None, TODAY) is None
    assert membership_years(date(2021, 1, 4), date(2024, 1, 3)) == 2
    assert membership_years(date(2021, 1, 4), date(2024, 1, 4)) == 3
    assert membership_years(date(2027, 1, 1), TODAY) == 0  # started after the death


def test_find_document_looks_in_every_list() -> None:
    assert find_document(programme(), "laporan_polisi") is not None
    assert find_document(programme(), "ktp_wali") is not None
    assert find_document(programme(), "nothing") is None


def test_the_jkk_deadline_counts_from_the_death_and_jkm_has_none() -> None:
    years = programme().benefits.jkk.claim_deadline_years
    long_ago = date(TODAY.year - years, TODAY.month, TODAY.day - 1)
    assert jkk_deadline_passed(programme(), "work_accident", long_ago, TODAY)
    assert jkk_deadline_passed(programme(), "road_accident", long_ago, TODAY)
    assert not jkk_deadline_passed(programme(), "work_accident", date(TODAY.year - years, TODAY.month, 22), TODAY)
    assert not jkk_deadline_passed(programme(), "illness", long_ago, TODAY)
    assert programme().benefits.jkm.claim_deadline_years is None
    assert not claim_deadline_passed(programme(), "illness", date(1990, 1, 1), TODAY)


@pytest.mark.parametrize(
    ("start", "days", "expected"),
    [
        (date(2026, 11, 21), 3, date(2026, 11, 25)),  # Saturday → Wednesday
        (date(2026, 11, 23), 3, date(2026, 11, 26)),  # Monday → Thursday
        (date(2026, 11, 20), 7, date(2026, 12, 1)),  # Friday → Tuesday week
        (date(2026, 11, 20), 0, date(2026, 11, 20)),
    ],
)
def test_add_working_days_skips_weekends(start: date, days: int, expected: date) -> None:
    assert add_working_days(start, days) == expected


# ---- typed amounts and dates ----------------------------------------------------------------------


@pytest.mark.parametrize(
    ("text", "amount"),
    [
        ("42 juta", 42_000_000),
        ("42jt", 42_000_000),
        ("42 JT", 42_000_000),
        ("42.000.000", 42_000_000),
        ("42,000,000", 42_000_000),
        ("Rp42.000.000", 42_000_000),
        ("Rp 42.000.000,00", 42_000_000),
        ("rp. 42.000.000", 42_000_000),
        ("42000000", 42_000_000),
        ("42.000.000 rupiah", 42_000_000),
        ("42,5 juta", 42_500_000),
        ("42.5 jt", 42_500_000),
        ("70 juta", 70_000_000),
        ("500 ribu", 500_000),
        ("500rb", 500_000),
        ("1.500 ribu", 1_500_000),
    ],
)
def test_amounts_as_people_type_them(text: str, amount: int) -> None:
    assert parse_rupiah(text) == amount


@pytest.mark.parametrize(
    "text", ["", "42", "sudah", "empat puluh dua juta", "0", "0 juta", "42,5", "4.2.1", "juta", "42 juta 5"]
)
def test_amounts_that_are_not_clear_are_refused(text: str) -> None:
    assert parse_rupiah(text) is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("hari ini", TODAY),
        ("Kemarin", date(2026, 11, 20)),
        ("3 hari lalu", date(2026, 11, 18)),
        ("15-11-2026", date(2026, 11, 15)),
        ("15 November 2026", date(2026, 11, 15)),
        ("1-12-2026", date(2026, 12, 1)),  # in the future: the caller refuses it and says why
    ],
)
def test_days_as_people_type_them(text: str, expected: date) -> None:
    assert parse_day(text, TODAY) == expected


@pytest.mark.parametrize("text", ["", "lusa", "32-11-2026", "abc"])
def test_days_that_are_not_dates(text: str) -> None:
    assert parse_day(text, TODAY) is None


# ---- the conversation, with the store's answers given here ------------------------------------------


@dataclass
class Store:
    """Answers the claim requests as bot/inbound/dispatcher.py does, for one person."""

    found: ParticipantFound | ParticipantNotFound = field(default_factory=ParticipantNotFound)
    cases: dict[int, dict[str, Json]] = field(default_factory=dict)
    requests: list[Request[object]] = field(default_factory=list)
    save_answer: object | None = None  # answer saves with this instead of saving (NotAllowed, None)
    linked: Membership | None = None  # what the registration every case is linked to says today

    def answer(self, request: Request[object]) -> object:
        self.requests.append(request)
        match request:
            case FindParticipant():
                return self.found
            case ListClaimCases():
                linked = (1, self.linked) if self.linked is not None else (None, None)
                return tuple(
                    ClaimCaseView(i, dict(c), NOW, NOW, *linked) for i, c in sorted(self.cases.items(), reverse=True)
                )
            case SaveClaimCase() if self.save_answer is not None or request.case_id not in (None, *self.cases):
                return self.save_answer or NotAllowed()
            case SaveClaimCase():
                case_id = request.case_id or max(self.cases, default=0) + 1
                self.cases[case_id] = {k: v for k, v in request.case.items() if k != "nik"}
                return ClaimCaseSaved(case_id)
        return default_answer(request)  # another flow, reached by typing its name

    def saves(self) -> list[SaveClaimCase]:
        return [r for r in self.requests if isinstance(r, SaveClaimCase)]


@dataclass
class Chat:
    store: Store = field(default_factory=Store)
    state: SessionState = IDLE
    language: str = "id"

    def say(self, text: str = "", *, choice: str | None = None) -> Outcome:
        kind = InboundKind.CHOICE if choice is not None else InboundKind.TEXT
        message = inbound(text, kind=kind, choice_id=choice)
        outcome = run(ENGINE, self.state, message, context(self.language, consented=True), self.store.answer)
        assert outcome.fetch is None
        self.state = outcome.state
        return outcome

    def texts(self, outcome: Outcome) -> str:
        return "\n---\n".join(render_reply(reply, self.language)[0] for reply in outcome.replies)


def _covered() -> Store:
    """The deceased is on record, protected since 4 January 2021 (years before any death asked about)."""
    return Store(found=participant_found(date(2021, 1, 5), date(2021, 1, 4)))


def _all_keys(outcome: Outcome) -> list[str]:
    return [key for reply in keys(outcome) for key in reply]


def _new_case(
    chat: Chat, *, who: str = NIK, cause: str = "sakit", died: str = "15-11-2026", heir: str = "istri"
) -> None:
    chat.say("klaim")
    chat.say(who)
    chat.say(cause)
    chat.say(died)
    chat.say(heir)


def test_a_new_case_from_start_to_the_first_document() -> None:
    store = Store(found=participant_found(date(2026, 1, 5), date(2021, 1, 4)))
    chat = Chat(store)

    opened = chat.say("klaim ahli waris")
    assert _all_keys(opened) == ["claims.condolence", "claims.ask_who"]
    assert choice_ids(opened) == [[], ["unknown"]]

    found = chat.say(NIK)
    assert FindParticipant(nik=NIK) in store.requests
    assert _all_keys(found) == ["claims.found", "claims.ask_cause"]
    assert "2021" not in chat.texts(found)  # protection depends on the day of death, not asked yet
    assert ClaimData.load(chat.state.data).nik == NIK  # sealed by the store while the case is not created

    assert _all_keys(chat.say("sakit")) == ["claims.ask_died_on"]
    dated = chat.say("15-11-2026")
    assert _all_keys(dated) == ["claims.covered", "claims.ask_relationship"]
    assert "pada 15 November 2026 beliau terlindungi" in chat.texts(dated)
    assert "sejak 4 Januari 2021" in chat.texts(dated)
    heirs = chat.say("istri")
    assert _all_keys(heirs) == ["claims.heirs_order", "claims.heirs_not_decided", "claims.ask_has_children"]
    assert choice_ids(chat.say("ya")) == [["1", "2"]]

    created = chat.say("2")
    assert _all_keys(created) == [
        "claims.can_claim_jkm",
        "claims.scholarship",
        "claims.documents_count",
        "claims.doc_how",
    ]
    text = chat.texts(created)
    assert text.startswith("Rp42.000.000")
    assert "Rp174.000.000" in text
    assert "Dokumen 1 dari 14: Kartu peserta" in text
    assert choice_ids(created)[-1] == ["have", "not_yet", "list", "later"]

    first = store.saves()[0]
    assert first.case_id is None
    assert first.case["nik"] == NIK  # sent once, for the store to find the registration
    assert store.cases[1] == {
        "status": "collecting",
        "cause": "illness",
        "died_on": "2026-11-15",
        "relationship": "spouse",
        "children": 2,
        "registered_on": "2026-01-05",
        "coverage_start": "2021-01-04",
        "worker_status": "active",
        "coverage": "covered",
        "kpj": "",
        "documents": list(_ids(JKM, SCHOLARSHIP)),
        "collected": [],
    }
    assert ClaimData.load(chat.state.data).nik == ""
    assert ClaimData.load(chat.state.data).case_id == 1
    assert set(store.cases[1]) <= set(CASE_KEYS)


def test_a_nik_issued_elsewhere_is_fine_and_a_kpj_works_too() -> None:
    chat = Chat()
    chat.say("klaim")
    assert _all_keys(chat.say(NIK_ELSEWHERE)) == ["claims.not_found", "claims.ask_cause"]
    assert FindParticipant(nik=NIK_ELSEWHERE) in chat.store.requests

    by_kpj = Chat()
    by_kpj.say("klaim")
    by_kpj.say(f"KPJ {KPJ[:4]} {KPJ[4:]}")
    assert FindParticipant(kpj=KPJ) in by_kpj.store.requests
    assert ClaimData.load(by_kpj.state.data).case.kpj == KPJ
    assert ClaimData.load(by_kpj.state.data).nik == ""


@pytest.mark.parametrize("text", [f"bapak sy, nik nya {NIK}", f"ini NIK almarhum {NIK[:4]} {NIK[4:8]} {NIK[8:]} pak"])
def test_a_nik_inside_a_sentence_is_looked_up(text: str) -> None:
    chat = Chat()
    chat.say("klaim")
    chat.say(text)
    assert FindParticipant(nik=NIK) in chat.store.requests
    assert ClaimData.load(chat.state.data).nik == NIK


def test_two_niks_in_one_answer_are_asked_again() -> None:
    chat = Chat()
    chat.say("klaim")
    assert _all_keys(chat.say(f"{NIK} atau 3375014506850001")) == ["nik.several", "claims.ask_who"]
    assert not chat.store.requests[1:]


@pytest.mark.parametrize(
    ("text", "problem"),
    [
        ("3375013208750001", "nik.bad_day"),
        ("9975011708750001", "nik.unknown_province"),
        ("3375011708750000", "nik.serial_zero"),
        ("12345", "claims.who_count"),
        ("pak budi", "claims.who_not_understood"),
    ],
)
def test_a_wrong_number_says_what_to_type(text: str, problem: str) -> None:
    chat = Chat()
    chat.say("klaim")
    wrong = chat.say(text)
    assert _all_keys(wrong) == [problem, "claims.ask_who"]
    assert chat.state.step == "who"
    assert not chat.store.requests[1:]  # nothing looked up


def test_not_knowing_the_number_is_allowed_and_nothing_is_looked_up() -> None:
    chat = Chat()
    chat.say("klaim")
    unknown = chat.say("tidak tahu")
    assert _all_keys(unknown) == ["claims.who_unknown", "claims.ask_cause"]
    assert not any(isinstance(r, FindParticipant) for r in chat.store.requests)


@pytest.mark.parametrize(("text", "problem"), [("besok", "claims.bad_date"), ("1-12-2026", "claims.date_in_future")])
def test_a_death_date_that_is_not_one(text: str, problem: str) -> None:
    chat = Chat()
    chat.say("klaim")
    chat.say("tidak tahu")
    chat.say("sakit")
    assert _all_keys(chat.say(text)) == [problem, "claims.ask_died_on"]
    assert chat.state.step == "died_on"


def test_a_work_accident_past_the_jkk_deadline_is_warned_and_jkm_has_no_limit() -> None:
    chat = Chat()
    chat.say("klaim")
    chat.say("tidak tahu")
    chat.say("kecelakaan kerja")
    warned = chat.say("1-3-2020")
    assert _all_keys(warned) == [
        "claims.unconfirmed_no_number",
        "claims.jkk_deadline_passed",
        "claims.jkm_no_deadline",
        "claims.ask_relationship",
    ]
    assert "5 tahun" in chat.texts(warned)


def test_a_death_before_the_membership_started_is_questioned_then_kept_or_changed() -> None:
    chat = Chat(Store(found=participant_found(date(2026, 1, 5), date(2026, 2, 1))))
    chat.say("klaim")
    chat.say(NIK)
    chat.say("sakit")
    asked = chat.say("10-1-2026")
    assert _all_keys(asked) == ["claims.died_before_coverage", "claims.ask_date_right"]
    assert _all_keys(chat.say("ubah tanggal")) == ["claims.ask_died_on"]
    chat.say("10-1-2026")
    kept = chat.say("ya")
    assert _all_keys(kept) == [
        "claims.not_covered_before_start",
        "claims.no_promise",
        "claims.not_covered_help",
        "engine.type_menu",
    ]
    assert "baru mulai 1 Februari 2026, sesudah tanggal meninggal (10 Januari 2026)" in chat.texts(kept)
    assert "Rp" not in chat.texts(kept)
    told = [r for r in chat.store.requests if isinstance(r, TellDinasNotCovered)]
    assert told == [TellDinasNotCovered(1, date(2026, 1, 10), "illness", Verdict.NOT_YET)]
    assert not chat.store.saves()  # no claim case: nothing this programme would pay
    assert chat.state == IDLE


@pytest.mark.parametrize(
    ("text", "children"),
    [("1", 1), ("2", 2), ("3", 2), ("dua", 2), ("5 anak", 2), ("3 anak", 2), ("1 anak", 1), ("satu", 1)],
)
def test_school_age_children_are_counted_up_to_the_maximum(text: str, children: int) -> None:
    chat = Chat()
    _new_case(chat, who="tidak tahu")
    chat.say("ya")
    chat.say(text)
    assert chat.store.cases[1]["children"] == children


def test_no_children_and_a_muddled_count() -> None:
    chat = Chat()
    _new_case(chat, who="tidak tahu")
    chat.say("ya")
    assert _all_keys(chat.say("banyak")) == ["claims.bad_children", "claims.ask_children"]

    none = Chat()
    _new_case(none, who="tidak tahu")
    none.say("tidak")
    assert none.store.cases[1]["children"] == 0
    assert none.store.cases[1]["documents"] == list(JKM)


def test_unconfirmed_protection_lists_the_scholarship_documents_and_names_no_amount() -> None:
    chat = Chat()
    _new_case(chat, who="tidak tahu")
    chat.say("ya")
    created = chat.say("1")
    assert _all_keys(created)[:2] == ["claims.amount_by_branch", "claims.scholarship_documents_included"]
    assert "Rp" not in chat.texts(created)
    assert chat.store.cases[1]["documents"] == list(_ids(JKM, SCHOLARSHIP))
    assert chat.store.cases[1]["coverage"] == "unconfirmed"


def test_too_short_a_membership_says_so_and_leaves_the_scholarship_out() -> None:
    chat = Chat(Store(found=participant_found(date(2025, 1, 5), date(2025, 2, 1))))
    _new_case(chat)
    chat.say("ya")
    created = chat.say("1")
    assert "claims.scholarship_too_short" in _all_keys(created)
    assert "claims.scholarship" not in _all_keys(created)
    assert chat.store.cases[1]["documents"] == list(JKM)


def test_a_road_accident_lists_the_police_report_with_how_to_get_it() -> None:
    chat = Chat(_covered())
    _new_case(chat, cause="2", heir="anak")
    created = chat.say("tidak")
    assert "claims.can_claim_jkk" in _all_keys(created)
    assert chat.texts(created).startswith("Rp70.000.000")
    documents = chat.store.cases[1]["documents"]
    assert isinstance(documents, list)
    assert "laporan_polisi" in documents
    assert "buku_nikah" not in documents
    reached = created
    for _ in range(documents.index("laporan_polisi")):
        reached = chat.say("sudah")
    police = chat.texts(reached)
    assert "Dokumen 5 dari 13: Laporan polisi" in police
    assert "Unit Laka Lantas" in police


# ---- one document at a time ---------------------------------------------------------------------


def _collecting(children: str = "tidak") -> Chat:
    chat = Chat()
    _new_case(chat, who="tidak tahu")
    chat.say(children)
    return chat


@pytest.mark.parametrize("text", ["sudah", "ada", "Sudah ada", "1", "udah"])
def test_a_tick_is_saved_at_once(text: str) -> None:
    chat = _collecting()
    ticked = chat.say(text)
    save = chat.store.saves()[-1]
    assert save.case_id == 1
    assert save.case["collected"] == ["kartu_peserta"]
    assert "nik" not in save.case
    assert set(save.case) <= set(CASE_KEYS)
    assert _all_keys(ticked) == ["claims.doc"]
    assert "Dokumen 2 dari 8" in chat.texts(ticked)


def test_not_yet_is_saved_and_moves_on_and_the_missing_ones_come_round_again() -> None:
    chat = _collecting()
    saves = len(chat.store.saves())
    assert "Dokumen 2 dari 8" in chat.texts(chat.say("belum"))
    assert len(chat.store.saves()) == saves + 1
    assert chat.store.cases[1]["pending"] == ["kartu_peserta"]
    for _ in range(6):
        chat.say("sudah")
    last = chat.say("belum")  # document 8 not yet either: every document has been seen
    assert _all_keys(last) == ["claims.round_done"]
    assert "Siap 6 dari 8" in chat.texts(last)
    assert choice_ids(last) == [["again", "later"]]
    again = chat.say("cek lagi")
    assert "Dokumen 1 dari 8" in chat.texts(again)
    assert "Dokumen 8 dari 8" in chat.texts(chat.say("belum"))


def test_kembali_at_a_document_never_opens_the_case_twice() -> None:
    chat = _collecting()
    assert _all_keys(chat.say("kembali")) == ["navigation.nothing_before", "claims.doc_how"]
    chat.say("sudah")
    assert _all_keys(chat.say("kembali")) == ["navigation.nothing_before", "claims.doc"]
    assert len(chat.store.cases) == 1


def test_a_case_opened_before_coverage_was_judged_is_judged_once_when_the_heir_comes_back() -> None:
    old_case: dict[str, Json] = {
        "status": "collecting",
        "cause": "illness",
        "died_on": "2026-11-15",
        "relationship": "spouse",
        "children": 0,
        "registered_on": "2026-11-10",
        "kpj": "",
        "documents": list(JKM),
        "collected": ["kartu_peserta"],
    }
    store = Store(cases={1: dict(old_case)}, linked=Membership("approved", None))
    chat = Chat(store)
    chat.say("lanjut klaim")
    judged = chat.say("1")
    assert _all_keys(judged)[:3] == ["claims.not_covered_pending", "claims.no_promise", "claims.not_covered_help"]
    assert "Rp" not in chat.texts(judged)
    assert [r for r in store.requests if isinstance(r, TellDinasNotCovered)] == [
        TellDinasNotCovered(1, date(2026, 11, 15), "illness", Verdict.NOT_YET)
    ]
    assert store.cases[1]["coverage"] == "not_yet"
    assert chat.state.step == "doc"  # the documents may still serve at the branch: the list goes on

    chat.say("nanti")
    chat.say("lanjut klaim")
    again = chat.say("1")
    assert "claims.not_covered_pending" not in _all_keys(again)  # said once
    assert len([r for r in store.requests if isinstance(r, TellDinasNotCovered)]) == 1


def test_the_list_shows_what_is_collected() -> None:
    chat = _collecting()
    chat.say("sudah")
    listed = chat.say("lihat daftar")
    assert _all_keys(listed) == ["claims.list", "claims.doc"]
    text = chat.texts(listed)
    assert "✓ Kartu peserta" in text
    assert "• KTP almarhum" in text
    assert "Dokumen 2 dari 8" in text


def test_later_saves_and_finishes_and_lanjut_klaim_goes_on_from_the_first_document_not_answered() -> None:
    chat = _collecting()
    chat.say("belum")
    chat.say("sudah")  # document 2
    later = chat.say("lanjut nanti")
    assert _all_keys(later) == ["claims.later", "engine.type_menu"]
    assert "1 dari 8" in chat.texts(later)
    assert chat.state == IDLE

    back = chat.say("lanjut klaim")
    assert _all_keys(back) == ["claims.open_cases"]
    assert choice_ids(back) == [["1", "new"]]
    assert render_reply(back.replies[0], "id")[1][0] == "Klaim dibuka 21 November 2026, 1 dari 8 dokumen siap"
    resumed = chat.say("1")
    assert _all_keys(resumed) == ["claims.welcome_back", "claims.doc"]
    assert "Dokumen 3 dari 8" in chat.texts(resumed)  # 1 was "belum", 2 ticked: 3 is the first not answered


def test_receipts_can_be_marked_as_not_needed() -> None:
    chat = Chat()
    _new_case(chat, who="tidak tahu", cause="kecelakaan kerja", heir="anak")
    chat.say("tidak")
    for _ in range(4):
        chat.say("sudah")
    receipts = chat.say("lihat daftar")
    assert choice_ids(receipts)[-1] == ["have", "not_needed", "not_yet", "list", "later"]
    chat.say("tidak perlu")
    assert chat.store.cases[1]["not_needed"] == ["kuitansi"]
    assert chat.store.cases[1]["collected"] == [
        "formulir_3",
        "formulir_3a",
        "formulir_3b",
        "kronologi_saksi",
        "kuitansi",
    ]
    assert "✓ Kuitansi biaya (jika dirawat di luar fasilitas kesehatan mitra) (tidak perlu)" in chat.texts(
        chat.say("lihat daftar")
    )


def _ready(chat: Chat) -> Outcome:
    documents = chat.store.cases[1]["documents"]
    assert isinstance(documents, list)
    for _ in documents[:-1]:
        chat.say("sudah")
    return chat.say("sudah")


def test_all_collected_is_ready_where_to_submit_and_what_if_it_is_late() -> None:
    chat = _collecting()
    ready = _ready(chat)
    assert chat.store.cases[1]["status"] == "ready"
    assert _all_keys(ready) == [
        "claims.all_ready",
        "claims.where",
        "claims.bring",
        "claims.how_long",
        "claims.escalate",
        "claims.late_penalty",
        "claims.ask_submitted",
    ]
    text = chat.texts(ready)
    assert "BPJS Ketenagakerjaan Kantor Cabang Pekalongan (alamatnya belum tercatat" in text
    assert "call centre 175" in text
    assert "Lapak Asik" in text
    assert "JMO" in text
    assert "paling lambat 3 hari kerja" in text
    assert "1% per hari" in text
    assert "Dinperinaker" in text
    assert choice_ids(ready)[-1] == ["submitted", "not_submitted"]

    submitted = chat.say("sudah saya ajukan")
    assert chat.store.cases[1]["status"] == "submitted"
    assert chat.store.cases[1]["submitted_on"] == "2026-11-21"
    assert _all_keys(submitted) == ["claims.submitted", "engine.type_menu"]


def test_a_ready_case_shows_the_submission_again_and_later_finishes() -> None:
    chat = _collecting()
    _ready(chat)
    assert _all_keys(chat.say("nanti")) == ["claims.submit_later", "engine.type_menu"]
    assert chat.store.cases[1]["status"] == "ready"
    chat.say("lanjut klaim")
    again = chat.say("1")
    assert _all_keys(again)[0] == "claims.where"
    assert chat.state.step == "ready"


# ---- the outcome --------------------------------------------------------------------------------


def _submitted(cause: str = "sakit", submitted_on: str = "2026-11-21") -> Chat:
    chat = Chat(_covered())
    _new_case(chat, cause=cause)
    chat.say("tidak")
    _ready(chat)
    chat.say("sudah saya ajukan")
    chat.store.cases[1]["submitted_on"] = submitted_on
    chat.say("lanjut klaim")
    outcome = chat.say("1")
    assert _all_keys(outcome) == ["claims.ask_outcome"]
    assert choice_ids(outcome) == [["paid", "rejected", "waiting"]]
    return chat


def test_paid_with_amount_and_date_is_recorded() -> None:
    chat = _submitted()
    asked = chat.say("sudah dibayar")
    assert "misalnya Rp42.000.000 atau 42 juta" in chat.texts(asked)
    assert _all_keys(chat.say("empat puluh dua")) == ["claims.bad_amount", "claims.ask_amount"]
    assert _all_keys(chat.say("4 milyar")) == ["claims.bad_amount", "claims.ask_amount"]
    assert _all_keys(chat.say("900 juta")) == ["claims.amount_too_large", "claims.ask_amount"]
    assert _all_keys(chat.say("42jt")) == ["claims.ask_paid_on"]
    assert _all_keys(chat.say("1-1-2026")) == ["claims.paid_before_death", "claims.ask_paid_on"]
    paid = chat.say("hari ini")
    assert chat.store.cases[1]["status"] == "paid"
    assert chat.store.cases[1]["amount_paid"] == 42_000_000
    assert chat.store.cases[1]["paid_on"] == "2026-11-21"
    assert _all_keys(paid) == ["claims.paid", "claims.paid_closing", "engine.type_menu"]
    assert "Rp42.000.000 diterima 21 November 2026" in chat.texts(paid)
    closed = chat.say("lanjut klaim")  # nothing open any more
    assert _all_keys(closed) == ["claims.earlier_cases_closed", "claims.condolence", "claims.ask_who"]


def test_paid_less_than_expected_points_to_the_branch() -> None:
    chat = _submitted(cause="kecelakaan kerja")
    chat.say("sudah dibayar")
    chat.say("42.000.000")
    paid = chat.say("20-11-2026")
    assert _all_keys(paid) == ["claims.paid", "claims.paid_less", "claims.paid_closing", "engine.type_menu"]
    assert "Rp70.000.000" in chat.texts(paid)


def test_rejected_with_a_reason() -> None:
    chat = _submitted()
    assert _all_keys(chat.say("ditolak")) == ["claims.ask_reason"]
    assert _all_keys(chat.say(".")) == ["claims.bad_reason", "claims.ask_reason"]
    assert _all_keys(chat.say("x" * 400)) == ["limit.too_long", "claims.ask_reason"]
    rejected = chat.say("kepesertaan tidak aktif")
    assert chat.store.cases[1]["status"] == "rejected"
    assert chat.store.cases[1]["reason"] == "kepesertaan tidak aktif"
    assert _all_keys(rejected) == ["claims.rejected", "engine.type_menu"]
    assert "call centre 175" in chat.texts(rejected)


def test_no_news_yet_within_the_working_days() -> None:
    chat = _submitted(submitted_on="2026-11-20")
    waiting = chat.say("belum ada kabar")
    assert _all_keys(waiting) == ["claims.waiting", "engine.type_menu"]
    assert "25 November 2026" in chat.texts(waiting)  # Friday + 3 working days
    assert chat.store.cases[1]["status"] == "submitted"  # saved again, so a reminder comes again later


def test_no_news_past_the_working_days_escalates() -> None:
    chat = _submitted(submitted_on="2026-11-02")
    late = chat.say("belum ada kabar")
    assert _all_keys(late) == ["claims.waiting_late", "claims.late_penalty", "engine.type_menu"]
    assert "Dinperinaker" in chat.texts(late)


# ---- saving that does not work, cases left halfway, and the menu ------------------------------------


def test_a_case_that_is_not_this_persons_is_refused() -> None:
    chat = _collecting()
    chat.store.save_answer = NotAllowed()
    refused = chat.say("sudah")
    assert _all_keys(refused) == ["claims.not_allowed", "engine.type_menu"]


def test_a_save_that_did_not_happen_can_be_tried_again_and_nothing_is_lost() -> None:
    chat = Chat()
    _new_case(chat, who=NIK)
    chat.store.save_answer = "broken"
    failed = chat.say("tidak")
    assert _all_keys(failed) == ["claims.not_saved", "claims.ask_retry"]
    assert ClaimData.load(chat.state.data).nik == NIK
    chat.store.save_answer = None
    retried = chat.say("coba lagi")
    assert "claims.documents_count" in _all_keys(retried)
    assert chat.store.cases == {1: chat.store.cases[1]}
    assert ClaimData.load(chat.state.data).nik == ""


def test_answers_before_the_case_exists_are_kept_when_leaving_halfway() -> None:
    chat = Chat()
    chat.say("klaim")
    chat.say("tidak tahu")
    chat.say("sakit")
    chat.say("menu")
    back = chat.say("lanjut klaim")
    assert _all_keys(back) == ["claims.resume_new"]
    assert _all_keys(chat.say("lanjutkan")) == ["claims.ask_died_on"]


def test_a_new_case_beside_an_open_one() -> None:
    chat = _collecting()
    chat.say("lanjut nanti")
    chat.say("klaim")
    assert _all_keys(chat.say("buka klaim baru")) == ["claims.condolence", "claims.ask_who"]


def test_an_old_session_without_the_case_reloads_it_from_the_store() -> None:
    chat = _collecting()
    chat.state = SessionState("claim", claim_flow.version, "doc", {"current": "x"})
    lost = chat.say("sudah")
    assert _all_keys(lost) == ["engine.pick_a_number", "claims.case_lost"]
    reloaded = chat.say("muat klaim saya")
    assert _all_keys(reloaded) == ["claims.open_cases"]


def test_a_session_saved_before_the_data_had_a_version_keeps_its_case() -> None:
    """Such data kept the case's keys beside the others: they are read as the case, never lost."""
    case: dict[str, Json] = {
        "status": "submitted",
        "cause": "illness",
        "died_on": "2026-11-15",
        "relationship": "spouse",
        "children": 0,
        "registered_on": None,
        "coverage_start": None,
        "kpj": KPJ,
        "documents": list(JKM),
        "collected": list(JKM),
        "not_needed": ["kuitansi"],
        "submitted_on": "2026-11-20",
    }
    chat = Chat(Store(cases={1: dict(case)}))
    chat.state = SessionState("claim", claim_flow.version, "outcome", {"case_id": 1, "opened_on": "2026-11-20", **case})
    waiting = chat.say("belum ada kabar")
    assert _all_keys(waiting) == ["claims.waiting", "engine.type_menu"]
    assert "20 November 2026" in chat.texts(waiting)
    assert chat.store.saves()[-1].case == case

    halfway = Chat(state=SessionState(None, 0, None, {}, 0, {"claim": {"kpj": "", "registered_on": None}}))
    halfway.say("klaim")
    assert _all_keys(halfway.say("lanjutkan")) == ["claims.ask_cause"]


def test_the_claim_is_in_the_menu_and_the_heir_reads_the_claims_own_privacy_notice() -> None:
    assert "claim" in [c.id for c in ENGINE.menu_choices(context())]
    notice = run(ENGINE, IDLE, inbound("klaim"), context(), Store().answer)
    assert keys(notice)[0][0] == "privacy.claim_notice"
    text = render_reply(notice.replies[0], "id")[0]
    assert "Tentang almarhum" in text
    assert "tulang punggung" not in text  # the registration notice's breadwinner question is not the heir's

    agreed = run(ENGINE, notice.state, inbound("setuju"), context(), Store().answer)
    assert agreed.effects[0] == RecordConsent(CLAIM_DATA, NOTICE_VERSIONS[CLAIM_DATA], granted=True)
    assert _all_keys(agreed)[-2:] == ["claims.condolence", "claims.ask_who"]


def test_an_heir_reads_and_withdraws_the_claims_consent_from_the_privacy_menu() -> None:
    heir = ContactInfo("terminal", consents=frozenset({CLAIM_DATA}))
    ctx = replace(context(), contact=heir)
    which = run(ENGINE, IDLE, inbound("privasi"), ctx, Store().answer)
    assert _all_keys(which) == ["privacy.which"]
    assert choice_ids(which) == [[PERSONAL_DATA, CLAIM_DATA]]
    notice = run(ENGINE, which.state, inbound("klaim ahli waris"), ctx, Store().answer)
    assert _all_keys(notice) == ["privacy.claim_notice", "privacy.already_agreed_undated"]
    withdrawn = run(ENGINE, notice.state, inbound("tarik persetujuan"), ctx, Store().answer)
    assert withdrawn.effects[0] == RecordConsent(CLAIM_DATA, NOTICE_VERSIONS[CLAIM_DATA], granted=False)
    assert "privacy.withdrawn" in _all_keys(withdrawn)

    worker_only = run(ENGINE, IDLE, inbound("privasi"), context(), Store().answer)
    assert _all_keys(worker_only)[0] == "privacy.notice"  # nothing to choose between


def test_a_worker_who_agreed_to_the_registration_notice_still_reads_the_heirs_notice() -> None:
    registered = replace(
        context(), contact=ContactInfo("terminal", consented=True, consents=frozenset({PERSONAL_DATA}))
    )
    notice = run(ENGINE, IDLE, inbound("klaim"), registered, Store().answer)
    assert keys(notice)[0][0] == "privacy.claim_notice"


def test_english_is_complete_along_the_way() -> None:
    chat = Chat(_covered(), language="en")
    chat.say("klaim")
    chat.say(NIK)
    chat.say("kecelakaan kerja")
    chat.say("kemarin")
    chat.say("anak")
    created = chat.say("tidak")
    assert chat.texts(created).startswith("Rp70,000,000: the benefit for a death from a work accident")
    assert "Document 1 of 12" in chat.texts(created)


def test_the_reminders_render_with_their_placeholders() -> None:
    for language in ("id", "en"):
        assert "3" in catalogs().render(msg("claims.reminder_collecting", missing=3, total=8), language)
        assert catalogs().render(msg("claims.reminder_ready"), language)
        assert catalogs().render(msg("claims.reminder_submitted"), language)
    assert catalogs().render(msg("claims.paid", amount=Money(1), date=TODAY), "id").startswith("Terima kasih")


def test_children_by_button_and_one_child_reads_simply() -> None:
    chat = Chat(_covered())
    _new_case(chat, cause="kecelakaan kerja")
    chat.say("ya")
    by_button = chat.say(choice="2")
    assert chat.store.cases[1]["children"] == 2
    assert "claims.scholarship" in _all_keys(by_button)

    one = Chat(_covered())
    _new_case(one, cause="kecelakaan kerja")
    one.say("ya")
    created = one.say("1 anak")
    assert "claims.scholarship_one_child" in _all_keys(created)
    assert "sampai Rp87.000.000, dari TK sampai kuliah" in one.texts(created)


def test_two_days_ago_in_words() -> None:
    assert parse_day("kemarin lusa", TODAY) == date(2026, 11, 19)


# ---- whatever arrives, at every step of a case in hand ------------------------------------------------

CASE_DATA = ClaimData(
    case=ClaimCase(
        status="collecting",
        cause="road_accident",
        died_on=date(2026, 11, 15),
        relationship="child",
        children=2,
        registered_on=None,
        coverage_start=None,
        kpj=KPJ,
        documents=_ids(JKK, JKM, SCHOLARSHIP, drop=("buku_nikah",)),
        collected=("formulir_3", "kuitansi"),
        not_needed=("kuitansi",),
        pending=("formulir_3a",),
        submitted_on=date(2026, 11, 16),
        amount_paid=70_000_000,
    ),
    case_id=1,
    opened_on=date(2026, 11, 20),
    current="kuitansi",
    has_children=True,
    after="tick",
    options=(CaseOption(id=1, opened_on=date(2026, 11, 20), status="collecting", done=2, total=20),),
)
CLAIM_STEPS = [name for name, step in claim_flow.steps.items() if not hasattr(step, "on_result")]


@pytest.mark.parametrize("step", CLAIM_STEPS)
@settings(max_examples=60, deadline=None)
@given(text=st.one_of(st.text(max_size=40), st.sampled_from(["sudah", "belum", "1", "2", "5", "lanjut klaim", "42jt"])))
def test_any_text_at_any_step_of_a_case_in_hand(step: str, text: str) -> None:
    store = Store(cases={1: CASE_DATA.case.to_store()})
    chat = Chat(store, SessionState("claim", claim_flow.version, step, CASE_DATA.dump()))
    outcome = chat.say(text)
    assert outcome.replies
    assert chat.state.idle or chat.state.flow in ("claim", "menu", *(f.id for f in ALL_FLOWS))
    for reply in outcome.replies:
        for language in ("id", "en"):
            body, labels = render_reply(reply, language)
            assert body.strip()
            assert len(body) <= 4096
            assert all(0 < len(label) <= 64 for label in labels)
    assert all("nik" not in save.case for save in store.saves())
