"""The data folder and the SQLite database hold personal data: owner only, whatever was there before
and whatever the umask (the exports' own files are tested in test_export_safety.py)."""

from __future__ import annotations

import stat
from pathlib import Path

from sqlalchemy import text

from bot.app import open_jaring
from bot.settings import Settings
from tests.conftest import FixedClock


def _mode(path: Path) -> int:
    return stat.S_IMODE(path.stat().st_mode)


async def test_a_new_data_folder_and_database_are_the_owners_only(
    settings: Settings, clock: FixedClock, loose_umask: None
) -> None:
    jaring = await open_jaring(settings, clock)
    try:
        async with jaring.store.transaction() as session:
            await session.execute(text("SELECT 1"))
    finally:
        await jaring.close()
    assert _mode(settings.data_dir) == 0o700
    database = settings.data_dir / "jaring.db"
    assert _mode(database) == 0o600
    assert all(_mode(p) == 0o600 for p in settings.data_dir.glob("jaring.db*")), "the WAL too"


async def test_an_existing_open_folder_and_database_are_closed(
    settings: Settings, clock: FixedClock, loose_umask: None
) -> None:
    await (await open_jaring(settings, clock)).close()  # made, then opened up as an earlier version left it
    settings.data_dir.chmod(0o755)
    for made in settings.data_dir.glob("jaring.db*"):
        made.chmod(0o644)
    jaring = await open_jaring(settings, clock)
    await jaring.close()
    assert _mode(settings.data_dir) == 0o700
    kept = list(settings.data_dir.glob("jaring.db*"))
    assert kept
    assert [_mode(p) for p in kept] == [0o600] * len(kept)
