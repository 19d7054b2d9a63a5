"""The Telegram edge's pure parts: updates → what to do, replies → Telegram messages, the pacer."""

from __future__ import annotations

from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conversations.inbound import InboundKind
from handlers.sending import OutgoingChoice, OutgoingMessage
from handlers.telegram import ForTheCore, Ignored, NotPrivate, Pacer, Rate, parse_update, render, split_text
from handlers.telegram.rendering import MAX_TEXT_LENGTH, telegram_length

NOW = datetime(2026, 11, 21, 8, 0, tzinfo=UTC)
USER = {"id": 42, "is_bot": False, "first_name": "Siti"}
PRIVATE = {"id": 42, "type": "private", "first_name": "Siti"}


def message(**content: Any) -> dict[str, Any]:
    return {"update_id": 7, "message": {"message_id": 1, "date": 0, "chat": PRIVATE, "from": USER, **content}}


def parse(update: dict[str, Any]) -> ForTheCore | NotPrivate | Ignored:
    return parse_update(update, bot_id=99, received_at=NOW)


def test_a_text_becomes_an_inbound_with_the_bot_and_update_ids_as_its_message_id() -> None:
    parsed = parse(message(text="halo"))
    assert isinstance(parsed, ForTheCore)
    assert (parsed.inbound.channel, parsed.inbound.sender_id, parsed.inbound.message_id) == ("telegram", "42", "99:7")
    assert (parsed.inbound.text, parsed.inbound.kind, parsed.chat_id) == ("halo", InboundKind.TEXT, 42)


@pytest.mark.parametrize(
    ("typed", "reaches_the_core"),
    [
        ("/start", "/start"),
        ("/start undangan-RT03", "/start undangan-RT03"),
        ("/menu@jaring_bot", "/menu"),
        ("/start@jaring_bot kode", "/start kode"),
        ("email saya siti@contoh.id", "email saya siti@contoh.id"),
    ],
)
def test_commands_pass_through_as_text(typed: str, reaches_the_core: str) -> None:
    parsed = parse(message(text=typed))
    assert isinstance(parsed, ForTheCore)
    assert parsed.inbound.text == reaches_the_core


def test_a_tap_is_a_choice_to_acknowledge() -> None:
    tap = {
        "id": "tap-1",
        "from": USER,
        "chat_instance": "c",
        "data": "privacy",
        "message": {"message_id": 5, "date": 0, "chat": PRIVATE},
    }
    parsed = parse({"update_id": 8, "callback_query": tap})
    assert isinstance(parsed, ForTheCore)
    assert (parsed.inbound.kind, parsed.inbound.choice_id, parsed.inbound.text) == (InboundKind.CHOICE, "privacy", "")
    assert (parsed.callback_query_id, parsed.tapped_message_id, parsed.chat_id) == ("tap-1", 5, 42)


def test_a_shared_contact_carries_the_phone() -> None:
    parsed = parse(message(contact={"phone_number": "+6281234567890", "first_name": "Siti", "user_id": 42}))
    assert isinstance(parsed, ForTheCore)
    assert (parsed.inbound.kind, parsed.inbound.phone) == (InboundKind.CONTACT, "+6281234567890")


@pytest.mark.parametrize(
    "content",
    [
        {"photo": [{"file_id": "p", "file_unique_id": "p", "width": 1, "height": 1}], "caption": "KTP saya"},
        {"voice": {"file_id": "v", "file_unique_id": "v", "duration": 3}},
        {"location": {"latitude": -6.89, "longitude": 109.67}},
        {"document": {"file_id": "d", "file_unique_id": "d"}},
        {"video_note": {"file_id": "n", "file_unique_id": "n", "length": 1, "duration": 1}},
    ],
)
def test_media_is_unsupported(content: dict[str, Any]) -> None:
    parsed = parse(message(**content))
    assert isinstance(parsed, ForTheCore)
    assert parsed.inbound.kind is InboundKind.UNSUPPORTED


def test_group_messages_and_taps_never_reach_the_core() -> None:
    group = {"id": -100, "type": "supergroup", "title": "RT 03"}
    assert parse(message(chat=group, text="halo")) == NotPrivate(-100)
    tap = {
        "id": "t",
        "from": USER,
        "chat_instance": "c",
        "data": "x",
        "message": {"message_id": 1, "date": 0, "chat": group},
    }
    assert parse({"update_id": 9, "callback_query": tap}) == NotPrivate(-100, "t")


@pytest.mark.parametrize(
    "update",
    [
        {},
        {"update_id": "7"},
        {"update_id": 7},
        {"update_id": 7, "edited_message": {"message_id": 1, "date": 0, "chat": PRIVATE, "text": "x"}},
        {"update_id": 7, "message": {"garbage": True}},
        {"update_id": 7, "message": {"message_id": 1, "date": 0, "chat": {"id": 1, "type": "channel"}, "text": "x"}},
        message(text="bot", **{"from": {"id": 5, "is_bot": True, "first_name": "B"}}),
        message(new_chat_title="RT 03"),
    ],
)
def test_anything_else_is_ignored_without_raising(update: dict[str, Any]) -> None:
    assert isinstance(parse(update), Ignored)


_KEYS = st.sampled_from(["update_id", "message", "chat", "text", "from", "id", "type", "callback_query", "data"])
_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=5),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_KEYS, inner, max_size=4),
    max_leaves=20,
)


@given(_JSON)
def test_arbitrary_json_never_crashes_the_parser(update: object) -> None:
    raw = update if isinstance(update, dict) else {"update_id": 1, "message": update}
    assert isinstance(parse(raw), ForTheCore | NotPrivate | Ignored)


def outgoing(body: str, *choices: tuple[str, str]) -> OutgoingMessage:
    return OutgoingMessage(
        id=1, channel="telegram", recipient="42", body=body, choices=tuple(OutgoingChoice(*c) for c in choices)
    )


def test_choices_become_numbered_buttons_with_the_choice_id_as_callback_data() -> None:
    [text] = render(outgoing("Menu utama.", ("about", "Tentang program"), ("help", "Bantuan")))
    assert text.text == "Menu utama."
    assert text.keyboard is not None
    assert [[(b.text, b.callback_data) for b in row] for row in text.keyboard.inline_keyboard] == [
        [("1. Tentang program", "about")],
        [("2. Bantuan", "help")],
    ]


def test_a_64_byte_id_fits_and_a_65_byte_one_falls_back_to_numbered_text() -> None:
    [fits] = render(outgoing("Pilih:", ("é" * 32, "Pas")))  # 64 bytes in UTF-8
    assert fits.keyboard is not None
    [numbered] = render(outgoing("Pilih:", ("a" * 65, "Terlalu panjang"), ("b", "Lain")))
    assert (numbered.text, numbered.keyboard) == ("Pilih:\n\n1. Terlalu panjang\n2. Lain", None)


def test_split_prefers_paragraphs_then_lines_then_spaces() -> None:
    assert split_text("aaaa\n\nbbbb", limit=8) == ["aaaa", "bbbb"]
    assert split_text("aaaa\nbbbb\ncc", limit=10) == ["aaaa\nbbbb", "cc"]
    assert split_text("kata kata kata", limit=10) == ["kata kata", "kata"]
    assert split_text("x" * 25, limit=10) == ["x" * 10, "x" * 10, "x" * 5]
    assert split_text("   ") == []


def test_length_is_counted_as_telegram_counts_it() -> None:
    assert telegram_length("halo") == 4
    assert telegram_length("🙏") == 2  # outside the Basic Multilingual Plane: two UTF-16 units
    assert [telegram_length(part) for part in split_text("🙏" * 5, limit=4)] == [4, 4, 2]


@given(st.text(alphabet=st.sampled_from(["a", "b", " ", "\n", "🙏", "é"]), max_size=400), st.integers(2, 50))
def test_splitting_never_exceeds_the_limit_and_loses_no_words(text: str, limit: int) -> None:
    parts = split_text(text, limit)
    assert all(0 < telegram_length(part) <= limit for part in parts)
    assert "".join("".join(parts).split()) == "".join(text.split())


def test_a_long_reply_keeps_its_keyboard_on_the_last_part() -> None:
    body = "\n".join(f"baris {n}" for n in range(1000))  # 9 889 characters
    parts = render(outgoing(body, ("ok", "Oke")))
    assert len(parts) == 3
    assert all(telegram_length(p.text) <= MAX_TEXT_LENGTH for p in parts)
    assert [p.keyboard is not None for p in parts] == [False, False, True]


class FakeTime:
    """Monotonic time that `sleep` moves on, recording each wait."""

    def __init__(self) -> None:
        self.now = 100.0
        self.waits: list[float] = []

    def __call__(self) -> float:
        return self.now

    async def sleep(self, seconds: float) -> None:
        self.waits.append(seconds)
        self.now += seconds

    async def waited(self, pacer: Pacer, chat: str) -> float:
        before = self.now
        await pacer.wait_turn(chat)
        return round(self.now - before, 6)


def pacer_on(time: FakeTime) -> Pacer:
    return Pacer(Rate(1.0, 3), Rate(30.0, 30), monotonic=time, sleep=time.sleep)


async def test_one_chat_gets_a_short_burst_then_one_message_a_second() -> None:
    time = FakeTime()
    pacer = pacer_on(time)
    assert [await time.waited(pacer, "42") for _ in range(5)] == [0.0, 0.0, 0.0, 1.0, 1.0]
    assert await time.waited(pacer, "43") == 0.0  # another chat is not held back by 42's backlog
    time.now += 10
    assert [await time.waited(pacer, "42") for _ in range(3)] == [0.0, 0.0, 0.0]


async def test_all_chats_together_get_thirty_a_second() -> None:
    time = FakeTime()
    pacer = pacer_on(time)
    waits = [await time.waited(pacer, str(chat)) for chat in range(45)]
    assert waits[:30] == [0.0] * 30
    assert waits[30:] == pytest.approx([1 / 30] * 15, abs=1e-5)


def test_a_429_pauses_every_chat() -> None:
    time = FakeTime()
    pacer = pacer_on(time)
    pacer.pause(7)
    assert pacer.paused_for() == 7
    time.now += 7
    assert pacer.paused_for() == 0
