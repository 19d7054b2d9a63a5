"""Whatever arrives, at whichever step: the engine answers, never raises, and every reply fits the
channels (Telegram: 4096 characters a message; a choice label short enough for a button or list row)."""

from __future__ import annotations

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conversations.engine import LANGUAGES, MENU_FLOW, Outcome
from conversations.flows import ALL_FLOWS, build_engine
from conversations.global_words import GlobalWord
from conversations.inbound import Inbound, InboundKind
from conversations.state import IDLE, Json, SessionState
from tests.core_support import MENU, context, inbound, render_reply, run

ENGINE = build_engine()
MAX_BODY_CHARS = 4096
MAX_LABEL_CHARS = 64
MAX_CHOICE_ID_BYTES = 64  # Telegram callback_data

DRAFT: dict[str, Json] = {
    "for_other": False,
    "nik": "3375014506850001",
    "female": True,
    "full_name": "Siti Aminah",
    "birth_date": "1985-06-05",
    "kelurahan_code": "33.75.01.1002",
    "rt": "003",
    "rw": "005",
    "street": "Jl. Sampangan Gg. 3",
    "job_type": "buruh_batik",
    "phone": "6281234567890",
    "breadwinner": True,
    "poverty_register": "yes",
}

# Every place a person can be: idle, the menu, every step of every flow (with the data a step may
# carry), and sessions a deploy has made stale. A new flow's steps are picked up here by themselves.
STATES: dict[str, SessionState] = {
    "idle": IDLE,
    "menu": MENU,
    **{f"{f.id}.{step}": SessionState(f.id, f.version, step) for f in ALL_FLOWS for step in f.steps},
    "privacy.notice+then": SessionState("privacy", 1, "notice", {"then": "about"}),
    "privacy.notice+removed-then": SessionState("privacy", 1, "notice", {"then": "gone"}),
    "privacy.notice+odd-then": SessionState("privacy", 1, "notice", {"then": ["about"]}),
    "stale-version": SessionState("privacy", 99, "notice"),
    "unknown-step": SessionState("language", 1, "gone"),
    "unknown-flow": SessionState("gone", 1, "gone", {"x": 1}),
    "registration.summary+draft": SessionState("registration", 1, "summary", DRAFT),
    "registration.birth_date+nik": SessionState("registration", 1, "birth_date", {"nik": "3375014506850001"}),
    "registration.nik+birth_date": SessionState("registration", 1, "nik", {"birth_date": "1985-06-05"}),
    "registration.change_which+draft": SessionState("registration", 1, "change_which", DRAFT),
    "registration.kelurahan_confirm+two": SessionState(
        "registration", 1, "kelurahan_confirm", {"kelurahan_candidates": ["33.75.01.1002", "33.75.02.1002"]}
    ),
    "registration.kelurahan_list+kecamatan": SessionState(
        "registration", 1, "kelurahan_list", {"kecamatan_code": "33.75.01"}
    ),
    "registration.job_pick+candidates": SessionState(
        "registration", 1, "job_pick", {"job_candidates": ["kuli_bangunan"]}
    ),
    "my_data.action+one": SessionState("my_data", 1, "action", {"registration_id": 7}),
    "my_data.correct_value+nik": SessionState(
        "my_data", 1, "correct_value", {"registration_id": 7, "correct_field": "nik"}
    ),
    "neighbours.pick+options": SessionState("neighbours", 1, "pick", {"options": [[7, "#7 Siti Aminah"]]}),
    "paused-draft": SessionState(None, 0, None, {}, 0, {"registration": DRAFT}),
}
at_every_step = pytest.mark.parametrize("state", list(STATES.values()), ids=list(STATES))
moderately = settings(max_examples=200, deadline=None)

# Words the engine knows, so that generated text also reaches the branches that act on them.
_KNOWN = [
    *(w.value for w in GlobalWord),
    *(f"/{w.value}" for w in GlobalWord),
    "halo",
    "1",
    "2",
    "3",
    "4",
    "nomor 2",
    "setuju",
    "tidak",
    "privsi",
    "english",
    "daftar",
    "3375014506850001",
    "17-08-1975",
    "45",
    "narik becak",
    "Medono",
    "kode ABCD2345",
    "/start ABCD2345",
]
_CHOICE_IDS = [
    *(f.id for f in ALL_FLOWS),
    *("agree", "decline", "id", "en", MENU_FLOW, "yes", "no", "unknown", "list", "submit", "change", "7", "nik"),
]

known_words = st.sampled_from(_KNOWN)
texts = st.one_of(
    st.text(),
    known_words,
    st.builds(lambda word, noise: word + noise, known_words, st.text(max_size=20)),
    st.builds(lambda noise, word: noise + word, st.text(max_size=20), known_words),
)
long_texts = st.one_of(
    st.builds(lambda unit, times: (unit * times)[:100_000], st.text(min_size=1, max_size=30), st.integers(1, 100_000)),
    st.builds(
        lambda word, filler, times: word + filler * times,
        known_words,
        st.text(min_size=1, max_size=3),
        st.integers(300, 33_000),
    ),
)
choice_ids = st.one_of(st.none(), st.sampled_from(_CHOICE_IDS), st.text())
languages = st.sampled_from(LANGUAGES)
any_inbound = st.builds(
    lambda text, kind, choice_id, phone: inbound(text, kind=kind, choice_id=choice_id, phone=phone),
    st.one_of(st.text(max_size=40), known_words),
    st.sampled_from(InboundKind),
    choice_ids,
    st.one_of(st.none(), st.text(max_size=30)),
)


def _resumable(state: SessionState) -> bool:
    """The engine only ever leaves a person somewhere it can continue from."""
    if state.idle or state.flow == MENU_FLOW:
        return True
    flow = ENGINE.flows.get(state.flow or "")
    return flow is not None and flow.version == state.flow_version and (state.step or "") in flow.steps


def _check(state: SessionState, message: Inbound, language: str, consented: bool) -> None:
    # A consenting person is also an RT/RW leader here, so the leaders' branches are reached too.
    roles = frozenset({"rtrw"}) if consented else frozenset()
    outcome: Outcome = run(ENGINE, state, message, context(language, consented=consented, roles=roles))
    assert outcome.replies, "every message gets an answer"
    assert outcome.language in LANGUAGES
    assert _resumable(outcome.state), outcome.state
    for reply in outcome.replies:
        for choice in reply.choices:
            assert 0 < len(choice.id.encode()) <= MAX_CHOICE_ID_BYTES, choice.id
        for rendered_in in LANGUAGES:
            body, labels = render_reply(reply, rendered_in)
            assert body.strip(), reply
            assert len(body) <= MAX_BODY_CHARS, (len(body), reply)
            for label in labels:
                assert label.strip(), reply
                assert len(label) <= MAX_LABEL_CHARS, label


@at_every_step
@moderately
@given(text=texts, language=languages, consented=st.booleans())
def test_any_text_at_any_step(state: SessionState, text: str, language: str, consented: bool) -> None:
    _check(state, inbound(text), language, consented)


@at_every_step
@moderately
@given(text=long_texts, language=languages, consented=st.booleans())
def test_very_long_text_at_any_step(state: SessionState, text: str, language: str, consented: bool) -> None:
    _check(state, inbound(text), language, consented)


@at_every_step
@moderately
@given(message=any_inbound, language=languages, consented=st.booleans())
def test_any_button_or_message_kind_at_any_step(
    state: SessionState, message: Inbound, language: str, consented: bool
) -> None:
    _check(state, message, language, consented)


@pytest.mark.parametrize("flow_id", ENGINE.menu)
@pytest.mark.parametrize("language", LANGUAGES)
@pytest.mark.parametrize("consented", [False, True])
def test_every_menu_entry_starts_within_the_limits(flow_id: str, language: str, consented: bool) -> None:
    # Flows without steps (about, help) are only ever seen as they start: check each one explicitly.
    _check(MENU, inbound(kind=InboundKind.CHOICE, choice_id=flow_id), language, consented)
