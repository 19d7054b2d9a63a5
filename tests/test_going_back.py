"""Going back, and names typed in a list (issue 14, item 9).

"kembali" at any step of any flow goes back one step with everything entered kept, or says there is
nothing before; a step that offers its own "Kembali" choice keeps it; a list gone back to after a
decision has behind it what it had the first time; a step reached after something was done in the store
has nothing behind it. The steps behind are stored beside the flow's data, and a session saved before
there were any still works. In the kecamatan and kelurahan lists, a kelurahan (of today or from before
the 2015 merger) or a kecamatan typed by name is understood."""

from __future__ import annotations

import pytest

from conversations.engine import Engine, Outcome
from conversations.flow import Answer, Context, Data, Finish, Flow, Goto, Step, Transition
from conversations.flows import build_engine
from conversations.flows.calculator import calculator_flow
from conversations.flows.my_registrations import my_data_flow
from conversations.flows.registration import RegistrationData, registration_flow
from conversations.messages import Choice, Reply, msg
from conversations.state import STEPS_KEY, Json, SessionState, stored_data, stored_steps
from tests.core_support import MENU, context, inbound, render_reply

ENGINE = build_engine()
NOTHING_BEFORE = "tidak ada langkah sebelumnya"
NOT_IN_LIST = "nama itu tidak ada di daftar"


def _said(outcome: Outcome) -> str:
    return "\n".join(render_reply(reply, "id")[0] for reply in outcome.replies)


def _choices(outcome: Outcome) -> list[str]:
    return render_reply(outcome.replies[-1], "id")[1]


def _say(state: SessionState, *texts: str) -> Outcome:
    outcome = Outcome(state, ())
    for text in texts:
        outcome = ENGINE.handle(outcome.state, inbound(text), context(consented=True))
        assert outcome.fetch is None, text
    return outcome


def _registration(step: str, **fields: object) -> SessionState:
    data = RegistrationData(**fields).dump()  # type: ignore[arg-type]
    return SessionState("registration", registration_flow.version, step, data)


FORM: dict[str, Json] = {"nik": "3375024506850001", "female": True, "full_name": "Siti Aminah"}


# ---- the engine's "kembali" ----------------------------------------------------------------------------


def test_at_the_first_step_there_is_nothing_before() -> None:
    outcome = _say(_registration("full_name", nik="3375024506850001", female=True), "kembali")
    said = _said(outcome)
    assert NOTHING_BEFORE in said
    assert said.endswith("Tulis nama lengkap Anda sesuai KTP.")  # and asked again
    assert outcome.state.step == "full_name"


def test_back_one_step_keeps_what_was_entered() -> None:
    start = _registration("full_name", nik="3375024506850001", female=True)
    walked = _say(start, "Siti Aminah", "05-06-1985")
    assert walked.state.step == "kelurahan"
    back = _say(walked.state, "kembali")
    assert back.state.step == "birth_date"
    assert _said(back) == "Tanggal lahir sesuai KTP? Contoh: 17-08-1975."
    kept = RegistrationData.load(back.state.data)
    assert (kept.full_name, str(kept.birth_date)) == ("Siti Aminah", "1985-06-05")
    twice = _say(back.state, "kembali")
    assert twice.state.step == "full_name"
    assert NOTHING_BEFORE in _said(_say(twice.state, "kembali"))
    again = _say(twice.state, "Siti Aminah Putri")  # answered again: on to the first question not answered
    assert again.state.step == "kelurahan"
    assert RegistrationData.load(again.state.data).full_name == "Siti Aminah Putri"


@pytest.mark.parametrize("word", ["kembali", "Kembali", "/kembali", "balik", "back", "sebelumnya"])
def test_the_words_for_going_back(word: str) -> None:
    walked = _say(_registration("full_name", nik="3375024506850001", female=True), "Siti Aminah")
    assert _say(walked.state, word).state.step == "full_name"


def test_a_step_offering_its_own_kembali_keeps_it() -> None:
    """ "Menu utama" (alias "kembali") at the calculator's last step goes to the menu, as it always did."""
    state = SessionState(calculator_flow.id, calculator_flow.version, "end", {"cause": "other", "member": "none"})
    outcome = _say(state, "kembali")
    assert outcome.state.flow == "menu"
    assert NOTHING_BEFORE not in _said(outcome)


def test_kembali_at_data_sayas_action_step_goes_back_to_the_list() -> None:
    state = SessionState(my_data_flow.id, my_data_flow.version, "action", {"registration_id": 7}, history=("pick",))
    outcome = _say(state, "kembali")
    assert outcome.state.step == "pick"


def test_going_back_from_the_summary_and_answering_again() -> None:
    full: dict[str, Json] = {
        **FORM,
        "birth_date": "1985-06-05",
        "kelurahan_code": "33.75.02.1002",
        "rt": "003",
        "rw": "005",
        "street": "Gg. Melati 2",
        "job_type": "buruh_batik",
        "phone": "6281234567890",
        "breadwinner": True,
    }
    state = SessionState("registration", registration_flow.version, "breadwinner", RegistrationData.load(full).dump())
    at_summary = _say(state, "ya", "ya", "tidak")
    assert at_summary.state.step == "summary"
    back = _say(at_summary.state, "kembali")
    assert back.state.step != "summary"
    assert _say(back.state, "tidak tahu").state.step == "summary"


# ---- the steps behind, on a flow of its own ----------------------------------------------------------


def _to(step: str) -> Step:
    def ask(_: Context, __: Data) -> Reply:
        return Reply.of(
            msg("place.label", name=f"step {step}"), choices=(Choice("next", msg("place.label", name="x")),)
        )

    def on_answer(_: Context, data: Data, answer: Answer) -> Transition:
        following = {"a": "b", "b": "c", "c": "a"}[step]
        return Goto(following, data) if answer.text != "finish" else Finish()

    return Step(ask=ask, on_answer=on_answer)


_HUB = Flow(
    id="hub",
    version=1,
    title=msg("place.label", name="hub"),
    start=lambda _, __: Goto("a", {}),
    steps={"a": _to("a"), "b": _to("b"), "c": _to("c")},
)


def _hub_engine(**steps: Step) -> Engine:
    flow = Flow(id="hub", version=1, title=_HUB.title, start=_HUB.start, steps={**_HUB.steps, **steps})
    return Engine([flow, *(f for f in build_engine().flows.values() if f.id != "hub")], ("hub",))


def test_a_step_reached_again_has_behind_it_what_it_had_the_first_time() -> None:
    engine = _hub_engine()
    state = SessionState("hub", 1, "a")
    for expected, behind in (("b", ("a",)), ("c", ("a", "b")), ("a", ())):
        state = engine.handle(state, inbound("1"), context()).state
        assert (state.step, state.history) == (expected, behind)


def test_a_step_after_something_done_has_nothing_behind_it() -> None:
    engine = _hub_engine(c=Step(ask=_to("c").ask, on_answer=_to("c").on_answer, no_way_back=True))
    state = engine.handle(SessionState("hub", 1, "b", history=("a",)), inbound("1"), context()).state
    assert (state.step, state.history) == ("c", ())
    back = engine.handle(state, inbound("kembali"), context())
    assert back.state.step == "c"
    assert NOTHING_BEFORE in "\n".join(render_reply(reply, "id")[0] for reply in back.replies)


def test_a_new_flow_starts_with_nothing_behind() -> None:
    outcome = ENGINE.handle(MENU, inbound("daftar"), context(consented=True))
    assert outcome.state.flow == "registration"
    assert outcome.state.history == ()


# ---- the stored session -------------------------------------------------------------------------------


def test_the_steps_behind_are_stored_beside_the_data_and_read_back() -> None:
    state = SessionState("registration", 2, "rt", {"nik": "x"}, history=("nik", "kelurahan"))
    stored = stored_data(state)
    assert stored == {"nik": "x", STEPS_KEY: ["nik", "kelurahan"]}
    assert stored_steps(stored) == ({"nik": "x"}, ("nik", "kelurahan"))


@pytest.mark.parametrize(
    ("stored", "steps"),
    [({"nik": "x"}, ()), ({"nik": "x", STEPS_KEY: "kelurahan"}, ()), ({"nik": "x", STEPS_KEY: ["a", 3]}, ("a",))],
    ids=["saved-before-there-were-steps", "not-a-list", "not-all-names"],
)
def test_a_session_saved_before_or_garbled_still_reads(stored: dict[str, object], steps: tuple[str, ...]) -> None:
    data, behind = stored_steps(stored)  # type: ignore[arg-type]
    assert data == {"nik": "x"}
    assert behind == steps


def test_a_session_with_nothing_behind_stores_the_data_as_it_was() -> None:
    assert stored_data(SessionState("registration", 2, "nik", {"a": 1})) == {"a": 1}


# ---- names typed in the lists --------------------------------------------------------------------------


def _at_list(step: str, **fields: object) -> SessionState:
    return _registration(step, **{**FORM, "birth_date": "1985-06-05", **fields})


def test_a_kelurahan_typed_at_the_kecamatan_list_is_confirmed_with_its_kecamatan() -> None:
    outcome = _say(_at_list("kecamatan_list"), "medono")
    assert outcome.state.step == "kelurahan_confirm"
    assert _said(outcome) == "Maksud Anda Kelurahan Medono, Kecamatan Pekalongan Barat?"
    confirmed = _say(outcome.state, "ya")
    assert RegistrationData.load(confirmed.state.data).kelurahan_code == "33.75.01.1002"


def test_a_name_from_before_the_merger_and_a_typo_are_understood_at_the_list() -> None:
    former = _say(_at_list("kecamatan_list"), "noyontaan")
    assert _said(former) == "Maksud Anda Kelurahan Noyontaansari, Kecamatan Pekalongan Timur?"
    typo = _say(_at_list("kecamatan_list"), "podosugh")
    assert "Podosugih" in _said(typo)


def test_another_kecamatan_typed_at_a_kelurahan_list_opens_its_list() -> None:
    outcome = _say(_at_list("kelurahan_list", kecamatan_code="33.75.01"), "pekalongan timur")
    assert outcome.state.step == "kelurahan_list"
    assert _said(outcome) == "Pilih kelurahan di Kecamatan Pekalongan Timur:"
    assert "Noyontaansari" in _choices(outcome)


def test_a_kelurahan_of_another_kecamatan_typed_at_a_kelurahan_list() -> None:
    outcome = _say(_at_list("kelurahan_list", kecamatan_code="33.75.01"), "kauman")
    assert _said(outcome) == "Maksud Anda Kelurahan Kauman, Kecamatan Pekalongan Timur?"


def test_a_name_in_no_list_is_refused_with_what_to_type() -> None:
    outcome = _say(_at_list("kecamatan_list"), "jakarta selatan")
    assert outcome.state.step == "kecamatan_list"
    said = _said(outcome)
    assert NOT_IN_LIST in said
    assert "kembali" in said
    assert said.endswith("Pilih kecamatan:")


def test_the_kecamatan_list_still_takes_numbers() -> None:
    outcome = _say(_at_list("kecamatan_list"), "2")
    assert _said(outcome) == "Pilih kelurahan di Kecamatan Pekalongan Timur:"


def test_kembali_from_a_wrong_kecamatan_lists_the_kecamatan_again() -> None:
    typed = _at_list("kelurahan")
    at_kelurahan = _say(typed, "pilih dari daftar", "1")
    assert at_kelurahan.state.step == "kelurahan_list"
    back = _say(at_kelurahan.state, "kembali")
    assert back.state.step == "kecamatan_list"
    assert _said(back) == "Pilih kecamatan:"
    assert _say(back.state, "kembali").state.step == "kelurahan"
