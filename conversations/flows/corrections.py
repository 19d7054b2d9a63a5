"""Steps that change or delete a registration already sent: used from "Data saya" (the worker) and
"Warga saya" (the RT/RW leader who entered it). data["registration_id"] says which one; the store
checks again that the person may touch it. A change sends the registration back to verification."""

from __future__ import annotations

from dataclasses import dataclass

from conversations.flow import Answer, Context, Data, Fetch, Finish, Goto, Invalid, Step, Transition
from conversations.flow_data import FlowData
from conversations.flows.common import NO, YES, YES_NO, YES_NO_UNKNOWN
from conversations.flows.fields import FIELDS, QUESTIONS, Draft, check_text_field
from conversations.flows.jobs import job_steps
from conversations.flows.places import place_steps
from conversations.flows.statuses import status_text
from conversations.messages import Choice, Reply, msg
from conversations.requests.base import Done, NotAllowed
from conversations.requests.registrations import (
    AlreadyRegistered,
    CorrectRegistration,
    EraseRegistration,
    RegistrationView,
)
from conversations.state import Json

__all__ = ["MyRegistrationsData", "correction_steps", "describe_registration"]

_TEXT_FIELDS = ("nik", "full_name", "birth_date", "rt", "rw", "street", "phone")
_CHOICE_FIELDS = ("breadwinner", "poverty_register")


@dataclass(frozen=True, slots=True)
class MyRegistrationsData(FlowData):
    """The data of Data saya and Warga saya (flows/my_registrations.py): the registrations listed, the
    one chosen, and a correction of it under way (these steps)."""

    options: tuple[tuple[int, str], ...] = ()  # (registration id, how it is listed)
    views_shown: bool = False
    registration_id: int = 0  # the one chosen (0: none; the store knows no registration 0)
    correct_field: str = ""  # the key in fields.FIELDS being corrected
    kelurahan_code: str | None = None  # a new kelurahan, from the place steps
    kelurahan_candidates: tuple[str, ...] = ()
    kecamatan_code: str = ""
    job_type: str | None = None  # a new job type, from the job steps
    job_text: str | None = None
    job_candidates: tuple[str, ...] = ()


def describe_registration(view: RegistrationView, place: str, job: str) -> Reply:
    return Reply.of(
        msg(
            "registration.details",
            number=view.id,
            nik=view.nik_masked,
            name=view.full_name,
            place=place,
            rt=view.rt,
            rw=view.rw,
            street=view.street,
            job=job,
            status=status_text(view.status, view.status_reason, view.kpj),
        )
    )


def _correct(chosen: MyRegistrationsData, field: str, value: Json) -> Transition:
    return Fetch(CorrectRegistration(chosen.registration_id, field, value), then=_on_corrected)


def _ask_which(_: Context, __: Data) -> Reply:
    return Reply.of(msg("registration.ask_change_which"), choices=tuple(Choice(f.key, f.label) for f in FIELDS))


def _on_which(_: Context, data: Data, answer: Answer) -> Transition:
    field = str(answer.choice)
    chosen = MyRegistrationsData.load(data).but(correct_field=field).dump()
    if field == "kelurahan_code":
        return Goto("kelurahan", chosen)
    if field == "job_type":
        return Goto("job", chosen)
    return Goto("correct_choice" if field in _CHOICE_FIELDS else "correct_value", chosen)


def _ask_value(ctx: Context, data: Data) -> Reply:
    question = QUESTIONS.get((MyRegistrationsData.load(data).correct_field, False))
    if question is None:  # the field was lost: ask which one again
        return _ask_which(ctx, data)
    return Reply.of(msg(question))


def _on_value(ctx: Context, data: Data, answer: Answer) -> Transition:
    chosen = MyRegistrationsData.load(data)
    field = chosen.correct_field
    if field not in _TEXT_FIELDS:
        return Finish(say=(Reply.of(msg("correction.not_allowed")),))
    checked = check_text_field(ctx, field, answer.text, Draft())
    if checked.problem is not None:
        return Invalid(checked.problem)
    return _correct(chosen, field, checked.values[field])


def _ask_choice(_: Context, data: Data) -> Reply:
    if MyRegistrationsData.load(data).correct_field == "breadwinner":
        return Reply.of(msg("registration.ask_breadwinner_self"), choices=YES_NO)
    return Reply.of(msg("eligibility.ask_poverty_register"), choices=YES_NO_UNKNOWN)


def _on_choice(_: Context, data: Data, answer: Answer) -> Transition:
    chosen = MyRegistrationsData.load(data)
    if chosen.correct_field == "breadwinner":
        return _correct(chosen, "breadwinner", answer.choice == YES.id)
    return _correct(chosen, "poverty_register", str(answer.choice))


def _on_corrected(ctx: Context, _: Data, result: Done | NotAllowed | AlreadyRegistered) -> Transition:
    if isinstance(result, Done):
        return Finish(say=(Reply.of(msg("correction.done")),))
    if isinstance(result, AlreadyRegistered):
        return Finish(say=(Reply.of(msg("registration.nik_registered", call_centre=ctx.programme.call_centre)),))
    return Finish(say=(Reply.of(msg("correction.not_allowed")),))


def _ask_erase(_: Context, __: Data) -> Reply:
    return Reply.of(msg("erase.confirm"), choices=(Choice(YES.id, msg("erase.yes"), YES.aliases), NO))


def _on_erase(_: Context, data: Data, answer: Answer) -> Transition:
    if answer.choice == YES.id:
        return Fetch(EraseRegistration(MyRegistrationsData.load(data).registration_id), then=_on_erased)
    return Finish(say=(Reply.of(msg("erase.kept")),))


def _on_erased(_: Context, __: Data, result: Done | NotAllowed) -> Transition:
    said = "erase.done" if isinstance(result, Done) else "correction.not_allowed"
    return Finish(say=(Reply.of(msg(said)),))


def _kelurahan_chosen(_: Context, data: Data) -> Transition:
    chosen = MyRegistrationsData.load(data)
    return _correct(chosen, "kelurahan_code", chosen.kelurahan_code)


def _job_chosen(_: Context, data: Data) -> Transition:
    chosen = MyRegistrationsData.load(data)
    return _correct(chosen, "job_type", chosen.job_type)


def correction_steps() -> dict[str, Step]:
    return {
        "correct_which": Step(ask=_ask_which, on_answer=_on_which),
        # Any text field, the NIK among them: check_text_field masks a NIK typed into the others.
        "correct_value": Step(ask=_ask_value, on_answer=_on_value, asks_nik=True),
        "correct_choice": Step(ask=_ask_choice, on_answer=_on_choice),
        **place_steps(
            then=_kelurahan_chosen,
            on_outside=lambda _, __: Invalid(msg("registration.must_live_here")),
            data_class=MyRegistrationsData,
        ),
        **job_steps(then=_job_chosen, data_class=MyRegistrationsData),
        "confirm_erase": Step(ask=_ask_erase, on_answer=_on_erase),
    }
