"""The privacy notice (UU 27/2022 Pasal 21): what is collected, why, for how long, and the person's
rights — shown, and consent recorded, before any personal data is asked."""

from __future__ import annotations

from dataclasses import dataclass

from conversations.effects import Audit, RecordConsent
from conversations.flow import Answer, Context, Data, Finish, Flow, Goto, Invalid, Step, Transition
from conversations.flow_data import FlowData
from conversations.messages import Choice, Reply, msg

__all__ = ["CONSENT_PURPOSE", "NOTICE_VERSION", "privacy_flow"]

NOTICE_VERSION = "2026-11-21b"  # change it whenever the notice's text changes: consent is asked again
CONSENT_PURPOSE = "personal_data"

AGREE = Choice("agree", msg("privacy.agree"), ("setuju", "ya", "iya", "y", "ok", "oke", "yes", "boleh"))
DECLINE = Choice("decline", msg("privacy.decline"), ("tidak", "tdk", "gak", "ga", "nggak", "enggak", "no", "tidak mau"))
KEEP = Choice("agree", msg("privacy.keep"), AGREE.aliases)
WITHDRAW = Choice("decline", msg("privacy.withdraw"), ("tarik", "cabut", *DECLINE.aliases))


@dataclass(frozen=True, slots=True)
class PrivacyData(FlowData):
    then: str | None = None  # the flow the engine put the notice in front of, to go on to after consent


def _start(_: Context, __: Data) -> Transition:
    return Goto("notice")


def _ask_notice(ctx: Context, data: Data) -> Reply:
    privacy = ctx.programme.privacy
    notice = msg(
        "privacy.notice",
        controller=privacy.controller,
        years=privacy.retention_years,
        contact=privacy.contact,
    )
    if ctx.contact.consented and ctx.contact.consented_at is not None:
        return Reply.of(
            notice,
            msg("privacy.already_agreed", date=ctx.programme.local_date(ctx.contact.consented_at)),
            choices=(KEEP, WITHDRAW),
        )
    return Reply.of(notice, msg("privacy.question"), choices=(AGREE, DECLINE))


def _on_notice(ctx: Context, data: Data, answer: Answer) -> Transition:
    next_flow = PrivacyData.load(data).then
    if answer.choice == "agree":
        if ctx.contact.consented:
            return Finish(say=(Reply.of(msg("privacy.kept")),), then=next_flow)
        return Finish(
            say=(Reply.of(msg("privacy.thanks")),),
            effects=(
                RecordConsent(CONSENT_PURPOSE, NOTICE_VERSION, granted=True),
                Audit("consent.granted", {"notice": NOTICE_VERSION}),
            ),
            then=next_flow,
        )
    if answer.choice == "decline":
        said = "privacy.withdrawn" if ctx.contact.consented else "privacy.declined"
        return Finish(
            say=(Reply.of(msg(said)),),
            effects=(
                RecordConsent(CONSENT_PURPOSE, NOTICE_VERSION, granted=False),
                Audit("consent.refused", {"notice": NOTICE_VERSION}),
            ),
        )
    return Invalid(msg("engine.pick_a_number"))


privacy_flow = Flow(
    id="privacy",
    version=1,
    title=msg("privacy.title"),
    start=_start,
    steps={"notice": Step(ask=_ask_notice, on_answer=_on_notice)},
    aliases=("privasi", "data pribadi", "persetujuan", "kebijakan privasi"),
    data=PrivacyData,
)
