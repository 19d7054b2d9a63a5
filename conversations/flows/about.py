"""A short, figure-first description of the programme, from the programme file."""

from __future__ import annotations

from conversations.flow import Context, Data, Finish, Flow, Transition
from conversations.messages import Money, Msg, Reply, msg
from conversations.programme_rules import age_band_text

__all__ = ["about_flow"]

_JOB_EXAMPLES = 5


def _start(ctx: Context, _: Data) -> Transition:
    p = ctx.programme
    examples = ", ".join(job.name[:1].lower() + job.name[1:] for job in p.job_types[:_JOB_EXAMPLES])
    text = msg(
        "about.summary",
        programme=p.name,
        pemda=p.pemda,
        premium=Money(p.premium.monthly),
        paid_by=p.premium.paid_by,
        jkm_total=Money(p.benefits.jkm.total),
        who=_who(ctx),
        jobs=examples,
        job_count=len(p.job_types),
        call_centre=p.call_centre,
    )
    return Finish(say=(Reply.of(text),))


def _who(ctx: Context) -> Msg:
    band = age_band_text(ctx.programme)
    return msg("about.who_aged", band=band) if band is not None else msg("about.who")


about_flow = Flow(
    id="about",
    version=1,
    title=msg("about.title"),
    start=_start,
    aliases=("tentang", "info", "informasi", "program", "tentang program"),
)
