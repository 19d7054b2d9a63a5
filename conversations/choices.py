"""Matching an answer to the choices offered: by button, by number, by label or alias, in people's own
words (conversations/replies.py: "blm", "ya setuju", "sy mau daftar", "no hp", "yang kedua"), with typos."""

from __future__ import annotations

import re
from collections.abc import Sequence

from rapidfuzz import fuzz, process

from conversations.replies import (
    Position,
    Reading,
    Said,
    by_polarity,
    by_position,
    by_words,
    count_besides,
    loose_core,
)
from conversations.text import normalise

__all__ = ["LabelledChoice", "Reading", "looks_like_a_number", "match_choice", "read_choice"]

_NUMBER = re.compile(r"^(?:no|nomor|nomer|pilih|angka|number)?\s*(\d{1,3})$")
_KEYED_NUMBER = re.compile(r"^(?:no|nomor|nomer|pilih|angka|number)?\s*(\d{1,9})$")  # "1234": No. 1234
_TYPO_CUTOFF = 80.0


class LabelledChoice:
    """A choice with every text that may name it (labels in each language, aliases), normalised."""

    __slots__ = ("id", "names", "number")

    def __init__(self, id: str, names: Sequence[str], number: int | None = None) -> None:
        self.id = id
        self.names = tuple(dict.fromkeys(n for n in (normalise(name) for name in names) if n))
        self.number = number  # picked by this number (a registration number), not by its position


def looks_like_a_number(text: str) -> bool:
    """ "5", "no 5", "nomor 5": the person meant to pick by number."""
    return _NUMBER.match(normalise(text)) is not None


def match_choice(
    text: str, button_id: str | None, choices: Sequence[LabelledChoice], *, strict: bool = False
) -> str | None:
    """The id of the choice meant, or None when the answer does not clearly name one."""
    return read_choice(text, button_id, choices, strict=strict).choice


def read_choice(
    text: str, button_id: str | None, choices: Sequence[LabelledChoice], *, strict: bool = False
) -> Reading:
    """The choice meant, and a count said besides it ("ya 2 anak"). `strict` (a step that also takes
    free text): only forms that are clearly a choice as a whole message, never a word inside a sentence."""
    if not choices:
        return Reading()
    if button_id is not None:
        return Reading(button_id if any(c.id == button_id for c in choices) else None)
    answer = normalise(text)
    if not answer:
        return Reading()
    keyed = any(c.number is not None for c in choices)
    number = (_KEYED_NUMBER if keyed else _NUMBER).match(answer)
    if number:
        return Reading(_by_number(int(number.group(1)), choices))
    exact = [c.id for c in choices if answer in c.names]
    if len(exact) == 1:
        return Reading(exact[0])
    starting = {c.id for c in choices for name in c.names if len(answer) >= 3 and name.startswith(answer)}
    if len(starting) == 1:
        return Reading(starting.pop())
    said = Said.of(text)
    verdict = by_polarity(said, choices, strict=strict)
    position = by_position(said) if verdict is None else None
    if position is not None:
        return Reading(_by_position(position, choices), loose=True)
    verdict = verdict or by_words(said, choices, strict=strict)
    if verdict is not None:
        count = count_besides(said) if verdict.choice is not None else None
        return Reading(verdict.choice, count, loose=True)
    closest = _closest(answer, choices)
    core = "" if strict else loose_core(said)
    if closest is None and core and core != answer:
        return Reading(_closest(core, choices), loose=True)  # "sy mau dftar": the typo without the words around
    return Reading(closest)


def _by_number(typed: int, choices: Sequence[LabelledChoice]) -> str | None:
    """In a list keyed by registration numbers, "4" is No. 4 wherever it stands; else the 4th choice."""
    if any(c.number is not None for c in choices):
        return next((c.id for c in choices if c.number == typed), None)
    return choices[typed - 1].id if 1 <= typed <= len(choices) else None


def _by_position(position: Position, choices: Sequence[LabelledChoice]) -> str | None:
    """ "yang kedua": the second shown; "nomor empat": as if "4" was typed. In a list keyed by
    registration numbers only a number counts ("kedua" could be either)."""
    if not position.ordinal:
        return _by_number(position.value, choices)
    if any(c.number is not None for c in choices):
        return None
    index = len(choices) if position.value == -1 else position.value
    return choices[index - 1].id if 1 <= index <= len(choices) else None


def _closest(answer: str, choices: Sequence[LabelledChoice]) -> str | None:
    # Each choice is scored by its closest name, so a choice with many names cannot crowd a rival
    # out of the comparison below.
    scores: dict[str, float] = {}
    for choice in choices:
        found = process.extractOne(answer, choice.names, scorer=fuzz.ratio)
        if found is not None:
            scores[choice.id] = max(found[1], scores.get(choice.id, 0.0))
    ranked = sorted(scores.items(), key=lambda item: item[1], reverse=True)
    if not ranked or ranked[0][1] < _TYPO_CUTOFF:
        return None
    winner, score = ranked[0]
    if len(ranked) > 1 and ranked[1][1] >= score - 5:
        return None  # two different choices are about as close: better to ask again than guess
    return winner
