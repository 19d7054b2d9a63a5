"""What GET /healthz answers: whether this process can serve, and if it can, what is wrong.

A load balancer reads the status code: 503 only when this process cannot serve (the database does
not answer; nothing can be stored, so a webhook would only fail). Otherwise 200, even when degraded:
taking a worker out of the pool because Telegram paused sending, or because a backlog is waiting,
would only move the same traffic onto the others. A person (or a monitoring check) reads the body:

    {"status": "degraded", "database": "ok", "channels": ["telegram", "whatsapp"],
     "paused_seconds": {"telegram": 20.0, "whatsapp": 0.0},
     "outbox": {"due": 3, "oldest_waiting_seconds": 312.0, "announcements_waiting": 0},
     "problems": ["telegram paused 20 s by a 429", "oldest waiting message 312 s old"]}

The outbox figures cover replies and notifications of the channels this process serves: an
announcement waits by design (a broadcast to thousands takes minutes at the platforms' rates), so
announcements are only counted. A pause is this process's own (the 429 it was answered)."""

from __future__ import annotations

import math
from collections.abc import Mapping, Sequence
from datetime import datetime
from typing import Any

from db.repositories.outbox_health import OutboxWaiting

__all__ = ["DUE_BACKLOG_LIMIT", "OLDEST_WAITING_LIMIT_SECONDS", "health_answer"]

# A reply normally leaves within a second; two minutes is a platform refusing or a worker stuck.
OLDEST_WAITING_LIMIT_SECONDS = 120.0
# Replies and notifications due now and not sent: more than a few seconds of the platforms' rates.
DUE_BACKLOG_LIMIT = 500


def health_answer(
    channels: Sequence[str], waiting: OutboxWaiting | None, paused: Mapping[str, float], now: datetime
) -> tuple[int, dict[str, Any]]:
    """The status code and body. `waiting`: the outbox as read (None: the database did not answer);
    `paused`: seconds each channel's sending is paused for after a 429."""
    pauses = {channel: round(paused.get(channel, 0.0), 1) for channel in channels}
    problems = [f"{channel} paused {math.ceil(seconds)} s by a 429" for channel, seconds in pauses.items() if seconds]
    body: dict[str, Any] = {"channels": list(channels), "paused_seconds": pauses}
    if waiting is None:
        problems.insert(0, "database unreachable")
        return 503, {"status": "unavailable", "database": "unreachable", **body, "problems": problems}

    urgent = [w for w in waiting.urgent if w.channel in channels]
    due = sum(w.due for w in urgent)
    oldest = max((max(0.0, (now - w.oldest_created_at).total_seconds()) for w in urgent), default=0.0)
    if oldest > OLDEST_WAITING_LIMIT_SECONDS:
        problems.append(f"oldest waiting message {oldest:.0f} s old")
    if due > DUE_BACKLOG_LIMIT:
        problems.append(f"{due} messages due and not yet sent")
    outbox = {
        "due": due,
        "oldest_waiting_seconds": round(oldest, 1),
        "announcements_waiting": sum(a.waiting for a in waiting.announcements if a.channel in channels),
    }
    status = "degraded" if problems else "ok"
    return 200, {"status": status, "database": "ok", **body, "outbox": outbox, "problems": problems}
