"""What the engine asks about free text: is it a question we can answer, and what is the answer?

Outside a conversation any text that comes close to a topic goes to the "tanya manfaat" flow. In the
middle of a form a clear question with a clear topic is answered, and then the form's question is asked
again; a clear question without a clear topic is not taken as the form's answer either: "klo meninggal
dpt brp" typed at the name step must never become someone's name."""

from __future__ import annotations

from dataclasses import dataclass
from functools import cache, lru_cache

from conversations.flow import Context
from conversations.messages import Msg
from conversations.question_words import QUESTION_WORDS
from conversations.questions.answers import TOPIC_TITLES, answer
from conversations.questions.matching import QuestionMatcher, TopicMatch
from conversations.questions.model import TopicModel
from conversations.questions.topics import TOPICS
from conversations.text import normalise

__all__ = ["PassingAnswer", "QuestionDesk", "default_desk", "has_a_question_word", "looks_like_a_question"]

# Said after a question ("iurane pinten nggih", "brp ya kak"): the question word is the one before them.
_TRAILING = frozenset(
    [
        "ya",
        "yah",
        "yaa",
        "nggih",
        "njih",
        "sih",
        "dong",
        "deh",
        "kak",
        "ka",
        "min",
        "mas",
        "mbak",
        "pak",
        "bu",
        "bang",
        "gan",
        "nih",
        "toh",
        "to",
        "yo",
        "teh",
        "kang",
        "euy",
        "atuh",
        "aja",
        "saja",
        "wae",
        "mawon",
    ]
)
# "ga tau jam berapa", "lupa kapan": not knowing is an answer, never a question to the bot.
_NOT_KNOWING = ("tidak tahu", "tidak tau", "gak tau", "ga tau", "gatau", "nggak tau", "ndak tau", "lupa", "kurang tahu")
# The model's reading a question must have before a form refuses it as an answer: "Endi Suryana" (a
# name) or "Gang Mana" (a street) have a question word but read as nothing the programme answers.
_PROGRAMME_QUESTION = 0.5
_SENTENCE = 3
_FLOW_TOPICS = frozenset(t.id for t in TOPICS if t.starts_flow is not None)


def has_a_question_word(text: str) -> bool:
    """ "brp iuran nya", "klo meninggal dpt brp", "piye carane", "iurane pinten nggih": a question word
    first, or last before the particles people add."""
    words = [w.strip("?!.,") for w in normalise(text).split()]
    while words and words[-1] in _TRAILING:
        words.pop()
    return bool(words and (words[0] in QUESTION_WORDS or words[-1] in QUESTION_WORDS))


def looks_like_a_question(text: str) -> bool:
    return "?" in text or has_a_question_word(text)


def _asked_in_passing(text: str) -> bool:
    """In the middle of a form a "?" alone is a weak sign: "tukang becak?", "Siti?" from someone unsure
    of their answer. It takes a question word, or a "?" on a sentence of three words or more."""
    return has_a_question_word(text) or ("?" in text and len(normalise(text).split()) >= _SENTENCE)


@dataclass(frozen=True, slots=True)
class PassingAnswer:
    topic: str
    parts: tuple[Msg, ...]


class QuestionDesk:
    def __init__(self, matcher: QuestionMatcher | None = None) -> None:
        # Without one, the shipped model is read at the first text the desk is asked about, not when the
        # bot starts: a first "halo" does not wait for it (~20-60 ms, ~8 MB).
        self._matcher = matcher
        # The engine asks whether a text is a question, then the flow asks what it is: match it once.
        self._matches = lru_cache(maxsize=256)(self._match_now)

    @property
    def matcher(self) -> QuestionMatcher:
        matcher = self._matcher
        if matcher is None:
            matcher = self._matcher = QuestionMatcher()
        return matcher

    def use_model(self, model: TopicModel) -> None:
        """Every later question is read by `model` (one trained since with the admins' phrases)."""
        self.use_matcher(QuestionMatcher(model))

    def use_matcher(self, matcher: QuestionMatcher) -> None:
        self._matcher = matcher
        self._matches.cache_clear()

    def match(self, text: str) -> TopicMatch:
        return self._matches(text)

    def _match_now(self, text: str) -> TopicMatch:
        return self.matcher.match(text)

    def is_clearly_a_question(self, text: str) -> bool:
        """Not an answer to a form's question: worded as a question (a question word, or a "?") and read
        by the model as one of the programme's topics. "Endi Suryana", "Gang Mana", "Siti?", "3?" and
        "ga tau jam berapa" stay answers."""
        said = normalise(text)
        if not _asked_in_passing(text) or any(words in said for words in _NOT_KNOWING):
            return False
        found = self.match(text)
        return found.sure is not None or (bool(found.closest) and found.score >= _PROGRAMME_QUESTION)

    def answer_in_passing(self, text: str, ctx: Context) -> PassingAnswer | None:
        """The answer to a clear question typed in the middle of a form, or None."""
        if not _asked_in_passing(text):
            return None
        found = self.match(text)
        # a model trained before a deploy may know a topic the code no longer answers
        if found.sure is None or found.sure in _FLOW_TOPICS or found.sure not in TOPIC_TITLES:
            return None
        return PassingAnswer(found.sure, answer(found.sure, ctx))


@cache
def default_desk() -> QuestionDesk:
    """One matcher for the whole process, shared by the engine and the flow; the model is read from
    data/model.json once (~60 ms), at the first text asked about, and replaced when a newer one is
    trained (`use_model`)."""
    return QuestionDesk()
