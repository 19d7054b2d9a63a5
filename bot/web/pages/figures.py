"""The programme's figures for Dinas admins: /dinas/angka, and each table as CSV (/dinas/angka/TABLE.csv).

The numbers are the chat's own (`ShowFiguresOverTime` asks `gather_figures` and the chart's month-by-month
counts): this module only lays them out — kelurahan named from the region, job types from the programme,
rupiah and counts the Indonesian way — as tables, with a bar chart drawn on the server where one helps.
The desk checks the admin role again and audits every view ("figures.viewed"), as for the chat's figures.
Where the programme file switches sponsors on, a "Donatur" section shows the chat's "Angka donatur"
(`SponsorFigures`, as of today): sponsors by kind, the ASN share against the target, per OPD and the OPDs
furthest from it, workers by who pays, the months due and late; a share whose whole is unknown says so.

A CSV is what Excel opens in Indonesia: UTF-8 with a BOM, `;` between cells (the comma is the decimal
mark), counts and rupiah as plain numbers, and text that would start a formula made safe (`safe_cell`)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from babel.dates import format_date
from markupsafe import Markup
from starlette.responses import Response
from starlette.routing import BaseRoute

from bot.desks.export import csv_bytes
from bot.web.desk import Desk
from bot.web.rendering import Texts, number
from bot.web.svg_charts import Bar, bar_chart
from bot.web.visit import AdminsOnly, NotFound, Visit, page_route
from conversations.flows.figures import STATUS_LABELS, percent_text
from conversations.flows.jobs import OTHER_JOB
from conversations.programme import Programme
from conversations.regions import Region
from conversations.requests.base import RoleRefused
from conversations.requests.figures import Count, FiguresOverTime, ShowFiguresOverTime
from conversations.requests.sponsors import (
    FundedCount,
    OrganisationFigures,
    SponsorFigures,
    SponsorFiguresView,
    SponsorsOff,
)
from conversations.sponsor_figures import FUNDER_LABELS, asn_needed, furthest_by_share, share_text

__all__ = [
    "GROUPS",
    "SPONSOR_TABLES",
    "TABLES",
    "Cell",
    "FigureTable",
    "figure_tables",
    "parse_year",
    "routes",
    "sponsor_tables",
    "table_csv",
]

# Every table's address, in the page's order (figure_tables gives them in this order).
TABLES = (
    "kelurahan",
    "pekerjaan",
    "bulan",
    "status",
    "kuota",
    "iuran",
    "klaim",
    "kecelakaan",
    "pertanyaan",
    "jawaban",
)

# The "Donatur" section's tables, where the programme has sponsors (the ASN's only where ASN sponsor): each
# address begins "donatur-", apart from the programme's own tables.
SPONSOR_TABLES = (
    "donatur-jenis",
    "donatur-asn",
    "donatur-opd",
    "donatur-terjauh",
    "donatur-pekerja",
    "donatur-iuran",
)

_FIRST_YEAR, _LAST_YEAR = 2000, 2100  # a year outside these is a typing slip
_BABEL_LOCALE = {"id": "id_ID", "en": "en"}


@dataclass(frozen=True, slots=True)
class Cell:
    text: str  # as the page shows it (1.234, Rp16.800)
    value: str | int  # as the CSV holds it (1234, 16800)
    numeric: bool = False


@dataclass(frozen=True, slots=True)
class FigureTable:
    slug: str  # its address: /dinas/angka/{slug}.csv
    caption: str
    headers: tuple[str, ...]
    rows: tuple[tuple[Cell, ...], ...]
    chart: Markup | None = None  # the SVG, drawn from the same rows
    note: str = ""


# The page's sections: a heading each, over the tables it holds (by address).
GROUPS = (
    ("web.figures.group_coverage", ("kelurahan", "pekerjaan")),
    ("web.figures.group_registrations", ("bulan", "status")),
    ("web.figures.group_year", ("kuota", "iuran", "klaim", "kecelakaan")),
    ("web.figures.group_questions", ("pertanyaan", "jawaban")),
)


# ---- cells -----------------------------------------------------------------------------------------------


def _text(value: str) -> Cell:
    return Cell(value, value)


def _count(value: int) -> Cell:
    return Cell(number(value), value, numeric=True)


def _money(texts: Texts, amount: int) -> Cell:
    return Cell(texts.rupiah(amount), amount, numeric=True)


def _percent(part: int, whole: int, language: str) -> Cell:
    shown = percent_text(part, whole, language)
    return Cell(shown, shown, numeric=True)


def _chart(title: str, rows: Sequence[tuple[Cell, ...]], slug: str, value_column: int = -1) -> Markup | None:
    """Bars from the table's first column (label) and a count column; none for an empty table."""
    bars = [Bar(row[0].text, _as_int(row[value_column]), row[value_column].text) for row in rows]
    return Markup(bar_chart(title, bars, chart_id=f"grafik-{slug}")) if bars else None  # noqa: S704  # escaped there


def _as_int(cell: Cell) -> int:
    return cell.value if isinstance(cell.value, int) else 0


# ---- the tables ----------------------------------------------------------------------------------------


def figure_tables(shown: FiguresOverTime, texts: Texts, region: Region) -> tuple[FigureTable, ...]:
    """Every table of the page, in its order, from the desk's answer."""
    return (
        _by_kelurahan(shown, texts, region),
        _by_job_type(shown, texts),
        _over_time(shown, texts),
        _by_status(shown, texts),
        _quota(shown, texts),
        _premiums(shown, texts),
        _claims(shown, texts),
        _accidents(shown, texts),
        _questions(shown, texts),
        _answered_weeks(shown, texts),
    )


def _ranked(counts: Sequence[Count]) -> list[Count]:
    return sorted((c for c in counts if c.count), key=lambda c: (-c.count, c.key))


def _by_kelurahan(shown: FiguresOverTime, texts: Texts, region: Region) -> FigureTable:
    places = {k.code: k.name for k in region.all_kelurahan}

    def kecamatan(code: str) -> str:
        found = region.kecamatan_of(code)
        return found.name if found else "–"

    rows = tuple(
        (_text(places.get(c.key, c.key)), _text(kecamatan(c.key)), _count(c.count))
        for c in _ranked(shown.figures.counts.by_kelurahan)
    )
    caption = texts("web.figures.kelurahan")
    return FigureTable(
        "kelurahan",
        caption,
        (
            texts("web.figures.col_kelurahan"),
            texts("web.figures.col_kecamatan"),
            texts("web.figures.col_registrations"),
        ),
        rows,
        _chart(caption, rows, "kelurahan"),
        texts("web.figures.not_counted_by_place"),
    )


def _by_job_type(shown: FiguresOverTime, texts: Texts) -> FigureTable:
    names = {job.id: job.name for job in texts.programme.job_types}

    def label(job_id: str) -> str:
        return texts("figures.job_other") if job_id == OTHER_JOB else names.get(job_id, job_id)

    rows = tuple((_text(label(c.key)), _count(c.count)) for c in _ranked(shown.figures.counts.by_job_type))
    caption = texts("web.figures.job_types")
    return FigureTable(
        "pekerjaan",
        caption,
        (texts("web.figures.col_job_type"), texts("web.figures.col_registrations")),
        rows,
        _chart(caption, rows, "pekerjaan"),
        texts("web.figures.not_counted_by_place"),
    )


def _over_time(shown: FiguresOverTime, texts: Texts) -> FigureTable:
    locale = _BABEL_LOCALE.get(texts.language, "id_ID")
    rows = tuple(
        (
            _text(format_date(m.month, "MMMM yyyy", locale=locale)),
            _count(m.registered),
            _count(m.registered_total),
            _count(m.active_total),
        )
        for m in shown.months
    )
    caption = texts("web.figures.over_time")
    return FigureTable(
        "bulan",
        caption,
        (
            texts("web.figures.col_month"),
            texts("web.figures.col_sent"),
            texts("web.figures.col_sent_total"),
            texts("web.figures.col_active_total"),
        ),
        rows,
        _chart(texts("web.figures.over_time_chart"), rows, "bulan", value_column=1),
    )


def _by_status(shown: FiguresOverTime, texts: Texts) -> FigureTable:
    rows = tuple(
        (_text(texts(STATUS_LABELS[c.key]) if c.key in STATUS_LABELS else c.key), _count(c.count))
        for c in shown.figures.counts.by_status
    )
    total = sum(c.count for c in shown.figures.counts.by_status)
    return FigureTable(
        "status",
        texts("web.figures.by_status"),
        (texts("web.figures.col_status"), texts("web.figures.col_count")),
        (*rows, (_text(texts("web.figures.total")), _count(total))),
    )


def _two_columns(texts: Texts) -> tuple[str, str]:
    return texts("web.figures.col_what"), texts("web.figures.col_figure")


def _quota(shown: FiguresOverTime, texts: Texts) -> FigureTable:
    figures = shown.figures
    year = str(figures.year)
    waiting = figures.count_of("waiting_list")
    used = (_text(texts("web.figures.quota_used")), _count(figures.quota_used))
    waiting_row = (_text(texts("web.figures.quota_waiting")), _count(waiting))
    caption = texts("web.figures.quota", year=year)
    if figures.quota_places is None:
        places = (_text(texts("web.figures.quota_places", year=year)), _text(texts("web.figures.quota_not_set")))
        return FigureTable("kuota", caption, _two_columns(texts), (places, used, waiting_row))
    rows = (
        (_text(texts("web.figures.quota_places", year=year)), _count(figures.quota_places)),
        used,
        (_text(texts("web.figures.quota_left")), _count(max(figures.quota_places - figures.quota_used, 0))),
        (
            _text(texts("web.figures.quota_percent")),
            _percent(figures.quota_used, figures.quota_places, texts.language),
        ),
        waiting_row,
    )
    chart_rows = (rows[0], used, waiting_row)
    return FigureTable("kuota", caption, _two_columns(texts), rows, _chart(caption, chart_rows, "kuota"))


def _premiums(shown: FiguresOverTime, texts: Texts) -> FigureTable:
    figures = shown.figures
    monthly = texts.programme.premium.monthly
    year = str(figures.year)
    rows = (
        (_text(texts("web.figures.premium_active")), _count(figures.active)),
        (_text(texts("web.figures.premium_monthly")), _money(texts, monthly)),
        (_text(texts("web.figures.premium_per_month")), _money(texts, figures.active * monthly)),
        (_text(texts("web.figures.premium_year", year=year)), _money(texts, figures.premiums_year)),
    )
    return FigureTable(
        "iuran",
        texts("web.figures.premiums", year=year),
        _two_columns(texts),
        rows,
        note=texts("web.figures.premiums_note"),
    )


def _claims(shown: FiguresOverTime, texts: Texts) -> FigureTable:
    figures = shown.figures
    rows = (
        (_text(texts("web.figures.claims_paid")), _count(figures.claims_paid)),
        (_text(texts("web.figures.claims_paid_total")), _money(texts, figures.claims_paid_total)),
        (_text(texts("web.figures.claims_open")), _count(figures.claims_open)),
    )
    return FigureTable("klaim", texts("web.figures.claims"), _two_columns(texts), rows)


def _accidents(shown: FiguresOverTime, texts: Texts) -> FigureTable:
    year = str(shown.figures.year)
    rows = ((_text(texts("web.figures.accident_reports", year=year)), _count(shown.figures.accident_reports)),)
    return FigureTable("kecelakaan", texts("web.figures.accidents", year=year), _two_columns(texts), rows)


def _questions(shown: FiguresOverTime, texts: Texts) -> FigureTable:
    figures = shown.figures
    label = texts("web.figures.unanswered_count", days=str(figures.unanswered_days))
    return FigureTable(
        "pertanyaan",
        texts("web.figures.unanswered"),
        _two_columns(texts),
        ((_text(label), _count(figures.unanswered_count)),),
        note=texts("web.figures.unanswered_note"),
    )


def _answered_weeks(shown: FiguresOverTime, texts: Texts) -> FigureTable:
    rows = tuple(
        (
            _text(texts("web.figures.week", week=str(w.week), monday=texts.day(w.monday))),
            _count(w.asked),
            _count(w.answered),
            _percent(w.answered, w.asked, texts.language),
        )
        for w in shown.figures.question_weeks
    )
    return FigureTable(
        "jawaban",
        texts("web.figures.answered_weeks"),
        (
            texts("web.figures.col_week"),
            texts("web.figures.col_asked"),
            texts("web.figures.col_answered"),
            texts("web.figures.col_percent"),
        ),
        rows,
    )


# ---- the sponsors' tables ------------------------------------------------------------------------------


def _unknown(texts: Texts) -> Cell:
    """A figure the programme file does not give: said so, never shown as 0 (empty in the CSV)."""
    return Cell(texts("web.figures.not_in_programme_file"), "", numeric=True)


def _share(texts: Texts, percent: float | None) -> Cell:
    if percent is None:
        return Cell(texts("web.figures.cannot_be_worked_out"), "", numeric=True)
    shown = share_text(percent, texts.language)
    return Cell(shown, shown, numeric=True)


def _funder(texts: Texts, funder: str) -> str:
    key = FUNDER_LABELS.get(funder)
    return texts(key) if key else funder


def sponsor_tables(view: SponsorFiguresView, texts: Texts) -> tuple[FigureTable, ...]:
    """The "Donatur" section's tables, in SPONSOR_TABLES' order; the ASN's only where ASN sponsor."""
    rules = texts.programme.sponsors
    asn = rules is not None and "asn" in rules.kinds
    tables = [_sponsors_by_kind(view, texts)]
    if asn:
        tables += [_asn_share(view, texts), _by_organisation(view, texts), _furthest(view, texts)]
    tables += [_workers_by_funder(view, texts), _months_and_codes(view, texts)]
    return tuple(tables)


def _counted(texts: Texts, counts: Sequence[FundedCount]) -> tuple[tuple[Cell, ...], ...]:
    rows = tuple((_text(_funder(texts, c.funder)), _count(c.workers)) for c in counts)
    return (*rows, (_text(texts("web.figures.total")), _count(sum(c.workers for c in counts))))


def _sponsors_by_kind(view: SponsorFiguresView, texts: Texts) -> FigureTable:
    return FigureTable(
        "donatur-jenis",
        texts("web.figures.sponsors"),
        (texts("web.figures.col_sponsor_kind"), texts("web.figures.col_sponsors")),
        _counted(texts, view.sponsors_by_kind),
        note=texts("web.figures.sponsors_note"),
    )


def _asn_share(view: SponsorFiguresView, texts: Texts) -> FigureTable:
    rules = texts.programme.sponsors
    needed = asn_needed(view)
    total = _count(view.asn_total) if view.asn_total is not None else _unknown(texts)
    target = _share(texts, view.target_percent) if view.target_percent is not None else _unknown(texts)
    rows = (
        (_text(texts("web.figures.asn_sponsors")), _count(view.asn_sponsors)),
        (_text(texts("web.figures.asn_total")), total),
        (_text(texts("web.figures.asn_share")), _share(texts, view.asn_share_percent)),
        (_text(texts("web.figures.asn_target")), target),
        (_text(texts("web.figures.asn_needed")), _count(needed) if needed is not None else _share(texts, None)),
    )
    notes = [] if view.asn_total is not None else [texts("web.figures.asn_total_unknown")]
    if rules is not None and rules.asn_total is not None and rules.asn_total_as_of is not None:
        notes.append(texts("web.figures.asn_total_as_of", day=texts.day(rules.asn_total_as_of)))
    if rules is not None and rules.target_source:
        notes.append(texts("web.figures.asn_target_source", source=rules.target_source))
    return FigureTable("donatur-asn", texts("web.figures.asn"), _two_columns(texts), rows, note=" ".join(notes))


def _organisation_rows(
    texts: Texts, organisations: Sequence[OrganisationFigures], with_asn: bool
) -> tuple[tuple[Cell, ...], ...]:
    """An OPD's sponsors; with `with_asn` (some OPD's ASN are in the programme file), its ASN and share too."""
    if not with_asn:
        return tuple((_text(o.name), _count(o.sponsors)) for o in organisations)
    return tuple(
        (
            _text(o.name),
            _count(o.sponsors),
            _count(o.asn) if o.asn is not None else _unknown(texts),
            _share(texts, o.share_percent),
        )
        for o in organisations
    )


def _organisation_headers(texts: Texts, with_asn: bool) -> tuple[str, ...]:
    headers = (texts("web.figures.col_organisation"), texts("web.figures.col_sponsors"))
    return (*headers, texts("web.figures.col_asn"), texts("web.figures.col_share")) if with_asn else headers


def _by_organisation(view: SponsorFiguresView, texts: Texts) -> FigureTable:
    """Every OPD; the ASN and share columns only where the programme file gives some OPD's ASN (else the
    note says they are not known, rather than a column of blanks)."""
    with_asn = furthest_by_share(view.by_organisation)
    rows = _organisation_rows(texts, view.by_organisation, with_asn)
    caption = texts("web.figures.organisations")
    with_sponsors = tuple(row for row in rows if _as_int(row[1]))
    return FigureTable(
        "donatur-opd",
        caption,
        _organisation_headers(texts, with_asn),
        rows,
        _chart(caption, with_sponsors, "donatur-opd", value_column=1),
        "" if with_asn else texts("web.figures.organisations_no_asn"),
    )


def _furthest(view: SponsorFiguresView, texts: Texts) -> FigureTable:
    with_asn = furthest_by_share(view.by_organisation)
    if with_asn:
        note = texts("web.figures.furthest_by_share")
        if not view.furthest_from_target:
            note += " " + texts("web.figures.furthest_none")
    else:
        note = texts("web.figures.furthest_by_count")
    return FigureTable(
        "donatur-terjauh",
        texts("web.figures.furthest"),
        _organisation_headers(texts, with_asn),
        _organisation_rows(texts, view.furthest_from_target, with_asn),
        note=note,
    )


def _workers_by_funder(view: SponsorFiguresView, texts: Texts) -> FigureTable:
    return FigureTable(
        "donatur-pekerja",
        texts("web.figures.funded"),
        (texts("web.figures.col_funder"), texts("web.figures.col_workers")),
        _counted(texts, view.workers_by_funder),
        note=texts("web.figures.funded_note"),
    )


def _months_and_codes(view: SponsorFiguresView, texts: Texts) -> FigureTable:
    rules = texts.programme.sponsors
    days = str(rules.missed_after_days if rules else 0)
    rows = (
        (_text(texts("web.figures.months_due")), _count(view.periods_due)),
        (_text(texts("web.figures.months_missed", days=days)), _count(view.periods_missed)),
        (_text(texts("web.figures.offers_waiting")), _count(view.offers_waiting)),
    )
    return FigureTable(
        "donatur-iuran",
        texts("web.figures.sponsor_months"),
        _two_columns(texts),
        rows,
        note=texts("web.figures.sponsor_months_note"),
    )


# ---- CSV -------------------------------------------------------------------------------------------------


def table_csv(table: FigureTable) -> bytes:
    """The table as Excel opens it: UTF-8 with a BOM, `;`-separated, formulas made harmless."""
    return csv_bytes(table.headers, ([cell.value for cell in row] for row in table.rows))


# ---- the year asked for ----------------------------------------------------------------------------------


def parse_year(typed: str) -> int | None:
    """The year in `?tahun=`; None when it is empty or not a year (the page then says what to choose)."""
    if typed.isdecimal() and len(typed) == 4 and _FIRST_YEAR <= int(typed) <= _LAST_YEAR:
        return int(typed)
    return None


def _years_offered(shown: FiguresOverTime, programme: Programme, this_year: int) -> list[int]:
    """From the first registration's year to next year (its budget is planned this year), with the
    programme's quota years, the budget years of participants recorded, and the year shown."""
    first = min([m.month.year for m in shown.months[:1]] + [this_year])
    recorded = (year.year for year in shown.figures.participant_years)
    quota_years = (quota.year for quota in programme.quotas)
    return sorted({*range(first, this_year + 2), *recorded, *quota_years, shown.figures.year})


# ---- the pages -------------------------------------------------------------------------------------------


async def _figures(visit: Visit, year: int | None) -> FiguresOverTime:
    visit.require_admin()
    found = await visit.ask(ShowFiguresOverTime(year))
    if not isinstance(found, FiguresOverTime):  # the desk reads the role again: revoked meanwhile
        raise AdminsOnly
    return found


def _tables(visit: Visit, shown: FiguresOverTime) -> tuple[FigureTable, ...]:
    return figure_tables(shown, visit.texts, visit.desk.jaring.region)


async def _sponsor_tables(visit: Visit) -> tuple[FigureTable, ...]:
    """The "Donatur" tables, asked of the desk the chat asks; none where the programme has no sponsors."""
    if visit.desk.jaring.programme.sponsors is None:
        return ()
    found = await visit.ask(SponsorFigures())
    if isinstance(found, RoleRefused):  # the desk reads the role again: revoked meanwhile
        raise AdminsOnly
    if isinstance(found, SponsorsOff):
        return ()
    return sponsor_tables(found, visit.texts)


def routes(desk: Desk) -> list[BaseRoute]:
    async def figures_page(visit: Visit) -> Response:
        typed = visit.field("tahun")
        year = parse_year(typed)
        shown = await _figures(visit, year)
        this_year = visit.desk.jaring.programme.local_date(visit.now).year
        problem = visit.texts("web.figures.bad_year", typed=typed, year=str(this_year)) if typed and not year else ""
        tables = {table.slug: table for table in _tables(visit, shown)}
        year_text = str(shown.figures.year)
        groups = [(visit.texts(key, year=year_text), [tables[s] for s in slugs]) for key, slugs in GROUPS]
        if sponsors := await _sponsor_tables(visit):
            today = visit.texts.day(visit.now)
            groups.append((visit.texts("web.figures.group_sponsors", today=today), list(sponsors)))
        return visit.page(
            "figures/figures.html",
            shown=shown,
            groups=groups,
            years=_years_offered(shown, visit.texts.programme, this_year),
            problem=problem,
        )

    async def table_download(visit: Visit) -> Response:
        visit.require_admin()
        slug = str(visit.request.path_params["table"])
        if slug in SPONSOR_TABLES:
            return await _sponsor_download(visit, slug)
        if slug not in TABLES:
            raise NotFound
        year = parse_year(visit.field("tahun"))
        shown = await _figures(visit, year)
        table = next(t for t in _tables(visit, shown) if t.slug == slug)
        return visit.download(table_csv(table), f"angka-{slug}-{shown.figures.year}.csv", "text/csv; charset=utf-8")

    async def _sponsor_download(visit: Visit, slug: str) -> Response:
        visit.require_admin()
        table = next((t for t in await _sponsor_tables(visit) if t.slug == slug), None)
        if table is None:  # no sponsors, or no ASN sponsors, in this programme
            raise NotFound
        today = visit.desk.jaring.programme.local_date(visit.now)
        return visit.download(table_csv(table), f"angka-{slug}-{today:%d-%m-%Y}.csv", "text/csv; charset=utf-8")

    return [
        page_route(desk, "/angka", figures_page),
        page_route(desk, "/angka/{table}.csv", table_download),
    ]
