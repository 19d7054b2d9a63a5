"""Logging to stderr with no personal data in it, at any level (UU 27/2022).

What could carry personal data, and what stops it:
- SQL parameters (names, streets, phone numbers): the engine hides them (db.connection,
  `hide_parameters`); SQLAlchemy's row logging (DEBUG) and aiosqlite's, which prints each call with its
  parameters, are kept off. DEBUG still shows each statement, its timing and the ids we log.
- Exception messages (a value that failed to parse, a URL with the bot's token): a traceback keeps its
  frames and the exception's type, never its message.
- Message texts: our code logs ids and counts only; httpx (URLs with the bot token) and
  python-telegram-bot (call parameters) are kept at WARNING.
- A NIK that still slips into a line is masked, whatever its separators.

With `JARING_LOG_FORMAT=json` each record is one JSON object on one line (time in ISO 8601 UTC, level,
logger, message, and the traceback as above under "traceback"), for journald, Loki or a log shipper;
the same filters apply, and every text field of it is masked (bot/json_logs.py)."""

from __future__ import annotations

import logging
import sys
import traceback
from pathlib import Path
from types import TracebackType

from conversations.nik import mask_niks

__all__ = ["NikMaskingFilter", "PrivateFormatter", "configure_logging", "logs_to_stderr", "private_traceback"]

_FORMAT = "%(asctime)s %(levelname)s %(name)s: %(message)s"
# Loggers that print what they are given: SQL parameters, result rows, request parameters, URLs.
_QUIET = {
    "aiosqlite": logging.WARNING,
    "aiohttp": logging.WARNING,
    "httpx": logging.WARNING,
    "httpcore": logging.WARNING,
    "telegram": logging.WARNING,
    "hpack": logging.WARNING,
    "multipart": logging.WARNING,
}
ExcInfo = tuple[type[BaseException], BaseException, TracebackType | None] | tuple[None, None, None]


class NikMaskingFilter(logging.Filter):
    """Defence in depth: code never logs a NIK on purpose, and this catches what slips through."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = mask_niks(message)
        if masked != message:
            record.msg, record.args = masked, None
        return True


def private_traceback(ei: ExcInfo) -> str:
    """A traceback's frames and exception types (the whole chain), never an exception's message."""
    exc = ei[1]
    chain: list[BaseException] = []
    while exc is not None and exc not in chain:
        chain.append(exc)
        exc = exc.__cause__ or (None if exc.__suppress_context__ else exc.__context__)
    blocks = []
    for error in reversed(chain):
        frames = "".join(traceback.format_list(traceback.extract_tb(error.__traceback__)))
        kind = f"{type(error).__module__}.{type(error).__qualname__}"
        blocks.append(f"Traceback (most recent call last):\n{frames}{kind} (message withheld)")
    return mask_niks("\n\nwhile handling it, another error:\n\n".join(blocks))


class PrivateFormatter(logging.Formatter):
    """Tracebacks with their frames and exception types, without the exceptions' messages."""

    def formatException(self, ei: ExcInfo) -> str:  # noqa: N802 (logging's name)
        return private_traceback(ei)


def configure_logging(level: str, *, log_file: Path | None = None, json: bool = False) -> None:
    """To stderr; or to `log_file` (appended; made its owner's only by bot.channels.terminal.chat_log_file), for the
    terminal chat, whose window shows the conversation and nothing else. `json`: one JSON object a line
    (JARING_LOG_FORMAT=json)."""
    handler: logging.Handler = (
        logging.StreamHandler() if log_file is None else logging.FileHandler(log_file, mode="a", encoding="utf-8")
    )
    if json:
        from bot.json_logs import PrivateJsonFormatter  # noqa: PLC0415 (python-json-logger: ~30 ms, only when asked)

        handler.setFormatter(PrivateJsonFormatter(private_traceback))
        logging.captureWarnings(True)  # a library's warning as a record too: no plain line among the JSON
    else:
        handler.setFormatter(PrivateFormatter(_FORMAT))
    handler.addFilter(NikMaskingFilter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    if level != "DEBUG":
        logging.getLogger("alembic").setLevel(logging.WARNING)
    # At DEBUG, statements and their timings (INFO), never result rows (DEBUG).
    logging.getLogger("sqlalchemy.engine").setLevel(logging.INFO if level == "DEBUG" else logging.WARNING)
    for chatty, quiet_level in _QUIET.items():
        logging.getLogger(chatty).setLevel(quiet_level)


def logs_to_stderr() -> bool:
    """Whether the log is written to stderr (not to the terminal chat's file): a line meant for whoever
    started the command is then logged, in the log's own format, rather than printed beside it."""
    return any(
        type(handler) is logging.StreamHandler and getattr(handler, "stream", None) is sys.stderr
        for handler in logging.getLogger().handlers
    )
