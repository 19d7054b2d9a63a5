"""Roles and invite codes (admins): who holds which role now, revoking one (confirmed; the person is told
in their chat by the desk's letter), and a one-time invite code for a kelurahan verifier or an RT/RW
leader, shown once with how to use it. The chat's "Peran dan kode undangan" (conversations/flows/roles.py)
asks the same desks."""

from __future__ import annotations

from dataclasses import dataclass, field

from starlette.responses import Response
from starlette.routing import BaseRoute

from bot.desks.roles import INVITE_DAYS
from bot.web.desk import Desk
from bot.web.rendering import Texts
from bot.web.visit import AdminsOnly, NotFound, Visit, notices, page_route, path_id, query_int
from conversations.flows.roles import rt_rw_number  # the chat's reading of "3", "RT 03"
from conversations.regions import Region
from conversations.requests.base import RoleRefused
from conversations.requests.casework import OpenRoleHolder
from conversations.requests.roles import (
    InviteMade,
    ListRoleHolders,
    MakeInvite,
    Revoked,
    RevokeRole,
    RoleHolder,
    RoleHoldersPage,
)

__all__ = ["InviteForm", "read_invite", "routes"]

PAGE = 50
ROLE_NAMES = {"admin": "roles.role_admin", "verifier": "roles.role_verifier", "rtrw": "roles.role_rtrw"}
INVITE_ROLES = ("verifier", "rtrw")

notices("web.people.revoked", "web.people.nothing_to_revoke")


@dataclass(frozen=True, slots=True)
class HolderRow:
    """A role holder as the table shows them."""

    holder: RoleHolder
    role: str
    scope: str
    mine: bool  # the officer's own grant: another admin revokes it


@dataclass(slots=True)
class InviteForm:
    """The invite form as typed, and what is wrong with it (field → catalog key)."""

    role: str = ""
    kelurahan: str = ""
    rt: str = ""
    rw: str = ""
    problems: dict[str, str] = field(default_factory=dict)

    def request(self) -> MakeInvite | None:
        """The invite to make, when the form is good."""
        if self.problems:
            return None
        if self.role == "verifier":
            return MakeInvite("verifier", self.kelurahan)
        return MakeInvite("rtrw", self.kelurahan, rt_rw_number(self.rt) or "", rt_rw_number(self.rw) or "")


def read_invite(role: str, kelurahan: str, rt: str, rw: str, region: Region) -> InviteForm:
    """Check the fields as the chat checks its answers: a role the chat offers, a kelurahan of the
    region, and for an RT/RW leader the RT and RW numbers (1–999)."""
    form = InviteForm(role, kelurahan, rt, rw)
    if role not in INVITE_ROLES:
        form.problems["role"] = "web.people.choose_role"
    if kelurahan not in {k.code for k in region.all_kelurahan}:
        form.problems["kelurahan"] = "web.people.choose_kelurahan"
    if role == "rtrw":
        if rt_rw_number(rt) is None:
            form.problems["rt"] = "web.people.rt_not_a_number"
        if rt_rw_number(rw) is None:
            form.problems["rw"] = "web.people.rw_not_a_number"
    return form


def scope_text(texts: Texts, holder: RoleHolder, names: dict[str, str]) -> str:
    """Where the role holds, as the chat says it."""
    if not holder.kelurahan_code:
        return texts("roles.scope_all")
    place = names.get(holder.kelurahan_code, holder.kelurahan_code)
    if holder.role == "rtrw":
        return texts("roles.scope_rtrw", rt=holder.rt, rw=holder.rw, place=place)
    return texts("roles.scope_kelurahan", place=place, code=holder.kelurahan_code)


def routes(desk: Desk) -> list[BaseRoute]:
    region = desk.jaring.region
    names = {k.code: k.name for k in region.all_kelurahan}

    def row(visit: Visit, holder: RoleHolder) -> HolderRow:
        role = visit.texts(ROLE_NAMES.get(holder.role, "roles.role_rtrw"))
        mine = holder.contact_id == visit.officer.contact.id
        return HolderRow(holder, role, scope_text(visit.texts, holder, names), mine)

    async def holders(visit: Visit) -> Response:
        visit.require_admin()
        offset = query_int(visit.request.query_params, "dari")
        listed = await visit.ask(ListRoleHolders(offset, PAGE))
        if not isinstance(listed, RoleHoldersPage):
            raise AdminsOnly
        await visit.viewed("people", offset=str(offset))
        rows = [row(visit, holder) for holder in listed.items]
        return visit.page("people/list.html", rows=rows, total=listed.total, offset=offset, page_size=PAGE)

    async def opened(visit: Visit) -> RoleHolder:
        visit.require_admin()
        found = await visit.ask(OpenRoleHolder(path_id(visit, "grant")))
        if isinstance(found, RoleRefused):
            raise AdminsOnly
        if found is None:
            raise NotFound
        return found

    async def confirm_revoke(visit: Visit) -> Response:
        holder = await opened(visit)
        await visit.viewed("people.revoke", subject=f"contact:{holder.contact_id}")
        return visit.page("people/revoke.html", row=row(visit, holder), problem="")

    async def revoke(visit: Visit) -> Response:
        visit.require_admin()
        found = await visit.ask(OpenRoleHolder(path_id(visit, "grant")))
        if isinstance(found, RoleRefused):
            raise AdminsOnly
        if found is None:  # revoked meanwhile, by another admin or from the chat
            return visit.redirect("/peran", notice="web.people.nothing_to_revoke")
        done = await visit.ask(RevokeRole(found.contact_id, found.role))
        if isinstance(done, Revoked):
            return visit.redirect(
                "/peran", notice="web.people.revoked" if done.grants else "web.people.nothing_to_revoke"
            )
        problem = visit.texts("roles.cannot_revoke")
        return visit.page("people/revoke.html", status=409, row=row(visit, found), problem=problem)

    def invite_page(visit: Visit, form: InviteForm, *, status: int = 200, refused: bool = False) -> Response:
        return visit.page(
            "people/invite.html", status=status, form=form, region=region, refused=refused, invite_days=INVITE_DAYS
        )

    async def invite_form(visit: Visit) -> Response:
        visit.require_admin()
        return invite_page(visit, InviteForm(role=visit.field("peran")))

    async def make_invite(visit: Visit) -> Response:
        visit.require_admin()
        form = read_invite(visit.field("peran"), visit.field("kelurahan"), visit.field("rt"), visit.field("rw"), region)
        request = form.request()
        if request is None:
            return invite_page(visit, form, status=400)
        made = await visit.ask(request)
        if not isinstance(made, InviteMade):
            return invite_page(visit, form, status=400, refused=True)
        place = names.get(made.kelurahan_code, made.kelurahan_code)
        who = (
            visit.texts("roles.for_rtrw", rt=made.rt, rw=made.rw, place=place)
            if made.role == "rtrw"
            else visit.texts("roles.for_verifier", place=place)
        )
        # Shown in this answer only: the store keeps the code's keyed hash, never the code.
        return visit.page("people/invite_made.html", made=made, who=who)

    return [
        page_route(desk, "/peran", holders),
        page_route(desk, "/peran/undangan", invite_form),
        page_route(desk, "/peran/undangan", make_invite, methods=("POST",)),
        page_route(desk, "/peran/{grant:int}/cabut", confirm_revoke),
        page_route(desk, "/peran/{grant:int}/cabut", revoke, methods=("POST",)),
    ]
