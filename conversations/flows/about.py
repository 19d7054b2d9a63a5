"""A short, figure-first description of the programme, from the programme file."""

from __future__ import annotations

from conversations.flow import Context, Data, Finish, Flow, Transition
from conversations.messages import Money, Reply, msg

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
        min_age=p.eligibility.min_age,
        max_age=p.eligibility.max_age,
        jobs=examples,
        job_count=len(p.job_types),
        call_centre=p.call_centre,
    )
    return Finish(say=(Reply.of(text),))


about_flow = Flow(
    id="about",
    version=1,
    title=msg("about.title"),
    start=_start,
    aliases=("tentang", "info", "informasi", "program", "tentang program"),
)
