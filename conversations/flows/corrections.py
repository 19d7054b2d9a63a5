"""Steps that change or delete a registration already sent: used from "Data saya" (the worker) and
"Warga saya" (the RT/RW leader who entered it). data["registration_id"] says which one; the store
checks again that the person may touch it. A change sends the registration back to verification."""

from __future__ import annotations

from conversations.flow import Answer, Context, Data, Fetch, Finish, Goto, Invalid, Step, Transition
from conversations.flows.common import NO, YES, YES_NO, YES_NO_UNKNOWN, updated
from conversations.flows.fields import FIELDS, QUESTIONS, check_text_field
from conversations.flows.jobs import job_steps
from conversations.flows.places import place_steps
from conversations.flows.statuses import status_text
from conversations.messages import Choice, Reply, msg
from conversations.requests.base import Done
from conversations.requests.registrations import (
    AlreadyRegistered,
    CorrectRegistration,
    EraseRegistration,
    RegistrationView,
)
from conversations.state import Json

__all__ = ["correction_steps", "describe_registration"]

_TEXT_FIELDS = ("nik", "full_name", "birth_date", "rt", "rw", "street", "phone")
_CHOICE_FIELDS = ("breadwinner", "poverty_register")


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


def _registration_id(data: Data) -> int:
    found = data.get("registration_id")
    return found if isinstance(found, int) else 0


def _correct(data: Data, field: str, value: Json) -> Transition:
    return Fetch(CorrectRegistration(_registration_id(data), field, value), then=_on_corrected)


def _ask_which(_: Context, __: Data) -> Reply:
    return Reply.of(msg("registration.ask_change_which"), choices=tuple(Choice(f.key, f.label) for f in FIELDS))


def _on_which(_: Context, data: Data, answer: Answer) -> Transition:
    field = str(answer.choice)
    chosen = updated(data, correct_field=field)
    if field == "kelurahan_code":
        return Goto("kelurahan", chosen)
    if field == "job_type":
        return Goto("job", chosen)
    return Goto("correct_choice" if field in _CHOICE_FIELDS else "correct_value", chosen)


def _field(data: Data) -> str:
    return str(data.get("correct_field", ""))


def _ask_value(ctx: Context, data: Data) -> Reply:
    question = QUESTIONS.get((_field(data), False))
    if question is None:  # the field was lost: ask which one again
        return _ask_which(ctx, data)
    return Reply.of(msg(question))


def _on_value(ctx: Context, data: Data, answer: Answer) -> Transition:
    field = _field(data)
    if field not in _TEXT_FIELDS:
        return Finish(say=(Reply.of(msg("correction.not_allowed")),))
    checked = check_text_field(ctx, field, answer.text, {})
    if checked.problem is not None:
        return Invalid(checked.problem)
    return _correct(data, field, checked.values[field])


def _ask_choice(_: Context, data: Data) -> Reply:
    if _field(data) == "breadwinner":
        return Reply.of(msg("registration.ask_breadwinner_self"), choices=YES_NO)
    return Reply.of(msg("eligibility.ask_poverty_register"), choices=YES_NO_UNKNOWN)


def _on_choice(_: Context, data: Data, answer: Answer) -> Transition:
    if _field(data) == "breadwinner":
        return _correct(data, "breadwinner", answer.choice == YES.id)
    return _correct(data, "poverty_register", str(answer.choice))


def _on_corrected(ctx: Context, _: Data, result: object) -> Transition:
    if isinstance(result, Done):
        return Finish(say=(Reply.of(msg("correction.done")),))
    if isinstance(result, AlreadyRegistered):
        return Finish(say=(Reply.of(msg("registration.nik_registered", call_centre=ctx.programme.call_centre)),))
    return Finish(say=(Reply.of(msg("correction.not_allowed")),))


def _ask_erase(_: Context, __: Data) -> Reply:
    return Reply.of(msg("erase.confirm"), choices=(Choice(YES.id, msg("erase.yes"), YES.aliases), NO))


def _on_erase(_: Context, data: Data, answer: Answer) -> Transition:
    if answer.choice == YES.id:
        return Fetch(EraseRegistration(_registration_id(data)), then=_on_erased)
    return Finish(say=(Reply.of(msg("erase.kept")),))


def _on_erased(_: Context, __: Data, result: object) -> Transition:
    said = "erase.done" if isinstance(result, Done) else "correction.not_allowed"
    return Finish(say=(Reply.of(msg(said)),))


def correction_steps() -> dict[str, Step]:
    return {
        "correct_which": Step(ask=_ask_which, on_answer=_on_which),
        # Any text field, the NIK among them: check_text_field masks a NIK typed into the others.
        "correct_value": Step(ask=_ask_value, on_answer=_on_value, asks_nik=True),
        "correct_choice": Step(ask=_ask_choice, on_answer=_on_choice),
        **place_steps(
            then=lambda _, data: _correct(data, "kelurahan_code", data.get("kelurahan_code")),
            on_outside=lambda _, __: Invalid(msg("registration.must_live_here")),
        ),
        **job_steps(then=lambda _, data: _correct(data, "job_type", data.get("job_type"))),
        "confirm_erase": Step(ask=_ask_erase, on_answer=_on_erase),
    }
