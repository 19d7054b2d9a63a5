"""The sponsor's own flow ("jadi donatur") in the pure core: the NIP, the OPD with typos and its list in pages,
the number of months in people's words, one kind skipping its question, the summary and its changes, the
commitment, the sponsor's menu — and, at every step, any text answered within the channels' limits."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import date
from functools import cache

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from bot.app import read_programme_file
from conversations.consent import PERSONAL_DATA, SPONSOR_DATA
from conversations.effects import RecordConsent
from conversations.engine import LANGUAGES, Outcome
from conversations.flow import ContactInfo, Context
from conversations.flows.privacy import NOTICE_VERSIONS
from conversations.flows.sponsor import SponsorData, sponsor_flow
from conversations.inbound import InboundKind
from conversations.programme import Programme
from conversations.requests.base import Request
from conversations.requests.sponsors import (
    BecomeSponsor,
    MatchWorker,
    MySponsor,
    NobodyWaiting,
    NotSponsor,
    OfferToWorker,
    StopSponsoring,
)
from conversations.sponsor_words import NipProblem, match_organisation, read_months, read_nip
from conversations.state import IDLE, Json, SessionState
from tests.core_support import ROOT, context, default_answer, inbound, keys, render_reply, run
from tests.sponsor_side_support import SPONSOR_REQUESTS, sponsor_answer, sponsor_engine

ENGINE = sponsor_engine()
TODAY = date(2026, 11, 21)
Answerer = Callable[[Request[object]], object]


@cache
def kendal() -> Programme:
    return read_programme_file(ROOT / "programmes" / "kabupaten-kendal.toml")


def _ctx(programme: Programme | None = None, *, consented: bool = True, phone: str | None = None) -> Context:
    ctx = context(consented=consented)
    contact = replace(ctx.contact, phone=phone)
    return replace(ctx, programme=programme or kendal(), contact=contact)


def _not_yet(request: Request[object]) -> object:
    """A person who is not a sponsor yet: the store answers the rest as a sponsor's would."""
    if isinstance(request, MySponsor):
        return NotSponsor()
    return _sponsor(request)


def _sponsor(request: Request[object]) -> object:
    """A sponsor's answers; another flow's words typed at a step get that flow's usual ones."""
    return sponsor_answer(request) if isinstance(request, SPONSOR_REQUESTS) else default_answer(request)


class Chat:
    """One person's conversation with the engine, message after message."""

    def __init__(self, ctx: Context, answer: Answerer = _not_yet) -> None:
        self.ctx, self.answer, self.state = ctx, answer, IDLE
        self.asked: list[Request[object]] = []

    def say(self, text: str = "", *, button: str | None = None) -> Outcome:
        def answer(request: Request[object]) -> object:
            self.asked.append(request)
            return self.answer(request)

        kind = InboundKind.CHOICE if button else InboundKind.TEXT
        outcome = run(ENGINE, self.state, inbound(text, kind=kind, choice_id=button), self.ctx, answer)
        self.state = outcome.state
        return outcome

    def text(self, outcome: Outcome) -> str:
        return "\n".join(render_reply(reply, "id")[0] for reply in outcome.replies)


# ---- the words ------------------------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("typed", "problem"),
    [
        ("198507162010012003", None),
        ("19850716 201001 2 003", None),
        ("19850716.201001.2.003", None),
        ("3375••••••••0001", NipProblem.LOOKS_LIKE_NIK),  # a NIK, masked by the engine at this step
        ("1985071620100120", NipProblem.LENGTH),
        ("19850716201001200399", NipProblem.LENGTH),
        ("NIP saya 1985", NipProblem.NOT_DIGITS),
        ("198513162010012003", NipProblem.BIRTH_DATE),  # month 13
        ("183007162010012003", NipProblem.BIRTH_DATE),  # born 1830
        ("198507162010132003", NipProblem.APPOINTED),  # month 13
        ("198507162010013003", NipProblem.SEX),
        ("3375020708750004", NipProblem.LOOKS_LIKE_NIK),  # 16 digits: a NIK, not a NIP
    ],
)
def test_a_nip_is_read_with_its_spaces_and_what_is_wrong_is_named(typed: str, problem: NipProblem | None) -> None:
    reading = read_nip(typed, TODAY)
    assert reading.problem == problem
    assert reading.digits == ("198507162010012003" if problem is None else "")


def test_a_nip_typed_in_groups_of_four_is_not_masked_as_a_nik_at_its_step() -> None:
    chat = Chat(_ctx(), _not_yet)
    for said in ("jadi donatur", "asn", "Sri Wahyuni"):
        chat.say(said)
    assert chat.state.step == "nip"
    chat.say("1985 0716 2010 0120 03")
    assert chat.state.step == "organisation"


def test_a_wrong_length_says_how_many_digits_were_typed() -> None:
    assert read_nip("1985 0716 2010", TODAY).count == 12


@pytest.mark.parametrize(
    ("said", "months"),
    [
        ("6", 6),
        ("6 bulan", 6),
        ("enam", 6),
        ("enam bulan", 6),
        ("dua belas", 12),
        ("sebelas bulan", 11),
        ("dua puluh empat", 24),
        ("setahun", 12),
        ("2 tahun", 24),
        ("12 bln", 12),
        ("ya", None),
        ("1 2", None),
        ("banyak", None),
    ],
)
def test_months_are_read_in_digits_and_words(said: str, months: int | None) -> None:
    assert read_months(said) == months


def test_an_opd_named_exactly_is_taken_and_a_typo_is_confirmed() -> None:
    rules = kendal().sponsors
    assert rules is not None
    organisations = rules.organisations
    assert match_organisation("dinkes", organisations).exact == "dinkes"
    assert match_organisation("Dinas Kesehatan", organisations).exact == "dinkes"
    typo = match_organisation("dinas kesehtan", organisations)
    assert typo.exact is None
    assert typo.candidates[0] == "dinkes"
    assert match_organisation("zzzz qqqq", organisations).candidates == ()


# ---- signing up -----------------------------------------------------------------------------------------------


def test_the_sponsors_notice_comes_first_and_consent_is_recorded_for_its_own_purpose() -> None:
    chat = Chat(_ctx(consented=False))
    notice = chat.say("jadi donatur")
    assert keys(notice) == [["privacy.sponsor_notice", "privacy.question"]]
    agreed = chat.say("setuju")
    assert RecordConsent(SPONSOR_DATA, NOTICE_VERSIONS[SPONSOR_DATA], granted=True) in agreed.effects
    assert keys(agreed)[-1] == ["sponsor.ask_kind"]  # and on into the flow


def test_an_asn_signs_up_one_question_at_a_time() -> None:
    chat = Chat(_ctx())
    assert keys(chat.say("jadi donatur")) == [["sponsor.intro"], ["sponsor.ask_kind"]]
    assert keys(chat.say("1")) == [["sponsor.ask_name"]]
    assert keys(chat.say("Sri Wahyuni")) == [["sponsor.ask_nip"]]
    wrong = chat.say("1985 0716 2010")
    assert keys(wrong) == [["sponsor.nip_length", "sponsor.ask_nip"]]
    assert "12 angka" in chat.text(wrong)
    assert keys(chat.say("19850716 201001 2 003")) == [["sponsor.ask_organisation"]]
    assert keys(chat.say("dinas kesehtan")) == [["sponsor.organisation_confirm"]]
    assert keys(chat.say("ya")) == [["sponsor.ask_phone"]]
    assert keys(chat.say("0812 3456 789x")) == [["registration.bad_phone", "sponsor.ask_phone"]]
    assert keys(chat.say("0812-3456-7890")) == [["sponsor.ask_share_name"]]
    summary = chat.say("ya")
    assert keys(summary) == [["sponsor.summary", "sponsor.ask_submit"]]
    shown = chat.text(summary)
    assert "1985••••••••••2003" in shown  # the NIP masked
    assert "198507162010012003" not in shown
    assert "Dinas Kesehatan" in shown
    assert "081234567890" in shown
    recorded = chat.say("benar")
    assert chat.asked[-1] == BecomeSponsor(
        kind="asn",
        name="Sri Wahyuni",
        phone="6281234567890",
        share_name=True,
        nip="198507162010012003",
        organisation_id="dinkes",
    )
    assert keys(recorded) == [["sponsor.recorded"], ["sponsor.ask_whom"]]
    assert chat.state.step == "whom"
    assert "nip" not in chat.state.data or chat.state.data["nip"] is None  # the form is gone from the chat


def test_without_a_nip_and_with_the_opd_picked_from_the_list_in_pages() -> None:
    chat = Chat(_ctx())
    chat.say("donatur")
    chat.say("asn")
    chat.say("Darto Sumarno")
    assert keys(chat.say("tidak punya")) == [["sponsor.ask_organisation"]]
    first = chat.say("lihat daftar")
    assert keys(first) == [["sponsor.organisation_list"]]
    choices = [c.id for c in first.replies[0].choices]
    assert choices[-1] == "next_page"
    assert len(choices) <= 10  # a WhatsApp list
    second = chat.say("halaman berikutnya")
    ids = [c.id for c in second.replies[0].choices]
    assert "previous_page" in ids
    assert "next_page" not in ids
    assert "kecamatan" in ids
    picked = chat.say(str(ids.index("kecamatan") + 1))
    assert keys(picked) == [["sponsor.ask_phone"]]
    chat.say("081234567890")
    summary = chat.say("tidak")
    assert "tidak punya NIP" in chat.text(summary)
    assert "Kecamatan dan kelurahan" in chat.text(summary)


def test_a_company_in_pekalongan_is_not_asked_its_kind_and_whatsapp_gives_the_phone() -> None:
    chat = Chat(_ctx(context().programme, phone="6281298765432"))
    assert keys(chat.say("jadi donatur")) == [["sponsor.intro"], ["sponsor.ask_company"]]
    assert keys(chat.say("PT Batik Jaya")) == [["sponsor.ask_contact_name"]]
    assert keys(chat.say("Budi Santoso")) == [["sponsor.ask_share_company_name"]]
    summary = chat.say("tidak")
    assert "Daftar sebagai" not in chat.text(summary)  # one kind only: not asked, not shown
    changed = chat.say("ubah")
    assert [c.id for c in changed.replies[0].choices] == ["organisation_name", "name", "phone", "share_name"]
    chat.say("3")
    assert keys(chat.say("0813 1111 2222")) == [["sponsor.summary", "sponsor.ask_submit"]]
    chat.say("benar")
    assert chat.asked[-1] == BecomeSponsor(
        kind="csr",
        name="Budi Santoso",
        phone="6281311112222",
        share_name=False,
        organisation_name="PT Batik Jaya",
    )


def test_a_sign_up_left_halfway_is_offered_again() -> None:
    chat = Chat(_ctx())
    chat.say("donatur")
    chat.say("1")
    chat.say("Sri Wahyuni")
    chat.say("menu")
    again = chat.say("donatur")
    assert keys(again) == [["sponsor.resume"]]
    assert keys(chat.say("lanjutkan")) == [["sponsor.ask_nip"]]


def test_changing_the_kind_drops_what_only_the_other_kind_had() -> None:
    chat = Chat(_ctx())
    chat.say("donatur")
    chat.say("csr")
    chat.say("PT Maju")
    chat.say("Budi")
    chat.say("081234567890")
    chat.say("ya")
    chat.say("ubah")
    chat.say("1")  # the kind
    assert keys(chat.say("asn")) == [["sponsor.ask_name"]]
    assert SponsorData.load(chat.state.data).organisation_name is None


# ---- the commitment -------------------------------------------------------------------------------------------


def _committing(how: str) -> Chat:
    chat = Chat(_ctx(), _sponsor)
    chat.say("donatur saya")
    chat.say("tambah pekerja")
    chat.say("1" if how == "named" else "2")
    return chat


def test_a_named_worker_gets_a_code_and_a_message_to_forward() -> None:
    chat = _committing("named")
    assert chat.state.step == "start_month"
    months = chat.say("bulan depan")
    assert "12 bulan — Rp201.600" in render_reply(months.replies[0], "id")[1]
    assert keys(chat.say("36")) == [["sponsor.bad_months", "sponsor.ask_months"]]
    confirm = chat.say("12")
    said = chat.text(confirm)
    assert "Desember 2026 sampai November 2027" in said
    assert "Rp201.600" in said
    assert "tanggal 10" in said
    assert "Jaring tidak menerima uang" in said  # the programme file's how_to_pay
    done = chat.say("ya")
    assert chat.asked[-1] == OfferToWorker(date(2026, 12, 1), 12)
    assert keys(done) == [["sponsor.code_given"], ["sponsor.code_message"], ["sponsor.code_after", "engine.type_menu"]]
    forward = render_reply(done.replies[1], "id")[0]
    assert "terima ABCD2345" in forward
    assert "daftar" in forward
    assert "engine.type_menu" not in keys(done)[1]  # the message to forward ends with nothing of ours


def test_after_this_months_due_day_the_first_month_offered_is_the_next() -> None:
    chat = Chat(_ctx(), _sponsor)  # 21 November; November's premium was due on the 10th
    chat.say("donatur saya")
    chat.say("tambah pekerja")
    asked = chat.say("1").replies[-1]
    assert render_reply(asked, "id")[1] == ["Bulan depan (Desember 2026)", "Bulan berikutnya (Januari 2027)"]
    chat.say("bulan berikutnya")
    confirm = chat.say("6")
    assert "Januari 2027 sampai Juni 2027" in chat.text(confirm)


def test_a_match_names_the_worker_and_their_status_only() -> None:
    chat = _committing("matched")
    chat.say("2")
    chat.say("dua belas")
    matched = chat.say("ya")
    assert chat.asked[-1] == MatchWorker(date(2027, 1, 1), 12)  # "2": the month after December
    said = chat.text(matched)
    assert "Siti Aminah" in said
    assert "disetujui" in said


def test_nobody_waiting_offers_the_worker_they_know() -> None:
    def nobody(request: Request[object]) -> object:
        return NobodyWaiting() if isinstance(request, MatchWorker) else _sponsor(request)

    chat = Chat(_ctx(), nobody)
    chat.say("donatur")
    chat.say("tambah")
    chat.say("2")
    chat.say("1")
    chat.say("12")
    waiting = chat.say("ya")
    assert keys(waiting) == [["sponsor.nobody_waiting"]]
    confirm = chat.say("1")
    assert "pekerja yang Anda kenal" in chat.text(confirm)
    chat.say("ya")
    assert isinstance(chat.asked[-1], OfferToWorker)


# ---- a sponsor's menu -----------------------------------------------------------------------------------------


def test_the_menu_lists_each_worker_by_name_and_status_with_the_months() -> None:
    chat = Chat(_ctx(), _sponsor)
    menu = chat.say("donatur saya")
    said = chat.text(menu)
    assert "Siti Aminah: aktif sebagai peserta BPJS Ketenagakerjaan" in said
    assert "Sudah dibayar 1 dari 12 bulan" in said
    assert "November 2026 belum tercatat lunas" in said
    assert "Menunggu pekerja menerima kode" in said
    assert "Darto Sumarno: menunggu verifikasi kelurahan" in said
    assert "Sri Wahyuni: Anda sudah berhenti membantu" in said
    assert [c.id for c in menu.replies[0].choices] == ["add", "paid", "stop", "done"]


def test_stopping_asks_which_then_confirms_then_says_who_is_told() -> None:
    chat = Chat(_ctx(), _sponsor)
    chat.say("donatur saya")
    which = chat.say("berhenti membantu")
    assert [c.id for c in which.replies[0].choices] == ["3", "4", "5"]  # the open ones only
    assert "Siti Aminah" in chat.text(chat.say("1"))
    assert keys(chat.say("tidak jadi"))[0][-1] == "sponsor.ask_menu"  # nothing stopped: back to the menu
    chat.say("3")
    chat.say("1")
    stopped = chat.say("ya")
    assert chat.asked[-1] == StopSponsoring(3)
    assert "Siti Aminah dan Dinas sudah diberi tahu" in chat.text(stopped)


def test_sudah_bayar_hands_over_to_the_payment_flow() -> None:
    chat = Chat(_ctx(), _sponsor)
    chat.say("donatur saya")
    chat.say("sudah bayar")
    assert chat.state.flow != "sponsor"


def test_not_offered_where_the_programme_file_has_no_sponsors() -> None:
    without = kendal().model_copy(update={"sponsors": None})
    ctx = _ctx(without)
    assert "sponsor" not in [c.id for c in ENGINE.menu_choices(ctx)]
    assert Chat(ctx).say("jadi donatur").state.flow != "sponsor"
    assert "sponsor" in [c.id for c in ENGINE.menu_choices(_ctx())]


# ---- anything, at any step ------------------------------------------------------------------------------------

MAX_BODY_CHARS = 4096
MAX_LABEL_CHARS = 64
_WORKERS: list[Json] = [
    {"sponsorship_id": 3, "name": "Siti Aminah", "status": "active", "registration_status": "active",
     "start_month": "2026-10-01", "months": 12, "paid_months": 1, "next_month": "2026-11-01",
     "next_due_on": "2026-11-10", "next_state": "missed"},
    {"sponsorship_id": 4, "status": "offered", "start_month": "2026-12-01", "months": 6},
]  # fmt: skip
_FULL: dict[str, Json] = {
    "kind": "asn", "name": "Sri Wahyuni", "nip": "198507162010012003", "organisation_id": "dinkes",
    "phone": "6281234567890", "share_name": True, "candidates": ["dinkes", "bappeda"], "page": 1,
    "how": "named", "start_month": "2026-12-01", "months": 12, "workers": _WORKERS, "stopping": 3,
}  # fmt: skip
STATES = {
    **{f"{step}+empty": SessionState("sponsor", sponsor_flow.version, step) for step in sponsor_flow.steps},
    **{f"{step}+full": SessionState("sponsor", sponsor_flow.version, step, _FULL) for step in sponsor_flow.steps},
}
_TEXTS = st.one_of(
    st.text(max_size=60),
    st.sampled_from(["1", "2", "3", "9", "ya", "tidak", "kembali", "lihat daftar", "198507162010012003", "12"]),
)


def _within_limits(outcome: Outcome) -> None:
    assert outcome.replies, "every message gets an answer"
    for reply in outcome.replies:
        for language in LANGUAGES:
            body, labels = render_reply(reply, language)
            assert body.strip()
            assert len(body) <= MAX_BODY_CHARS
            assert all(label.strip() and len(label) <= MAX_LABEL_CHARS for label in labels)


@pytest.mark.parametrize("state", list(STATES.values()), ids=list(STATES))
@settings(max_examples=60, deadline=None)
@given(text=_TEXTS, pekalongan=st.booleans(), sponsor=st.booleans(), button=st.one_of(st.none(), st.text(max_size=8)))
def test_any_text_at_any_step_is_answered_within_the_limits(
    state: SessionState, text: str, pekalongan: bool, sponsor: bool, button: str | None
) -> None:
    ctx = _ctx(context().programme if pekalongan else None)
    kind = InboundKind.CHOICE if button is not None else InboundKind.TEXT
    outcome = run(ENGINE, state, inbound(text, kind=kind, choice_id=button), ctx, _sponsor if sponsor else _not_yet)
    _within_limits(outcome)


def test_privasi_offers_the_sponsors_notice_to_a_sponsor() -> None:
    contact = ContactInfo("terminal", consented=True, consents=frozenset({"personal_data", SPONSOR_DATA}))
    ctx = replace(context(), contact=contact)
    which = run(ENGINE, IDLE, inbound("privasi"), ctx)
    assert [c.id for c in which.replies[0].choices] == [PERSONAL_DATA, SPONSOR_DATA]
    notice = run(ENGINE, which.state, inbound("donatur"), ctx)
    assert keys(notice) == [["privacy.sponsor_notice", "privacy.already_agreed_undated"]]
