"""Log records as JSON lines (JARING_LOG_FORMAT=json): what a log shipper (journald, Loki, Vector) reads
without a parser of its own. The same privacy as the text log (bot/logging_setup.py)."""

from __future__ import annotations

import logging
from collections.abc import Callable
from datetime import UTC, datetime
from types import TracebackType
from typing import Any

from pythonjsonlogger.json import JsonFormatter

from conversations.nik import mask_niks

__all__ = ["PrivateJsonFormatter"]

ExcInfo = tuple[type[BaseException], BaseException, TracebackType | None] | tuple[None, None, None]

# Extra fields a library adds to its records that repeat the message unmasked (uvicorn's coloured copy).
_DROPPED_EXTRAS = ("color_message",)


class PrivateJsonFormatter(JsonFormatter):
    """One JSON object a line: time (ISO 8601, UTC), level, logger, message, and `traceback` as
    `private_traceback` writes it (bot/logging_setup.py: frames and types, no message). Extra fields a
    record carries are kept, masked like the message."""

    def __init__(self, private_traceback: Callable[[ExcInfo], str]) -> None:
        self._private_traceback = private_traceback
        super().__init__(
            "{asctime}{levelname}{name}{message}",
            style="{",
            rename_fields={"asctime": "time", "levelname": "level", "name": "logger", "exc_info": "traceback"},
            json_ensure_ascii=False,
        )

    def formatTime(self, record: logging.LogRecord, datefmt: str | None = None) -> str:  # noqa: N802 (logging's name)
        moment = datetime.fromtimestamp(record.created, tz=UTC)
        return moment.isoformat(timespec="milliseconds").replace("+00:00", "Z")

    def formatException(self, ei: ExcInfo) -> str:  # noqa: N802 (logging's name)
        return self._private_traceback(ei)

    def process_log_record(self, log_data: dict[str, Any]) -> dict[str, Any]:
        for dropped in _DROPPED_EXTRAS:
            log_data.pop(dropped, None)
        return {key: mask_niks(value) if isinstance(value, str) else value for key, value in log_data.items()}
