"""`jaring serve`: what it needs, how it fails at start-up, and the real command in a subprocess."""

from __future__ import annotations

import socket
import subprocess
from collections.abc import AsyncIterator
from pathlib import Path

import pytest

from bot.channels.telegram import TelegramChannel
from bot.inbound.pipeline import Handled, Pipeline
from bot.serve import serving
from bot.settings import Settings, SettingsError, load_settings
from conversations.inbound import Inbound
from db.models import InboxMessage
from tests.fake_telegram import FakeTelegram
from tests.serve_support import JARING, command_env, jaring_serve, stop_cleanly
from tests.telegram_support import (
    count_rows,
    fake_server,
    free_port,
    replies,
    telegram_settings,
    use_migrated_database,
)


@pytest.fixture
async def fake(settings: Settings) -> AsyncIterator[FakeTelegram]:
    await use_migrated_database(settings)
    async with fake_server() as server:
        yield server


@pytest.mark.slow
def test_without_a_token_it_says_what_to_set(tmp_path: Path) -> None:
    result = subprocess.run(
        [JARING, "serve"],
        env=command_env(tmp_path),
        cwd=tmp_path,
        capture_output=True,
        text=True,
        timeout=60,
        check=False,
    )
    assert result.returncode == 2
    assert result.stderr.count("\n") == 1
    assert result.stderr.startswith("jaring: no channel to serve: set TELEGRAM_BOT_TOKEN")
    assert "`jaring chat`" in result.stderr


@pytest.mark.slow
async def test_the_real_command_serves_polling_and_stops_gracefully_on_sigterm(
    fake: FakeTelegram, tmp_path: Path
) -> None:
    env = command_env(tmp_path, TELEGRAM_BOT_TOKEN=fake.token, TELEGRAM_API_BASE=fake.url, JARING_PORT="0")
    async with jaring_serve(env, tmp_path) as process:
        update = fake.text_update(42, "halo nama saya Siti")
        fake.push(update)
        [reply] = await replies(fake, 42, 1, within=30)
        assert "Menu utama" in reply.text
        await stop_cleanly(process)
    assert process.stderr is not None
    log = (await process.stderr.read()).decode()
    assert "serving telegram" in log
    assert "stopping" in log
    assert fake.token not in log  # the token is part of every Bot API URL: httpx must not log them
    assert "Siti" not in log
    assert fake.state.confirmed == update["update_id"] + 1


async def test_a_token_telegram_refuses_stops_start_up(fake: FakeTelegram, settings: Settings) -> None:
    refused = telegram_settings(settings, fake).model_copy(update={"telegram_bot_token": "123456:not-the-token"})
    with pytest.raises(SettingsError, match="invalid setting TELEGRAM_BOT_TOKEN: Telegram refused it"):
        async with serving(refused, host="127.0.0.1", port=0):
            pass


async def test_a_busy_port_stops_start_up_before_anything_else(fake: FakeTelegram, settings: Settings) -> None:
    with socket.socket() as taken:
        taken.bind(("127.0.0.1", 0))
        taken.listen()
        port = taken.getsockname()[1]
        with pytest.raises(SettingsError, match=f"cannot listen on 127.0.0.1:{port}"):
            async with serving(telegram_settings(settings, fake), host="127.0.0.1", port=port):
                pass
    assert not fake.calls


class Unavailable:
    async def handle(self, inbound: Inbound) -> Handled:
        raise ConnectionError("database unreachable")


async def test_the_webhook_answers_500_when_the_update_could_not_be_stored(
    fake: FakeTelegram, settings: Settings
) -> None:
    port = free_port()
    async with serving(telegram_settings(settings, fake, webhook_port=port), host="127.0.0.1", port=port) as service:
        [channel] = service.channels
        assert isinstance(channel, TelegramChannel)
        working: Pipeline = service.jaring.pipeline
        channel.pipeline = Unavailable()
        update = fake.text_update(42, "halo")
        assert await fake.deliver(update) == 500  # Telegram delivers it again later
        assert await count_rows(service.jaring.store, InboxMessage) == 0
        channel.pipeline = working
        assert await fake.deliver(update) == 200
        await replies(fake, 42, 1)


@pytest.mark.parametrize(
    ("name", "value", "expected"),
    [
        (
            "TELEGRAM_WEBHOOK_SECRET",
            "rahasia dengan spasi",
            "invalid setting TELEGRAM_WEBHOOK_SECRET: Value error, 1 to 256",
        ),
        (
            "TELEGRAM_API_BASE",
            "api.telegram.org",
            "invalid setting TELEGRAM_API_BASE: Value error, must start with https://",
        ),
        ("JARING_PORT", "80800", "invalid setting JARING_PORT:"),
        ("TELEGRAM_MESSAGES_PER_SECOND", "0", "invalid setting TELEGRAM_MESSAGES_PER_SECOND:"),
    ],
)
def test_telegram_settings_are_checked(
    settings: Settings, monkeypatch: pytest.MonkeyPatch, name: str, value: str, expected: str
) -> None:
    monkeypatch.setenv(name, value)
    with pytest.raises(SettingsError) as error:
        load_settings()
    assert str(error.value).startswith(expected)


def test_serve_settings_from_the_environment(settings: Settings, monkeypatch: pytest.MonkeyPatch) -> None:
    for name, value in {
        "JARING_HOST": "0.0.0.0",
        "JARING_PORT": "9000",
        "TELEGRAM_BOT_TOKEN": " 123:abc ",
        "TELEGRAM_API_BASE": "http://127.0.0.1:8081/",
        "TELEGRAM_WEBHOOK_URL": "https://bot.example.go.id/webhook/telegram",
        "TELEGRAM_WEBHOOK_SECRET": "A-z_09",
    }.items():
        monkeypatch.setenv(name, value)
    loaded = load_settings()
    assert (loaded.host, loaded.port, loaded.telegram_bot_token) == ("0.0.0.0", 9000, "123:abc")
    assert loaded.telegram_api_base == "http://127.0.0.1:8081"
    assert (loaded.telegram_messages_per_second, loaded.telegram_messages_per_second_per_chat) == (30.0, 1.0)
    assert "123:abc" not in repr(loaded)
    assert "A-z_09" not in repr(loaded)


async def test_a_webhook_address_telegram_refuses_stops_start_up(fake: FakeTelegram, settings: Settings) -> None:
    fake.fail("setWebhook", 400, description="Bad Request: bad webhook: An HTTPS URL must be provided for webhook")
    with pytest.raises(SettingsError) as error:
        async with serving(telegram_settings(settings, fake, webhook_port=free_port()), host="127.0.0.1", port=0):
            pass
    assert str(error.value).startswith("invalid setting TELEGRAM_WEBHOOK_URL: Telegram refused it: ")
    assert "an https url must be provided" in str(error.value).lower()
