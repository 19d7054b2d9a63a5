"""Steps that change or delete a registration already sent: used from "Data saya" (the worker) and
"Warga saya" (the RT/RW leader who entered it). data["registration_id"] says which one; the store
checks again that the person may touch it.

A change is checked, then the store says what saving it would do (conversations/corrections_policy.py:
back to the kelurahan or not, the quota place kept, the Dinas told); the person is told that and
confirms before anything is saved. A name is kept as on the KTP, in capitals, so a name typed again in
another case is no change at all, and is said to be so. A new NIK or birth date that disagrees with the
other one recorded is refused as soon as the store has compared them, and the value asked again; one
that breaks a strict rule of the programme is explained as at registration; one that breaks a rule the
kelurahan decides is saved with its flag, said before saving."""

from __future__ import annotations

import dataclasses
from dataclasses import dataclass
from datetime import date

from conversations.corrections_policy import CorrectionPlan
from conversations.flow import Answer, Context, Data, Fetch, Finish, Goto, Invalid, Step, Transition
from conversations.flow_data import FlowData
from conversations.flows.common import NO, YES, YES_NO, YES_NO_UNKNOWN
from conversations.flows.fields import FIELDS, QUESTIONS, Draft, check_text_field, field_value_text
from conversations.flows.jobs import job_steps
from conversations.flows.places import place_steps
from conversations.flows.statuses import status_text
from conversations.messages import Choice, Msg, Reply, msg
from conversations.names import ktp_name
from conversations.nik import Nik, parse_nik
from conversations.programme_rules import birth_date_breach, explain_refusal
from conversations.registration_flags import flag_message, known_flags
from conversations.requests.base import Done, NotAllowed
from conversations.requests.registrations import (
    AlreadyRegistered,
    CorrectionRefused,
    CorrectRegistration,
    EraseRegistration,
    PlanCorrection,
    RegistrationView,
)
from conversations.state import Json

__all__ = ["MyRegistrationsData", "correction_steps", "describe_registration"]

_TEXT_FIELDS = ("nik", "full_name", "birth_date", "rt", "rw", "street", "phone")
_CHOICE_FIELDS = ("breadwinner", "poverty_register")
_SAVE = Choice("save", msg("correction.save"), ("ya", "iya", "simpan", "ya simpan", "betul"))
_CANCEL = Choice("cancel", msg("correction.cancel"), ("tidak", "jangan", "tidak jadi", "gak jadi"))


@dataclass(frozen=True, slots=True)
class MyRegistrationsData(FlowData):
    """The data of Data saya and Warga saya (flows/my_registrations.py): the registrations listed, the
    one chosen, and a correction of it under way (these steps)."""

    VERSION = 3

    options: tuple[tuple[int, str], ...] = ()  # (registration id, how it is listed)
    views_shown: bool = False
    registration_id: int = 0  # the one chosen (0: none; the store knows no registration 0)
    chosen_name: str = ""  # its worker's name, said again before anything is deleted
    public_task: bool = False  # held under the Pemda's public task: no consent to withdraw
    correct_field: str = ""  # the key in fields.FIELDS being corrected
    kelurahan_code: str | None = None  # a new kelurahan, from the place steps
    kelurahan_candidates: tuple[str, ...] = ()
    kecamatan_code: str = ""
    job_type: str | None = None  # a new job type, from the job steps
    job_text: str | None = None
    job_candidates: tuple[str, ...] = ()
    # The new value, under its field's key in a form (so a NIK is sealed at rest like the form's), and
    # what saving it will do, as the store said; both wait for the person's confirmation.
    new_values: Draft = dataclasses.field(default_factory=Draft)
    plan: CorrectionPlan = dataclasses.field(default_factory=CorrectionPlan)


def describe_registration(view: RegistrationView, place: str, job: str) -> Reply:
    return Reply.of(
        msg(
            "registration.details",
            number=view.id,
            nik=view.nik_masked,
            name=view.full_name,
            address=_address(view, place),
            job=job,
            status=status_text(view.status, view.status_reason, view.kpj),
        )
    )


def _address(view: RegistrationView, place: str) -> Msg | str:
    """Street, RT/RW and kelurahan, leaving out what is empty (an imported row may have no street nor RT)."""
    parts: list[Msg | str] = [view.street] if view.street else []
    if view.rt and view.rw:
        parts.append(msg("registration.address_rt_rw", rt=view.rt, rw=view.rw))
    elif view.rt or view.rw:
        parts.append(
            msg("registration.address_rt", rt=view.rt) if view.rt else msg("registration.address_rw", rw=view.rw)
        )
    address: Msg | str = msg("registration.address_kelurahan", place=place)
    for part in reversed(parts):
        address = msg("registration.address_joined", first=part, rest=address)
    return address


def _correct(chosen: MyRegistrationsData, field: str, value: Json) -> Transition:
    """Ask the store what this change would do; nothing is saved before the person confirms."""
    if field == "full_name" and isinstance(value, str):
        value = ktp_name(value)
    proposed = chosen.but(correct_field=field, new_values=Draft.load({field: value}), plan=CorrectionPlan())
    return Fetch(PlanCorrection(chosen.registration_id, field, value), then=_on_planned, data=proposed.dump())


def _new_value(chosen: MyRegistrationsData) -> Json:
    return chosen.new_values.dump().get(chosen.correct_field)


def _field_label(field: str) -> Msg:
    return next((f.label for f in FIELDS if f.key == field), msg("field.empty"))


def _on_planned(
    ctx: Context, data: Data, result: CorrectionPlan | NotAllowed | AlreadyRegistered | CorrectionRefused
) -> Transition:
    chosen = MyRegistrationsData.load(data)
    if isinstance(result, CorrectionPlan) and result.unchanged:
        return Finish(say=(_unchanged(ctx, chosen),))
    if isinstance(result, CorrectionPlan):
        return Goto("confirm_correction", chosen.but(plan=result).dump())
    return _refused(ctx, chosen, result)


def _unchanged(ctx: Context, chosen: MyRegistrationsData) -> Reply:
    field = chosen.correct_field
    shown = field_value_text(ctx, field, chosen.new_values)
    said = msg("correction.unchanged", field=_field_label(field), value=shown)
    return Reply.of(said, msg("correction.names_in_capitals")) if field == "full_name" else Reply.of(said)


def _refused(
    ctx: Context, chosen: MyRegistrationsData, result: NotAllowed | AlreadyRegistered | CorrectionRefused
) -> Transition:
    if isinstance(result, AlreadyRegistered):
        return Finish(say=(Reply.of(msg("registration.nik_registered", call_centre=ctx.programme.call_centre)),))
    if isinstance(result, CorrectionRefused) and result.nik_date is not None:
        return _contradicts_nik(result.nik_date, chosen)
    if isinstance(result, CorrectionRefused):
        return Finish(say=(Reply.of(*_broken_rule(ctx, result)),))
    return Finish(say=(Reply.of(msg("correction.not_allowed")),))


def _contradicts_nik(nik_date: date, chosen: MyRegistrationsData) -> Transition:
    """The NIK and the birth date must agree, as when registering: said at once, and asked again."""
    said = "correction.birth_date_differs" if chosen.correct_field == "birth_date" else "correction.nik_differs"
    return Goto("correct_value", chosen.dump(), say=(Reply.of(msg(said, nik_date=nik_date)),))


def _broken_rule(ctx: Context, refused: CorrectionRefused) -> tuple[Msg, ...]:
    """A strict rule of the programme the change would break: explained as at registration."""
    born, on = refused.birth_date, refused.judged_on
    breach = None
    if refused.rule == "age" and born is not None and on is not None:
        breach = birth_date_breach(ctx.programme, born, on, about_other=refused.about_other)
    if breach is None:
        return (msg("correction.not_allowed"),)
    return (msg("correction.not_saved"), *explain_refusal(ctx.programme, breach, about_other=refused.about_other))


# What saving does, said before (the confirmation) and after (the receipt).
_RECHECK_KEEP_PLACE = {False: "correction.will_recheck_keep_place", True: "correction.done_recheck_keep_place"}
_RECHECK = {False: "correction.will_recheck", True: "correction.done_recheck"}
_STAY_ACTIVE = {False: "correction.will_stay_active", True: "correction.done_stay_active"}
_KEEP_STATUS = {False: "correction.will_keep_status", True: "correction.done_keep_status"}
_TELL_DINAS = {False: "correction.will_tell_dinas", True: "correction.done_tell_dinas"}
_FLAGGED = {False: "correction.will_flag", True: "correction.done_flag"}


def _what_happens(ctx: Context, chosen: MyRegistrationsData, *, done: bool) -> tuple[Msg, ...]:
    """What saving does (before: `done` False) or did (after), in the person's words."""
    plan = chosen.plan
    if plan.rechecked:
        said = [msg((_RECHECK_KEEP_PLACE if plan.keeps_place else _RECHECK)[done])]
    elif plan.status_after == "active":
        said = [msg(_STAY_ACTIVE[done])]
    else:
        said = [msg(_KEEP_STATUS[done], status=status_text(plan.status_after))]
    said.extend(_flags_said(ctx, chosen, done=done))
    if plan.dinas_told:
        said.append(msg(_TELL_DINAS[done]))
    return tuple(said)


def _flags_said(ctx: Context, chosen: MyRegistrationsData, *, done: bool) -> tuple[Msg, ...]:
    """The flags the change adds (rules the kelurahan decides), as the verifier will read them."""
    flags = known_flags(list(chosen.plan.flags_added))
    on = chosen.plan.judged_on or ctx.today
    born = _birth_date_after(ctx, chosen)
    lines = tuple(
        msg("rule.flag_line", flag=flag_message(ctx.programme, f, birth_date=born, registered_on=on)) for f in flags
    )
    return (msg(_FLAGGED[done], flags=lines),) if lines else ()


def _birth_date_after(ctx: Context, chosen: MyRegistrationsData) -> date | None:
    """The birth date the registration holds once changed, when the change is of it or of the NIK (whose
    date agrees with the one recorded)."""
    if chosen.correct_field == "birth_date":
        return chosen.new_values.birth_date
    nik = parse_nik(chosen.new_values.nik or "", ctx.today) if chosen.correct_field == "nik" else None
    return nik.birth_date if isinstance(nik, Nik) else None


def _ask_confirm(ctx: Context, data: Data) -> Reply:
    chosen = MyRegistrationsData.load(data)
    field = chosen.correct_field
    change = msg(
        "correction.will_change", field=_field_label(field), value=field_value_text(ctx, field, chosen.new_values)
    )
    return Reply.of(
        change, *_what_happens(ctx, chosen, done=False), msg("correction.ask_save"), choices=(_SAVE, _CANCEL)
    )


def _on_confirm(_: Context, data: Data, answer: Answer) -> Transition:
    chosen = MyRegistrationsData.load(data)
    if answer.choice != _SAVE.id:
        return Finish(say=(Reply.of(msg("correction.cancelled")),))
    request = CorrectRegistration(chosen.registration_id, chosen.correct_field, _new_value(chosen), chosen.plan)
    return Fetch(request, then=_on_corrected)


def _on_corrected(
    ctx: Context, data: Data, result: Done | CorrectionPlan | NotAllowed | AlreadyRegistered | CorrectionRefused
) -> Transition:
    chosen = MyRegistrationsData.load(data)
    if isinstance(result, Done):
        field = chosen.correct_field
        saved = msg(
            "correction.saved", field=_field_label(field), value=field_value_text(ctx, field, chosen.new_values)
        )
        return Finish(say=(Reply.of(saved, *_what_happens(ctx, chosen, done=True)),))
    if isinstance(result, CorrectionPlan) and result.unchanged:
        return Finish(say=(_unchanged(ctx, chosen),))
    if isinstance(result, CorrectionPlan):  # the registration changed meanwhile: nothing saved, ask again
        said = (Reply.of(msg("correction.plan_changed")),)
        return Goto("confirm_correction", chosen.but(plan=result).dump(), say=said)
    return _refused(ctx, chosen, result)


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


def _ask_erase(_: Context, data: Data) -> Reply:
    chosen = MyRegistrationsData.load(data)
    asked = msg("erase.confirm", number=chosen.registration_id, name=chosen.chosen_name or "-")
    return Reply.of(asked, choices=(Choice(YES.id, msg("erase.yes"), YES.aliases), NO))


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
        "confirm_correction": Step(ask=_ask_confirm, on_answer=_on_confirm),
        "confirm_erase": Step(ask=_ask_erase, on_answer=_on_erase),
    }
