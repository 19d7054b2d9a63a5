"""Finding the topic of a free-text question: "brp iuran nya", "klo meninggal dpt brp", "piye carane daftar".

The trained model (model.py) gives every topic a probability. A topic clearly likelier than the next is
answered outright; otherwise the likely topics are offered as choices; when the likeliest reading is
"none of the programme's topics" and nothing else comes close, the bot says it does not know. The
thresholds were chosen by cross-validation on the development set (bench/question_matching.py --choose)
and measured on the held-out set (docs/QUESTIONS.md). The lead over the runner-up decides better than
the probability alone: a topic at 0.6 with the next at 0.3 is a close call, one at 0.6 with the next at 0.02 is not."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass
from functools import cache

from conversations.questions.model import TopicModel
from conversations.questions.training import NONE, SHIPPED_MODEL

__all__ = ["ANSWER_LEAD", "OFFERED", "OFFER_FROM", "QuestionMatcher", "TopicMatch", "decide", "shipped_model"]

ANSWER_LEAD = 0.55  # a topic this much likelier than the next is answered without asking
OFFER_FROM = 0.05  # a topic this likely is offered when none is sure
OFFERED = 3


@dataclass(frozen=True, slots=True)
class TopicMatch:
    sure: str | None  # answer this topic without asking
    closest: tuple[str, ...] = ()  # when not sure: the topics to offer, best first (empty: nothing fits)
    score: float = 0.0  # the probability of the likeliest topic


@cache
def shipped_model() -> TopicModel:
    """The model trained from the development set, shipped with the code (`jaring questions train --shipped`)."""
    return TopicModel.from_json(SHIPPED_MODEL.read_text(encoding="utf-8"))


def decide(
    ranked: Sequence[tuple[str, float]], lead: float = ANSWER_LEAD, offer_from: float = OFFER_FROM
) -> TopicMatch:
    """What to do with the topics' probabilities, best first."""
    if not ranked:  # not one feature the model knows: no reading at all
        return TopicMatch(None)
    top, probability = ranked[0]
    runner_up = ranked[1][1] if len(ranked) > 1 else 0.0
    if top != NONE and probability - runner_up >= lead:
        return TopicMatch(top, (top,), probability)
    offered = tuple(t for t, p in ranked if t != NONE and p >= offer_from)[:OFFERED]
    return TopicMatch(None, offered, probability)


class QuestionMatcher:
    def __init__(self, model: TopicModel | None = None) -> None:
        self.model = model or shipped_model()

    def match(self, text: str) -> TopicMatch:
        if not any(ch.isalpha() for ch in text):  # "1234", "???": a number or a mark is not a question
            return TopicMatch(None)
        return decide(self.model.ranked(text))
