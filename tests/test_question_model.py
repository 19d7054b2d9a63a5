"""The question model: trained by scikit-learn, read back in plain Python, the same probabilities."""

from __future__ import annotations

import json

import pytest

from conversations.questions.matching import QuestionMatcher, shipped_model
from conversations.questions.model import FORMAT, TopicModel
from conversations.questions.training import DEVELOPMENT_SET as DEVELOPMENT
from conversations.questions.training import (
    NONE,
    Example,
    Settings,
    digest,
    load_examples,
    shipped_examples,
    shipped_model_is_current,
    train,
)
from tests.cli_support import jaring

SMALL = [
    Example("berapa iuran per bulan", "premium"),
    Example("iuran bulanan brp", "premium"),
    Example("siapa yang bayar iurannya", "premium"),
    Example("kalau meninggal dapat berapa", "jkm"),
    Example("santunan kematian berapa", "jkm"),
    Example("klo mati dpt duit brp", "jkm"),
    Example("cuaca besok hujan", NONE),
    Example("jadwal bola malam ini", NONE),
]


def test_the_plain_reading_gives_scikit_learns_probabilities() -> None:
    from sklearn.feature_extraction.text import TfidfVectorizer
    from sklearn.linear_model import LogisticRegression

    from conversations.questions.features import question_features

    examples = load_examples(DEVELOPMENT)[:300]
    model = TopicModel.from_json(train(examples).to_json())
    vectoriser = TfidfVectorizer(analyzer=question_features, sublinear_tf=True)
    matrix = vectoriser.fit_transform([e.text for e in examples])
    classifier = LogisticRegression(C=Settings().regularisation, max_iter=5000).fit(matrix, [e.topic for e in examples])
    questions = ["klo meninggal dpt brp", "brp iuran nya", "piye carane daftar", "anak sy dpt beasiswa gk"]
    expected = classifier.predict_proba(vectoriser.transform(questions))
    for question, row in zip(questions, expected, strict=True):
        read = dict(model.ranked(question))
        for topic, probability in zip(classifier.classes_, row, strict=True):
            assert read[str(topic)] == pytest.approx(float(probability), abs=1e-4)


def test_a_saved_model_reads_back_the_same() -> None:
    model = train(SMALL)
    again = TopicModel.from_json(model.to_json())
    assert again.topics == model.topics
    assert again.examples == len(SMALL)
    assert again.trained_on == digest(SMALL)
    for question in ("iuran brp", "meninggal dapat apa", "hujan"):
        assert [t for t, _ in again.ranked(question)] == [t for t, _ in model.ranked(question)]


def test_a_model_in_another_layout_is_refused() -> None:
    saved = json.loads(train(SMALL).to_json())
    with pytest.raises(ValueError, match="format"):
        TopicModel.from_json(json.dumps({**saved, "format": FORMAT + 1}))
    with pytest.raises(ValueError, match="do not fit"):
        TopicModel.from_json(json.dumps({**saved, "features": saved["features"][:-1]}))


def test_nothing_known_gives_no_reading() -> None:
    model = train(SMALL)
    assert model.ranked("") == []
    assert model.ranked("§§§ ¿¿") == []
    assert QuestionMatcher(model).match("").sure is None


def test_the_examples_decide_the_digest() -> None:
    assert digest(SMALL) == digest(list(SMALL))
    assert digest(SMALL) != digest([*SMALL, Example("iuran?", "premium")])
    assert digest(SMALL) != digest([Example(e.text, "premium") for e in SMALL])


def test_the_shipped_model_was_trained_on_the_shipped_examples() -> None:
    """data/model.json is regenerated with `jaring questions train --shipped` whenever the development
    set, a topic's phrases or the settings change; this fails until it is."""
    assert shipped_model_is_current()
    assert shipped_model().examples == len(shipped_examples())
    assert set(shipped_model().topics) >= {NONE, "premium", "jkm"}


def test_an_admins_phrase_changes_what_is_answered() -> None:
    """The loop the admins close: a phrase attached to a topic is learnt by the next model."""
    question = "kartu kuning pekerja rentan itu buat apa"
    before = QuestionMatcher(train(SMALL)).match(question)
    taught = train([*SMALL, Example("kartu kuning pekerja rentan itu buat apa ya", "jkm")] * 1)
    assert before.sure != "jkm"
    assert QuestionMatcher(taught).match(question).sure == "jkm"


def test_the_cli_checks_the_shipped_model(capsys: pytest.CaptureFixture[str]) -> None:
    code, out, _ = jaring(capsys, "questions", "train", "--check")
    assert code == 0
    assert "model.json" in out
