"""Invite codes: "/start <code>" (a Telegram deep link) or "kode <code>" gives the role the code was
made for (an RT/RW leader, a kelurahan verifier). Codes are single-use and expire. Wrong codes are
limited per person (the store counts them): after too many, the person is asked to wait a few minutes."""

from __future__ import annotations

from conversations.flow import Context, Data, Fetch, Finish, Flow, Resume, Transition
from conversations.flows.places import kelurahan_name
from conversations.messages import Reply, msg
from conversations.requests import InviteRefused, Redeemed, RedeemInvite, TooManyInviteTries

__all__ = ["invite_flow"]

_MAX_CODE = 32
_WELCOME = {"rtrw": "invite.welcome_rtrw", "verifier": "invite.welcome_verifier", "admin": "invite.welcome_admin"}
_REFUSED = {"unknown": "invite.refused_unknown", "used": "invite.refused_used", "expired": "invite.refused_expired"}


def _start(_: Context, data: Data) -> Transition:
    code = str(data.get("argument", "")).strip()[:_MAX_CODE]
    return Fetch(RedeemInvite(code), step="redeemed")


def _on_redeemed(ctx: Context, _: Data, result: object) -> Transition:
    if isinstance(result, Redeemed):
        place = kelurahan_name(ctx, result.kelurahan_code) if result.kelurahan_code else ctx.programme.pemda
        said = msg(_WELCOME.get(result.role, "invite.welcome_rtrw"), place=place, rt=result.rt, rw=result.rw)
        return Finish(say=(Reply.of(said),))
    if isinstance(result, TooManyInviteTries):
        return Finish(say=(Reply.of(msg("invite.too_many_tries", minutes=max(1, result.wait_minutes))),))
    reason = result.reason if isinstance(result, InviteRefused) else "unknown"
    return Finish(say=(Reply.of(msg(_REFUSED[reason])),))


invite_flow = Flow(
    id="invite",
    version=1,
    title=msg("invite.title"),
    start=_start,
    steps={"redeemed": Resume(on_result=_on_redeemed)},
    in_menu=lambda _: False,
    commands=("kode", "start", "code"),
)
