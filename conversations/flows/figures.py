"""Angka dan grafik, and Ekspor daftar untuk BPJS: two flows for Dinas admins, reached from the admin's
"Menu Dinas" and by their words ("angka", "statistik", "ekspor").

The figures are numbers from the store (`Figures`); turning them into short Indonesian lines — counts
written 1.000, rupiah as Rp16.800 or Rp588 juta, percentages with a decimal comma — happens here, so
`jaring stats` prints exactly what an admin reads in chat. Where the programme file switches sponsors on,
"Angka donatur" shows the sponsors' figures (conversations/sponsor_figures.py), as `jaring sponsors figures`
prints them. The store checks the role again for every request: the check in `start` only spares a
non-admin a pointless question."""

from __future__ import annotations

from collections.abc import Callable, Sequence
from dataclasses import dataclass

from conversations.flow import Answer, Context, Data, Fetch, Finish, Flow, Goto, Invalid, Step, Transition
from conversations.flow_data import FlowData
from conversations.flows.dinas_menu import is_admin
from conversations.flows.jobs import OTHER_JOB
from conversations.flows.places import kelurahan_name
from conversations.messages import Choice, Money, Msg, Reply, msg
from conversations.numbers import count_text
from conversations.requests.base import RoleRefused
from conversations.requests.export import ExportEnrolment, ExportFormat, ExportStatus
from conversations.requests.figures import (
    Count,
    Figures,
    FileQueued,
    OnlyForAdmins,
    RenewalFigures,
    SendFiguresChart,
    ShowFigures,
    WeekOfQuestions,
    YearOfParticipants,
)
from conversations.requests.sponsors import SponsorFigures, SponsorFiguresView, SponsorsOff
from conversations.role_needs import ADMIN_NEEDED
from conversations.sponsor_figures import sponsor_figures_replies

__all__ = [
    "ADMIN_ROLE",
    "ENDING_LABELS",
    "STATUS_LABELS",
    "STATUS_ORDER",
    "enrolment_export_flow",
    "figures_flow",
    "figures_replies",
    "percent_text",
    "rupiah_short",
]

ADMIN_ROLE = "admin"
TOP = 10  # kelurahan and job types listed by name; the rest are summed as "lainnya"
# The order of the process, so the list reads from the newest registration to the card.
STATUS_ORDER = (
    "submitted",
    "corrected",
    "returned",
    "verified",
    "waiting_list",
    "approved",
    "active",
    "rejected",
    "ended",
    "deleted",
)
STATUS_LABELS = {
    "submitted": "figures.status_submitted",
    "corrected": "figures.status_corrected",
    "returned": "figures.status_returned",
    "verified": "figures.status_verified",
    "waiting_list": "figures.status_waiting_list",
    "approved": "figures.status_approved",
    "active": "figures.status_active",
    "rejected": "figures.status_rejected",
    "ended": "figures.status_ended",
    "deleted": "figures.status_deleted",
}
_JUTA = 1_000_000
_MILIAR = 1_000_000_000
_MIN_YEAR, _MAX_YEAR = 2000, 2100

_CHART = Choice("chart", msg("figures.send_chart"), ("grafik", "kirim grafik", "gambar", "chart"))
_SPONSORS = Choice("sponsors", msg("sponsor_figures.choice"), ("donatur", "angka donatur", "sponsor", "sponsors"))
_DONE = Choice("done", msg("figures.done"), ("selesai", "sudah", "cukup", "kembali", "tidak"))

_APPROVED = Choice("approved", msg("export.status_approved"), ("disetujui", "setuju", "approved", "biasa"))
_ACTIVE = Choice("active", msg("export.status_active"), ("aktif", "active", "sudah aktif"))
_ALL = Choice("all", msg("export.status_all"), ("semua", "all", "seluruh"))
_XLSX = Choice("xlsx", msg("export.format_xlsx"), ("excel", "xlsx", "xls"))
_CSV = Choice("csv", msg("export.format_csv"), ("csv",))
_STATUSES: dict[str, ExportStatus] = {"approved": "approved", "active": "active", "all": "all"}
_FORMATS: dict[str, ExportFormat] = {"xlsx": "xlsx", "csv": "csv"}


# ---- numbers in words --------------------------------------------------------------------------


def _decimal(value: float, language: str) -> str:
    """One decimal at most, with the language's decimal mark: 42,3 (id) or 42.3 (en); 588 not 588,0."""
    text = f"{value:,.1f}".removesuffix(".0")
    if language == "en":
        return text
    return text.replace(",", "\0").replace(".", ",").replace("\0", ".")


def percent_text(part: int, whole: int, language: str) -> str:
    return _decimal(100 * part / whole, language) + "%" if whole else "-"


def rupiah_short(amount: int, language: str) -> Money | Msg:
    """Rp16.800 below a million; Rp588 juta, Rp8,4 juta; Rp1,2 miliar: the way the Dinas reports totals."""
    if amount >= _MILIAR:
        return msg("figures.rupiah_miliar", amount=_decimal(amount / _MILIAR, language))
    if amount >= _JUTA:
        return msg("figures.rupiah_juta", amount=_decimal(amount / _JUTA, language))
    return Money(amount)


# ---- the figures as replies --------------------------------------------------------------------


def figures_replies(ctx: Context, figures: Figures) -> tuple[Reply, ...]:
    """What an admin reads (and `jaring stats` prints): registrations; places and jobs; quota and money;
    participants by budget year and the renewal round."""
    return (
        Reply.of(_by_status(ctx, figures)),
        Reply.of(*_by_place_and_job(ctx, figures)),
        Reply.of(*_quota_and_money(ctx, figures)),
        Reply.of(*_years_and_renewal(ctx, figures)),
    )


def _by_status(ctx: Context, figures: Figures) -> Msg:
    counts = {c.key: c.count for c in figures.counts.by_status}
    known = [s for s in STATUS_ORDER if counts.get(s)]
    unknown = sorted(s for s in counts if s not in STATUS_ORDER and counts[s])
    lines = tuple(
        msg("figures.line", label=msg(STATUS_LABELS[s]) if s in STATUS_LABELS else s, count=_n(ctx, counts[s]))
        for s in (*known, *unknown)
    )
    return msg(
        "figures.registrations",
        programme=ctx.programme.name,
        today=ctx.today.strftime("%d-%m-%Y"),
        lines=lines or (msg("figures.none"),),
        total=_n(ctx, sum(counts.values())),
    )


def _by_place_and_job(ctx: Context, figures: Figures) -> tuple[Msg, ...]:
    places = _top_lines(
        ctx, figures.counts.by_kelurahan, lambda code: kelurahan_name(ctx, code), "figures.other_places"
    )
    jobs = _top_lines(ctx, figures.counts.by_job_type, lambda job: _job_label(ctx, job), "figures.other_jobs")
    return msg("figures.by_kelurahan", lines=places), msg("figures.by_job_type", lines=jobs)


def _job_label(ctx: Context, job_id: str) -> str | Msg:
    if job_id == OTHER_JOB:
        return msg("figures.job_other")
    found = next((j for j in ctx.programme.job_types if j.id == job_id), None)
    return found.name if found else job_id


def _top_lines(
    ctx: Context, counts: Sequence[Count], name: Callable[[str], str | Msg], rest_key: str
) -> tuple[Msg, ...]:
    ranked = sorted((c for c in counts if c.count), key=lambda c: (-c.count, c.key))
    if not ranked:
        return (msg("figures.none"),)
    shown = [msg("figures.line", label=name(c.key), count=_n(ctx, c.count)) for c in ranked[:TOP]]
    rest = ranked[TOP:]
    if rest:
        total = sum(c.count for c in rest)
        shown.append(msg("figures.line", label=msg(rest_key, kinds=len(rest)), count=_n(ctx, total)))
    return tuple(shown)


def _quota_and_money(ctx: Context, figures: Figures) -> tuple[Msg, ...]:
    p = ctx.programme
    year = str(figures.year)
    waiting = _n(ctx, figures.count_of("waiting_list"))
    if figures.quota_places is None:
        quota = msg("figures.quota_not_set", year=year, used=_n(ctx, figures.quota_used), waiting=waiting)
    else:
        quota = msg(
            "figures.quota",
            year=year,
            used=_n(ctx, figures.quota_used),
            places=_n(ctx, figures.quota_places),
            percent=percent_text(figures.quota_used, figures.quota_places, ctx.language),
            left=_n(ctx, max(figures.quota_places - figures.quota_used, 0)),
            waiting=waiting,
        )
    estimate = p.estimated_vulnerable_workers
    if estimate:
        coverage = msg(
            "figures.coverage",
            active=_n(ctx, figures.active),
            estimate=_n(ctx, estimate),
            percent=percent_text(figures.active, estimate, ctx.language),
        )
    else:
        coverage = msg("figures.coverage_not_set", active=_n(ctx, figures.active))
    premiums = msg(
        "figures.premiums",
        year=year,
        total=rupiah_short(figures.premiums_year, ctx.language),
        per_month=rupiah_short(figures.active * p.premium.monthly, ctx.language),
        active=_n(ctx, figures.active),
        premium=Money(p.premium.monthly),
    )
    claims = msg(
        "figures.claims",
        paid=_n(ctx, figures.claims_paid),
        total=rupiah_short(figures.claims_paid_total, ctx.language),
        open=_n(ctx, figures.claims_open),
    )
    accidents = msg("figures.accidents", year=year, count=_n(ctx, figures.accident_reports))
    questions: tuple[Msg, ...] = (
        msg("figures.unanswered", days=figures.unanswered_days, count=_n(ctx, figures.unanswered_count)),
    )
    if figures.unanswered_newest:
        newest = tuple(msg("figures.question", text=text) for text in figures.unanswered_newest)
        questions = (*questions, msg("figures.unanswered_newest", questions=newest))
    if figures.question_weeks:
        questions = (*questions, _answered_outright(ctx, figures.question_weeks))
    return (quota, coverage, premiums, claims, accidents, *questions)


def _answered_outright(ctx: Context, weeks: Sequence[WeekOfQuestions]) -> Msg:
    """ "Pertanyaan dijawab langsung": of the questions people typed each ISO week, the share the bot
    answered at once (not asked back, not "belum tahu"), oldest week first."""
    if not any(week.asked for week in weeks):
        return msg("figures.answered_weeks_none", weeks=len(weeks))
    lines = tuple(
        msg(
            "figures.answered_week",
            week=week.week,
            monday=week.monday.strftime("%d-%m-%Y"),
            answered=_n(ctx, week.answered),
            asked=_n(ctx, week.asked),
            percent=percent_text(week.answered, week.asked, ctx.language),
        )
        for week in weeks
    )
    return msg("figures.answered_weeks", weeks=len(weeks), lines=lines)


# ---- budget years and the renewal round --------------------------------------------------------------

ENDING_LABELS = {
    "deceased": "figures.ending_deceased",
    "aged_out": "figures.ending_aged_out",
    "asked_to_leave": "figures.ending_asked_to_leave",
    "moved": "figures.ending_moved",
    "not_working": "figures.ending_not_working",
}


def _years_and_renewal(ctx: Context, figures: Figures) -> tuple[Msg, ...]:
    """Participants per budget year, new and continuing, against each year's quota and the estimate of
    vulnerable workers; then the newest renewal round (or that none was opened, where the programme has
    one)."""
    said: list[Msg] = []
    if figures.participant_years:
        lines = tuple(_year_line(ctx, year) for year in figures.participant_years)
        said.append(msg("figures.years", lines=lines))
        if not ctx.programme.estimated_vulnerable_workers:
            said.append(msg("figures.years_estimate_not_set"))
    else:
        said.append(msg("figures.years_none"))
    if figures.renewal is not None:
        said.append(_renewal(ctx, figures.renewal))
    elif ctx.programme.renewal is not None:
        said.append(msg("figures.renewal_none"))
    return tuple(said)


def _year_line(ctx: Context, year: YearOfParticipants) -> Msg:
    total = year.total
    if year.quota_places:
        places = _n(ctx, year.quota_places)
        quota = msg("figures.year_quota", percent=percent_text(total, year.quota_places, ctx.language), places=places)
    else:
        quota = msg("figures.year_quota_not_set")
    estimate = ctx.programme.estimated_vulnerable_workers
    coverage: Msg | str = ""
    if estimate:
        percent = percent_text(total, estimate, ctx.language)
        coverage = msg("figures.year_coverage", percent=percent, estimate=_n(ctx, estimate))
    return msg(
        "figures.year_line",
        year=str(year.year),
        total=_n(ctx, total),
        new=_n(ctx, year.new),
        continuing=_n(ctx, year.continuing),
        quota=quota,
        coverage=coverage,
    )


def _renewal(ctx: Context, renewal: RenewalFigures) -> Msg:
    programme = ctx.programme
    if renewal.open:
        state = msg("figures.renewal_open", since=programme.local_date(renewal.opened_at))
    else:
        state = msg("figures.renewal_closed", on=programme.local_date(renewal.closed_at or renewal.opened_at))
    reasons = ", ".join(
        ctx.renderer.render(
            msg(
                "figures.ending_reason",
                reason=msg(ENDING_LABELS[c.key]) if c.key in ENDING_LABELS else c.key,
                count=_n(ctx, c.count),
            ),
            ctx.language,
        )
        for c in renewal.ending
    )
    ending = msg("figures.renewal_ending_reasons", total=_n(ctx, renewal.ending_total), reasons=reasons)
    return msg(
        "figures.renewal",
        year=str(renewal.year),
        state=state,
        participants=_n(ctx, renewal.participants),
        asked=_n(ctx, renewal.asked),
        reminded=_n(ctx, renewal.reminded),
        answered=_n(ctx, renewal.answered),
        yes=_n(ctx, renewal.answered_yes),
        said_no=_n(ctx, renewal.said_no),
        leave=_n(ctx, renewal.asked_to_leave),
        decided=_n(ctx, renewal.decided_by_kelurahan),
        waiting=_n(ctx, renewal.waiting_for_kelurahan),
        not_reachable=_n(ctx, renewal.not_reachable),
        silent=_n(ctx, renewal.silent),
        ending=ending if renewal.ending else _n(ctx, 0),
    )


def _n(ctx: Context, value: int) -> str:
    return count_text(value, ctx.language)


# ---- Angka dan grafik --------------------------------------------------------------------------


def _refused() -> Finish:
    return Finish(say=(Reply.of(msg("figures.only_for_admins")),))


@dataclass(frozen=True, slots=True)
class FiguresData(FlowData):
    year: int | None = None  # the year shown


@dataclass(frozen=True, slots=True)
class ExportData(FlowData):
    status: ExportStatus | None = None  # which registrations; None: not chosen yet


def _figures_start(ctx: Context, _: Data) -> Transition:
    if not is_admin(ctx.contact):
        return _refused()
    return Fetch(ShowFigures(), then=_figures_shown, data={})


def _figures_shown(ctx: Context, data: Data, result: Figures | OnlyForAdmins) -> Transition:
    if not isinstance(result, Figures):
        return _refused()
    return Goto("next", FiguresData(year=result.year).dump(), say=figures_replies(ctx, result))


def _ask_next(ctx: Context, data: Data) -> Reply:
    year = FiguresData.load(data).year
    # The sponsors' figures where the programme file switches sponsors on; the chart stays number 1.
    choices = (_CHART, _SPONSORS, _DONE) if ctx.programme.sponsors is not None else (_CHART, _DONE)
    return Reply.of(msg("figures.what_next", year="" if year is None else str(year)), choices=choices)


def _on_next(_: Context, data: Data, answer: Answer) -> Transition:
    if answer.choice == _CHART.id:
        return Fetch(SendFiguresChart(FiguresData.load(data).year), then=_chart_sent)
    if answer.choice == _SPONSORS.id:
        return Fetch(SponsorFigures(), then=_sponsors_shown)
    if answer.choice == _DONE.id:
        return Finish(say=(Reply.of(msg("figures.finished")),))
    typed = answer.text.strip()
    if typed.isdecimal() and len(typed) == 4 and _MIN_YEAR <= int(typed) <= _MAX_YEAR:
        return Fetch(ShowFigures(int(typed)), then=_figures_shown)
    return Invalid(msg("figures.pick_next"))


def _sponsors_shown(ctx: Context, data: Data, result: SponsorFiguresView | SponsorsOff | RoleRefused) -> Transition:
    if isinstance(result, RoleRefused):
        return _refused()
    if isinstance(result, SponsorsOff):
        return Goto("next", data, say=(Reply.of(msg("sponsor_figures.off")),))
    return Goto("next", data, say=sponsor_figures_replies(ctx, result))


def _chart_sent(_: Context, __: Data, result: FileQueued | OnlyForAdmins) -> Transition:
    if isinstance(result, FileQueued):
        return Finish(say=(Reply.of(msg("figures.chart_sent")),))
    return _refused()


figures_flow = Flow(
    id="figures",
    version=1,
    title=msg("figures.title"),
    start=_figures_start,
    steps={
        "next": Step(ask=_ask_next, on_answer=_on_next, free_text=True),
    },
    aliases=("angka", "statistik", "angka dan grafik", "grafik", "figures", "stats"),
    needs_role=ADMIN_NEEDED,
    data=FiguresData,
)


# ---- Ekspor daftar untuk BPJS ------------------------------------------------------------------


def _export_start(ctx: Context, _: Data) -> Transition:
    return Goto("status", {}) if is_admin(ctx.contact) else _refused()


def _ask_status(_: Context, __: Data) -> Reply:
    return Reply.of(msg("export.which_status"), choices=(_APPROVED, _ACTIVE, _ALL))


def _on_status(_: Context, data: Data, answer: Answer) -> Transition:
    status = _STATUSES.get(answer.choice or "")
    if status is None:
        return Invalid(msg("engine.pick_a_number"))  # the engine lets only a listed choice through
    return Goto("format", ExportData(status=status).dump())


def _ask_format(_: Context, __: Data) -> Reply:
    return Reply.of(msg("export.which_format"), choices=(_XLSX, _CSV))


def _on_format(_: Context, data: Data, answer: Answer) -> Transition:
    file_format = _FORMATS.get(answer.choice or "")
    status = ExportData.load(data).status
    if status is None:  # the data was lost (a restart mid-flow): ask again from the top
        return Goto("status", {})
    if file_format is None:
        return Invalid(msg("engine.pick_a_number"))
    return Fetch(ExportEnrolment(status, file_format), then=_export_sent)


def _export_sent(ctx: Context, _: Data, result: FileQueued | OnlyForAdmins) -> Transition:
    if not isinstance(result, FileQueued):
        return _refused()
    if result.rows == 0:
        return Finish(say=(Reply.of(msg("export.nothing")),))
    rows = count_text(result.rows, ctx.language)
    return Finish(say=(Reply.of(msg("export.sent", rows=rows, file=result.file_name)),))


enrolment_export_flow = Flow(
    id="enrolment_export",
    version=1,
    title=msg("export.title"),
    start=_export_start,
    steps={
        "status": Step(ask=_ask_status, on_answer=_on_status),
        "format": Step(ask=_ask_format, on_answer=_on_format),
    },
    aliases=("ekspor", "ekspor daftar", "export", "ekspor bpjs", "daftar untuk bpjs"),
    needs_role=ADMIN_NEEDED,
    data=ExportData,
)
