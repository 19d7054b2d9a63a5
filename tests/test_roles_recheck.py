"""A revoked role stops working at the next message (issue 14, item 5).

The engine: every flow that declares a role (`Flow.needs_role`) ends, at any of its steps, with a short
notice when the person no longer holds it — nothing it asks for is sent to the store, nothing half-done
is kept — and a store refusal (RoleRefused) for a role gone says the same. Mixed flows keep working for
the person's own part. The desks: a revoked leader neither lists nor erases the neighbours they entered,
and their own registration stays theirs. Real SQLite and PostgreSQL, the real pipeline."""

from __future__ import annotations

from itertools import count

import pytest
from sqlalchemy import select

from bot.app import Jaring, open_jaring
from bot.commands import administer as admin_commands
from bot.inbound.dispatcher import RequestAnswerer
from bot.settings import Settings
from conversations.engine import MENU_FLOW
from conversations.flow import Flow
from conversations.flows import ALL_FLOWS, build_engine
from conversations.flows.my_registrations import neighbours_flow
from conversations.flows.registration import RegistrationData, registration_flow
from conversations.inbound import Inbound
from conversations.messages import Reply
from conversations.requests.base import Done, NotAllowed, RoleRefused
from conversations.requests.registrations import EraseRegistration, ListRegistrations, RegistrationView
from conversations.state import Json, SessionState
from db.connection import Store
from db.models import AuditEntry, OutboxMessage, Registration
from db.repositories import roles
from tests.conftest import FixedClock
from tests.core_support import context, inbound, render_reply
from tests.review_support import MEDONO_CODE, person, seed_registration

ENGINE = build_engine()
ROLE_FLOWS = [flow for flow in ALL_FLOWS if flow.needs_role is not None]
NOTICE = "sudah dicabut oleh Dinas, jadi langkah ini dihentikan"
_ids = count(1)


def _work(flow: Flow) -> dict[str, Json]:
    """Data under which the flow's role applies (a neighbour's registration, for registration)."""
    return RegistrationData(for_other=True).dump() if flow.id == "registration" else {}


def _texts(replies: tuple[Reply, ...]) -> str:
    return "\n".join(render_reply(reply, "id")[0] for reply in replies)


def test_the_officers_and_leaders_flows_declare_their_role() -> None:
    declared = {flow.id for flow in ROLE_FLOWS}
    assert declared == {
        "dinas",
        "review",
        "approval",
        "roles",
        "figures",
        "enrolment_export",
        "broadcast",
        "neighbours",
        "registration",
        "unanswered",
    }


@pytest.mark.parametrize(
    ("flow", "step"),
    [(flow, step) for flow in ROLE_FLOWS for step in flow.steps],
    ids=[f"{flow.id}.{step}" for flow in ROLE_FLOWS for step in flow.steps],
)
@pytest.mark.parametrize("text", ["1", "ya", "kembali", "Siti Aminah"])
def test_every_role_flow_ends_at_every_step_when_the_role_is_revoked(flow: Flow, step: str, text: str) -> None:
    state = SessionState(flow.id, flow.version, step, _work(flow), paused={flow.id: _work(flow)})
    outcome = ENGINE.handle(state, inbound(text), context(consented=True))
    said = _texts(outcome.replies)
    assert NOTICE in said
    assert outcome.fetch is None  # nothing asked of the store, so nothing done
    assert outcome.state.idle
    assert flow.id not in outcome.state.paused  # nothing half-done kept for later


_NAMED_BY_WORDS = [
    (flow, alias)
    for flow in ALL_FLOWS
    if flow.needs_role is not None and flow.role_lost(context().contact, {}) is not None
    for alias in flow.aliases
]


@pytest.mark.parametrize(("flow", "alias"), _NAMED_BY_WORDS, ids=[f"{f.id}:{a}" for f, a in _NAMED_BY_WORDS])
def test_a_roles_menu_word_from_someone_without_the_role_says_whose_menu_it_is(flow: Flow, alias: str) -> None:
    outcome = ENGINE.handle(SessionState(), inbound(alias), context(consented=True))
    said = [part.key for reply in outcome.replies for part in reply.parts]
    # Never opened, never "not understood": a door flow or the flow's own refusal says whose menu it is,
    # and a word no other flow claims gets the engine's notice ("warga saya" from a revoked leader).
    assert outcome.state.flow != flow.id
    assert "engine.not_understood" not in said


def test_warga_saya_from_someone_without_the_leader_role_says_whose_menu_it_is() -> None:
    outcome = ENGINE.handle(SessionState(), inbound("warga saya"), context(consented=True))
    said = [part.key for reply in outcome.replies for part in reply.parts]
    assert said[0] == "navigation.role_needed"
    assert "pengurus RT/RW" in render_reply(outcome.replies[0], "id")[0]


@pytest.mark.parametrize("flow", ROLE_FLOWS, ids=[flow.id for flow in ROLE_FLOWS])
def test_a_role_still_held_goes_on(flow: Flow) -> None:
    assert flow.needs_role is not None
    held = context(consented=True, roles=flow.needs_role.roles)
    step = next(iter(flow.steps))
    outcome = ENGINE.handle(SessionState(flow.id, flow.version, step, _work(flow)), inbound("1"), held)
    assert NOTICE not in _texts(outcome.replies)


def test_menu_typed_after_the_revocation_shows_the_notice_then_the_menu() -> None:
    state = SessionState("neighbours", neighbours_flow.version, "confirm_erase", {"registration_id": 7})
    outcome = ENGINE.handle(state, inbound("menu"), context(consented=True))
    said = _texts(outcome.replies)
    assert said.index(NOTICE) < said.index("Menu utama")
    assert outcome.state.flow == MENU_FLOW


def test_the_leaders_own_registration_goes_on_without_the_role() -> None:
    """Registration is mixed: the role is needed for a neighbour's, not for one's own."""
    own = RegistrationData(for_other=False, nik="3375014506850001", female=True)
    state = SessionState("registration", registration_flow.version, "full_name", own.dump())
    outcome = ENGINE.handle(state, inbound("Siti Aminah"), context(consented=True))
    assert NOTICE not in _texts(outcome.replies)
    assert outcome.state.step == "birth_date"


def test_a_neighbours_draft_kept_from_before_the_revocation_is_not_taken_up_again() -> None:
    kept = RegistrationData(for_other=True, full_name="Sri Wahyuni").dump()
    state = SessionState(MENU_FLOW, 1, "choose", paused={"registration": kept})
    outcome = ENGINE.handle(state, inbound("daftar"), context(consented=True))
    said = _texts(outcome.replies)
    assert "Sri Wahyuni" not in said
    assert "registration" not in outcome.state.paused
    assert RegistrationData.load(outcome.state.data).for_other is False


def test_a_store_refusal_for_a_role_gone_ends_the_flow_with_the_same_notice() -> None:
    admin = context(consented=True, roles=frozenset({"admin"}))
    started = ENGINE.handle(SessionState(MENU_FLOW, 1, "choose"), inbound("angka"), admin)
    assert started.fetch is not None
    # revoked between the message and the store's answer: the store refuses, the roles read again agree
    ended = ENGINE.resume(started, RoleRefused(), context(consented=True))
    assert NOTICE in _texts(ended.replies)
    assert ended.state.idle


# ---- the desks, on a real store ----------------------------------------------------------------------


@pytest.fixture
async def app(settings: Settings, clock: FixedClock, store: Store) -> Jaring:
    return await open_jaring(settings, clock, store=store)


async def test_a_revoked_leader_neither_lists_nor_erases_the_neighbours(app: Jaring, clock: FixedClock) -> None:
    answerer = RequestAnswerer(app.cipher, app.programme, app.catalogs)
    async with app.store.transaction() as session:
        leader = await person(session, "pak-rt", clock(), ("rtrw", MEDONO_CODE))
        own = await seed_registration(session, app.cipher, app.programme, serial=1, registrant=leader)
        neighbour = await seed_registration(session, app.cipher, app.programme, serial=2, operator=leader)
        other = await seed_registration(session, app.cipher, app.programme, serial=3, operator=leader)
        own_id, neighbour_id, other_id = own.id, neighbour.id, other.id
    async with app.store.transaction() as session:
        before = await answerer.answer(session, leader, ListRegistrations("all"), clock())
        erased_before = await answerer.answer(session, leader, EraseRegistration(other_id), clock())
    assert [view.id for view in before] == [own_id, neighbour_id, other_id]
    assert isinstance(erased_before, Done)  # a leader may, while a leader

    await admin_commands.revoke_role(app, "terminal:pak-rt", "rtrw")
    async with app.store.transaction() as session:
        status = await answerer.answer(session, leader, ListRegistrations("all"), clock())
        operated = await answerer.answer(session, leader, ListRegistrations("operated"), clock())
        erased = await answerer.answer(session, leader, EraseRegistration(neighbour_id), clock())
        mine = await answerer.answer(session, leader, ListRegistrations("mine"), clock())
    assert [view.id for view in status] == [own_id]  # cek status: their own only
    assert operated == ()
    assert isinstance(erased, NotAllowed)
    assert [view.id for view in mine if isinstance(view, RegistrationView)] == [own_id]
    async with app.store.transaction() as session:
        kept = await session.get(Registration, neighbour_id)
        assert kept is not None
        assert kept.erased_at is None
        assert kept.full_name == "Pekerja 2"
        refused = (await session.execute(select(AuditEntry).where(AuditEntry.action == "access.refused"))).scalars()
        assert [entry.detail for entry in refused] == [{"request": "ListRegistrations"}]
    async with app.store.transaction() as session:
        erased_own = await answerer.answer(session, leader, EraseRegistration(own_id), clock())
    assert isinstance(erased_own, Done)  # their own registration stays theirs


async def test_a_leader_given_the_role_again_sees_the_neighbours_again(app: Jaring, clock: FixedClock) -> None:
    answerer = RequestAnswerer(app.cipher, app.programme, app.catalogs)
    async with app.store.transaction() as session:
        leader = await person(session, "pak-rt", clock(), ("rtrw", MEDONO_CODE))
        neighbour = await seed_registration(session, app.cipher, app.programme, serial=2, operator=leader)
        neighbour_id = neighbour.id
    await admin_commands.revoke_role(app, "terminal:pak-rt", "rtrw")
    async with app.store.transaction() as session:
        await roles.grant_role(session, leader.id, "rtrw", granted_by="test", now=clock(), kelurahan_code=MEDONO_CODE)
    async with app.store.transaction() as session:
        operated = await answerer.answer(session, leader, ListRegistrations("operated"), clock())
    assert [view.id for view in operated] == [neighbour_id]


async def test_a_deletion_opened_before_the_revocation_is_not_done(app: Jaring, clock: FixedClock) -> None:
    """Through the pipeline: "Warga saya", "hapus", the role revoked, then "ya"."""
    async with app.store.transaction() as session:
        leader = await person(session, "pak-rt", clock(), ("rtrw", MEDONO_CODE))
        neighbour = await seed_registration(session, app.cipher, app.programme, serial=2, operator=leader)
        neighbour_id = neighbour.id
    for text in ("warga saya", "hapus"):
        await app.pipeline.handle(Inbound("terminal", "pak-rt", f"d{next(_ids)}", clock(), text))
    await admin_commands.revoke_role(app, "terminal:pak-rt", "rtrw")
    await app.pipeline.handle(Inbound("terminal", "pak-rt", f"d{next(_ids)}", clock(), "ya"))
    async with app.store.transaction() as session:
        kept = await session.get(Registration, neighbour_id)
        sent = (await session.execute(select(OutboxMessage).order_by(OutboxMessage.id))).scalars().all()
    assert kept is not None
    assert kept.erased_at is None
    assert NOTICE in sent[-1].body
    assert not any("terhapus" in row.body.lower() for row in sent)


def test_a_deletion_the_store_refused_for_a_role_gone_ends_with_the_notice() -> None:
    """The race: the role read for the message, revoked before the store answered."""
    leader = context(consented=True, roles=frozenset({"rtrw"}))
    state = SessionState("neighbours", neighbours_flow.version, "confirm_erase", {"registration_id": 7})
    asked = ENGINE.handle(state, inbound("ya"), leader)
    assert asked.fetch is not None
    assert isinstance(asked.fetch.request, EraseRegistration)
    ended = ENGINE.resume(asked, NotAllowed(), context(consented=True))
    assert NOTICE in _texts(ended.replies)
    assert ended.state.idle
