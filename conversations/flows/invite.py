"""Invite codes: "/start <code>" (a Telegram deep link) or "kode <code>" gives the role the code was
made for (an RT/RW leader, a kelurahan verifier). Codes are single-use and expire. Wrong codes are
limited per person (the store counts them): after too many, the person is asked to wait a few minutes."""

from __future__ import annotations

from dataclasses import dataclass

from conversations.flow import Context, Data, Fetch, Finish, Flow, Transition
from conversations.flow_data import FlowData
from conversations.flows.places import kelurahan_name
from conversations.messages import Reply, msg
from conversations.requests.invites import InviteRefused, Redeemed, RedeemInvite, TooManyInviteTries

__all__ = ["invite_flow"]

_MAX_CODE = 32
_WELCOME = {"rtrw": "invite.welcome_rtrw", "verifier": "invite.welcome_verifier", "admin": "invite.welcome_admin"}
_REFUSED = {"unknown": "invite.refused_unknown", "used": "invite.refused_used", "expired": "invite.refused_expired"}


@dataclass(frozen=True, slots=True)
class InviteData(FlowData):
    argument: str = ""  # the code typed after "kode" (or Telegram's /start)


def _start(_: Context, data: Data) -> Transition:
    code = InviteData.load(data).argument.strip()[:_MAX_CODE]
    return Fetch(RedeemInvite(code), then=_on_redeemed)


def _on_redeemed(ctx: Context, _: Data, result: Redeemed | InviteRefused | TooManyInviteTries) -> Transition:
    if isinstance(result, Redeemed):
        place = kelurahan_name(ctx, result.kelurahan_code) if result.kelurahan_code else ctx.programme.pemda
        said = msg(_WELCOME.get(result.role, "invite.welcome_rtrw"), place=place, rt=result.rt, rw=result.rw)
        return Finish(say=(Reply.of(said),))
    if isinstance(result, TooManyInviteTries):
        return Finish(say=(Reply.of(msg("invite.too_many_tries", minutes=max(1, result.wait_minutes))),))
    return Finish(say=(Reply.of(msg(_REFUSED[result.reason])),))


invite_flow = Flow(
    id="invite",
    version=1,
    title=msg("invite.title"),
    start=_start,
    in_menu=lambda _: False,
    commands=("kode", "start", "code"),
    data=InviteData,
)
