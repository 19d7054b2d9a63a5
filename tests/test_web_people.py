"""Roles and invite codes on the web desk, for real: `jaring serve` on 127.0.0.1, officers signed in
through their chat link, the person whose role is revoked told at the fake Telegram, an invite made on
the page and used in the chat."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator

import pytest
from sqlalchemy import func, select

from bot.settings import Settings
from db.models import AuditEntry, Invite, RoleGrant
from db.repositories import roles
from tests.conftest import FixedClock
from tests.review_support import MEDONO
from tests.telegram_support import fake_server
from tests.web_support import DeskServer, browser_page, csrf_of, desk_server, screenshot

ADMIN = 711
OTHER_ADMIN = 712
VERIFIER = 713
LEADER = 714
NEWCOMER = 715
_SIDEWAYS = "() => document.documentElement.scrollWidth - window.innerWidth"
_CODE = re.compile(r'<p class="invite-code">([A-Z0-9]{8})</p>')


@pytest.fixture
async def desk(settings: Settings, clock: FixedClock) -> AsyncIterator[DeskServer]:
    async with fake_server() as fake, desk_server(settings, fake, clock) as server:
        yield server


async def _grants(desk: DeskServer) -> list[RoleGrant]:
    async with desk.jaring.store.transaction() as session:
        rows, _ = await roles.held_grants(session, offset=0, limit=100)
        return [grant for grant, _ in rows]


async def _invites(desk: DeskServer) -> int:
    async with desk.jaring.store.transaction() as session:
        return int((await session.execute(select(func.count(Invite.id)))).scalar_one())


async def test_the_role_list_is_the_store_s_in_its_order_with_the_kelurahan_by_name(
    desk: DeskServer, clock: FixedClock
) -> None:
    await desk.officer(LEADER, "rtrw", MEDONO)
    clock.advance(minutes=1)
    await desk.officer(VERIFIER, "verifier", MEDONO)
    clock.advance(minutes=1)
    await desk.officer(ADMIN)
    async with desk.client(ADMIN) as client:
        page = await client.get("/peran")
    assert page.status_code == 200
    body = page.text
    held = await _grants(desk)
    assert [g.role for g in held] == ["admin", "verifier", "rtrw"]  # the store's order: admins first
    shown = re.findall(r"<td>telegram:(\d+)</td>", body)
    assert shown == [str(ADMIN), str(VERIFIER), str(LEADER)]
    assert "Pemegang peran 1 sampai 3 dari 3" in body
    assert "Kelurahan Medono (33.75.01.1002)" in body
    assert "RT 003 / RW 005" not in body  # the leader was granted without RT/RW here
    assert "Petugas verifikasi kelurahan" in body
    # Every other holder has a revoke link; the admin's own grant has none (another admin revokes it).
    links = re.findall(r'href="/dinas/peran/(\d+)/cabut"', body)
    assert sorted(int(x) for x in links) == sorted(g.id for g in held if g.role != "admin")
    async with desk.jaring.store.transaction() as session:
        audited = (await session.execute(select(AuditEntry).where(AuditEntry.action == "web.viewed"))).scalars().all()
    assert [a.detail["page"] for a in audited] == ["people"]


async def test_revoking_is_confirmed_removes_the_grant_and_tells_the_person(desk: DeskServer) -> None:
    verifier = await desk.officer(VERIFIER, "verifier", MEDONO)
    await desk.officer(ADMIN)
    grant = next(g for g in await _grants(desk) if g.contact_id == verifier.id)
    async with desk.client(ADMIN) as client:
        confirm = await client.get(f"/peran/{grant.id}/cabut")
        assert confirm.status_code == 200
        assert f"Cabut peran Petugas verifikasi kelurahan dari telegram:{VERIFIER}?" in confirm.text
        assert await _grants(desk) != []  # looking changes nothing
        done = await client.post(f"/peran/{grant.id}/cabut", data={"csrf": csrf_of(confirm.text)})
        assert done.status_code == 303
        assert done.headers["location"] == "/dinas/peran?pesan=web.people.revoked"
        listed = await client.get("/peran?pesan=web.people.revoked")
        assert "Peran sudah dicabut. Orangnya sudah diberi tahu lewat chat." in listed.text
        assert f"telegram:{VERIFIER}" not in listed.text
        # The grant is gone: its page is 404, and a second POST says nothing was held any more.
        assert (await client.get(f"/peran/{grant.id}/cabut")).status_code == 404
        again = await client.post(f"/peran/{grant.id}/cabut", data={"csrf": csrf_of(confirm.text)})
        assert again.headers["location"] == "/dinas/peran?pesan=web.people.nothing_to_revoke"
    assert [g.role for g in await _grants(desk)] == ["admin"]
    await desk.fake.wait_for(
        lambda: any("sudah dicabut oleh Dinas" in m.text for m in desk.fake.sent_to(VERIFIER)), "the revoke notice"
    )
    told = [m.text for m in desk.fake.sent_to(VERIFIER) if "dicabut" in m.text]
    assert told == [
        "Peran Anda sebagai Petugas verifikasi kelurahan di Jaring sudah dicabut oleh Dinas. Kalau menurut "
        "Anda ini keliru, hubungi Dinas."
    ]


async def test_an_admin_cannot_revoke_their_own_role_from_the_page(desk: DeskServer) -> None:
    await desk.officer(ADMIN)
    own = (await _grants(desk))[0]
    async with desk.client(ADMIN) as client:
        confirm = await client.get(f"/peran/{own.id}/cabut")
        assert "dicabut oleh admin lain" in confirm.text
        assert 'action="/dinas/peran/' not in confirm.text  # no form to send
        refused = await client.post(f"/peran/{own.id}/cabut", data={"csrf": csrf_of(confirm.text)})
        assert refused.status_code == 409
        assert "dicabut oleh admin lain" in refused.text
    assert [g.id for g in await _grants(desk)] == [own.id]


async def test_an_invite_made_on_the_page_is_used_in_the_chat_and_gives_that_role(desk: DeskServer) -> None:
    await desk.officer(ADMIN)
    async with desk.client(ADMIN) as client:
        form = await client.get("/peran/undangan?peran=rtrw")
        assert 'value="rtrw" checked' in form.text
        assert '<option value="33.75.01.1002">Medono</option>' in form.text
        made = await client.post(
            "/peran/undangan",
            data={"csrf": csrf_of(form.text), "peran": "rtrw", "kelurahan": MEDONO, "rt": "3", "rw": "RW 05"},
        )
    assert made.status_code == 200
    found = _CODE.search(made.text)
    assert found, made.text
    code = found.group(1)
    assert "pengurus RT 003 / RW 005, Kelurahan Medono" in made.text
    assert f"kode {code}" in made.text
    assert "hanya ditampilkan sekali" in made.text
    said = "\n".join(await desk.say(NEWCOMER, f"kode {code}"))
    assert "Medono" in said
    async with desk.jaring.store.transaction() as session:
        newcomer = (await session.execute(select(RoleGrant).where(RoleGrant.granted_by.like("invite:%")))).scalar_one()
        assert (newcomer.role, newcomer.kelurahan_code, newcomer.rt, newcomer.rw) == ("rtrw", MEDONO, "003", "005")
        assert (await session.execute(select(Invite.code_hash))).scalar_one() != code  # only its hash is kept


async def test_a_wrong_invite_form_says_what_to_type_keeps_the_input_and_makes_nothing(desk: DeskServer) -> None:
    await desk.officer(ADMIN)
    async with desk.client(ADMIN) as client:
        form = await client.get("/peran/undangan")
        wrong = await client.post(
            "/peran/undangan",
            data={"csrf": csrf_of(form.text), "peran": "rtrw", "kelurahan": "33.75.99.9999", "rt": "tiga", "rw": "5"},
        )
        nothing = await client.post("/peran/undangan", data={"csrf": csrf_of(form.text)})
    assert wrong.status_code == 400
    assert "Tulis nomor RT dengan angka saja, misalnya 3." in wrong.text
    assert "Pilih kelurahannya dari daftar." in wrong.text
    assert 'name="rt" inputmode="numeric" maxlength="6" value="tiga"' in wrong.text
    assert 'value="rtrw" checked' in wrong.text
    assert "Tulis nomor RW" not in wrong.text
    assert nothing.status_code == 400
    assert "Pilih salah satu: petugas verifikasi kelurahan atau pengurus RT/RW." in nothing.text
    assert await _invites(desk) == 0


async def test_a_verifier_gets_403_and_changes_nothing(desk: DeskServer) -> None:
    await desk.officer(VERIFIER, "verifier", MEDONO)
    other = await desk.officer(OTHER_ADMIN)
    grant = next(g for g in await _grants(desk) if g.contact_id == other.id)
    async with desk.client(VERIFIER) as client:
        home = await client.get("/")
        assert "/dinas/peran" not in home.text  # not in the verifier's navigation
        for path in ("/peran", "/peran/undangan", f"/peran/{grant.id}/cabut"):
            assert (await client.get(path)).status_code == 403, path
        csrf = csrf_of(home.text)
        made = await client.post("/peran/undangan", data={"csrf": csrf, "peran": "verifier", "kelurahan": MEDONO})
        revoked = await client.post(f"/peran/{grant.id}/cabut", data={"csrf": csrf})
    assert (made.status_code, revoked.status_code) == (403, 403)
    assert await _invites(desk) == 0
    assert len(await _grants(desk)) == 2


async def test_an_admin_makes_a_verifier_invite_in_a_real_browser(desk: DeskServer) -> None:
    await desk.officer(VERIFIER, "verifier", MEDONO)
    await desk.officer(ADMIN)
    link = await desk.link_from_chat(ADMIN)
    async with browser_page() as page:
        await page.goto(link)
        await page.get_by_role("button", name="Masuk").click()
        await page.wait_for_url(f"{desk.url}/")
        await page.get_by_role("navigation").get_by_role("link", name="Peran & undangan").click()
        await page.wait_for_url(f"{desk.url}/peran")
        assert await page.get_by_role("heading", level=1).inner_text() == "Peran dan kode undangan"
        await screenshot(page, "people")
        await page.get_by_role("link", name="Buat kode untuk petugas kelurahan").click()
        await page.get_by_label("Kelurahan", exact=True).select_option(label="Medono")
        await page.get_by_role("button", name="Buat kode").click()
        await page.wait_for_url(f"{desk.url}/peran/undangan")
        code = (await page.locator(".invite-code").inner_text()).strip()
        assert re.fullmatch(r"[A-Z2-9]{8}", code)
        assert "petugas verifikasi Kelurahan Medono" in await page.content()
        await screenshot(page, "people-invite")
        # On a phone the pages do not scroll sideways: the table scrolls inside its box.
        await page.set_viewport_size({"width": 390, "height": 844})
        for path in ("/peran", "/peran/undangan"):
            await page.goto(desk.url + path)
            assert await page.evaluate(_SIDEWAYS) <= 0, path
    said = "\n".join(await desk.say(NEWCOMER, f"kode {code}"))
    assert "petugas verifikasi Kelurahan Medono" in said
