"""Whether the database answers, and waiting for it at start-up.

Under systemd, or after a reboot, `jaring serve` may start before PostgreSQL accepts connections; the
database may also be restarting. Start-up then says so in one line per try, with the URL (its password
hidden) and the kind of error, and tries again with a growing pause until it answers or
JARING_DATABASE_WAIT_SECONDS have passed. An error waiting cannot mend (a wrong password, a database
that does not exist, a SQLite file that cannot be opened: a folder, no permission) stops at once, in
one line. Neither shows an exception's message: a driver's may quote what it was given."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Awaitable, Callable

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncEngine

from db.connection import shown_url
from db.disconnects import error_kind, is_unreachable

__all__ = ["DatabaseRefused", "DatabaseUnreachable", "wait_until_reachable"]

FIRST_PAUSE_SECONDS = 1.0
LONGEST_PAUSE_SECONDS = 15.0


class DatabaseUnreachable(Exception):
    """The database did not answer within JARING_DATABASE_WAIT_SECONDS; the message is the one line to show."""


class DatabaseRefused(Exception):
    """The database answered, or the file is there, and it cannot be used: the one line to show."""


def _pause(tries: int) -> float:
    return min(FIRST_PAUSE_SECONDS * 2.0**tries, LONGEST_PAUSE_SECONDS)


async def wait_until_reachable(
    engine: AsyncEngine,
    *,
    wait_seconds: float,
    notify: Callable[[str], None],
    sleep: Callable[[float], Awaitable[None]] = asyncio.sleep,
    monotonic: Callable[[], float] = time.monotonic,
) -> None:
    """Return once the database answers a `SELECT 1`. While it cannot be reached, `notify` one line per
    try and try again after 1, 2, 4, 8, then every 15 s; `DatabaseUnreachable` once `wait_seconds` have
    passed (0: never give up). `DatabaseRefused` at once for an error waiting will not mend."""
    shown = shown_url(engine.url.render_as_string(hide_password=False))
    started = monotonic()
    tries = 0
    while True:
        try:
            async with engine.connect() as connection:
                await connection.execute(text("SELECT 1"))
            return
        except Exception as error:  # sorted below: not reachable (wait), or refused (stop)
            kind = error_kind(error)
            if not is_unreachable(error):
                raise DatabaseRefused(f"cannot use the database at {shown} ({kind})") from error
            waited = monotonic() - started
            left = wait_seconds - waited
            if wait_seconds and left <= 0:
                raise DatabaseUnreachable(
                    f"database not reachable at {shown} ({kind}); gave up after {wait_seconds:g} s "
                    "(JARING_DATABASE_WAIT_SECONDS; 0 waits for ever)"
                ) from error
            pause = _pause(tries) if not wait_seconds else min(_pause(tries), left)
            notify(f"database not reachable at {shown} ({kind}); trying again in {pause:.2g} s")
            await sleep(pause)
            tries += 1
