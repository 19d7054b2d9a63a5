"""The WhatsApp edge without a server: parsing webhook payloads (odd ones never crash it), rendering
within WhatsApp's limits, the signature, pacing."""

from __future__ import annotations

import hashlib
import hmac
from datetime import UTC, datetime
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from conversations.inbound import InboundKind
from handlers.sending import OutgoingChoice, OutgoingMessage
from handlers.whatsapp import ParsedPayload, Throttle, parse_payload, render, sign, split_text, template_text
from handlers.whatsapp.rendering import short_title
from tests.fake_whatsapp import FakeGraph

NOW = datetime(2026, 11, 21, 8, 0, tzinfo=UTC)
WA = "6281234567890"
graph = FakeGraph()  # only its payload builders: no server


def parse(payload: dict[str, Any]) -> ParsedPayload:
    return parse_payload(payload, phone_number_id=graph.phone_number_id, received_at=NOW)


# ---- parsing -----------------------------------------------------------------------------------


def test_text_is_text_for_the_core_with_the_wamid_as_message_id() -> None:
    payload = graph.text(WA, "  halo  ", name="Siti Aminah")
    [message] = parse(payload).messages
    wamid = payload["entry"][0]["changes"][0]["value"]["messages"][0]["id"]
    inbound = message.inbound
    assert (inbound.channel, inbound.sender_id, inbound.message_id) == ("whatsapp", WA, wamid)
    assert (inbound.kind, inbound.text, inbound.sender_name) == (InboundKind.TEXT, "halo", "Siti Aminah")
    assert message.business_user_id is None


@pytest.mark.parametrize(
    "payload",
    [
        graph.button_reply(WA, "agree", "Setuju"),
        graph.list_reply(WA, "agree", "Setuju"),
        graph.template_button(WA, "agree", "Setuju"),
    ],
)
def test_button_list_and_template_replies_are_choices(payload: dict[str, Any]) -> None:
    [message] = parse(payload).messages
    assert (message.inbound.kind, message.inbound.choice_id) == (InboundKind.CHOICE, "agree")


@pytest.mark.parametrize(
    "kind", ["image", "audio", "video", "sticker", "document", "location", "contacts", "unsupported", "reaction"]
)
def test_what_the_bot_cannot_read_reaches_the_core_as_unsupported(kind: str) -> None:
    [message] = parse(graph.message(WA, kind, {"id": "123"})).messages
    assert message.inbound.kind is InboundKind.UNSUPPORTED


def test_the_business_scoped_user_id_is_kept() -> None:
    [message] = parse(graph.text(WA, "halo", user_id="ID.13491208655302741918")).messages
    assert message.business_user_id == "ID.13491208655302741918"


def test_statuses_are_read_with_their_errors() -> None:
    statuses = [
        graph.status("wamid.A", "delivered", WA),
        graph.status("wamid.B", "failed", WA, error_code=131026, error_title="Message undeliverable"),
        graph.status("wamid.C", "deleted", WA),
    ]
    parsed = parse(graph.payload(statuses=statuses))
    assert [(s.provider_message_id, s.status, s.error) for s in parsed.statuses] == [
        ("wamid.A", "delivered", None),
        ("wamid.B", "failed", "131026 Message undeliverable"),
    ]
    assert len(parsed.ignored) == 1


def test_messages_for_another_number_or_another_field_are_skipped() -> None:
    payload = graph.text(WA, "halo")
    payload["entry"][0]["changes"][0]["value"]["metadata"]["phone_number_id"] = "999"
    payload["entry"].append({"id": "1", "changes": [{"field": "account_update", "value": {}}]})
    parsed = parse(payload)
    assert not parsed.messages
    assert parsed.ignored == ["for another phone number", "not a messages change"]


@pytest.mark.parametrize(
    "message",
    [
        {},
        {"from": WA, "type": "text", "text": {"body": "x"}},  # no id
        {"id": "wamid.1", "type": "text", "text": {"body": "x"}},  # no sender
        {"from": WA, "id": "wamid.1", "type": "interactive", "interactive": {"type": "nfm_reply"}},
        {"from": WA, "id": "wamid.1", "type": "interactive", "interactive": {"type": "button_reply"}},
        {"from": WA, "id": "wamid.1", "type": "button", "button": {}},
        {"from": WA, "id": "wamid.1", "type": "system", "system": {"body": "changed number"}},
        {"from": WA, "id": "w" * 200, "type": "text", "text": {"body": "x"}},  # an id longer than the inbox keeps
    ],
)
def test_odd_messages_are_skipped_without_raising(message: dict[str, Any]) -> None:
    parsed = parse(graph.payload(messages=[message]))
    assert not parsed.messages
    assert len(parsed.ignored) == 1


_KEYS = st.sampled_from(
    ["entry", "changes", "field", "value", "metadata", "phone_number_id", "messages", "statuses", "contacts",
     "from", "id", "type", "text", "body", "interactive", "button_reply", "status", "errors", "wa_id"]
)  # fmt: skip
_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.text(max_size=5) | st.just("messages") | st.just("text"),
    lambda inner: st.lists(inner, max_size=3) | st.dictionaries(_KEYS, inner, max_size=5),
    max_leaves=25,
)


@given(_JSON)
def test_arbitrary_json_never_crashes_the_parser(value: object) -> None:
    payloads: list[dict[str, Any]] = [
        value if isinstance(value, dict) else {"entry": value},
        {"entry": [{"changes": [{"field": "messages", "value": value}]}]},
        graph.payload(messages=[value] if isinstance(value, dict) else []),
    ]
    for payload in payloads:
        assert isinstance(parse(payload), ParsedPayload)


# ---- rendering ---------------------------------------------------------------------------------


def outgoing(body: str, *labels: str, kind: str = "reply") -> OutgoingMessage:
    choices = tuple(OutgoingChoice(f"c{n}", label) for n, label in enumerate(labels, start=1))
    return OutgoingMessage(1, "whatsapp", WA, body, choices, kind=kind)


def test_up_to_three_choices_are_reply_buttons_with_the_choice_ids() -> None:
    [message] = render(outgoing("Setuju?", "Setuju", "Tidak setuju"))
    interactive = message["interactive"]
    assert interactive["type"] == "button"
    assert interactive["body"] == {"text": "Setuju?"}
    buttons = [(b["reply"]["id"], b["reply"]["title"]) for b in interactive["action"]["buttons"]]
    assert buttons == [("c1", "Setuju"), ("c2", "Tidak setuju")]


def test_a_label_too_long_for_a_button_is_shortened_at_a_word_and_spelled_out_in_the_body() -> None:
    long = "Ya, saya bekerja sebagai tukang becak"
    [message] = render(outgoing("Pekerjaan Anda?", long, "Bukan"))
    titles = [b["reply"]["title"] for b in message["interactive"]["action"]["buttons"]]
    assert titles == ["Ya, saya bekerja…", "Bukan"]
    assert all(len(t) <= 20 for t in titles)
    assert message["interactive"]["body"]["text"] == f"Pekerjaan Anda?\n\n1. {long}\n2. Bukan"


def test_four_to_ten_choices_are_a_list_and_long_labels_keep_their_meaning_in_the_description() -> None:
    long = "Pembantu pengatur lalu lintas (Pak Ogah)"  # 40 characters: too long for a row title (24)
    [message] = render(outgoing("Pilih pekerjaan:", "Tukang becak", "Sopir angkot", "Lebe non-PNS", long))
    interactive = message["interactive"]
    assert interactive["type"] == "list"
    assert interactive["action"]["button"] == "Pilih"
    rows = interactive["action"]["sections"][0]["rows"]
    assert [r["id"] for r in rows] == ["c1", "c2", "c3", "c4"]
    assert rows[3] == {"id": "c4", "title": "Pembantu pengatur lalu…", "description": long}
    assert "description" not in rows[0]
    assert interactive["body"]["text"] == "Pilih pekerjaan:"  # the description already says it all


def test_a_label_too_long_even_for_a_description_is_numbered_in_the_body() -> None:
    huge = " ".join(["sangat panjang"] * 8)  # 119 characters
    [message] = render(outgoing("Pilih:", "a", "b", "c", huge))
    rows = message["interactive"]["action"]["sections"][0]["rows"]
    assert len(rows[3]["title"]) <= 24
    assert "description" not in rows[3]
    assert f"4. {huge}" in message["interactive"]["body"]["text"]


def test_a_single_word_too_long_for_a_title_becomes_its_number() -> None:
    assert short_title("Ketenagakerjaanperlindungan", 2, 20) == "2"
    assert short_title("  Cek   status ", 1, 20) == "Cek status"


def test_titles_that_shorten_to_the_same_text_become_their_numbers() -> None:
    [message] = render(outgoing("?", "Sopir angkutan umum sistem setoran", "Sopir angkutan umum sistem lain"))
    assert [b["reply"]["title"] for b in message["interactive"]["action"]["buttons"]] == ["1", "2"]


def test_more_than_ten_choices_are_numbered_text() -> None:
    labels = [f"Pilihan {n}" for n in range(1, 12)]
    [message] = render(outgoing("Pilih:", *labels))
    assert message["type"] == "text"
    assert message["text"]["body"].endswith("10. Pilihan 10\n11. Pilihan 11")


def test_a_long_body_with_buttons_puts_the_interactive_part_last_within_1024() -> None:
    body = "\n".join(f"Baris {n}: " + "isi " * 20 for n in range(40))  # ~3,500 characters
    parts = render(outgoing(body, "Ya", "Tidak"))
    assert [p["type"] for p in parts] == ["text", "interactive"]
    assert len(parts[-1]["interactive"]["body"]["text"]) <= 1024
    assert len(parts[0]["text"]["body"]) <= 4096
    joined = parts[0]["text"]["body"] + parts[-1]["interactive"]["body"]["text"]
    assert "".join(joined.split()) == "".join(body.split())


def test_a_blank_message_renders_nothing_and_choices_alone_are_numbered() -> None:
    assert render(outgoing("   ")) == []
    [message] = render(outgoing("", "Ya", "Tidak"))
    assert message["text"]["body"] == "1. Ya\n2. Tidak"


def test_the_template_variable_is_one_line_within_1024() -> None:
    assert template_text(outgoing("Halo\n\nPilih:\tsatu", "Ya", "Tidak")) == "Halo · Pilih: satu · 1. Ya · 2. Tidak"
    long = template_text(outgoing("kata " * 400))
    assert len(long) <= 1024
    assert long.endswith("kata…")


@given(st.text(alphabet=st.sampled_from(["a", "b", " ", "\n", "🙏", "é"]), max_size=400), st.integers(2, 50))
def test_splitting_never_exceeds_the_limit_and_loses_no_words(text: str, limit: int) -> None:
    parts = split_text(text, limit)
    assert all(0 < len(part) <= limit for part in parts)
    assert "".join("".join(parts).split()) == "".join(text.split())


@given(st.lists(st.text(alphabet=st.sampled_from(["a", "b", " ", "é"]), min_size=1, max_size=60), max_size=12))
def test_every_rendering_keeps_to_whatsapps_limits(labels: list[str]) -> None:
    labels = [label for label in labels if label.strip()]
    for message in render(outgoing("Pilih salah satu:", *labels)):
        if message["type"] == "text":
            assert 0 < len(message["text"]["body"]) <= 4096
            continue
        interactive = message["interactive"]
        assert 0 < len(interactive["body"]["text"]) <= 1024
        if interactive["type"] == "button":
            titles = [b["reply"]["title"] for b in interactive["action"]["buttons"]]
            assert len(titles) <= 3
            assert all(0 < len(t) <= 20 for t in titles)
        else:
            rows = interactive["action"]["sections"][0]["rows"]
            assert 4 <= len(rows) <= 10
            assert all(0 < len(r["title"]) <= 24 and len(r.get("description", "")) <= 72 for r in rows)
            titles = [r["title"] for r in rows]
        assert len(set(titles)) == len(titles)


# ---- the signature and pacing ------------------------------------------------------------------


def test_the_signature_is_hmac_sha256_of_the_raw_body() -> None:
    body = b'{"object":"whatsapp_business_account"}'
    assert sign(body, "rahasia") == "sha256=" + hmac.new(b"rahasia", body, hashlib.sha256).hexdigest()
    assert sign(body, "rahasia") == graph.signature(body, secret="rahasia")


async def test_the_throttle_spaces_sends_at_the_rate() -> None:
    now = [0.0]
    waits: list[float] = []

    async def sleep(seconds: float) -> None:
        waits.append(round(seconds, 6))
        now[0] += seconds

    throttle = Throttle(80.0, burst=2, monotonic=lambda: now[0], sleep=sleep)
    for _ in range(4):
        await throttle.wait_turn()
    assert waits == [0.0125, 0.0125]  # a burst of 2, then one every 1/80 s
    throttle.pause(3.0)
    assert throttle.paused_for() == 3.0
