"""The deceased: a paid heirs' claim marks the worker's registration `deceased_on` (the day of death from the
case, once, audited without a name or NIK; every Dinas admin told, and `jaring registration alive` takes a
wrong one back), and from then on no announcement reaches the dead worker's
chat, whatever the audience ("everyone" and the RT/RW leaders too). Real SQLite and PostgreSQL."""

from __future__ import annotations

from datetime import UTC, date, datetime

import pytest
from sqlalchemy import select

from bot.app import Jaring, open_jaring
from bot.cli import _parser
from bot.commands.renewal import mark_alive
from bot.inbound.dispatcher import RequestAnswerer
from bot.outbound.broadcast_runner import BroadcastRunner
from bot.settings import Settings
from conversations.audiences import Audience
from conversations.requests.broadcasts import AudienceCount
from conversations.requests.claims import ClaimCaseSaved, SaveClaimCase
from conversations.state import Json
from db.connection import Store
from db.models import AuditEntry, Contact, OutboxMessage, Registration
from db.repositories import broadcasts, roles
from tests.conftest import FixedClock
from tests.review_support import MEDONO_CODE, NOYONTAANSARI, nik_for, person, seed_registration
from tests.test_renewal import _close as close_renewal
from tests.test_renewal import _open as open_renewal
from tests.test_renewal import _participant as renewal_participant
from tests.test_renewal import _set_quota as set_renewal_quota

DIED = date(2026, 11, 2)


@pytest.fixture
async def app(settings: Settings, clock: FixedClock, store: Store) -> Jaring:
    """The whole bot on each database (the store fixture closes it)."""
    return await open_jaring(settings, clock, store=store)


def desk(app: Jaring) -> RequestAnswerer:
    return RequestAnswerer(app.cipher, app.programme, app.catalogs, app.region)


async def _deceased_on(app: Jaring, registration_id: int) -> date | None:
    async with app.store.transaction() as session:
        row = await session.get(Registration, registration_id)
        assert row is not None
        return row.deceased_on


async def _audits(app: Jaring, action: str) -> list[AuditEntry]:
    async with app.store.transaction() as session:
        statement = select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)
        return list((await session.execute(statement)).scalars())


async def _claim(app: Jaring, heir: Contact, case_id: int | None, **case: Json) -> int:
    async with app.store.transaction() as session:
        saved = await desk(app).answer(session, heir, SaveClaimCase(case_id, dict(case)), app.pipeline.clock())
    assert isinstance(saved, ClaimCaseSaved)
    return saved.case_id


# ---- a paid claim marks the worker ----------------------------------------------------------------------


async def test_a_paid_claim_marks_the_worker_deceased_on_the_day_of_death_once(app: Jaring, clock: FixedClock) -> None:
    async with app.store.transaction() as session:
        worker = await person(session, "siti", clock())
        heir = await person(session, "anak-siti", clock())
        row = await seed_registration(session, app.cipher, app.programme, serial=1, registrant=worker, status="active")
    opened: dict[str, Json] = {
        "status": "collecting",
        "cause": "illness",
        "died_on": DIED.isoformat(),
        "nik": nik_for(1),
    }
    case_id = await _claim(app, heir, None, **opened)
    await _claim(app, heir, case_id, **{**opened, "status": "submitted"})
    assert await _deceased_on(app, row.id) is None  # submitted is not paid: nothing known yet

    paid: dict[str, Json] = {**opened, "status": "paid", "amount_paid": 42_000_000, "paid_on": "2026-11-20"}
    await _claim(app, heir, case_id, **paid)
    assert await _deceased_on(app, row.id) == DIED
    await _claim(app, heir, case_id, **paid)  # saved again: marked once
    marked = await _audits(app, "registration.deceased")
    assert [(a.actor_contact_id, a.subject, a.detail) for a in marked] == [
        (heir.id, f"registration:{row.id}", {"claim": str(case_id), "day_from": "death"})
    ]
    assert "Pekerja" not in str(marked[0].detail)
    assert nik_for(1) not in str(marked[0].detail)
    async with app.store.transaction() as session:
        stored = await session.get(Registration, row.id)
        assert stored is not None
        assert stored.status == "active"  # the renewal round ends it; the status is not changed here


async def test_every_admin_is_told_and_the_cli_takes_a_wrong_marking_back(app: Jaring, clock: FixedClock) -> None:
    async with app.store.transaction() as session:
        worker = await person(session, "siti", clock())
        stranger = await person(session, "orang-lain", clock())  # anyone who knows a NIK can report a claim
        admins = [await person(session, name, clock(), ("admin", None)) for name in ("kadis", "sekdin")]
        row = await seed_registration(session, app.cipher, app.programme, serial=1, registrant=worker, status="active")
    case_id = await _claim(app, stranger, None, status="collecting", died_on=DIED.isoformat(), nik=nik_for(1))
    await _claim(app, stranger, case_id, status="paid", died_on=DIED.isoformat(), paid_on="2026-11-20")
    assert await _deceased_on(app, row.id) == DIED
    async with app.store.transaction() as session:
        sent = (await session.execute(select(OutboxMessage).order_by(OutboxMessage.id))).scalars().all()
    letters = {m.recipient: m.body for m in sent}
    assert set(letters) == {admin.channel_id for admin in admins}  # nothing to the worker's chat
    said = letters["kadis"]
    assert f"Klaim ahli waris no. {case_id}" in said
    assert f"peserta no. {row.id} (Pekerja 1)" in said
    assert "2 November 2026" in said
    assert f"jaring registration alive {row.id} --reason" in said
    assert nik_for(1) not in said

    args = _parser().parse_args(["registration", "alive", str(row.id), "--reason", "ahli waris: masih hidup"])
    assert (args.registration_command, args.id, args.reason) == ("alive", row.id, "ahli waris: masih hidup")
    done = await mark_alive(app, row.id, args.reason)
    assert f"Peserta no. {row.id} tidak lagi tercatat meninggal dunia (sebelumnya 2 November 2026)" in done
    assert await _deceased_on(app, row.id) is None
    [undone] = await _audits(app, "registration.deceased_undone")
    assert undone.subject == f"registration:{row.id}"
    assert undone.detail == {
        "was": "2026-11-02",
        "reason": "ahli waris: masih hidup",
        "by": "cli",
        "back_in_round": "false",
    }
    with pytest.raises(LookupError, match="tidak tercatat meninggal dunia"):
        await mark_alive(app, row.id, "lagi")
    # the same paid case saved again (an amount corrected) does not mark the worker dead anew
    await _claim(app, stranger, case_id, status="paid", died_on=DIED.isoformat(), paid_on="2026-11-21")
    assert await _deceased_on(app, row.id) is None


async def test_a_paid_claim_without_a_linked_registration_marks_nobody(app: Jaring, clock: FixedClock) -> None:
    async with app.store.transaction() as session:
        heir = await person(session, "anak-darto", clock())
        row = await seed_registration(session, app.cipher, app.programme, serial=2, status="active")
    case_id = await _claim(app, heir, None, status="collecting", died_on=DIED.isoformat(), nik=nik_for(9))
    await _claim(app, heir, case_id, status="paid", died_on=DIED.isoformat(), paid_on="2026-11-20")
    assert await _deceased_on(app, row.id) is None
    assert await _audits(app, "registration.deceased") == []


# ---- no announcement to the deceased ----------------------------------------------------------------------


async def test_the_deceased_are_in_no_audience_and_get_no_announcement(app: Jaring, clock: FixedClock) -> None:
    now = clock()
    async with app.store.transaction() as session:
        alive = await person(session, "siti", now)
        gone = await person(session, "darto", now)
        leader_gone = await person(session, "pak-rt", now, ("rtrw", MEDONO_CODE))
        leader = await person(session, "bu-rt", now, ("rtrw", NOYONTAANSARI))
        for who in (alive, gone, leader_gone, leader):
            who.last_inbound_at = now
        cipher, programme = app.cipher, app.programme
        await seed_registration(session, cipher, programme, serial=1, registrant=alive, status="active")
        dead = await seed_registration(session, cipher, programme, serial=2, registrant=gone, status="active")
        dead_leader = await seed_registration(session, cipher, programme, serial=3, registrant=leader_gone)
        dead_without_chat = await seed_registration(session, cipher, programme, serial=4, status="active")

    async def count(kind: str, value: str = "") -> AudienceCount:
        async with app.store.transaction() as session:
            audience = Audience(kind, value)
            return await broadcasts.count_audience(session, audience, app.programme.id, now, template_configured=True)

    before = [await count("everyone"), await count("status", "active"), await count("kelurahan", MEDONO_CODE)]
    assert [c.terminal for c in before] == [4, 2, 3]
    assert (before[1].without_chat, await count("leaders")) == (1, AudienceCount(terminal=2))

    async with app.store.transaction() as session:
        for row_id in (dead.id, dead_leader.id, dead_without_chat.id):
            found = await session.get(Registration, row_id)
            assert found is not None
            found.deceased_on = DIED
    after = {
        "everyone": await count("everyone"),
        "active": await count("status", "active"),
        "medono": await count("kelurahan", MEDONO_CODE),
        "job": await count("job", "buruh_batik"),
        "leaders": await count("leaders"),
    }
    assert {name: (c.terminal, c.without_chat) for name, c in after.items()} == {
        "everyone": (2, 0),  # Siti and the living leader
        "active": (1, 0),  # the dead worker without a chat is not "without a chat" either: nobody to reach
        "medono": (1, 0),
        "job": (1, 0),
        "leaders": (1, 0),
    }

    async with app.store.transaction() as session:
        await roles.grant_role(session, alive.id, "admin", granted_by="test", now=now)
    runner = BroadcastRunner.for_jaring(app, ["terminal"])
    for kind in ("everyone", "leaders", "status"):
        async with app.store.transaction() as session:
            await broadcasts.create_broadcast(
                session,
                programme_id=app.programme.id,
                author_contact_id=alive.id,
                author="terminal:siti",
                body=f"Pengumuman untuk {kind}",
                audience={"kind": kind, "value": "active" if kind == "status" else ""},
                send_at=now,
                now=now,
            )
    await runner.run_round()
    async with app.store.transaction() as session:
        statement = select(OutboxMessage.recipient).where(OutboxMessage.kind == "broadcast")
        reached = sorted((await session.execute(statement)).scalars())
    assert reached == ["bu-rt", "bu-rt", "siti", "siti"]  # everyone: both; leaders: bu-rt; active: siti


async def test_taken_back_while_the_renewal_is_open_the_worker_continues_at_the_close(
    app: Jaring, clock: FixedClock
) -> None:
    """Left out of the open round as deceased, then found alive: they continue, as everyone does."""
    alive = await renewal_participant(app, 1, deceased_on=date(2026, 9, 1))
    await open_renewal(app)
    done = await mark_alive(app, alive.id, "ahli waris: masih hidup")
    assert "kini ia lanjut seperti peserta lain" in done
    clock.now = datetime(2027, 1, 2, 2, 0, tzinfo=UTC)
    await set_renewal_quota(app, 5)
    await close_renewal(app)
    async with app.store.transaction() as session:
        row = await session.get(Registration, alive.id)
        assert row is not None
        assert (row.status, row.quota_year) == ("active", 2027)
