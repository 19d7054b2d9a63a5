"""Pertanyaan belum terjawab (Dinas admins): the questions the bot could not answer, grouped by how
alike they read (conversations/questions/grouping.py), largest group first, each named by its number
(the id of its oldest question, as `jaring questions groups` prints it) with its size, two of its
questions and a suggested topic. The admin opens a group, reads its questions, picks the topic that
answers them (the suggestion first, any topic by category, or "not a programme question") and confirms;
the questions become that topic's phrases, and the model is trained again in the background: the bot
answers them outright within about a minute, in every process."""

from __future__ import annotations

from dataclasses import dataclass

from conversations.choices import looks_like_a_number
from conversations.flow import Answer, Context, Data, Fetch, Finish, Flow, Goto, Invalid, Step, Transition
from conversations.flow_data import FlowData
from conversations.flows.benefits import CATEGORIES
from conversations.flows.common import NO, YES
from conversations.flows.dinas_menu import admins_only, count_text, is_admin
from conversations.messages import Choice, Msg, Reply, msg
from conversations.questions.answers import TOPIC_TITLES
from conversations.questions.grouping import NONE
from conversations.requests.base import RoleRefused
from conversations.requests.unanswered import (
    AttachGroup,
    GroupAttached,
    GroupGone,
    GroupView,
    ListQuestionGroups,
    QuestionGroupsPage,
)
from conversations.role_needs import ADMIN_NEEDED

__all__ = ["UNANSWERED_WORDS", "unanswered_flow"]

UNANSWERED_WORDS = ("pertanyaan belum terjawab", "belum terjawab", "pertanyaan tak terjawab", "unanswered")
PAGE = 8
_SAMPLES_LISTED = 2  # questions shown for each group in the list
_LISTED_CHARS = 60
_SHOWN_CHARS = 100  # a question as shown before attaching (4.096 characters is WhatsApp's most per message)

_NEXT = Choice("next", msg("review.next"), ("berikutnya", "lanjut"))
_DINAS = Choice("dinas", msg("approval.back_to_dinas"), ("kembali", "selesai", "menu dinas"))
_BACK = Choice("back", msg("approval.back"), ("kembali", "daftar"))
_NOT_PROGRAMME = Choice(f"topic:{NONE}", msg("unanswered.topic_none"), ("bukan pertanyaan program", "abaikan", "bukan"))


@dataclass(frozen=True, slots=True)
class Group(FlowData):
    number: int = 0
    count: int = 0
    texts: tuple[str, ...] = ()
    suggested: str = ""
    ids: tuple[int, ...] = ()  # the questions in it as listed: what attaching takes


@dataclass(frozen=True, slots=True)
class UnansweredData(FlowData):
    offset: int = 0  # the page of groups shown
    total_groups: int = 0
    total_questions: int = 0
    groups: tuple[Group, ...] = ()
    group: Group | None = None  # the one opened
    category: str = ""  # the category whose topics are shown
    topic: str = ""  # the topic picked for the group


def _refused() -> Finish:
    return Finish(say=(Reply.of(msg("dinas.admins_only")),))


def _start(ctx: Context, _: Data) -> Transition:
    return admins_only(ctx) or _groups(0)


def _groups(offset: int, say: tuple[Reply, ...] = ()) -> Fetch[QuestionGroupsPage | RoleRefused]:
    listing = ListQuestionGroups(offset, PAGE)
    return Fetch(listing, then=_on_listed, data=UnansweredData(offset=offset).dump(), say=say)


def _on_listed(_: Context, data: Data, result: QuestionGroupsPage | RoleRefused) -> Transition:
    if not isinstance(result, QuestionGroupsPage):
        return _refused()
    offset = UnansweredData.load(data).offset
    if not result.groups and offset > 0:  # the last page emptied meanwhile: from the top
        return _groups(0)
    if not result.groups:
        return Finish(say=(Reply.of(msg("unanswered.none")),), then="dinas")
    saved = UnansweredData(
        offset=offset,
        total_groups=result.total_groups,
        total_questions=result.total_questions,
        groups=tuple(_group(view) for view in result.groups),
    )
    return Goto("groups", saved.dump())


def _group(view: GroupView) -> Group:
    return Group(number=view.number, count=view.count, texts=view.texts, suggested=view.suggested, ids=view.ids)


# ---- the groups ----------------------------------------------------------------------------------


def _short(text: str, most: int) -> str:
    return text if len(text) <= most else text[: most - 1].rstrip() + "…"


def _topic_title(topic: str) -> Msg:
    """The topic's title as the benefits flow shows it; "none" (or a topic gone since) as not the programme's."""
    return TOPIC_TITLES.get(topic, msg("unanswered.topic_none"))


def _suggestion(group: Group) -> Msg:
    if group.suggested in TOPIC_TITLES:
        return msg("unanswered.suggested", topic=_topic_title(group.suggested))
    return msg("unanswered.no_suggestion")


def _listed(ctx: Context, group: Group) -> Msg:
    samples = tuple(
        msg("unanswered.sample", text=_short(text, _LISTED_CHARS)) for text in group.texts[:_SAMPLES_LISTED]
    )
    return msg(
        "unanswered.group",
        number=group.number,
        count=count_text(group.count, ctx.language),
        suggestion=_suggestion(group),
        samples=samples,
    )


def _shown_numbers(saved: UnansweredData) -> str:
    return ", ".join(str(group.number) for group in saved.groups)


def _ask_groups(ctx: Context, data: Data) -> Reply:
    saved = UnansweredData.load(data)
    first, last = saved.offset + 1, saved.offset + len(saved.groups)
    said = msg(
        "unanswered.groups_page" if len(saved.groups) < saved.total_groups else "unanswered.groups",
        questions=count_text(saved.total_questions, ctx.language),
        groups=count_text(saved.total_groups, ctx.language),
        first=first,
        last=last,
        listed=tuple(_listed(ctx, group) for group in saved.groups),
    )
    choices = tuple(
        Choice(
            str(group.number),
            msg("unanswered.group_item", number=group.number, count=count_text(group.count, ctx.language)),
            number=group.number,
        )
        for group in saved.groups
    )
    more = (_NEXT,) if last < saved.total_groups else ()
    return Reply.of(said, choices=(*choices, *more, _DINAS))


def _on_groups(ctx: Context, data: Data, answer: Answer) -> Transition:
    if not is_admin(ctx.contact):
        return _refused()
    saved = UnansweredData.load(data)
    if answer.choice == _DINAS.id:
        return Finish(then="dinas")
    if answer.choice == _NEXT.id:
        return _groups(saved.offset + PAGE)
    chosen = next((g for g in saved.groups if str(g.number) == answer.choice), None)
    if chosen is not None:
        return Goto("topic", saved.but(group=chosen, category="", topic="").dump())
    if looks_like_a_number(answer.text):
        typed = "".join(ch for ch in answer.text if ch.isdecimal())
        return Invalid(msg("unanswered.number_not_listed", number=typed, shown=_shown_numbers(saved)))
    return Invalid(msg("unanswered.pick_by_number", shown=_shown_numbers(saved)))


# ---- one group: which topic answers it ------------------------------------------------------------


def _opened(data: Data) -> Group:
    return UnansweredData.load(data).group or Group()


def _ask_topic(ctx: Context, data: Data) -> Reply:
    group = _opened(data)
    shown = tuple(msg("unanswered.sample", text=_short(text, _SHOWN_CHARS)) for text in group.texts)
    more = group.count - len(group.texts)
    said = msg(
        "unanswered.opened",
        number=group.number,
        count=count_text(group.count, ctx.language),
        questions=(*shown, msg("unanswered.more", count=count_text(more, ctx.language))) if more > 0 else shown,
    )
    suggested = (
        (Choice(f"topic:{group.suggested}", msg("unanswered.use_suggested", topic=_topic_title(group.suggested))),)
        if group.suggested in TOPIC_TITLES
        else ()
    )
    categories = tuple(Choice(f"category:{cid}", msg(f"questions.category_{cid}")) for cid in CATEGORIES)
    return Reply.of(said, msg("unanswered.which_topic"), choices=(*suggested, *categories, _NOT_PROGRAMME, _BACK))


def _on_topic(ctx: Context, data: Data, answer: Answer) -> Transition:
    if not is_admin(ctx.contact):
        return _refused()
    saved = UnansweredData.load(data)
    picked = answer.choice or ""
    if picked.startswith("topic:"):
        return Goto("confirm", saved.but(topic=picked.removeprefix("topic:")).dump())
    if picked.startswith("category:"):
        return Goto("category_topics", saved.but(category=picked.removeprefix("category:")).dump())
    return Goto("groups", saved.but(group=None).dump())


def _ask_category_topics(_: Context, data: Data) -> Reply:
    topics = CATEGORIES.get(UnansweredData.load(data).category, ())
    choices = tuple(Choice(f"topic:{topic}", TOPIC_TITLES[topic]) for topic in topics if topic in TOPIC_TITLES)
    return Reply.of(msg("unanswered.pick_topic"), choices=(*choices, _BACK))


def _on_category_topics(ctx: Context, data: Data, answer: Answer) -> Transition:
    if not is_admin(ctx.contact):
        return _refused()
    saved = UnansweredData.load(data)
    topic = (answer.choice or "").removeprefix("topic:")
    if topic in TOPIC_TITLES:
        return Goto("confirm", saved.but(topic=topic).dump())
    return Goto("topic", saved.but(category="").dump())


# ---- confirm, attach ------------------------------------------------------------------------------------


def _ask_confirm(ctx: Context, data: Data) -> Reply:
    saved = UnansweredData.load(data)
    group = _opened(data)
    said = msg(
        "unanswered.confirm_none" if saved.topic == NONE else "unanswered.confirm",
        number=group.number,
        count=count_text(group.count, ctx.language),
        topic=_topic_title(saved.topic),
    )
    agree = msg("unanswered.mark_yes" if saved.topic == NONE else "unanswered.attach_yes")
    return Reply.of(said, choices=(Choice(YES.id, agree, YES.aliases), NO))


def _on_confirm(ctx: Context, data: Data, answer: Answer) -> Transition:
    if not is_admin(ctx.contact):
        return _refused()
    saved = UnansweredData.load(data)
    group = saved.group
    if answer.choice != YES.id or group is None or not saved.topic:
        return _groups(saved.offset, say=(Reply.of(msg("unanswered.kept", number=group.number if group else "-")),))
    return Fetch(AttachGroup(group.number, saved.topic, ids=group.ids or None), then=_on_attached)


def _on_attached(ctx: Context, data: Data, result: GroupAttached | GroupGone | RoleRefused) -> Transition:
    if isinstance(result, GroupAttached):
        said = msg(
            "unanswered.attached_none" if result.topic == NONE else "unanswered.attached",
            count=count_text(result.phrases, ctx.language),
            number=result.number,
            topic=_topic_title(result.topic),
        )
        return _groups(0, say=(Reply.of(said),))
    if isinstance(result, GroupGone):
        return _groups(0, say=(Reply.of(msg("unanswered.gone", number=result.number)),))
    return _refused()


unanswered_flow = Flow(
    id="unanswered",
    version=1,
    title=msg("unanswered.title"),
    start=_start,
    steps={
        "groups": Step(ask=_ask_groups, on_answer=_on_groups, free_text=True),
        "topic": Step(ask=_ask_topic, on_answer=_on_topic),
        "category_topics": Step(ask=_ask_category_topics, on_answer=_on_category_topics),
        "confirm": Step(ask=_ask_confirm, on_answer=_on_confirm),
    },
    # Not in the main menu (admins open it from the Menu Dinas); the start refuses whoever is not an admin.
    aliases=UNANSWERED_WORDS,
    needs_role=ADMIN_NEEDED,
    data=UnansweredData,
)
