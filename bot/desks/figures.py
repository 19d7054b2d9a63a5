"""The Dinas's figures: gathered from the store (db/repositories/figures.py), worded by the core
(conversations/flows/figures.py), printed by `jaring stats` and shown to admins in chat; the chart drawn
by bot/desks/charts.py; the web desk's figures page (bot/web/pages/figures.py) shows the same numbers with
registrations month by month. Every view is in the audit log ("figures.viewed").

Premiums committed for a year = Σ over active participants of the months from their start — BPJS TK's
start date (`coverage_start`), or when none was recorded, the day the registration last changed (when
it became active) — or from 1 January, whichever is later, to 31 December, each month counted whole,
× the monthly premium in the programme file. "Per month now" = active participants × the premium.

Participants per budget year (new or continuing) come from `participant_years`, each year set against
its quota and the programme's estimate of vulnerable workers; the newest renewal round is counted as
asked, answered, decided by the kelurahan, not reachable (no chat), silent, reminded, and ending by
reason."""

from __future__ import annotations

from collections import Counter
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, timedelta
from zoneinfo import ZoneInfo

from sqlalchemy.ext.asyncio import AsyncSession

from bot.desks.call import DeskCall
from bot.desks.charts import ChartData, ChartLabels, render_chart
from conversations.flows.figures import ADMIN_ROLE, STATUS_ORDER
from conversations.letters import Attachment, Letter
from conversations.messages import msg
from conversations.programme import Programme
from conversations.requests.figures import (
    Count,
    FigureCounts,
    Figures,
    FiguresOverTime,
    FileQueued,
    MonthOfRegistrations,
    OnlyForAdmins,
    RenewalFigures,
    SendFiguresChart,
    ShowFigures,
    ShowFiguresOverTime,
    WeekOfQuestions,
    YearOfParticipants,
)
from db.repositories import audit, figures, participant_years, question_learning, quotas, renewals, roles
from db.repositories.unanswered_questions import recent_questions
from locales import Catalogs

__all__ = [
    "NEWEST_QUESTIONS",
    "QUESTION_WEEKS",
    "UNANSWERED_DAYS",
    "YEARS_SHOWN",
    "MonthlyCounts",
    "chart_data",
    "committed_premiums",
    "count_by_month",
    "gather_figures",
    "months_covered",
    "only_for_admins",
    "participant_years_shown",
    "question_weeks",
    "record_figures_viewed",
    "registrations_by_month",
    "renewal_figures",
    "send_chart",
    "show_figures",
    "show_figures_over_time",
]

UNANSWERED_DAYS = 30
NEWEST_QUESTIONS = 5
QUESTION_WEEKS = 8  # ISO weeks of "answered outright" shown, this one included
YEARS_SHOWN = 5  # budget years of participants shown, the newest recorded
# Rows of a renewal round that end at its opening and are never asked: not "not reachable" without a chat.
_NOT_ASKED_ENDINGS = ("deceased", "aged_out")
_SAID_NO = ("moved", "not_working")
_MONTHS_IN_YEAR = 12
_BABEL_LOCALE = {"id": "id_ID", "en": "en"}


def months_covered(start: date, year: int) -> int:
    """Months of `year` from `start`'s month to December, each counted whole (a premium is monthly)."""
    if start.year > year:
        return 0
    if start.year < year:
        return _MONTHS_IN_YEAR
    return _MONTHS_IN_YEAR - start.month + 1


def committed_premiums(starts: Iterable[date] | Mapping[date, int], year: int, monthly_premium: int) -> int:
    """`starts`: each participant's start date, or how many started on each date (or in each month)."""
    counted = starts if isinstance(starts, Mapping) else Counter(starts)
    return sum(months_covered(start, year) * count for start, count in counted.items()) * monthly_premium


@dataclass(frozen=True, slots=True)
class MonthlyCounts:
    """Registrations sent and participants whose cover started, by calendar month (its first day, in the
    programme's time zone); a month with none is left out."""

    sent: Counter[date]
    started: Counter[date]


async def count_by_month(session: AsyncSession, programme: Programme, *, sent: bool = True) -> MonthlyCounts:
    """Counted in the database, a row per month (or start date): a participant's cover starts on BPJS TK's
    start date (`coverage_start`), or when none was recorded, on the day the registration last changed
    (when it became active). `sent`: False when only the starts are needed."""
    span = await figures.monthly_span(session, programme.id)
    months = _months_from(programme.local_date(span.first), programme.local_date(span.last)) if span else []
    zone = ZoneInfo(programme.timezone)
    month_starts = [datetime(m.year, m.month, 1, tzinfo=zone).astimezone(UTC) for m in months]
    by_day, by_change = await figures.active_by_start(session, programme.id, month_starts)
    started = Counter[date]()
    for day, count in by_day.items():
        started[_month(day)] += count
    started.update({month: count for month, count in zip(months, by_change, strict=True) if count})
    sent_counts = await figures.sent_by_month(session, programme.id, month_starts) if sent else []
    return MonthlyCounts(Counter({month: n for month, n in zip(months, sent_counts, strict=False) if n}), started)


def _months_from(first: date, last: date) -> list[date]:
    """The first days of the months from `first`'s to `last`'s, both included."""
    month, months = _month(first), []
    while month <= last:
        months.append(month)
        month = _next_month(month)
    return months


def _year_bounds(programme: Programme, year: int) -> tuple[datetime, datetime]:
    zone = ZoneInfo(programme.timezone)
    start = datetime(year, 1, 1, tzinfo=zone).astimezone(UTC)
    return start, datetime(year + 1, 1, 1, tzinfo=zone).astimezone(UTC)


def _counts(found: dict[str, int]) -> tuple[Count, ...]:
    return tuple(Count(key, count) for key, count in sorted(found.items(), key=lambda item: (-item[1], item[0])))


async def gather_figures(
    session: AsyncSession, programme: Programme, *, year: int, now: datetime, started: Counter[date] | None = None
) -> Figures:
    """`started`: `count_by_month`'s starts, when the caller has them already (counted once a request)."""
    tally = await figures.registration_tally(session, programme.id)
    by_status = tally.by_status
    ordered = tuple(
        Count(status, by_status[status])
        for status in (*STATUS_ORDER, *sorted(set(by_status) - set(STATUS_ORDER)))
        if status in by_status
    )
    counts = FigureCounts(
        by_status=ordered, by_kelurahan=_counts(tally.by_kelurahan), by_job_type=_counts(tally.by_job_type)
    )
    default_places = next((q.places for q in programme.quotas if q.year == year), None)
    if started is None:
        started = (await count_by_month(session, programme, sent=False)).started
    claims = await figures.claim_totals(session, programme.id)
    year_start, year_end = _year_bounds(programme, year)
    newest = await recent_questions(session, NEWEST_QUESTIONS)
    return Figures(
        year=year,
        counts=counts,
        quota_places=await quotas.effective_places(session, programme.id, year, default_places),
        quota_used=await quotas.places_used(session, year),
        active=sum(started.values()),
        premiums_year=committed_premiums(started, year, programme.premium.monthly),
        claims_paid=claims.paid,
        claims_paid_total=claims.paid_total,
        claims_open=claims.in_progress,
        accident_reports=await figures.accident_reports_between(session, programme.id, year_start, year_end),
        unanswered_count=await figures.unanswered_since(session, now - timedelta(days=UNANSWERED_DAYS)),
        unanswered_days=UNANSWERED_DAYS,
        unanswered_newest=tuple(question.text for question in newest),
        question_weeks=await question_weeks(session, programme, now=now),
        participant_years=await participant_years_shown(session, programme),
        renewal=await renewal_figures(session, programme),
    )


def _file_quota(programme: Programme, year: int) -> int | None:
    return next((q.places for q in programme.quotas if q.year == year), None)


async def participant_years_shown(session: AsyncSession, programme: Programme) -> tuple[YearOfParticipants, ...]:
    """The newest `YEARS_SHOWN` budget years recorded, oldest first, each with its quota."""
    counted = await participant_years.count_by_year(session, programme.id)
    shown = []
    for year in sorted(counted)[-YEARS_SHOWN:]:
        places = await quotas.effective_places(session, programme.id, year, _file_quota(programme, year))
        shown.append(YearOfParticipants(year, counted[year]["new"], counted[year]["continuing"], places))
    return tuple(shown)


async def renewal_figures(session: AsyncSession, programme: Programme) -> RenewalFigures | None:
    """The newest renewal round counted; None when none was ever opened."""
    found = await renewals.newest_round(session, programme.id)
    if found is None:
        return None
    tally = await figures.renewal_tally(session, found.id)

    def rows(keep: Callable[[figures.RenewalTally], bool]) -> int:
        return sum(group.count for group in tally if keep(group))

    ending = Counter[str]()
    for group in tally:
        if group.decision == "ends":
            ending[group.reason or "-"] += group.count
    return RenewalFigures(
        year=found.year,
        open=found.status == "open",
        opened_at=found.opened_at,
        closed_at=found.closed_at,
        participants=rows(lambda _: True),
        asked=rows(lambda g: g.asked),
        reminded=rows(lambda g: g.reminded),
        answered_yes=rows(lambda g: g.answer == "yes"),
        said_no=rows(lambda g: g.answer in _SAID_NO),
        asked_to_leave=rows(lambda g: g.answer == "leave"),
        decided_by_kelurahan=rows(lambda g: g.decided_by_kelurahan),
        waiting_for_kelurahan=rows(lambda g: g.decision == "check"),
        not_reachable=rows(_not_reachable),
        silent=rows(lambda g: g.asked and g.answer is None),
        ending=_counts(dict(ending)),
    )


def _not_reachable(group: figures.RenewalTally) -> bool:
    """No chat to ask, though continuing: not those ending at the opening, nor those who joined late."""
    if group.with_chat or group.reason == renewals.JOINED_LATE:
        return False
    return not (group.decision == "ends" and group.reason in _NOT_ASKED_ENDINGS)


async def question_weeks(
    session: AsyncSession, programme: Programme, *, now: datetime, weeks: int = QUESTION_WEEKS
) -> tuple[WeekOfQuestions, ...]:
    """The typed questions answered outright, of all typed, for each of the last `weeks` ISO weeks (Monday
    to Sunday in the programme's time zone), oldest first; this week so far is the last."""
    zone = ZoneInfo(programme.timezone)
    today = programme.local_date(now)
    this_monday = today - timedelta(days=today.isoweekday() - 1)
    mondays = [this_monday - timedelta(weeks=back) for back in range(weeks - 1, -2, -1)]  # and next Monday
    starts = [datetime(m.year, m.month, m.day, tzinfo=zone).astimezone(UTC) for m in mondays]
    counted = await question_learning.outcomes_by_week(session, starts[:-1], starts[-1])
    return tuple(
        WeekOfQuestions(monday, monday.isocalendar().week, counts.get("answered", 0), sum(counts.values()))
        for monday, counts in zip(mondays[:-1], counted, strict=True)
    )


# ---- the chart ---------------------------------------------------------------------------------


def _month(day: date) -> date:
    return day.replace(day=1)


def _next_month(day: date) -> date:
    return date(day.year + day.month // _MONTHS_IN_YEAR, day.month % _MONTHS_IN_YEAR + 1, 1)


async def registrations_by_month(
    session: AsyncSession, programme: Programme, *, today: date, counted: MonthlyCounts | None = None
) -> tuple[MonthOfRegistrations, ...]:
    """Registrations sent and participants whose cover started, month by month and added up, from the
    first registration to this month (or the latest start date BPJS TK gave, if later). `counted`:
    `count_by_month`'s answer, when the caller has it already."""
    if counted is None:
        counted = await count_by_month(session, programme)
    registered, started = counted.sent, counted.started
    month = min([*registered, *started, _month(today)])
    last = max([*registered, *started, _month(today)])
    running_registered = running_active = 0
    months: list[MonthOfRegistrations] = []
    while month <= last:
        running_registered += registered[month]
        running_active += started[month]
        months.append(
            MonthOfRegistrations(month, registered[month], started[month], running_registered, running_active)
        )
        month = _next_month(month)
    return tuple(months)


async def chart_data(
    session: AsyncSession,
    programme: Programme,
    figures_now: Figures,
    *,
    today: date,
    language: str,
    counted: MonthlyCounts | None = None,
) -> ChartData:
    """Registrations sent and participants active, added up month by month (`registrations_by_month`);
    the year's quota use beside it."""
    months = await registrations_by_month(session, programme, today=today, counted=counted)
    from babel.dates import format_date  # noqa: PLC0415  # Babel loads at the first chart, not at start-up

    locale = _BABEL_LOCALE.get(language, "id_ID")
    return ChartData(
        months=tuple(format_date(m.month, "MMM yyyy", locale=locale) for m in months),
        registered=tuple(m.registered_total for m in months),
        active=tuple(m.active_total for m in months),
        quota_used=figures_now.quota_used,
        quota_places=figures_now.quota_places,
        waiting=figures_now.count_of("waiting_list"),
    )


def chart_labels(catalogs: Catalogs, programme: Programme, year: int, language: str) -> ChartLabels:
    def say(key: str) -> str:
        return catalogs.render(msg(key, year=str(year), programme=programme.name), language)

    return ChartLabels(
        title=say("figures.chart_title"),
        over_time=say("figures.chart_over_time"),
        registered=say("figures.chart_registered"),
        active=say("figures.chart_active"),
        quota=say("figures.chart_quota"),
        used=say("figures.chart_used"),
        places=say("figures.chart_places"),
        waiting=say("figures.chart_waiting"),
        quota_not_set=say("figures.chart_quota_not_set"),
    )


async def draw_chart(
    session: AsyncSession, programme: Programme, catalogs: Catalogs, *, year: int, now: datetime, language: str
) -> bytes:
    counted = await count_by_month(session, programme)
    shown = await gather_figures(session, programme, year=year, now=now, started=counted.started)
    today = programme.local_date(now)
    data = await chart_data(session, programme, shown, today=today, language=language, counted=counted)
    labels = chart_labels(catalogs, programme, year, language)
    return render_chart(data, labels, thousands="," if language == "en" else ".")


# ---- answers to the chat's requests ------------------------------------------------------------


async def show_figures(call: DeskCall, request: ShowFigures) -> Figures | OnlyForAdmins:
    if refused := await only_for_admins(call, request):
        return refused
    year = request.year or call.programme.local_date(call.now).year
    await record_figures_viewed(call, year=year, what="figures")
    return await gather_figures(call.session, call.programme, year=year, now=call.now)


async def show_figures_over_time(call: DeskCall, request: ShowFiguresOverTime) -> FiguresOverTime | OnlyForAdmins:
    """The figures and registrations month by month (the web desk's figures page and its downloads)."""
    if refused := await only_for_admins(call, request):
        return refused
    year = request.year or call.programme.local_date(call.now).year
    await record_figures_viewed(call, year=year, what="figures_over_time")
    counted = await count_by_month(call.session, call.programme)
    shown = await gather_figures(call.session, call.programme, year=year, now=call.now, started=counted.started)
    today = call.programme.local_date(call.now)
    months = await registrations_by_month(call.session, call.programme, today=today, counted=counted)
    return FiguresOverTime(shown, months)


async def send_chart(call: DeskCall, request: SendFiguresChart) -> FileQueued | OnlyForAdmins:
    """The chart as a PNG, to the admin asking, in their language."""
    if refused := await only_for_admins(call, request):
        return refused
    year = request.year or call.programme.local_date(call.now).year
    await record_figures_viewed(call, year=year, what="chart")
    png = await draw_chart(
        call.session, call.programme, call.catalogs, year=year, now=call.now, language=call.asker.language
    )
    caption = msg("figures.chart_caption", programme=call.programme.name, year=str(year))
    file_name = f"grafik-{year}.png"
    call.post.append(Letter.of(call.asker.id, caption, attachment=Attachment(file_name, "image/png", png)))
    return FileQueued(1, file_name)


async def only_for_admins(call: DeskCall, request: object) -> OnlyForAdmins | None:
    """The figures and the enrolment list are for Dinas admins only; a refusal is audited."""
    if await roles.holds_role(call.session, call.asker.id, ADMIN_ROLE):
        return None
    await audit.record_audit(
        call.session,
        "figures.refused",
        now=call.now,
        actor_contact_id=call.asker.id,
        detail={"request": type(request).__name__},
    )
    return OnlyForAdmins()


async def record_figures_viewed(call: DeskCall, *, what: str, year: int | None = None) -> None:
    """The audit line of an admin reading the programme's figures (`what`: which), of `year` if any."""
    contact = call.asker
    detail = {"what": what, "by": f"{contact.channel}:{contact.channel_id}"}
    if year is not None:
        detail["year"] = str(year)
    await audit.record_audit(
        call.session,
        "figures.viewed",
        now=call.now,
        actor_contact_id=contact.id,
        subject=f"programme:{call.programme.id}"[:120],
        detail=detail,
    )
