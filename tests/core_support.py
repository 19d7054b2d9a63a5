"""Helpers for the pure-core tests: the real programme file and catalogs, a fixed time, and small
builders for states, inbound messages and contexts. No database, no mocks of our own code."""

from __future__ import annotations

from collections.abc import Callable
from datetime import UTC, date, datetime
from functools import cache
from pathlib import Path

from bot.app import read_programme_file
from conversations.engine import MENU_FLOW, Engine, Outcome
from conversations.flow import ContactInfo, Context
from conversations.inbound import Inbound, InboundKind
from conversations.messages import Reply
from conversations.programme import Programme
from conversations.regions import Region, parse_region
from conversations.requests import (
    AccidentReported,
    CheckNik,
    ClaimCaseSaved,
    CorrectRegistration,
    Done,
    EraseRegistration,
    FindParticipant,
    ListClaimCases,
    ListRegistrations,
    NikCheck,
    ParticipantFound,
    Redeemed,
    RedeemInvite,
    RegistrationView,
    Request,
    SaveClaimCase,
    StatusEvent,
    SubmitAccidentReport,
    SubmitRegistration,
    Submitted,
)
from conversations.state import SessionState
from locales import Catalogs

__all__ = [
    "CONSENTED_AT",
    "MENU",
    "NOW",
    "PROGRAMME_FILE",
    "ROOT",
    "catalogs",
    "choice_ids",
    "context",
    "inbound",
    "keys",
    "programme",
    "region",
    "render_reply",
    "run",
]

ROOT = Path(__file__).resolve().parent.parent
PROGRAMME_FILE = ROOT / "programmes" / "kota-pekalongan.toml"
NOW = datetime(2026, 11, 21, 8, 0, tzinfo=UTC)
CONSENTED_AT = datetime(2026, 11, 20, 9, 30, tzinfo=UTC)
# Where the engine leaves a person after showing the main menu.
MENU = SessionState(MENU_FLOW, 1, "choose")


@cache
def programme() -> Programme:
    return read_programme_file(PROGRAMME_FILE)


@cache
def catalogs() -> Catalogs:
    return Catalogs.load()


def context(language: str = "id", *, consented: bool = False, roles: frozenset[str] = frozenset()) -> Context:
    """A contact on the terminal channel; a consenting one agreed to the notice the day before."""
    contact = ContactInfo(
        channel="terminal",
        roles=roles,
        consented=consented,
        consented_at=CONSENTED_AT if consented else None,
    )
    return Context(
        now=NOW, language=language, programme=programme(), contact=contact, renderer=catalogs(), region=region()
    )


def inbound(
    text: str = "",
    *,
    kind: InboundKind = InboundKind.TEXT,
    choice_id: str | None = None,
    phone: str | None = None,
) -> Inbound:
    return Inbound(
        channel="terminal",
        sender_id="person-1",
        message_id="m-1",
        received_at=NOW,
        text=text,
        kind=kind,
        choice_id=choice_id,
        phone=phone,
    )


def keys(outcome: Outcome) -> list[list[str]]:
    """The message keys of each reply, in order: what the person is told, without the wording."""
    return [[part.key for part in reply.parts] for reply in outcome.replies]


def choice_ids(outcome: Outcome) -> list[list[str]]:
    return [[choice.id for choice in reply.choices] for reply in outcome.replies]


def render_reply(reply: Reply, language: str) -> tuple[str, list[str]]:
    """The body and choice labels, rendered exactly as bot.pipeline.Pipeline.render_reply does."""
    body = "\n\n".join(catalogs().render(part, language) for part in reply.parts)
    return body, [catalogs().render(choice.label, language) for choice in reply.choices]


@cache
def region() -> Region:
    return parse_region((ROOT / "programmes" / "wilayah.csv").read_text(encoding="utf-8"), programme().region_code)


SAMPLE_VIEW = RegistrationView(
    id=7,
    nik_masked="3375••••••••0001",
    full_name="Siti Aminah",
    birth_date=date(1985, 6, 5),
    kelurahan_code="33.75.01.1002",
    rt="003",
    rw="005",
    street="Jl. Sampangan Gg. 3",
    job_type="buruh_batik",
    job_text="",
    phone="6281234567890",
    breadwinner=True,
    poverty_register="yes",
    status="submitted",
    history=(StatusEvent("submitted", NOW),),
)


def default_answer(request: Request) -> object:
    """What the store would answer for a person with one registration and a valid invite."""
    match request:
        case CheckNik():
            return NikCheck(registered=False)
        case SubmitRegistration():
            return Submitted(7)
        case ListRegistrations():
            return (SAMPLE_VIEW,)
        case FindParticipant():
            return ParticipantFound(date(2026, 1, 5), date(2021, 1, 4))
        case ListClaimCases():
            return ()
        case SaveClaimCase(case_id=case_id):
            return ClaimCaseSaved(case_id or 1)
        case SubmitAccidentReport():
            return AccidentReported(report_id=1, admins_told=1)
        case CorrectRegistration() | EraseRegistration():
            return Done()
        case RedeemInvite():
            return Redeemed("rtrw", "33.75.01.1002", "003", "005")


def run(
    engine: Engine,
    state: SessionState,
    message: Inbound,
    ctx: Context,
    answer: Callable[[Request], object] = default_answer,
) -> Outcome:
    """Handle a message the way bot.pipeline does: answer each request and resume, collecting replies."""
    outcome = engine.handle(state, message, ctx)
    replies, effects = list(outcome.replies), list(outcome.effects)
    for _ in range(4):
        if outcome.fetch is None:
            break
        outcome = engine.resume(outcome.state, answer(outcome.fetch), ctx)
        replies += outcome.replies
        effects += outcome.effects
    return Outcome(outcome.state, tuple(replies), tuple(effects), outcome.language, outcome.fetch)
