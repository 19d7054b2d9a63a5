"""Which database errors mean "the connection is gone" or "the database cannot be reached now", as
opposed to an error in what was asked (a bug, a constraint). Read from the error and what it was
raised from (SQLAlchemy's wrapper, the driver's error, the socket's), by type and SQLSTATE, and by the
driver's own fixed texts where there is nothing else: never from data.

The difference decides what happens to a message: a step that failed on its own is recorded as failed
and the person gets an apology; a message whose database went away is not stored at all, its webhook
answers 5xx, and Telegram or Meta deliver it again once the database is back."""

from __future__ import annotations

import socket

from sqlalchemy.exc import DBAPIError

__all__ = ["error_kind", "is_connection_lost", "is_unreachable"]

# SQLSTATEs of a connection that is gone or cannot be made now: connection exceptions (class 08), the
# server shutting down, crashed or starting up (57P01-57P03).
_GONE = ("08", "57P01", "57P02", "57P03")
_TOO_MANY_CONNECTIONS = "53300"
_GONE_KINDS = frozenset({"ConnectionDoesNotExistError", "ConnectionFailureError", "CannotConnectNowError"})
# asyncpg's texts for a connection it can no longer use: closed under it, or left mid-operation by a
# connection the server ended.
_GONE_TEXTS = ("connection is closed", "another operation", "connection was closed")


def _chain(error: BaseException) -> list[BaseException]:
    """The error, what SQLAlchemy wrapped (`orig`) and what each was raised from, each once. Not what
    was being handled when it was raised (`__context__`): that may be anything."""
    seen: list[BaseException] = []
    waiting = [error]
    while waiting:
        current = waiting.pop()
        if any(current is known for known in seen):
            continue
        seen.append(current)
        waiting.extend(e for e in (current.__cause__, getattr(current, "orig", None)) if isinstance(e, BaseException))
    return seen


def _gone(part: BaseException) -> bool:
    if isinstance(part, ConnectionError | TimeoutError | socket.gaierror):  # refused, reset, timed out, no host
        return True
    if isinstance(part, DBAPIError) and part.connection_invalidated:
        return True
    state = getattr(part, "sqlstate", None)
    if isinstance(state, str) and state.startswith(_GONE):
        return True
    kind = type(part).__name__
    if kind in _GONE_KINDS:
        return True
    module = type(part).__module__
    return module.startswith(("asyncpg", "sqlalchemy.dialects.postgresql")) and any(
        text in str(part) for text in _GONE_TEXTS
    )


def is_connection_lost(error: BaseException) -> bool:
    """Whether the connection `error` came from cannot be used again (SQLAlchemy then throws it and
    every other pooled connection away: db/connection.py)."""
    return any(_gone(part) for part in _chain(error))


def is_unreachable(error: BaseException) -> bool:
    """Whether the database cannot be used now and trying again later may work: the connection is
    gone, the server has no room for another connection, or SQLite's file is locked past the timeout."""
    for part in _chain(error):
        if _gone(part) or getattr(part, "sqlstate", None) == _TOO_MANY_CONNECTIONS:
            return True
        if type(part).__name__ == "OperationalError" and "database is locked" in str(part):  # SQLite's text
            return True
    return False


def error_kind(error: BaseException) -> str:
    """The name of the error that says most: the driver's own (asyncpg's, the socket's), rather than
    SQLAlchemy's wrapper or the adapter between them."""
    chain = _chain(error)
    for part in chain:
        if isinstance(part, OSError) or type(part).__module__.startswith(("asyncpg", "sqlite3")):
            return type(part).__name__
    named = [part for part in chain if not isinstance(part, DBAPIError)]
    return type((named or chain)[-1]).__name__
