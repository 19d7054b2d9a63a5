"""A worker (or the RT/RW leader who registered them) accepts a sponsor's offer: `terima ABCD2345`, the code
the sponsor passed on. Who offers is shown by name only when the sponsor agreed to share it ("seorang
donatur ASN" otherwise), with the months and that Jaring takes no money; the sponsor will see only the
worker's name and how the registration stands.

- The asker picks the registration (their own, or one they registered as a leader; one: named, no
  question), then says yes or no. Yes: accepted (`AcceptSponsor`; verified already: approved at once,
  funded by the sponsor). No: declined; the sponsor hears nothing about them. "batal" leaves the code as it
  is, usable until its expiry day.
- No registration yet: register first with "daftar" (the worker's own consent), then type the same
  `terima …` again.
- Wrong codes count against the per-person limit of codes (the store says when to try again).
- The privacy notice comes first for someone who has not agreed to it; they type the code again after it.
  The flow does not declare `needs_consent`: "terima" is also how "terima kasih" starts, and a thank-you
  must never bring up the notice. Words after "terima" that are no code are given back: thanks answered,
  anything else read as a question (the `benefits` flow), as the engine would have."""

from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import date

from conversations.consent import PERSONAL_DATA
from conversations.engine import CONSENT_FLOW
from conversations.flow import Answer, Context, Data, Fetch, Finish, Flow, Goto, Invalid, Step, Transition
from conversations.flow_data import FlowData
from conversations.messages import Choice, Money, Msg, Reply, msg
from conversations.nik import mask_niks
from conversations.programme import Programme
from conversations.requests.base import RoleRefused
from conversations.requests.sponsors import (
    AcceptSponsor,
    AlreadyFunded,
    DeclineSponsor,
    FindSponsorOffer,
    OfferUnknown,
    SponsorAccepted,
    SponsorOffer,
    SponsorOfferDeclined,
    TooManyCodeTries,
)
from conversations.sponsor_letters import sponsor_who
from conversations.sponsor_words import month_words
from conversations.sponsorship import Commitment
from conversations.text import normalise

__all__ = ["offer_code", "sponsor_offer_flow"]

QUESTION_FLOW = "benefits"  # where words after "terima" that are no code go, as the engine sends a question
_SEPARATORS = re.compile(r"[\s\-.]+")
_CODE = re.compile(r"^[A-Z0-9]{6,12}$")
_THANKS = frozenset({"kasih", "kasi", "ksh", "kasih2", "kasiih", "kaseh"})
_REFUSED = {
    "unknown": "sponsor_offer.code_unknown",
    "used": "sponsor_offer.code_used",
    "expired": "sponsor_offer.code_expired",
}
_FUNDED = {"apbd": "sponsor_offer.funded_apbd"}
_YES, _NO = "accept_yes", "accept_no"
_CONFIRM = (
    Choice(_YES, msg("sponsor_offer.choice_accept"), ("ya", "iya", "y", "terima", "mau", "ya terima", "setuju")),
    Choice(_NO, msg("sponsor_offer.choice_decline"), ("tidak", "tolak", "tidak mau", "gak", "nggak", "n")),
)


@dataclass(frozen=True, slots=True)
class Yours(FlowData):
    registration_id: int = 0
    full_name: str = ""
    own: bool = True


@dataclass(frozen=True, slots=True)
class OfferData(FlowData):
    argument: str = ""  # what came after "terima"
    code: str = ""
    sponsor_name: str = ""  # "" when the sponsor does not share it
    sponsor_kind: str = ""
    organisation: str = ""
    start_month: date | None = None
    months: int = 0
    registrations: tuple[Yours, ...] = ()
    chosen: Yours | None = None


def offer_code(words: str) -> str | None:
    """The code in the words after "terima" ("ABCD2345", "abcd 2345", "ABCD-2345"), or None when they are
    no code ("kasih", "kasih banyak ya", "kartunya kapan?")."""
    said = words.split()
    if not said or len(said) > 2 or normalise(said[0]) in _THANKS or "?" in words:
        return None
    code = _SEPARATORS.sub("", words).upper()
    return code if _CODE.match(code) and code.isascii() else None


def _offered(programme: Programme) -> bool:
    return programme.sponsors is not None


# ---- the code ----------------------------------------------------------------------------------------------


def _start(ctx: Context, data: Data) -> Transition:
    typed = OfferData.load(data).argument.strip()
    if typed and (ctx.programme.sponsors is None or offer_code(typed) is None):
        return _not_a_code(typed)
    if ctx.programme.sponsors is None:
        return Finish(say=(Reply.of(msg("sponsor_offer.off")),))
    if PERSONAL_DATA not in ctx.contact.consents:
        then = {"then": "sponsor_offer", "purpose": PERSONAL_DATA}
        return Finish(say=(Reply.of(msg("sponsor_offer.notice_first")),), then=CONSENT_FLOW, then_data=then)
    code = offer_code(typed) if typed else None
    if code is None:
        return Goto("code")
    return Fetch(FindSponsorOffer(code), then=_on_offer, data=OfferData(code=code).dump())


def _not_a_code(typed: str) -> Transition:
    """ "terima kasih": a thank-you; anything else, read as the question it may be."""
    first = typed.split(maxsplit=1)[0] if typed.split() else ""
    if normalise(first) in _THANKS:
        return Finish(say=(Reply.of(msg("sponsor_offer.you_are_welcome")),))
    return Finish(then=QUESTION_FLOW, then_data={"question": mask_niks(f"terima {typed}")})


def _ask_code(_: Context, __: Data) -> Reply:
    return Reply.of(msg("sponsor_offer.ask_code"))


def _on_code(_: Context, __: Data, answer: Answer) -> Transition:
    typed = answer.text.strip()
    if normalise(typed).startswith("terima "):
        typed = typed.split(maxsplit=1)[1]
    code = offer_code(typed)
    if code is None:
        return Invalid(msg("sponsor_offer.not_a_code"))
    return Fetch(FindSponsorOffer(code), then=_on_offer, data=OfferData(code=code).dump())


def _on_offer(_: Context, data: Data, found: SponsorOffer | OfferUnknown | TooManyCodeTries) -> Transition:
    if isinstance(found, TooManyCodeTries):
        return Finish(say=(Reply.of(msg("sponsor_offer.too_many_tries", minutes=max(1, found.wait_minutes))),))
    if isinstance(found, OfferUnknown):
        return Finish(say=(Reply.of(msg(_REFUSED[found.reason])),))
    offer = OfferData.load(data).but(
        sponsor_name=found.sponsor_name,
        sponsor_kind=found.sponsor_kind,
        organisation=found.organisation,
        start_month=found.start_month,
        months=found.months,
        registrations=tuple(Yours(r.registration_id, r.full_name, r.own) for r in found.registrations),
    )
    if not offer.registrations:
        return Finish(say=(Reply.of(_offer_words(offer), msg("sponsor_offer.register_first", code=offer.code)),))
    if len(offer.registrations) == 1:
        return Goto("confirm", data=offer.but(chosen=offer.registrations[0]).dump())
    return Goto("pick", data=offer.dump())


def _offer_words(offer: OfferData) -> Msg:
    """Who offers (by name only when shared), for how long, and that the worker pays nothing."""
    start = offer.start_month or date.min
    commitment = Commitment(start, max(1, offer.months))
    return msg(
        "sponsor_offer.offer",
        who=sponsor_who(offer.sponsor_kind, offer.sponsor_name, offer.organisation),
        months=commitment.months,
        first=month_words(commitment.start),
        last=month_words(commitment.last_month),
    )


# ---- whose registration ------------------------------------------------------------------------------------


def _ask_pick(_: Context, data: Data) -> Reply:
    offer = OfferData.load(data)
    choices = tuple(
        Choice(
            f"registration_{r.registration_id}",
            msg("sponsor_offer.registration_choice", name=r.full_name or "-", number=r.registration_id),
            number=r.registration_id,
        )
        for r in offer.registrations
    )
    return Reply.of(_offer_words(offer), msg("sponsor_offer.pick"), choices=choices)


def _on_pick(_: Context, data: Data, answer: Answer) -> Transition:
    offer = OfferData.load(data)
    picked = next((r for r in offer.registrations if answer.choice == f"registration_{r.registration_id}"), None)
    if picked is None:
        return Invalid(msg("sponsor_offer.pick_again"))
    return Goto("confirm", data=offer.but(chosen=picked).dump())


# ---- yes or no ---------------------------------------------------------------------------------------------


def _ask_confirm(ctx: Context, data: Data) -> Reply:
    offer = OfferData.load(data)
    chosen = offer.chosen or Yours()
    whose = "sponsor_offer.for_own" if chosen.own else "sponsor_offer.for_neighbour"
    premium = Money(ctx.programme.premium.monthly)
    parts = (
        _offer_words(offer),
        msg(whose, name=chosen.full_name or "-", number=chosen.registration_id, premium=premium),
        msg("sponsor_offer.what_sponsor_sees"),
        msg("sponsor_offer.confirm"),
    )
    return Reply(parts, _CONFIRM)


def _on_confirm(_: Context, data: Data, answer: Answer) -> Transition:
    offer = OfferData.load(data)
    chosen = offer.chosen
    if answer.choice == _YES and chosen is not None:
        return Fetch(AcceptSponsor(offer.code, chosen.registration_id), then=_on_accepted)
    if answer.choice == _NO:
        return Fetch(DeclineSponsor(offer.code), then=_on_declined)
    return Invalid(msg("sponsor_offer.confirm_again"))


def _on_accepted(
    ctx: Context, data: Data, result: SponsorAccepted | AlreadyFunded | OfferUnknown | RoleRefused
) -> Transition:
    offer = OfferData.load(data)
    name = offer.chosen.full_name if offer.chosen is not None else "-"
    if isinstance(result, SponsorAccepted):
        key = "sponsor_offer.accepted_active" if result.status == "active" else "sponsor_offer.accepted_waiting"
        said = msg(key, name=result.worker_name or name, dinas=ctx.programme.dinas_name)
        return Finish(say=(Reply.of(said),))
    if isinstance(result, AlreadyFunded):
        funded = msg(_FUNDED.get(result.funder, "sponsor_offer.funded_sponsor"), name=name)
        return Finish(say=(Reply.of(funded, msg("sponsor_offer.code_kept")),))
    if isinstance(result, OfferUnknown):
        return Finish(say=(Reply.of(msg(_REFUSED[result.reason])),))
    return Finish(say=(Reply.of(msg("sponsor_offer.not_yours")),))


def _on_declined(_: Context, __: Data, result: SponsorOfferDeclined | OfferUnknown) -> Transition:
    if isinstance(result, OfferUnknown):
        return Finish(say=(Reply.of(msg(_REFUSED[result.reason])),))
    return Finish(say=(Reply.of(msg("sponsor_offer.declined")),))


sponsor_offer_flow = Flow(
    id="sponsor_offer",
    version=1,
    title=msg("sponsor_offer.title"),
    start=_start,
    steps={
        "code": Step(ask=_ask_code, on_answer=_on_code),
        "pick": Step(ask=_ask_pick, on_answer=_on_pick),
        "confirm": Step(ask=_ask_confirm, on_answer=_on_confirm),
    },
    in_menu=lambda _: False,
    offered=_offered,
    commands=("terima",),
    takes_argument=lambda words: offer_code(words) is not None,
    data=OfferData,
)
