"""`jaring import participants FILE [--dry-run] [--year YYYY]`: the participants a Pemda already has. Either
every line is right and all are written at once, or nothing changes and each problem is printed with its
line. `--dry-run` checks and writes everything, prints what happened, and rolls the transaction back."""

from __future__ import annotations

from collections.abc import Callable
from pathlib import Path
from typing import TYPE_CHECKING

from bot.commands.voice import CLI_LANGUAGE, Voice
from bot.desks.participant_import import ParticipantImportOutcome, YearEffect, budget_year_problem, import_participants
from bot.desks.spreadsheets import UnreadableFile, read_table

if TYPE_CHECKING:
    from bot.app import Jaring

__all__ = ["run_participant_import_command"]


class _RolledBack(Exception):
    """Raised inside the transaction so that it rolls back: a refused file, or a dry run."""

    def __init__(self, outcome: ParticipantImportOutcome) -> None:
        super().__init__("refused" if outcome.refused else "dry run")
        self.outcome = outcome


async def run_participant_import_command(
    jaring: Jaring,
    path: Path,
    *,
    dry_run: bool = False,
    year: int | None = None,
    language: str = CLI_LANGUAGE,
    out: Callable[[str], None] = print,
) -> int:
    say = Voice.of(jaring, language, out)
    programme = jaring.programme
    if not programme.privacy.legal_basis:
        say.say("imports.no_legal_basis", file=str(jaring.settings.program_file))
        return 2
    if year is not None and (wrong := budget_year_problem(year, programme.local_date(jaring.pipeline.clock()))):
        say.say(wrong)
        return 2
    try:
        rows = read_table(path)
        async with jaring.store.transaction() as session:
            outcome = await import_participants(
                session, jaring.cipher, programme, jaring.region, rows, now=jaring.pipeline.clock(), year=year
            )
            if outcome.refused or dry_run:
                raise _RolledBack(outcome)
    except UnreadableFile as exc:
        say.out(f"jaring: {path}: {say.text(exc.message)}")  # on stdout, with the problems of a refused file
        return 2
    except _RolledBack as rolled_back:
        outcome = rolled_back.outcome
    if outcome.refused:
        for problem in outcome.problems:
            say.say(problem.said())
        if outcome.imported_before:
            say.say("imports.imported_before")
        say.say("cli.kpj.refused", file=path.name, count=len(outcome.problems))
        say.say("cli.kpj.fix_and_run_again")
        return 1
    _summary(say, path, outcome, legal_basis=programme.privacy.legal_basis, dry_run=dry_run)
    return 0


def _summary(say: Voice, path: Path, outcome: ParticipantImportOutcome, *, legal_basis: str, dry_run: bool) -> None:
    if dry_run:
        say.say("imports.dry_run")
    count = say.number(outcome.imported)
    say.say("imports.would" if dry_run else "imports.done", count=count, file=path.name)
    for effect in outcome.years:
        say.say("imports.year", year=effect.year, new=say.number(effect.new), continuing=say.number(effect.continuing))
    say.say("imports.kelurahan", count=say.number(outcome.kelurahan))
    if outcome.jobs_outside_list:
        say.say("imports.jobs_outside_list", count=say.number(outcome.jobs_outside_list))
    for effect in outcome.years:
        _quota(say, effect)
    say.say("imports.legal_basis", basis=legal_basis)
    if dry_run:
        say.say("imports.dry_run_end")
    else:
        say.say("imports.nobody_told")


def _quota(say: Voice, effect: YearEffect) -> None:
    used = say.number(effect.used_after)
    if effect.places is None:
        say.say("imports.quota_not_set", year=effect.year, used=used, places=effect.used_after)
    elif effect.over:
        say.say(
            "imports.quota_over",
            year=effect.year,
            places=say.number(effect.places),
            used=used,
            over=say.number(effect.over),
            needed=effect.used_after,
        )
    else:
        say.say(
            "imports.quota_within",
            year=effect.year,
            places=say.number(effect.places),
            before=say.number(effect.used_before),
            used=used,
            left=say.number(effect.places - effect.used_after),
        )
