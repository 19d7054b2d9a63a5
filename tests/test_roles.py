"""Roles: who holds what (chat and command line), revoking (confirmed, the person told, audited, in
force from their next message, never one's own in chat), and invite codes made in chat that really give
the role. Real SQLite and PostgreSQL, the real pipeline, and one run of the real `jaring` command."""

from __future__ import annotations

import asyncio
import re
from itertools import count
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.app import Jaring, open_jaring
from bot.commands import administer as admin_commands
from bot.inbound.dispatcher import RequestAnswerer
from bot.settings import Settings
from conversations.inbound import Inbound
from conversations.requests.base import RoleRefused
from conversations.requests.roles import InviteMade, ListRoleHolders, MakeInvite, Revoked, RevokeRole, RoleHoldersPage
from db.connection import Store
from db.models import AuditEntry, Invite, OutboxMessage, RoleGrant
from db.repositories import roles
from tests.conftest import FixedClock
from tests.review_support import MEDONO_CODE, NOYONTAANSARI, person
from tests.test_cli import env, run  # noqa: F401 (env is a fixture)

_ids = count(1)


@pytest.fixture
async def app(settings: Settings, clock: FixedClock, store: Store) -> Jaring:
    return await open_jaring(settings, clock, store=store)


async def talk(app: Jaring, clock: FixedClock, who: str, *texts: str) -> list[str]:
    for text in texts:
        await app.pipeline.handle(Inbound("terminal", who, f"r{next(_ids)}", clock(), text))
        clock.advance(seconds=1)
    async with app.store.transaction() as session:
        rows = (await session.execute(select(OutboxMessage).order_by(OutboxMessage.id))).scalars()
        return [row.body for row in rows if row.recipient == who]


async def _held(app: Jaring, name: str) -> set[str]:
    async with app.store.transaction() as session:
        contact = await person(session, name, app.pipeline.clock())
        return {grant.role for grant in await roles.active_grants(session, contact.id)}


async def test_the_role_list_names_the_scope_and_holds_no_personal_data(app: Jaring, clock: FixedClock) -> None:
    async with app.store.transaction() as session:
        await person(session, "kadis", clock(), ("admin", None))
        await person(session, "bu-lurah", clock(), ("verifier", MEDONO_CODE))
        leader = await person(session, "pak-rt", clock())
        await roles.grant_role(
            session,
            leader.id,
            "rtrw",
            granted_by="invite:3",
            now=clock(),
            kelurahan_code=NOYONTAANSARI,
            rt="003",
            rw="005",
        )
    listed = await admin_commands.list_roles(app)
    lines = listed.splitlines()
    assert lines[0].startswith("admin     terminal:kadis")
    assert "semua wilayah  sejak 21-11-2026  oleh test" in lines[0]
    assert "Kelurahan Medono (33.75.01.1002)" in lines[1]
    assert "RT 003 / RW 005, Kelurahan Noyontaansari (33.75.02.1002)  sejak 21-11-2026  oleh invite:3" in lines[2]
    assert lines[-1] == "3 peran dipegang."


async def test_revoking_from_the_command_line_tells_the_person_and_takes_effect_at_their_next_message(
    app: Jaring, clock: FixedClock
) -> None:
    async with app.store.transaction() as session:
        await person(session, "bu-lurah", clock(), ("verifier", MEDONO_CODE), ("verifier", NOYONTAANSARI))
    said = await admin_commands.revoke_role(app, "terminal:bu-lurah", "verifier")
    assert said == "terminal:bu-lurah: peran verifier dicabut (2 pemberian); orangnya diberi tahu lewat chat."
    assert await admin_commands.revoke_role(app, "terminal:bu-lurah", "verifier") == (
        "terminal:bu-lurah tidak memegang peran verifier; tidak ada yang diubah."
    )
    with pytest.raises(LookupError, match="tidak ada yang dikenal sebagai terminal:nobody"):
        await admin_commands.revoke_role(app, "terminal:nobody", "admin")
    told = await talk(app, clock, "bu-lurah", "verifikasi")
    assert any(
        text.startswith("Peran Anda sebagai Petugas verifikasi kelurahan di Jaring sudah dicabut") for text in told
    )
    assert told[-1].startswith("Maaf, menu ini khusus untuk petugas kelurahan dan Dinas.")
    assert await _held(app, "bu-lurah") == set()
    async with app.store.transaction() as session:
        audit = (await session.execute(select(AuditEntry).where(AuditEntry.action == "role.revoked"))).scalar_one()
    assert audit.detail == {"role": "verifier", "grants": "2", "by": "cli"}


async def test_an_admin_revokes_a_role_in_chat_with_a_confirmation(app: Jaring, clock: FixedClock) -> None:
    async with app.store.transaction() as session:
        await person(session, "kadis", clock(), ("admin", None))
        await person(session, "bu-lurah", clock(), ("verifier", MEDONO_CODE))
    said = await talk(app, clock, "kadis", "peran", "1")
    assert said[-1].startswith("Pemegang peran 1 sampai 2 dari 2.")
    said = await talk(app, clock, "kadis", "2")
    assert said[-1] == (
        "Petugas verifikasi kelurahan\nKontak: terminal:bu-lurah\nWilayah: Kelurahan Medono (33.75.01.1002)\n"
        "Sejak: 21-11-2026\nDiberikan oleh: test"
    )
    said = await talk(app, clock, "kadis", "cabut", "tidak")
    assert "Baik, perannya tetap." in said[-2]
    assert await _held(app, "bu-lurah") == {"verifier"}
    said = await talk(app, clock, "kadis", "2", "cabut", "ya")
    assert said[-2].startswith("Peran Petugas verifikasi kelurahan sudah dicabut dari terminal:bu-lurah.")
    assert said[-1].startswith("Pemegang peran 1 sampai 1 dari 1.")
    assert await _held(app, "bu-lurah") == set()


async def test_a_role_revoked_earlier_in_the_same_batch_is_gone_for_the_next_message(
    app: Jaring, clock: FixedClock
) -> None:
    """The admin's "ya" and the officer's next message arrive together and share one transaction: the
    officer's message, handled after the revocation, no longer has the role."""
    if not app.store.is_sqlite:
        pytest.skip("on PostgreSQL two people's messages may go to lanes that run side by side: no order")
    async with app.store.transaction() as session:
        await person(session, "kadis", clock(), ("admin", None))
        await person(session, "bu-lurah", clock(), ("verifier", MEDONO_CODE))
    await talk(app, clock, "kadis", "peran", "1", "2", "cabut")
    stranger = (await talk(app, clock, "orang-lain", "verifikasi"))[-1]
    await asyncio.gather(
        app.pipeline.handle(Inbound("terminal", "kadis", f"r{next(_ids)}", clock(), "ya")),
        app.pipeline.handle(Inbound("terminal", "bu-lurah", f"r{next(_ids)}", clock(), "verifikasi")),
    )
    assert await _held(app, "bu-lurah") == set()
    officer = (await talk(app, clock, "bu-lurah"))[-1]
    assert officer == stranger  # what someone without the role is told, not the kelurahan's list


async def test_nobody_revokes_their_own_role_in_chat(app: Jaring, clock: FixedClock) -> None:
    desk = RequestAnswerer(app.cipher, app.programme, app.catalogs)
    async with app.store.transaction() as session:
        admin = await person(session, "kadis", clock(), ("admin", None))
        other = await person(session, "wakil", clock(), ("admin", None))
        assert await desk.answer(session, admin, RevokeRole(admin.id, "admin"), clock()) == RoleRefused()
        assert await desk.answer(session, admin, RevokeRole(other.id, "admin"), clock()) == Revoked(1)
        assert await desk.answer(session, other, RevokeRole(admin.id, "admin"), clock()) == RoleRefused()  # no longer


async def test_an_invite_made_in_chat_gives_the_role_it_was_made_for(app: Jaring, clock: FixedClock) -> None:
    async with app.store.transaction() as session:
        await person(session, "kadis", clock(), ("admin", None))
    said = await talk(app, clock, "kadis", "peran", "buat kode untuk petugas kelurahan", "medonoo", "ya")
    explained, forwarded = said[-3], said[-2]
    code = forwarded.removeprefix("kode ")
    assert re.fullmatch(r"[A-Z2-9]{8}", code)
    assert explained.startswith(
        f"Kode undangan untuk petugas verifikasi Kelurahan Medono: {code}\nBerlaku sampai 5 Desember 2026"
    )
    assert said[-1].startswith("Peran dan kode undangan.")
    welcomed = await talk(app, clock, "bu-lurah", forwarded)
    assert welcomed[-1].startswith("Selamat datang, petugas verifikasi Kelurahan Medono.")
    said = await talk(app, clock, "kadis", "3", "noyontaansari", "ya", "RT 4", "rw", "12")
    leader_code = said[-2].removeprefix("kode ")
    assert "pengurus RT 004 / RW 012, Kelurahan Noyontaansari" in said[-3]
    assert "Tulis nomornya saja dengan angka" in said[-4]
    await talk(app, clock, "pak-rt", f"kode {leader_code}")
    async with app.store.transaction() as session:
        grants = {(g.role, g.kelurahan_code, g.rt, g.rw) for g in (await session.execute(select(RoleGrant))).scalars()}
        stored = list((await session.execute(select(Invite))).scalars())
        audits = list(
            (await session.execute(select(AuditEntry).where(AuditEntry.action == "invite.created"))).scalars()
        )
    assert ("verifier", MEDONO_CODE, None, None) in grants
    assert ("rtrw", NOYONTAANSARI, "004", "012") in grants
    assert all(code not in invite.code_hash and invite.created_by == "terminal:kadis" for invite in stored)
    assert [a.detail["role"] for a in audits] == ["verifier", "rtrw"]


async def test_invites_and_role_lists_are_for_admins_only(app: Jaring, clock: FixedClock) -> None:
    desk = RequestAnswerer(app.cipher, app.programme, app.catalogs)
    async with app.store.transaction() as session:
        admin = await person(session, "kadis", clock(), ("admin", None))
        verifier = await person(session, "bu-lurah", clock(), ("verifier", MEDONO_CODE))
        made = await desk.answer(session, admin, MakeInvite("rtrw", MEDONO_CODE, "003", "005"), clock())
        outside = await desk.answer(session, admin, MakeInvite("verifier", "99.99.99.9999"), clock())
        refused = await desk.answer(session, verifier, MakeInvite("verifier", MEDONO_CODE), clock())
        listed = await desk.answer(session, admin, ListRoleHolders(), clock())
    assert isinstance(made, InviteMade)
    assert (made.role, made.kelurahan_code, made.rt, made.rw) == ("rtrw", MEDONO_CODE, "003", "005")
    assert outside == refused == RoleRefused()
    assert isinstance(listed, RoleHoldersPage)
    assert [(h.role, h.address) for h in listed.items] == [
        ("admin", "terminal:kadis"),
        ("verifier", "terminal:bu-lurah"),
    ]


@pytest.mark.slow
def test_the_quota_and_role_commands_run(env: dict[str, str], tmp_path: Path) -> None:  # noqa: F811
    assert run(["admin", "add", "telegram:123456789"], env, cwd=tmp_path).returncode == 0
    listed = run(["role", "list"], env, cwd=tmp_path)
    assert listed.returncode == 0, listed.stderr
    assert "admin     telegram:123456789" in listed.stdout
    quota_set = run(["quota", "set", "1700", "--reason", "Perubahan APBD"], env, cwd=tmp_path)
    assert quota_set.returncode == 0, quota_set.stderr
    assert "tempat; 0 naik dari daftar tunggu" in quota_set.stdout
    shown = run(["quota", "show"], env, cwd=tmp_path)
    assert ": 1.700 tempat" in shown.stdout
    approved = run(["registration", "approve"], env, cwd=tmp_path)
    assert approved.returncode == 0, approved.stderr
    assert approved.stdout.startswith("0 disetujui, 0 masuk daftar tunggu")
    revoked = run(["role", "revoke", "telegram:123456789", "admin"], env, cwd=tmp_path)
    assert (
        revoked.stdout.strip()
        == "telegram:123456789: peran admin dicabut (1 pemberian); orangnya diberi tahu lewat chat."
    )
    below = run(["quota", "set", "-1"], env, cwd=tmp_path)
    assert below.returncode != 0
