"""Finding the topic of a free-text question: "brp iuran nya", "klo meninggal dpt brp", "piye carane daftar".

The question is normalised (chat spelling and common Javanese expanded, suffixes like -nya trimmed,
typos mapped to the nearest known word with rapidfuzz), then compared with every topic's phrases by
the words they share, rarer words counting more. Only a clear winner is answered; close calls are
offered as choices; nothing close is "I do not know", never a guess."""

from __future__ import annotations

import math
import re
from collections.abc import Sequence
from dataclasses import dataclass
from functools import lru_cache

from rapidfuzz import fuzz, process

from conversations.chat_spelling import expand_chat_spelling
from conversations.questions.spelling import QUESTION_SPELLING, STOPWORDS
from conversations.questions.topics import TOPICS, Topic
from conversations.text import normalise

__all__ = ["QuestionMatcher", "TopicMatch"]

_NOT_A_LETTER = re.compile(r"[^0-9a-z]+")
_SUFFIXES = ("nya", "ne", "e", "kah", "lah", "ku", "mu", "an", "i", "in")
_TYPO_SCORE = 80.0  # rapidfuzz ratio from which an unknown word is taken as a typo of a known one
_SHORT_TYPO_SCORE = 88.0
_UNKNOWN_WEIGHT = 2.0  # the weight of a word no topic uses: it dilutes the match, it cannot make one

# Tuned on tests/data/benefit_questions.jsonl, measured on the held-out set (docs/QUESTIONS.md).
SURE_SCORE = 0.7
SURE_MARGIN = 0.4
CLOSE_SCORE = 0.25
OFFERED = 3
COVERAGE_SHARE = 0.3
MIN_COVERED = 0.15  # the share of the question the best topic must explain before it is even offered


@dataclass(frozen=True, slots=True)
class TopicMatch:
    sure: str | None  # answer this topic without asking
    closest: tuple[str, ...] = ()  # when not sure: the topics to offer, best first (empty: nothing fits)
    score: float = 0.0


@dataclass(frozen=True, slots=True)
class _Phrase:
    topic: str
    words: frozenset[str]
    norm: float


class QuestionMatcher:
    def __init__(self, topics: Sequence[Topic] = TOPICS) -> None:
        self.topic_ids = tuple(t.id for t in topics)
        bags = {t.id: [self._raw_words(p) for p in t.phrases] for t in topics}
        self.vocabulary = sorted({w for phrases in bags.values() for words in phrases for w in words})
        known = frozenset(self.vocabulary)
        topics_with = {w: sum(1 for phrases in bags.values() if any(w in ws for ws in phrases)) for w in known}
        count = len(bags)
        self.weight = {w: math.log((count + 1) / (n + 0.5)) for w, n in topics_with.items()}
        self.phrases = [
            _Phrase(topic, frozenset(words), math.sqrt(sum(self.weight[w] ** 2 for w in set(words))))
            for topic, phrases in bags.items()
            for words in phrases
            if words
        ]
        self._known = known
        self._known_forms = lru_cache(maxsize=4096)(self._find_known_form)
        self.topic_words: dict[str, frozenset[str]] = {
            topic: frozenset(w for words in phrases for w in words) for topic, phrases in bags.items()
        }

    def match(self, text: str) -> TopicMatch:
        words = self.words(text)
        if not words:
            return TopicMatch(None)
        weights = [self.weight.get(w, _UNKNOWN_WEIGHT) for w in words]
        query_norm = math.sqrt(sum(x * x for x in weights))
        asked = frozenset(w for w in words if w in self._known)
        best: dict[str, float] = {}
        for phrase in self.phrases:  # the closest single phrase of each topic …
            shared = asked & phrase.words
            if not shared:
                continue
            score = sum(self.weight[w] ** 2 for w in shared) / (query_norm * phrase.norm)
            if score > best.get(phrase.topic, 0.0):
                best[phrase.topic] = score
        covered: dict[str, float] = {}
        for topic in best:  # … and how much of the question the topic's words cover, all phrases together
            covered[topic] = sum(self.weight[w] ** 2 for w in asked & self.topic_words[topic]) / query_norm**2
            best[topic] += COVERAGE_SHARE * covered[topic]
        ranked = sorted(best.items(), key=lambda item: item[1], reverse=True)
        if not ranked or ranked[0][1] < CLOSE_SCORE or covered[ranked[0][0]] < MIN_COVERED:
            return TopicMatch(None, score=ranked[0][1] if ranked else 0.0)
        top, top_score = ranked[0]
        runner_up = ranked[1][1] if len(ranked) > 1 else 0.0
        if top_score >= SURE_SCORE and top_score - runner_up >= SURE_MARGIN:
            return TopicMatch(top, (top,), top_score)
        close = tuple(t for t, s in ranked[:OFFERED] if s >= CLOSE_SCORE and s >= top_score * 0.5)
        return TopicMatch(None, close, top_score)

    def words(self, text: str) -> list[str]:
        """The question's words as the topics' phrases spell them (unknown words kept as they are)."""
        return [self._known_form(w) for w in self._raw_words(text)]

    @staticmethod
    def _raw_words(text: str) -> list[str]:
        cleaned = _NOT_A_LETTER.sub(" ", normalise(text)).strip()
        expanded = expand_chat_spelling(" ".join(QUESTION_SPELLING.get(w, w) for w in cleaned.split()))
        return [w for w in expanded.split() if w not in STOPWORDS]

    def _known_form(self, word: str) -> str:
        return self._known_forms(word)

    def _find_known_form(self, word: str) -> str:
        if word in self._known:
            return word
        for suffix in _SUFFIXES:
            stem = word.removesuffix(suffix)
            if stem != word and len(stem) >= 3 and stem in self._known:
                return stem
        if len(word) < 4 or word.isdigit():
            return word
        # One wrong letter in a five-letter word is already 80: short words need a closer match.
        cutoff = _TYPO_SCORE if len(word) > 5 else _SHORT_TYPO_SCORE
        found = process.extractOne(word, self.vocabulary, scorer=fuzz.ratio, score_cutoff=cutoff)
        return found[0] if found is not None else word
