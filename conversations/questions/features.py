"""The features a question is read by: its words, word pairs, and the letter runs inside each word.

Letter runs (2 to 5 letters, at word edges too) are what make "meningal", "meninggl" and "meninggal"
close without a spelling dictionary; word pairs keep "tidak dapat" apart from "dapat". The same function
is used to train the model (training.py hands it to scikit-learn as the analyser) and to read a question
at run time (model.py), so the two can never disagree."""

from __future__ import annotations

import itertools
import re

from conversations.questions.spelling import QUESTION_SPELLING
from conversations.text import normalise

__all__ = ["question_features", "question_words"]

_NOT_A_LETTER = re.compile(r"[^0-9a-z]+")
_DIGITS = re.compile(r"\d+")
_SHORTEST_RUN = 2
_LONGEST_RUN = 5


def question_words(text: str, *, respell: bool = True) -> list[str]:
    """Lower case, punctuation out, long numbers reduced to their length class, the Javanese, Sundanese
    and chat words that measurably help spelled the way Indonesian questions spell them."""
    cleaned = _NOT_A_LETTER.sub(" ", normalise(text))
    cleaned = _DIGITS.sub(_number_class, cleaned)
    return [QUESTION_SPELLING.get(word, word) for word in cleaned.split()] if respell else cleaned.split()


def question_features(text: str, *, respell: bool = True, letters: bool = True) -> list[str]:
    """Words, word pairs and letter runs; `respell` and `letters` off only to measure what they add."""
    words = question_words(text, respell=respell)
    features = [f"w {word}" for word in words]
    features += [f"p {first} {second}" for first, second in itertools.pairwise(words)]
    for word in words if letters else ():
        padded = f" {word} "
        for size in range(_SHORTEST_RUN, _LONGEST_RUN + 1):
            if size > len(padded):
                break
            features += [f"c {padded[start : start + size]}" for start in range(len(padded) - size + 1)]
    return features


def _number_class(found: re.Match[str]) -> str:
    # "16800", "42 juta", "2025", "3": the amount matters less than whether it is a year or a sum
    digits = found.group(0)
    return digits if len(digits) <= 2 else f"num{min(len(digits), 7)}"
