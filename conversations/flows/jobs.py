"""Steps that find the person's work among the programme's job types, from free text ("narik becak")."""

from __future__ import annotations

from collections.abc import Callable

from conversations.flow import Answer, Context, Data, Goto, Invalid, Step, TextLimit, Transition
from conversations.flows.common import updated
from conversations.matching import best_matches
from conversations.messages import Choice, Reply, msg
from conversations.state import Json

__all__ = ["OTHER_JOB", "job_name", "job_steps"]

OTHER_JOB = "lainnya"
_OTHER = Choice(OTHER_JOB, msg("job.other"), ("lainnya", "lain", "bukan", "tidak ada", "yang lain"))
_LIST = Choice("list", msg("job.show_list"), ("daftar", "lihat daftar", "list"))
_JOB_TEXT = TextLimit(100, msg("limit.job"))  # registrations.job_text is as wide


def job_name(ctx: Context, job_id: str) -> str:
    found = next((j for j in ctx.programme.job_types if j.id == job_id), None)
    return found.name if found else ctx.renderer.render(msg("job.other_named"), ctx.language)


def job_steps(then: Callable[[Context, Data], Transition]) -> dict[str, Step]:
    """`then(ctx, data)` goes on once data["job_type"] is set."""

    def done(ctx: Context, data: Data, job_id: str) -> Transition:
        chosen = updated(data, job_type=job_id)
        chosen.pop("job_candidates", None)
        return then(ctx, chosen)

    def ask_typed(ctx: Context, data: Data) -> Reply:
        examples = ", ".join(j.name.lower() for j in ctx.programme.job_types[:3])
        question = (
            msg("job.ask_other", examples=examples)
            if data.get("for_other") is True
            else msg("job.ask", examples=examples)
        )
        return Reply.of(question, choices=(_LIST,))

    def on_typed(ctx: Context, data: Data, answer: Answer) -> Transition:
        if answer.choice == "list":
            return Goto("job_list", data)
        text = answer.text
        if len(text) < 3:
            return Invalid(msg("job.too_short"))
        names = [(j.id, name) for j in ctx.programme.job_types for name in (j.name, *j.synonyms)]
        sure, closest = best_matches(text, names)
        with_text = updated(data, job_text=text)
        if sure is not None:
            return done(ctx, with_text, sure.id)
        candidates: list[Json] = [c.id for c in closest]
        return Goto("job_pick", updated(with_text, job_candidates=candidates))

    def ask_pick(ctx: Context, data: Data) -> Reply:
        found = data.get("job_candidates")
        codes = [str(c) for c in found] if isinstance(found, list) else []
        options = tuple(Choice(c, msg("place.label", name=job_name(ctx, c))) for c in codes)
        intro = "job.which" if options else "job.not_listed"
        return Reply.of(msg(intro), choices=(*options, _LIST, _OTHER))

    def on_pick(ctx: Context, data: Data, answer: Answer) -> Transition:
        if answer.choice == "list":
            return Goto("job_list", data)
        return done(ctx, data, str(answer.choice))

    def ask_list(ctx: Context, _: Data) -> Reply:
        jobs = tuple(Choice(j.id, msg("place.label", name=j.name)) for j in ctx.programme.job_types)
        return Reply.of(msg("job.pick_from_list"), choices=(*jobs, _OTHER))

    def on_list(ctx: Context, data: Data, answer: Answer) -> Transition:
        return done(ctx, data, str(answer.choice))

    return {
        "job": Step(ask=ask_typed, on_answer=on_typed, free_text=True, limit=_JOB_TEXT),
        "job_pick": Step(ask=ask_pick, on_answer=on_pick),
        "job_list": Step(ask=ask_list, on_answer=on_list),
    }
