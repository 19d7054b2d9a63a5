"""The Dinas's figures of the sponsors: gathered from the store (db/repositories/sponsor_figures.py), worded
by the core (conversations/sponsor_figures.py) for the chat's "Angka donatur" and `jaring sponsors
figures`, laid out as tables on the web desk's figures page. Admins only; every view is in the audit log
("figures.viewed", what "sponsors").

- Sponsors by kind: not stopped, with a sponsorship accepted or active. The ASN among them against the
  programme file's `asn_total` and `target_percent`; per OPD against its `asn` where given.
- Workers by funder: approved or active registrations, by the kind of their active sponsor, else "apbd"
  when they hold a place of a year's quota (`quota_year`), else "" (not recorded).
- Months due and missed now: every period of every active sponsorship, judged by
  `conversations.sponsorship.period_state`, less those said paid.
- Codes given for a named worker and not used yet (nor expired)."""

from __future__ import annotations

from datetime import datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.desks.call import DeskCall, unless_admin
from bot.desks.figures import record_figures_viewed
from conversations.programme import Programme
from conversations.requests.base import RoleRefused
from conversations.requests.sponsors import (
    FundedCount,
    OrganisationFigures,
    SponsorFigures,
    SponsorFiguresView,
    SponsorsOff,
)
from conversations.sponsor_figures import FUNDER_NONE, furthest_from_target, period_counts, share_percent
from conversations.sponsorship import FUNDER_APBD
from db.repositories import sponsor_figures as store

__all__ = ["gather_sponsor_figures", "sponsor_figures"]


async def sponsor_figures(call: DeskCall, request: SponsorFigures) -> SponsorFiguresView | SponsorsOff | RoleRefused:
    if refused := await unless_admin(call, request):
        return refused
    found = await gather_sponsor_figures(call.session, call.programme, now=call.now)
    if isinstance(found, SponsorFiguresView):
        await record_figures_viewed(call, what="sponsors")
    return found


async def gather_sponsor_figures(
    session: AsyncSession, programme: Programme, *, now: datetime
) -> SponsorFiguresView | SponsorsOff:
    rules = programme.sponsors
    if rules is None:
        return SponsorsOff()
    paying = await store.paying_sponsors(session, programme.id)
    by_kind: dict[str, int] = dict.fromkeys(rules.kinds, 0)
    by_organisation: dict[str, int] = {}
    for (kind, organisation_id), count in paying.items():
        by_kind[kind] = by_kind.get(kind, 0) + count
        if kind == "asn":
            by_organisation[organisation_id] = by_organisation.get(organisation_id, 0) + count
    asn_sponsors = by_kind.get("asn", 0)
    asn_total = rules.asn_total if "asn" in rules.kinds else None
    organisations = _organisations(programme, by_organisation) if "asn" in rules.kinds else ()

    funded = await store.funded_workers(session, programme.id)
    workers = [FundedCount(kind, funded.by_sponsor_kind.get(kind, 0)) for kind in rules.kinds]
    workers += [
        FundedCount(kind, count) for kind, count in sorted(funded.by_sponsor_kind.items()) if kind not in rules.kinds
    ]
    workers.append(FundedCount(FUNDER_APBD, funded.quota))
    if funded.unknown:
        workers.append(FundedCount(FUNDER_NONE, funded.unknown))

    today = programme.local_date(now)
    months = period_counts(
        rules,
        await store.active_commitments(session, programme.id),
        await store.paid_in_active_commitments(session, programme.id),
        today,
    )
    return SponsorFiguresView(
        sponsors_by_kind=tuple(FundedCount(kind, count) for kind, count in by_kind.items()),
        asn_sponsors=asn_sponsors,
        asn_total=asn_total,
        asn_share_percent=share_percent(asn_sponsors, asn_total),
        target_percent=rules.target_percent if "asn" in rules.kinds else None,
        by_organisation=organisations,
        furthest_from_target=furthest_from_target(organisations, rules.target_percent),
        workers_by_funder=tuple(workers),
        periods_due=months.due,
        periods_missed=months.missed,
        offers_waiting=await store.offers_waiting(session, programme.id, now),
    )


def _organisations(programme: Programme, counted: dict[str, int]) -> tuple[OrganisationFigures, ...]:
    """Every OPD of the programme file (and any the store names that the file no longer lists), most
    sponsors first, in the file's order among equals."""
    rules = programme.sponsors
    listed = rules.organisations if rules else ()
    known = {o.id for o in listed}
    rows = [
        OrganisationFigures(o.id, o.name, counted.get(o.id, 0), o.asn, share_percent(counted.get(o.id, 0), o.asn))
        for o in listed
    ]
    rows += [
        OrganisationFigures(organisation_id or "-", organisation_id or "-", count, None, None)
        for organisation_id, count in sorted(counted.items())
        if organisation_id not in known
    ]
    return tuple(sorted(rows, key=lambda o: -o.sponsors))
