"""The renewal's "no"s, decided by the kelurahan: a worker who answered the renewal question "sudah pindah" or
"tidak bekerja lagi" waits as "check" until their kelurahan's verifier (or a Dinas admin) decides in the
Verifikasi flow. Through the real pipeline on SQLite and PostgreSQL: the list beside the registrations, the
view (NIK masked, audited), the decision confirmed once and recorded, the worker and their leader told; the
store's scope (a crafted request for another kelurahan is refused and audited), no decision twice (also two
verifiers at once), nothing decided in a closed round."""

from __future__ import annotations

import asyncio
from datetime import date, datetime, timedelta
from itertools import count

import pytest
from sqlalchemy import select
from sqlalchemy.ext.asyncio import AsyncSession

from bot.app import Jaring, open_jaring
from bot.inbound.dispatcher import RequestAnswerer
from bot.settings import Settings
from conversations.flows import build_engine
from conversations.flows.review import _nothing_to_decide
from conversations.inbound import Inbound
from conversations.requests.base import RoleRefused
from conversations.requests.review import (
    DecideRenewal,
    ListPending,
    OpenRenewalCheck,
    PendingPage,
    RenewalAlreadyDecided,
    RenewalCheckItem,
    RenewalCheckView,
    RenewalDecided,
)
from conversations.state import Json, SessionState
from db.connection import Store
from db.models import AuditEntry, Contact, OutboxMessage, Registration, Renewal, RenewalRound
from db.repositories import renewals
from tests.conftest import FixedClock
from tests.core_support import MENU, context, inbound, keys, run
from tests.review_support import MEDONO_CODE, NOYONTAANSARI, person, review_answer, seed_registration

ENGINE = build_engine()
VERIFIER = frozenset({"verifier"})
_ids = count(1)


@pytest.fixture
async def app(settings: Settings, clock: FixedClock, store: Store) -> Jaring:
    """The whole bot on each database (the store fixture closes it)."""
    return await open_jaring(settings, clock, store=store)


def desk(app: Jaring) -> RequestAnswerer:
    return RequestAnswerer(app.cipher, app.programme, app.catalogs, app.region)


async def _round(session: AsyncSession, app: Jaring, now: datetime, *, year: int = 2027, status: str = "open") -> int:
    row = RenewalRound(programme_id=app.programme.id, year=year, status=status, opened_by="cli", opened_at=now)
    session.add(row)
    await session.flush()
    return row.id


async def _said_no(
    session: AsyncSession, round_id: int, registration: Registration, answer: str, answered_at: datetime
) -> None:
    """What the renewal round stores when the worker answers "sudah pindah" / "tidak bekerja lagi"."""
    session.add(
        Renewal(
            round_id=round_id,
            registration_id=registration.id,
            decision="check",
            reason=answer,
            contact_id=registration.registrant_contact_id,
            asked_at=answered_at - timedelta(days=1),
            answer=answer,
            answered_at=answered_at,
        )
    )
    await session.flush()


class Scene:
    """Medono's verifier, another kelurahan's verifier, an admin; in the 2027 round Siti said she moved,
    Darto (registered by his RT leader) that he no longer works, and Joko of Noyontaansari that he moved."""

    verifier: Contact
    other_verifier: Contact
    admin: Contact
    siti: Registration
    darto: Registration
    joko: Registration
    round_id: int


async def _scene(app: Jaring, clock: FixedClock) -> Scene:
    now, scene = clock(), Scene()
    async with app.store.transaction() as session:
        scene.verifier = await person(session, "bu-lurah", now, ("verifier", MEDONO_CODE))
        scene.other_verifier = await person(session, "pak-lurah", now, ("verifier", NOYONTAANSARI))
        scene.admin = await person(session, "kadis", now, ("admin", None))
        siti, darto, joko = [await person(session, name, now) for name in ("siti", "darto", "joko")]
        leader = await person(session, "pak-rt", now, ("rtrw", MEDONO_CODE))
        scene.siti = await seed_registration(
            session, app.cipher, app.programme, serial=1, registrant=siti, status="active"
        )
        scene.darto = await seed_registration(
            session, app.cipher, app.programme, serial=2, registrant=darto, operator=leader, status="active"
        )
        scene.joko = await seed_registration(
            session, app.cipher, app.programme, serial=3, registrant=joko, kelurahan=NOYONTAANSARI, status="active"
        )
        await seed_registration(session, app.cipher, app.programme, serial=4)  # a registration waiting
        scene.round_id = await _round(session, app, now)
        await _said_no(session, scene.round_id, scene.darto, "not_working", now - timedelta(days=2))
        await _said_no(session, scene.round_id, scene.siti, "moved", now - timedelta(days=3))
        await _said_no(session, scene.round_id, scene.joko, "moved", now - timedelta(days=1))
    return scene


async def talk(app: Jaring, clock: FixedClock, who: str, *texts: str) -> list[OutboxMessage]:
    """Send each text through the pipeline as `who`; what the bot queued for anyone, in order."""
    for text in texts:
        await app.pipeline.handle(Inbound("terminal", who, f"m{next(_ids)}", clock(), text))
        clock.advance(seconds=1)
    async with app.store.transaction() as session:
        return list((await session.execute(select(OutboxMessage).order_by(OutboxMessage.id))).scalars())


async def _renewal(app: Jaring, registration_id: int) -> Renewal:
    async with app.store.transaction() as session:
        found = select(Renewal).where(Renewal.registration_id == registration_id)
        return (await session.execute(found)).scalar_one()


async def _audits(app: Jaring, action: str) -> list[AuditEntry]:
    async with app.store.transaction() as session:
        statement = select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)
        return list((await session.execute(statement)).scalars())


def _to(sent: list[OutboxMessage], who: str) -> list[OutboxMessage]:
    return [m for m in sent if m.recipient == who]


# ---- through the pipeline ---------------------------------------------------------------------------------


async def test_the_verifier_sees_the_nos_of_their_kelurahan_and_ends_one_the_worker_is_told(
    app: Jaring, clock: FixedClock
) -> None:
    scene = await _scene(app, clock)
    sent = _to(await talk(app, clock, "bu-lurah", "verifikasi"), "bu-lurah")
    listed = sent[-1]
    assert "Menunggu verifikasi di Medono: 1 pendaftaran" in listed.body
    assert "Perpanjangan 2027: 2 warga menjawab tidak (sudah pindah atau tidak bekerja lagi)." in listed.body
    labels = [choice["label"] for choice in listed.choices]
    assert labels[1:] == [  # the longest waiting first; Joko of Noyontaansari is not this verifier's
        f"No. {scene.siti.id} — Pekerja 1, Medono: sudah pindah",
        f"No. {scene.darto.id} — Pekerja 2, Medono: tidak bekerja lagi",
        "Selesai",
    ]

    sent = _to(await talk(app, clock, "bu-lurah", str(scene.siti.id)), "bu-lurah")
    details, question = sent[-2].body, sent[-1]
    assert details.startswith(f"Perpanjangan 2027, peserta no. {scene.siti.id}\nNIK: 3375••••••••0001\n")
    assert "Pekerjaan: Buruh batik (mbatik)\nKelurahan: Medono, Kecamatan Pekalongan Barat" in details
    assert "Jawaban warga: sudah pindah (tanggal 18 November 2026)" in details
    assert [c["label"] for c in question.choices] == [
        "Tetap lanjut",
        "Berhenti: sudah pindah",
        "Berhenti: tidak bekerja lagi",
        "Kembali ke daftar",
    ]
    assert (await _renewal(app, scene.siti.id)).decision == "check"  # opening decides nothing

    sent = _to(await talk(app, clock, "bu-lurah", "2"), "bu-lurah")
    assert sent[-1].body == (
        f"No. {scene.siti.id}, Pekerja 1, berhenti menjadi peserta mulai 1 Januari 2027 karena sudah pindah?"
    )
    assert (await _renewal(app, scene.siti.id)).decision == "check"  # not before the confirmation
    decided_at = clock()
    everything = await talk(app, clock, "bu-lurah", "ya")

    row = await _renewal(app, scene.siti.id)
    assert (row.decision, row.reason, row.answer) == ("ends", "moved", "moved")
    assert (row.decided_by_contact_id, row.decided_at, row.note) == (scene.verifier.id, decided_at, None)
    said = _to(everything, "bu-lurah")
    assert said[-2].body.startswith(f"Tersimpan: No. {scene.siti.id} (Pekerja 1) berhenti menjadi peserta")
    assert f"No. {scene.siti.id}" not in str(said[-1].choices)  # the list again, without her
    letters = _to(everything, "siti")
    assert len(letters) == 1
    assert letters[0].body.startswith(f"Kabar perpanjangan Batik Berlian untuk nomor {scene.siti.id} (Pekerja 1)")
    assert "memutuskan berhenti karena sudah pindah. Mulai 1 Januari 2027 tidak lagi menjadi peserta" in letters[0].body
    assert "Sampai 31 Desember 2026 masih peserta seperti biasa." in letters[0].body
    assert _to(everything, "pak-rt") == []  # Siti registered herself: no leader to tell

    decided = await _audits(app, "renewal.decided")
    assert [(a.actor_contact_id, a.subject, a.detail) for a in decided] == [
        (
            scene.verifier.id,
            f"registration:{scene.siti.id}",
            {"year": "2027", "decision": "ends", "reason": "moved", "answer": "moved", "by": "terminal:bu-lurah"},
        )
    ]
    viewed = await _audits(app, "personal_data.viewed")
    assert [(a.subject, a.detail) for a in viewed] == [
        (f"registration:{scene.siti.id}", {"by": "verifier", "for": "renewal"})
    ]
    async with app.store.transaction() as session:
        registration = await session.get(Registration, scene.siti.id)
        assert registration is not None
        assert registration.status == "active"  # the round's close ends it, from 1 January


@pytest.mark.parametrize(
    ("typed", "decision", "reason", "news"),
    [
        ("tetap lanjut", "continues", "not_working", "memutuskan tetap lanjut. Tahun 2027 tetap menjadi peserta"),
        ("berhenti sudah pindah", "ends", "moved", "memutuskan berhenti karena sudah pindah"),
    ],
)
async def test_the_verifier_keeps_them_or_picks_the_other_reason_and_the_leader_is_told_too(
    app: Jaring, clock: FixedClock, typed: str, decision: str, reason: str, news: str
) -> None:
    """Darto said he no longer works; his RT leader registered him. Either way both are told."""
    scene = await _scene(app, clock)
    everything = await talk(app, clock, "bu-lurah", "verifikasi", str(scene.darto.id), typed, "ya")
    row = await _renewal(app, scene.darto.id)
    assert (row.decision, row.reason, row.answer) == (decision, reason, "not_working")
    for who in ("darto", "pak-rt"):
        letters = _to(everything, who)
        assert len(letters) == 1, who
        assert news in letters[0].body


async def test_an_admin_decides_for_any_kelurahan(app: Jaring, clock: FixedClock) -> None:
    scene = await _scene(app, clock)
    async with app.store.transaction() as session:
        page = await desk(app).answer(session, scene.admin, ListPending(), clock())
        decided = await desk(app).answer(session, scene.admin, DecideRenewal(scene.joko.id, "continues"), clock())
    assert isinstance(page, PendingPage)
    assert [check.registration_id for check in page.renewal_checks] == [scene.siti.id, scene.darto.id, scene.joko.id]
    assert page.renewal_total == 3
    assert decided == RenewalDecided(scene.joko.id, 2027, "continues", "moved")


# ---- the store: scope, once only, closed rounds -----------------------------------------------------------


async def test_a_crafted_request_for_another_kelurahan_or_without_the_role_is_refused_and_audited(
    app: Jaring, clock: FixedClock
) -> None:
    scene = await _scene(app, clock)
    now = clock()
    async with app.store.transaction() as session:
        worker = (await session.execute(select(Contact).where(Contact.channel_id == "siti"))).scalar_one()
        leader = (await session.execute(select(Contact).where(Contact.channel_id == "pak-rt"))).scalar_one()
        answers = [
            await desk(app).answer(session, scene.other_verifier, OpenRenewalCheck(scene.siti.id), now),
            await desk(app).answer(session, scene.other_verifier, DecideRenewal(scene.siti.id, "moved"), now),
            await desk(app).answer(session, worker, DecideRenewal(scene.siti.id, "continues"), now),
            await desk(app).answer(session, leader, OpenRenewalCheck(scene.darto.id), now),
            await desk(app).answer(session, scene.verifier, OpenRenewalCheck(999_999), now),
        ]
        mine = await desk(app).answer(session, scene.other_verifier, ListPending(), now)
    assert answers == [RoleRefused()] * 5
    assert isinstance(mine, PendingPage)
    assert mine.renewal_checks == (RenewalCheckItem(scene.joko.id, "Pekerja 3", NOYONTAANSARI, "moved", 2027),)
    assert (await _renewal(app, scene.siti.id)).decision == "check"
    refused = await _audits(app, "access.refused")
    assert [(a.actor_contact_id, a.detail["request"]) for a in refused] == [
        (scene.other_verifier.id, "OpenRenewalCheck"),
        (scene.other_verifier.id, "DecideRenewal"),
        (worker.id, "DecideRenewal"),
        (leader.id, "OpenRenewalCheck"),
        (scene.verifier.id, "OpenRenewalCheck"),
    ]
    assert await _audits(app, "personal_data.viewed") == []


async def test_a_no_decided_meanwhile_is_not_decided_twice(app: Jaring, clock: FixedClock) -> None:
    scene = await _scene(app, clock)
    now = clock()
    async with app.store.transaction() as session:
        first = await desk(app).answer(session, scene.verifier, DecideRenewal(scene.siti.id, "moved"), now)
    async with app.store.transaction() as session:
        late = await desk(app).answer(session, scene.admin, DecideRenewal(scene.siti.id, "continues"), now)
        view = await desk(app).answer(session, scene.admin, OpenRenewalCheck(scene.siti.id), now)
    assert first == RenewalDecided(scene.siti.id, 2027, "ends", "moved")
    assert late == RenewalAlreadyDecided(scene.siti.id, "ends", "moved", 2027)
    assert isinstance(view, RenewalCheckView)
    assert view.decision == "ends"
    row = await _renewal(app, scene.siti.id)
    assert (row.decision, row.decided_by_contact_id) == ("ends", scene.verifier.id)
    assert len(await _audits(app, "renewal.decided")) == 1
    async with app.store.transaction() as session:
        letters = (await session.execute(select(OutboxMessage).where(OutboxMessage.recipient == "siti"))).scalars()
        assert len(list(letters)) == 1


async def test_two_verifiers_deciding_at_once_decide_it_once(app: Jaring, clock: FixedClock) -> None:
    scene = await _scene(app, clock)
    async with app.store.transaction() as session:
        colleague = await person(session, "pak-sekretaris", clock(), ("verifier", MEDONO_CODE))

    async def decide(who: Contact, choice: str) -> object:
        async with app.store.transaction() as session:
            request = DecideRenewal(scene.siti.id, "continues" if choice == "continues" else "moved")
            return await desk(app).answer(session, who, request, clock())

    answers = await asyncio.gather(decide(scene.verifier, "moved"), decide(colleague, "continues"))
    assert sorted(type(a).__name__ for a in answers) == ["RenewalAlreadyDecided", "RenewalDecided"]
    assert len(await _audits(app, "renewal.decided")) == 1
    row = await _renewal(app, scene.siti.id)
    winner = next(a for a in answers if isinstance(a, RenewalDecided))
    assert row.decision == winner.decision


async def test_nothing_is_decided_in_a_closed_round_and_it_is_not_listed(app: Jaring, clock: FixedClock) -> None:
    scene = await _scene(app, clock)
    now = clock()
    async with app.store.transaction() as session:
        round_ = await session.get(RenewalRound, scene.round_id)
        assert round_ is not None
        round_.status, round_.closed_at = "closed", now
    async with app.store.transaction() as session:
        page = await desk(app).answer(session, scene.verifier, ListPending(), now)
        late = await desk(app).answer(session, scene.verifier, DecideRenewal(scene.siti.id, "moved"), now)
    assert isinstance(page, PendingPage)
    assert page.renewal_checks == ()
    assert late == RenewalAlreadyDecided(scene.siti.id, "check", "moved", 2027, round_closed=True)
    assert (await _renewal(app, scene.siti.id)).decided_at is None
    sent = _to(await talk(app, clock, "bu-lurah", "verifikasi"), "bu-lurah")
    assert "Perpanjangan" not in sent[-1].body


async def test_a_decision_racing_the_close_waits_for_it_and_finds_the_round_closed(
    app: Jaring, clock: FixedClock
) -> None:
    scene = await _scene(app, clock)
    closing_locked, finish_close = asyncio.Event(), asyncio.Event()

    async def close() -> None:  # what close_round does to the round: FOR UPDATE, then "closed"
        async with app.store.transaction() as session:
            found = await renewals.open_round_of(session, app.programme.id, lock="update")
            assert found is not None
            found.status, found.closed_at = "closed", clock()
            await session.flush()
            closing_locked.set()
            await finish_close.wait()

    async def decide() -> object:
        await closing_locked.wait()
        async with app.store.transaction() as session:
            return await desk(app).answer(session, scene.verifier, DecideRenewal(scene.siti.id, "moved"), clock())

    closing, deciding = asyncio.create_task(close()), asyncio.create_task(decide())
    await asyncio.sleep(0.5)
    assert not deciding.done()  # waits for the close rather than deciding on a round about to close
    finish_close.set()
    await closing
    assert await deciding == RenewalAlreadyDecided(scene.siti.id, "check", "moved", 2027, round_closed=True)
    row = await _renewal(app, scene.siti.id)
    assert (row.decision, row.decided_at) == ("check", None)
    assert await _audits(app, "renewal.decided") == []


async def test_a_dead_worker_is_not_listed_and_no_decision_is_recorded_or_told(app: Jaring, clock: FixedClock) -> None:
    scene = await _scene(app, clock)
    async with app.store.transaction() as session:  # a paid heirs' claim marked Darto after his "no"
        found = await session.get(Registration, scene.darto.id)
        assert found is not None
        found.deceased_on = date(2026, 11, 15)
    async with app.store.transaction() as session:
        page = await desk(app).answer(session, scene.verifier, ListPending(), clock())
        decided = await desk(app).answer(session, scene.verifier, DecideRenewal(scene.darto.id, "not_working"), clock())
    assert isinstance(page, PendingPage)
    assert [c.registration_id for c in page.renewal_checks] == [scene.siti.id]
    assert page.renewal_total == 1
    assert decided == RenewalAlreadyDecided(scene.darto.id, "ends", "deceased", 2027)
    assert (await _renewal(app, scene.darto.id)).decided_at is None
    async with app.store.transaction() as session:
        assert (await session.execute(select(OutboxMessage))).scalars().all() == []
    said = app.catalogs.render(_nothing_to_decide(decided), "id")
    assert f"Peserta no. {scene.darto.id} tercatat sudah meninggal dunia" in said


async def test_with_only_renewal_nos_waiting_the_list_says_no_registration_waits(
    app: Jaring, clock: FixedClock
) -> None:
    scene = await _scene(app, clock)
    async with app.store.transaction() as session:
        waiting = (await session.execute(select(Registration).where(Registration.status == "submitted"))).scalar_one()
        waiting.status = "verified"
    sent = _to(await talk(app, clock, "bu-lurah", "verifikasi"), "bu-lurah")
    assert sent[-1].body.startswith("Tidak ada pendaftaran baru yang menunggu verifikasi di Medono.\n\nPerpanjangan")
    assert [c["label"].split(" —")[0] for c in sent[-1].choices] == [
        f"No. {scene.siti.id}",
        f"No. {scene.darto.id}",
        "Selesai",
    ]


# ---- the pure core ----------------------------------------------------------------------------------------


def _listed_with_a_renewal(request: object) -> object:
    if isinstance(request, ListPending):
        page = review_answer(request)
        assert isinstance(page, PendingPage)
        check = RenewalCheckItem(21, "Budi Santoso", MEDONO_CODE, "moved", 2027)
        return PendingPage(page.items, page.total, page.kelurahan_codes, renewal_checks=(check,), renewal_total=1)
    return review_answer(request)  # type: ignore[arg-type]


def _made(state: SessionState, *texts: str, roles_held: frozenset[str] = VERIFIER) -> tuple[SessionState, list[object]]:
    made: list[object] = []

    def answer(request: object) -> object:
        made.append(request)
        return _listed_with_a_renewal(request)

    outcome = run(ENGINE, state, inbound(texts[0]), context(roles=roles_held), answer)
    for text in texts[1:]:
        outcome = run(ENGINE, outcome.state, inbound(text), context(roles=roles_held), answer)
    return outcome.state, made


def test_the_renewal_no_is_keyed_by_its_registration_number_and_confirmed_once() -> None:
    listed = run(ENGINE, MENU, inbound("verifikasi"), context(roles=VERIFIER), _listed_with_a_renewal)
    assert [choice.number for choice in listed.replies[-1].choices] == [12, 15, 21, None]
    assert keys(listed)[-1] == ["review.list", "review.renewals"]
    state, made = _made(listed.state, "21")
    assert made == [OpenRenewalCheck(21)]
    assert state.step == "renewal"
    for unclear in ("berhenti: pin", "lanjut", "tetap lanjt", "ya"):  # never guessed
        after, made = _made(state, unclear)
        assert made == [], unclear
        assert after.step == "renewal", unclear
    state, made = _made(state, "1")
    assert (state.step, made) == ("renewal_confirm", [])
    state, made = _made(state, "tidak")
    assert (state.step, made) == ("renewal", [])
    state, made = _made(state, "3", "ya")
    assert made[0] == DecideRenewal(21, "not_working")
    assert state.step == "pick"


@pytest.mark.parametrize("word", ["verifikasi", "menu dinas", "kuota"])
@pytest.mark.parametrize("step", ["renewal", "renewal_confirm"])
def test_a_menu_word_typed_at_a_renewal_decision_decides_nothing(word: str, step: str) -> None:
    data: dict[str, Json] = {"registration_id": 21, "name": "Budi Santoso", "renewal_year": 2027}
    data["renewal_choice"] = "moved"
    state = SessionState("review", 2, step, data)
    after, made = _made(state, word, roles_held=frozenset({"admin", "verifier"}))
    assert not any(isinstance(r, DecideRenewal) for r in made)
    assert after.flow != "review" or after.step == "pick"
