"""Flood protection: one person sending dozens of messages in seconds (a stuck key, a script, someone
pasting a whole list line by line) is told once to slow down, and the rest of their burst is recorded
but not acted on, so it costs the others nothing and cannot walk a conversation through steps nobody
read.

A fixed window per person: the first message after a quiet spell opens it; past `messages` within
`window` the person is told once, and further messages in the window are held. The window is counted
on the contact, which every message reads and writes already, so every worker counts the same way."""

from __future__ import annotations

import math
from dataclasses import dataclass
from datetime import datetime, timedelta
from enum import StrEnum

__all__ = ["FloodRule", "FloodVerdict", "FloodWindow", "next_window", "seconds_left"]


@dataclass(frozen=True, slots=True)
class FloodRule:
    """No person is an RT leader typing faster than this: 20 messages in 10 seconds is one every half
    second, sustained. A registration's longest stretch of quick answers (taps) stays well under it."""

    messages: int = 20
    window: timedelta = timedelta(seconds=10)


@dataclass(frozen=True, slots=True)
class FloodWindow:
    """Where a person's current window stands: when it began, how many messages it has seen, and
    whether they were told to slow down in it."""

    since: datetime | None = None
    count: int = 0
    told: bool = False


class FloodVerdict(StrEnum):
    HANDLE = "handle"  # within the limit: the message goes through as usual
    TELL = "tell"  # the first message past the limit: answered with the one polite message
    HOLD = "hold"  # later ones in the same window: recorded, not answered


def next_window(rule: FloodRule, window: FloodWindow, now: datetime) -> tuple[FloodVerdict, FloodWindow]:
    """What to do with a message arriving `now`, and the window with it counted."""
    if window.since is None or now - window.since >= rule.window or now < window.since:
        return FloodVerdict.HANDLE, FloodWindow(now, 1, told=False)
    counted = FloodWindow(window.since, window.count + 1, window.told)
    if counted.count <= rule.messages:
        return FloodVerdict.HANDLE, counted
    if not window.told:
        return FloodVerdict.TELL, FloodWindow(window.since, counted.count, told=True)
    return FloodVerdict.HOLD, counted


def seconds_left(rule: FloodRule, window: FloodWindow, now: datetime) -> int:
    """Whole seconds until the window ends (at least 1): what the person is asked to wait."""
    if window.since is None:
        return 1
    left = (window.since + rule.window - now).total_seconds()
    return max(1, math.ceil(left))
