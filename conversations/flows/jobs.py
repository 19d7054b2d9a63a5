"""Steps that find the person's work among the programme's job types, from free text ("narik becak")."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol, Self

from conversations.flow import Answer, Context, Data, Goto, Invalid, Step, TextLimit, Transition
from conversations.matching import best_matches
from conversations.messages import Choice, Reply, msg
from conversations.state import Json

__all__ = ["OTHER_JOB", "JobFields", "job_name", "job_steps"]

OTHER_JOB = "lainnya"
_OTHER = Choice(OTHER_JOB, msg("job.other"), ("lainnya", "lain", "bukan", "tidak ada", "yang lain"))
_LIST = Choice("list", msg("job.show_list"), ("daftar", "lihat daftar", "list"))
_JOB_TEXT = TextLimit(100, msg("limit.job"))  # registrations.job_text is as wide


class JobFields(Protocol):
    """A flow's data (its FlowData) with the fields the job steps fill in."""

    @property
    def job_type(self) -> str | None: ...

    @property
    def job_text(self) -> str | None: ...  # the work in the person's words, when it was typed

    @property
    def job_candidates(self) -> tuple[str, ...]: ...  # the job types the words may mean

    @classmethod
    def load(cls, data: Data) -> Self: ...

    def but(self, **changes: Any) -> Self: ...

    def dump(self) -> dict[str, Json]: ...


def job_name(ctx: Context, job_id: str) -> str:
    found = next((j for j in ctx.programme.job_types if j.id == job_id), None)
    return found.name if found else ctx.renderer.render(msg("job.other_named"), ctx.language)


def _nobody_else(_: Data) -> bool:
    return False


def job_steps(
    then: Callable[[Context, Data], Transition],
    data_class: type[JobFields],
    about_other: Callable[[Data], bool] = _nobody_else,
) -> dict[str, Step]:
    """`then(ctx, data)` goes on once the job_type of `data` (saved by `data_class`) is set;
    `about_other(data)`: the person is asked about somebody else's work."""

    def done(ctx: Context, chosen: JobFields, job_id: str) -> Transition:
        return then(ctx, chosen.but(job_type=job_id, job_candidates=()).dump())

    def ask_typed(ctx: Context, data: Data) -> Reply:
        examples = ", ".join(j.name.lower() for j in ctx.programme.job_types[:3])
        question = msg("job.ask_other", examples=examples) if about_other(data) else msg("job.ask", examples=examples)
        return Reply.of(question, choices=(_LIST,))

    def on_typed(ctx: Context, data: Data, answer: Answer) -> Transition:
        if answer.choice == "list":
            return Goto("job_list", data)
        text = answer.text
        if len(text) < 3:
            return Invalid(msg("job.too_short"))
        names = [(j.id, name) for j in ctx.programme.job_types for name in (j.name, *j.synonyms)]
        sure, closest = best_matches(text, names)
        with_text = data_class.load(data).but(job_text=text)
        if sure is not None:
            return done(ctx, with_text, sure.id)
        return Goto("job_pick", with_text.but(job_candidates=tuple(c.id for c in closest)).dump())

    def ask_pick(ctx: Context, data: Data) -> Reply:
        codes = data_class.load(data).job_candidates
        options = tuple(Choice(c, msg("place.label", name=job_name(ctx, c))) for c in codes)
        intro = "job.which" if options else "job.not_listed"
        return Reply.of(msg(intro), choices=(*options, _LIST, _OTHER))

    def on_pick(ctx: Context, data: Data, answer: Answer) -> Transition:
        if answer.choice == "list":
            return Goto("job_list", data)
        return done(ctx, data_class.load(data), str(answer.choice))

    def ask_list(ctx: Context, _: Data) -> Reply:
        jobs = tuple(Choice(j.id, msg("place.label", name=j.name)) for j in ctx.programme.job_types)
        return Reply.of(msg("job.pick_from_list"), choices=(*jobs, _OTHER))

    def on_list(ctx: Context, data: Data, answer: Answer) -> Transition:
        return done(ctx, data_class.load(data), str(answer.choice))

    return {
        "job": Step(ask=ask_typed, on_answer=on_typed, free_text=True, limit=_JOB_TEXT),
        "job_pick": Step(ask=ask_pick, on_answer=on_pick),
        "job_list": Step(ask=ask_list, on_answer=on_list),
    }
