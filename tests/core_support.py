"""Helpers for the pure-core tests: the real programme file and catalogs, a fixed time, and small
builders for states, inbound messages and contexts. No database, no mocks of our own code."""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace
from datetime import UTC, date, datetime
from functools import cache
from pathlib import Path

from bot.app import read_programme_file
from conversations.consent import PURPOSES
from conversations.corrections_policy import CorrectionPlan
from conversations.coverage import Membership
from conversations.engine import MENU_FLOW, Engine, Outcome
from conversations.flow import ContactInfo, Context
from conversations.inbound import Inbound, InboundKind
from conversations.messages import Reply
from conversations.programme import Programme
from conversations.regions import Region, parse_region
from conversations.requests.accidents import AccidentReported, FindParticipant, ParticipantFound, SubmitAccidentReport
from conversations.requests.base import (
    Done,
    Request,
)
from conversations.requests.broadcasts import (
    AudienceCount,
    BroadcastCancelled,
    BroadcastCreated,
    BroadcastPreview,
    BroadcastReport,
    CreateBroadcast,
    ListBroadcasts,
    PreviewBroadcast,
    ShowBroadcast,
)
from conversations.requests.claims import ClaimCaseSaved, ListClaimCases, SaveClaimCase, TellDinasNotCovered
from conversations.requests.export import ExportEnrolment
from conversations.requests.figures import Count, FigureCounts, Figures, FileQueued, SendFiguresChart, ShowFigures
from conversations.requests.invites import Redeemed, RedeemInvite
from conversations.requests.registrations import (
    CheckNik,
    CorrectRegistration,
    EraseRegistration,
    FindLeaderArea,
    LeaderArea,
    ListRegistrations,
    NikCheck,
    PlanCorrection,
    RegistrationView,
    StatusEvent,
    SubmitRegistration,
    Submitted,
)
from conversations.requests.renewal import AnswerRenewal, RenewalAsked, RenewalQuestion, RenewalRecorded
from conversations.state import SessionState
from locales import Catalogs
from tests.review_support import REVIEW_REQUESTS, review_answer
from tests.sponsor_side_support import SPONSOR_REQUESTS, sponsor_answer
from tests.sponsor_worker_answers import SPONSOR_WORKER_REQUESTS, sponsor_worker_answer
from tests.unanswered_support import UNANSWERED_REQUESTS, unanswered_answer

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
        consents=frozenset(PURPOSES) if consented else frozenset(),
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
    """The body and choice labels, rendered exactly as bot.inbound.outbox_writer.OutboxWriter.render does."""
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


SAMPLE_FIGURES = Figures(
    year=2026,
    counts=FigureCounts(
        by_status=(Count("submitted", 12), Count("approved", 5), Count("active", 423)),
        by_kelurahan=(Count("33.75.01.1002", 240), Count("33.75.02.1001", 200)),
        by_job_type=(Count("tukang_becak", 300), Count("buruh_batik", 140)),
    ),
    quota_places=1000,
    quota_used=428,
    active=423,
    premiums_year=85_276_800,
    claims_paid=14,
    claims_paid_total=588_000_000,
    claims_open=2,
    accident_reports=3,
    unanswered_count=4,
    unanswered_days=30,
    unanswered_newest=("kapan kartu jadi",),
)


def default_answer(request: Request[object]) -> object:  # noqa: PLR0912 (one branch per request type, on purpose)
    """What the store would answer for a person with one registration and a valid invite."""
    if isinstance(request, REVIEW_REQUESTS):
        return review_answer(request)
    if type(request).__module__ == "conversations.requests.broadcasts":
        return broadcast_answer(request)
    if isinstance(request, UNANSWERED_REQUESTS):
        return unanswered_answer(request)
    if isinstance(request, SPONSOR_REQUESTS):
        return sponsor_answer(request)
    if isinstance(request, SPONSOR_WORKER_REQUESTS):
        return sponsor_worker_answer(request)
    match request:
        case CheckNik():
            return NikCheck(registered=False)
        case SubmitRegistration():
            return Submitted(7)
        case FindLeaderArea():
            return LeaderArea("33.75.01.1002", "003", "005")
        case ListRegistrations():
            return (SAMPLE_VIEW,)
        case FindParticipant():
            return participant_found(date(2026, 1, 5), date(2021, 1, 4))
        case ListClaimCases():
            return ()
        case SaveClaimCase(case_id=case_id):
            return ClaimCaseSaved(case_id or 1)
        case SubmitAccidentReport():
            return AccidentReported(report_id=1, admins_told=1)
        case TellDinasNotCovered():
            return Done()
        case PlanCorrection(field=field):
            return CorrectionPlan(field, "submitted", "corrected", rechecked=True)
        case CorrectRegistration() | EraseRegistration():
            return Done()
        case RedeemInvite():
            return Redeemed("rtrw", "33.75.01.1002", "003", "005")
        case ShowFigures(year=year):
            return SAMPLE_FIGURES if year is None else replace(SAMPLE_FIGURES, year=year)
        case SendFiguresChart():
            return FileQueued(1, "grafik-2026.png")
        case ExportEnrolment():
            return FileQueued(3, "daftar-bpjstk-disetujui-21-11-2026.xlsx")
        case RenewalQuestion():
            return RenewalAsked(7, 2027, "Siti Aminah", "buruh_batik")
        case AnswerRenewal(registration_id=registration_id, answer=answer):
            return RenewalRecorded(registration_id, 2027, answer, kelurahan_told=1)
    raise AssertionError(f"no sample answer for {type(request).__name__}")


SAMPLE_BROADCAST = BroadcastReport(
    id=5,
    status="scheduled",
    audience_kind="everyone",
    audience_value="",
    body="Pendaftaran dibuka di kantor kelurahan mulai Senin.",
    author="terminal:dinas",
    send_at=datetime(2026, 11, 25, 1, 0, tzinfo=UTC),
)


def broadcast_answer(request: Request[object]) -> object:
    """What the store would answer a Dinas admin: 120 people reachable, one broadcast scheduled."""
    match request:
        case PreviewBroadcast():
            return BroadcastPreview(AudienceCount(telegram=80, whatsapp_window=25, whatsapp_template=15, opted_out=3))
        case CreateBroadcast(send_at=send_at):
            return BroadcastCreated(6, send_at or NOW, now=send_at is None)
        case ListBroadcasts():
            return (SAMPLE_BROADCAST,)
        case ShowBroadcast():
            return SAMPLE_BROADCAST
        case _:
            return BroadcastCancelled(5, cancelled=0, already_sent=0)


def run(
    engine: Engine,
    state: SessionState,
    message: Inbound,
    ctx: Context,
    answer: Callable[[Request[object]], object] = default_answer,
) -> Outcome:
    """Handle a message the way bot.inbound.pipeline does: answer each request and resume, collecting replies."""
    outcome = engine.handle(state, message, ctx)
    replies, effects = list(outcome.replies), list(outcome.effects)
    for _ in range(4):
        if outcome.fetch is None:
            break
        outcome = engine.resume(outcome, answer(outcome.fetch.request), ctx)
        replies += outcome.replies
        effects += outcome.effects
    return Outcome(outcome.state, tuple(replies), tuple(effects), outcome.language, outcome.fetch)


def participant_found(
    registered_on: date,
    coverage_start: date | None,
    *,
    status: str | None = None,
    ended_on: date | None = None,
    registration_id: int = 1,
) -> ParticipantFound:
    """What the store answers FindParticipant for a worker on record: active once BPJS TK gave a start
    date, approved (not yet active) before that, unless `status` says otherwise."""
    status = status or ("active" if coverage_start is not None else "approved")
    return ParticipantFound(registration_id, registered_on, Membership(status, coverage_start, ended_on))
