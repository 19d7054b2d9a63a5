"""Two people chatting in two terminal windows (`jaring chat --as budi`, `--as bulurah`): each window
shows only its own person's messages; the others wait in the outbox for their own window. The real
chat loop, pipeline, outbox worker and store (SQLite and PostgreSQL)."""

from __future__ import annotations

import io
import os
import stat
import subprocess
import sys
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.app import Jaring, open_jaring
from bot.channels.terminal import chat_with_person
from bot.desks.status_news import change_status
from bot.settings import Settings
from conversations.letters import Letter
from db.connection import Store
from db.models import OutboxMessage
from db.repositories import contacts
from tests.conftest import FixedClock
from tests.review_support import seed_registration

JARING = str(Path(sys.executable).with_name("jaring"))


async def _news_for_budi(app: Jaring) -> None:
    """Budi registered himself; the Dinas verifies it (`jaring registration status N verified`)."""
    now = app.pipeline.clock()
    async with app.store.transaction() as session:
        budi = await contacts.get_or_create_contact(session, "terminal", "budi", now)
        row = await seed_registration(session, app.cipher, app.programme, serial=1, registrant=budi)
        post: list[Letter] = []
        await change_status(session, post, row.id, "verified", now=now, actor="cli", programme=app.programme)
        await app.outbox_writer.letters(session, post, now)


async def _statuses(app: Jaring, recipient: str) -> list[str]:
    async with app.store.transaction() as session:
        statement = select(OutboxMessage.status).where(OutboxMessage.recipient == recipient)
        return list((await session.execute(statement)).scalars())


async def test_each_window_shows_only_its_own_persons_messages(
    settings: Settings, clock: FixedClock, store: Store
) -> None:
    app = await open_jaring(settings, clock, store=store)
    await _news_for_budi(app)

    bulurah_window = io.StringIO()
    await chat_with_person(app, "bulurah", stdin=io.StringIO("halo\n"), stdout=bulurah_window)
    assert "Halo! Saya Jaring" in bulurah_window.getvalue(), "bulurah's own reply is shown"
    assert "Kabar pendaftaran" not in bulurah_window.getvalue(), "budi's news is not shown to bulurah"
    assert await _statuses(app, "budi") == ["pending"], "it waits for budi's own window"

    budi_window = io.StringIO()
    await chat_with_person(app, "budi", stdin=io.StringIO(""), stdout=budi_window)
    assert "Kabar pendaftaran" in budi_window.getvalue(), "budi sees his news when his window opens"
    assert await _statuses(app, "budi") == ["sent"]
    assert set(await _statuses(app, "bulurah")) == {"sent"}


@pytest.mark.slow
def test_the_chat_window_shows_the_conversation_and_one_notice_the_log_goes_to_a_file(tmp_path: Path) -> None:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("JARING_", "DATABASE_URL"))}
    env["JARING_LOG_LEVEL"] = "DEBUG"  # the default data folder, ./data, and no key: as on a fresh clone
    done = subprocess.run(
        [JARING, "chat"], input="halo\nbrp iuran nya\n", capture_output=True, text=True, env=env, timeout=60,
        cwd=tmp_path, check=False,
    )  # fmt: skip
    assert done.returncode == 0, done.stderr
    assert "Halo! Saya Jaring" in done.stdout
    for noise in (" DEBUG ", " INFO ", " WARNING ", "sqlalchemy", "JARING_SECRET_KEY is not set"):
        assert noise not in done.stdout, noise
    notice = done.stderr.splitlines()
    assert len(notice) == 1, done.stderr
    assert notice[0].startswith("Catatan: data dienkripsi dengan kunci pengembangan")
    assert len(notice[0]) <= 100, "one short line, no wrapping mid-word on a common terminal"
    log = tmp_path / "data" / "jaring.log"
    assert stat.S_IMODE(log.stat().st_mode) == 0o600
    assert "JARING_SECRET_KEY is not set" in log.read_text(encoding="utf-8")
