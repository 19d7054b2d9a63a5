"""The privacy notices (UU 27/2022 Pasal 21): what is collected, why, for how long, and the person's
rights — shown, and consent recorded, before any personal data is asked. One notice per purpose
(conversations/consent.py): a worker registering reads about their own data; an heir reads about the
claim's data (the deceased, the heir, the family), not about being a breadwinner; a sponsor (donatur)
reads about their own record (name, NIP, OPD or company, phone), not about any worker's."""

from __future__ import annotations

from dataclasses import dataclass

from conversations.consent import CLAIM_DATA, PERSONAL_DATA, SPONSOR_DATA
from conversations.effects import Audit, RecordConsent
from conversations.flow import Answer, Context, Data, Fetch, Finish, Flow, Goto, Invalid, Step, Transition
from conversations.flow_data import FlowData
from conversations.messages import Choice, Msg, Reply, msg
from conversations.requests.base import Done
from conversations.requests.sponsors import LeaveAsSponsor, NotSponsor

__all__ = ["CONSENT_PURPOSE", "NOTICE_VERSION", "NOTICE_VERSIONS", "privacy_flow"]

# Change it whenever the notice's text changes: consent is asked again. 2026-12-07: where sponsors may pay a
# worker's premium, the notice says a sponsor learns the worker's name and status.
NOTICE_VERSION = "2026-12-07"
CONSENT_PURPOSE = PERSONAL_DATA
CLAIM_NOTICE_VERSION = "2026-12-06"  # likewise, for the heir's notice
SPONSOR_NOTICE_VERSION = "2026-12-07b"  # likewise, for the sponsors' notice
NOTICE_VERSIONS = {
    PERSONAL_DATA: NOTICE_VERSION,
    CLAIM_DATA: CLAIM_NOTICE_VERSION,
    SPONSOR_DATA: SPONSOR_NOTICE_VERSION,
}
_NOTICE_KEYS = {
    PERSONAL_DATA: "privacy.notice",
    CLAIM_DATA: "privacy.claim_notice",
    SPONSOR_DATA: "privacy.sponsor_notice",
}

AGREE = Choice("agree", msg("privacy.agree"), ("setuju", "ya", "iya", "y", "ok", "oke", "yes", "boleh"))
DECLINE = Choice("decline", msg("privacy.decline"), ("tidak", "tdk", "gak", "ga", "nggak", "enggak", "no", "tidak mau"))
KEEP = Choice("agree", msg("privacy.keep"), AGREE.aliases)
WITHDRAW = Choice("decline", msg("privacy.withdraw"), ("tarik", "cabut", *DECLINE.aliases))


@dataclass(frozen=True, slots=True)
class PrivacyData(FlowData):
    then: str | None = None  # the flow the engine put the notice in front of, to go on to after consent
    purpose: str = PERSONAL_DATA  # whose notice: that flow's (Flow.consent_purpose)

    @property
    def known_purpose(self) -> str:
        return self.purpose if self.purpose in NOTICE_VERSIONS else PERSONAL_DATA


_WHICH = (
    Choice(PERSONAL_DATA, msg("privacy.which_registration"), ("pendaftaran", "data saya")),
    Choice(CLAIM_DATA, msg("privacy.which_claim"), ("klaim", "klaim ahli waris", "ahli waris")),
    Choice(SPONSOR_DATA, msg("privacy.which_sponsor"), ("donatur", "data donatur")),
)


def _which(ctx: Context) -> tuple[Choice, ...]:
    """The registration's notice, and each other notice the person has agreed to."""
    return tuple(c for c in _WHICH if c.id == PERSONAL_DATA or c.id in ctx.contact.consents)


def _start(ctx: Context, data: Data) -> Transition:
    """In front of a flow, that flow's notice; from the menu, the person's choice when they have agreed to
    more than the registration's (an heir or a sponsor can read and withdraw that consent here too)."""
    if PrivacyData.load(data).then is None and len(_which(ctx)) > 1:
        return Goto("which")
    return Goto("notice")


def _ask_which(ctx: Context, __: Data) -> Reply:
    return Reply.of(msg("privacy.which"), choices=_which(ctx))


def _on_which(_: Context, __: Data, answer: Answer) -> Transition:
    purpose = answer.choice if answer.choice is not None and answer.choice in NOTICE_VERSIONS else PERSONAL_DATA
    return Goto("notice", PrivacyData(purpose=purpose).dump())


def _ask_notice(ctx: Context, data: Data) -> Reply:
    privacy, purpose = ctx.programme.privacy, PrivacyData.load(data).known_purpose
    notice = msg(
        _NOTICE_KEYS[purpose],
        controller=privacy.controller,
        years=privacy.retention_years,
        contact=privacy.contact,
    )
    notice_parts: tuple[Msg, ...] = (notice,)
    if purpose == PERSONAL_DATA and ctx.programme.sponsors is not None:
        notice_parts = (notice, msg("privacy.notice_sponsors"))
    if purpose == PERSONAL_DATA and ctx.contact.consented and ctx.contact.consented_at is not None:
        return Reply.of(
            *notice_parts,
            msg("privacy.already_agreed", date=ctx.programme.local_date(ctx.contact.consented_at)),
            choices=(KEEP, WITHDRAW),
        )
    if purpose != PERSONAL_DATA and purpose in ctx.contact.consents:
        return Reply.of(*notice_parts, msg("privacy.already_agreed_undated"), choices=(KEEP, WITHDRAW))
    return Reply.of(*notice_parts, msg("privacy.question"), choices=(AGREE, DECLINE))


def _on_notice(ctx: Context, data: Data, answer: Answer) -> Transition:
    privacy = PrivacyData.load(data)
    next_flow, purpose = privacy.then, privacy.known_purpose
    version, agreed = NOTICE_VERSIONS[purpose], purpose in ctx.contact.consents
    if answer.choice == "agree":
        if agreed:
            return Finish(say=(Reply.of(msg("privacy.kept")),), then=next_flow)
        return Finish(
            say=(Reply.of(msg("privacy.thanks")),),
            effects=(
                RecordConsent(purpose, version, granted=True),
                Audit("consent.granted", {"notice": version, "purpose": purpose}),
            ),
            then=next_flow,
        )
    if answer.choice == "decline":
        said = "privacy.withdrawn" if agreed else "privacy.declined"
        refused = (
            RecordConsent(purpose, version, granted=False),
            Audit("consent.refused", {"notice": version, "purpose": purpose}),
        )
        if agreed and purpose == SPONSOR_DATA:  # a sponsor no more: their workers and the Dinas are told
            return Fetch(LeaveAsSponsor(), then=_on_left_as_sponsor, effects=refused)
        return Finish(say=(Reply.of(msg(said)),), effects=refused)
    return Invalid(msg("engine.pick_a_number"))


def _on_left_as_sponsor(_: Context, __: Data, left: Done | NotSponsor) -> Transition:
    parts = (msg("privacy.withdrawn"), *((msg("sponsor.left"),) if isinstance(left, Done) else ()))
    return Finish(say=(Reply(parts),))


privacy_flow = Flow(
    id="privacy",
    version=1,  # the "which" step was added in front; a session at "notice" reads as before
    title=msg("privacy.title"),
    start=_start,
    steps={
        "which": Step(ask=_ask_which, on_answer=_on_which),
        "notice": Step(ask=_ask_notice, on_answer=_on_notice),
    },
    aliases=("privasi", "data pribadi", "persetujuan", "kebijakan privasi"),
    data=PrivacyData,
)
