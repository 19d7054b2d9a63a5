"""Steps that find the person's kelurahan: typed (typos and pre-merger names accepted, always
confirmed), or picked from the kecamatan → kelurahan lists, where a kelurahan or kecamatan name may be
typed too. Shared by eligibility, registration, corrections and the roles' invites. "kembali" goes back
a step (the engine's), so a wrong kecamatan is one word away from the list again."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any, Protocol, Self

from conversations.flow import Answer, Context, Data, Goto, Invalid, Step, Transition
from conversations.flows.common import NO, YES, YES_NO
from conversations.matching import best_matches
from conversations.messages import Choice, Reply, msg
from conversations.regions import Kelurahan, Region
from conversations.state import Json

__all__ = ["PlaceFields", "kelurahan_name", "place_steps"]

_LIST = Choice("list", msg("place.show_list"), ("daftar", "lihat daftar", "list", "pilih dari daftar"))
_OUTSIDE_WORDS = ("luar kota", "bukan warga", "luar daerah")
_KECAMATAN = "kecamatan:"  # marks a kecamatan among the kelurahan when a name typed at a list is matched


class PlaceFields(Protocol):
    """A flow's data (its FlowData) with the fields the place steps fill in."""

    @property
    def kelurahan_code(self) -> str | None: ...

    @property
    def kelurahan_candidates(self) -> tuple[str, ...]: ...  # the kelurahan the typed name may mean

    @property
    def kecamatan_code(self) -> str: ...  # picked from the list, to list its kelurahan

    @classmethod
    def load(cls, data: Data) -> Self: ...

    def but(self, **changes: Any) -> Self: ...

    def dump(self) -> dict[str, Json]: ...


def kelurahan_name(ctx: Context, code: str) -> str:
    found = _find(ctx.region, code)
    return found.name if found else code


def _nobody_else(_: Data) -> bool:
    return False


def place_steps(
    then: Callable[[Context, Data], Transition],
    on_outside: Callable[[Context, Data], Transition],
    data_class: type[PlaceFields],
    about_other: Callable[[Data], bool] = _nobody_else,
) -> dict[str, Step]:
    """`then(ctx, data)` goes on once the kelurahan_code of `data` (saved by `data_class`) is set;
    `on_outside` decides what happens when the person says they do not live in the region;
    `about_other(data)`: the person is asked where somebody else lives."""

    def load(data: Data) -> PlaceFields:
        return data_class.load(data)

    def save(data: Data, **changes: Any) -> Data:
        return load(data).but(**changes).dump()

    def done(ctx: Context, data: Data, code: str) -> Transition:
        # The candidates stay: "kembali" after this asks the same confirmation again.
        return then(ctx, save(data, kelurahan_code=code))

    def ask_typed(ctx: Context, data: Data) -> Reply:
        outside = Choice("outside", msg("place.outside", region=_region_name(ctx)), _OUTSIDE_WORDS)
        question = msg("place.ask_other") if about_other(data) else msg("place.ask")
        return Reply.of(question, choices=(_LIST, outside))

    def on_typed(ctx: Context, data: Data, answer: Answer) -> Transition:
        if answer.choice == "list":
            return Goto("kecamatan_list", data)
        if answer.choice == "outside":
            return on_outside(ctx, data)
        if ctx.region is None:
            return Invalid(msg("place.unavailable"))
        sure, closest = best_matches(answer.text, _kelurahan_names(ctx))
        candidates = (sure.id,) if sure else tuple(c.id for c in closest)
        if not candidates:
            return Invalid(msg("place.not_found"))
        return Goto("kelurahan_confirm", save(data, kelurahan_candidates=candidates))

    def typed_in_list(ctx: Context, data: Data, text: str) -> Transition:
        """A name typed at a list: a kecamatan opens its list; a kelurahan (anywhere in the region, by
        its name of today or of before the 2015 merger) is confirmed with its kecamatan."""
        region = ctx.region
        if region is None:
            return Invalid(msg("place.unavailable"))
        kecamatan = [(_KECAMATAN + k.code, k.name) for k in region.kecamatan]
        sure, closest = best_matches(text, [*kecamatan, *_kelurahan_names(ctx)])
        if sure is not None and sure.id.startswith(_KECAMATAN):
            return Goto("kelurahan_list", save(data, kecamatan_code=sure.id.removeprefix(_KECAMATAN)))
        found = (sure,) if sure is not None else closest
        villages = tuple(dict.fromkeys(c.id for c in found if not c.id.startswith(_KECAMATAN)))
        if not villages:
            return Invalid(msg("navigation.place_not_in_list"))
        return Goto("kelurahan_confirm", save(data, kelurahan_candidates=villages))

    def ask_confirm(ctx: Context, data: Data) -> Reply:
        codes = load(data).kelurahan_candidates
        if len(codes) == 1:
            return Reply.of(msg("place.confirm", place=_describe(ctx, codes[0])), choices=YES_NO)
        options = tuple(Choice(code, msg("place.option", place=_describe(ctx, code))) for code in codes)
        return Reply.of(
            msg("place.which"), choices=(*options, Choice("none", msg("place.none_of_these"), ("bukan", "tidak ada")))
        )

    def on_confirm(ctx: Context, data: Data, answer: Answer) -> Transition:
        codes = load(data).kelurahan_candidates
        if len(codes) == 1 and answer.choice == YES.id:
            return done(ctx, data, codes[0])
        if answer.choice in codes:
            return done(ctx, data, str(answer.choice))
        if answer.choice in (NO.id, "none"):
            return Goto("kecamatan_list", data)
        return Invalid(msg("engine.pick_a_number"))

    def ask_kecamatan(ctx: Context, _: Data) -> Reply:
        region = ctx.region
        kecamatan = region.kecamatan if region else ()
        return Reply.of(
            msg("place.pick_kecamatan"),
            choices=tuple(Choice(k.code, msg("place.label", name=k.name)) for k in kecamatan),
        )

    def on_kecamatan(ctx: Context, data: Data, answer: Answer) -> Transition:
        if answer.choice is None:
            return typed_in_list(ctx, data, answer.text)
        return Goto("kelurahan_list", save(data, kecamatan_code=answer.choice))

    def ask_kelurahan(ctx: Context, data: Data) -> Reply:
        region = ctx.region
        picked = load(data).kecamatan_code
        kecamatan = next((k for k in (region.kecamatan if region else ()) if k.code == picked), None)
        villages = kecamatan.kelurahan if kecamatan else ()
        return Reply.of(
            msg("place.pick_kelurahan", kecamatan=kecamatan.name if kecamatan else ""),
            choices=tuple(Choice(k.code, msg("place.label", name=k.name)) for k in villages),
        )

    def on_kelurahan(ctx: Context, data: Data, answer: Answer) -> Transition:
        if answer.choice is None:
            return typed_in_list(ctx, data, answer.text)
        return done(ctx, data, answer.choice)

    return {
        "kelurahan": Step(ask=ask_typed, on_answer=on_typed, free_text=True),
        "kelurahan_confirm": Step(ask=ask_confirm, on_answer=on_confirm),
        "kecamatan_list": Step(ask=ask_kecamatan, on_answer=on_kecamatan, free_text=True),
        "kelurahan_list": Step(ask=ask_kelurahan, on_answer=on_kelurahan, free_text=True),
    }


def _kelurahan_names(ctx: Context) -> list[tuple[str, str]]:
    """Each kelurahan's code with its name, and with each name it had before the 2015 merger."""
    names = [(k.code, k.name) for k in (ctx.region.all_kelurahan if ctx.region else ())]
    return names + [(f.kelurahan_code, f.name) for f in ctx.programme.former_names]


def _region_name(ctx: Context) -> str:
    return ctx.region.name if ctx.region else ctx.programme.pemda


def _find(region: Region | None, code: str) -> Kelurahan | None:
    return next((k for k in (region.all_kelurahan if region else ()) if k.code == code), None)


def _describe(ctx: Context, code: str) -> str:
    """ "Noyontaansari, Kecamatan Pekalongan Timur" """
    region = ctx.region
    kelurahan = _find(region, code)
    kecamatan = region.kecamatan_of(code) if region else None
    if kelurahan is None:
        return code
    return f"{kelurahan.name}, Kecamatan {kecamatan.name}" if kecamatan else kelurahan.name
