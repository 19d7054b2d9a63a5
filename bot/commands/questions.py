"""`jaring questions …`: the questions the bot could not answer, grouped, attached to a topic, and the
question model trained again from the shipped examples and every phrase admins attached.

`train` is also what the bot runs in a child process after an admin attached a group in chat (the bot
itself never imports scikit-learn); every bot process loads the new model within a minute."""

from __future__ import annotations

import asyncio
import time
from dataclasses import dataclass
from typing import TYPE_CHECKING

from bot.commands.voice import CLI_LANGUAGE, Voice
from bot.desks.unanswered import ATTACHABLE_TOPICS, attach, current_groups, stored_model
from conversations.nik import mask_digit_runs
from conversations.questions.answers import TOPIC_TITLES
from conversations.questions.grouping import NONE
from conversations.questions.training import Example, digest, shipped_examples, train  # scikit-learn only when called
from conversations.requests.unanswered import GroupAttached
from db.repositories import audit, question_learning
from db.repositories.unanswered_questions import recent_questions

if TYPE_CHECKING:
    from bot.app import Jaring

__all__ = ["TrainingDone", "run_questions_command", "train_and_save"]

SAMPLES = 3  # questions printed under each group


@dataclass(frozen=True, slots=True)
class TrainingDone:
    model_id: int | None  # None: not saved, a model that learnt from newer phrases was saved meanwhile
    examples: int
    phrases: int  # of them, attached by admins
    skipped: tuple[str, ...]  # topics of attached phrases the code no longer has
    seconds: float


async def run_questions_command(
    jaring: Jaring, action: str, *, limit: int = 50, group: int = 0, topic: str = "", language: str = CLI_LANGUAGE
) -> int:
    say = Voice.of(jaring, language)
    if action == "unanswered":
        return await _unanswered(jaring, say, limit)
    if action == "groups":
        return await _groups(jaring, say)
    if action == "attach":
        return await _attach(jaring, say, group, topic)
    _say_trained(say, await train_and_save(jaring))
    return 0


async def _unanswered(jaring: Jaring, say: Voice, limit: int) -> int:
    async with jaring.store.transaction() as session:
        rows = await recent_questions(session, limit)
    for row in rows:  # rows kept before masking was complete too
        say.say("cli.questions.line", when=say.time(row.created_at), where=row.asked_in, text=mask_digit_runs(row.text))
    say.say("cli.questions.total", count=len(rows))
    return 0


def _topic_name(say: Voice, topic: str) -> str:
    title = TOPIC_TITLES.get(topic)
    return f"{say.text(title)} ({topic})" if title is not None else say.text("cli.questions.topic_none")


async def _groups(jaring: Jaring, say: Voice) -> int:
    async with jaring.store.transaction() as session:
        groups = await current_groups(session, await stored_model(session))
    if not groups:
        say.say("cli.questions.no_groups")
        return 0
    for group in groups:
        count = say.number(group.count)
        say.say("cli.questions.group", number=group.number, count=count, topic=_topic_name(say, group.suggested))
        for text in group.texts[:SAMPLES]:
            say.say("cli.questions.group_sample", text=text)
    questions = say.number(sum(g.count for g in groups))
    say.say("cli.questions.groups_total", groups=say.number(len(groups)), questions=questions)
    return 0


async def _attach(jaring: Jaring, say: Voice, number: int, topic: str) -> int:
    if topic not in ATTACHABLE_TOPICS:
        say.complain("cli.questions.unknown_topic", topic=topic, topics=", ".join(sorted(ATTACHABLE_TOPICS)))
        return 2
    async with jaring.store.transaction() as session:
        model = await stored_model(session)
        done = await attach(
            session,
            model,
            number,
            topic,
            now=jaring.pipeline.clock(),
            actor="cli",
            actor_contact_id=None,
            source="cli",
        )
    if not isinstance(done, GroupAttached):
        say.complain("cli.questions.group_gone", number=number)
        return 1
    said = "cli.questions.attached_none" if topic == NONE else "cli.questions.attached"
    say.say(said, number=number, count=say.number(done.phrases), topic=_topic_name(say, topic))
    _say_trained(say, await train_and_save(jaring))
    return 0


async def train_and_save(jaring: Jaring) -> TrainingDone:
    """Train on the shipped examples and every attached phrase (scikit-learn, in this process) and keep
    the model in the store, where every bot process finds it within a minute."""
    started = time.perf_counter()
    async with jaring.store.transaction() as session:
        phrases = await question_learning.all_phrases(session)
    kept = [p for p in phrases if p.topic in ATTACHABLE_TOPICS]
    skipped = tuple(sorted({p.topic for p in phrases} - ATTACHABLE_TOPICS))
    shipped = shipped_examples()
    examples = [*shipped, *(Example(p.text, p.topic) for p in kept)]
    model = await asyncio.to_thread(lambda: train(examples, base=digest(shipped)))
    up_to = max((p.id for p in phrases), default=0)
    now = jaring.pipeline.clock()
    async with jaring.store.transaction() as session:
        model_id = await question_learning.save_model(
            session, model.to_json(), examples=len(examples), phrases_up_to=up_to, now=now
        )
        if model_id is not None:
            await audit.record_audit(
                session,
                "questions.trained",
                now=now,
                subject=f"question_model:{model_id}",
                detail={"examples": str(len(examples)), "phrases": str(len(kept))},
            )
    return TrainingDone(model_id, len(examples), len(kept), skipped, time.perf_counter() - started)


def _seconds(say: Voice, seconds: float) -> str:
    shown = f"{seconds:.1f}"
    return shown if say.language == "en" else shown.replace(".", ",")


def _say_trained(say: Voice, done: TrainingDone) -> None:
    counts = {"examples": say.number(done.examples), "phrases": say.number(done.phrases)}
    if done.skipped:
        say.say("cli.questions.skipped_topics", topics=", ".join(done.skipped))
    if done.model_id is None:
        say.say("cli.questions.not_saved", seconds=_seconds(say, done.seconds), **counts)
    else:
        say.say("cli.questions.trained", id=done.model_id, seconds=_seconds(say, done.seconds), **counts)
