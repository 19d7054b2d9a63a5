"""Engine and transactions. SQLite gets WAL, a busy timeout and `BEGIN IMMEDIATE` for every
transaction (a plain BEGIN lets two read-then-write transactions meet and fail with "database is
locked"); PostgreSQL is used as it is."""

from __future__ import annotations

from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

from sqlalchemy import event
from sqlalchemy.engine import URL, ExceptionContext, make_url
from sqlalchemy.ext.asyncio import AsyncEngine, AsyncSession, async_sessionmaker, create_async_engine

from db.disconnects import is_connection_lost

__all__ = ["Store", "create_engine", "is_sqlite", "shown_url"]

SQLITE_BUSY_TIMEOUT_MS = 10_000  # for other processes on the same file (jaring db …, a second chat)
SQLITE_QUEUE_TIMEOUT_S = 30.0  # how long a transaction may wait for the one connection


def is_sqlite(url: str) -> bool:
    return make_url(url).get_backend_name() == "sqlite"


def shown_url(url: str, *, password: bool = True) -> str:
    """`url` as a person (or libpq's tools: pg_dump, psql) writes it: without SQLAlchemy's driver name,
    its password as `***` (`password=False`: left out, for a tool that reads PGPASSWORD or ~/.pgpass).
    For messages and logs: a URL is never shown with its password."""
    parsed = make_url(url)
    parsed = parsed.set(drivername=parsed.get_backend_name())
    if not password:
        # libpq's tools know `sslmode`, not asyncpg's `ssl`, and none of asyncpg's other options.
        query = {"sslmode": parsed.query["ssl"]} if "ssl" in parsed.query else {}
        parsed = URL.create(parsed.drivername, parsed.username, None, parsed.host, parsed.port, parsed.database, query)
    return parsed.render_as_string(hide_password=True)


def create_engine(url: str, **options: Any) -> AsyncEngine:
    # SQL parameters are names, streets, phone numbers: never in a log line or an error message.
    options = {"hide_parameters": True, **options}
    if not is_sqlite(url):
        engine = create_async_engine(url, pool_pre_ping=True, **options)
        _forget_lost_connections(engine)
        return engine
    database = make_url(url).database
    if database and database != ":memory:":
        Path(database).parent.mkdir(parents=True, exist_ok=True)
    # SQLite has one writer and every transaction here writes: with one connection, transactions
    # queue in the event loop instead of sleeping in SQLite's busy handler (which made the tail long
    # and, under load, failed a message now and then with "database is locked"). See PERFORMANCE.md.
    options = {"pool_size": 1, "max_overflow": 0, "pool_timeout": SQLITE_QUEUE_TIMEOUT_S, **options}
    engine = create_async_engine(url, **options)
    _tune_sqlite(engine)
    return engine


def _forget_lost_connections(engine: AsyncEngine) -> None:
    """A restarted PostgreSQL ends every session; asyncpg may then report the loss in ways SQLAlchemy
    does not take for one (the server's "terminating connection due to administrator command", or a
    connection left mid-operation), and the pool would hand the dead connection out again. Marked as a
    disconnect, the connection is thrown away, and so is every other one pooled before it (the pool's
    own rule for a disconnect): the next transaction gets a fresh connection, or fails at once while the
    server is down. `pool_pre_ping` catches the rest at checkout."""

    @event.listens_for(engine.sync_engine, "handle_error")
    def _on_error(context: ExceptionContext) -> None:
        if not context.is_disconnect and is_connection_lost(context.original_exception):
            context.is_disconnect = True


def _tune_sqlite(engine: AsyncEngine) -> None:
    @event.listens_for(engine.sync_engine, "connect")
    def _on_connect(dbapi_connection: Any, _: Any) -> None:
        dbapi_connection.isolation_level = None  # we issue BEGIN ourselves, below
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute(f"PRAGMA busy_timeout={SQLITE_BUSY_TIMEOUT_MS}")
        cursor.execute("PRAGMA synchronous=NORMAL")  # durable in WAL mode up to the last checkpoint
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.close()

    @event.listens_for(engine.sync_engine, "begin")
    def _on_begin(connection: Any) -> None:
        connection.exec_driver_sql("BEGIN IMMEDIATE")


class Store:
    """The database: one engine, and short transactions that commit on success."""

    def __init__(self, engine: AsyncEngine) -> None:
        self.engine = engine
        self.is_sqlite = engine.dialect.name == "sqlite"
        self._sessions = async_sessionmaker(engine, expire_on_commit=False, autoflush=True)

    @classmethod
    def from_url(cls, url: str) -> Store:
        return cls(create_engine(url))

    @asynccontextmanager
    async def transaction(self) -> AsyncIterator[AsyncSession]:
        async with self._sessions() as session, session.begin():
            yield session

    async def close(self) -> None:
        await self.engine.dispose()
