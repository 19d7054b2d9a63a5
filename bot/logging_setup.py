"""Logging to stderr, with anything that looks like a NIK masked before it is written anywhere."""

from __future__ import annotations

import logging
import re

__all__ = ["NikMaskingFilter", "configure_logging"]

_NIK_LIKE = re.compile(r"(?<!\d)(\d{4})\d{8}(\d{4})(?!\d)")


class NikMaskingFilter(logging.Filter):
    """Defence in depth: code never logs a NIK on purpose, and this catches what slips through."""

    def filter(self, record: logging.LogRecord) -> bool:
        message = record.getMessage()
        masked = _NIK_LIKE.sub(r"\1********\2", message)
        if masked != message:
            record.msg, record.args = masked, None
        return True


def configure_logging(level: str) -> None:
    handler = logging.StreamHandler()
    handler.setFormatter(logging.Formatter("%(asctime)s %(levelname)s %(name)s: %(message)s"))
    handler.addFilter(NikMaskingFilter())
    root = logging.getLogger()
    root.handlers[:] = [handler]
    root.setLevel(level)
    if level != "DEBUG":
        logging.getLogger("alembic").setLevel(logging.WARNING)
    # httpx logs every URL it calls, and a Bot API URL holds the bot's token; python-telegram-bot
    # logs each call's parameters (message text) at DEBUG. Neither belongs in our logs.
    for chatty in ("httpx", "httpcore", "telegram"):
        logging.getLogger(chatty).setLevel(logging.WARNING)
