"""Matching free text to the programme's lists: job types ("narik becak" → tukang becak) and
kelurahan names (typos and names from before the 2015 merger accepted)."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from rapidfuzz import fuzz, process, utils

from conversations.chat_spelling import expand_chat_spelling
from conversations.text import normalise

__all__ = ["Candidate", "best_matches"]

_SURE = 88.0
_POSSIBLE = 70.0


@dataclass(frozen=True, slots=True)
class Candidate:
    id: str
    score: float


def best_matches(
    text: str, names: Sequence[tuple[str, str]], limit: int = 3
) -> tuple[Candidate | None, tuple[Candidate, ...]]:
    """(the match to take without asking, or None; the closest ids to offer when unsure).

    `names` pairs an id with one of its names; an id may have many names (synonyms, old names).
    """
    said = expand_chat_spelling(normalise(text))
    if not said or not names:
        return None, ()
    prepared = [utils.default_process(name) for _, name in names]
    scores: dict[str, float] = {}
    for scorer in (fuzz.WRatio, fuzz.token_set_ratio):
        for _, score, index in process.extract(said, prepared, scorer=scorer, limit=None):
            ident = names[index][0]
            scores[ident] = max(score, scores.get(ident, 0.0))
    for ident, name in names:  # the whole name typed inside a longer answer: "saya narik becak tiap hari"
        if len(name) >= 4 and f" {normalise(name)} " in f" {said} ":
            scores[ident] = max(scores[ident], 100.0)
    ranked = sorted((Candidate(i, s) for i, s in scores.items()), key=lambda c: c.score, reverse=True)
    top = ranked[0]
    runner_up = ranked[1].score if len(ranked) > 1 else 0.0
    sure = top if top.score >= _SURE and top.score - runner_up >= 5 else None
    return sure, tuple(c for c in ranked[:limit] if c.score >= _POSSIBLE)
