"""The sponsors' figures for the Dinas, in words: what an admin reads in chat ("Angka donatur" in the
figures), what `jaring sponsors figures` prints, and the rules behind two of the numbers — the months due
and missed now (conversations.sponsorship's `period_state`), and which OPDs are furthest from the target.

Shares are written with two decimals, the way the Pemda reports them (974 of 10.345 ASN: 9,42%); a share
whose whole is unknown (no `asn_total`, no OPD's `asn` in the programme file) is said to be unknown, never
shown as 0%."""

from __future__ import annotations

import math
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from conversations.flow import Context
from conversations.messages import Msg, Reply, msg
from conversations.numbers import count_text
from conversations.programme import Sponsors
from conversations.requests.sponsors import FundedCount, OrganisationFigures, SponsorFiguresView
from conversations.sponsorship import FUNDER_APBD, Commitment, first_of_month, period_state

__all__ = [
    "FUNDER_LABELS",
    "FUNDER_NONE",
    "FURTHEST_SHOWN",
    "PeriodCounts",
    "asn_needed",
    "funder_label",
    "furthest_by_share",
    "furthest_from_target",
    "period_counts",
    "share_percent",
    "share_text",
    "sponsor_figures_replies",
]

FURTHEST_SHOWN = 5  # OPDs named as furthest from the target
FUNDER_NONE = ""  # an approved or active worker with no funder recorded (neither a sponsor nor a quota place)
FUNDER_LABELS = {
    "asn": "sponsor_figures.kind_asn",
    "csr": "sponsor_figures.kind_csr",
    "bumd": "sponsor_figures.kind_bumd",
    FUNDER_APBD: "sponsor_figures.funder_apbd",
    FUNDER_NONE: "sponsor_figures.funder_none",
}


# ---- numbers -------------------------------------------------------------------------------------------


def share_percent(part: int, whole: int | None) -> float | None:
    """`part` of `whole` in percent; None when the whole is not known."""
    return 100 * part / whole if whole else None


def share_text(percent: float, language: str) -> str:
    """Two decimals with the language's marks: 9,42% (id) or 9.42% (en)."""
    text = f"{percent:,.2f}"
    if language != "en":
        text = text.replace(",", "\0").replace(".", ",").replace("\0", ".")
    return text + "%"


def asn_needed(view: SponsorFiguresView) -> int | None:
    """ASN sponsors still needed to reach the target share (0 once reached); None when either is unknown."""
    if view.asn_total is None or view.target_percent is None:
        return None
    aimed = math.ceil(round(view.asn_total * view.target_percent / 100, 6))
    return max(aimed - view.asn_sponsors, 0)


def funder_label(funder: str) -> Msg | str:
    key = FUNDER_LABELS.get(funder)
    return msg(key) if key else funder


@dataclass(slots=True)
class PeriodCounts:
    """Months of active sponsorships not recorded as paid: `due` (from the due day) and `missed`
    (`missed_after_days` after it)."""

    due: int = 0
    missed: int = 0


def period_counts(
    rules: Sponsors,
    commitments: Iterable[tuple[date, int, int]],
    paid: Iterable[tuple[date, int, date, int]],
    today: date,
) -> PeriodCounts:
    """`commitments`: (start month, months, how many active sponsorships have them); `paid`: (start month,
    months, period, how many of those said that period paid). Every period of every commitment is judged
    by `period_state` as if unpaid, then the paid ones are taken off again: the store only groups, so this
    stays a few dozen rows whatever the number of sponsors."""
    counts = PeriodCounts()
    for start, months, count in commitments:
        for period in Commitment(start, months).periods:
            _add(counts, period_state(rules, period, False, today), count)
    for start, months, period, count in paid:
        if period == first_of_month(period) and Commitment(start, months).covers(period):
            _add(counts, period_state(rules, period, False, today), -count)
    return counts


def _add(counts: PeriodCounts, state: str, count: int) -> None:
    if state == "due":
        counts.due += count
    elif state == "missed":
        counts.missed += count


def furthest_by_share(organisations: Sequence[OrganisationFigures]) -> bool:
    """Whether the OPDs are ranked by their share (some OPD's ASN are in the programme file), or, with no
    OPD's ASN known, by how few sponsors they have."""
    return any(o.share_percent is not None for o in organisations)


def furthest_from_target(
    organisations: Sequence[OrganisationFigures], target_percent: float | None
) -> tuple[OrganisationFigures, ...]:
    """Up to FURTHEST_SHOWN OPDs: by share where known (those below the target, the lowest first), else
    those with the fewest sponsors (in the programme file's order among equals)."""
    if furthest_by_share(organisations):
        known = [o for o in organisations if o.share_percent is not None]
        below = [o for o in known if target_percent is None or (o.share_percent or 0) < target_percent]
        return tuple(sorted(below, key=lambda o: o.share_percent or 0)[:FURTHEST_SHOWN])
    return tuple(sorted(organisations, key=lambda o: o.sponsors)[:FURTHEST_SHOWN])


# ---- the figures as replies ------------------------------------------------------------------------------


def sponsor_figures_replies(ctx: Context, view: SponsorFiguresView) -> tuple[Reply, ...]:
    """Sponsors by kind and the ASN share against the target; the OPDs (where ASN sponsor); the workers by
    who pays, the months due and missed, the codes waiting."""
    replies = [Reply.of(*_sponsors(ctx, view))]
    if _has_asn(ctx):
        replies.append(Reply.of(*_organisations(ctx, view)))
    replies.append(Reply.of(*_workers_and_months(ctx, view)))
    return tuple(replies)


def _has_asn(ctx: Context) -> bool:
    rules = ctx.programme.sponsors
    return rules is not None and "asn" in rules.kinds


def _n(ctx: Context, value: int) -> str:
    return count_text(value, ctx.language)


def _count_lines(ctx: Context, counts: Sequence[FundedCount]) -> tuple[Msg, ...]:
    lines = tuple(msg("sponsor_figures.line", label=funder_label(c.funder), count=_n(ctx, c.workers)) for c in counts)
    return lines or (msg("sponsor_figures.none"),)


def _sponsors(ctx: Context, view: SponsorFiguresView) -> tuple[Msg, ...]:
    said = [
        msg(
            "sponsor_figures.sponsors",
            programme=ctx.programme.name,
            today=ctx.today.strftime("%d-%m-%Y"),
            lines=_count_lines(ctx, view.sponsors_by_kind),
            total=_n(ctx, sum(c.workers for c in view.sponsors_by_kind)),
        )
    ]
    if _has_asn(ctx):
        said.append(_asn_share(ctx, view))
    return tuple(said)


def _asn_share(ctx: Context, view: SponsorFiguresView) -> Msg:
    sponsors = _n(ctx, view.asn_sponsors)
    if view.asn_total is None or view.asn_share_percent is None:
        return msg("sponsor_figures.asn_total_unknown", sponsors=sponsors)
    share = msg(
        "sponsor_figures.asn_share",
        sponsors=sponsors,
        total=_n(ctx, view.asn_total),
        percent=share_text(view.asn_share_percent, ctx.language),
    )
    needed = asn_needed(view)
    if view.target_percent is None or needed is None:
        return msg("sponsor_figures.with_target", share=share, target=msg("sponsor_figures.target_not_set"))
    rules = ctx.programme.sponsors
    source = rules.target_source if rules else ""
    target = msg(
        "sponsor_figures.target" if needed else "sponsor_figures.target_reached",
        target=share_text(view.target_percent, ctx.language),
        source=msg("sponsor_figures.target_source", source=source) if source else "",
        needed=_n(ctx, needed),
    )
    return msg("sponsor_figures.with_target", share=share, target=target)


def _organisation_line(ctx: Context, o: OrganisationFigures) -> Msg:
    if o.asn is None or o.share_percent is None:
        return msg("sponsor_figures.organisation_line", name=o.name, sponsors=_n(ctx, o.sponsors))
    return msg(
        "sponsor_figures.organisation_share_line",
        name=o.name,
        sponsors=_n(ctx, o.sponsors),
        asn=_n(ctx, o.asn),
        percent=share_text(o.share_percent, ctx.language),
    )


def _organisations(ctx: Context, view: SponsorFiguresView) -> tuple[Msg, ...]:
    """The OPDs with sponsors, most first, and how many have none yet; then the furthest from the target."""
    with_sponsors = [o for o in view.by_organisation if o.sponsors]
    lines = tuple(_organisation_line(ctx, o) for o in with_sponsors) or (msg("sponsor_figures.none"),)
    without = len(view.by_organisation) - len(with_sponsors)
    said = [msg("sponsor_figures.by_organisation", lines=lines)]
    if without:
        said.append(msg("sponsor_figures.organisations_without", count=_n(ctx, without)))
    furthest = tuple(_organisation_line(ctx, o) for o in view.furthest_from_target)
    if furthest_by_share(view.by_organisation):
        said.append(
            msg("sponsor_figures.furthest_by_share", lines=furthest)
            if furthest
            else msg("sponsor_figures.furthest_none")
        )
    elif furthest:
        said.append(msg("sponsor_figures.furthest_by_count", lines=furthest))
    return tuple(said)


def _workers_and_months(ctx: Context, view: SponsorFiguresView) -> tuple[Msg, ...]:
    rules = ctx.programme.sponsors
    return (
        msg(
            "sponsor_figures.workers",
            lines=_count_lines(ctx, view.workers_by_funder),
            total=_n(ctx, sum(c.workers for c in view.workers_by_funder)),
        ),
        msg(
            "sponsor_figures.periods",
            due=_n(ctx, view.periods_due),
            missed=_n(ctx, view.periods_missed),
            days=rules.missed_after_days if rules else 0,
        ),
        msg("sponsor_figures.offers", count=_n(ctx, view.offers_waiting)),
    )
