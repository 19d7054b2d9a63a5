"""Broadcasts (Dinas admins only): the list; compose → preview as each channel shows it, with the count per
channel → confirm; one broadcast's delivery report with live progress; cancel, confirmed.

The pages ask the broadcast desk the chat and `jaring broadcast` ask (PreviewBroadcast, CreateBroadcast,
ListBroadcasts, ShowBroadcast, CancelBroadcast); the limits and the reading of a send time are the chat
flow's own. The broadcast runner in `jaring serve` does the sending. No page here shows personal data:
an announcement's text, its audience and counts only."""

from __future__ import annotations

import secrets
from collections.abc import Mapping
from dataclasses import dataclass
from datetime import datetime, timedelta

from starlette.responses import JSONResponse, Response
from starlette.routing import BaseRoute

from bot.desks.broadcasts import FINISHED_SHOWN
from bot.web.desk import Desk
from bot.web.rendering import number
from bot.web.visit import AdminsOnly, NotFound, Visit, notices, page_route, path_id, security_headers
from conversations.audiences import (
    AUDIENCE_KINDS,
    AUDIENCE_STATUSES,
    Audience,
    audience_kinds,
    audience_label,
    audience_problem,
    status_label,
)
from conversations.flows.broadcast import BROADCAST_MAX_CHARS, BROADCAST_MIN_CHARS
from conversations.messages import Msg, msg
from conversations.numbers import count_text
from conversations.programme import Programme
from conversations.regions import Region
from conversations.requests.broadcasts import (
    BroadcastCancelled,
    BroadcastCreated,
    BroadcastNotAllowed,
    BroadcastNotFound,
    BroadcastPreview,
    BroadcastRefused,
    BroadcastReport,
    CancelBroadcast,
    CreateBroadcast,
    ListBroadcasts,
    PreviewBroadcast,
    ShowBroadcast,
)
from conversations.send_times import SendAt, example_time, local_time_text, parse_send_time
from conversations.text import clean_text
from handlers.sending import OutgoingMessage
from handlers.telegram.rendering import render as telegram_render
from handlers.whatsapp.rendering import render as whatsapp_render
from handlers.whatsapp.rendering import template_text

__all__ = [
    "Checked",
    "Draft",
    "ReportRow",
    "check_draft",
    "next_poll_seconds",
    "percent_done",
    "report_rows",
    "routes",
]

_DONE_NOTICES = (
    "web.broadcasts.created_now",
    "web.broadcasts.created_scheduled",
    "web.broadcasts.cancelled",
    "web.broadcasts.cancelled_before_start",
    "web.broadcasts.cannot_cancel",
)
notices(*_DONE_NOTICES)

# The audience kinds as the chat offers them, with the chat's own labels.
_KIND_LABELS: Mapping[str, str] = {
    "everyone": "broadcast.audience_everyone_choice",
    "status": "broadcast.audience_status_choice",
    "kecamatan": "broadcast.audience_kecamatan_choice",
    "kelurahan": "broadcast.audience_kelurahan_choice",
    "job": "broadcast.audience_job_choice",
    "leaders": "broadcast.audience_leaders_choice",
    "sponsors": "broadcast.audience_sponsors_choice",
    "sponsors_due": "broadcast.audience_sponsors_due_choice",
}
# What to say when a kind is picked but its value is missing or not one of the list.
_PICK_VALUE: Mapping[str, str] = {
    "status": "web.broadcasts.pick_status",
    "kecamatan": "web.broadcasts.pick_kecamatan",
    "kelurahan": "web.broadcasts.pick_kelurahan",
    "job": "web.broadcasts.pick_job",
}
_STATES: Mapping[str, str] = {
    "scheduled": "web.broadcasts.state_scheduled",
    "sending": "web.broadcasts.state_sending",
    "done": "web.broadcasts.state_done",
    "cancelled": "web.broadcasts.state_cancelled",
}
_CHANNELS: Mapping[str, str] = {
    "telegram": "web.broadcasts.channel_telegram",
    "whatsapp": "web.broadcasts.channel_whatsapp",
    "terminal": "web.broadcasts.channel_terminal",
}
_RECEIPTS = "whatsapp"  # the one channel that says a message arrived and was read
_POLL_SENDING = 2  # seconds between the live view's questions while messages go out
_POLL_SCHEDULED = 30  # while waiting for a time further away than a minute
_START_CHARS = 80  # how much of each announcement the list shows
# The compose form's fields, in Draft's order: carried through the preview to the confirmation.
_FORM_FIELDS = ("teks", "penerima", "status", "kecamatan", "kelurahan", "pekerjaan", "kapan", "waktu")


# ---- the compose form, checked --------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class Draft:
    """The compose form as the admin filled it in: kept as typed, whatever is wrong with it."""

    text: str = ""
    kind: str = ""
    status: str = ""
    kecamatan: str = ""
    kelurahan: str = ""
    job: str = ""
    when: str = "now"  # "now" or "later"
    at: str = ""  # the date and time typed, as in the chat: "25-11-2026 08.00", "besok 08.00"

    @staticmethod
    def of(visit: Visit) -> Draft:
        return Draft(
            text=visit.field("teks"),
            kind=visit.field("penerima"),
            status=visit.field("status"),
            kecamatan=visit.field("kecamatan"),
            kelurahan=visit.field("kelurahan"),
            job=visit.field("pekerjaan"),
            when="later" if visit.field("kapan") == "later" else "now",
            at=visit.field("waktu"),
        )

    @property
    def value(self) -> str:
        """The value of the audience kind picked; the other lists' picks are kept but not used."""
        return {"status": self.status, "kecamatan": self.kecamatan, "kelurahan": self.kelurahan, "job": self.job}.get(
            self.kind, ""
        )

    def hidden(self) -> list[tuple[str, str]]:
        """The form's fields, to carry through the preview to the confirmation."""
        values = (self.text, self.kind, self.status, self.kecamatan, self.kelurahan, self.job, self.when, self.at)
        return list(zip(_FORM_FIELDS, values, strict=True))


@dataclass(frozen=True, slots=True)
class Checked:
    """A draft that can be recorded: the text as it will be sent, the audience, when (None: now)."""

    body: str
    audience: Audience
    send_at: datetime | None


def check_draft(
    draft: Draft, programme: Programme, region: Region | None, now: datetime, language: str = "id"
) -> Checked | dict[str, Msg]:
    """The draft ready to record, or what is wrong with it, per field ("teks", "penerima", "waktu"):
    the chat's limits (BROADCAST_MIN_CHARS, BROADCAST_MAX_CHARS) and its reading of a send time."""
    problems: dict[str, Msg] = {}
    body = clean_text(draft.text)  # what the desk records and the channels send
    text_problem = _text_problem(body, language)
    if text_problem is not None:
        problems["teks"] = text_problem
    audience = Audience(draft.kind, draft.value)
    if draft.kind not in AUDIENCE_KINDS:
        problems["penerima"] = msg("web.broadcasts.pick_audience")
    elif audience_problem(audience, programme, region) is not None:
        problems["penerima"] = msg(_PICK_VALUE.get(draft.kind, "web.broadcasts.pick_audience"))
    send_at = None
    if draft.when == "later":
        when = _send_time(draft.at, now, programme.timezone)
        if isinstance(when, Msg):
            problems["waktu"] = when
        else:
            send_at = when
    if problems:
        return problems
    return Checked(body, audience, send_at)


def _text_problem(body: str, language: str) -> Msg | None:
    if not body:
        return msg("web.broadcasts.text_empty")
    if len(body) < BROADCAST_MIN_CHARS:
        return msg("broadcast.text_too_short")
    if len(body) > BROADCAST_MAX_CHARS:
        return msg(
            "limit.too_long",
            what=msg("limit.announcement"),
            most=count_text(BROADCAST_MAX_CHARS, language),
            count=count_text(len(body), language),
        )
    return None


def _send_time(at: str, now: datetime, timezone: str) -> datetime | Msg | None:
    """The moment typed, read as the chat reads it ("25-11-2026 08.00", "besok 08.00", "sekarang"): a
    time past, too far, or not a time is refused with the chat's own words on what to type instead."""
    if not at:
        return msg("web.broadcasts.when_empty", example=example_time(now, timezone))
    when = parse_send_time(at, now, timezone)
    if isinstance(when, SendAt):
        return when.at
    return when if isinstance(when, Msg) else None  # None: now, or the minute it is now


# ---- the report and its live figures --------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class ReportRow:
    """One line of the delivery report: the total, and each channel's share (None: the channel cannot tell)."""

    key: str
    label: str  # catalog key
    total: int | None
    by_channel: tuple[int | None, ...]


def report_rows(report: BroadcastReport) -> list[ReportRow]:
    def row(key: str, label: str, total: int, receipts: bool = False) -> ReportRow:
        shares = tuple(
            None if receipts and tally.channel != _RECEIPTS else getattr(tally, key) for tally in report.by_channel
        )
        told = not receipts or any(tally.channel == _RECEIPTS for tally in report.by_channel)
        return ReportRow(key, label, total if told else None, shares)

    return [
        row("sent", "web.broadcasts.report_sent", report.sent),
        row("delivered", "web.broadcasts.report_delivered", report.delivered, receipts=True),
        row("read", "web.broadcasts.report_read", report.read, receipts=True),
        row("waiting", "web.broadcasts.report_waiting", report.waiting),
        row("failed", "web.broadcasts.report_failed", report.failed),
        row("unreachable", "web.broadcasts.report_unreachable", report.unreachable),
        row("opted_out", "web.broadcasts.report_opted_out", report.opted_out),
        row("cancelled", "web.broadcasts.report_cancelled", report.cancelled),
    ]


def percent_done(report: BroadcastReport) -> int:
    """How far it has gone: messages no longer waiting, of those queued (a finished one is 100)."""
    if report.recipients == 0:
        return 100 if report.status == "done" else 0
    return report.done * 100 // report.recipients


def next_poll_seconds(report: BroadcastReport, now: datetime) -> int | None:
    """When the live view asks again: soon while sending or about to start; never once it is over."""
    if report.status == "sending":
        return _POLL_SENDING
    if report.status == "scheduled":
        return _POLL_SENDING if report.send_at - now <= timedelta(minutes=1) else _POLL_SCHEDULED
    return None


# ---- the pages ------------------------------------------------------------------------------------


def routes(desk: Desk) -> list[BaseRoute]:
    async def listing(visit: Visit) -> Response:
        visit.require_admin()
        found = await visit.ask(ListBroadcasts())
        if isinstance(found, BroadcastNotAllowed):
            raise AdminsOnly
        items = [
            {
                "report": report,
                "state": _STATES.get(report.status, "web.broadcasts.state_done"),
                "audience": _audience_text(visit, report),
                "start": _start_of(report.body),
            }
            for report in found
        ]
        return visit.page("broadcasts/list.html", items=items, finished=FINISHED_SHOWN, zone=_zone(visit))

    async def compose(visit: Visit) -> Response:
        visit.require_admin()
        draft = Draft.of(visit) if visit.form is not None else Draft()
        return _compose(visit, draft, {})

    async def preview(visit: Visit) -> Response:
        visit.require_admin()
        draft = Draft.of(visit)
        checked = _checked(visit, draft)
        if not isinstance(checked, Checked):
            return _compose(visit, draft, checked)
        found = await visit.ask(PreviewBroadcast(checked.audience.kind, checked.audience.value))
        if isinstance(found, BroadcastNotAllowed):
            raise AdminsOnly
        if isinstance(found, BroadcastRefused):
            return _compose(visit, draft, {"penerima": msg("web.broadcasts.pick_audience")})
        return _preview(visit, draft, checked, found)

    async def send(visit: Visit) -> Response:
        visit.require_admin()
        draft = Draft.of(visit)
        checked = _checked(visit, draft)
        if not isinstance(checked, Checked):
            return _compose(visit, draft, checked)
        audience = checked.audience
        key = visit.field("kunci")[:64]  # the preview's one-time key: a double click records one broadcast
        created = await visit.ask(
            CreateBroadcast(checked.body, audience.kind, audience.value, checked.send_at, request_key=key)
        )
        if isinstance(created, BroadcastNotAllowed):
            raise AdminsOnly
        if not isinstance(created, BroadcastCreated):
            return _compose(visit, draft, {"teks": msg("web.broadcasts.refused")})
        notice = "web.broadcasts.created_now" if created.now else "web.broadcasts.created_scheduled"
        return visit.redirect(f"/siaran/{created.broadcast_id}", notice=notice)

    async def one(visit: Visit) -> Response:
        report = await _report(visit)
        return visit.page(
            "broadcasts/report.html",
            report=report,
            live=_live(visit, report),
            audience=_audience_text(visit, report),
            rows=report_rows(report),
            channels=[_channel_name(visit, tally.channel) for tally in report.by_channel],
            started=report.started_at is not None,
            zone=_zone(visit),
        )

    async def progress(visit: Visit) -> Response:
        report = await _report(visit)
        return security_headers(JSONResponse(_live(visit, report)))

    async def confirm_cancel(visit: Visit) -> Response:
        report = await _report(visit)
        if not report.cancellable:
            return visit.redirect(f"/siaran/{report.id}", notice="web.broadcasts.cannot_cancel")
        return visit.page("broadcasts/cancel.html", report=report, audience=_audience_text(visit, report))

    async def cancel(visit: Visit) -> Response:
        visit.require_admin()
        broadcast_id = path_id(visit, "broadcast_id")
        result = await visit.ask(CancelBroadcast(broadcast_id))
        if isinstance(result, BroadcastNotAllowed):
            raise AdminsOnly
        if isinstance(result, BroadcastNotFound):
            raise NotFound
        if isinstance(result, BroadcastCancelled):
            said = "web.broadcasts.cancelled" if result.started else "web.broadcasts.cancelled_before_start"
            return visit.redirect(f"/siaran/{broadcast_id}", notice=said)
        return visit.redirect(f"/siaran/{broadcast_id}", notice="web.broadcasts.cannot_cancel")

    return [
        page_route(desk, "/siaran", listing),
        page_route(desk, "/siaran/baru", compose),
        page_route(desk, "/siaran/baru", compose, methods=("POST",)),
        page_route(desk, "/siaran/pratinjau", preview, methods=("POST",)),
        page_route(desk, "/siaran/kirim", send, methods=("POST",)),
        page_route(desk, "/siaran/{broadcast_id:int}", one),
        page_route(desk, "/siaran/{broadcast_id:int}/kemajuan", progress),
        page_route(desk, "/siaran/{broadcast_id:int}/batal", confirm_cancel),
        page_route(desk, "/siaran/{broadcast_id:int}/batal", cancel, methods=("POST",)),
    ]


def _checked(visit: Visit, draft: Draft) -> Checked | dict[str, Msg]:
    jaring = visit.desk.jaring
    return check_draft(draft, jaring.programme, jaring.region, visit.now, visit.texts.language)


async def _report(visit: Visit) -> BroadcastReport:
    visit.require_admin()
    found = await visit.ask(ShowBroadcast(path_id(visit, "broadcast_id")))
    if isinstance(found, BroadcastNotAllowed):
        raise AdminsOnly
    if isinstance(found, BroadcastNotFound):
        raise NotFound
    return found


def _channel_name(visit: Visit, channel: str) -> str:
    return visit.texts(_CHANNELS[channel]) if channel in _CHANNELS else channel


def _said(visit: Visit, message: Msg) -> str:
    return visit.texts.catalogs.render(message, visit.texts.language)


def _zone(visit: Visit) -> str:
    """WIB, WITA or WIT: the programme's zone, as the chat writes it."""
    return local_time_text(visit.now, visit.desk.jaring.programme.timezone).rsplit(" ", 1)[-1]


def _audience_text(visit: Visit, report: BroadcastReport) -> str:
    jaring = visit.desk.jaring
    audience = Audience(report.audience_kind, report.audience_value)
    return _said(visit, audience_label(audience, jaring.programme, jaring.region))


def _start_of(body: str) -> str:
    start = " ".join(body.split())
    return start if len(start) <= _START_CHARS else start[: _START_CHARS - 1].rstrip() + "…"


def _compose(visit: Visit, draft: Draft, problems: Mapping[str, Msg]) -> Response:
    jaring = visit.desk.jaring
    programme, region = jaring.programme, jaring.region
    return visit.page(
        "broadcasts/compose.html",
        status=400 if problems else 200,
        draft=draft,
        problems={name: _said(visit, problem) for name, problem in problems.items()},
        kinds=[(kind, _KIND_LABELS[kind]) for kind in audience_kinds(programme)],
        statuses=[(status, _said(visit, status_label(status))) for status in AUDIENCE_STATUSES],
        kecamatan=region.kecamatan if region else (),
        jobs=[(job.id, job.name) for job in programme.job_types],
        most=BROADCAST_MAX_CHARS,
        least=BROADCAST_MIN_CHARS,
        zone=_zone(visit),
        example=example_time(visit.now, programme.timezone),
    )


def _preview(visit: Visit, draft: Draft, checked: Checked, found: BroadcastPreview) -> Response:
    jaring = visit.desk.jaring
    count = found.count
    settings = jaring.settings
    served = visit.desk.channels
    not_served = [
        (_channel_name(visit, channel), n)
        for channel, n in (
            ("telegram", count.telegram),
            ("whatsapp", count.whatsapp_window + count.whatsapp_template),
            ("terminal", count.terminal),
        )
        if n and served and channel not in served
    ]
    return visit.page(
        "broadcasts/preview.html",
        draft=draft,
        checked=checked,
        count=count,
        audience=_said(visit, audience_label(checked.audience, jaring.programme, jaring.region)),
        shown=_as_channels_show(checked.body),
        template_name=settings.whatsapp_template_name,
        template_language=settings.whatsapp_template_language,
        whatsapp_served=not served or "whatsapp" in served,
        not_served=not_served,
        zone=_zone(visit),
        request_key=secrets.token_urlsafe(24),
    )


@dataclass(frozen=True, slots=True)
class _Shown:
    telegram: tuple[str, ...]  # each message Telegram gets (one, for an announcement's length)
    whatsapp: tuple[str, ...]  # free-form, within 24 hours of the person's last message
    template: str  # the template's variable, outside the 24 hours: one line


def _as_channels_show(body: str) -> _Shown:
    """What each channel really sends for this text: the senders' own rendering."""

    def message(channel: str) -> OutgoingMessage:
        return OutgoingMessage(id=0, channel=channel, recipient="", body=body, kind="broadcast")

    whatsapp = tuple(
        str(part["text"]["body"]) for part in whatsapp_render(message("whatsapp")) if part.get("type") == "text"
    )
    return _Shown(
        telegram=tuple(part.text for part in telegram_render(message("telegram"))),
        whatsapp=whatsapp,
        template=template_text(message("whatsapp")),
    )


def _live(visit: Visit, report: BroadcastReport) -> dict[str, object]:
    """The figures the live view rewrites, written as the page writes them (the page shows the same
    at load, so it reads right without JavaScript)."""
    counts: dict[str, str] = {}
    for row in report_rows(report):
        counts[row.key] = "–" if row.total is None else number(row.total)
        for tally, share in zip(report.by_channel, row.by_channel, strict=True):
            counts[f"{tally.channel}.{row.key}"] = "–" if share is None else number(share)
    percent = percent_done(report)
    if report.status == "scheduled":
        summary = visit.texts("web.broadcasts.progress_waiting")
    else:
        summary = visit.texts(
            "web.broadcasts.progress",
            percent=str(percent),
            done=number(report.done),
            total=number(report.recipients),
            sent=number(report.sent),
        )
    return {
        "status": report.status,
        "state": visit.texts(_STATES.get(report.status, "web.broadcasts.state_done")),
        "percent": percent,
        "summary": summary,
        "counts": counts,
        "cancellable": report.cancellable,
        "next": next_poll_seconds(report, visit.now),
    }
