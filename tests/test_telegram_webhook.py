"""`jaring serve` on Telegram by webhook: the fake Bot API server POSTs updates to the real web app."""

from __future__ import annotations

from collections.abc import AsyncIterator

import httpx
import pytest

from bot.serve import serving
from bot.settings import Settings, SettingsError
from db.models import Contact, InboxMessage, OutboxMessage
from tests.fake_telegram import FakeTelegram
from tests.telegram_support import count_rows, fake_server, free_port, replies, telegram_settings, use_migrated_database


@pytest.fixture
async def fake(settings: Settings) -> AsyncIterator[FakeTelegram]:
    await use_migrated_database(settings)
    async with fake_server() as server:
        yield server


async def test_a_whole_conversation_by_webhook(fake: FakeTelegram, settings: Settings) -> None:
    port = free_port()
    async with serving(telegram_settings(settings, fake, webhook_port=port), host="127.0.0.1", port=port):
        assert fake.state.webhook is not None
        assert fake.state.webhook["url"] == f"http://127.0.0.1:{port}/webhook/telegram"
        assert fake.state.webhook["secret_token"] == "rahasia-123_ABC"
        assert fake.state.webhook["allowed_updates"] == ["message", "callback_query"]

        assert await fake.deliver(fake.text_update(42, "halo")) == 200
        [menu] = await replies(fake, 42, 1)
        assert menu.text.startswith("Halo! Saya Jaring")
        assert "help" in [data for _, data in menu.buttons]

        tap = fake.tap_update(42, "help", menu.message_id)
        assert await fake.deliver(tap) == 200
        [_, help_text] = await replies(fake, 42, 2)
        assert help_text.text.startswith("Cara memakai Jaring")
        await fake.wait_for(lambda: menu.reply_markup is None, "the menu's keyboard to be removed")
        await fake.wait_for(lambda: tap["callback_query"]["id"] in fake.state.answered_taps, "the tap acknowledged")

        # The old button tapped again: it was taken away, but a stale copy still gets a sensible answer.
        assert await fake.deliver(fake.tap_update(42, "privacy", menu.message_id)) == 200
        [*_, answer] = await replies(fake, 42, 3)
        assert answer.text
    assert not fake.calls_to("getUpdates")


async def test_a_wrong_or_missing_secret_is_refused_and_nothing_is_stored(
    fake: FakeTelegram, settings: Settings
) -> None:
    port = free_port()
    async with serving(telegram_settings(settings, fake, webhook_port=port), host="127.0.0.1", port=port) as service:
        update = fake.text_update(42, "halo")
        assert await fake.deliver(update, secret="rahasia-123_ABD") == 401
        assert await fake.deliver(update, secret="") == 401
        async with httpx.AsyncClient() as client:
            right_secret = {"X-Telegram-Bot-Api-Secret-Token": "rahasia-123_ABC"}
            url = f"http://127.0.0.1:{port}/webhook/telegram"
            not_json = await client.post(url, content=b"not json", headers=right_secret)
        assert not_json.status_code == 400
        for model in (InboxMessage, Contact, OutboxMessage):
            assert await count_rows(service.jaring.store, model) == 0
        assert await fake.deliver(update) == 200  # Telegram's next try, with the right secret, is taken
        await replies(fake, 42, 1)


async def test_the_same_update_delivered_twice_gets_one_reply(fake: FakeTelegram, settings: Settings) -> None:
    port = free_port()
    async with serving(telegram_settings(settings, fake, webhook_port=port), host="127.0.0.1", port=port) as service:
        update = fake.text_update(42, "halo")
        assert await fake.deliver(update) == 200
        assert await fake.deliver(update) == 200  # Telegram did not get our first 200 and sent it again
        # A 200 means stored and answered, so the outbox already holds every reply there will be.
        assert await count_rows(service.jaring.store, InboxMessage) == 1
        assert await count_rows(service.jaring.store, OutboxMessage) == 1
        [reply] = await replies(fake, 42, 1)
        assert reply.text.startswith("Halo!")
    assert len(fake.sent_to(42)) == 1


async def test_healthz_and_the_webhook_share_one_web_app(fake: FakeTelegram, settings: Settings) -> None:
    port = free_port()
    async with (
        serving(telegram_settings(settings, fake, webhook_port=port), host="127.0.0.1", port=port),
        httpx.AsyncClient() as client,
    ):
        health = await client.get(f"http://127.0.0.1:{port}/healthz")
        wrong_method = await client.get(f"http://127.0.0.1:{port}/webhook/telegram")
    assert (health.status_code, health.json()["status"]) == (200, "ok")
    assert wrong_method.status_code == 405


async def test_a_webhook_needs_its_secret(fake: FakeTelegram, settings: Settings) -> None:
    without_secret = telegram_settings(settings, fake, webhook_port=free_port()).model_copy(
        update={"telegram_webhook_secret": ""}
    )
    with pytest.raises(SettingsError, match="missing setting TELEGRAM_WEBHOOK_SECRET"):
        async with serving(without_secret, host="127.0.0.1", port=0):
            pass
    assert not fake.calls
