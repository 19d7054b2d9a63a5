"""Unanswered questions grouped by how alike they read, for an admin to attach a whole group to a topic.

Each question is read as the question model reads it (`TopicModel.vector`: TF-IDF of its words, word
pairs and letter runs, unit length). Going through the questions oldest first, a question joins the
group it is closest to, its closeness to a group being its mean cosine with the group's questions
(average linkage), when that is at least `SIMILAR_FROM`; otherwise it starts a group of its own.
Because the questions are taken oldest first and nothing already placed moves, newer questions never
change an older question's group: a group keeps its number (the id of its oldest question) between
`jaring questions groups` and `jaring questions attach`, and in the chat.

`SIMILAR_FROM` was chosen on tests/data/unanswered_groups.jsonl: 58 realistic questions the bot cannot
answer (BLT, JHT, BPJS Kesehatan, job vacancies, the JMO login, thanks, loans, …), labelled by hand into
19 groups as an admin would attach them. Pairs put together rightly, measured for each threshold
(tests/test_question_grouping.py), with the model shipped on 6 December 2026: 0.10 merges unrelated
questions (precision 0.52); 0.15 is the best balance (precision 0.76, recall 0.60, F1 0.67; with the
model before it 0.76, 0.67, 0.71); from 0.20 groups fall apart (recall 0.46 and less).
The pairs it still joins wrongly are near in meaning ("kartu kis" with loans: both "bisa … buat"), and
the admin sees every question of a group before attaching it.

Each group gets a suggested topic: the topic (other than "none") with the largest probability summed
over the group's questions. It is only a suggestion: the admin picks."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass

from conversations.questions.model import TopicModel

__all__ = ["NONE", "SIMILAR_FROM", "Asked", "QuestionGroup", "group_questions", "suggested_topic"]

SIMILAR_FROM = 0.15
NONE = "none"


@dataclass(frozen=True, slots=True)
class Asked:
    """An unanswered question as stored: its id and its words (long numbers masked)."""

    id: int
    text: str


@dataclass(frozen=True, slots=True)
class QuestionGroup:
    number: int  # the id of its oldest question: the name an admin uses for it
    ids: tuple[int, ...]  # oldest first
    texts: tuple[str, ...]
    suggested: str  # a topic id

    @property
    def count(self) -> int:
        return len(self.ids)


@dataclass(slots=True)
class _Forming:
    ids: list[int]
    texts: list[str]
    summed: dict[int, float]  # the sum of its questions' unit vectors

    def add(self, asked: Asked, vector: dict[int, float]) -> None:
        self.ids.append(asked.id)
        self.texts.append(asked.text)
        for index, value in vector.items():
            self.summed[index] = self.summed.get(index, 0.0) + value

    def closeness(self, vector: dict[int, float]) -> float:
        """The mean cosine between a unit vector and the group's questions (one dot product with their sum)."""
        summed = self.summed
        return sum(value * summed.get(index, 0.0) for index, value in vector.items()) / len(self.ids)


def group_questions(
    questions: Sequence[Asked], model: TopicModel, similar_from: float = SIMILAR_FROM
) -> list[QuestionGroup]:
    """The groups, largest first (then oldest first)."""
    forming: list[_Forming] = []
    for asked in sorted(questions, key=lambda q: q.id):
        vector = model.vector(asked.text)
        best, best_score = None, similar_from
        if vector:  # a question the model reads nothing in (emoji only) stays on its own
            for group in forming:
                score = group.closeness(vector)
                if score >= best_score:
                    best, best_score = group, score
        if best is None:
            best = _Forming([], [], {})
            forming.append(best)
        best.add(asked, vector)
    groups = [
        QuestionGroup(group.ids[0], tuple(group.ids), tuple(group.texts), suggested_topic(model, group.texts))
        for group in forming
    ]
    return sorted(groups, key=lambda g: (-g.count, g.number))


def suggested_topic(model: TopicModel, texts: Sequence[str]) -> str:
    """The topic, other than "none", the group's questions together make likeliest."""
    summed: dict[str, float] = {}
    for text in texts:
        for topic, probability in model.ranked(text):
            summed[topic] = summed.get(topic, 0.0) + probability
    candidates = [(topic, total) for topic, total in summed.items() if topic != NONE]
    if not candidates:
        return NONE
    return max(candidates, key=lambda pair: (pair[1], pair[0]))[0]
