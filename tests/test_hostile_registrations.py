"""The hostile-input corpus typed into real registrations, through the real pipeline on real SQLite:
each worker types a hostile text at the name, the street and the job (the bot refuses what it must,
and the worker then types something plain); then both export formats are written and read back:
every registration present, no formula cell, no control or invisible character, no NIK outside its
column."""

from __future__ import annotations

import csv
import io
import uuid

from openpyxl import load_workbook
from sqlalchemy import select

from bot.app import Jaring, open_jaring
from bot.desks.export import COLUMNS, build_export
from bot.settings import Settings
from conversations.inbound import Inbound
from conversations.nik import find_niks
from db.connection import Store
from db.models import Contact, ConversationSession, Registration
from tests.conftest import FixedClock
from tests.hostile_inputs import HOSTILE, unclean
from tests.review_support import nik_for

# The texts a registration keeps: the corpus without a NIK (a NIK typed as a name or street is
# masked; those are covered at every step by test_hostile_inputs).
TYPED = [text for text in HOSTILE if not find_niks(text)]
NIK_COLUMN = [header for header, _ in COLUMNS].index("NIK")


async def _say(app: Jaring, who: str, text: str) -> None:
    await app.pipeline.handle(
        Inbound("terminal", who, uuid.uuid4().hex, app.pipeline.clock(), text=text),
    )


async def _step(app: Jaring, who: str) -> str | None:
    """The step this worker's conversation stands at."""
    async with app.store.transaction() as session:
        statement = (
            select(ConversationSession.step)
            .join(Contact, Contact.id == ConversationSession.contact_id)
            .where(Contact.channel == "terminal", Contact.channel_id == who)
        )
        return (await session.execute(statement)).scalar_one_or_none()


async def _answer(app: Jaring, who: str, step: str, hostile: str, plain: str) -> None:
    """Type `hostile` at `step`; if the bot asks again, type `plain`."""
    assert await _step(app, who) == step
    await _say(app, who, hostile)
    if await _step(app, who) == step:
        await _say(app, who, plain)
    if await _step(app, who) == "job_pick":
        await _say(app, who, "lainnya")


async def _register(app: Jaring, who: str, serial: int, hostile: str) -> None:
    for text in ("daftar", "setuju", nik_for(serial)):
        await _say(app, who, text)
    await _answer(app, who, "full_name", hostile, "Siti Aminah")
    for text in ("05-06-1985", "medono", "ya", "rt 3", "05"):
        await _say(app, who, text)
    await _answer(app, who, "street", hostile, "Jl. Sampangan 3")
    await _answer(app, who, "job", hostile, "mbatik")
    for text in ("0812-3456-7890", "ya", "tidak tahu", "tidak"):
        await _say(app, who, text)
    assert await _step(app, who) == "summary"
    await _say(app, who, "kirim")


async def test_hostile_registrations_export_as_plain_data(settings: Settings, clock: FixedClock, store: Store) -> None:
    # On PostgreSQL too, which refuses a NUL in text outright: the door must have removed it.
    jaring = await open_jaring(settings, clock, store=store)
    for serial, hostile in enumerate(TYPED, start=1):
        await _register(jaring, f"worker-{serial}", serial, hostile)
    async with jaring.store.transaction() as session:
        stored = (await session.execute(select(Registration))).scalars().all()
        assert len(stored) == len(TYPED), "every worker registered"
        for row in stored:
            for text in (row.full_name, row.street, row.job_text):
                assert text is not None
                assert not unclean(text), text[:60]
        assert any((row.street or "").startswith("=HYPERLINK") for row in stored), "a formula was kept as text"
        xlsx = await build_export(
            session, jaring.cipher, jaring.programme, jaring.region, jaring.catalogs,
            status="all", file_format="xlsx", now=clock(), by="test",
        )  # fmt: skip
        csv_file = await build_export(
            session, jaring.cipher, jaring.programme, jaring.region, jaring.catalogs,
            status="all", file_format="csv", now=clock(), by="test",
        )  # fmt: skip

    sheet = load_workbook(io.BytesIO(xlsx.content)).worksheets[0]
    rows = list(sheet.iter_rows(min_row=2))
    assert len(rows) == len(TYPED)
    assert not [cell.coordinate for row in rows for cell in row if cell.data_type == "f"], "no formula cell"
    texts = [cell.value for row in rows for cell in row if isinstance(cell.value, str)]
    assert not [text for text in texts if unclean(text)]
    assert sorted(str(row[NIK_COLUMN].value) for row in rows) == sorted(nik_for(n) for n in range(1, len(TYPED) + 1))

    lines = list(csv.reader(io.StringIO(csv_file.content.decode("utf-8-sig")), delimiter=";"))[1:]
    assert len(lines) == len(TYPED)
    cells = [cell for line in lines for cell in line]
    assert not [cell for cell in cells if cell[:1] in ("=", "+", "-", "@", "\t", "\r")], "no cell starts a formula"
    assert not [cell for cell in cells if unclean(cell)]
    outside_nik = [cell for line in lines for i, cell in enumerate(line) if i != NIK_COLUMN]
    assert not [cell for cell in outside_nik if find_niks(cell)]
