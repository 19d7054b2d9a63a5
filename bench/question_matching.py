"""How well free-text questions find their topic, on the labelled sets.

- conversations/questions/data/development.jsonl: the development set. The model is trained on it, so
  its figure here is by 5-fold cross-validation: each fifth is answered by a model trained on the rest.
- tests/data/questions_heldout.jsonl: written apart by another writer, never trained or tuned on.

For each question the bot either answers a topic outright (direct-right, or direct-wrong), offers two or
three topics (asked back: right when the right topic is among them, or when the question is off-topic),
or says it does not know (right for off-topic questions; missed for a real topic).

    uv run python -m bench.question_matching               # the shipped model, both sets
    uv run python -m bench.question_matching --candidates  # every candidate, same run, same sets
    uv run python -m bench.question_matching --choose      # the thresholds, by cross-validation only
    uv run python -m bench.question_matching --show-misses
"""

from __future__ import annotations

import argparse
import json
import resource
import time
from collections import Counter
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from pathlib import Path

from conversations.questions.features import question_features
from conversations.questions.matching import QuestionMatcher, TopicMatch, decide
from conversations.questions.model import TopicModel
from conversations.questions.topics import TOPICS
from conversations.questions.training import DEVELOPMENT_SET, NONE, Example, Settings, shipped_examples, train

HELD_OUT = Path(__file__).resolve().parent.parent / "tests" / "data" / "questions_heldout.jsonl"
FOLDS = 5

Ranked = list[tuple[str, float]]


@dataclass(frozen=True, slots=True)
class Row:
    text: str
    topic: str
    accepted: frozenset[str]  # the topic, and a second one when the question asks two


@dataclass
class Tally:
    total: int = 0
    direct_right: int = 0  # the right topic answered outright (or nothing answered for off-topic)
    direct_wrong: int = 0  # a wrong topic answered outright, or any answer to an off-topic question
    asked_back_right: int = 0  # choices offered, the right topic among them (any choices for off-topic)
    missed: int = 0  # choices without the right topic, or "do not know" for a real topic
    misses: list[str] = field(default_factory=list)
    wrong_pairs: Counter[tuple[str, str]] = field(default_factory=Counter)

    def share(self, n: int) -> float:
        return n / self.total if self.total else 0.0


def load_rows(path: Path) -> list[Row]:
    rows = []
    for line in path.read_text(encoding="utf-8").splitlines():
        if line.strip():
            raw = json.loads(line)
            topic = str(raw["topic"])
            rows.append(Row(str(raw["text"]), topic, frozenset({topic, *(str(a) for a in raw.get("also", []))})))
    return rows


def tally(rows: Sequence[Row], found: Sequence[TopicMatch]) -> Tally:
    result = Tally()
    for row, match in zip(rows, found, strict=True):
        result.total += 1
        if match.sure is not None:
            if match.sure in row.accepted:
                result.direct_right += 1
            else:
                result.direct_wrong += 1
                result.wrong_pairs[(row.topic, match.sure)] += 1
                result.misses.append(f"WRONG  {row.topic:>28} → {match.sure:<28} {row.text}")
        elif match.closest:
            if row.topic == NONE or row.accepted & set(match.closest):
                result.asked_back_right += 1
            else:
                result.missed += 1
                result.misses.append(f"OFFER  {row.topic:>28} → {','.join(match.closest):<28} {row.text}")
        elif row.topic == NONE:
            result.direct_right += 1
        else:
            result.missed += 1
            result.misses.append(f"NONE   {row.topic:>28}   {'':<28} {row.text}")
    return result


# ---- candidates: each is trained on the same examples and answers the same questions ---------------

Analyser = Callable[[str], list[str]]
Candidate = Callable[[Sequence[Example]], Callable[[str], Ranked]]


def _linear(analyser: Analyser, regularisation: float, *, svm: bool = False) -> Candidate:
    def fit(examples: Sequence[Example]) -> Callable[[str], Ranked]:
        from sklearn.calibration import CalibratedClassifierCV
        from sklearn.feature_extraction.text import TfidfVectorizer
        from sklearn.linear_model import LogisticRegression
        from sklearn.svm import LinearSVC

        vectoriser = TfidfVectorizer(analyzer=analyser, sublinear_tf=True)
        matrix = vectoriser.fit_transform([e.text for e in examples])
        classifier: LogisticRegression | CalibratedClassifierCV = (
            CalibratedClassifierCV(LinearSVC(C=regularisation / 20), cv=3)
            if svm
            else LogisticRegression(C=regularisation, max_iter=5000)
        )
        classifier.fit(matrix, [e.topic for e in examples])
        topics = [str(t) for t in classifier.classes_]

        def ranked(text: str) -> Ranked:
            vector = vectoriser.transform([text])
            if vector.nnz == 0:
                return []
            probabilities = classifier.predict_proba(vector)[0]
            return sorted(zip(topics, map(float, probabilities), strict=True), key=lambda tp: tp[1], reverse=True)

        return ranked

    return fit


def _shipped_reader(examples: Sequence[Example]) -> Callable[[str], Ranked]:
    """What the bot runs: training.train, read back by model.TopicModel (plain Python)."""
    model = TopicModel.from_json(train(examples).to_json())
    return model.ranked


_C = Settings().regularisation
CANDIDATES: dict[str, Candidate] = {
    "shipped: words+pairs+letters, respelled, logistic": _shipped_reader,
    "words+pairs+letters, not respelled, logistic": _linear(lambda t: question_features(t, respell=False), _C),
    "words+pairs only, respelled, logistic": _linear(lambda t: question_features(t, letters=False), _C),
    "words+pairs+letters, respelled, linear SVM calibrated": _linear(question_features, 20.0, svm=True),
}


def cross_validated(fit: Candidate, rows: Sequence[Row], folds: int = FOLDS) -> list[Ranked]:
    """Each question answered by a model trained without its fold (the topics' phrases always in)."""
    phrases = [Example(p, t.id) for t in TOPICS for p in t.phrases]
    out: list[Ranked] = [[] for _ in rows]
    for fold in range(folds):
        training = [Example(r.text, r.topic) for i, r in enumerate(rows) if i % folds != fold]
        ranked = fit([*training, *phrases])
        for i, row in enumerate(rows):
            if i % folds == fold:
                out[i] = ranked(row.text)
    return out


# ---- printing -------------------------------------------------------------------------------------


def report(name: str, result: Tally, per_question_ms: float | None = None) -> None:
    def pct(n: int) -> str:
        return f"{100 * result.share(n):5.1f}%"

    print(f"\n{name}: {result.total} questions")
    print(f"  direct-right                     {pct(result.direct_right)}   (aim ≥ 90%)")
    print(f"  direct-wrong                     {pct(result.direct_wrong)}   (aim ≤ 2%)")
    print(f"  asked back, right topic offered  {pct(result.asked_back_right)}")
    print(f"  missed                           {pct(result.missed)}")
    if per_question_ms is not None:
        print(f"  time per question                {per_question_ms:.2f} ms")


def _shipped(show_misses: bool) -> None:
    started = time.perf_counter()
    matcher = QuestionMatcher()
    print(
        f"shipped model: {matcher.model.examples} examples, {len(matcher.model.features)} features, "
        f"loaded in {(time.perf_counter() - started) * 1000:.0f} ms"
    )
    development = load_rows(DEVELOPMENT_SET)
    cv = tally(development, [decide(r) for r in cross_validated(_shipped_reader, development)])
    report(f"development set, {FOLDS}-fold cross-validated", cv)
    held_out = load_rows(HELD_OUT)
    started = time.perf_counter()
    found = [matcher.match(r.text) for r in held_out]
    per_question = (time.perf_counter() - started) / max(1, len(held_out)) * 1000
    result = tally(held_out, found)
    report("held-out set (never trained or tuned on)", result, per_question)
    print(f"\npeak RSS of this process: {resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024:.0f} MB")
    if show_misses:
        print("\nmisses on the development set (cross-validated):")
        print("\n".join(f"    {m}" for m in cv.misses))


def _candidates() -> None:
    development = load_rows(DEVELOPMENT_SET)
    held_out = load_rows(HELD_OUT)
    print(
        f"| candidate | development, {FOLDS}-fold CV: direct-right / direct-wrong | held-out: direct-right / "
        "direct-wrong / asked back right / missed | train |"
    )
    print("|---|---|---|---|")
    for name, fit in CANDIDATES.items():
        cv = tally(development, [decide(r) for r in cross_validated(fit, development)])
        started = time.perf_counter()
        ranked = fit(shipped_examples())
        trained = time.perf_counter() - started
        result = tally(held_out, [decide(ranked(r.text)) for r in held_out])
        print(
            f"| {name} | {100 * cv.share(cv.direct_right):.1f}% / {100 * cv.share(cv.direct_wrong):.1f}% | "
            f"{100 * result.share(result.direct_right):.1f}% / {100 * result.share(result.direct_wrong):.1f}% / "
            f"{100 * result.share(result.asked_back_right):.1f}% / {100 * result.share(result.missed):.1f}% | "
            f"{trained:.1f} s |"
        )


def _choose() -> None:
    """The thresholds, from the development set by cross-validation: the held-out set is not read."""
    development = load_rows(DEVELOPMENT_SET)
    for regularisation in (20.0, 100.0):
        ranked = cross_validated(_linear(question_features, regularisation), development)
        print(f"\nC = {regularisation}")
        for lead in (0.3, 0.35, 0.4, 0.45, 0.5, 0.55, 0.6, 0.65, 0.7):
            for offer_from in (0.05, 0.08):
                result = tally(development, [decide(r, lead, offer_from) for r in ranked])
                print(
                    f"  lead ≥ {lead:.2f} offer ≥ {offer_from:.2f}: "
                    f"direct-right {100 * result.share(result.direct_right):5.1f}%  "
                    f"direct-wrong {100 * result.share(result.direct_wrong):4.1f}%  "
                    f"asked back right {100 * result.share(result.asked_back_right):5.1f}%  "
                    f"missed {100 * result.share(result.missed):4.1f}%"
                )


def main() -> None:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--candidates", action="store_true", help="compare the candidate models")
    parser.add_argument("--choose", action="store_true", help="thresholds by cross-validation")
    parser.add_argument("--show-misses", action="store_true")
    args = parser.parse_args()
    if args.candidates:
        _candidates()
    elif args.choose:
        _choose()
    else:
        _shipped(args.show_misses)


if __name__ == "__main__":
    main()
