"""`jaring serve` with WhatsApp: beside Telegram on one web app, and the real command in a subprocess."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from bot.serve import serving
from bot.settings import Settings, SettingsError, load_settings
from tests.fake_whatsapp import APP_SECRET, VERIFY_TOKEN, FakeGraph
from tests.serve_support import command_env, jaring_serve, stop_cleanly, whatsapp_env
from tests.telegram_support import fake_server, free_port, telegram_settings, use_migrated_database
from tests.telegram_support import replies as telegram_replies
from tests.whatsapp_support import fake_graph, replies, whatsapp_settings

WA = "6281234567890"


@pytest.fixture
async def fake(settings: Settings) -> AsyncIterator[FakeGraph]:
    await use_migrated_database(settings)
    async with fake_graph() as server:
        yield server


async def test_whatsapp_and_telegram_are_served_together(fake: FakeGraph, settings: Settings) -> None:
    port = free_port()
    both = whatsapp_settings(settings, fake, port=port)
    async with fake_server() as telegram:
        both = both.model_copy(
            update=telegram_settings(both, telegram).model_dump(include={"telegram_bot_token", "telegram_api_base"})
        )
        async with serving(both, host="127.0.0.1", port=port) as service:
            assert sorted(c.name for c in service.channels) == ["telegram", "whatsapp"]
            telegram.push(telegram.text_update(42, "halo"))
            assert await fake.deliver(fake.text(WA, "halo")) == 200
            [on_whatsapp] = await replies(fake, WA, 1)
            [on_telegram] = await telegram_replies(telegram, 42, 1)
            assert on_whatsapp.text == on_telegram.text


@pytest.mark.slow
async def test_the_real_command_serves_whatsapp_and_logs_no_secrets(fake: FakeGraph, tmp_path: Path) -> None:
    port = free_port()
    fake.webhook_url = f"http://127.0.0.1:{port}/webhook/whatsapp"
    env = command_env(tmp_path, **whatsapp_env(fake), JARING_PORT=str(port))
    async with jaring_serve(env, tmp_path) as process:
        status = 0
        for _ in range(300):  # until the web app listens (bounded: 30 s)
            try:
                status = await fake.deliver(fake.text(WA, "halo nama saya Siti"))
                break
            except httpx.ConnectError:
                await asyncio.sleep(0.1)
        assert status == 200
        [reply] = await replies(fake, WA, 1, within=30)
        assert "Menu utama" in reply.text
        await stop_cleanly(process)
    assert process.stderr is not None
    log = (await process.stderr.read()).decode()
    assert "serving whatsapp" in log
    for secret in (fake.token, APP_SECRET, VERIFY_TOKEN, "Siti"):
        assert secret not in log


def test_whatsapp_settings_defaults_and_a_bad_api_base(settings: Settings) -> None:
    assert settings.whatsapp_api_base == "https://graph.facebook.com/v23.0"
    assert (settings.whatsapp_template_language, settings.whatsapp_messages_per_second) == ("id", 80.0)
    assert settings.whatsapp_missing == [
        "WHATSAPP_TOKEN",
        "WHATSAPP_PHONE_NUMBER_ID",
        "WHATSAPP_APP_SECRET",
        "WHATSAPP_VERIFY_TOKEN",
    ]
    with pytest.raises(SettingsError, match=r"invalid setting WHATSAPP_API_BASE: .*must start with https://"):
        load_settings(whatsapp_api_base="graph.facebook.com")
    with pytest.raises(SettingsError, match="invalid setting WHATSAPP_MESSAGES_PER_SECOND"):
        load_settings(whatsapp_messages_per_second=0)
