"""What a step that decides about a person (verify, reject, return, approve) accepts: only its explicit
choices — a tap, the choice's number, its label or alias typed in full — never a prefix or a typo,
and never an officer's menu word ("verifikasi", "menu dinas", "kuota"), which opens what it names
instead and decides nothing."""

from __future__ import annotations

from collections.abc import Sequence

from conversations.choices import looks_like_a_number
from conversations.engine import LANGUAGES
from conversations.flow import Answer, Context
from conversations.flows.dinas_menu import APPROVAL_WORDS, DINAS_WORDS, REVIEW_WORDS
from conversations.messages import Choice
from conversations.text import normalise

__all__ = ["explicit_choice", "officer_word"]

# An officer's menu word → the flow it opens (the doors and the approval flow check the role again).
_OFFICER_WORDS: dict[str, str] = {
    **dict.fromkeys(REVIEW_WORDS, "review_door"),
    **dict.fromkeys(DINAS_WORDS, "dinas_door"),
    **dict.fromkeys(APPROVAL_WORDS, "approval"),
}


def officer_word(answer: Answer) -> str | None:
    """The flow an officer's menu word typed as an answer opens, or None."""
    return _OFFICER_WORDS.get(normalise(answer.text).removeprefix("/").strip())


def explicit_choice(ctx: Context, answer: Answer, choices: Sequence[Choice]) -> str | None:
    """The choice named explicitly: tapped, its number, or its label or alias in full; else None."""
    chosen = next((c for c in choices if c.id == answer.choice), None)
    if chosen is None:
        return None
    said = normalise(answer.text)
    if not said or looks_like_a_number(said):
        return chosen.id  # a tap, or the number that picks it (the engine matched it exactly)
    names = {normalise(ctx.renderer.render(chosen.label, language)) for language in LANGUAGES}
    names.update(normalise(alias) for alias in chosen.aliases)
    return chosen.id if said in names else None
