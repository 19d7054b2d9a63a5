"""`jaring sponsors figures | remind`: the sponsors' figures as an admin reads them in chat ("Angka donatur",
bot/desks/sponsor_figures.py), printed in the command's language; and one round of the sponsors' reminders
(bot/desks/sponsor_payments.py), which `jaring serve` runs every hour, with the letters queued through the
outbox writer for `jaring serve` to send. A programme without sponsors: one line on stderr, exit code 1."""

from __future__ import annotations

from typing import TYPE_CHECKING, Literal

from bot.commands.voice import CLI_LANGUAGE, Voice
from bot.desks.sponsor_figures import gather_sponsor_figures
from bot.desks.sponsor_payments import sponsor_reminders
from conversations.flow import ContactInfo, Context
from conversations.flows.figures import ADMIN_ROLE
from conversations.requests.sponsors import SponsorsOff
from conversations.sponsor_figures import sponsor_figures_replies
from db.repositories import audit

if TYPE_CHECKING:
    from bot.app import Jaring

__all__ = ["ACTIONS", "run_sponsors_command"]

Action = Literal["figures", "remind"]
ACTIONS: tuple[Action, ...] = ("figures", "remind")


async def run_sponsors_command(jaring: Jaring, action: Action, *, language: str = CLI_LANGUAGE) -> int:
    say = Voice.of(jaring, language)
    if jaring.programme.sponsors is None:
        say.complain("sponsor_figures.cli_off", programme=jaring.programme.name)
        return 1
    if action == "remind":
        return await _remind(jaring, say)
    return await _figures(jaring, say)


async def _figures(jaring: Jaring, say: Voice) -> int:
    now = jaring.pipeline.clock()
    async with jaring.store.transaction() as session:
        shown = await gather_sponsor_figures(session, jaring.programme, now=now)
        await audit.record_audit(
            session,
            "figures.viewed",
            now=now,
            subject=f"programme:{jaring.programme.id}"[:120],
            detail={"what": "sponsors", "by": "cli"},
        )
    if isinstance(shown, SponsorsOff):  # checked above; the desk says the same
        say.complain("sponsor_figures.cli_off", programme=jaring.programme.name)
        return 1
    ctx = Context(
        now=now,
        language=say.language,
        programme=jaring.programme,
        contact=ContactInfo(channel="cli", roles=frozenset({ADMIN_ROLE})),
        renderer=jaring.catalogs,
        region=jaring.region,
    )
    for reply in sponsor_figures_replies(ctx, shown):
        say.out("\n\n".join(say.text(part) for part in reply.parts))
        say.out("")
    return 0


async def _remind(jaring: Jaring, say: Voice) -> int:
    now = jaring.pipeline.clock()
    async with jaring.store.transaction() as session:
        letters = await sponsor_reminders(session, jaring.programme, jaring.region, now=now)
        await jaring.outbox_writer.letters(session, letters, now)
    say.say("sponsor_figures.cli_reminded", count=say.number(len(letters)))
    return 0
