"""The Dinas admin's own menu ("Menu Dinas"), who counts as an officer, and the words that open the
officers' flows from anywhere.

The Menu Dinas opens with the year's quota when it has none ("Kuota 2026 belum ditetapkan": nothing can
be approved until it is set) and offers the newest earlier year's figure in one tap, set through the
same ChangeQuota request as "Ubah kuota" (audited, the waiting list moves up), asked only if the year
still has no quota: a tap on a menu shown before another admin set it changes nothing and says so.

The main menu shows "Menu Dinas" to admins and "Verifikasi" to kelurahan verifiers. The engine only
lets a flow's words open it for people who see it, so two small "door" flows take those words from
everyone else: an admin typing "verifikasi" is let through to the review flow (admins reach it from
the Menu Dinas, not the main menu), anyone else gets a polite "this is for officers". The flows
check the role again, and the store answers check it once more: the doors decide nothing.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass

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
    Step,
    Transition,
)
from conversations.flow_data import FlowData
from conversations.messages import Choice, Msg, Reply, msg
from conversations.numbers import count_text
from conversations.requests.base import RoleRefused
from conversations.requests.quota import (
    ChangeQuota,
    QuotaAlreadySet,
    QuotaBelowUsed,
    QuotaChanged,
    QuotaOverview,
    QuotaSummary,
)
from conversations.role_needs import ADMIN_NEEDED

__all__ = [
    "ADMIN_ROLE",
    "APPROVAL_WORDS",
    "DINAS_ENTRIES",
    "DINAS_WORDS",
    "REVIEW_WORDS",
    "VERIFIER_ROLE",
    "admins_only",
    "count_text",
    "dinas_door_flow",
    "dinas_flow",
    "is_admin",
    "is_officer",
    "review_door_flow",
]

ADMIN_ROLE = "admin"
VERIFIER_ROLE = "verifier"
DINAS_WORDS = ("menu dinas", "menu admin")
REVIEW_WORDS = ("verifikasi", "verifikasi pendaftaran", "cek pendaftaran warga")
APPROVAL_WORDS = ("kuota", "persetujuan", "persetujuan dan kuota", "setujui pendaftaran")


def is_admin(contact: ContactInfo) -> bool:
    return ADMIN_ROLE in contact.roles


def is_officer(contact: ContactInfo) -> bool:
    """A Dinas admin or a kelurahan verifier: may verify registrations (the store decides which)."""
    return ADMIN_ROLE in contact.roles or VERIFIER_ROLE in contact.roles


def admins_only(ctx: Context) -> Invalid | None:
    """The refusal for someone who is not (or no longer) an admin, or None."""
    return None if is_admin(ctx.contact) else Invalid(msg("dinas.admins_only"))


# The admin's submenu, in this order: the year's work, then (with the one-tap quota offer, when shown,
# between them, where it has always been: number 7) the upkeep of the bot's answers. Broadcasts, figures,
# the export and the unanswered questions are other modules' flows.
_WORK_ENTRIES: tuple[Choice, ...] = (
    Choice("review", msg("dinas.review"), ("verifikasi",)),
    Choice("approval", msg("dinas.approval"), ("persetujuan", "kuota")),
    Choice("broadcast", msg("dinas.broadcast"), ("siaran", "pengumuman")),
    Choice("figures", msg("dinas.figures"), ("angka", "grafik", "statistik")),
    Choice("enrolment_export", msg("dinas.enrolment_export"), ("ekspor", "export")),
    Choice("roles", msg("dinas.roles"), ("peran", "kode undangan")),
)
_UPKEEP_ENTRIES: tuple[Choice, ...] = (Choice("unanswered", msg("dinas.unanswered"), ("pertanyaan", "belum terjawab")),)
DINAS_ENTRIES: tuple[Choice, ...] = (*_WORK_ENTRIES, *_UPKEEP_ENTRIES)
_MAIN_MENU = Choice("menu", msg("dinas.main_menu"), ("menu utama",))
_USE_PREVIOUS = "use_previous_quota"


@dataclass(frozen=True, slots=True)
class DinasData(FlowData):
    year: int = 0
    quota_set: bool = True  # this year has a quota (the Dinas's or the programme file's)
    previous_year: int = 0  # the newest earlier year with a quota, offered in one tap (0: none)
    previous_places: int = 0


def _start(ctx: Context, _: Data) -> Transition:
    return admins_only(ctx) or Fetch(QuotaOverview(), then=_on_quota)


def _on_quota(_: Context, __: Data, result: QuotaSummary | RoleRefused) -> Transition:
    if not isinstance(result, QuotaSummary):
        return Finish(say=(Reply.of(msg("dinas.admins_only")),))
    data = DinasData(
        year=result.year,
        quota_set=result.places is not None,
        previous_year=result.previous_year or 0,
        previous_places=result.previous_places or 0,
    )
    return Goto("choose", data.dump())


def _use_previous(ctx: Context, saved: DinasData) -> tuple[Choice, ...]:
    if saved.quota_set or not saved.previous_year:
        return ()
    places = count_text(saved.previous_places, ctx.language)
    label = msg("dinas.use_previous_quota", year=saved.year, previous_year=saved.previous_year, places=places)
    return (Choice(_USE_PREVIOUS, label),)


def _ask(ctx: Context, data: Data) -> Reply:
    saved = DinasData.load(data)
    choices = (*_WORK_ENTRIES, *_use_previous(ctx, saved), *_UPKEEP_ENTRIES, _MAIN_MENU)
    if saved.quota_set:
        return Reply.of(msg("dinas.menu"), choices=choices)
    offer = msg("dinas.quota_offer_previous", previous_year=saved.previous_year)
    if not saved.previous_year:
        offer = msg("dinas.quota_set_it")
    return Reply.of(msg("dinas.quota_not_set", year=saved.year), offer, msg("dinas.menu"), choices=choices)


def _on_choose(ctx: Context, data: Data, answer: Answer) -> Transition:
    if not is_admin(ctx.contact):  # revoked since the menu was shown
        return Finish(say=(Reply.of(msg("dinas.admins_only")),))
    saved = DinasData.load(data)
    if answer.choice == _USE_PREVIOUS and _use_previous(ctx, saved):
        reason = ctx.renderer.render(msg("dinas.previous_quota_reason", previous_year=saved.previous_year), "id")
        request = ChangeQuota(saved.previous_places, reason, only_if_unset=True)  # a stale tap changes nothing
        return Fetch(request, then=_on_quota_set)
    return Finish(then=answer.choice or "menu")


def _on_quota_set(
    ctx: Context, data: Data, result: QuotaChanged | QuotaBelowUsed | QuotaAlreadySet | RoleRefused
) -> Transition:
    saved = DinasData.load(data)
    if isinstance(result, QuotaChanged):
        places = count_text(result.places, ctx.language)
        said = msg("dinas.quota_now_set", year=result.year, places=places, previous_year=saved.previous_year)
        promoted = msg("approval.promoted", promoted=count_text(result.promoted, ctx.language))
        told = (said, promoted) if result.promoted else (said,)
        return Goto("choose", saved.but(quota_set=True).dump(), say=(Reply.of(*told),))
    if isinstance(result, QuotaAlreadySet):
        places = count_text(result.places, ctx.language)
        said = msg("dinas.quota_already_set", year=result.year, places=places)
        return Goto("choose", saved.but(quota_set=True).dump(), say=(Reply.of(said),))
    if isinstance(result, QuotaBelowUsed):
        used = count_text(result.used, ctx.language)
        return Goto("choose", data, say=(Reply.of(msg("approval.places_below_used", used=used, year=result.year)),))
    return Finish(say=(Reply.of(msg("dinas.admins_only")),))


dinas_flow = Flow(
    id="dinas",
    version=2,
    title=msg("dinas.title"),
    start=_start,
    steps={"choose": Step(ask=_ask, on_answer=_on_choose)},
    in_menu=is_admin,
    needs_role=ADMIN_NEEDED,
    aliases=DINAS_WORDS,
    data=DinasData,
)


# ---- doors: the officers' words, typed by someone who does not see the flow in their menu ----------------


def _door(
    flow_id: str,
    target: str,
    words: tuple[str, ...],
    allowed: Callable[[ContactInfo], bool],
    refusal: Msg,
) -> Flow:
    def start(ctx: Context, _: Data) -> Transition:
        if allowed(ctx.contact):
            return Finish(then=target)
        return Invalid(refusal)

    return Flow(
        id=flow_id,
        version=1,
        title=refusal,  # never in a menu
        start=start,
        aliases=words,
    )


dinas_door_flow = _door("dinas_door", "dinas", DINAS_WORDS, is_admin, msg("dinas.admins_only"))
review_door_flow = _door("review_door", "review", REVIEW_WORDS, is_officer, msg("review.officers_only"))
