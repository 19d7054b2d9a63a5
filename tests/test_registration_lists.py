"""A list of registrations ("Data saya", "Warga saya") is picked by registration number, like the
verifier's: the number typed is the number shown, never a position in the list."""

from __future__ import annotations

from dataclasses import replace

from conversations.engine import Engine, Outcome
from conversations.flow import Context
from conversations.flows import ALL_FLOWS, MAIN_MENU
from conversations.requests.base import Request
from conversations.requests.registrations import ListRegistrations
from conversations.state import IDLE
from tests.core_support import SAMPLE_VIEW, context, default_answer, inbound, keys, render_reply, run

ENGINE = Engine(ALL_FLOWS, MAIN_MENU)
NEIGHBOURS = (
    replace(SAMPLE_VIEW, id=2, full_name="SRI WAHYUNI", nik_masked="3375••••••••0002"),
    replace(SAMPLE_VIEW, id=3, full_name="SLAMET RIYADI", nik_masked="3375••••••••0003"),
)


def _answer(request: Request[object]) -> object:
    return NEIGHBOURS if isinstance(request, ListRegistrations) else default_answer(request)


def _listed() -> tuple[Context, Outcome]:
    ctx = context(consented=True, roles=frozenset({"rtrw"}))
    return ctx, run(ENGINE, IDLE, inbound("warga saya"), ctx, _answer)


def test_the_list_shows_registration_numbers_and_a_typed_number_opens_that_one() -> None:
    ctx, listed = _listed()
    labels = render_reply(listed.replies[-1], "id")[1]
    assert [label.split(":")[0] for label in labels] == [
        "No. 2 SRI WAHYUNI (3375••••••••0002)",
        "No. 3 SLAMET RIYADI (3375••••••••0003)",
    ]
    opened = run(ENGINE, listed.state, inbound("3"), ctx, _answer)
    assert "SLAMET RIYADI" in render_reply(opened.replies[0], "id")[0]


def test_a_position_number_that_is_no_registration_number_is_explained() -> None:
    ctx, listed = _listed()
    wrong = run(ENGINE, listed.state, inbound("1"), ctx, _answer)
    assert keys(wrong)[0][0] == "mydata.number_not_listed"
    assert "Yang ditampilkan: No. 2, 3" in render_reply(wrong.replies[0], "id")[0]
    assert wrong.state.step == "pick"
