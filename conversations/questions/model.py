"""The trained question model, read at run time without scikit-learn.

scikit-learn trains it (training.py): TF-IDF over the features of features.py, then a multinomial
logistic regression. Importing scikit-learn costs the bot ~140 MB and ~2.5 s, more than its whole
budget (120 MB peak, first reply under 1 s), so the trained numbers are exported to JSON and read here:
a question is a few hundred features, each adding one row of weights, which takes well under a
millisecond in plain Python. tests/test_question_model.py checks this reading agrees with
scikit-learn's own `predict_proba`."""

from __future__ import annotations

import base64
import json
import math
import sys
from array import array
from collections import Counter
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from typing import Any

from conversations.questions.features import question_features

__all__ = ["FORMAT", "TopicModel"]

FORMAT = 2  # the JSON layout; a model saved in another layout is not read


@dataclass(frozen=True, slots=True)
class TopicModel:
    topics: tuple[str, ...]  # "none" among them: a question about nothing the programme answers
    features: Mapping[str, int]
    idf: array[float]
    weights: array[float]  # row per feature, column per topic
    intercepts: tuple[float, ...]
    trained_on: str  # a digest of the examples, to tell whether a saved model is up to date
    examples: int
    # the digest of the shipped examples it grew from (its own for the shipped model): a model an admin's
    # phrases trained before a deploy changed the shipped examples is out of date
    base: str

    def ranked(self, text: str) -> list[tuple[str, float]]:
        """Every topic with its probability, best first; empty when not one feature is known."""
        vector = self.vector(text)
        if not vector:
            return []
        scores = list(self.intercepts)
        width = len(self.topics)
        for index, value in vector.items():
            row = index * width
            for column in range(width):
                scores[column] += value * self.weights[row + column]
        top = max(scores)
        exp = [math.exp(s - top) for s in scores]
        total = sum(exp)
        return sorted(
            ((topic, e / total) for topic, e in zip(self.topics, exp, strict=True)),
            key=lambda pair: pair[1],
            reverse=True,
        )

    def vector(self, text: str) -> dict[int, float]:
        """The question's TF-IDF features (sublinear counts, unit length), by feature index."""
        counts = Counter(question_features(text))
        raw = {
            self.features[f]: (1.0 + math.log(n)) * self.idf[self.features[f]]
            for f, n in counts.items()
            if f in self.features
        }
        length = math.sqrt(sum(v * v for v in raw.values()))
        return {i: v / length for i, v in raw.items()} if length else {}

    def to_json(self) -> str:
        return json.dumps(
            {
                "format": FORMAT,
                "topics": list(self.topics),
                "trained_on": self.trained_on,
                "examples": self.examples,
                "base": self.base,
                "intercepts": list(self.intercepts),
                "features": sorted(self.features, key=self.features.__getitem__),
                # 32-bit floats in base64: a third of the size of decimal text, and read in one go
                "idf": _packed(self.idf),
                "weights": _packed(self.weights),
            },
            ensure_ascii=False,
            separators=(",", ":"),
        )

    @classmethod
    def from_json(cls, text: str) -> TopicModel:
        saved: dict[str, Any] = json.loads(text)
        if saved.get("format") != FORMAT:
            raise ValueError(f"question model format {saved.get('format')!r}, expected {FORMAT}")
        names: list[str] = saved["features"]
        topics = tuple(str(t) for t in saved["topics"])
        idf, weights = _unpacked(saved["idf"]), _unpacked(saved["weights"])
        intercepts = tuple(float(x) for x in saved["intercepts"])
        if len(idf) != len(names) or len(weights) != len(names) * len(topics) or len(intercepts) != len(topics):
            raise ValueError("question model: the weights do not fit the features and topics")
        return cls(
            topics=topics,
            features={name: i for i, name in enumerate(names)},
            idf=idf,
            weights=weights,
            intercepts=intercepts,
            trained_on=str(saved["trained_on"]),
            examples=int(saved["examples"]),
            base=str(saved["base"]),
        )

    @classmethod
    def of(
        cls,
        *,
        topics: Sequence[str],
        features: Mapping[str, int],
        idf: Sequence[float],
        weights: Sequence[Sequence[float]],  # [feature][topic]
        intercepts: Sequence[float],
        trained_on: str,
        examples: int,
        base: str,
    ) -> TopicModel:
        flat = array("d")
        for row in weights:
            flat.extend(row)
        return cls(tuple(topics), dict(features), array("d", idf), flat, tuple(intercepts), trained_on, examples, base)


def _packed(values: array[float]) -> str:
    little = array("f", values)
    if sys.byteorder == "big":
        little.byteswap()
    return base64.b64encode(little.tobytes()).decode("ascii")


def _unpacked(text: str) -> array[float]:
    values = array("f")
    values.frombytes(base64.b64decode(text))
    if sys.byteorder == "big":
        values.byteswap()
    return values
