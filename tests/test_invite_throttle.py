"""Guessing invite codes: wrong codes are limited per person (5 in 10 minutes), counted in the store and
recorded in the audit log without the code itself; a try over the limit is not even looked up and the
person is told how many minutes to wait; after that wait a right code works; nobody else is held up.
The real pipeline (the `kode` and `/start` commands) on real SQLite and PostgreSQL, with a fixed clock."""

from __future__ import annotations

from collections.abc import Awaitable, Callable
from itertools import count

import pytest
from sqlalchemy import select

from bot.app import Jaring, open_jaring
from bot.commands import administer as admin_commands
from bot.desks import invites as invites_desk
from bot.settings import Settings
from conversations.inbound import Inbound
from db.connection import Store
from db.models import AuditEntry, Invite, OutboxMessage
from db.repositories import contacts, invites, roles
from tests.conftest import FixedClock
from tests.review_support import MEDONO_CODE

_ids = count(1)
WAIT_5 = "Terlalu banyak kode yang salah. Coba lagi dalam 5 menit, atau minta kode baru ke Dinas."
WELCOME = "Selamat datang, petugas verifikasi Kelurahan Medono."


@pytest.fixture
async def app(settings: Settings, clock: FixedClock, store: Store) -> Jaring:
    return await open_jaring(settings, clock, store=store)


@pytest.fixture
def lookups(monkeypatch: pytest.MonkeyPatch) -> list[str]:
    """Every code hash the store was asked to look up."""
    asked: list[str] = []
    real: Callable[..., Awaitable[Invite | None]] = invites.find_invite

    async def counted(session: object, code_hash: str) -> Invite | None:
        asked.append(code_hash)
        return await real(session, code_hash)

    monkeypatch.setattr(invites, "find_invite", counted)
    return asked


async def say(app: Jaring, clock: FixedClock, who: str, text: str) -> str:
    """Send one message through the real pipeline; the last reply the person got."""
    await app.pipeline.handle(Inbound("terminal", who, f"t{next(_ids)}", clock(), text))
    async with app.store.transaction() as session:
        rows = (await session.execute(select(OutboxMessage).order_by(OutboxMessage.id))).scalars()
        return [row.body for row in rows if row.recipient == who][-1]


async def new_code(app: Jaring, days: int = 14) -> str:
    return await admin_commands.create_invite(app, "verifier", kelurahan=MEDONO_CODE, rt=None, rw=None, days=days)


async def audit_of(app: Jaring, who: str) -> list[AuditEntry]:
    async with app.store.transaction() as session:
        contact = await contacts.find_contact(session, "terminal", who)
        assert contact is not None
        statement = select(AuditEntry).where(AuditEntry.actor_contact_id == contact.id).order_by(AuditEntry.id)
        return list((await session.execute(statement)).scalars())


async def held(app: Jaring, who: str) -> set[str]:
    async with app.store.transaction() as session:
        contact = await contacts.find_contact(session, "terminal", who)
        return set() if contact is None else {g.role for g in await roles.active_grants(session, contact.id)}


async def test_the_sixth_wrong_code_waits_without_a_lookup_and_a_right_code_works_after_the_wait(
    app: Jaring, settings: Settings, clock: FixedClock, store: Store, lookups: list[str]
) -> None:
    assert (invites_desk.FAILED_INVITE_TRIES, invites_desk.FAILED_INVITE_WINDOW.total_seconds()) == (5, 600)
    expired = await new_code(app, days=1)
    clock.advance(days=2)
    used, for_bu_lurah, for_mallory = await new_code(app), await new_code(app), await new_code(app)
    assert (await say(app, clock, "pak-lurah", f"kode {used}")).startswith(WELCOME)
    tries = ["kode ABCD2345", "/start ZZZZ9999", "KODE qwer7777", f"kode {used}", f"kode {expired}"]

    # Five wrong tries, one a minute: each answered with its reason, each recorded.
    start = clock()
    replies = []
    for text in tries:  # the deep link (`/start CODE`) and the command alike
        replies.append(await say(app, clock, "mallory", text))
        clock.advance(minutes=1)
    assert [reply.split(".")[0] for reply in replies] == [
        "Kode itu tidak dikenal",
        "Kode itu tidak dikenal",
        "Kode itu tidak dikenal",
        "Kode itu sudah dipakai",
        "Kode itu sudah kedaluwarsa",
    ]
    assert len(lookups) == 6  # pak-lurah's, and mallory's five

    # The sixth, five minutes after the first: refused without looking the code up, even a right one.
    assert clock() == start + invites_desk.FAILED_INVITE_WINDOW / 2
    assert (await say(app, clock, "mallory", f"kode {for_mallory}")).startswith(WAIT_5)
    assert len(lookups) == 6
    clock.advance(minutes=2, seconds=30)
    assert (await say(app, clock, "mallory", f"/start {for_mallory}")).startswith(WAIT_5.replace("5 ", "3 "))
    assert len(lookups) == 6
    assert await held(app, "mallory") == set()

    # Somebody else is not held up.
    assert (await say(app, clock, "bu-lurah", f"kode {for_bu_lurah}")).startswith(WELCOME)
    assert await held(app, "bu-lurah") == {"verifier"}

    # The same store, another Jaring (a second worker, or after a restart): still waiting.
    clock.advance(minutes=2)
    other = await open_jaring(settings, clock, store=store)
    assert (await say(other, clock, "mallory", f"kode {for_mallory}")).startswith(WAIT_5.replace("5 ", "1 "))

    # Ten minutes after the first wrong try (what the first wait message said): the right code works.
    clock.now = start + invites_desk.FAILED_INVITE_WINDOW
    assert (await say(other, clock, "mallory", f"kode {for_mallory}")).startswith(WELCOME)
    assert await held(app, "mallory") == {"verifier"}

    # Recorded: five failed tries (their reason, never the code), three refused by the limit, the grant.
    entries = await audit_of(app, "mallory")
    assert [e.action for e in entries] == [
        *["invite.failed"] * 5,
        *["invite.throttled"] * 3,
        "role.granted",
    ]
    failed = entries[:5]
    assert [e.detail["reason"] for e in failed] == ["unknown", "unknown", "unknown", "used", "expired"]
    assert {e.detail["length"] for e in failed} == {"8"}
    assert [e.subject for e in failed[:3]] == [None, None, None]
    assert all(e.subject and e.subject.startswith("invite:") for e in failed[3:])
    assert [e.detail["wait_minutes"] for e in entries[5:8]] == ["5", "3", "1"]
    typed = ["ABCD2345", "ZZZZ9999", "QWER7777", used, expired, for_mallory]
    for entry in entries:
        stored = f"{entry.subject} {entry.detail}".upper()
        assert not any(code in stored for code in typed), entry.detail
    # Guesses typed again can be told apart from different guesses, by a prefix of the keyed hash only.
    assert len({e.detail["hash_prefix"] for e in failed}) == 5
    assert all(len(e.detail["hash_prefix"]) == 8 for e in failed)


async def test_the_limit_counts_only_the_last_ten_minutes(app: Jaring, clock: FixedClock, lookups: list[str]) -> None:
    """Someone who mistypes now and then is never made to wait; four quick slips still leave a try."""
    for attempt in range(8):
        reply = await say(app, clock, "bu-sri", f"kode SLIP{attempt}ABC")
        assert reply.startswith("Kode itu tidak dikenal"), attempt
        clock.advance(minutes=3)
    for attempt in range(4):
        assert (await say(app, clock, "pak-budi", f"kode WRONG{attempt}XY")).startswith("Kode itu tidak dikenal")
    code = await new_code(app)
    assert (await say(app, clock, "pak-budi", f"kode {code}")).startswith(WELCOME)
    assert len(lookups) == 13
    throttled = [
        e for who in ("bu-sri", "pak-budi") for e in await audit_of(app, who) if e.action == "invite.throttled"
    ]
    assert throttled == []
