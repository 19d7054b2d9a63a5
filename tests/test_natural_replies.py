"""Replies in people's own words to the choices a step offers (conversations/replies.py, through
conversations.choices): yes and no in their everyday forms, a choice inside a sentence, a field named
loosely, numbers in words, and "ya 2 anak" taking the yes and the count. Table-driven over the choice
sets the flows really offer, built the way the engine builds them (each label in every language, then
the aliases), and then through the engine itself."""

from __future__ import annotations

from collections.abc import Sequence

import pytest

from conversations.choices import LabelledChoice, read_choice
from conversations.effects import Effect, RecordConsent
from conversations.engine import LANGUAGES, Engine
from conversations.flows import ALL_FLOWS, MAIN_MENU
from conversations.flows.calculator import CalculatorData
from conversations.flows.claims import _HAVE, _LATER, _LIST, _NOT_NEEDED, _NOT_YET, _children_choices
from conversations.flows.common import YES_NO, YES_NO_UNKNOWN
from conversations.flows.corrections import correction_steps
from conversations.flows.privacy import AGREE, DECLINE
from conversations.inbound import InboundKind
from conversations.messages import Choice
from conversations.replies import count_in
from conversations.requests.base import Request
from conversations.requests.claims import SaveClaimCase
from conversations.state import IDLE, SessionState
from tests.core_support import context, default_answer, inbound, keys, programme, run

ENGINE = Engine(ALL_FLOWS, MAIN_MENU)
CTX = context("id", consented=True)


def _labelled(choices: Sequence[Choice]) -> list[LabelledChoice]:
    render = CTX.renderer.render
    return [
        LabelledChoice(c.id, (*(render(c.label, lang) for lang in LANGUAGES), *c.aliases), c.number) for c in choices
    ]


def _field_menu() -> list[LabelledChoice]:
    """ "Which one to change?" in Data saya: the registration's fields."""
    return _labelled(correction_steps()["correct_which"].ask(CTX, {}).choices)


SETS = {
    "yes/no": _labelled(YES_NO),
    "yes/no/unknown": _labelled(YES_NO_UNKNOWN),
    "consent": _labelled((AGREE, DECLINE)),
    "menu": _labelled(ENGINE.menu_choices(CTX)),
    "fields": _field_menu(),
    "children": _labelled(_children_choices(programme())),
    "document": _labelled((_HAVE, _NOT_YET, _NOT_NEEDED, _LIST, _LATER)),  # a claim document: have it yet?
}

# ---- yes, no, don't know --------------------------------------------------------------------------

YES_PHRASINGS = [
    # the brief's list
    "ya", "iya", "iyaa", "y", "yoi", "yup", "betul", "benar", "bener", "setuju", "ya setuju", "oke", "ok",
    "sudah", "udah", "udh", "sdh", "sampun", "enggih", "nggih", "inggih", "ho oh", "he eh", "muhun", "leres",
    # with fillers, held-down letters, capitals, punctuation
    "iya kak", "ya pak", "oke deh", "iya dong", "ya bu", "iyaaa", "Ya!", "YA", "okee", "sip", "siap", "boleh",
    "yes", "iya betul", "ya benar", "betul sekali", "nggih pak", "inggih leres", "sampun mas", "muhun leres",
    "ho'oh", "heeh", "sudah pernah", "ya sudah", "yaudah", "iya, setuju", "setuju banget", "saya setuju",
    "setuju kak", "Iya, saya setuju.",
]  # fmt: skip
NO_PHRASINGS = [
    # the brief's list
    "tidak", "tdk", "gak", "ga", "nggak", "ngga", "enggak", "engga", "ndak", "belum", "blm", "blom", "dereng",
    "mboten", "ora", "teu", "henteu", "bukan", "no",
    # negation wins over what it negates
    "tidak setuju", "gak mau", "belum pernah", "blm pernah", "tidak mau", "ndak mau", "saya tidak setuju",
    "saya tidak setuju dengan itu", "gak setuju", "tidak pernah", "belum sama sekali",
    # with fillers, held-down letters, other words
    "tidak kak", "gak dong", "enggak deh", "mboten pak", "teu acan", "belum pak", "no thanks", "nope",
    "gaaak", "tidaaak", "kagak", "tidak, terima kasih", "ora usah", "jangan", "Tidak.",
]  # fmt: skip
UNKNOWN_PHRASINGS = [
    "tidak tahu", "gak tau", "ga ngerti", "gatau", "gak tahu", "nggak ngerti", "kurang tahu", "belum tahu",
    "entah", "embuh", "mboten ngertos", "ora ngerti", "teu terang", "teu nyaho", "ndak tau", "tidak yakin",
    "gtw", "saya tidak tahu", "wah gak tau kak", "kurang paham",
]  # fmt: skip


@pytest.mark.parametrize("text", YES_PHRASINGS)
@pytest.mark.parametrize(("choices", "yes"), [("yes/no", "yes"), ("yes/no/unknown", "yes"), ("consent", "agree")])
def test_yes_in_its_common_forms(text: str, choices: str, yes: str) -> None:
    assert read_choice(text, None, SETS[choices]).choice == yes


@pytest.mark.parametrize("text", NO_PHRASINGS)
@pytest.mark.parametrize(("choices", "no"), [("yes/no", "no"), ("yes/no/unknown", "no"), ("consent", "decline")])
def test_no_in_its_common_forms(text: str, choices: str, no: str) -> None:
    assert read_choice(text, None, SETS[choices]).choice == no


@pytest.mark.parametrize("text", UNKNOWN_PHRASINGS)
def test_not_knowing_is_unknown_where_it_is_offered(text: str) -> None:
    assert read_choice(text, None, SETS["yes/no/unknown"]).choice == "unknown"


@pytest.mark.parametrize("text", UNKNOWN_PHRASINGS)
@pytest.mark.parametrize("choices", ["yes/no", "consent"])
def test_not_knowing_is_never_a_yes_or_a_no(text: str, choices: str) -> None:
    assert read_choice(text, None, SETS[choices]).choice is None


NOT_AN_ANSWER = [
    "nanti ya", "gimana ya", "ya tapi nanti", "setuju tidak setuju", "ya belum", "ya tidak", "apa itu?",
    "berapa iurannya", "bisa ikut gk", "udah diproses blm ya", "kok saya ga dapet blt",
    "tidak bisa login aplikasi jmo", "iya kah?", "xyz", "🙂", "tahu", "mau", "saya", "hmm", "nanti dulu",
    "tunggu sebentar", "mau tanya dulu", "ya, tapi saya mau tanya", "mungkin", "pikir pikir dulu",
    "boleh tanya?", "data saya buat apa", "yes no",
]  # fmt: skip


@pytest.mark.parametrize("text", NOT_AN_ANSWER)
@pytest.mark.parametrize("choices", ["yes/no", "yes/no/unknown", "consent"])
def test_questions_contrasts_and_both_at_once_are_no_answer(text: str, choices: str) -> None:
    assert read_choice(text, None, SETS[choices]).choice is None


@pytest.mark.parametrize(
    ("text", "expected"),
    [
        ("udah", "have"),
        ("sudah punya", "have"),
        ("sampun", "have"),
        ("blm", "not_yet"),
        ("belum ada", "not_yet"),
        ("ga ada", "not_yet"),
        ("dereng", "not_yet"),
        ("gak perlu", "not_needed"),  # the no of another choice: its own words decide
        ("tidak perlu kak", "not_needed"),
        ("ya lihat daftar", "list"),
        ("nanti aja", "later"),
        ("gak tau", None),  # no "don't know" offered
        ("sudah belum", None),
    ],
)
def test_a_claim_document_answered_in_own_words(text: str, expected: str | None) -> None:
    assert read_choice(text, None, SETS["document"]).choice == expected


def test_a_choice_takes_its_polarity_from_its_own_names() -> None:
    # "Simpan" and "Jangan" say nothing by their labels; their aliases make them the yes and the no.
    save = LabelledChoice("save", ["Ya, simpan", "ya"])
    cancel = LabelledChoice("cancel", ["Batal", "jangan"])
    assert read_choice("iya dong", None, [save, cancel]).choice == "save"
    assert read_choice("gak usah", None, [save, cancel]).choice == "cancel"
    # Two choices that both mean yes: nothing is guessed.
    twice = [LabelledChoice("a", ["Ya, kirim"]), LabelledChoice("b", ["Ya, ubah"]), LabelledChoice("c", ["Tidak"])]
    assert read_choice("iya", None, twice).choice is None


def test_a_no_is_never_taken_for_the_only_yes_offered() -> None:
    only_agree = [LabelledChoice("approved", ["Disetujui", "setuju"]), LabelledChoice("all", ["Semua"])]
    assert read_choice("ga setuju", None, only_agree).choice is None
    assert read_choice("setuju", None, only_agree).choice == "approved"


# ---- a count besides the choice: "ya 2 anak" ----------------------------------------------------


@pytest.mark.parametrize(
    ("text", "choice", "number"),
    [
        ("ya 2 anak", "yes", 2),
        ("ya 2", "yes", 2),
        ("iya dua anak", "yes", 2),
        ("iya, 3 anak", "yes", 3),
        ("ada 2 anak", "yes", 2),
        ("ya ada dua", "yes", 2),
        ("sudah, anak saya 2", "yes", 2),
        ("iya telu", "yes", 3),
        ("muhun tilu", "yes", 3),
        ("ya loro", "yes", 2),
        ("nggih kalih", "yes", 2),
        ("ya, anak saya umur 12", "yes", None),  # an age, not a count
        ("ya, kelas 3", "yes", None),
        ("ya", "yes", None),
        ("tidak", "no", None),
        ("2", "no", None),  # a number alone picks by position, as always
    ],
)
def test_the_yes_and_the_count_are_both_taken(text: str, choice: str, number: int | None) -> None:
    read = read_choice(text, None, SETS["yes/no"])
    assert (read.choice, read.number) == (choice, number)


@pytest.mark.parametrize(
    ("text", "count"),
    [
        ("2 anak", 2),
        ("dua", 2),
        ("telu", 3),
        ("tilu", 3),
        ("ada loro", 2),
        ("anaknya 2", 2),
        ("sepuluh", 10),
        ("papat", 4),
        ("opat", 4),
        ("lima orang", 5),
        ("siji", 1),
        ("hiji", 1),
        ("umur 12", None),
        ("kelas 3", None),
        ("2 atau 3", None),
        ("banyak", None),
        ("", None),
        ("tidak ada", None),
    ],
)
def test_counts_in_digits_and_words(text: str, count: int | None) -> None:
    assert count_in(text) == count


# ---- a choice inside a sentence, numbers in words (the main menu) --------------------------------

MENU_PHRASINGS = [
    ("sy mau daftar", "registration"),
    ("saya mau daftar", "registration"),
    ("mau daftar dong", "registration"),
    ("daftar aja", "registration"),
    ("daftar dong kak", "registration"),
    ("pengen daftar", "registration"),
    ("aku mau daftar bpjs", "registration"),
    ("daftarkan saya", "registration"),
    ("sy mau dftar", "registration"),
    ("mau daftar sekarang", "registration"),
    ("Saya ingin daftar.", "registration"),
    ("ok daftar", "registration"),
    ("mau cek status dong", "status"),
    ("cek status aja", "status"),
    ("mau lihat status pendaftaran", "status"),
    ("statusnya", "status"),
    ("mau klaim", "claim"),
    ("klaim dong", "claim"),
    ("mau klaim santunan", "claim"),
    ("lapor kecelakaan kerja dong", "accident_report"),
    ("mau lapor kecelakaan", "accident_report"),
    ("mau tanya manfaat", "benefits"),
    ("lihat data saya dong", "my_data"),
    ("mau cek kelayakan", "eligibility"),
    ("bantuan dong", "help"),
    # numbers in words: a position in the list
    ("saya pilih yang kedua", "registration"),
    ("yg nomor 2", "registration"),
    ("nomor dua", "registration"),
    ("yang pertama", "eligibility"),
    ("pertama", "eligibility"),
    ("ke-3", "benefits"),
    ("ke 3", "benefits"),
    ("yang ketiga", "benefits"),
    ("nomer empat", "claim"),
    ("lima", "accident_report"),
    ("pilih yang keenam", "status"),
    ("pitu", "my_data"),
    ("wolu", "privacy"),
    ("sanga", "language"),
    ("sepuluh", "help"),
    ("yang terakhir", "help"),
    ("siji", "eligibility"),
    ("loro", "registration"),
    ("telu", "benefits"),
    ("papat", "claim"),
    ("hiji", "eligibility"),
    ("tilu", "benefits"),
    ("opat", "claim"),
]


@pytest.mark.parametrize(("text", "expected"), MENU_PHRASINGS)
def test_the_menu_entry_named_in_a_sentence_or_by_a_number_in_words(text: str, expected: str) -> None:
    assert read_choice(text, None, SETS["menu"]).choice == expected


MENU_NOT_GUESSED = [
    "gak mau daftar",  # negated
    "belum mau daftar",
    "jangan daftar",
    "tidak jadi daftar",
    "daftar dan cek status",  # two named
    "mau daftar dan klaim",
    "syarat daftar",
    "cek",  # part of two names
    "piye carane daftar",  # questions
    "daftar gimana?",
    "bagaimana cara daftar",
    "apa itu klaim",
    "status saya kok belum",
    "nanti aja daftar",  # put off
    "daftar tapi nanti",
    "yang kesebelas",  # no such position
    "nomor dua puluh",
    "xyz",
    "saya tinggal di kauman",
    "privasi kesehatan jiwa raga dan lain lain",  # too much else around a name
]


@pytest.mark.parametrize("text", MENU_NOT_GUESSED)
def test_the_menu_guesses_nothing_from_these(text: str) -> None:
    assert read_choice(text, None, SETS["menu"]).choice is None


# ---- a field named loosely (Data saya → which one to change) ------------------------------------

FIELD_PHRASINGS = [
    ("no hp", "phone"),
    ("nomor hp", "phone"),
    ("no. hp", "phone"),
    ("nmr hp", "phone"),
    ("no telp", "phone"),
    ("no wa", "phone"),
    ("hp", "phone"),
    ("hape", "phone"),
    ("ganti no hp", "phone"),
    ("ubah nomor hp", "phone"),
    ("nomor telepon", "phone"),
    ("tgl lahir", "birth_date"),
    ("tanggal lahir", "birth_date"),
    ("tgl lhr", "birth_date"),
    ("ubah tanggal lahir", "birth_date"),
    ("lahir", "birth_date"),
    ("salah tgl lahir", "birth_date"),
    ("almt", "street"),
    ("alamat", "street"),
    ("jalan", "street"),
    ("gang", "street"),
    ("ganti alamat", "street"),
    ("nm", "full_name"),
    ("nama", "full_name"),
    ("nama lengkap", "full_name"),
    ("ganti nama", "full_name"),
    ("kerjaan", "job_type"),
    ("pekerjaan", "job_type"),
    ("kerja", "job_type"),
    ("ganti pekerjaan", "job_type"),
    ("profesi", "job_type"),
    ("nik", "nik"),
    ("ganti nik", "nik"),
    ("kelurahan", "kelurahan_code"),
    ("kel", "kelurahan_code"),
    ("desa", "kelurahan_code"),
    ("rt", "rt"),
    ("rw", "rw"),
    ("dtsen", "poverty_register"),
    ("bansos", "poverty_register"),
    ("tulang punggung", "breadwinner"),
    ("yang kedua", "full_name"),
    ("ke-3", "birth_date"),
]


@pytest.mark.parametrize(("text", "expected"), FIELD_PHRASINGS)
def test_a_field_named_loosely(text: str, expected: str) -> None:
    assert read_choice(text, None, SETS["fields"]).choice == expected


@pytest.mark.parametrize(
    "text", ["nama dan alamat", "rt rw", "rt dan rw", "tidak ada", "semua", "bukan nama", "jangan ubah nama", "no"]
)
def test_no_field_is_guessed_from_these(text: str) -> None:
    assert read_choice(text, None, SETS["fields"]).choice is None


# ---- a step that also takes free text: whole-message forms only ---------------------------------

CHILDREN_PHRASINGS = [
    ("1", "1"),
    ("satu", "1"),
    ("siji", "1"),
    ("hiji", "1"),
    ("one", "1"),
    ("yang pertama", "1"),
    ("dua", "2"),
    ("loro", "2"),
    ("kalih", "2"),
    ("2", "2"),
    ("ke-2", "2"),
    ("tiga", None),  # not offered; the step reads the count from the text itself
    ("anak saya dua, umur 12", None),
]


@pytest.mark.parametrize(("text", "expected"), CHILDREN_PHRASINGS)
def test_the_children_count_in_words(text: str, expected: str | None) -> None:
    assert read_choice(text, None, SETS["children"], strict=True).choice == expected


SKIP = [LabelledChoice("skip", ["Lewati", "Skip"])]  # a street step that may be left empty


@pytest.mark.parametrize(
    "text",
    ["Jl. Lewati Raya", "gang lewati no 3", "jalan lewati", "Lewati Indah blok C", "Lewati Indah", "lewati baru"],
)
def test_a_street_name_is_never_taken_for_a_choice_at_a_free_text_step(text: str) -> None:
    assert read_choice(text, None, SKIP, strict=True).choice is None


@pytest.mark.parametrize("text", ["Lewati Indah", "lewati baru"])
def test_only_strictness_keeps_those_streets(text: str) -> None:
    assert read_choice(text, None, SKIP).choice == "skip"  # a step with choices only would take it


@pytest.mark.parametrize("text", ["lewati", "Lewati saja", "lewati aja kak", "skip", "yang pertama"])
def test_clearly_a_choice_is_taken_at_a_free_text_step(text: str) -> None:
    assert read_choice(text, None, SKIP, strict=True).choice == "skip"


def test_at_a_free_text_step_a_yes_or_no_counts_only_as_the_whole_message() -> None:
    yes_no = SETS["yes/no"]
    assert read_choice("iya kak", None, yes_no, strict=True).choice == "yes"
    assert read_choice("ya 2", None, yes_no, strict=True).number == 2
    assert read_choice("ya 2 anak", None, yes_no, strict=True).choice is None
    assert read_choice("belum punya ktp", None, yes_no, strict=True).choice is None


def test_a_kelurahan_typed_with_a_choice_word_in_it_stays_the_kelurahan() -> None:
    typed = ENGINE.flows["registration"].steps["kelurahan"]
    choices = _labelled(typed.ask(CTX, {}).choices)
    assert read_choice("Kauman, dekat luar kota", None, choices, strict=True).choice is None
    assert read_choice("luar kota", None, choices, strict=True).choice == "outside"


# ---- through the engine ----------------------------------------------------------------------------


def _consent(effects: Sequence[Effect]) -> bool | None:
    """Whether the consent recorded was given; None when none was recorded."""
    return next((e.granted for e in effects if isinstance(e, RecordConsent)), None)


def test_ya_setuju_at_the_consent_step_records_consent() -> None:
    state = SessionState("privacy", 1, "notice", {"then": "about"})
    outcome = ENGINE.handle(state, inbound("ya setuju"), context())
    assert _consent(outcome.effects) is True
    refused = ENGINE.handle(state, inbound("gak mau"), context())
    assert _consent(refused.effects) is False


def test_sy_mau_daftar_at_the_menu_starts_the_registration() -> None:
    outcome = ENGINE.handle(IDLE, inbound("sy mau daftar"), CTX)
    assert outcome.state.flow == "registration"
    negated = ENGINE.handle(IDLE, inbound("gak mau daftar"), CTX)
    assert negated.state.flow != "registration"


def test_a_tapped_button_is_still_the_button() -> None:
    state = SessionState("privacy", 1, "notice", {"then": "about"})
    outcome = ENGINE.handle(state, inbound("gak mau", kind=InboundKind.CHOICE, choice_id="agree"), context())
    assert _consent(outcome.effects) is True


def test_a_flows_own_words_beat_a_loose_reading_of_them() -> None:
    # "Mau menghitung lagi?" offers "Hitung lagi" (alias "hitung"): "hitung manfaat" is the calculator's
    # own name, so it starts the calculator afresh, while "hitung dong" is the choice.
    state = SessionState("calculator", 1, "end", CalculatorData(has_registration=True).dump())
    assert keys(run(ENGINE, state, inbound("hitung manfaat"), CTX))[0] == ["calculator.intro"]
    assert keys(run(ENGINE, state, inbound("hitung dong"), CTX)) == [["calculator.ask_cause"]]


class _Claim:
    """A claim run to the "does the deceased have school-age children?" step, the cases it saved kept."""

    def __init__(self) -> None:
        self.saved: list[SaveClaimCase] = []
        self.state = IDLE
        for text in ("klaim ahli waris", "tidak tahu", "sakit", "15-11-2026", "istri"):
            self.say(text)
        assert self.state.step == "has_children"

    def answer(self, request: Request[object]) -> object:
        if isinstance(request, SaveClaimCase):
            self.saved.append(request)
        return default_answer(request)

    def say(self, text: str) -> list[str]:
        outcome = run(ENGINE, self.state, inbound(text), CTX, self.answer)
        self.state = outcome.state
        return [key for reply in keys(outcome) for key in reply]


@pytest.mark.parametrize(("text", "children"), [("ya 2 anak", 2), ("iya dua anak", 2), ("ya 1", 1), ("ya 5 anak", 2)])
def test_ya_2_anak_goes_straight_past_the_count(text: str, children: int) -> None:
    claim = _Claim()
    said = claim.say(text)
    assert "claims.ask_children" not in said
    assert claim.saved[-1].case["children"] == children  # at most the programme's maximum, as the count step


@pytest.mark.parametrize("text", ["ya", "iya kak", "ho oh"])
def test_a_plain_yes_still_asks_how_many(text: str) -> None:
    claim = _Claim()
    assert claim.say(text)[-1] == "claims.ask_children"
    claim.say("loro")
    assert claim.saved[-1].case["children"] == 2


@pytest.mark.parametrize("text", ["blm", "gak ada", "mboten"])
def test_a_no_in_any_form_means_no_children(text: str) -> None:
    claim = _Claim()
    claim.say(text)
    assert claim.saved[-1].case["children"] == 0
