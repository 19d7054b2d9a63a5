"""`jaring stats`: the figures an admin reads in chat, printed in the command's language; with --chart, the PNG too."""

from __future__ import annotations

import asyncio
from pathlib import Path
from typing import TYPE_CHECKING

from bot.commands.voice import CLI_LANGUAGE, Voice
from bot.desks.figures import draw_chart, gather_figures
from conversations.flow import ContactInfo, Context
from conversations.flows.figures import ADMIN_ROLE, figures_replies
from db.repositories import audit
from handlers.terminal.files import write_private_file

if TYPE_CHECKING:
    from bot.app import Jaring


async def run_stats_command(
    jaring: Jaring, year: int | None, chart: Path | None, *, language: str = CLI_LANGUAGE
) -> int:
    """Print what an admin reads in chat, in the command's language; with `chart`, write the PNG too."""
    say = Voice.of(jaring, language)
    now = jaring.pipeline.clock()
    chosen = year or jaring.programme.local_date(now).year
    async with jaring.store.transaction() as session:
        shown = await gather_figures(session, jaring.programme, year=chosen, now=now)
        png = None
        if chart is not None:
            png = await draw_chart(session, jaring.programme, jaring.catalogs, year=chosen, now=now, language=language)
        await audit.record_audit(
            session,
            "figures.viewed",
            now=now,
            subject=f"programme:{jaring.programme.id}"[:120],
            detail={"year": str(chosen), "what": "figures+chart" if chart else "figures", "by": "cli"},
        )
    ctx = Context(
        now=now,
        language=language,
        programme=jaring.programme,
        contact=ContactInfo(channel="cli", roles=frozenset({ADMIN_ROLE})),
        renderer=jaring.catalogs,
        region=jaring.region,
    )
    for reply in figures_replies(ctx, shown):
        say.out("\n\n".join(say.text(part) for part in reply.parts))
        say.out("")
    if chart is not None and png is not None:
        # Only counts, no personal data; written like every file the bot leaves on disk anyway (0600).
        try:
            await asyncio.to_thread(write_private_file, chart, png)
        except OSError as exc:
            say.complain("cli.stats.chart_not_written", path=str(chart), reason=exc.strerror or type(exc).__name__)
            return 1
        say.say("cli.stats.chart_written", path=str(chart), size=len(png) // 1024)
    return 0
