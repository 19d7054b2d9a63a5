"""The reminder round `jaring serve` runs every hour (and `jaring claims remind` runs once, for cron):
heirs whose claim case has been idle for `JARING_CLAIM_REMINDER_DAYS` are reminded through the outbox,
and so are workers who have not answered the renewal round's question after the programme file's
`reminder_days` (once each; `jaring renewal remind` runs that part once), and, where the programme file
takes sponsors, sponsors whose month is coming due or was missed, with the Dinas and the worker told what
they need to know (bot/desks/sponsor_payments.py; `jaring sponsors remind` runs that part once)."""

from __future__ import annotations

import asyncio
import contextlib
import logging
from collections.abc import Callable
from datetime import datetime

from bot.app import Jaring
from bot.desks.claims import claim_reminders
from bot.desks.renewal import renewal_reminders
from bot.desks.sponsor_payments import sponsor_reminders

__all__ = ["REMINDER_ROUND_SECONDS", "remind_idle_claims", "remind_renewals", "remind_sponsors", "reminder_loop"]

REMINDER_ROUND_SECONDS = 3600.0
log = logging.getLogger(__name__)


async def remind_idle_claims(jaring: Jaring, idle_days: int, now: datetime) -> int:
    async with jaring.store.transaction() as session:
        letters = await claim_reminders(session, now=now, idle_days=idle_days)
        await jaring.outbox_writer.letters(session, letters, now)
    sent = len(letters)
    if sent:
        log.info("claim reminders queued: %d", sent)
    return sent


async def remind_renewals(jaring: Jaring, now: datetime) -> int:
    async with jaring.store.transaction() as session:
        letters = await renewal_reminders(session, jaring.programme, jaring.region, now=now)
        await jaring.outbox_writer.letters(session, letters, now)
    if letters:
        log.info("renewal reminders queued: %d", len(letters))
    return len(letters)


async def remind_sponsors(jaring: Jaring, now: datetime) -> int:
    """One round of the sponsors' reminders; nothing where the programme file takes no sponsors."""
    if jaring.programme.sponsors is None:
        return 0
    async with jaring.store.transaction() as session:
        letters = await sponsor_reminders(session, jaring.programme, jaring.region, now)
        await jaring.outbox_writer.letters(session, letters, now)
    if letters:
        log.info("sponsor letters queued: %d", len(letters))
    return len(letters)


async def reminder_loop(
    jaring: Jaring,
    idle_days: int,
    stopping: asyncio.Event,
    on_outbox: Callable[[], None],
    every: float = REMINDER_ROUND_SECONDS,
) -> None:
    while not stopping.is_set():
        try:
            if await remind_idle_claims(jaring, idle_days, jaring.pipeline.clock()):
                on_outbox()
        except Exception as exc:  # a failed round is retried next round; the type only, never data
            log.error("claim reminder round failed: %s", type(exc).__name__)
        try:
            if await remind_renewals(jaring, jaring.pipeline.clock()):
                on_outbox()
        except Exception as exc:  # as above: the next round tries again
            log.error("renewal reminder round failed: %s", type(exc).__name__)
        try:
            if await remind_sponsors(jaring, jaring.pipeline.clock()):
                on_outbox()
        except Exception as exc:  # as above
            log.error("sponsor reminder round failed: %s", type(exc).__name__)
        with contextlib.suppress(TimeoutError):
            await asyncio.wait_for(stopping.wait(), timeout=every)
