"""Every page of the web desk, as an admin and a verifier reach it by following its links, in Chromium on
an office screen (1366×768) and a phone (390×844): no error, nothing the Content-Security-Policy blocks
(an inline script or style would be), no sideways scrolling of the page (wide tables scroll inside their
box), every field with a label, one main heading, the language declared."""

from __future__ import annotations

from collections.abc import AsyncIterator
from urllib.parse import urldefrag, urlsplit

import pytest
from playwright.async_api import Page

from bot.settings import Settings
from tests.conftest import FixedClock
from tests.review_support import MEDONO, NOYONTAANSARI, seed_registration
from tests.telegram_support import fake_server
from tests.web_support import DeskServer, browser_page, desk_server

ADMIN = 601
VERIFIER = 602
_MAX_PAGES = 60
# Not pages to look at: downloads, and signing out (which would end the walk).
_SKIPPED = (".csv", ".xlsx", "/keluar")

_CHECKS = """() => {
  const unlabelled = [...document.querySelectorAll('input, select, textarea')]
    .filter(e => e.type !== 'hidden' && e.type !== 'submit' && e.type !== 'button')
    .filter(e => !(e.labels && e.labels.length) && !e.getAttribute('aria-label') && !e.getAttribute('aria-labelledby'))
    .map(e => e.name || e.id || e.outerHTML.slice(0, 60));
  const unnamedButtons = [...document.querySelectorAll('button')]
    .filter(b => !b.innerText.trim() && !b.getAttribute('aria-label')).length;
  return {
    lang: document.documentElement.lang,
    h1: document.querySelectorAll('h1').length,
    sideways: document.documentElement.scrollWidth - window.innerWidth,
    unlabelled,
    unnamedButtons,
    links: [...document.querySelectorAll('a[href]')].map(a => a.href),
  };
}"""


@pytest.fixture
async def desk(settings: Settings, clock: FixedClock) -> AsyncIterator[DeskServer]:
    async with fake_server() as fake, desk_server(settings, fake, clock) as server:
        jaring = server.jaring
        async with jaring.store.transaction() as session:
            for serial in range(1, 13):
                status = ("submitted", "verified", "approved", "waiting_list")[serial % 4]
                kelurahan = MEDONO if serial % 3 else NOYONTAANSARI
                await seed_registration(
                    session, jaring.cipher, jaring.programme, serial=serial, kelurahan=kelurahan, status=status
                )
        yield server


async def _walk(desk: DeskServer, page: Page, start: str) -> dict[str, dict[str, object]]:
    """Every page reachable from `start` by the desk's links: what _CHECKS found on each."""
    problems: list[str] = []
    page.on("console", lambda message: problems.append(message.text) if message.type == "error" else None)
    page.on("pageerror", lambda error: problems.append(str(error)))
    seen: dict[str, dict[str, object]] = {}
    queue = [start]
    while queue and len(seen) < _MAX_PAGES:
        url = urldefrag(queue.pop(0)).url
        path = urlsplit(url).path
        if url in seen or not url.startswith(desk.url) or path.endswith(_SKIPPED) or "/keluar" in path:
            continue
        answer = await page.goto(url)
        assert answer is not None
        assert answer.status == 200, (url, answer.status)
        found = await page.evaluate(_CHECKS)
        seen[url] = found
        assert not problems, (url, problems)  # CSP violations and script errors are console errors
        queue.extend(str(link) for link in found["links"])
    return seen


@pytest.mark.parametrize(("chat_id", "role", "kelurahan"), [(ADMIN, "admin", None), (VERIFIER, "verifier", MEDONO)])
@pytest.mark.parametrize(("width", "height"), [(1366, 768), (390, 844)])
async def test_every_page_is_readable_and_labelled_on_an_office_screen_and_a_phone(
    desk: DeskServer, chat_id: int, role: str, kelurahan: str | None, width: int, height: int
) -> None:
    await desk.officer(chat_id, role, kelurahan)
    link = await desk.link_from_chat(chat_id)
    async with browser_page() as page:
        await page.set_viewport_size({"width": width, "height": height})
        await page.goto(link)
        await page.get_by_role("button", name="Masuk").click()
        await page.wait_for_url(f"{desk.url}/")
        seen = await _walk(desk, page, f"{desk.url}/")
    assert len(seen) >= (8 if role == "admin" else 3), sorted(seen)
    for url, found in seen.items():
        assert found["lang"] == "id", url
        assert found["h1"] == 1, url
        assert found["unlabelled"] == [], url
        assert found["unnamedButtons"] == 0, url
        assert int(str(found["sideways"])) <= 1, (url, found["sideways"])
