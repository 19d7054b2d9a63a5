"""What each benefit topic answers: short, plain, the figure first, and every figure from the programme
file (`ctx.programme`), never from code or a translation string.

`TOPIC_TITLES` names each topic (it becomes a button or a list row on WhatsApp: at most 24 characters).
`answer(topic_id, ctx)` gives the answer's parts; "calculator" and "claim_help" start other flows, so
their answer is a one-line lead-in. Where the facts are uncertain, the answer says so and points to the
kantor cabang or the call centre.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping
from types import MappingProxyType

from conversations.flow import Context
from conversations.messages import Money, Msg, msg
from conversations.programme import ClaimDocument, Programme

__all__ = ["TOPIC_TITLES", "answer"]

_JOB_EXAMPLES = 3  # how many job types an answer names as examples

TOPIC_TITLES: Mapping[str, Msg] = MappingProxyType(
    {
        "about": msg("faq.about.title"),
        "premium": msg("faq.premium.title"),
        "premium_discount": msg("faq.discount.title"),
        "unpaid_premium": msg("faq.unpaid.title"),
        "coverage_period": msg("faq.coverage.title"),
        "eligibility": msg("faq.eligibility.title"),
        "quota": msg("faq.quota.title"),
        "how_to_register": msg("faq.register.title"),
        "check_status": msg("faq.status.title"),
        "card_jmo": msg("faq.card.title"),
        "jkk_cover": msg("faq.jkk_cover.title"),
        "work_accident_definition": msg("faq.accident_definition.title"),
        "jkm": msg("faq.jkm.title"),
        "jkk_death": msg("faq.jkk_death.title"),
        "scholarship": msg("faq.scholarship.title"),
        "not_included": msg("faq.not_included.title"),
        "claim_documents_jkm": msg("faq.documents_jkm.title"),
        "claim_documents_jkk": msg("faq.documents_jkk.title"),
        "claim_documents_scholarship": msg("faq.documents_scholarship.title"),
        "where_to_claim": msg("faq.where.title"),
        "payment_time": msg("faq.payment.title"),
        "jkk_deadline": msg("faq.deadline.title"),
        "heirs_order": msg("faq.heirs.title"),
        "accident_report": msg("faq.report.title"),
        "offices": msg("faq.offices.title"),
        "data_rights": msg("faq.data.title"),
        "calculator": msg("faq.calculator.title"),
        "claim_help": msg("faq.claim_help.title"),
    }
)


def answer(topic_id: str, ctx: Context) -> tuple[Msg, ...]:
    """The answer's parts, in order. KeyError for a topic that is not in `TOPIC_TITLES`."""
    return _ANSWERS[topic_id](ctx)


# ---- the programme -------------------------------------------------------------------------------


def _about(ctx: Context) -> tuple[Msg, ...]:
    p = ctx.programme
    return (msg("faq.about.answer", programme=p.name, pemda=p.pemda, premium=Money(p.premium.monthly)),)


def _premium(ctx: Context) -> tuple[Msg, ...]:
    p = ctx.programme
    text = msg(
        "faq.premium.answer",
        monthly=Money(p.premium.monthly),
        pemda=p.pemda,
        paid_by=p.premium.paid_by,
        jkk=Money(p.premium.jkk),
        jkm=Money(p.premium.jkm),
        income=Money(p.premium.declared_income),
    )
    return _with_funding_note(p, text)


def _premium_discount(ctx: Context) -> tuple[Msg, ...]:
    p = ctx.programme
    text = msg(
        "faq.discount.answer",
        percent=p.premium.discount.percent,
        regulation=p.premium.discount.regulation,
        monthly=Money(p.premium.monthly),
    )
    if not p.funding_note:
        return (text,)
    # The premium is not (only) the regional budget's: whether the discount applies is not known.
    return (
        text,
        msg("faq.note", note=p.funding_note),
        msg("faq.discount.other_funders", call_centre=p.call_centre),
    )


def _unpaid_premium(ctx: Context) -> tuple[Msg, ...]:
    p = ctx.programme
    return (
        msg("faq.unpaid.answer", months=p.premium.inactive_after_unpaid_months, paid_by=p.premium.paid_by),
        msg("faq.unpaid.uncertain", call_centre=p.call_centre),
    )


def _coverage_period(ctx: Context) -> tuple[Msg, ...]:
    return (msg("faq.coverage.answer", months=ctx.programme.premium.inactive_after_unpaid_months),)


def _eligibility(ctx: Context) -> tuple[Msg, ...]:
    p = ctx.programme
    rules = p.eligibility
    lines: list[Msg] = []
    if rules.min_age is not None and rules.max_age is not None:
        lines.append(msg("faq.eligibility.age_band", min_age=rules.min_age, max_age=rules.max_age))
    elif rules.min_age is not None:
        lines.append(msg("faq.eligibility.age_min", min_age=rules.min_age))
    elif rules.max_age is not None:
        lines.append(msg("faq.eligibility.age_max", max_age=rules.max_age))
    jobs = {"count": _number(len(p.job_types), ctx), "examples": _job_examples(p)}
    lines.append(msg("faq.eligibility.jobs_listed" if rules.listed_jobs_only else "faq.eligibility.jobs_open", **jobs))
    if rules.resident_only:
        lines.append(msg("faq.eligibility.resident", region=_region_name(ctx)))
    if rules.poverty_register_required:
        lines.append(msg("faq.eligibility.poverty_register"))
    lines.append(msg("faq.eligibility.not_member"))
    parts = [msg("faq.eligibility.answer", programme=p.name, rules=tuple(lines))]
    groups = tuple(_PRIORITY_GROUPS[group] for group in rules.priority)
    if groups:
        parts.append(msg("faq.eligibility.priority", groups=groups))
    parts.append(msg("faq.eligibility.check"))
    return tuple(parts)


_PRIORITY_GROUPS = {
    "breadwinner": msg("faq.eligibility.priority_breadwinner"),
    "extremely_poor": msg("faq.eligibility.priority_extremely_poor"),
}


def _quota(ctx: Context) -> tuple[Msg, ...]:
    p = ctx.programme
    year = ctx.today.year
    quota = p.quota_for(year)
    if quota is not None:
        parts = [msg("faq.quota.this_year", year=quota.year, places=_number(quota.places, ctx))]
    elif p.quotas:
        quota = max(p.quotas, key=lambda q: q.year)
        parts = [msg("faq.quota.latest", year=quota.year, places=_number(quota.places, ctx))]
    else:
        parts = [msg("faq.quota.none")]
    if quota is not None and quota.note:
        parts.append(msg("faq.note", note=quota.note))
    parts.append(msg("faq.quota.live"))
    return tuple(parts)


def _how_to_register(_: Context) -> tuple[Msg, ...]:
    return (msg("faq.register.answer"),)


def _check_status(ctx: Context) -> tuple[Msg, ...]:
    return (msg("faq.status.answer", call_centre=ctx.programme.call_centre),)


def _card_jmo(ctx: Context) -> tuple[Msg, ...]:
    return (msg("faq.card.answer", call_centre=ctx.programme.call_centre),)


# ---- benefits ------------------------------------------------------------------------------------


def _jkk_cover(ctx: Context) -> tuple[Msg, ...]:
    p = ctx.programme
    jkk = p.benefits.jkk
    income = p.premium.declared_income
    return (
        msg(
            "faq.jkk_cover.answer",
            home_care_months=jkk.home_care_months,
            home_care_max=Money(jkk.home_care_max),
            transport_max=Money(jkk.transport_land_max),
            income=Money(income),
            full_months=jkk.income_full_months,
            after_percent=jkk.income_after_percent,
            disability_multiple=jkk.disability_income_multiple,
            disability_total=Money(jkk.disability_income_multiple * income),
        ),
    )


def _work_accident_definition(ctx: Context) -> tuple[Msg, ...]:
    days = ctx.programme.benefits.jkk.suspected_accident_decision_days
    return (msg("faq.accident_definition.answer", days=days),)


def _jkm(ctx: Context) -> tuple[Msg, ...]:
    jkm = ctx.programme.benefits.jkm
    return (
        msg(
            "faq.jkm.answer",
            total=Money(jkm.total),
            lump_sum=Money(jkm.lump_sum),
            months=jkm.periodic_months,
            monthly=Money(jkm.periodic_monthly),
            periodic_total=Money(jkm.periodic_total),
            funeral=Money(jkm.funeral),
        ),
    )


def _jkk_death(ctx: Context) -> tuple[Msg, ...]:
    p = ctx.programme
    income = p.premium.declared_income
    multiple = p.benefits.jkk.death_income_multiple
    return (
        msg(
            "faq.jkk_death.answer",
            total=Money(p.benefits.jkk_death_total(income)),
            multiple=multiple,
            income=Money(income),
            income_part=Money(multiple * income),
            periodic_total=Money(p.benefits.jkm.periodic_total),
            funeral=Money(p.benefits.jkm.funeral),
        ),
    )


def _scholarship(ctx: Context) -> tuple[Msg, ...]:
    s = ctx.programme.benefits.scholarship
    levels = tuple(
        msg("faq.scholarship.level", name=level.name, amount=Money(level.amount_per_year), years=level.years)
        for level in s.levels
    )
    return (
        msg(
            "faq.scholarship.answer",
            max_children=s.max_children,
            levels=levels,
            per_child=Money(s.per_child_total),
            all_children=Money(s.per_child_total * s.max_children),
        ),
        msg(
            "faq.scholarship.rule",
            min_years=s.min_membership_years_if_not_work_accident,
            max_age=s.child_max_age,
        ),
    )


def _not_included(_: Context) -> tuple[Msg, ...]:
    return (msg("faq.not_included.answer"),)


# ---- claims --------------------------------------------------------------------------------------


def _claim_documents_jkm(ctx: Context) -> tuple[Msg, ...]:
    documents = _numbered(ctx.programme.claims.jkm_documents)
    return (msg("faq.documents_jkm.answer", documents=documents),)


def _claim_documents_jkk(ctx: Context) -> tuple[Msg, ...]:
    documents = _numbered(ctx.programme.claims.jkk_documents)
    return (msg("faq.documents_jkk.answer", documents=documents), msg("faq.documents_jkk.death"))


def _claim_documents_scholarship(ctx: Context) -> tuple[Msg, ...]:
    documents = _numbered(ctx.programme.claims.scholarship_documents)
    return (msg("faq.documents_scholarship.answer", documents=documents), msg("faq.documents_scholarship.consent"))


def _where_to_claim(ctx: Context) -> tuple[Msg, ...]:
    branch = ctx.programme.office("bpjs_branch")
    name = branch.name if branch else msg("faq.where.nearest_branch")
    return (msg("faq.where.answer", branch=name, call_centre=ctx.programme.call_centre),)


def _payment_time(ctx: Context) -> tuple[Msg, ...]:
    p = ctx.programme
    return (
        msg(
            "faq.payment.answer",
            jkm_days=p.claims.jkm_payment_working_days,
            jkk_days=p.claims.jkk_payment_working_days,
            penalty=p.claims.late_payment_penalty_percent_per_day,
        ),
        msg("faq.payment.escalate", call_centre=p.call_centre, dinas=_dinas_name(p)),
    )


def _jkk_deadline(ctx: Context) -> tuple[Msg, ...]:
    p = ctx.programme
    jkk = p.benefits.jkk
    jkm_years = p.benefits.jkm.claim_deadline_years
    jkm = (
        msg("faq.deadline.jkm_none", call_centre=p.call_centre)
        if jkm_years is None
        else msg("faq.deadline.jkm_years", years=jkm_years)
    )
    return (msg("faq.deadline.jkk", years=jkk.claim_deadline_years, hours=jkk.accident_report_hours), jkm)


_HEIRS = (
    msg("faq.heirs.spouse_children"),
    msg("faq.heirs.parents_grandchildren"),
    msg("faq.heirs.siblings"),
    msg("faq.heirs.in_laws"),
    msg("faq.heirs.will"),
)


def _heirs_order(_: Context) -> tuple[Msg, ...]:
    order = tuple(msg("faq.list_item", number=number, text=heir) for number, heir in enumerate(_HEIRS, start=1))
    return (msg("faq.heirs.answer", order=order), msg("faq.heirs.not_decided"))


def _accident_report(ctx: Context) -> tuple[Msg, ...]:
    p = ctx.programme
    return (msg("faq.report.answer", hours=p.benefits.jkk.accident_report_hours, call_centre=p.call_centre),)


def _offices(ctx: Context) -> tuple[Msg, ...]:
    p = ctx.programme
    if not p.offices:
        return (msg("faq.offices.none", call_centre=p.call_centre),)
    parts = [
        msg(
            "faq.offices.office",
            name=office.name,
            address=office.address or msg("faq.offices.not_recorded"),
            hours=office.hours or msg("faq.offices.not_recorded"),
            phone=office.phone or msg("faq.offices.not_recorded"),
        )
        for office in p.offices
    ]
    if any(not (office.address and office.hours and office.phone) for office in p.offices):
        parts.append(msg("faq.offices.ask_call_centre", call_centre=p.call_centre))
    return tuple(parts)


def _data_rights(ctx: Context) -> tuple[Msg, ...]:
    privacy = ctx.programme.privacy
    return (
        msg("faq.data.answer", years=privacy.retention_years),
        msg("faq.data.rights"),
        msg("faq.data.controller", controller=privacy.controller, contact=privacy.contact),
    )


def _calculator(_: Context) -> tuple[Msg, ...]:
    return (msg("faq.calculator.lead"),)


def _claim_help(_: Context) -> tuple[Msg, ...]:
    return (msg("faq.claim_help.lead"),)


_ANSWERS: Mapping[str, Callable[[Context], tuple[Msg, ...]]] = MappingProxyType(
    {
        "about": _about,
        "premium": _premium,
        "premium_discount": _premium_discount,
        "unpaid_premium": _unpaid_premium,
        "coverage_period": _coverage_period,
        "eligibility": _eligibility,
        "quota": _quota,
        "how_to_register": _how_to_register,
        "check_status": _check_status,
        "card_jmo": _card_jmo,
        "jkk_cover": _jkk_cover,
        "work_accident_definition": _work_accident_definition,
        "jkm": _jkm,
        "jkk_death": _jkk_death,
        "scholarship": _scholarship,
        "not_included": _not_included,
        "claim_documents_jkm": _claim_documents_jkm,
        "claim_documents_jkk": _claim_documents_jkk,
        "claim_documents_scholarship": _claim_documents_scholarship,
        "where_to_claim": _where_to_claim,
        "payment_time": _payment_time,
        "jkk_deadline": _jkk_deadline,
        "heirs_order": _heirs_order,
        "accident_report": _accident_report,
        "offices": _offices,
        "data_rights": _data_rights,
        "calculator": _calculator,
        "claim_help": _claim_help,
    }
)


# ---- helpers -------------------------------------------------------------------------------------


def _with_funding_note(p: Programme, text: Msg) -> tuple[Msg, ...]:
    return (text, msg("faq.note", note=p.funding_note)) if p.funding_note else (text,)


def _numbered(documents: tuple[ClaimDocument, ...]) -> tuple[Msg, ...]:
    return tuple(
        msg("faq.document_how", number=number, name=document.name, how=document.how)
        if document.how
        else msg("faq.list_item", number=number, text=document.name)
        for number, document in enumerate(documents, start=1)
    )


def _number(value: int, ctx: Context) -> str:
    """A count written the way the language groups digits: 25.000 in Indonesian, 25,000 in English."""
    return f"{value:,}".replace(",", "," if ctx.language == "en" else ".")


def _job_examples(p: Programme) -> str:
    return ", ".join(job.name[:1].lower() + job.name[1:] for job in p.job_types[:_JOB_EXAMPLES])


def _region_name(ctx: Context) -> str:
    if ctx.region is not None and ctx.region.code == ctx.programme.region_code:
        return ctx.region.name
    return ctx.programme.pemda.removeprefix("Pemerintah ")


def _dinas_name(p: Programme) -> str | Msg:
    dinas = p.office("dinas")
    return dinas.name if dinas else msg("faq.payment.dinas")
