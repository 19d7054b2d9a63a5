"""`jaring renewal open | remind | show | export | close`: the renewal round into the next budget year,
through the desk the chat's answers go through (bot/desks/renewal.py). Each action is one transaction;
a refusal is one line on stderr, exit code 1, nothing changed. What each prints is in
`locales/*/LC_MESSAGES/renewal.po`, in the command's language. `jaring registration alive`
(`mark_alive`) undoes a wrong "deceased", which the round leaves out."""

from __future__ import annotations

import asyncio
import contextlib
import sys
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING, Literal

from bot.commands.voice import CLI_LANGUAGE, Voice
from bot.desks.deceased import NotDeceased, undo_deceased
from bot.desks.renewal import (
    CloseNeedsQuota,
    CloseTooEarly,
    NoRound,
    RoundAlreadyOpen,
    RoundClosed,
    RoundCounts,
    RoundOpened,
    close_round,
    continuing_export,
    open_round,
    round_counts,
)
from bot.outbound.reminders import remind_renewals
from conversations.letters import Letter
from conversations.messages import Msg, Param, msg
from conversations.programme_rules import age_band_text
from conversations.renewal_rules import OpenRefused, first_day, month_name, reason_words
from conversations.requests.export import ExportFormat
from handlers.terminal.files import write_private_file

if TYPE_CHECKING:
    from bot.app import Jaring

__all__ = ["ACTIONS", "CLI_ACTOR", "mark_alive", "run_renewal_command"]

Action = Literal["open", "remind", "show", "export", "close"]


def _to_stderr(line: str) -> None:
    print(line, file=sys.stderr)


@dataclass(frozen=True, slots=True)
class _Say:
    """The command's voice (bot/commands/voice.py), with its refusals going to `err`."""

    voice: Voice
    err: Callable[[str], None]

    def say(self, message: Msg | str, **params: Param) -> None:
        self.voice.say(message, **params)

    def text(self, message: Msg | str, **params: Param) -> str:
        return self.voice.text(message, **params)

    def time(self, moment: datetime) -> str:
        return self.voice.time(moment)

    def number(self, value: int) -> str:
        return self.voice.number(value)

    def complain(self, message: str, **params: Param) -> None:
        self.err(f"jaring: {self.voice.text(message, **params)}")


ACTIONS: tuple[Action, ...] = ("open", "remind", "show", "export", "close")
CLI_ACTOR = "cli"


async def run_renewal_command(
    jaring: Jaring,
    action: Action,
    *,
    file_format: ExportFormat | None = None,
    output: Path | None = None,
    language: str = CLI_LANGUAGE,
    out: Callable[[str], None] = print,
    err: Callable[[str], None] = _to_stderr,
) -> int:
    """`out` takes each line said, `err` each refusal ("jaring: …"): stdout and stderr by default."""
    say = _Say(Voice.of(jaring, language, out), err)
    match action:
        case "open":
            return await _open(jaring, say)
        case "remind":
            return await _remind(jaring, say)
        case "show":
            return await _show(jaring, say)
        case "export":
            return await _export(jaring, say, file_format, output)
        case "close":
            return await _close(jaring, say)


# ---- open ---------------------------------------------------------------------------------------------


async def _open(jaring: Jaring, say: _Say) -> int:
    now = jaring.pipeline.clock()
    async with jaring.store.transaction() as session:
        post: list[Letter] = []
        opened = await open_round(session, post, jaring.programme, jaring.region, now=now, actor=CLI_ACTOR)
        await jaring.outbox_writer.letters(session, post, now)
    match opened:
        case OpenRefused(reason="no_renewal"):
            say.complain("renewal.cli.no_renewal")
            return 1
        case OpenRefused(month=month):
            today = jaring.programme.local_date(now)
            say.complain("renewal.cli.wrong_month", month=month_name(month or 1), today=today)
            return 1
        case RoundAlreadyOpen(year=year, opened_at=opened_at):
            say.complain("renewal.cli.already_open", year=year, when=say.time(opened_at))
            return 1
        case RoundOpened():
            _say_opened(jaring, say, opened)
            return 0


def _say_opened(jaring: Jaring, say: _Say, opened: RoundOpened) -> None:
    n = say.number
    say.say("renewal.cli.opened", year=opened.year, participants=n(opened.participants))
    say.say(
        "renewal.cli.opened_continuing",
        continuing=n(opened.continuing),
        asked=n(opened.asked),
        not_reachable=n(opened.not_reachable),
    )
    say.say("renewal.cli.opened_deceased", count=n(opened.deceased))
    _say_deceased(say, opened.deceased_numbers)
    band: Msg | str = age_band_text(jaring.programme) or "-"
    say.say("renewal.cli.opened_aged_out", count=n(opened.aged_out), band=band, told=n(opened.aged_out_told))
    say.say("renewal.cli.opened_not_active", count=n(opened.not_yet_active))
    if opened.places is None:
        say.say("renewal.cli.quota_unset", year=opened.year, needed=n(opened.continuing))
    else:
        say.say("renewal.cli.quota_known", year=opened.year, places=n(opened.places), needed=n(opened.continuing))
    days = jaring.programme.renewal.reminder_days if jaring.programme.renewal else 0
    say.say("renewal.cli.next_steps", days=days, first_day=first_day(opened.year))


# ---- remind and show ----------------------------------------------------------------------------------


async def _remind(jaring: Jaring, say: _Say) -> int:
    now = jaring.pipeline.clock()
    async with jaring.store.transaction() as session:
        counted = await round_counts(session, jaring.programme)
    if isinstance(counted, NoRound) or counted.status != "open":
        return _no_round(say, counted if isinstance(counted, NoRound) else NoRound(None))
    sent = await remind_renewals(jaring, now)
    say.say("renewal.cli.reminded", year=counted.year, count=say.number(sent))
    return 0


async def _show(jaring: Jaring, say: _Say) -> int:
    async with jaring.store.transaction() as session:
        counted = await round_counts(session, jaring.programme)
    if isinstance(counted, NoRound):
        return _no_round(say, counted)
    _say_counts(say, counted)
    return 0


def _say_counts(say: _Say, counted: RoundCounts) -> None:
    n = say.number
    state = (
        msg("renewal.cli.state_closed", when=say.time(counted.closed_at))
        if counted.closed_at is not None
        else msg("renewal.cli.state_open")
    )
    say.say("renewal.cli.show_header", year=counted.year, opened=say.time(counted.opened_at), state=state)
    say.say(
        "renewal.cli.show_counts",
        participants=n(counted.participants),
        asked=n(counted.asked),
        reminded=n(counted.reminded),
        yes=n(counted.answered_yes),
        waiting=n(counted.waiting_for_kelurahan),
        decided=n(counted.decided_by_kelurahan),
        silent=n(counted.silent),
        not_reachable=n(counted.not_reachable),
        leaving=_reasons(say, counted.leaving),
    )
    say.say("renewal.cli.joined_late", count=n(counted.joined_late))
    _say_deceased(say, counted.deceased_numbers)


def _say_deceased(say: _Say, numbers: Sequence[int]) -> None:
    """The numbers a paid claim marked deceased, for the Dinas to check (anyone may report a claim)."""
    if numbers:
        say.say("renewal.cli.deceased_numbers", numbers=", ".join(str(number) for number in numbers))


def _reasons(say: _Say, counts: Sequence[tuple[str, int]]) -> Msg | str:
    """ "0", or "3 (meninggal dunia: 1; minta berhenti: 2)"."""
    if not counts:
        return say.number(0)
    each = "; ".join(
        say.text("renewal.cli.reason_count", reason=reason_words(r), count=say.number(c)) for r, c in counts
    )
    return f"{say.number(sum(c for _, c in counts))} ({each})"


def _no_round(say: _Say, found: NoRound) -> int:
    if found.month is None:
        say.complain("renewal.cli.no_renewal")
    else:
        say.complain("renewal.cli.no_round", month=month_name(found.month))
    return 1


# ---- export -------------------------------------------------------------------------------------------


async def _export(jaring: Jaring, say: _Say, file_format: ExportFormat | None, output: Path | None) -> int:
    """The continuing list for BPJS TK, written readable by its owner only; nothing recorded if it cannot
    be written."""
    now = jaring.pipeline.clock()
    chosen: ExportFormat = file_format or ("csv" if output is not None and output.suffix.lower() == ".csv" else "xlsx")
    async with jaring.store.transaction() as session:
        built = await continuing_export(
            session,
            jaring.cipher,
            jaring.programme,
            jaring.region,
            jaring.catalogs,
            file_format=chosen,
            now=now,
            by=CLI_ACTOR,
        )
        if isinstance(built, NoRound):
            return _no_round(say, built)
        year, export = built
        path = output or Path(export.file_name)
        try:
            await asyncio.to_thread(write_private_file, path, export.content)
        except OSError as exc:  # raised inside the transaction: the export is not recorded either
            say.complain("cli.export.not_written", path=str(path), reason=exc.strerror or type(exc).__name__)
            with contextlib.suppress(OSError):
                path.unlink()
            return 1
    say.say("renewal.cli.exported", rows=say.number(export.rows), year=year, path=str(path), format=chosen)
    say.say("cli.export.full_niks")
    return 0


# ---- close --------------------------------------------------------------------------------------------


async def _close(jaring: Jaring, say: _Say) -> int:
    now = jaring.pipeline.clock()
    async with jaring.store.transaction() as session:
        post: list[Letter] = []
        closed = await close_round(session, post, jaring.programme, jaring.catalogs, now=now, actor=CLI_ACTOR)
        await jaring.outbox_writer.letters(session, post, now)
    n = say.number
    match closed:
        case NoRound():
            return _no_round(say, closed)
        case CloseTooEarly(year=year):
            say.complain("renewal.cli.too_early", year=year, first_day=first_day(year), previous=year - 1)
            return 1
        case CloseNeedsQuota(year=year, places=places, needed=needed, continuing=continuing):
            said = "renewal.cli.quota_not_set" if places is None else "renewal.cli.quota_too_small"
            say.complain(
                said,
                year=year,
                places=n(places or 0),
                needed=n(needed),
                continuing=n(continuing),
                set_to=str(needed),
            )
            return 1
        case RoundClosed():
            say.say("renewal.cli.closed", year=closed.year)
            say.say(
                "renewal.cli.closed_counts",
                year=closed.year,
                continued=n(closed.continued),
                unchecked=n(closed.unchecked),
                joined_late=n(closed.joined_late),
                ended=_reasons(say, closed.ended),
                promoted=n(closed.promoted),
                used=n(closed.used),
                places=n(closed.places),
            )
            return 0


# ---- a wrong "deceased" -------------------------------------------------------------------------------


async def mark_alive(jaring: Jaring, registration_id: int, reason: str, *, language: str = CLI_LANGUAGE) -> str:
    """`jaring registration alive ID --reason …`: undo a "deceased" a claim reported paid marked (see
    bot/desks/deceased.py). LookupError, with what to say, when it is not marked."""
    voice = Voice.of(jaring, language)
    async with jaring.store.transaction() as session:
        try:
            was = await undo_deceased(
                session, registration_id, reason=reason, now=jaring.pipeline.clock(), actor=CLI_ACTOR
            )
        except NotDeceased:
            raise LookupError(voice.text("claims.cli_not_deceased", number=registration_id)) from None
    said = voice.text("claims.cli_alive_done", number=registration_id, day=was.was)
    if was.back_in_round:
        said += "\n" + voice.text("claims.cli_alive_back_in_round", number=registration_id)
    if was.ended:
        said += "\n" + voice.text("claims.cli_alive_still_ended", number=registration_id)
    return said
