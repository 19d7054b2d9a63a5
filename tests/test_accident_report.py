"""Lapor kecelakaan kerja, through the engine: who (NIK, KPJ or not known), what, where, when, where
treated, the reporter's contact, the summary and its changes, and what the family is told to take to
the BPJS TK branch before the first-report deadline. The store's answers are given here by hand."""

from __future__ import annotations

from collections.abc import Mapping
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from zoneinfo import ZoneInfo

import pytest

from conversations.engine import Outcome
from conversations.flow import Context
from conversations.flows import build_engine
from conversations.flows.accident_report import AccidentData, report_deadline
from conversations.programme import Office
from conversations.requests.accidents import (
    AccidentReported,
    FindParticipant,
    ParticipantNotFound,
    SubmitAccidentReport,
)
from conversations.requests.base import (
    NotAllowed,
    Request,
)
from conversations.state import IDLE, Json, SessionState
from tests.core_support import MENU, context, inbound, keys, participant_found, programme, render_reply, run

ENGINE = build_engine()
FLOW = "accident_report"
NIK = "3375014506850001"
KPJ = "12345678901"
PHONE = "6281234567890"
# NOW is 21 November 2026, 15.00 WIB.
COMPLETE: dict[str, Json] = {
    "nik": NIK,
    "kpj": "",
    "what": "Jatuh dari becak saat mengantar penumpang, kaki kiri patah",
    "place": "Jl. Hayam Wuruk depan pasar",
    "occurred_on": "2026-11-21",
    "occurred_time": "09:30",
    "treated_at": "Puskesmas",
    "reporter_phone": PHONE,
    "relation": "family",
}
REPORT_KEYS = {
    "nik",
    "kpj",
    "what",
    "place",
    "occurred_on",
    "occurred_time",
    "treated_at",
    "reporter_phone",
    "relation",
}


def at(step: str, data: Mapping[str, Json] | None = None) -> SessionState:
    return SessionState(FLOW, 1, step, dict(data or {}))


def answered(data: Mapping[str, Json]) -> dict[str, Json]:
    """What the saved report holds: the questions answered so far, read through the flow's own codec."""
    return {key: value for key, value in AccidentData.load(data).dump().items() if value is not None and key != "_v"}


def answered_before(key: str) -> dict[str, Json]:
    """The report as far as it is filled in when the question for `key` is asked."""
    order = list(COMPLETE)
    return {k: v for k, v in COMPLETE.items() if order.index(k) < order.index(key)}


@dataclass
class Store:
    """Answers the flow's requests the way the store would, and remembers what it was asked."""

    found: object = field(default_factory=lambda: participant_found(date(2025, 3, 1), None))
    reported: object = field(default_factory=lambda: AccidentReported(report_id=12, admins_told=2))
    asked: list[Request[object]] = field(default_factory=list)

    def answer(self, request: Request[object]) -> object:
        self.asked.append(request)
        if isinstance(request, FindParticipant):
            return self.found
        if isinstance(request, SubmitAccidentReport):
            return self.reported
        raise AssertionError(f"not asked by this flow: {request}")


def say(state: SessionState, text: str, ctx: Context | None = None, store: Store | None = None) -> Outcome:
    return run(ENGINE, state, inbound(text), ctx or context(consented=True), (store or Store()).answer)


def text_of(outcome: Outcome, language: str = "id") -> str:
    return "\n\n".join(render_reply(reply, language)[0] for reply in outcome.replies)


def whatsapp(phone: str = PHONE) -> Context:
    ctx = context(consented=True)
    return replace(ctx, contact=replace(ctx.contact, channel="whatsapp", phone=phone))


# ---- starting ----------------------------------------------------------------------------------------


def test_it_is_on_the_main_menu_and_asks_consent_first() -> None:
    outcome = run(ENGINE, MENU, inbound("lapor kecelakaan"), context())
    assert keys(outcome) == [["privacy.notice", "privacy.notice_sponsors", "privacy.question"]]
    assert outcome.state.flow == "privacy"
    assert outcome.state.data == {"then": FLOW, "purpose": "personal_data"}


@pytest.mark.parametrize("words", ["lapor kecelakaan", "Lapor kecelakaan kerja", "kecelakaan kerja", "lapor laka"])
def test_its_words_open_it_from_anywhere(words: str) -> None:
    outcome = say(IDLE, words)
    assert keys(outcome) == [["accident.intro"], ["accident.ask_who"]]
    assert (outcome.state.flow, outcome.state.step) == (FLOW, "who")


def test_the_intro_names_the_deadline_hours_and_the_dinas_from_the_programme() -> None:
    rendered = text_of(say(IDLE, "lapor kecelakaan"))
    assert f"{programme().benefits.jkk.accident_report_hours} jam" in rendered
    assert "Dinas Perindustrian dan Tenaga Kerja (Dinperinaker) Kota Pekalongan" in rendered


# ---- who -------------------------------------------------------------------------------------------


def test_a_nik_is_looked_up_and_nothing_is_said_of_protection_before_the_day_is_known() -> None:
    store = Store(found=participant_found(date(2025, 3, 1), date(2025, 4, 1)))
    outcome = say(at("who"), "3375 0145 0685 0001", store=store)
    assert store.asked == [FindParticipant(nik=NIK, kpj="")]
    assert keys(outcome) == [["accident.worker_found"], ["accident.ask_what"]]
    assert text_of(outcome).startswith("Pekerja ini ada di catatan program.")
    assert "2025" not in text_of(outcome)


@pytest.mark.parametrize(
    ("found", "day", "said"),
    [
        (participant_found(date(2025, 3, 1), date(2025, 4, 1)), "19-11-2026", "accident.covered"),
        (participant_found(date(2025, 3, 1), date(2026, 11, 20)), "19-11-2026", "accident.not_covered_before_start"),
        (participant_found(date(2026, 11, 1), None), "19-11-2026", "accident.not_covered_pending"),
        (
            participant_found(date(2025, 3, 1), date(2025, 4, 1), status="rejected", ended_on=date(2026, 6, 1)),
            "19-11-2026",
            "accident.not_covered_ended",
        ),
        (participant_found(date(2025, 3, 1), None, status="active"), "19-11-2026", "accident.unconfirmed"),
        (ParticipantNotFound(), "19-11-2026", "accident.unconfirmed"),
    ],
)
def test_protection_on_the_day_of_the_accident_is_said_once_the_day_is_known(
    found: object, day: str, said: str
) -> None:
    store = Store(found=found)
    looked_up = say(at("who"), NIK, store=store)
    dated = say(replace(looked_up.state, step="date"), day, store=store)
    assert keys(dated)[0][0] == said
    assert "Rp" not in text_of(dated)


@pytest.mark.parametrize("typed", ["sy sendiri, 3375014506850001", "nik nya 3375 0145 0685 0001 pak"])
def test_a_nik_inside_a_sentence_is_looked_up(typed: str) -> None:
    store = Store(found=ParticipantNotFound())
    outcome = say(at("who"), typed, store=store)
    assert store.asked == [FindParticipant(nik=NIK, kpj="")]
    assert answered(outcome.state.data) == {"nik": NIK, "kpj": ""}


@pytest.mark.parametrize("typed", [KPJ, "KPJ 123 456 789 01", "no. kpj: 12345678901"])
def test_a_kpj_number_is_looked_up(typed: str) -> None:
    store = Store(found=ParticipantNotFound())
    outcome = say(at("who"), typed, store=store)
    assert store.asked == [FindParticipant(nik="", kpj=KPJ)]
    assert keys(outcome) == [["accident.worker_not_found"], ["accident.ask_what"]]
    assert "Laporan tetap bisa dibuat" in text_of(outcome)
    assert answered(outcome.state.data) == {"nik": "", "kpj": KPJ}


@pytest.mark.parametrize("typed", ["tidak tahu", "gak tau", "1", "lupa"])
def test_not_knowing_the_number_does_not_block_the_report(typed: str) -> None:
    store = Store()
    outcome = say(at("who"), typed, store=store)
    assert store.asked == []
    assert keys(outcome) == [["accident.worker_not_known_ok"], ["accident.ask_what_and_name"]]
    assert answered(outcome.state.data) == {"nik": "", "kpj": ""}


@pytest.mark.parametrize(
    ("typed", "problem"),
    [
        ("3375014506850000", "nik.serial_zero"),
        ("9975014506850001", "nik.unknown_province"),
        ("3375017506850001", "nik.bad_day"),
        ("3375010513850001", "nik.bad_month"),
        ("3375013102850001", "nik.impossible_date"),
        ("3375012512260001", "nik.in_the_future"),
        ("1234", "accident.bad_worker_digits"),
        ("337501450685000", "accident.bad_worker_digits"),
        ("Pak Darto", "accident.bad_worker"),
        ("ibu 3375014506850001, bapak 3375012504880014", "nik.several"),  # which one: never guessed
        ("nik sy 3375017506850001", "nik.bad_day"),  # found in the sentence, then checked
    ],
)
def test_a_wrong_number_says_what_is_wrong_and_keeps_what_was_entered(typed: str, problem: str) -> None:
    before = at("who", {"what": "kept"})
    outcome = say(before, typed)
    assert keys(outcome) == [[problem, "accident.ask_who"]]
    assert outcome.state == before


def test_the_wrong_digit_count_is_said() -> None:
    assert "Anda menulis 4 angka" in text_of(say(at("who"), "1234"))


# ---- what and where ----------------------------------------------------------------------------------


def test_what_happened_needs_a_few_words() -> None:
    assert keys(say(at("what", {"nik": NIK, "kpj": ""}), "jatuh")) == [["accident.what_too_short", "accident.ask_what"]]
    outcome = say(at("what", {"nik": NIK, "kpj": ""}), "  tangan   patah  ")
    assert outcome.state.step == "place"
    assert outcome.state.data["what"] == "tangan patah"


def test_what_happened_too_long_is_refused_with_the_count() -> None:
    outcome = say(at("what"), "jatuh " * 100)
    assert keys(outcome) == [["limit.too_long", "accident.ask_what_and_name"]]
    assert "Cerita kejadian maksimal 500 huruf; pesan Anda 599 huruf." in text_of(outcome)


@pytest.mark.parametrize("typed", ["", "ok", "123"])
def test_a_place_needs_a_name(typed: str) -> None:
    assert keys(say(at("place"), typed)) == [["accident.bad_place", "accident.ask_place"]]


def test_a_place_is_kept_as_typed() -> None:
    outcome = say(at("place", answered_before("place")), "Pasar  Banjarsari")
    assert answered(outcome.state.data) == answered_before("occurred_on") | {"place": "Pasar Banjarsari"}
    assert keys(outcome) == [["accident.ask_date"]]


# ---- when --------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "day"),
    [
        ("hari ini", "2026-11-21"),
        ("1", "2026-11-21"),
        ("tadi pagi", "2026-11-21"),
        ("kemarin", "2026-11-20"),
        ("Kemarin sore", "2026-11-20"),
        ("3 hari lalu", "2026-11-18"),
        ("19-11-2026", "2026-11-19"),
        ("19 nov", "2026-11-19"),
        ("19/11", "2026-11-19"),
        ("17 Agustus 2021", "2021-08-17"),
        ("td pagi", "2026-11-21"),
        ("kmrn malam", "2026-11-20"),
        ("semalam", "2026-11-20"),
        ("2 hr yg lalu", "2026-11-19"),
        ("dua hari lalu", "2026-11-19"),
        ("minggu lalu", "2026-11-14"),
        ("senin kemarin", "2026-11-16"),
        ("tgl 3 kemarin", "2026-11-03"),
        ("wingi sore", "2026-11-20"),
        ("mau esuk", "2026-11-21"),
        ("telung dino kepungkur", "2026-11-18"),
        ("kamari", "2026-11-20"),
        ("tadi isuk", "2026-11-21"),
    ],
)
def test_the_date_is_read_as_people_say_it(typed: str, day: str) -> None:
    outcome = say(at("date", answered_before("occurred_on")), typed)
    assert answered(outcome.state.data) == answered_before("occurred_on") | {"occurred_on": day}
    # The worker's NIK was not found among the registrations: protection on that day cannot be confirmed.
    assert keys(outcome) == [["accident.unconfirmed"], ["accident.ask_time"]]


@pytest.mark.parametrize(
    ("typed", "day", "clock"),
    [
        ("td pagi jam 7", "2026-11-21", "07:00"),
        ("tadi pagi jam 7", "2026-11-21", "07:00"),
        ("setengah 8 pagi tadi", "2026-11-21", "07:30"),
        ("kemarin sore jam 4", "2026-11-20", "16:00"),
        ("kmrn jam 14.30", "2026-11-20", "14:30"),
        ("tadi malam jam 2", "2026-11-21", "02:00"),  # after midnight: today
        ("19/11 pukul 08.15", "2026-11-19", "08:15"),
    ],
)
def test_a_time_said_with_the_day_is_kept_and_not_asked_again(typed: str, day: str, clock: str) -> None:
    outcome = say(at("date", answered_before("occurred_on")), typed)
    assert answered(outcome.state.data) == answered_before("occurred_on") | {"occurred_on": day, "occurred_time": clock}
    assert keys(outcome) == [["accident.unconfirmed"], ["accident.ask_treated"]]


def test_a_time_later_today_said_with_the_day_keeps_the_day_and_asks_the_time() -> None:
    # 15.00 WIB now: "tadi jam 5 sore" has not happened yet.
    outcome = say(at("date", answered_before("occurred_on")), "tadi jam 5 sore")
    assert answered(outcome.state.data) == answered_before("occurred_on") | {"occurred_on": "2026-11-21"}
    assert keys(outcome) == [["accident.unconfirmed"], ["accident.time_in_future"], ["accident.ask_time"]]


@pytest.mark.parametrize("typed", ["25-11-2026", "30 Desember", "1/1/2027", "25 nov jam 7"])
def test_a_future_date_is_refused_clearly(typed: str) -> None:
    outcome = say(at("date", {"what": "kept"}), typed)
    assert keys(outcome) == [["accident.date_in_future", "accident.ask_date"]]
    assert "hari ini 21 November 2026" in text_of(outcome)
    assert answered(outcome.state.data) == {"what": "kept"}


@pytest.mark.parametrize("typed", ["lusa", "31-02-2026", "abc", "jam 7"])
def test_an_unreadable_date_says_how_to_write_it(typed: str) -> None:
    assert keys(say(at("date"), typed)) == [["accident.bad_date", "accident.ask_date"]]


@pytest.mark.parametrize(
    ("typed", "clock"),
    [
        ("14.30", "14:30"),
        ("14:30", "14:30"),
        ("jam 7", "07:00"),
        ("pukul 07.15 WIB", "07:15"),
        ("jam 2 siang", "14:00"),
        ("sekitar jam 11 siang", "11:00"),
        ("jam 4 sore", "16:00"),
        ("jam 9 malam", "21:00"),
        ("jam 2 malam", "02:00"),
        ("jam 12 malam", "00:00"),
        ("2 pm", "14:00"),
        ("jam 7 pagi", "07:00"),
        ("setengah 8 pagi", "07:30"),
        ("jam 14.30", "14:30"),
        ("kemarin jam 7", "07:00"),  # the day again, with its time
    ],
)
def test_the_time_is_read_as_people_say_it(typed: str, clock: str) -> None:
    outcome = say(at("time", {"occurred_on": "2026-11-20"}), typed)
    assert answered(outcome.state.data) == {"occurred_on": "2026-11-20", "occurred_time": clock}


def test_the_time_may_be_unknown() -> None:
    outcome = say(at("time", answered_before("occurred_time")), "tidak tahu")
    assert answered(outcome.state.data) == answered_before("treated_at") | {"occurred_time": ""}
    assert keys(outcome) == [["accident.ask_treated"]]


@pytest.mark.parametrize("typed", ["25.00", "jam 14.75", "siang", "1430", "hari ini jam 7"])  # not that day
def test_an_unreadable_time_says_how_to_write_it(typed: str) -> None:
    assert keys(say(at("time", {"occurred_on": "2026-11-20"}), typed)) == [["accident.bad_time", "accident.ask_time"]]


def test_a_time_later_today_is_refused() -> None:
    # 15.00 WIB now: 16.00 today has not happened yet, 16.00 yesterday has.
    today = say(at("time", {"occurred_on": "2026-11-21"}), "16.00")
    assert keys(today) == [["accident.time_in_future", "accident.ask_time"]]
    assert say(at("time", {"occurred_on": "2026-11-20"}), "16.00").state.data["occurred_time"] == "16:00"


# ---- where treated, the reporter ---------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "stored"),
    [
        ("1", "Puskesmas"),
        ("rumah sakit", "Rumah sakit"),
        ("RS", "Rumah sakit"),
        ("belum", "Belum dirawat"),
        ("RSUD Kraton", "RSUD Kraton"),
        ("rumah sakit Bendan", "rumah sakit Bendan"),
        ("klinik dr. Ani dekat pasar", "klinik dr. Ani dekat pasar"),
    ],
)
def test_where_treated_is_a_choice_or_the_name_typed(typed: str, stored: str) -> None:
    outcome = say(at("treated"), typed)
    assert answered(outcome.state.data) == {"treated_at": stored}


def test_a_chosen_place_of_treatment_reads_in_the_persons_language() -> None:
    outcome = say(at("summary", {**COMPLETE, "treated_at": "Rumah sakit"}), "bantuan", context("en", consented=True))
    assert "- Treated at: Hospital" in text_of(outcome, "en")


def test_the_reporter_types_a_phone_number() -> None:
    outcome = say(at("phone", answered_before("reporter_phone")), "0812-3456-7890")
    assert answered(outcome.state.data) == answered_before("relation")
    assert keys(outcome) == [["accident.ask_relation"]]


def test_a_wrong_phone_number_is_refused_as_registration_refuses_it() -> None:
    assert keys(say(at("phone"), "12345")) == [["registration.bad_phone", "accident.ask_phone"]]


def test_a_shared_telegram_contact_gives_the_phone() -> None:
    outcome = run(ENGINE, at("phone"), inbound("", phone="+62 812 3456 7890"), context(consented=True))
    assert answered(outcome.state.data) == {"reporter_phone": PHONE}


def test_on_whatsapp_the_known_number_is_confirmed() -> None:
    asked = say(at("treated", answered_before("treated_at")), "puskesmas", whatsapp())
    assert keys(asked) == [["accident.ask_phone_known"]]
    assert "Petugas bisa menghubungi Anda di 081234567890?" in text_of(asked)
    outcome = say(asked.state, "ya", whatsapp())
    assert outcome.state.data["reporter_phone"] == PHONE
    assert outcome.state.step == "relation"


def test_on_whatsapp_another_number_can_be_typed() -> None:
    outcome = say(at("phone"), "085712345678", whatsapp())
    assert answered(outcome.state.data) == {"reporter_phone": "6285712345678"}
    refused = say(at("phone"), "nomor lain", whatsapp())
    assert keys(refused) == [["registration.bad_phone", "accident.ask_phone_known"]]


@pytest.mark.parametrize(
    ("typed", "relation"), [("1", "self"), ("keluarga", "family"), ("teman kerja", "coworker"), ("4", "other")]
)
def test_the_reporters_relation_is_an_id(typed: str, relation: str) -> None:
    outcome = say(at("relation", answered_before("relation")), typed)
    assert outcome.state.data["relation"] == relation
    assert outcome.state.step == "summary"


# ---- the summary and its changes ---------------------------------------------------------------------


def test_the_summary_shows_every_part_with_the_nik_masked_and_the_deadline() -> None:
    outcome = say(at("relation", answered_before("relation")), "keluarga")
    assert keys(outcome) == [["accident.summary", "accident.deadline_ahead", "accident.ask_send"]]
    rendered = text_of(outcome)
    assert NIK not in rendered
    for line in (
        "- Pekerja: NIK 3375••••••••0001",
        "- Waktu: 21 November 2026, pukul 09.30",
        "- Dirawat di: Puskesmas",
        "- Nomor HP pelapor: 081234567890",
        "- Pelapor: Keluarga",
        "23 November 2026 pukul 09.30 WIB (48 jam setelah kejadian)",
    ):
        assert line in rendered


def test_changing_the_time_of_the_accident_asks_date_and_time_again_and_keeps_the_rest() -> None:
    changing = say(at("summary", COMPLETE), "ubah")
    assert keys(changing) == [["accident.ask_change_which"]]
    asked = say(changing.state, "waktu")
    assert keys(asked) == [["accident.ask_date"]]
    assert answered(asked.state.data) == answered_before("occurred_on") | {
        k: COMPLETE[k] for k in ("treated_at", "reporter_phone", "relation")
    }
    timed = say(say(asked.state, "kemarin").state, "tidak tahu")
    assert timed.state.step == "summary"
    assert answered(timed.state.data) == {**COMPLETE, "occurred_on": "2026-11-20", "occurred_time": ""}


def test_changing_the_worker_looks_them_up_again() -> None:
    asked = say(say(at("summary", COMPLETE), "ubah").state, "pekerja")
    assert keys(asked) == [["accident.ask_who"]]
    store = Store(found=ParticipantNotFound())
    outcome = say(asked.state, KPJ, store=store)
    assert store.asked == [FindParticipant(nik="", kpj=KPJ)]
    assert keys(outcome)[-1][0] == "accident.summary"
    assert "- Pekerja: KPJ 12345678901" in text_of(outcome)


def test_a_summary_reached_with_something_missing_asks_it_first() -> None:
    outcome = say(at("summary", {k: v for k, v in COMPLETE.items() if k != "place"}), "kirim")
    assert keys(outcome) == [["accident.ask_place"]]


# ---- the deadline --------------------------------------------------------------------------------------


def test_the_deadline_is_the_accident_time_plus_the_programmes_hours_in_local_time() -> None:
    deadline = report_deadline(programme(), date(2026, 11, 21), "09:30")
    assert deadline == datetime(2026, 11, 23, 9, 30, tzinfo=ZoneInfo("Asia/Jakarta"))


def test_without_a_time_the_deadline_counts_from_the_end_of_the_day_and_says_so() -> None:
    assert report_deadline(programme(), date(2026, 11, 20), "") == datetime(
        2026, 11, 22, 23, 59, tzinfo=ZoneInfo("Asia/Jakarta")
    )
    outcome = say(at("summary", {**COMPLETE, "occurred_on": "2026-11-20", "occurred_time": ""}), "bantuan")
    assert ["accident.summary", "accident.deadline_ahead", "accident.deadline_from_day_end", "accident.ask_send"] in (
        keys(outcome)
    )
    assert "22 November 2026 pukul 23.59 WIB" in text_of(outcome)


def test_a_late_report_is_still_taken_and_says_the_deadline_passed() -> None:
    late = {**COMPLETE, "occurred_on": "2026-11-18", "occurred_time": "07:00"}
    store = Store()
    outcome = say(at("summary", late), "kirim", store=store)
    assert store.asked == [SubmitAccidentReport(report=late)]
    assert keys(outcome)[0] == ["accident.reported", "accident.deadline_passed"]
    assert "Batas 48 jam untuk melapor ke BPJS Ketenagakerjaan sudah lewat (20 November 2026 pukul 07.00 WIB)" in (
        text_of(outcome)
    )


def test_an_accident_older_than_the_claim_deadline_is_taken_with_a_warning() -> None:
    old = {**COMPLETE, "occurred_on": "2020-01-10", "occurred_time": ""}
    outcome = say(at("summary", old), "kirim")
    assert keys(outcome)[0] == [
        "accident.reported",
        "accident.deadline_passed",
        "accident.deadline_from_day_end",
        "accident.claim_may_have_lapsed",
    ]


def test_the_deadline_is_shown_in_the_programmes_time_zone() -> None:
    east = programme().model_copy(update={"timezone": "Asia/Jayapura"})
    ctx = replace(context(consented=True), programme=east)
    assert "23 November 2026 pukul 09.30 WIT" in text_of(say(at("summary", COMPLETE), "bantuan", ctx))


# ---- sending -----------------------------------------------------------------------------------------


def test_sending_submits_exactly_the_report_keys() -> None:
    store = Store()
    say(at("summary", {**COMPLETE, "extra": "not sent"}), "kirim", store=store)
    assert len(store.asked) == 1
    submitted = store.asked[0]
    assert isinstance(submitted, SubmitAccidentReport)
    assert submitted.report == COMPLETE
    assert set(submitted.report) == REPORT_KEYS


def test_after_sending_the_family_gets_the_number_a_text_for_the_branch_and_what_to_bring() -> None:
    outcome = say(at("summary", COMPLETE), "kirim")
    assert outcome.state == IDLE
    assert keys(outcome) == [
        ["accident.reported", "accident.deadline_ahead"],
        ["accident.show_this", "accident.card"],
        [
            "accident.documents",
            "accident.heir_claim",
            "accident.branch",
            "accident.decision",
            "accident.dinas_told",
            "engine.type_menu",
        ],
    ]
    rendered = text_of(outcome)
    assert "nomor #12" in rendered
    assert "LAPORAN KECELAKAAN KERJA #12" in rendered
    assert "- Kejadian: Jatuh dari becak saat mengantar penumpang, kaki kiri patah" in rendered
    for document in programme().claims.jkk_documents:
        assert f"- {document.name}" in rendered
    assert "klaim ahli waris" in rendered
    assert "Alamat: belum tercatat di sini; tanyakan ke call centre 175." in rendered  # not in the programme file
    assert "Telepon: 175" not in rendered  # the branch's number is the call centre, named just before
    assert NIK not in rendered


def test_when_no_dinas_admin_was_told_the_report_is_recorded_for_the_dinas() -> None:
    outcome = say(at("summary", COMPLETE), "kirim", store=Store(reported=AccidentReported(3, admins_told=0)))
    assert keys(outcome)[-1][-2] == "accident.dinas_recorded"


def test_the_branch_address_and_hours_are_shown_when_the_programme_has_them() -> None:
    offices = tuple(
        office.model_copy(
            update={"address": "Jl. Merdeka No. 1", "hours": "Senin-Jumat 08.00-15.00", "phone": "(0285) 123456"}
        )
        if office.kind == "bpjs_branch"
        else office
        for office in programme().offices
    )
    ctx = replace(context(consented=True), programme=programme().model_copy(update={"offices": offices}))
    rendered = text_of(say(at("summary", COMPLETE), "kirim", ctx))
    assert "Alamat: Jl. Merdeka No. 1\nJam buka: Senin-Jumat 08.00-15.00\nTelepon: (0285) 123456" in rendered


def test_without_a_branch_office_the_call_centre_is_named() -> None:
    dinas_only = (
        *(o for o in programme().offices if o.kind != "bpjs_branch"),
        Office(id="x", kind="other", name="Posko"),
    )
    ctx = replace(context(consented=True), programme=programme().model_copy(update={"offices": dinas_only}))
    outcome = say(at("summary", COMPLETE), "kirim", ctx)
    assert "accident.no_branch" in keys(outcome)[-1]


def test_a_report_the_store_did_not_take_keeps_everything_for_another_try() -> None:
    outcome = say(at("summary", COMPLETE), "kirim", store=Store(reported=NotAllowed()))
    assert keys(outcome) == [
        ["accident.not_saved"],
        ["accident.summary", "accident.deadline_ahead", "accident.ask_send"],
    ]
    assert outcome.state == at("summary", COMPLETE)


# ---- leaving and coming back -------------------------------------------------------------------------


def test_a_report_left_halfway_is_offered_again() -> None:
    left = say(at("place", {"nik": NIK, "kpj": "", "what": "tangan patah"}), "batal")
    assert keys(left)[0] == ["engine.paused"]
    back = say(left.state, "lapor kecelakaan")
    assert keys(back) == [["accident.resume"]]
    assert "(2 dari 7 bagian sudah diisi)" in text_of(back)  # the worker, and what happened
    continued = say(back.state, "lanjutkan")
    assert keys(continued) == [["accident.ask_place"]]
    assert answered(continued.state.data) == {"nik": NIK, "kpj": "", "what": "tangan patah"}


def test_starting_again_forgets_the_half_report() -> None:
    back = say(say(at("place", {"nik": NIK, "kpj": ""}), "batal").state, "lapor kecelakaan")
    restarted = say(back.state, "mulai dari awal")
    assert keys(restarted) == [["accident.intro"], ["accident.ask_who"]]
    assert answered(restarted.state.data) == {}


# ---- in English ---------------------------------------------------------------------------------------


def test_the_whole_report_reads_in_english() -> None:
    ctx = context("en", consented=True)
    store = Store()
    state = IDLE
    replies: list[str] = []
    for typed in (
        "lapor kecelakaan",
        NIK,
        "Fell off the becak, left leg broken",
        "Jl. Hayam Wuruk",
        "yesterday",
        "2 pm",
        "hospital",
        "081234567890",
        "family",
        "send",
    ):
        outcome = say(state, typed, ctx, store)
        replies.append(text_of(outcome, "en"))
        state = outcome.state
    assert state == IDLE
    transcript = "\n".join(replies)
    assert "This worker is in the programme's records." in transcript
    assert "November 22, 2026, 14:00 WIB" in transcript
    assert "WORK ACCIDENT REPORT #12" in transcript
    assert store.asked[-1] == SubmitAccidentReport(
        report={
            **COMPLETE,
            "what": "Fell off the becak, left leg broken",
            "place": "Jl. Hayam Wuruk",
            "occurred_on": "2026-11-20",
            "occurred_time": "14:00",
            "treated_at": "Rumah sakit",
        }
    )
