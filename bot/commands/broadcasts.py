"""`jaring broadcast`: preview, send or schedule, list, cancel and report announcements from the command line,
through the same desk as the chat (bot/desks/broadcasts.py). The runner in `jaring serve` sends."""

from __future__ import annotations

import argparse
from collections.abc import Callable
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

from bot.commands.voice import CLI_LANGUAGE, Voice
from bot.desks.broadcasts import FINISHED_SHOWN, broadcast_report, cancel_broadcast, record_broadcast
from conversations.audiences import (
    AUDIENCE_KINDS,
    AUDIENCE_STATUSES,
    SPONSOR_KINDS,
    Audience,
    audience_label,
    audience_problem,
    sponsor_months_due_by,
)
from conversations.flows.broadcast import BROADCAST_MAX_CHARS, BROADCAST_MIN_CHARS, preview_parts, report_parts
from conversations.matching import best_matches
from conversations.messages import Msg, msg
from conversations.programme import Programme
from conversations.regions import Region
from conversations.requests.broadcasts import AudienceCount, BroadcastNotFound, BroadcastRefused
from conversations.send_times import SendAt, parse_send_time
from conversations.text import clean_text
from db.repositories import broadcasts

if TYPE_CHECKING:
    from bot.app import Jaring


# The list's word for each state of an announcement.
_STATES = {
    "scheduled": "cli.broadcast.state_scheduled",
    "sending": "cli.broadcast.state_sending",
    "done": "cli.broadcast.state_done",
    "cancelled": "cli.broadcast.state_cancelled",
}
_YES = ("y", "yes", "ya", "iya")  # the confirmation, in either language


class _CommandError(Exception):
    """Why the command stops, said in the command's language."""

    def __init__(self, message: Msg) -> None:
        super().__init__(message.key)
        self.message = message


def parse_audience(spec: str, programme: Programme, region: Region) -> Audience:
    """ "everyone", "status:approved", "kelurahan:Medono", "kecamatan:33.75.01", "job:tukang_becak"."""
    kind, _, value = spec.partition(":")
    kind, value = kind.strip().lower(), value.strip()
    if kind not in AUDIENCE_KINDS:
        raise _CommandError(msg("cli.broadcast.unknown_audience", kind=kind, kinds=", ".join(AUDIENCE_KINDS)))
    if kind in ("kecamatan", "kelurahan"):
        value = _place_code(kind, value, programme, region)
    elif kind == "job" and value not in {j.id for j in programme.job_types}:
        sure, _ = best_matches(value, [(j.id, name) for j in programme.job_types for name in (j.name, *j.synonyms)])
        value = sure.id if sure else value
    audience = Audience(kind, value)
    if audience_problem(audience, programme, region) is not None:
        raise _CommandError(_audience_refused(audience, programme, region))
    return audience


def _audience_refused(audience: Audience, programme: Programme, region: Region) -> Msg:
    """What is wrong with an audience `audience_problem` refused, with what can be typed instead."""
    kind, value = audience.kind, audience.value
    if kind == "status":
        return msg("cli.broadcast.unknown_status", value=value, statuses=", ".join(AUDIENCE_STATUSES))
    if kind == "job":
        return msg("cli.broadcast.unknown_job", value=value, jobs=", ".join(j.id for j in programme.job_types))
    if kind in ("kecamatan", "kelurahan"):
        return msg("cli.broadcast.place_not_found", kind=kind, name=value, region=region.name, hint="")
    if kind in SPONSOR_KINDS and programme.sponsors is None:
        return msg("sponsor_figures.cli_off", programme=programme.name)
    return msg("cli.broadcast.takes_no_value", kind=kind)


def _place_code(kind: str, value: str, programme: Programme, region: Region) -> str:
    """A code as given, or the code of the one place whose name is close enough to `value`."""
    if kind == "kecamatan":
        names = [(k.code, k.name) for k in region.kecamatan]
    else:
        names = [(k.code, k.name) for k in region.all_kelurahan]
        names += [(f.kelurahan_code, f.name) for f in programme.former_names]
    if not value or value in {code for code, _ in names}:
        return value
    sure, closest = best_matches(value, names)
    if sure is not None:
        return sure.id
    known = dict(names)
    places = ", ".join(f"{known[c.id]} ({c.id})" for c in closest)
    hint = msg("cli.broadcast.did_you_mean", places=places) if closest else ""
    raise _CommandError(msg("cli.broadcast.place_not_found", kind=kind, name=value, region=region.name, hint=hint))


async def run_broadcast_command(
    jaring: Jaring,
    args: argparse.Namespace,
    *,
    language: str = CLI_LANGUAGE,
    out: Callable[[str], None] = print,
    ask: Callable[[str], str] | None = None,
) -> int:
    """`jaring broadcast preview|send|list|cancel|report`. `ask` reads the confirmation (default: stdin)."""
    say = Voice.of(jaring, language, out)
    try:
        match args.broadcast_command:
            case "preview":
                return await _preview_command(jaring, args, say)
            case "send":
                return await _send_command(jaring, args, say, ask or input)
            case "list":
                return await _list_command(jaring, say)
            case "cancel":
                return await _cancel_command(jaring, args.id, say)
            case _:
                return await _report_command(jaring, args.id, say)
    except _CommandError as exc:
        say.complain(exc.message)
        return 2


def _read_text(args: argparse.Namespace) -> str:
    text = str(args.text or "")
    if getattr(args, "file", None):
        path = Path(args.file)
        try:
            text = path.read_text(encoding="utf-8")
        except OSError as exc:
            raise _CommandError(
                msg("cli.file_unreadable", path=str(path), reason=exc.strerror or type(exc).__name__)
            ) from None
        except UnicodeDecodeError:
            raise _CommandError(msg("cli.broadcast.not_utf8", path=str(path))) from None
    return clean_text(text)  # the same door as a chat message: no control or invisible characters


async def _counted(jaring: Jaring, audience: Audience) -> AudienceCount:
    now = jaring.pipeline.clock()
    async with jaring.store.transaction() as session:
        return await broadcasts.count_audience(
            session,
            audience,
            jaring.programme.id,
            now,
            template_configured=bool(jaring.settings.whatsapp_template_name),
            due_by=sponsor_months_due_by(jaring.programme, now),
        )


async def _show_preview(jaring: Jaring, text: str, audience: Audience, say: Voice) -> AudienceCount:
    """The announcement as it will be sent and who gets it, as the chat shows them."""
    count = await _counted(jaring, audience)
    label = audience_label(audience, jaring.programme, jaring.region)
    for part in preview_parts(text, label, count, say.language):
        say.say(part)
        say.out("")
    return count


async def _preview_command(jaring: Jaring, args: argparse.Namespace, say: Voice) -> int:
    audience = parse_audience(args.audience, jaring.programme, jaring.region)
    await _show_preview(jaring, _read_text(args), audience, say)
    return 0


async def _send_command(jaring: Jaring, args: argparse.Namespace, say: Voice, ask: Callable[[str], str]) -> int:
    text = _read_text(args)
    if len(text) < BROADCAST_MIN_CHARS:
        raise _CommandError(msg("cli.broadcast.too_short", min=BROADCAST_MIN_CHARS))
    if len(text) > BROADCAST_MAX_CHARS:
        raise _CommandError(msg("cli.broadcast.too_long", count=len(text), max=BROADCAST_MAX_CHARS))
    audience = parse_audience(args.audience, jaring.programme, jaring.region)
    now = jaring.pipeline.clock()
    send_at: datetime | None = None
    if args.at:
        when = parse_send_time(args.at, now, jaring.programme.timezone)
        if isinstance(when, Msg):
            raise _CommandError(when)
        send_at = when.at if isinstance(when, SendAt) else None
    count = await _show_preview(jaring, text, audience, say)
    moment = say.time(send_at or now)
    if not args.yes:
        people = say.number(count.reachable)
        if ask(say.text("cli.broadcast.confirm", people=people, when=moment)).strip().lower() not in _YES:
            say.say("cli.broadcast.nothing_recorded")
            return 1
    async with jaring.store.transaction() as session:
        created = await record_broadcast(
            session,
            jaring.programme,
            jaring.region,
            text=text,
            audience=audience,
            send_at=send_at,
            now=now,
            author_contact=None,
        )
    if isinstance(created, BroadcastRefused):  # checked above already; the record checks again
        raise _CommandError(msg("cli.broadcast.refused", reason=created.reason))
    say.say("cli.broadcast.recorded", number=created, when=moment)
    say.say("cli.broadcast.how_to_follow", number=created)
    return 0


async def _list_command(jaring: Jaring, say: Voice) -> int:
    async with jaring.store.transaction() as session:
        rows = await broadcasts.recent_broadcasts(session, jaring.programme.id, finished=FINISHED_SHOWN)
        reports = [await broadcast_report(session, row) for row in rows]
    for report in reports:
        audience = audience_label(
            Audience(report.audience_kind, report.audience_value), jaring.programme, jaring.region
        )
        state = say.text(_STATES[report.status]) if report.status in _STATES else report.status
        say.say(
            "cli.broadcast.line",
            number=report.id,
            state=f"{state:<14}",
            when=say.time(report.send_at),
            sent=say.number(report.sent),
            total=say.number(report.recipients),
            audience=audience,
            start=repr(" ".join(report.body.split())[:40]),
        )
    say.say("cli.broadcast.total", count=len(reports), finished=FINISHED_SHOWN)
    return 0


async def _cancel_command(jaring: Jaring, broadcast_id: int, say: Voice) -> int:
    async with jaring.store.transaction() as session:
        result = await cancel_broadcast(
            session, jaring.programme, broadcast_id, jaring.pipeline.clock(), actor_contact_id=None, actor="cli"
        )
        row = await broadcasts.get_broadcast(session, broadcast_id) if isinstance(result, BroadcastRefused) else None
    if isinstance(result, BroadcastNotFound):
        raise _CommandError(msg("cli.broadcast.not_found", number=broadcast_id))
    if isinstance(result, BroadcastRefused):  # done or cancelled already
        status = row.status if row is not None else ""
        state = msg(_STATES[status]) if status in _STATES else status
        raise _CommandError(msg("cli.broadcast.not_cancellable", number=broadcast_id, state=state))
    if not result.started:
        say.say("broadcast.cancelled_before_start", number=result.broadcast_id)
        return 0
    say.say(
        "cli.broadcast.cancelled",
        number=result.broadcast_id,
        cancelled=say.number(result.cancelled),
        sent=say.number(result.already_sent),
    )
    return 0


async def _report_command(jaring: Jaring, broadcast_id: int, say: Voice) -> int:
    async with jaring.store.transaction() as session:
        row = await broadcasts.get_broadcast(session, broadcast_id)
        if row is None or row.programme_id != jaring.programme.id:
            raise _CommandError(msg("cli.broadcast.not_found", number=broadcast_id))
        report = await broadcast_report(session, row)
    for part in report_parts(report, jaring.programme, jaring.region, say.language):
        say.say(part)
        say.out("")
    say.out(report.body)
    return 0
