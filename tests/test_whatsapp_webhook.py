"""`jaring serve` on WhatsApp: the fake Graph API POSTs signed webhook payloads to the real web app,
and the bot answers through the fake, over real HTTP on 127.0.0.1."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from bot.serve import serving
from bot.settings import Settings, SettingsError
from db.models import Contact, InboxMessage, OutboxMessage
from tests.fake_whatsapp import APP_SECRET, VERIFY_TOKEN, FakeGraph
from tests.telegram_support import count_rows, free_port, use_migrated_database
from tests.whatsapp_support import contact_row, fake_graph, recorded_send, replies, whatsapp_settings

WA = "6281234567890"


@pytest.fixture
async def fake(settings: Settings) -> AsyncIterator[FakeGraph]:
    await use_migrated_database(settings)
    async with fake_graph() as server:
        yield server


async def test_a_whole_conversation_with_list_and_button_replies(fake: FakeGraph, settings: Settings) -> None:
    port = free_port()
    async with serving(whatsapp_settings(settings, fake, port=port), host="127.0.0.1", port=port) as service:
        assert [c.name for c in service.channels] == ["whatsapp"]
        assert await fake.deliver(fake.text(WA, "halo", user_id="ID.1234567890")) == 200
        [menu] = await replies(fake, WA, 1)
        assert menu.body["interactive"]["type"] == "list"  # 10 choices: a list message
        assert menu.text.startswith("Halo! Saya Jaring")
        assert menu.body["interactive"]["action"]["button"] == "Pilih"
        rows = {row["title"]: row["id"] for row in menu.rows}
        assert len(rows) == 10
        assert "Ganti bahasa (Language)" in rows  # 23 characters: fits a row title (24) whole

        assert await fake.deliver(fake.list_reply(WA, rows["Daftar"], "Daftar", context=menu.id)) == 200
        # The notice (with Pekalongan's sentence on sponsors) is longer than a button message's body (1.024
        # characters): its text comes first, then the question with the buttons.
        text, notice = (await replies(fake, WA, 3))[-2:]
        assert notice.buttons == [("agree", "Setuju"), ("decline", "Tidak setuju")]
        assert "data" in text.text.lower()

        assert await fake.deliver(fake.button_reply(WA, "agree", "Setuju", context=notice.id)) == 200
        await fake.wait_for(lambda: len(fake.sent_to(WA)) >= 4, "the first registration question")
        question = fake.sent_to(WA)[-1]
        assert question.text
        assert question.id not in (menu.id, notice.id)

        person = await contact_row(service.jaring.store, WA)
        assert person.business_user_id == "ID.1234567890"
        assert person.last_inbound_at is not None
    assert all(call.authorization == f"Bearer {fake.token}" for call in fake.calls)
    assert all(call.path == f"/v23.0/{fake.phone_number_id}/messages" for call in fake.calls)


async def test_a_bad_missing_or_stale_signature_is_refused_and_nothing_stored(
    fake: FakeGraph, settings: Settings
) -> None:
    port = free_port()
    async with serving(whatsapp_settings(settings, fake, port=port), host="127.0.0.1", port=port) as service:
        payload = fake.text(WA, "halo")
        other_body = b'{"object":"whatsapp_business_account","entry":[]}'
        refused = [
            await fake.deliver(payload, signature=""),  # missing
            await fake.deliver(payload, signature="sha256=" + "0" * 64),  # wrong
            await fake.deliver(payload, signature="sha1=abc"),  # not even the right scheme
            await fake.deliver(payload, signature=fake.signature(b"{}", secret="old-app-secret")),  # an old secret
            await fake.deliver(payload, signature=fake.signature(other_body)),  # made for another body
        ]
        assert refused == [401] * 5
        for model in (InboxMessage, Contact, OutboxMessage):
            assert await count_rows(service.jaring.store, model) == 0
        async with httpx.AsyncClient() as client:  # the signature is checked before the body is read as JSON
            bad = await client.post(fake.webhook_url, content=b"not json", headers={"X-Hub-Signature-256": "x"})
            signed_not_json = await client.post(
                fake.webhook_url, content=b"not json", headers={"X-Hub-Signature-256": fake.signature(b"not json")}
            )
        assert (bad.status_code, signed_not_json.status_code) == (401, 400)
        assert await fake.deliver(payload) == 200  # Meta's next try, rightly signed, is taken
        await replies(fake, WA, 1)
    assert APP_SECRET not in str(fake.calls)


async def test_the_verification_handshake(fake: FakeGraph, settings: Settings) -> None:
    port = free_port()
    async with (
        serving(whatsapp_settings(settings, fake, port=port), host="127.0.0.1", port=port),
        httpx.AsyncClient() as client,
    ):
        url = fake.webhook_url

        async def get(mode: str, token: str) -> httpx.Response:
            params = {"hub.mode": mode, "hub.verify_token": token, "hub.challenge": "1158201444"}
            return await client.get(url, params=params)

        good = await get("subscribe", VERIFY_TOKEN)
        assert (good.status_code, good.text) == (200, "1158201444")
        assert (await get("subscribe", "tebakan")).status_code == 403
        assert (await get("unsubscribe", VERIFY_TOKEN)).status_code == 403
        assert (await client.get(url)).status_code == 403
        health = await client.get(f"http://127.0.0.1:{port}/healthz")
        assert health.json()["channels"] == ["whatsapp"]


async def test_the_same_payload_twice_gets_one_reply(fake: FakeGraph, settings: Settings) -> None:
    port = free_port()
    async with serving(whatsapp_settings(settings, fake, port=port), host="127.0.0.1", port=port) as service:
        payload = fake.text(WA, "halo")
        assert await fake.deliver(payload) == 200
        assert await fake.deliver(payload) == 200  # Meta did not get our first 200 and sent it again
        assert await count_rows(service.jaring.store, InboxMessage) == 1
        assert await count_rows(service.jaring.store, OutboxMessage) == 1  # a 200 means stored and answered
        await replies(fake, WA, 1)
    assert len(fake.sent_to(WA)) == 1


async def test_one_payload_with_several_messages_and_people(fake: FakeGraph, settings: Settings) -> None:
    port = free_port()
    async with serving(whatsapp_settings(settings, fake, port=port), host="127.0.0.1", port=port) as service:
        first, second = fake.text("628111", "halo"), fake.text("628222", "halo")
        photo = fake.message("628111", "image", {"mime_type": "image/jpeg", "sha256": "x", "id": "1"})
        change = first["entry"][0]["changes"][0]["value"]
        change["messages"] += second["entry"][0]["changes"][0]["value"]["messages"]
        change["contacts"] += second["entry"][0]["changes"][0]["value"]["contacts"]
        first["entry"].append(photo["entry"][0])
        assert await fake.deliver(first) == 200
        assert await count_rows(service.jaring.store, InboxMessage) == 3
        await replies(fake, "628222", 1)
        [_, unsupported] = await replies(fake, "628111", 2)
        assert unsupported.text  # a short answer saying what the bot understands


async def test_statuses_out_of_order_never_go_back(fake: FakeGraph, settings: Settings) -> None:
    port = free_port()
    async with serving(whatsapp_settings(settings, fake, port=port), host="127.0.0.1", port=port) as service:
        await fake.deliver(fake.text(WA, "halo"))
        [reply] = await replies(fake, WA, 1)
        store = service.jaring.store
        assert (await recorded_send(store, reply.id)).status == "sent"

        async def status_of() -> tuple[str, str | None]:
            row = await recorded_send(store, reply.id)
            return row.status, row.last_error

        for status in ("read", "delivered", "sent"):  # read came first; the older ones come late
            assert await fake.deliver(fake.payload(statuses=[fake.status(reply.id, status, WA)])) == 200
        assert await status_of() == ("read", None)
        failed = fake.status(reply.id, "failed", WA, error_code=131026, error_title="Message undeliverable")
        assert await fake.deliver(fake.payload(statuses=[failed])) == 200
        assert await status_of() == ("read", None)  # a read message was delivered, whatever comes after
        unknown = fake.status("wamid.unknown", "delivered", WA)
        assert await fake.deliver(fake.payload(statuses=[unknown])) == 200  # not ours: nothing to update


async def test_a_failed_status_records_its_error(fake: FakeGraph, settings: Settings) -> None:
    port = free_port()
    async with serving(whatsapp_settings(settings, fake, port=port), host="127.0.0.1", port=port) as service:
        await fake.deliver(fake.text(WA, "halo"))
        [reply] = await replies(fake, WA, 1)
        failed = fake.status(reply.id, "failed", WA, error_code=131049, error_title="Meta chose not to deliver")
        sent = fake.status(reply.id, "sent", WA)
        await recorded_send(service.jaring.store, reply.id)
        assert await fake.deliver(fake.payload(statuses=[sent, failed])) == 200
        row = await recorded_send(service.jaring.store, reply.id)
        assert (row.status, row.last_error) == ("failed", "131049 Meta chose not to deliver")
        assert not (await contact_row(service.jaring.store, WA)).unreachable


async def test_a_failed_status_saying_undeliverable_marks_the_contact(fake: FakeGraph, settings: Settings) -> None:
    port = free_port()
    async with serving(whatsapp_settings(settings, fake, port=port), host="127.0.0.1", port=port) as service:
        await fake.deliver(fake.text(WA, "halo"))
        [reply] = await replies(fake, WA, 1)
        await recorded_send(service.jaring.store, reply.id)
        failed = fake.status(reply.id, "failed", WA, error_code=131026, error_title="Message undeliverable")
        assert await fake.deliver(fake.payload(statuses=[failed])) == 200
        assert (await recorded_send(service.jaring.store, reply.id)).status == "failed"
        person = await contact_row(service.jaring.store, WA)
        assert (person.unreachable, person.unreachable_reason) == (True, "131026 Message undeliverable")


async def test_half_configured_whatsapp_stops_start_up_naming_what_is_missing(
    fake: FakeGraph, settings: Settings
) -> None:
    half = whatsapp_settings(settings, fake, port=free_port()).model_copy(
        update={"whatsapp_app_secret": "", "whatsapp_verify_token": ""}
    )
    with pytest.raises(SettingsError, match="missing setting WHATSAPP_APP_SECRET, WHATSAPP_VERIFY_TOKEN"):
        async with serving(half, host="127.0.0.1", port=0):
            pass
    assert not fake.calls
