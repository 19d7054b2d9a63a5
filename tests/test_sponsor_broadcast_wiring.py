"""A "sponsors_due" announcement through the chat's preview and the broadcast runner; the command refuses a
sponsor audience where the programme has no sponsors."""

from __future__ import annotations

import pytest
from sqlalchemy import select

from bot.app import open_jaring, read_programme_file
from bot.commands.broadcasts import _CommandError, parse_audience
from bot.desks.broadcasts import record_broadcast
from bot.outbound.broadcast_runner import BroadcastRunner
from bot.settings import PROJECT_DIR, Settings
from conversations.audiences import Audience
from conversations.regions import parse_region
from conversations.requests.broadcasts import BroadcastPreview, PreviewBroadcast
from db.models import OutboxMessage
from db.repositories import contacts, roles
from tests.conftest import FixedClock
from tests.dinas_sponsor_support import seed_kendal_sponsors


async def test_a_sponsors_due_broadcast_goes_through_the_preview_and_the_runner(
    settings: Settings, clock: FixedClock
) -> None:
    app = await open_jaring(
        settings.model_copy(update={"program_file": PROJECT_DIR / "programmes" / "kabupaten-kendal.toml"}), clock
    )
    try:
        seeded = await seed_kendal_sponsors(app)
        now = clock()
        async with app.store.transaction() as session:
            admin = await contacts.get_or_create_contact(session, "terminal", "dinas", now)
            await roles.grant_role(session, admin.id, "admin", granted_by="test", now=now)
        async with app.store.transaction() as session:
            preview = await app.pipeline.answerer.answer(session, admin, PreviewBroadcast("sponsors_due", ""), now)
        assert isinstance(preview, BroadcastPreview)
        assert preview.count.terminal == 3
        async with app.store.transaction() as session:
            number = await record_broadcast(
                session,
                app.programme,
                app.region,
                text="Iuran bulan ini belum tercatat.",
                audience=Audience("sponsors_due"),
                send_at=None,
                now=now,
                author_contact=None,
            )
        assert isinstance(number, int)
        await BroadcastRunner.for_jaring(app, ["terminal"]).run_round()
        async with app.store.transaction() as session:
            sent_to = set(
                (
                    await session.execute(select(OutboxMessage.contact_id).where(OutboxMessage.broadcast_id == number))
                ).scalars()
            )
        assert sent_to == {seeded.contacts[k].id for k in ("S1", "C1", "S6")}
    finally:
        await app.close()


def test_the_command_says_a_programme_has_no_sponsors() -> None:

    malang = read_programme_file(PROJECT_DIR / "programmes" / "kota-malang.toml")
    region = parse_region((PROJECT_DIR / "programmes" / "wilayah.csv").read_text(encoding="utf-8"), malang.region_code)
    with pytest.raises(_CommandError) as refused:
        parse_audience("sponsors_due", malang, region)
    assert refused.value.message.key == "sponsor_figures.cli_off"
