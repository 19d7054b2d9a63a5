"""Cek status, Data saya, Warga saya: a person's registrations, or those an RT/RW leader entered —
each with its status history — and from there a correction, a deletion or the withdrawal of consent.
Nobody sees a registration that is not theirs: the store answers only for the person asking."""

from __future__ import annotations

from typing import Literal

from conversations.choices import looks_like_a_number
from conversations.flow import (
    Answer,
    ContactInfo,
    Context,
    Data,
    Fetch,
    Finish,
    Flow,
    Goto,
    Invalid,
    StartFn,
    Step,
    Transition,
)
from conversations.flows.corrections import MyRegistrationsData, correction_steps, describe_registration
from conversations.flows.jobs import job_name
from conversations.flows.places import kelurahan_name
from conversations.flows.registration import LEADER_ROLE
from conversations.flows.statuses import status_text
from conversations.messages import Choice, Msg, Reply, msg
from conversations.requests.registrations import ListRegistrations, RegistrationView
from conversations.role_needs import LEADER_NEEDED

__all__ = ["my_data_flow", "neighbours_flow", "status_flow"]

_SHOWN = 10  # registrations listed in one message
_HISTORY = 5  # status changes shown for each
_CHANGE = Choice("change", msg("mydata.change"), ("ubah", "perbaiki", "ganti"))
_WITHDRAW = Choice("withdraw", msg("mydata.withdraw"), ("tarik", "tarik persetujuan"))
_ERASE = Choice("erase", msg("mydata.erase"), ("hapus", "hapus data"))
_DONE = Choice("done", msg("mydata.done"), ("selesai", "sudah"))  # "kembali" goes back a step (the engine)


def _status_line(view: RegistrationView) -> Msg:
    return status_text(view.status, view.status_reason, view.kpj)


# ---- Cek status ----------------------------------------------------------------------------------


def _status_start(_: Context, __: Data) -> Transition:
    return Fetch(ListRegistrations("all"), then=_status_show)


def _status_show(ctx: Context, _: Data, views: tuple[RegistrationView, ...]) -> Transition:
    if not views:  # maybe the Dinas holds them already, with no chat linked: "hubungkan data" (flows/linking.py)
        return Finish(say=(Reply.of(msg("status.none"), msg("link.offer")),))
    items = tuple(
        msg(
            "status.item",
            number=view.id,
            name=view.full_name,
            nik=view.nik_masked,
            status=_status_line(view),
            history=tuple(
                msg(
                    "status.history_line",
                    date=ctx.programme.local_date(event.at),
                    status=status_text(event.status, event.reason, view.kpj),
                )
                for event in view.history[-_HISTORY:]
            ),
        )
        for view in views[-_SHOWN:]
    )
    more = (msg("status.more", count=len(views) - _SHOWN),) if len(views) > _SHOWN else ()
    return Finish(say=(Reply.of(msg("status.title"), *items, *more),))


status_flow = Flow(
    id="status",
    version=1,
    title=msg("status.menu_title"),
    start=_status_start,
    steps={},
    aliases=("cek status", "status", "status pendaftaran"),
)


# ---- Data saya and Warga saya: pick one, then act on it -----------------------------------------------


def _picking(scope: Literal["mine", "operated"]) -> tuple[StartFn, dict[str, Step]]:
    """The flow's start (load the list) and its steps: the same for one's own data and a leader's neighbours."""

    def loaded(ctx: Context, data: Data, views: tuple[RegistrationView, ...]) -> Transition:
        if not views and scope == "mine":  # maybe the Dinas holds them already: offer to link it
            return Finish(say=(Reply.of(msg("mydata.none"), msg("link.offer")),))
        if not views:
            return Finish(say=(Reply.of(msg("neighbours.none")),))
        options = tuple((view.id, _listed(ctx, view, with_status=scope == "operated")) for view in views[-_SHOWN:])
        listed = MyRegistrationsData.load(data).but(options=options)
        if len(views) == 1:
            return _chosen(ctx, listed, views[0])
        return Goto("pick", listed.but(views_shown=True).dump())

    def ask_pick(_: Context, data: Data) -> Reply:
        # Keyed by the registration number shown in each label: "4" opens No. 4 wherever it stands.
        options = tuple(
            Choice(str(number), msg("place.label", name=listed), number=number)
            for number, listed in MyRegistrationsData.load(data).options
        )
        return Reply.of(msg("mydata.pick" if scope == "mine" else "neighbours.pick"), choices=options)

    def on_pick(_: Context, data: Data, answer: Answer) -> Transition:
        listed = MyRegistrationsData.load(data)
        if answer.choice is None and looks_like_a_number(answer.text) and listed.options:
            typed = "".join(ch for ch in answer.text if ch.isdecimal())
            shown = ", ".join(str(number) for number, _ in listed.options)
            return Invalid(msg("mydata.number_not_listed", number=typed, shown=shown))
        if answer.choice is None or not answer.choice.isdecimal():  # the list was lost: load it again
            return Fetch(ListRegistrations(scope), then=loaded, data=MyRegistrationsData().dump())
        chosen = MyRegistrationsData.load(data).but(registration_id=int(answer.choice))
        return Fetch(ListRegistrations(scope), then=picked, data=chosen.dump())

    def picked(ctx: Context, data: Data, views: tuple[RegistrationView, ...]) -> Transition:
        chosen = MyRegistrationsData.load(data)
        view = next((v for v in views if v.id == chosen.registration_id), None)
        if view is None:
            return Finish(say=(Reply.of(msg("correction.not_allowed")),))
        return _chosen(ctx, chosen, view)

    def ask_action(_: Context, data: Data) -> Reply:
        # No consent to withdraw from a record held under the public task (imported): not offered.
        consented = not MyRegistrationsData.load(data).public_task
        actions = (_CHANGE, _WITHDRAW, _ERASE, _DONE) if scope == "mine" and consented else (_CHANGE, _ERASE, _DONE)
        return Reply.of(msg("mydata.what_next"), choices=actions)

    def on_action(_: Context, data: Data, answer: Answer) -> Transition:
        if answer.choice == _CHANGE.id:
            return Goto("correct_which", data)
        if answer.choice == _ERASE.id:
            return Goto("confirm_erase", data)
        if answer.choice == _WITHDRAW.id and not MyRegistrationsData.load(data).public_task:
            return Finish(then="privacy")
        return Finish(say=(Reply.of(msg("mydata.finished")),))

    def start(_: Context, __: Data) -> Transition:
        return Fetch(ListRegistrations(scope), then=loaded)

    return start, {
        "pick": Step(ask=ask_pick, on_answer=on_pick, free_text=True),
        "action": Step(ask=ask_action, on_answer=on_action),
        **correction_steps(),
    }


def _listed(ctx: Context, view: RegistrationView, *, with_status: bool) -> str:
    """One registration in a pick list; a leader's list of neighbours shows each one's status too."""
    listed = f"No. {view.id} {view.full_name} ({view.nik_masked})"
    return f"{listed}: {ctx.renderer.render(_status_line(view), ctx.language)}" if with_status else listed


def _chosen(ctx: Context, listed: MyRegistrationsData, view: RegistrationView) -> Transition:
    place = kelurahan_name(ctx, view.kelurahan_code)
    shown = describe_registration(view, place, job_name(ctx, view.job_type))
    chosen = listed.but(registration_id=view.id, chosen_name=view.full_name, public_task=view.public_task)
    return Goto("action", chosen.dump(), say=(shown,))


_start_mine, _mine_steps = _picking("mine")
my_data_flow = Flow(
    id="my_data",
    version=1,
    title=msg("mydata.title"),
    start=_start_mine,
    steps=_mine_steps,
    aliases=("data saya", "lihat data saya", "hapus data saya", "perbaiki data"),
    data=MyRegistrationsData,
)


def _leaders_only(contact: ContactInfo) -> bool:
    return LEADER_ROLE in contact.roles


_start_neighbours, _neighbours_steps = _picking("operated")
neighbours_flow = Flow(
    id="neighbours",
    version=1,
    title=msg("neighbours.title"),
    start=_start_neighbours,
    steps=_neighbours_steps,
    in_menu=_leaders_only,
    needs_role=LEADER_NEEDED,
    aliases=("warga saya",),
    data=MyRegistrationsData,
)
