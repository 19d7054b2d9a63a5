"""`jaring import kpj`: read the KPJ numbers BPJS Ketenagakerjaan sent back; either every line is right and all are
recorded at once, or nothing changes and each problem is printed with its line."""

from __future__ import annotations

from collections.abc import Sequence
from pathlib import Path
from typing import TYPE_CHECKING

from bot.commands.voice import CLI_LANGUAGE, Voice
from bot.desks.kpj_import import ImportOutcome, import_kpj
from bot.desks.spreadsheets import Problem, UnreadableFile, read_table
from conversations.letters import Letter

if TYPE_CHECKING:
    from bot.app import Jaring


class _Refused(Exception):
    """Raised inside the transaction so that it rolls back, whatever a look-up may have touched."""

    def __init__(self, outcome: ImportOutcome) -> None:
        super().__init__(f"{len(outcome.problems)} problem(s)")
        self.outcome = outcome


async def run_import_command(jaring: Jaring, path: Path, *, language: str = CLI_LANGUAGE) -> int:
    say = Voice.of(jaring, language)
    try:
        rows = read_table(path)
        async with jaring.store.transaction() as session:
            now, post = jaring.pipeline.clock(), list[Letter]()
            outcome = await import_kpj(session, jaring.cipher, jaring.programme, post, rows, now=now)
            if outcome.refused:
                raise _Refused(outcome)
            await jaring.outbox_writer.letters(session, post, now)
    except UnreadableFile as exc:
        say.out(f"jaring: {path}: {say.text(exc.message)}")  # on stdout, with the problems of a refused file
        return 2
    except _Refused as refused:
        outcome = refused.outcome
    if outcome.refused:
        _say_problems(say, path, outcome.problems)
        return 1
    say.say("cli.kpj.done", activated=say.number(outcome.activated), already=say.number(outcome.already_active))
    if outcome.corrected:
        numbers = ", ".join(f"No. {number}" for number in outcome.corrected)
        say.say("cli.kpj.corrected_activated", count=say.number(len(outcome.corrected)), numbers=numbers)
    if outcome.activated:
        say.say("cli.kpj.told")
    return 0


def _say_problems(say: Voice, path: Path, problems: Sequence[Problem]) -> None:
    for problem in problems:
        say.say(problem.said())
    say.say("cli.kpj.refused", file=path.name, count=len(problems))
    say.say("cli.kpj.fix_and_run_again")
