"""What the engine asks about free text: is it a question we can answer, and what is the answer?

Outside a conversation any text that comes close to a topic goes to the "tanya manfaat" flow. In the
middle of a form only a clear question with a clear topic is answered, and then the form's question is
asked again: "brp iuran nya?" typed while registering must not become someone's name."""

from __future__ import annotations

from functools import cache, lru_cache

from conversations.flow import Context
from conversations.messages import Msg
from conversations.questions.answers import answer
from conversations.questions.matching import QuestionMatcher, TopicMatch
from conversations.questions.topics import TOPICS
from conversations.text import normalise

__all__ = ["QuestionDesk", "default_desk", "looks_like_a_question"]

_QUESTION_WORDS = frozenset(
    [
        "apa",
        "apakah",
        "apa2",
        "berapa",
        "brp",
        "brapa",
        "bagaimana",
        "gimana",
        "gmn",
        "gmna",
        "bgmn",
        "kapan",
        "kpn",
        "kenapa",
        "knp",
        "mengapa",
        "siapa",
        "dimana",
        "dmn",
        "kemana",
        "mana",
        "bisakah",
        "bolehkah",
        "adakah",
        "piye",
        "pripun",
        "pinten",
        "piro",
        "opo",
        "nopo",
        "sopo",
        "endi",
        "ngendi",
        "pundi",
    ]
)
_FLOW_TOPICS = frozenset(t.id for t in TOPICS if t.starts_flow is not None)


def looks_like_a_question(text: str) -> bool:
    said = normalise(text)
    words = said.split()
    return "?" in text or bool(words and (words[0] in _QUESTION_WORDS or words[-1] in _QUESTION_WORDS))


class QuestionDesk:
    def __init__(self, matcher: QuestionMatcher | None = None) -> None:
        self.matcher = matcher or QuestionMatcher()
        # The engine asks whether a text is a question, then the flow asks what it is: match it once.
        self._matches = lru_cache(maxsize=256)(self.matcher.match)

    def match(self, text: str) -> TopicMatch:
        return self._matches(text)

    def answer_in_passing(self, text: str, ctx: Context) -> tuple[Msg, ...] | None:
        """The answer to a clear question typed in the middle of a form, or None."""
        if not looks_like_a_question(text):
            return None
        found = self.match(text)
        if found.sure is None or found.sure in _FLOW_TOPICS:
            return None
        return answer(found.sure, ctx)


@cache
def default_desk() -> QuestionDesk:
    """One matcher for the whole process: built once (~10 ms), shared by the engine and the flow."""
    return QuestionDesk()
