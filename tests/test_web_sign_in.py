"""Signing in to the web desk with the one-time link from the chat, for real: `jaring serve` on
127.0.0.1, the link asked for through the fake Telegram, the pages fetched over HTTP and in Chromium."""

from __future__ import annotations

from collections.abc import AsyncIterator

import pytest
from sqlalchemy import select

from bot.cli import main
from bot.settings import Settings
from db.models import AuditEntry, WebLink
from db.repositories import roles
from tests.cli_support import jaring as run_jaring
from tests.conftest import FixedClock
from tests.telegram_support import fake_server
from tests.web_support import DeskServer, browser_page, csrf_of, desk_server, screenshot

ADMIN = 501
VERIFIER = 502
WORKER = 503


@pytest.fixture
async def desk(settings: Settings, clock: FixedClock) -> AsyncIterator[DeskServer]:
    async with fake_server() as fake, desk_server(settings, fake, clock) as server:
        yield server


async def test_an_officer_gets_a_one_time_link_in_the_chat_and_signs_in(desk: DeskServer) -> None:
    await desk.officer(ADMIN)
    link = await desk.link_from_chat(ADMIN)
    assert link.startswith(f"{desk.url}/masuk?t=")
    said = "\n".join(t for t in (s.text for s in desk.fake.sent_to(ADMIN)))
    assert "berlaku 10 menit, hanya sekali pakai" in said
    async with desk.client() as client:
        # A chat app's link preview opens the link: that must not use it up.
        preview = await client.get(link.removeprefix(desk.url))
        assert preview.status_code == 200
        assert "Tekan tombol di bawah untuk masuk" in preview.text
        assert preview.headers["referrer-policy"] == "no-referrer"
        signed = await client.post("/masuk", data={"t": link.partition("?t=")[2]})
        assert signed.status_code == 303
        cookie = signed.headers["set-cookie"]
        assert "jaring_desk=" in cookie
        assert "HttpOnly" in cookie
        assert "SameSite=strict" in cookie or "SameSite=Strict" in cookie
        assert "Path=/dinas" in cookie
        assert "Max-Age=32400" in cookie  # a working day: 9 hours
        home = await client.get("/")
        assert home.status_code == 200
        assert "Pekerjaan hari ini" in home.text
        assert home.headers["cache-control"] == "no-store"
    async with desk.jaring.store.transaction() as session:
        stored = (await session.execute(select(WebLink))).scalars().all()
        assert [len(row.token_hash) for row in stored] == [64]
        assert link.partition("?t=")[2] not in stored[0].token_hash  # only its hash is kept
        actions = (await session.execute(select(AuditEntry.action))).scalars().all()
        assert {"web.link_made", "web.signed_in"} <= set(actions)


async def test_a_link_works_once_and_for_ten_minutes_only(desk: DeskServer, clock: FixedClock) -> None:
    await desk.officer(ADMIN)
    first = (await desk.link_from_chat(ADMIN)).partition("?t=")[2]
    async with desk.client() as client:
        assert (await client.post("/masuk", data={"t": first})).status_code == 303
    async with desk.client() as other:
        again = await other.post("/masuk", data={"t": first})
        assert again.status_code == 403
        assert "sudah dipakai, sudah lewat 10 menit" in again.text
        assert "set-cookie" not in again.headers
        late = (await desk.link_from_chat(ADMIN)).partition("?t=")[2]
        clock.advance(minutes=10, seconds=1)
        assert (await other.post("/masuk", data={"t": late})).status_code == 403
        assert (await other.post("/masuk", data={"t": "made-up"})).status_code == 403
        assert "masuk web&#34; di chat bot (Telegram atau WhatsApp)" in (await other.get("/")).text


async def test_a_link_posted_from_another_site_signs_nobody_in(desk: DeskServer) -> None:
    await desk.officer(ADMIN)
    token = (await desk.link_from_chat(ADMIN)).partition("?t=")[2]
    async with desk.client() as client:
        for headers in ({"origin": "https://evil.example"}, {"sec-fetch-site": "cross-site"}):
            refused = await client.post("/masuk", data={"t": token}, headers=headers)
            assert refused.status_code == 403
            assert "set-cookie" not in refused.headers
        same = await client.post("/masuk", data={"t": token}, headers={"origin": desk.url.removesuffix("/dinas")})
        assert same.status_code == 303  # the link was not used up by the refused tries


async def test_only_officers_get_a_link(desk: DeskServer) -> None:
    said = "\n".join(await desk.say(WORKER, "masuk web"))
    assert "/dinas/masuk" not in said
    async with desk.jaring.store.transaction() as session:
        assert (await session.execute(select(WebLink))).first() is None


async def test_a_form_without_its_csrf_token_is_refused_and_changes_nothing(desk: DeskServer) -> None:
    await desk.officer(ADMIN)
    async with desk.client(ADMIN) as client:
        refused = await client.post("/keluar/kirim", data={})
        assert refused.status_code == 403
        assert "Tidak ada yang diubah" in refused.text
        wrong = await client.post("/keluar/kirim", data={"csrf": "x" * 43})
        assert wrong.status_code == 403
        still = await client.get("/")
        assert still.status_code == 200
        assert "Pekerjaan hari ini" in still.text  # still signed in
        out = await client.post("/keluar/kirim", data={"csrf": csrf_of(still.text)})
        assert out.status_code == 303
        assert "Anda sudah keluar" in (await client.get("/keluar")).text
        assert "Pekerjaan hari ini" not in (await client.get("/")).text


async def test_a_revoked_role_ends_the_desk_at_the_next_page(desk: DeskServer, clock: FixedClock) -> None:
    officer = await desk.officer(VERIFIER, "verifier", "33.75.01.1002")
    async with desk.client(VERIFIER) as client:
        assert "Pekerjaan hari ini" in (await client.get("/")).text
        async with desk.jaring.store.transaction() as session:
            await roles.revoke_role(session, officer.id, "verifier", clock())
        assert "Pekerjaan hari ini" not in (await client.get("/")).text


async def test_the_session_ends_after_a_working_day(desk: DeskServer, clock: FixedClock) -> None:
    await desk.officer(ADMIN)
    async with desk.client(ADMIN) as client:
        clock.advance(hours=8, minutes=59)
        assert "Pekerjaan hari ini" in (await client.get("/")).text
        clock.advance(minutes=2)
        assert "Pekerjaan hari ini" not in (await client.get("/")).text


def test_the_command_line_prints_a_link_for_the_first_admin(
    settings: Settings, capsys: pytest.CaptureFixture[str]
) -> None:
    assert main(["admin", "add", "telegram:777"]) == 0
    capsys.readouterr()
    code, out, _ = run_jaring(capsys, "web", "link", "telegram:777")
    assert code == 0
    assert "sekali pakai, berlaku 10 menit" in out
    assert "http://127.0.0.1:8080/dinas/masuk?t=" in out
    code, _, err = run_jaring(capsys, "web", "link", "telegram:778")
    assert code == 2
    assert "bukan admin atau verifikator" in err


async def test_a_verifier_signs_in_in_a_real_browser(desk: DeskServer) -> None:
    await desk.officer(VERIFIER, "verifier", "33.75.01.1002")
    link = await desk.link_from_chat(VERIFIER)
    async with browser_page() as page:
        await page.goto(link)
        await screenshot(page, "masuk")
        await page.get_by_role("button", name="Masuk").click()
        await page.wait_for_url(f"{desk.url}/")
        assert await page.get_by_role("heading", level=1).inner_text() == "Pekerjaan hari ini"
        nav = await page.get_by_role("navigation").inner_text()
        assert "Verifikasi" in nav
        assert "Siaran" not in nav  # a verifier sees only their own work
        cookies = await page.context.cookies()
        assert [(c["name"], c["httpOnly"], c["sameSite"]) for c in cookies] == [("jaring_desk", True, "Strict")]
        await screenshot(page, "beranda")
        await page.get_by_role("button", name="Keluar").click()
        await page.wait_for_url(f"{desk.url}/keluar")
        assert "Anda sudah keluar." in await page.content()
