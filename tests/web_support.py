"""The web desk, served for real: `jaring serve` on 127.0.0.1 with Telegram pointed at the fake Bot API,
officers who get their sign-in link from the chat, an HTTP client that keeps the session cookie, and
Debian's Chromium driven by Playwright for the browser tests.

Chromium is found at JARING_CHROMIUM or /usr/bin/chromium (`.ci/run` installs Debian's package). Without
it the browser tests skip and say why; CI sets JARING_REQUIRE_BROWSER=1, so there they fail instead."""

from __future__ import annotations

import os
import re
import shutil
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from dataclasses import dataclass

import httpx
import pytest
from playwright.async_api import Browser, Page, async_playwright

from bot.app import Jaring
from bot.clock import Clock
from bot.serve import Service, serving
from bot.settings import Settings
from db.models import Contact
from db.repositories import contacts, roles
from tests.fake_telegram import FakeTelegram
from tests.telegram_support import free_port, telegram_settings, use_migrated_database

__all__ = [
    "DeskServer",
    "browser_page",
    "chromium_path",
    "csrf_of",
    "desk_server",
    "screenshot",
]

BROWSER_REQUIRED = os.environ.get("JARING_REQUIRE_BROWSER") == "1"
_LINK = re.compile(r"(http://\S+/dinas/masuk\?t=[\w-]+)")


def chromium_path() -> str | None:
    """JARING_CHROMIUM when it names a file, else Debian's chromium on the PATH."""
    given = os.environ.get("JARING_CHROMIUM")
    if given:
        return given if os.path.isfile(given) else None
    return shutil.which("chromium") or shutil.which("chromium-browser")


@dataclass(slots=True)
class DeskServer:
    """A running `jaring serve` with its fake Telegram; `url` is the desk's address (…/dinas)."""

    service: Service
    fake: FakeTelegram
    clock: Clock  # the tests' FixedClock, or the real one where time must pass (a broadcast going out)
    url: str

    @property
    def jaring(self) -> Jaring:
        return self.service.jaring

    async def officer(self, chat_id: int, role: str = "admin", kelurahan: str | None = None) -> Contact:
        """A Telegram contact holding `role` (a verifier for `kelurahan`)."""
        async with self.jaring.store.transaction() as session:
            contact = await contacts.get_or_create_contact(session, "telegram", str(chat_id), self.clock())
            await roles.grant_role(
                session, contact.id, role, granted_by="test", now=self.clock(), kelurahan_code=kelurahan
            )
            return contact

    async def say(self, chat_id: int, text: str, *, replies: int = 1) -> list[str]:
        """Send `text` from `chat_id` through the fake Telegram; the bot's newest `replies` answers."""
        before = len(self.fake.sent_to(chat_id))
        self.fake.push(self.fake.text_update(chat_id, text))
        await self.fake.wait_for(
            lambda: len(self.fake.sent_to(chat_id)) >= before + replies, f"{replies} answer(s) to chat {chat_id}"
        )
        return [sent.text for sent in self.fake.sent_to(chat_id)[before:]]

    async def link_from_chat(self, chat_id: int) -> str:
        """The sign-in link the bot gives `chat_id` for `masuk web` (a letter from the hourly round may
        arrive in between: the link is looked for in whatever came)."""
        before = len(self.fake.sent_to(chat_id))
        self.fake.push(self.fake.text_update(chat_id, "masuk web"))

        def link() -> re.Match[str] | None:
            return next(filter(None, (_LINK.search(sent.text) for sent in self.fake.sent_to(chat_id)[before:])), None)

        await self.fake.wait_for(link, f"the sign-in link in chat {chat_id}")
        found = link()
        assert found is not None
        return found.group(1)

    @asynccontextmanager
    async def client(self, chat_id: int | None = None) -> AsyncIterator[httpx.AsyncClient]:
        """An HTTP client at the desk; signed in as `chat_id` (through its chat link) when given."""
        async with httpx.AsyncClient(base_url=self.url, follow_redirects=False, timeout=10) as client:
            if chat_id is not None:
                link = await self.link_from_chat(chat_id)
                token = link.partition("?t=")[2]
                answer = await client.post("/masuk", data={"t": token})
                assert answer.status_code == 303, answer.text
            yield client


@asynccontextmanager
async def desk_server(settings: Settings, fake: FakeTelegram, clock: Clock) -> AsyncIterator[DeskServer]:
    await use_migrated_database(settings)
    port = free_port()
    configured = telegram_settings(settings, fake).model_copy(
        update={"port": port, "host": "127.0.0.1", "web_url": f"http://127.0.0.1:{port}"}
    )
    async with serving(configured, clock=clock) as service:
        yield DeskServer(service, fake, clock, f"http://127.0.0.1:{port}/dinas")


def csrf_of(html: str) -> str:
    """The CSRF token a page's forms carry."""
    found = re.search(r'name="csrf" value="([^"]+)"', html)
    assert found, "no CSRF token on the page"
    return found.group(1)


@asynccontextmanager
async def browser_page() -> AsyncIterator[Page]:
    """A fresh Chromium page (1366×768, an office screen); skips, or fails in CI, without Chromium."""
    path = chromium_path()
    if path is None:
        reason = "Chromium not found (apt-get install chromium, or set JARING_CHROMIUM)"
        if BROWSER_REQUIRED:
            pytest.fail(f"{reason}; JARING_REQUIRE_BROWSER=1")
        pytest.skip(reason)
    async with async_playwright() as playwright:
        browser: Browser = await playwright.chromium.launch(executable_path=path, args=["--no-sandbox"])
        try:
            context = await browser.new_context(viewport={"width": 1366, "height": 768}, locale="id-ID")
            yield await context.new_page()
        finally:
            await browser.close()


async def screenshot(page: Page, name: str) -> None:
    """Keep a picture of the page for docs/DINAS.md when JARING_SCREENSHOTS names a folder."""
    folder = os.environ.get("JARING_SCREENSHOTS")
    if folder:
        await page.screenshot(path=os.path.join(folder, f"{name}.png"), full_page=True)  # makes the folder
