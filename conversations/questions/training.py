"""Training the question model with scikit-learn, from labelled examples.

Only `jaring questions train` and the benchmarks import this (scikit-learn is heavy, see model.py);
the bot reads the result. The examples are the development set (data/development.jsonl), every topic's
phrases (topics.py) and the phrases Dinas admins attached to a topic (the database)."""

from __future__ import annotations

import hashlib
import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from pathlib import Path

from conversations.questions.features import question_features
from conversations.questions.model import TopicModel
from conversations.questions.topics import TOPICS

__all__ = [
    "DEVELOPMENT_SET",
    "NONE",
    "SHIPPED_MODEL",
    "Example",
    "Settings",
    "digest",
    "load_examples",
    "shipped_examples",
    "shipped_model_is_current",
    "train",
    "write_shipped_model",
]

DATA = Path(__file__).resolve().parent / "data"
DEVELOPMENT_SET = DATA / "development.jsonl"
SHIPPED_MODEL = DATA / "model.json"
NONE = "none"


@dataclass(frozen=True, slots=True)
class Example:
    text: str
    topic: str  # a topic id, or "none"


@dataclass(frozen=True, slots=True)
class Settings:
    """Chosen by cross-validation on the development set (bench/question_matching.py --choose)."""

    regularisation: float = 100.0  # LogisticRegression's C: higher trusts the examples more
    min_count: int = 1  # a feature seen in fewer examples is dropped


def load_examples(path: Path) -> list[Example]:
    """A labelled set: one JSON object per line, {"text": …, "topic": …}; only the first topic is trained."""
    rows = (json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip())
    return [Example(str(row["text"]), str(row["topic"])) for row in rows]


def shipped_examples() -> list[Example]:
    phrases = [Example(phrase, topic.id) for topic in TOPICS for phrase in topic.phrases]
    return [*load_examples(DEVELOPMENT_SET), *phrases]


def digest(examples: Iterable[Example], settings: Settings = Settings()) -> str:
    """The same examples and settings give the same digest: whether a saved model is up to date."""
    hashed = hashlib.sha256(repr(settings).encode())
    for example in examples:
        hashed.update(f"{example.topic}\t{example.text}\n".encode())
    return hashed.hexdigest()[:16]


def train(examples: Sequence[Example], settings: Settings = Settings(), *, base: str | None = None) -> TopicModel:
    """`base`: the digest of the shipped examples these grew from (None: these are the shipped ones)."""
    # scikit-learn only here, where a model is trained: the bot never pays for importing it
    from sklearn.feature_extraction.text import TfidfVectorizer  # noqa: PLC0415
    from sklearn.linear_model import LogisticRegression  # noqa: PLC0415

    vectoriser = TfidfVectorizer(analyzer=question_features, sublinear_tf=True, min_df=settings.min_count)
    matrix = vectoriser.fit_transform([e.text for e in examples])
    classifier = LogisticRegression(C=settings.regularisation, max_iter=5000)
    classifier.fit(matrix, [e.topic for e in examples])
    features = {str(name): int(index) for name, index in vectoriser.vocabulary_.items()}
    return TopicModel.of(
        topics=[str(t) for t in classifier.classes_],
        features=features,
        idf=[float(x) for x in vectoriser.idf_],
        weights=classifier.coef_.T.tolist(),
        intercepts=[float(x) for x in classifier.intercept_],
        trained_on=digest(examples, settings),
        examples=len(examples),
        base=base if base is not None else digest(examples, settings),
    )


def write_shipped_model() -> TopicModel:
    model = train(shipped_examples())
    SHIPPED_MODEL.write_text(model.to_json() + "\n", encoding="utf-8")
    return model


def shipped_model_is_current() -> bool:
    """Whether data/model.json was trained on today's development set, phrases and settings."""
    saved = json.loads(SHIPPED_MODEL.read_text(encoding="utf-8")) if SHIPPED_MODEL.exists() else {}
    return saved.get("trained_on") == digest(shipped_examples())
