"""Waiting in tests without racing: poll a condition, fail with what was awaited after a bound."""

from __future__ import annotations

import asyncio
import time
from collections.abc import Callable

__all__ = ["wait_until"]


async def wait_until(condition: Callable[[], object], what: str, within: float = 5.0) -> None:
    """Until `condition()` is true; fails the test after `within` seconds, saying what was awaited."""
    deadline = time.monotonic() + within
    while not condition():
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out after {within} s waiting for {what}")
        await asyncio.sleep(0.005)
