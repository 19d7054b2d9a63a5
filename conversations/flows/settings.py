"""Small flows about the conversation itself: choosing a language, and help."""

from __future__ import annotations

from conversations.effects import SetLanguage
from conversations.flow import Answer, Context, Data, Finish, Flow, Goto, Invalid, Step, Transition
from conversations.messages import Choice, Reply, msg

__all__ = ["help_flow", "language_flow"]

_LANGUAGE_CHOICES = (
    Choice("id", msg("language.indonesian"), ("indonesia", "indo", "bahasa indonesia")),
    Choice("en", msg("language.english"), ("english", "inggris", "bahasa inggris")),
)


def _ask_language(_: Context, __: Data) -> Reply:
    return Reply.of(msg("language.question"), choices=_LANGUAGE_CHOICES)


def _on_language(_: Context, __: Data, answer: Answer) -> Transition:
    if answer.choice not in ("id", "en"):
        return Invalid(msg("engine.pick_a_number"))
    return Finish(say=(Reply.of(msg("engine.language_switched")),), effects=(SetLanguage(answer.choice),))


def _start_language(_: Context, __: Data) -> Transition:
    return Goto("choose")


language_flow = Flow(
    id="language",
    version=1,
    title=msg("language.title"),
    start=_start_language,
    steps={"choose": Step(ask=_ask_language, on_answer=_on_language)},
)


def _start_help(_: Context, __: Data) -> Transition:
    return Finish(say=(Reply.of(msg("engine.help")),))


help_flow = Flow(id="help", version=1, title=msg("help.title"), start=_start_help)
