"""Masuk web (admins and kelurahan verifiers): a one-time link to the Dinas desk's web pages, for the
desk work done at an office PC (the queue of registrations, approval by name, broadcasts, figures).
The link works once, for 10 minutes; the store decides whether the asker is an officer."""

from __future__ import annotations

from conversations.flow import Context, Data, Fetch, Finish, Flow, Invalid, Transition
from conversations.flows.dinas_menu import is_officer
from conversations.messages import Reply, msg
from conversations.requests.base import RoleRefused
from conversations.requests.web import MakeWebLink, WebLinkMade

__all__ = ["WEB_WORDS", "web_sign_in_flow"]

WEB_WORDS = ("masuk web", "login web", "link web", "halaman web", "web dinas", "buka web")


def _start(ctx: Context, _: Data) -> Transition:
    if not is_officer(ctx.contact):
        return Invalid(msg("review.officers_only"))
    return Fetch(MakeWebLink(), then=_on_link)


def _on_link(_: Context, __: Data, result: WebLinkMade | RoleRefused) -> Transition:
    if isinstance(result, RoleRefused):
        return Finish(say=(Reply.of(msg("review.officers_only")),))
    return Finish(say=(Reply.of(msg("web.link", url=result.url, minutes=result.minutes), msg("web.link_care")),))


web_sign_in_flow = Flow(
    id="web_sign_in",
    version=1,
    title=msg("web.title"),
    start=_start,
    # Never in a menu (not in MAIN_MENU): its words open it for anyone, as the doors' do (dinas_menu.py),
    # and `_start` tells someone who is not an officer what to do instead. It has no step to come back to.
    aliases=WEB_WORDS,
)
