"""Whatever arrives at any step of the worker's and the paying sponsor's flows (sponsor_offer,
sponsor_payment, sponsor_news), with the store answering as tests/sponsor_worker_answers.py says: the
engine answers, never raises, leaves the person somewhere it can go on from, and every reply fits the
channels — as tests/test_properties.py checks for every flow once these are listed among them."""

from __future__ import annotations

from dataclasses import replace

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from conversations.engine import LANGUAGES, Engine
from conversations.flows import ALL_FLOWS, MAIN_MENU
from conversations.flows.sponsor_news import sponsor_news_flow
from conversations.flows.sponsor_offer import sponsor_offer_flow
from conversations.flows.sponsor_payment import sponsor_payment_flow
from conversations.questions.desk import default_desk
from conversations.requests.base import Request
from conversations.requests.sponsors import MySponsor
from conversations.state import SessionState
from tests.core_support import context, default_answer, inbound, render_reply, run
from tests.sponsor_worker_answers import SPONSOR_WORKER_REQUESTS, sponsor_worker_answer

MINE = (sponsor_offer_flow, sponsor_payment_flow, sponsor_news_flow)
_LISTED = {flow.id for flow in ALL_FLOWS}
ENGINE = Engine(
    (*ALL_FLOWS, *(flow for flow in MINE if flow.id not in _LISTED)),
    MAIN_MENU,
    questions=default_desk(),
    question_flow="benefits",
)
STATES = {
    **{f"{flow.id}.{step}": SessionState(flow.id, flow.version, step) for flow in MINE for step in flow.steps},
    "sponsor_offer.confirm+offer": SessionState(
        "sponsor_offer",
        1,
        "confirm",
        {
            "code": "ABCD2345",
            "sponsor_kind": "csr",
            "months": 12,
            "start_month": "2026-12-01",
            "chosen": {"registration_id": 7, "full_name": "Siti Aminah", "own": False},
        },
    ),
    "sponsor_payment.pick+months": SessionState(
        "sponsor_payment",
        1,
        "pick",
        {"months": [{"sponsorship_id": 3, "period": "2026-12-01", "due_on": "2026-12-10", "name": "Siti"}] * 4},
    ),
    "sponsor_payment.more+waiting": SessionState(
        "sponsor_payment",
        1,
        "more",
        {"waiting": [{"sponsorship_id": 3, "period": "2026-12-01", "due_on": "2026-12-10", "name": "Siti"}] * 5},
    ),
    "idle, a letter waiting": SessionState(),
}
_WORDS = ["terima ABCD2345", "terima kasih", "sudah bayar", "belum", "semua", "ya", "tidak", "1", "2", "9", "batal"]
texts = st.one_of(st.text(max_size=60), st.sampled_from(_WORDS))


def _answer(request: Request[object]) -> object:
    if isinstance(request, (*SPONSOR_WORKER_REQUESTS, MySponsor)):
        return sponsor_worker_answer(request)
    return default_answer(request)


@pytest.mark.parametrize("state", list(STATES.values()), ids=list(STATES))
@settings(max_examples=60, deadline=None)
@given(
    text=texts,
    language=st.sampled_from(LANGUAGES),
    consented=st.booleans(),
    awaiting=st.sampled_from([None, "sponsor_payment", "sponsor_news"]),
)
def test_any_text_at_any_step(
    state: SessionState, text: str, language: str, consented: bool, awaiting: str | None
) -> None:
    ctx = context(language, consented=consented)
    ctx = replace(ctx, contact=replace(ctx.contact, awaiting=awaiting))
    outcome = run(ENGINE, state, inbound(text), ctx, _answer)
    assert outcome.replies
    for reply in outcome.replies:
        for choice in reply.choices:
            assert 0 < len(choice.id.encode()) <= 64
        for rendered_in in LANGUAGES:
            body, labels = render_reply(reply, rendered_in)
            assert body.strip()
            assert len(body) <= 4096
            assert all(0 < len(label.strip()) <= 64 for label in labels)
