"""Roles and invite codes ("Peran dan kode undangan", Dinas admins): who holds which role (10 a page),
one holder's details, revoking a role (confirmed; the person is told), and a one-time invite code for a
kelurahan verifier or an RT/RW leader — the kelurahan typed by name, as in registration.
"""

from __future__ import annotations

from dataclasses import dataclass

from conversations.flow import Answer, Context, Data, Fetch, Finish, Flow, Goto, Invalid, Step, Transition
from conversations.flow_data import FlowData
from conversations.flows.common import NO, YES
from conversations.flows.dinas_menu import admins_only, count_text, is_admin
from conversations.flows.places import kelurahan_name, place_steps
from conversations.matching import best_matches
from conversations.messages import Choice, Msg, Reply, msg
from conversations.requests.base import RoleRefused
from conversations.requests.roles import InviteMade, ListRoleHolders, MakeInvite, Revoked, RevokeRole, RoleHoldersPage
from conversations.role_needs import ADMIN_NEEDED

__all__ = ["ROLE_WORDS", "roles_flow", "rt_rw_number"]

ROLE_WORDS = ("peran", "kode undangan", "buat kode", "peran dan kode undangan")
_PAGE = 10
_ROLE_NAMES = {"admin": "roles.role_admin", "verifier": "roles.role_verifier", "rtrw": "roles.role_rtrw"}

_HOLDERS = Choice("holders", msg("roles.show_holders"), ("lihat", "pemegang peran", "daftar"))
_INVITE_VERIFIER = Choice("invite_verifier", msg("roles.invite_verifier"), ("verifikator", "kode verifikator"))
_INVITE_LEADER = Choice("invite_rtrw", msg("roles.invite_rtrw"), ("rt rw", "rtrw", "kode rt"))
_DINAS = Choice("dinas", msg("approval.back_to_dinas"), ("kembali", "selesai"))
_NEXT = Choice("next", msg("review.next"), ("berikutnya", "lanjut"))
_BACK = Choice("back", msg("approval.back"), ("kembali",))
_REVOKE = Choice("revoke", msg("roles.revoke"), ("cabut",))
_LIST = Choice("list", msg("place.show_list"), ("daftar", "lihat daftar", "list", "pilih dari daftar"))


def _refused() -> Finish:
    return Finish(say=(Reply.of(msg("dinas.admins_only")),))


def _start(ctx: Context, _: Data) -> Transition:
    return admins_only(ctx) or Goto("home", {})


def _ask_home(_: Context, __: Data) -> Reply:
    return Reply.of(msg("roles.home"), choices=(_HOLDERS, _INVITE_VERIFIER, _INVITE_LEADER, _DINAS))


@dataclass(frozen=True, slots=True)
class Holder(FlowData):
    """One role holder as listed: enough to show them and to revoke the grant."""

    grant: int = 0
    contact: int | None = None
    address: str = ""
    role: str = ""
    kelurahan: str = ""
    rt: str = ""
    rw: str = ""
    since: str = ""
    by: str = ""


@dataclass(frozen=True, slots=True)
class RolesData(FlowData):
    offset: int = 0  # the page of holders shown
    total: int = 0
    holders: tuple[Holder, ...] = ()
    holder: Holder | None = None  # the one opened
    invite_role: str = ""  # "verifier" or "rtrw", for the invite being made
    # Written by the place steps (conversations/flows/places.py), which this flow shares with registration.
    kelurahan_candidates: tuple[str, ...] = ()
    kecamatan_code: str = ""
    kelurahan_code: str = ""
    rt: str = ""


def _holders(offset: int, say: tuple[Reply, ...] = ()) -> Fetch[RoleHoldersPage | RoleRefused]:
    listing = ListRoleHolders(offset, _PAGE)
    return Fetch(listing, then=_on_holders_listed, data=RolesData(offset=offset).dump(), say=say)


def _on_home(ctx: Context, _: Data, answer: Answer) -> Transition:
    if not is_admin(ctx.contact):
        return _refused()
    if answer.choice == _HOLDERS.id:
        return _holders(0)
    if answer.choice == _INVITE_VERIFIER.id:
        return Goto("kelurahan", RolesData(invite_role="verifier").dump())
    if answer.choice == _INVITE_LEADER.id:
        return Goto("kelurahan", RolesData(invite_role="rtrw").dump())
    return Finish(then="dinas")


# ---- the holders -----------------------------------------------------------------------------------------


def _role_name(role: str) -> Msg:
    return msg(_ROLE_NAMES.get(role, "roles.role_rtrw"))


def _scope(ctx: Context, holder: Holder) -> Msg:
    if not holder.kelurahan:
        return msg("roles.scope_all")
    place = kelurahan_name(ctx, holder.kelurahan)
    if holder.role == "rtrw":
        return msg("roles.scope_rtrw", rt=holder.rt, rw=holder.rw, place=place)
    return msg("roles.scope_kelurahan", place=place, code=holder.kelurahan)


def _on_holders_listed(_: Context, data: Data, result: RoleHoldersPage | RoleRefused) -> Transition:
    if not isinstance(result, RoleHoldersPage):
        return _refused()
    holders = tuple(
        Holder(
            grant=h.grant_id,
            contact=h.contact_id,
            address=h.address,
            role=h.role,
            kelurahan=h.kelurahan_code,
            rt=h.rt,
            rw=h.rw,
            since=f"{h.since:%d-%m-%Y}",
            by=h.granted_by,
        )
        for h in result.items
    )
    offset = RolesData.load(data).offset
    return Goto("holders", RolesData(offset=offset, total=result.total, holders=holders).dump())


def _ask_holders(ctx: Context, data: Data) -> Reply:
    saved = RolesData.load(data)
    holders, offset, total = saved.holders, saved.offset, saved.total
    if not holders:
        return Reply.of(msg("roles.none"), choices=(_BACK,))
    choices = tuple(
        Choice(
            str(h.grant),
            msg(
                "roles.holder_item",
                role=_role_name(h.role),
                address=h.address[:26],
                place=kelurahan_name(ctx, h.kelurahan) if h.kelurahan else "-",
            ),
        )
        for h in holders
    )
    more = (_NEXT,) if offset + len(holders) < total else ()
    said = msg(
        "roles.holders",
        first=offset + 1,
        last=offset + len(holders),
        total=count_text(total, ctx.language),
    )
    return Reply.of(said, choices=(*choices, *more, _BACK))


def _on_holders(ctx: Context, data: Data, answer: Answer) -> Transition:
    if not is_admin(ctx.contact):
        return _refused()
    saved = RolesData.load(data)
    if answer.choice == _NEXT.id:
        return _holders(saved.offset + _PAGE)
    chosen = next((h for h in saved.holders if str(h.grant) == answer.choice), None)
    if chosen is None:
        return Goto("home", {})
    return Goto("holder", saved.but(holder=chosen).dump())


def _holder(data: Data) -> Holder:
    return RolesData.load(data).holder or Holder(address="-", since="-", by="-")


def _ask_holder(ctx: Context, data: Data) -> Reply:
    holder = _holder(data)
    said = msg(
        "roles.holder",
        role=_role_name(holder.role),
        address=holder.address,
        scope=_scope(ctx, holder),
        since=holder.since,
        by=holder.by,
    )
    return Reply.of(said, choices=(_REVOKE, _BACK))


def _on_holder(ctx: Context, data: Data, answer: Answer) -> Transition:
    if not is_admin(ctx.contact):
        return _refused()
    saved = RolesData.load(data)
    if answer.choice == _REVOKE.id and saved.holder is not None:
        return Goto("confirm_revoke", data)
    return _holders(saved.offset)


def _ask_confirm_revoke(_: Context, data: Data) -> Reply:
    holder = _holder(data)
    said = msg("roles.confirm_revoke", role=_role_name(holder.role), address=holder.address)
    return Reply.of(said, choices=(Choice(YES.id, msg("roles.revoke_yes"), YES.aliases), NO))


def _on_confirm_revoke(ctx: Context, data: Data, answer: Answer) -> Transition:
    if not is_admin(ctx.contact):
        return _refused()
    holder = _holder(data)
    if answer.choice != YES.id or holder.contact is None:
        return _holders(RolesData.load(data).offset, say=(Reply.of(msg("roles.kept")),))
    return Fetch(RevokeRole(holder.contact, holder.role), then=_on_revoked)


def _on_revoked(_: Context, data: Data, result: Revoked | RoleRefused) -> Transition:
    holder = _holder(data)
    names: dict[str, Msg | str] = {"role": _role_name(holder.role), "address": holder.address}
    if isinstance(result, Revoked):
        said = msg("roles.revoked" if result.grants else "roles.nothing_to_revoke", **names)
        return _holders(0, say=(Reply.of(said),))
    return _holders(0, say=(Reply.of(msg("roles.cannot_revoke")),))


# ---- invite codes ----------------------------------------------------------------------------------------


def _ask_kelurahan(_: Context, data: Data) -> Reply:
    verifier = RolesData.load(data).invite_role == "verifier"
    said = "roles.ask_kelurahan_verifier" if verifier else "roles.ask_kelurahan_rtrw"
    return Reply.of(msg(said), choices=(_LIST,))


def _on_kelurahan(ctx: Context, data: Data, answer: Answer) -> Transition:
    """Like registration's kelurahan question (typos and pre-2015 names), without "outside the city"."""
    if answer.choice == _LIST.id:
        return Goto("kecamatan_list", data)
    region = ctx.region
    if region is None:
        return Invalid(msg("place.unavailable"))
    names = [(k.code, k.name) for k in region.all_kelurahan]
    names += [(f.kelurahan_code, f.name) for f in ctx.programme.former_names]
    sure, closest = best_matches(answer.text, names)
    candidates = (sure.id,) if sure else tuple(c.id for c in closest)
    if not candidates:
        return Invalid(msg("place.not_found"))
    return Goto("kelurahan_confirm", RolesData.load(data).but(kelurahan_candidates=candidates).dump())


def _kelurahan_chosen(ctx: Context, data: Data) -> Transition:
    if not is_admin(ctx.contact):
        return _refused()
    saved = RolesData.load(data)
    if saved.invite_role == "rtrw":
        return Goto("rt", data)
    return Fetch(MakeInvite("verifier", saved.kelurahan_code), then=_on_invite_made)


def rt_rw_number(text: str) -> str | None:
    digits = text.strip().removeprefix("RT").removeprefix("RW").removeprefix("rt").removeprefix("rw").strip()
    return f"{int(digits):03d}" if digits.isdecimal() and 0 < int(digits) < 1000 else None


def _ask_rt(_: Context, __: Data) -> Reply:
    return Reply.of(msg("roles.ask_rt"))


def _on_rt(_: Context, data: Data, answer: Answer) -> Transition:
    rt = rt_rw_number(answer.text)
    return Goto("rw", RolesData.load(data).but(rt=rt).dump()) if rt else Invalid(msg("roles.rt_rw_not_a_number"))


def _ask_rw(_: Context, __: Data) -> Reply:
    return Reply.of(msg("roles.ask_rw"))


def _on_rw(ctx: Context, data: Data, answer: Answer) -> Transition:
    if not is_admin(ctx.contact):
        return _refused()
    rw = rt_rw_number(answer.text)
    if rw is None:
        return Invalid(msg("roles.rt_rw_not_a_number"))
    saved = RolesData.load(data)
    request = MakeInvite("rtrw", saved.kelurahan_code, saved.rt, rw)
    return Fetch(request, then=_on_invite_made)


def _on_invite_made(ctx: Context, _: Data, result: InviteMade | RoleRefused) -> Transition:
    if not isinstance(result, InviteMade):
        return Goto("home", {}, say=(Reply.of(msg("roles.invite_refused")),))
    place = kelurahan_name(ctx, result.kelurahan_code)
    who = (
        msg("roles.for_rtrw", rt=result.rt, rw=result.rw, place=place)
        if result.role == "rtrw"
        else msg("roles.for_verifier", place=place)
    )
    explained = msg("roles.invite_made", who=who, code=result.code, expires=result.expires_on)
    # The second message is only the words to send, so the admin can forward it as it is.
    return Goto("home", {}, say=(Reply.of(explained), Reply.of(msg("roles.invite_forward", code=result.code))))


def _outside(_: Context, data: Data) -> Transition:
    return Goto("kelurahan", data)


roles_flow = Flow(
    id="roles",
    version=1,
    title=msg("roles.title"),
    start=_start,
    steps={
        "home": Step(ask=_ask_home, on_answer=_on_home),
        "holders": Step(ask=_ask_holders, on_answer=_on_holders),
        "holder": Step(ask=_ask_holder, on_answer=_on_holder),
        "confirm_revoke": Step(ask=_ask_confirm_revoke, on_answer=_on_confirm_revoke),
        **place_steps(then=_kelurahan_chosen, on_outside=_outside, data_class=RolesData),
        # The kelurahan asked the admin's way; the confirmation and the lists are registration's.
        "kelurahan": Step(ask=_ask_kelurahan, on_answer=_on_kelurahan, free_text=True),
        "rt": Step(ask=_ask_rt, on_answer=_on_rt),
        "rw": Step(ask=_ask_rw, on_answer=_on_rw),
    },
    # Not in the main menu (admins open it from the Menu Dinas); the start refuses whoever is not an admin.
    aliases=ROLE_WORDS,
    needs_role=ADMIN_NEEDED,
    data=RolesData,
)
