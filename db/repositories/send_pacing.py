"""Platform limits shared by every process that sends (`send_pacing`, see `db.models.SendPacing`).

A bucket's row holds the earliest time its next send may go (GCRA's theoretical arrival time less the
burst's tolerance), in seconds since the epoch on the DATABASE's clock, so that workers on machines
whose clocks disagree still agree on it. Reserving `seconds` worth of sends (their count × the
interval) is one atomic upsert:

    due = max(due, now - tolerance) + seconds      -- the sends go at max(now, old due) + i × interval

and the answer carries the database's `now`, from which the caller counts its wait. A missing row is
the same as a quiet bucket, so rows long past are deleted (`forget_idle`) — the per-chat ones pile up
during a broadcast. A pause (a 429) is a row of its own (`<bucket>:paused`, due = the pause's end),
read with every reservation that names it.

On PostgreSQL every bucket a batch of sends wants is reserved in ONE statement (`unnest` of the keys,
a data-modifying WITH) that also reads the pauses; SQLite runs one process by design and paces in
memory, so its statements here, one per bucket, serve the tests and the odd tool."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from sqlalchemy import text
from sqlalchemy.ext.asyncio import AsyncConnection

__all__ = ["Reserved", "Wanted", "forget_idle", "pause", "reserve"]


@dataclass(frozen=True, slots=True)
class Wanted:
    """Sends wanted from one bucket: `seconds` = how many × the bucket's interval."""

    key: str
    seconds: float
    tolerance: float
    pause_key: str | None = None


@dataclass(frozen=True, slots=True)
class Reserved:
    """A bucket's row after the reservation, and the database's clock when it was made."""

    key: str
    due: float  # the first sends went at max(now, due - seconds) + i × interval
    now: float
    paused_until: float | None  # the end of the pause under the wanted pause_key, if one was ever recorded


# The database's clock, in seconds since the epoch: on PostgreSQL the statement's start (one value for
# the whole statement), on SQLite 'now' (fixed for one step of a statement; to the millisecond).
# A reservation commits without waiting for its WAL to reach the disk (`synchronous_commit` off for
# this statement's own transaction only): 0.3 ms instead of 2 ms a round trip on the project's machine.
# What a database crash can lose is the last fraction of a second of reservations: after the restart
# a few slots may be handed out twice, once.
_RESERVE_POSTGRESQL = text(
    """
    WITH clock AS MATERIALIZED (
        SELECT extract(epoch FROM statement_timestamp())::float8 AS now,
               set_config('synchronous_commit', 'off', true) AS quick_commit
    ),
    wanted AS MATERIALIZED (
        SELECT * FROM unnest(
            CAST(:keys AS varchar[]), CAST(:seconds AS float8[]),
            CAST(:tolerances AS float8[]), CAST(:pause_keys AS varchar[])
        ) AS w(key, seconds, tolerance, pause_key)
    ),
    reserved AS (
        INSERT INTO send_pacing AS p (key, due)
        SELECT w.key, clock.now - w.tolerance + w.seconds FROM wanted w CROSS JOIN clock
        ON CONFLICT (key) DO UPDATE
        SET due = GREATEST(p.due + (SELECT w.seconds FROM wanted w WHERE w.key = excluded.key), excluded.due)
        RETURNING p.key, p.due
    )
    SELECT r.key, r.due, clock.now, paused.due AS paused_until
    FROM reserved r CROSS JOIN clock JOIN wanted w ON w.key = r.key
    LEFT JOIN send_pacing paused ON paused.key = w.pause_key
    """
)
# `excluded.due` is the new row's due (now - tolerance + seconds); the update adds `seconds` to the old
# due unless the bucket was quiet long enough for the tolerance to apply: max(due, now - tol) + seconds.
_RESERVE_SQLITE = text(
    """
    INSERT INTO send_pacing (key, due)
    VALUES (:key, (julianday('now') - 2440587.5) * 86400.0 - :tolerance + :seconds)
    ON CONFLICT (key) DO UPDATE SET due = max(send_pacing.due + :seconds, excluded.due)
    RETURNING due, (julianday('now') - 2440587.5) * 86400.0 AS now
    """
)
_PAUSE_OF = text("SELECT due FROM send_pacing WHERE key = :key")
_PAUSE = {
    "postgresql": text(
        """
        INSERT INTO send_pacing AS p (key, due)
        VALUES (:key, extract(epoch FROM statement_timestamp())::float8 + :seconds)
        ON CONFLICT (key) DO UPDATE SET due = GREATEST(p.due, excluded.due)
        RETURNING due
        """
    ),
    "sqlite": text(
        """
        INSERT INTO send_pacing AS p (key, due)
        VALUES (:key, (julianday('now') - 2440587.5) * 86400.0 + :seconds)
        ON CONFLICT (key) DO UPDATE SET due = max(p.due, excluded.due)
        RETURNING due
        """
    ),
}
_FORGET = {
    "postgresql": text("DELETE FROM send_pacing WHERE due < extract(epoch FROM statement_timestamp())::float8 - :age"),
    "sqlite": text("DELETE FROM send_pacing WHERE due < (julianday('now') - 2440587.5) * 86400.0 - :age"),
}


async def reserve(connection: AsyncConnection, wanted: Sequence[Wanted]) -> list[Reserved]:
    """Reserve from each bucket in `wanted` (each key once); one row each, in no particular order."""
    if not wanted:
        return []
    if connection.dialect.name == "postgresql":
        result = await connection.execute(
            _RESERVE_POSTGRESQL,
            {
                "keys": [w.key for w in wanted],
                "seconds": [w.seconds for w in wanted],
                "tolerances": [w.tolerance for w in wanted],
                "pause_keys": [w.pause_key for w in wanted],
            },
        )
        return [Reserved(key, due, now, paused_until) for key, due, now, paused_until in result.all()]
    reserved: list[Reserved] = []
    for one in wanted:
        row = (
            await connection.execute(
                _RESERVE_SQLITE, {"key": one.key, "seconds": one.seconds, "tolerance": one.tolerance}
            )
        ).one()
        paused_until = None
        if one.pause_key is not None:
            paused_until = (await connection.execute(_PAUSE_OF, {"key": one.pause_key})).scalar_one_or_none()
        reserved.append(Reserved(one.key, row.due, row.now, paused_until))
    return reserved


async def pause(connection: AsyncConnection, pause_key: str, seconds: float) -> float:
    """Pause everything under `pause_key` for `seconds` from the database's now (a longer pause already
    recorded stays); the pause's end."""
    result = await connection.execute(_PAUSE[connection.dialect.name], {"key": pause_key, "seconds": seconds})
    return float(result.scalar_one())


async def forget_idle(connection: AsyncConnection, age_seconds: float) -> int:
    """Delete the buckets and pauses whose due is more than `age_seconds` past: such a row says nothing
    a missing row does not (as long as `age_seconds` exceeds every bucket's tolerance). How many went."""
    result = await connection.execute(_FORGET[connection.dialect.name], {"age": age_seconds})
    return int(getattr(result, "rowcount", 0) or 0)
