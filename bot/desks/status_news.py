"""A registration's status changes, and the worker and the leader who registered them are told: what it
means and what happens next, in plain words and in each person's own language, through the outbox in
the same transaction as the change."""

from __future__ import annotations

from datetime import date, datetime

from sqlalchemy.ext.asyncio import AsyncSession

from bot.desks.sponsor_funding import SPONSOR_ACTOR, after_status_change, payer_words
from conversations.flows.statuses import STATUS_KEYS, status_text
from conversations.letters import Letter
from conversations.messages import Money, Msg, msg
from conversations.programme import Programme
from db.models import Registration
from db.repositories import audit, participant_years, registrations

__all__ = ["UnknownRegistration", "change_status", "status_news"]

# The news for each status a person decides on; other statuses get the short "status.changed".
_NEWS = {
    "verified": "news.verified",
    "approved": "news.approved",
    "waiting_list": "news.waiting_list",
    "returned": "news.returned",
    "rejected": "news.rejected",
    "active": "news.active",
}


class UnknownRegistration(LookupError):
    pass


async def change_status(
    session: AsyncSession,
    post: list[Letter],
    registration_id: int,
    status: str,
    *,
    now: datetime,
    actor: str,
    actor_contact_id: int | None = None,
    reason: str = "",
    kpj: str = "",
    coverage_start: date | None = None,
    quota_year: int | None = None,
    programme: Programme | None = None,
    effective_at: datetime | None = None,
) -> Registration:
    """Set the status, record the event and the audit entry, and put the news for the people concerned
    in `post` (the outbox writer queues it in their languages).

    `quota_year`: the year whose quota an approval counts against. `programme`: names the Dinas and gives
    the figures (what an active participant is protected against); without it the news stays general.
    `effective_at`: when the change takes effect, the event's time (coverage reads it), if not `now`; the
    audit entry keeps `now`.

    A sponsor's part comes last (bot/desks/sponsor_funding.py): verified with a sponsor waiting, the
    registration is approved at once, funded by the sponsor; approved, the sponsor starts paying; active,
    the sponsor hears the worker is enrolled; rejected or ended, the sponsorship ends.
    """
    if status not in STATUS_KEYS or status == "deleted":
        raise ValueError(f"unknown status {status!r}; one of {', '.join(k for k in STATUS_KEYS if k != 'deleted')}")
    row = await registrations.get_registration(session, registration_id)
    if row is None or row.erased_at is not None:
        raise UnknownRegistration(f"no registration {registration_id}")
    row.status, row.status_reason, row.updated_at = status, reason or None, now
    if kpj:
        row.kpj = kpj
    if coverage_start is not None:
        row.coverage_start = coverage_start
    if quota_year is not None:
        row.quota_year = quota_year
        if status == "approved":  # a place in that year's quota: a new participant that year
            await participant_years.record_years(
                session, row.programme_id, [(row.id, quota_year, "new")], source="approval", now=now
            )
    await registrations.record_event(
        session, row.id, status, actor_contact_id, effective_at or now, reason=reason or None
    )
    await audit.record_audit(
        session,
        "registration.status_changed",
        now=now,
        actor_contact_id=actor_contact_id,
        subject=f"registration:{row.id}",
        detail={"status": status, "by": actor},
    )
    funding: list[Letter] = []  # what the change means for a sponsor paying: said after the news
    then = await after_status_change(session, funding, row, programme, now)
    if then is not None:  # verified with a sponsor waiting: approved at once, and only that is told
        return await change_status(
            session, post, row.id, then, now=now, actor=SPONSOR_ACTOR, programme=programme, effective_at=effective_at
        )
    told = {row.registrant_contact_id, row.operator_contact_id}
    payer = await payer_words(session, programme, row) if programme is not None and status == "active" else None
    for contact_id in sorted(c for c in told if c is not None):
        news = status_news(row, programme, for_leader=contact_id != row.registrant_contact_id, paid_by=payer)
        post.append(Letter.of(contact_id, news))
    post.extend(funding)
    return row


def status_news(
    row: Registration, programme: Programme | None, *, for_leader: bool, paid_by: str | Msg | None = None
) -> Msg:
    """What the worker (or the RT/RW leader who registered them) is told about the registration's status
    (`paid_by`: who pays their premium, as they may be told it; the programme file's payer if not given)."""
    key = _NEWS.get(row.status)
    name = row.full_name or "-"
    if key is None:
        return msg("status.changed", number=row.id, name=name, status=status_text(row.status, row.status_reason or ""))
    dinas: Msg | str = programme.dinas_name if programme is not None else msg("news.the_dinas")
    where = msg("news.where_neighbours") if for_leader else msg("news.where_mine")
    reason = row.status_reason or "-"
    if row.status == "active":
        return _active_news(row, programme, dinas, paid_by)
    return msg(key, number=row.id, name=name, dinas=dinas, reason=reason, where=where)


def _active_news(row: Registration, programme: Programme | None, dinas: Msg | str, paid_by: str | Msg | None) -> Msg:
    start: date | Msg = row.coverage_start if row.coverage_start is not None else msg("news.start_unknown")
    if programme is None:
        protection = msg("news.protection_general")
        card = msg("news.card_general", dinas=dinas)
    else:
        benefits = programme.benefits
        protection = msg(
            "news.protection",
            jkm=Money(benefits.jkm.total),
            jkk_death=Money(benefits.jkk_death_total(programme.premium.declared_income)),
            premium=Money(programme.premium.monthly),
            paid_by=paid_by or programme.premium.paid_by,
        )
        branch = programme.office("bpjs_branch")
        card = msg(
            "news.card",
            branch=branch.name if branch is not None else msg("news.the_branch"),
            dinas=dinas,
            call_centre=programme.call_centre,
        )
    return msg(
        "news.active",
        number=row.id,
        name=row.full_name or "-",
        kpj=row.kpj or "-",
        start=start,
        protection=protection,
        card=card,
    )
