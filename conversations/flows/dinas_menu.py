"""The Dinas admin's own menu ("Menu Dinas"), who counts as an officer, and the words that open the
officers' flows from anywhere.

The main menu shows "Menu Dinas" to admins and "Verifikasi" to kelurahan verifiers. The engine only
lets a flow's words open it for people who see it, so two small "door" flows take those words from
everyone else: an admin typing "verifikasi" is let through to the review flow (admins reach it from
the Menu Dinas, not the main menu), anyone else gets a polite "this is for officers". The flows
check the role again, and the store answers check it once more: the doors decide nothing.
"""

from __future__ import annotations

from collections.abc import Callable

from conversations.flow import Answer, ContactInfo, Context, Data, Finish, Flow, Goto, Invalid, Step, Transition
from conversations.messages import Choice, Msg, Reply, msg
from conversations.numbers import count_text

__all__ = [
    "ADMIN_ROLE",
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


def is_admin(contact: ContactInfo) -> bool:
    return ADMIN_ROLE in contact.roles


def is_officer(contact: ContactInfo) -> bool:
    """A Dinas admin or a kelurahan verifier: may verify registrations (the store decides which)."""
    return ADMIN_ROLE in contact.roles or VERIFIER_ROLE in contact.roles


def admins_only(ctx: Context) -> Invalid | None:
    """The refusal for someone who is not (or no longer) an admin, or None."""
    return None if is_admin(ctx.contact) else Invalid(msg("dinas.admins_only"))


# The admin's submenu, in this order. Broadcasts, figures and the export are other modules' flows.
DINAS_ENTRIES: tuple[Choice, ...] = (
    Choice("review", msg("dinas.review"), ("verifikasi",)),
    Choice("approval", msg("dinas.approval"), ("persetujuan", "kuota")),
    Choice("broadcast", msg("dinas.broadcast"), ("siaran", "pengumuman")),
    Choice("figures", msg("dinas.figures"), ("angka", "grafik", "statistik")),
    Choice("enrolment_export", msg("dinas.enrolment_export"), ("ekspor", "export")),
    Choice("roles", msg("dinas.roles"), ("peran", "kode undangan")),
)
_MAIN_MENU = Choice("menu", msg("dinas.main_menu"), ("menu utama",))


def _start(ctx: Context, _: Data) -> Transition:
    return admins_only(ctx) or Goto("choose", {})


def _ask(_: Context, __: Data) -> Reply:
    return Reply.of(msg("dinas.menu"), choices=(*DINAS_ENTRIES, _MAIN_MENU))


def _on_choose(ctx: Context, _: Data, answer: Answer) -> Transition:
    if not is_admin(ctx.contact):  # revoked since the menu was shown
        return Finish(say=(Reply.of(msg("dinas.admins_only")),))
    return Finish(then=answer.choice or "menu")


dinas_flow = Flow(
    id="dinas",
    version=1,
    title=msg("dinas.title"),
    start=_start,
    steps={"choose": Step(ask=_ask, on_answer=_on_choose)},
    in_menu=is_admin,
    aliases=DINAS_WORDS,
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
