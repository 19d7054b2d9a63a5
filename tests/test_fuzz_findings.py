"""What the 100 000-input fuzz run (`bench/fuzz.py`) found, kept as tests: a registration draft reaching
its summary without a field it needs, and a phone number a forged shared contact carried."""

from __future__ import annotations

from dataclasses import replace

from conversations.engine import Outcome
from conversations.flows import build_engine
from conversations.flows.linking import LinkData, link_flow
from conversations.flows.registration import RegistrationData, registration_flow
from conversations.state import Json, SessionState
from tests.core_support import context, inbound, render_reply

ENGINE = build_engine()


def test_submitting_a_draft_that_lacks_a_field_asks_for_it_instead_of_failing() -> None:
    """A draft kept from before a field was asked for (a programme that now asks more, a flow version
    that stored less) reaches the summary without it: "kirim" asks for the field."""
    draft: dict[str, Json] = {
        "nik": "3375024506850001",
        "female": True,
        "full_name": "Siti Aminah",
        "birth_date": "1985-06-05",
        "job_type": "buruh_batik",
        "phone": "6281234567890",
        "breadwinner": True,
    }
    state = SessionState("registration", registration_flow.version, "summary", RegistrationData.load(draft).dump())
    outcome = ENGINE.handle(state, inbound("1"), context(consented=True))  # 1: Kirim
    assert outcome.fetch is None  # nothing submitted
    assert outcome.state.flow == "registration"
    assert outcome.state.step != "summary"
    assert RegistrationData.load(outcome.state.data).full_name == "Siti Aminah"  # nothing entered is lost


def test_a_phone_a_forged_shared_contact_carried_is_never_said_back() -> None:
    nik_like = "3375024506850001"
    ctx = context(consented=True)
    ctx = replace(ctx, contact=replace(ctx.contact, channel="whatsapp", phone=nik_like))
    state = SessionState(link_flow.id, link_flow.version, "phone", LinkData(registration_id=7).dump())
    outcome: Outcome = ENGINE.handle(state, inbound("halo"), ctx)
    said = "\n".join(render_reply(reply, "id")[0] for reply in outcome.replies)
    assert said
    assert nik_like not in said
    assert nik_like[2:] not in said
