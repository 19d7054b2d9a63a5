"""Siaran: a Dinas admin writes an announcement, picks who gets it, sees a preview with the count per
channel, and sends it now or at a set time; "Daftar siaran" shows the scheduled and sending ones (and
the last few finished) with their reports, and cancels. Sending itself is the broadcast runner's work
(bot/outbound/broadcast_runner.py): this flow only records what the admin decided.

Only admins get here; the store checks the role again for every request. The texts the runner and
the command line send (progress, report) are built here too, so chat and terminal read the same."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import datetime

from conversations.audiences import (
    AUDIENCE_STATUSES,
    SPONSOR_KINDS,
    Audience,
    audience_label,
    count_text,
    status_label,
)
from conversations.flow import (
    Answer,
    Context,
    Data,
    Fetch,
    Finish,
    Flow,
    Goto,
    Invalid,
    Step,
    TextLimit,
    Transition,
)
from conversations.flow_data import FlowData
from conversations.flows.common import NO, YES, YES_NO
from conversations.flows.dinas_menu import is_admin
from conversations.matching import best_matches
from conversations.messages import Choice, Msg, Reply, msg
from conversations.programme import Programme
from conversations.regions import Region
from conversations.requests.broadcasts import (
    AudienceCount,
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
from conversations.role_needs import ADMIN_NEEDED
from conversations.send_times import SendAt, example_time, local_time_text, parse_send_time
from conversations.state import Json

__all__ = [
    "BROADCAST_MAX_CHARS",
    "BROADCAST_MIN_CHARS",
    "broadcast_flow",
    "preview_parts",
    "progress_text",
    "report_parts",
]

ADMIN_ROLE = "admin"
# Outside the 24-hour window an announcement travels as a WhatsApp template's variable, which holds
# at most 1024 characters, with each line break written " · " (a Telegram message holds 4096): 1000
# leaves room for a few line breaks.
BROADCAST_MAX_CHARS = 1000
_ANNOUNCEMENT = TextLimit(BROADCAST_MAX_CHARS, msg("limit.announcement"))
BROADCAST_MIN_CHARS = 5  # shorter is a slip ("ok", "1"), not an announcement
_START_CHARS = 60  # how much of each announcement "Daftar siaran" shows

_NEW = Choice("new", msg("broadcast.new"), ("tulis", "baru", "siaran baru", "tulis siaran"))
_MINE = Choice("list", msg("broadcast.list"), ("daftar", "siaran saya", "lihat siaran", "daftar siaran"))
_AUDIENCES = (
    Choice("everyone", msg("broadcast.audience_everyone_choice"), ("semua", "semua orang", "everyone")),
    Choice("status", msg("broadcast.audience_status_choice"), ("status", "peserta")),
    Choice("kecamatan", msg("broadcast.audience_kecamatan_choice"), ("kecamatan",)),
    Choice("kelurahan", msg("broadcast.audience_kelurahan_choice"), ("kelurahan", "desa")),
    Choice("job", msg("broadcast.audience_job_choice"), ("pekerjaan", "jenis pekerjaan", "profesi")),
    Choice("leaders", msg("broadcast.audience_leaders_choice"), ("rt", "rw", "rt rw", "rt/rw", "pengurus")),
)
# Where the programme file switches sponsors on (conversations/audiences.py says who each is).
_SPONSOR_AUDIENCES = (
    Choice("sponsors", msg("broadcast.audience_sponsors_choice"), ("donatur", "semua donatur", "sponsor")),
    Choice(
        "sponsors_due",
        msg("broadcast.audience_sponsors_due_choice"),
        ("donatur belum bayar", "belum bayar", "jatuh tempo", "donatur jatuh tempo"),
    ),
)
_SEND_NOW = Choice("send_now", msg("broadcast.send_now"), ("kirim", "kirim sekarang", "sekarang"))
_SCHEDULE = Choice("schedule", msg("broadcast.schedule"), ("atur waktu", "jadwal", "nanti", "jadwalkan"))
_EDIT_TEXT = Choice("edit_text", msg("broadcast.edit_text"), ("ubah", "ubah teks", "ganti teks", "edit"))
_CHANGE_AUDIENCE = Choice("change_audience", msg("broadcast.change_audience"), ("ganti penerima", "penerima"))
_DROP = Choice("drop", msg("broadcast.drop"), ("tidak jadi", "jangan kirim", "buang"))
_KELURAHAN_LIST = Choice("list", msg("broadcast.show_list"), ("daftar", "lihat daftar", "list"))
_NONE_OF_THESE = Choice("none", msg("broadcast.none_of_these"), ("bukan", "tidak ada"))
_CANCEL_IT = Choice("cancel", msg("broadcast.cancel_it"), ("batalkan", "batalkan siaran", "stop"))
_BACK = Choice("back", msg("broadcast.back_to_list"), ("kembali", "daftar"))


def _not_allowed() -> Finish:
    return Finish(say=(Reply.of(msg("broadcast.not_allowed")),))


@dataclass(frozen=True, slots=True)
class BroadcastData(FlowData):
    # The announcement being written
    text: str = ""
    audience_kind: str = ""
    audience_value: str = ""
    kelurahan_candidates: tuple[str, ...] = ()  # a kelurahan typed with several near matches
    kecamatan_code: str = ""  # a kelurahan picked from a kecamatan's list
    count: dict[str, Json] | None = None  # the preview's AudienceCount, as its as_json()
    # Daftar siaran: the list shown, and the one opened (BroadcastReport.as_json())
    broadcasts: tuple[dict[str, Json], ...] = ()
    report: dict[str, Json] = field(default_factory=dict)

    @property
    def audience(self) -> Audience:
        return Audience(self.audience_kind, self.audience_value)

    @property
    def report_id(self) -> int:
        found = self.report.get("id")
        return found if isinstance(found, int) else 0


# ---- start ----------------------------------------------------------------------------------------


def _start(ctx: Context, _: Data) -> Transition:
    if not is_admin(ctx.contact):
        return Invalid(msg("broadcast.admins_only"))
    return Goto("home", {})


def _ask_home(_: Context, __: Data) -> Reply:
    return Reply.of(msg("broadcast.home"), choices=(_NEW, _MINE))


def _on_home(_: Context, __: Data, answer: Answer) -> Transition:
    if answer.choice == _MINE.id:
        return Fetch(ListBroadcasts(), then=_on_listed, data={})
    return Goto("text", {})


# ---- the text -------------------------------------------------------------------------------------


def _ask_text(ctx: Context, __: Data) -> Reply:
    return Reply.of(msg("broadcast.ask_text", most=count_text(BROADCAST_MAX_CHARS, ctx.language)))


def _on_text(ctx: Context, data: Data, answer: Answer) -> Transition:
    text = answer.text  # within _ANNOUNCEMENT: the engine refuses a longer one with its count
    if len(text) < BROADCAST_MIN_CHARS:
        return Invalid(msg("broadcast.text_too_short"))
    written = BroadcastData.load(data).but(text=text)
    if written.audience_kind:  # "Ubah teks" from the preview: the audience stays
        return _preview(written)
    return Goto("audience", written.dump())


# ---- the audience ---------------------------------------------------------------------------------


def _ask_audience(ctx: Context, __: Data) -> Reply:
    offered = _AUDIENCES + _SPONSOR_AUDIENCES if ctx.programme.sponsors is not None else _AUDIENCES
    return Reply.of(msg("broadcast.ask_audience"), choices=offered)


def _on_audience(_: Context, data: Data, answer: Answer) -> Transition:
    kind = answer.choice or ""
    chosen = BroadcastData.load(data).but(audience_kind=kind, audience_value="")
    if kind in ("everyone", "leaders", *SPONSOR_KINDS):
        return _preview(chosen)
    return Goto(kind, chosen.dump())


def _ask_status(_: Context, __: Data) -> Reply:
    choices = tuple(Choice(status, status_label(status)) for status in AUDIENCE_STATUSES)
    return Reply.of(msg("broadcast.ask_status"), choices=choices)


def _on_value(_: Context, data: Data, answer: Answer) -> Transition:
    return _preview(BroadcastData.load(data).but(audience_value=answer.choice or ""))


def _ask_job(ctx: Context, __: Data) -> Reply:
    jobs = tuple(Choice(job.id, msg("broadcast.label", name=job.name), job.synonyms) for job in ctx.programme.job_types)
    return Reply.of(msg("broadcast.ask_job"), choices=jobs)


def _kecamatan_choices(region: Region | None) -> tuple[Choice, ...]:
    return tuple(Choice(k.code, msg("broadcast.label", name=k.name)) for k in (region.kecamatan if region else ()))


def _ask_kecamatan(ctx: Context, __: Data) -> Reply:
    return Reply.of(msg("broadcast.ask_kecamatan"), choices=_kecamatan_choices(ctx.region))


def _ask_kelurahan(_: Context, __: Data) -> Reply:
    return Reply.of(msg("broadcast.ask_kelurahan"), choices=(_KELURAHAN_LIST,))


def _on_kelurahan(ctx: Context, data: Data, answer: Answer) -> Transition:
    """A kelurahan by name, matched as registration matches it: typos and pre-merger names accepted."""
    if answer.choice == _KELURAHAN_LIST.id:
        return Goto("kelurahan_kecamatan", data)
    region = ctx.region
    names = [(k.code, k.name) for k in (region.all_kelurahan if region else ())]
    names += [(f.kelurahan_code, f.name) for f in ctx.programme.former_names]
    sure, closest = best_matches(answer.text, names)
    saved = BroadcastData.load(data)
    if sure is not None:
        return _preview(saved.but(audience_value=sure.id))
    if not closest:
        return Invalid(msg("broadcast.kelurahan_not_found"))
    return Goto("kelurahan_pick", saved.but(kelurahan_candidates=tuple(c.id for c in closest)).dump())


def _ask_kelurahan_pick(ctx: Context, data: Data) -> Reply:
    codes = BroadcastData.load(data).kelurahan_candidates
    options = tuple(Choice(code, msg("broadcast.label", name=_kelurahan_name(ctx.region, code))) for code in codes)
    return Reply.of(msg("broadcast.which_kelurahan"), choices=(*options, _NONE_OF_THESE))


def _on_kelurahan_pick(_: Context, data: Data, answer: Answer) -> Transition:
    rest = BroadcastData.load(data).but(kelurahan_candidates=())
    if answer.choice == _NONE_OF_THESE.id:
        return Goto("kelurahan_kecamatan", rest.dump())
    return _preview(rest.but(audience_value=answer.choice or ""))


def _ask_kelurahan_kecamatan(ctx: Context, __: Data) -> Reply:
    return Reply.of(msg("broadcast.kelurahan_in_which_kecamatan"), choices=_kecamatan_choices(ctx.region))


def _on_kelurahan_kecamatan(_: Context, data: Data, answer: Answer) -> Transition:
    return Goto("kelurahan_list", BroadcastData.load(data).but(kecamatan_code=answer.choice or "").dump())


def _ask_kelurahan_list(ctx: Context, data: Data) -> Reply:
    region = ctx.region
    code = BroadcastData.load(data).kecamatan_code
    kecamatan = next((k for k in (region.kecamatan if region else ()) if k.code == code), None)
    villages = kecamatan.kelurahan if kecamatan else ()
    return Reply.of(
        msg("broadcast.pick_kelurahan", kecamatan=kecamatan.name if kecamatan else ""),
        choices=tuple(Choice(k.code, msg("broadcast.label", name=k.name)) for k in villages),
    )


def _kelurahan_name(region: Region | None, code: str) -> str:
    found = next((k for k in (region.all_kelurahan if region else ()) if k.code == code), None)
    kecamatan = region.kecamatan_of(code) if region else None
    if found is None:
        return code
    return f"{found.name}, Kecamatan {kecamatan.name}" if kecamatan else found.name


# ---- the preview ----------------------------------------------------------------------------------


def _preview(data: BroadcastData) -> Fetch[BroadcastPreview | BroadcastRefused | BroadcastNotAllowed]:
    kept = data.but(kelurahan_candidates=(), kecamatan_code="")
    request = PreviewBroadcast(data.audience_kind, data.audience_value)
    return Fetch(request, then=_on_previewed, data=kept.dump())


def _on_previewed(
    _: Context, data: Data, result: BroadcastPreview | BroadcastRefused | BroadcastNotAllowed
) -> Transition:
    if not isinstance(result, BroadcastPreview):
        return _not_allowed()
    return Goto("preview", BroadcastData.load(data).but(count=result.count.as_json()).dump())


def preview_parts(text: str, audience: Msg, count: AudienceCount, language: str) -> tuple[Msg, ...]:
    """The text exactly as it will be sent, then who gets it, per channel, and who is left out."""

    def n(value: int) -> str:
        return count_text(value, language)

    lines = [
        msg("broadcast.count_telegram", count=n(count.telegram)),
        msg("broadcast.count_whatsapp_window", count=n(count.whatsapp_window)),
        msg("broadcast.count_whatsapp_template", count=n(count.whatsapp_template)),
    ]
    if count.terminal:
        lines.append(msg("broadcast.count_terminal", count=n(count.terminal)))
    parts = [msg("broadcast.preview_text", text=text)] if text else []
    parts.append(msg("broadcast.preview_counts", audience=audience, lines=tuple(lines), total=n(count.reachable)))
    if count.opted_out or count.unreachable:
        parts.append(msg("broadcast.left_out", opted_out=n(count.opted_out), unreachable=n(count.unreachable)))
    if count.whatsapp_template and not count.template_configured:
        parts.append(msg("broadcast.no_template_warning", count=n(count.whatsapp_template)))
    if count.without_chat:
        parts.append(msg("broadcast.without_chat", count=n(count.without_chat)))
    return tuple(parts)


def _preview_choices(count: AudienceCount) -> tuple[Choice, ...]:
    if count.reachable == 0:
        return (_CHANGE_AUDIENCE, _EDIT_TEXT, _DROP)
    return (_SEND_NOW, _SCHEDULE, _EDIT_TEXT, _CHANGE_AUDIENCE, _DROP)


def _ask_preview(ctx: Context, data: Data) -> Reply:
    saved = BroadcastData.load(data)
    count = AudienceCount.from_json(saved.count)
    label = audience_label(saved.audience, ctx.programme, ctx.region)
    parts = preview_parts(saved.text, label, count, ctx.language)
    ask = msg("broadcast.preview_ask") if count.reachable else msg("broadcast.nobody_to_send_to")
    return Reply.of(*parts, ask, choices=_preview_choices(count))


def _on_preview(_: Context, data: Data, answer: Answer) -> Transition:
    match answer.choice:
        case _SEND_NOW.id:
            return _create(data, None)
        case _SCHEDULE.id:
            return Goto("when", data)
        case _EDIT_TEXT.id:
            return Goto("text", data)
        case _CHANGE_AUDIENCE.id:
            return Goto("audience", data)
        case _:
            return Finish(say=(Reply.of(msg("broadcast.dropped")),))


def _ask_when(ctx: Context, __: Data) -> Reply:
    now = local_time_text(ctx.now, ctx.programme.timezone)
    example = example_time(ctx.now, ctx.programme.timezone)
    return Reply.of(msg("broadcast.ask_when", now=now, zone=now.rsplit(" ", 1)[-1], example=example))


def _on_when(ctx: Context, data: Data, answer: Answer) -> Transition:
    when = parse_send_time(answer.text, ctx.now, ctx.programme.timezone)
    if isinstance(when, Msg):
        return Invalid(when)
    return _create(data, when.at if isinstance(when, SendAt) else None)


def _create(data: Data, send_at: datetime | None) -> Fetch[BroadcastCreated | BroadcastRefused | BroadcastNotAllowed]:
    saved = BroadcastData.load(data)
    request = CreateBroadcast(saved.text, saved.audience_kind, saved.audience_value, send_at)
    return Fetch(request, then=_on_created)


def _on_created(
    ctx: Context, data: Data, result: BroadcastCreated | BroadcastRefused | BroadcastNotAllowed
) -> Transition:
    if isinstance(result, BroadcastRefused):
        return Finish(say=(Reply.of(msg("broadcast.refused")),))
    if not isinstance(result, BroadcastCreated):
        return _not_allowed()
    count = AudienceCount.from_json(BroadcastData.load(data).count)
    people = count_text(count.reachable, ctx.language)
    if result.now:
        said = msg("broadcast.created_now", number=result.broadcast_id, count=people)
    else:
        when = local_time_text(result.send_at, ctx.programme.timezone)
        said = msg("broadcast.created_scheduled", number=result.broadcast_id, count=people, when=when)
    return Finish(say=(Reply.of(said, msg("broadcast.how_to_cancel")),))


# ---- Daftar siaran --------------------------------------------------------------------------------


def _on_listed(_: Context, __: Data, result: tuple[BroadcastReport, ...] | BroadcastNotAllowed) -> Transition:
    if not isinstance(result, tuple):
        return _not_allowed()
    if not result:
        return Finish(say=(Reply.of(msg("broadcast.none_yet")),))
    return Goto("mine", BroadcastData(broadcasts=tuple(item.as_json() for item in result)).dump())


def _listed(data: Data) -> list[BroadcastReport]:
    return [BroadcastReport.from_json(item) for item in BroadcastData.load(data).broadcasts]


def _ask_mine(ctx: Context, data: Data) -> Reply:
    """The texts' first words in the message; the choices short enough for a button (64 characters)."""
    listed = _listed(data)
    lines = tuple(msg("broadcast.summary", number=report.id, start=_start_of(report.body)) for report in listed)
    options = tuple(
        Choice(
            str(report.id), msg("broadcast.option", number=report.id, state=_state(ctx.programme, report, ctx.language))
        )
        for report in listed
    )
    return Reply.of(msg("broadcast.mine", lines=lines), choices=(*options, _NEW))


def _start_of(body: str) -> str:
    start = " ".join(body.split())
    return start if len(start) <= _START_CHARS else start[: _START_CHARS - 1].rstrip() + "…"


def _state(programme: Programme, report: BroadcastReport, language: str) -> Msg:
    total = count_text(report.recipients, language)
    match report.status:
        case "scheduled":
            return msg("broadcast.state_scheduled", when=local_time_text(report.send_at, programme.timezone))
        case "sending":
            return msg("broadcast.state_sending", sent=count_text(report.sent, language), total=total)
        case "cancelled":
            return msg("broadcast.state_cancelled")
        case _:
            return msg("broadcast.state_done", sent=count_text(report.sent, language), total=total)


def _on_mine(_: Context, data: Data, answer: Answer) -> Transition:
    if answer.choice == _NEW.id:
        return Goto("text", {})
    return Fetch(ShowBroadcast(int(answer.choice or 0)), then=_on_shown)


def _on_shown(_: Context, data: Data, result: BroadcastReport | BroadcastNotFound | BroadcastNotAllowed) -> Transition:
    if isinstance(result, BroadcastNotFound):
        return Goto("mine", data, say=(Reply.of(msg("broadcast.not_found")),))
    if not isinstance(result, BroadcastReport):
        return _not_allowed()
    return Goto("one", BroadcastData.load(data).but(report=result.as_json()).dump())


def report_parts(
    report: BroadcastReport, programme: Programme, region: Region | None, language: str
) -> tuple[Msg, ...]:
    """How an announcement went: sent, delivered, read, failed with the reasons, left out, cancelled."""

    def n(value: int) -> str:
        return count_text(value, language)

    audience = audience_label(Audience(report.audience_kind, report.audience_value), programme, region)
    state = _state(programme, report, language)
    if report.status == "scheduled" or (report.status == "cancelled" and report.started_at is None):
        return (msg("broadcast.report_head_not_started", number=report.id, state=state, audience=audience),)
    head = msg(
        "broadcast.report_head",
        number=report.id,
        state=state,
        audience=audience,
        when=local_time_text(report.started_at or report.send_at, programme.timezone),
    )
    lines = [msg("broadcast.report_sent", count=n(report.sent), total=n(report.recipients))]
    if report.sent_telegram or report.sent_whatsapp:
        lines.append(
            msg("broadcast.report_by_channel", telegram=n(report.sent_telegram), whatsapp=n(report.sent_whatsapp))
        )
    lines += [msg("broadcast.report_delivered", count=n(report.delivered))]
    lines += [msg("broadcast.report_read", count=n(report.read))]
    if report.waiting:
        lines.append(msg("broadcast.report_waiting", count=n(report.waiting)))
    lines.append(msg("broadcast.report_failed", count=n(report.failed)))
    lines += [msg("broadcast.report_reason", reason=r.reason, count=n(r.count)) for r in report.failure_reasons]
    lines.append(msg("broadcast.report_unreachable", count=n(report.unreachable)))
    lines.append(msg("broadcast.report_opted_out", count=n(report.opted_out)))
    lines.append(msg("broadcast.report_cancelled", count=n(report.cancelled)))
    return (head, msg("broadcast.report_lines", lines=tuple(lines)), msg("broadcast.report_note"))


def _ask_one(ctx: Context, data: Data) -> Reply:
    report = BroadcastReport.from_json(BroadcastData.load(data).report)
    parts = report_parts(report, ctx.programme, ctx.region, ctx.language)
    text = msg("broadcast.report_text", text=report.body)
    choices = (_CANCEL_IT, _BACK) if report.cancellable else (_BACK,)
    return Reply.of(*parts, text, choices=choices)


def _on_one(_: Context, data: Data, answer: Answer) -> Transition:
    if answer.choice == _CANCEL_IT.id:
        return Goto("cancel_confirm", data)
    return Fetch(ListBroadcasts(), then=_on_listed, data={})


def _ask_cancel_confirm(_: Context, data: Data) -> Reply:
    return Reply.of(msg("broadcast.cancel_confirm", number=BroadcastData.load(data).report_id), choices=YES_NO)


def _on_cancel_confirm(_: Context, data: Data, answer: Answer) -> Transition:
    if answer.choice == YES.id:
        return Fetch(CancelBroadcast(BroadcastData.load(data).report_id), then=_on_cancelled)
    if answer.choice == NO.id:
        return Goto("one", data)
    return Invalid(msg("engine.pick_a_number"))


def _on_cancelled(
    ctx: Context, data: Data, result: BroadcastCancelled | BroadcastNotFound | BroadcastRefused | BroadcastNotAllowed
) -> Transition:
    if isinstance(result, BroadcastCancelled) and not result.started:
        return Finish(say=(Reply.of(msg("broadcast.cancelled_before_start", number=result.broadcast_id)),))
    if isinstance(result, BroadcastCancelled):
        said = msg(
            "broadcast.cancelled",
            number=result.broadcast_id,
            cancelled=count_text(result.cancelled, ctx.language),
            sent=count_text(result.already_sent, ctx.language),
        )
        return Finish(say=(Reply.of(said),))
    if isinstance(result, BroadcastNotFound):
        return Finish(say=(Reply.of(msg("broadcast.not_found")),))
    if isinstance(result, BroadcastRefused):  # finished meanwhile: nothing left to stop
        number = BroadcastData.load(data).report_id
        return Finish(say=(Reply.of(msg("broadcast.cannot_cancel", number=number)),))
    return _not_allowed()


# ---- what the runner sends the author -------------------------------------------------------------


def progress_text(number: int, sent: int, total: int, unsent: int, language: str) -> Msg:
    """ "Siaran No. 5: terkirim 1.234 / 5.000", kept up to date in one message where the channel can;
    `unsent`: those that will not get it (failed, blocked, said BERHENTI meanwhile)."""
    if unsent:
        return msg(
            "broadcast.progress_with_unsent",
            number=number,
            sent=count_text(sent, language),
            total=count_text(total, language),
            unsent=count_text(unsent, language),
        )
    return msg("broadcast.progress", number=number, sent=count_text(sent, language), total=count_text(total, language))


broadcast_flow = Flow(
    id="broadcast",
    version=1,
    title=msg("broadcast.title"),
    start=_start,
    steps={
        "home": Step(ask=_ask_home, on_answer=_on_home),
        "text": Step(ask=_ask_text, on_answer=_on_text, limit=_ANNOUNCEMENT, multiline=True),
        "audience": Step(ask=_ask_audience, on_answer=_on_audience),
        "status": Step(ask=_ask_status, on_answer=_on_value),
        "kecamatan": Step(ask=_ask_kecamatan, on_answer=_on_value),
        "kelurahan": Step(ask=_ask_kelurahan, on_answer=_on_kelurahan, free_text=True),
        "kelurahan_pick": Step(ask=_ask_kelurahan_pick, on_answer=_on_kelurahan_pick),
        "kelurahan_kecamatan": Step(ask=_ask_kelurahan_kecamatan, on_answer=_on_kelurahan_kecamatan),
        "kelurahan_list": Step(ask=_ask_kelurahan_list, on_answer=_on_value),
        "job": Step(ask=_ask_job, on_answer=_on_value),
        "preview": Step(ask=_ask_preview, on_answer=_on_preview),
        "when": Step(ask=_ask_when, on_answer=_on_when),
        "mine": Step(ask=_ask_mine, on_answer=_on_mine),
        "one": Step(ask=_ask_one, on_answer=_on_one),
        "cancel_confirm": Step(ask=_ask_cancel_confirm, on_answer=_on_cancel_confirm),
    },
    aliases=("siaran", "pengumuman", "kirim pengumuman", "siaran baru", "daftar siaran", "siaran saya", "broadcast"),
    needs_role=ADMIN_NEEDED,
    data=BroadcastData,
)
