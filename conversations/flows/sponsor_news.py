"""The worker's answer after their sponsor stopped paying (or the months they paid for ran out): go back on
the waiting list, so that another sponsor or the Pemda's budget may pay, or not.

The letter (bot/desks/sponsored_workers.py) leaves `Contact.awaiting = "sponsor_news"`: the person's next
message outside a flow comes here with their words (or the button they tapped) as data["reply"] /
data["button"]. The store answers for the asker's own registration (or one they registered as an RT/RW
leader) and only while the question is open.

- "Ya": the registration goes on the waiting list; what that means is said.
- "Tidak": nothing changes; they can pay the premium themselves through BPJS Ketenagakerjaan's channels.
- Unclear: the question again, with what to type. Nothing waiting any more: an ordinary message."""

from __future__ import annotations

from dataclasses import dataclass

from conversations.engine import MENU_FLOW
from conversations.flow import Answer, Context, Data, Fetch, Finish, Flow, Goto, Invalid, Step, Transition
from conversations.flow_data import FlowData
from conversations.messages import Choice, Reply, msg
from conversations.programme import Programme
from conversations.requests.base import Done, RoleRefused
from conversations.requests.sponsors import AnswerWorkerNews, WorkerNews, WorkerNewsAsked, WorkerNewsClosed
from conversations.sponsor_letters import read_letter_reply

__all__ = ["AWAITING_NEWS", "NEWS_CHOICES", "sponsor_news_flow"]

AWAITING_NEWS = "sponsor_news"  # Contact.awaiting while the worker's answer is awaited
# Button ids of their own: a tap on an old "Ya" of another question never answers this one.
_STAY, _NOT = "news_stay", "news_not"
NEWS_CHOICES = (
    Choice(_STAY, msg("sponsor_news.choice_stay"), ("ya", "iya", "y", "mau", "ya mau", "masuk daftar tunggu")),
    Choice(_NOT, msg("sponsor_news.choice_not"), ("tidak", "tidak mau", "tidak usah", "gak", "nggak", "n")),
)


@dataclass(frozen=True, slots=True)
class NewsData(FlowData):
    reply: str = ""  # the words that came after the letter (the engine's awaiting route)
    button: str = ""  # or the button tapped
    registration_id: int = 0
    full_name: str = ""


def _offered(programme: Programme) -> bool:
    return programme.sponsors is not None


def _start(_: Context, __: Data) -> Transition:
    return Fetch(WorkerNews(), then=_on_news)


def _on_news(ctx: Context, data: Data, found: WorkerNewsAsked | Done) -> Transition:
    given = NewsData.load(data)
    came_as_reply = bool(given.reply or given.button)
    if isinstance(found, Done):
        if came_as_reply:  # a letter's question that no longer waits: the message is an ordinary one
            return Finish(then=MENU_FLOW)
        return Finish(say=(Reply.of(msg("sponsor_news.nothing_waits")),))
    asked = NewsData(registration_id=found.registration_id, full_name=found.full_name)
    if not came_as_reply:
        return Goto("answer", data=asked.dump())
    picked = read_letter_reply(ctx, given.reply, given.button, NEWS_CHOICES)
    if picked is None:
        return Goto("answer", data=asked.dump(), say=(Reply.of(msg("sponsor_news.unclear")),))
    return _answered(asked, stay=picked == _STAY)


def _ask_answer(_: Context, data: Data) -> Reply:
    return Reply.of(msg("sponsor_news.question", name=NewsData.load(data).full_name or "-"), choices=NEWS_CHOICES)


def _on_answer(_: Context, data: Data, answer: Answer) -> Transition:
    if answer.choice not in (_STAY, _NOT):
        return Invalid(msg("sponsor_news.unclear"))
    return _answered(NewsData.load(data), stay=answer.choice == _STAY)


def _answered(asked: NewsData, *, stay: bool) -> Transition:
    if stay:
        return Fetch(AnswerWorkerNews(asked.registration_id, stay=True), then=_on_stayed, data=asked.dump())
    return Fetch(AnswerWorkerNews(asked.registration_id, stay=False), then=_on_not, data=asked.dump())


def _closed_or_refused(result: Done | WorkerNewsClosed | RoleRefused) -> Transition | None:
    if isinstance(result, RoleRefused):
        return Finish(say=(Reply.of(msg("sponsor_news.not_yours")),))
    if isinstance(result, WorkerNewsClosed):  # answered meanwhile (the RT/RW leader, another window)
        return Finish(say=(Reply.of(msg("sponsor_news.closed")),))
    return None


def _on_stayed(ctx: Context, data: Data, result: Done | WorkerNewsClosed | RoleRefused) -> Transition:
    if (ended := _closed_or_refused(result)) is not None:
        return ended
    said = msg("sponsor_news.stayed", name=NewsData.load(data).full_name or "-", dinas=ctx.programme.dinas_name)
    return Finish(say=(Reply.of(said),))


def _on_not(ctx: Context, data: Data, result: Done | WorkerNewsClosed | RoleRefused) -> Transition:
    if (ended := _closed_or_refused(result)) is not None:
        return ended
    said = msg(
        "sponsor_news.not_staying",
        name=NewsData.load(data).full_name or "-",
        months=ctx.programme.premium.inactive_after_unpaid_months,
        call_centre=ctx.programme.call_centre,
        dinas=ctx.programme.dinas_name,
    )
    return Finish(say=(Reply.of(said),))


sponsor_news_flow = Flow(
    id="sponsor_news",
    version=1,
    title=msg("sponsor_news.title"),
    start=_start,
    steps={"answer": Step(ask=_ask_answer, on_answer=_on_answer)},
    in_menu=lambda _: False,
    offered=_offered,
    data=NewsData,
)
