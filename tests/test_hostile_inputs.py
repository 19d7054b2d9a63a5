"""The hostile-input corpus (tests/hostile_inputs.py) at every step of every flow: whatever arrives,
nothing a step keeps, asks the store to keep, or says back holds a control, bidi or zero-width
character, a text longer than its step allows, or a NIK in clear outside the NIK field."""

from __future__ import annotations

import dataclasses
from collections.abc import Iterator, Mapping

import pytest

from conversations.effects import RecordUnansweredQuestion
from conversations.flow import Step
from conversations.flows.broadcast import BROADCAST_MAX_CHARS
from conversations.nik import find_niks
from conversations.requests.base import Request
from conversations.state import SEALED_KEYS, Json, SessionState
from conversations.text import MAX_MESSAGE_CHARS
from handlers.telegram.rendering import MAX_TEXT_LENGTH as TELEGRAM_MAX_TEXT
from handlers.whatsapp.rendering import MAX_TEMPLATE_PARAMETER as WHATSAPP_MAX_TEMPLATE_PARAMETER
from tests.core_support import context, default_answer, inbound, render_reply, run
from tests.hostile_inputs import HOSTILE, NIK_DIGITS, unclean
from tests.test_properties import ENGINE, STATES

OFFICER = frozenset({"rtrw", "admin", "verifier"})


def _strings(value: object, key: str = "") -> Iterator[tuple[str, str]]:
    """Every text inside a value, with the key it stands under."""
    if isinstance(value, str):
        yield key, value
    elif isinstance(value, Mapping):
        for inner_key, inner in value.items():
            yield from _strings(inner, str(inner_key))
    elif isinstance(value, (list, tuple)):
        for item in value:
            yield from _strings(item, key)
    elif dataclasses.is_dataclass(value) and not isinstance(value, type):
        for field in dataclasses.fields(value):
            yield from _strings(getattr(value, field.name), field.name)


def _check_kept(where: str, key: str, text: str) -> None:
    assert not unclean(text), f"{where}.{key} keeps an unclean text: {text[:80]!r}"
    assert len(text) <= BROADCAST_MAX_CHARS, f"{where}.{key} keeps {len(text)} characters"
    if key not in SEALED_KEYS:
        assert NIK_DIGITS not in find_niks(text), f"{where}.{key} keeps a NIK in clear: {text[:80]!r}"


def _kept(state: SessionState) -> Iterator[tuple[str, str]]:
    yield from _strings(state.data)
    for flow_id, data in state.paused.items():
        yield from ((f"paused {flow_id}.{key}", text) for key, text in _strings(data))


@pytest.mark.parametrize("state", list(STATES.values()), ids=list(STATES))
@pytest.mark.parametrize("language", ["id", "en"])
def test_the_corpus_at_every_step(state: SessionState, language: str) -> None:
    asked: list[Request[object]] = []

    def answer(request: Request[object]) -> object:
        asked.append(request)
        return default_answer(request)

    before: dict[str, Json] = dict(_strings(state.data))
    for text in HOSTILE:
        asked.clear()
        ctx = context(language, consented=True, roles=OFFICER)
        outcome = run(ENGINE, state, inbound(text), ctx, answer)
        assert outcome.replies, "every message gets an answer"
        for key, kept in _kept(outcome.state):
            if before.get(key) != kept:  # what this message put there
                _check_kept("data", key, kept)
        for request in asked:
            nik_field = getattr(request, "field", None) == "nik"  # CorrectRegistration of the NIK itself
            for key, sent in _strings(request):
                _check_kept(type(request).__name__, "nik" if nik_field and key == "value" else key, sent)
        for effect in outcome.effects:
            if isinstance(effect, RecordUnansweredQuestion):
                _check_kept("unanswered question", "text", effect.text)
        for reply in outcome.replies:
            body, labels = render_reply(reply, language)
            assert not unclean(body), f"a reply says back an unclean text: {body[:120]!r}"
            assert NIK_DIGITS not in find_niks(body), "a reply shows a NIK in full"
            assert not any(unclean(label) for label in labels)


def test_every_step_states_a_limit_the_channels_can_carry() -> None:
    limits = [
        step.limit.most for flow in ENGINE.flows.values() for step in flow.steps.values() if isinstance(step, Step)
    ]
    assert limits
    assert max(limits) <= MAX_MESSAGE_CHARS
    # An announcement travels as one Telegram message, or outside WhatsApp's 24-hour window as a
    # template variable whose line breaks become " · ": room is left for a few of them.
    assert min(TELEGRAM_MAX_TEXT, WHATSAPP_MAX_TEMPLATE_PARAMETER - 20) >= BROADCAST_MAX_CHARS
