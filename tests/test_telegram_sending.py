"""The Telegram sender under the outbox worker, over real HTTP to the fake Bot API server: 429, 403,
5xx and network errors, long texts, keyboards, pacing. Most run on the fixed clock, so waiting out
a rate limit or a backoff is a step of the clock, not a sleep."""

from __future__ import annotations

import time
from collections.abc import AsyncIterator
from datetime import timedelta

import pytest
from sqlalchemy import select

from bot.app import Jaring
from bot.channels.telegram import TelegramChannel
from bot.outbound.outbox_worker import OutboxWorker, RetryPolicy
from bot.serve import serving
from bot.settings import Settings
from db.models import Contact
from db.repositories import outbox
from handlers.sending import Failed, OutgoingChoice, OutgoingFile, OutgoingMessage, RetryLater
from handlers.telegram import Pacer, Rate, TelegramClient, TelegramSender
from tests.conftest import FixedClock
from tests.fake_telegram import FakeTelegram
from tests.telegram_support import (
    fake_server,
    free_port,
    make_channel,
    outbox_rows,
    replies,
    started,
    telegram_settings,
    use_migrated_database,
)


@pytest.fixture
async def fake(settings: Settings) -> AsyncIterator[FakeTelegram]:
    await use_migrated_database(settings)
    async with fake_server() as server:
        yield server


@pytest.fixture
async def channel(fake: FakeTelegram, jaring: Jaring, clock: FixedClock) -> AsyncIterator[TelegramChannel]:
    async with started(make_channel(jaring, fake, clock, retry=RetryPolicy(max_attempts=3))) as started_channel:
        yield started_channel


def worker_for(channel: TelegramChannel, jaring: Jaring, clock: FixedClock) -> OutboxWorker:
    return OutboxWorker(jaring.store, {"telegram": channel.sender}, clock, retry=RetryPolicy(max_attempts=3))


async def say(channel: TelegramChannel, fake: FakeTelegram, chat_id: int, text: str = "halo") -> None:
    await channel.handle_update(fake.text_update(chat_id, text))


async def enqueue(jaring: Jaring, clock: FixedClock, chat_id: int, body: str, choices: list[dict[str, str]]) -> None:
    """A message the bot sends on its own (an announcement, say) to someone who wrote before."""
    async with jaring.store.transaction() as session:
        person = (await session.execute(select(Contact).where(Contact.channel_id == str(chat_id)))).scalar_one()
        await outbox.enqueue(
            session,
            contact_id=person.id,
            channel="telegram",
            recipient=str(chat_id),
            body=body,
            choices=choices,
            now=clock(),
        )


async def test_a_429_is_waited_out_for_exactly_its_retry_after(
    fake: FakeTelegram, channel: TelegramChannel, jaring: Jaring, clock: FixedClock
) -> None:
    worker = worker_for(channel, jaring, clock)
    fake.fail("sendMessage", 429, retry_after=7)
    await say(channel, fake, 1)
    await worker.drain()
    [first] = await outbox_rows(jaring.store)
    assert (first.status, first.attempts, first.last_error) == ("pending", 0, "429 Too Many Requests: retry after 7 s")
    assert first.next_attempt_at == clock() + timedelta(seconds=7)
    # The whole channel waits: another person's reply, a second later, is not even tried during the pause.
    clock.advance(seconds=1)
    await say(channel, fake, 2)
    await worker.drain()
    [_, second] = await outbox_rows(jaring.store)
    assert (second.status, second.attempts) == ("pending", 0)
    assert second.next_attempt_at == clock() + timedelta(seconds=6)
    assert [c.status for c in fake.calls_to("sendMessage")] == [429]

    clock.advance(seconds=5.9)
    assert await worker.drain() == 0
    clock.advance(seconds=0.1)
    await worker.drain()
    assert [row.status for row in await outbox_rows(jaring.store)] == ["sent", "sent"]
    assert [c.status for c in fake.calls_to("sendMessage")] == [429, 200, 200]


async def test_a_429_pauses_for_its_retry_after_in_real_time(fake: FakeTelegram, settings: Settings) -> None:
    fake.fail("sendMessage", 429, retry_after=1)
    async with serving(telegram_settings(settings, fake), host="127.0.0.1", port=0):
        fake.push(fake.text_update(5, "halo"))
        await replies(fake, 5, 1)
    refused, delivered = fake.calls_to("sendMessage")
    assert (refused.status, delivered.status) == (429, 200)
    assert 1.0 <= delivered.at - refused.at < 1.9


async def test_a_403_marks_the_person_unreachable_and_nothing_more_is_sent(
    fake: FakeTelegram, channel: TelegramChannel, jaring: Jaring, clock: FixedClock
) -> None:
    worker = worker_for(channel, jaring, clock)
    fake.fail("sendMessage", 403, chat_id=1)
    await say(channel, fake, 1)
    await worker.drain()
    [row] = await outbox_rows(jaring.store)
    assert (row.status, row.last_error) == ("failed", "unreachable: 403: Forbidden: bot was blocked by the user")
    async with jaring.store.transaction() as session:
        assert (await session.execute(select(Contact.unreachable))).scalar_one() is True
    await enqueue(jaring, clock, 1, "Pengumuman", [])
    clock.advance(minutes=10)
    await worker.drain()
    assert [row.status for row in await outbox_rows(jaring.store)] == ["failed", "failed"]
    assert len(fake.calls_to("sendMessage")) == 1  # no retry, and nothing after it


async def test_a_500_is_retried_with_backoff_then_delivered(
    fake: FakeTelegram, channel: TelegramChannel, jaring: Jaring, clock: FixedClock
) -> None:
    worker = worker_for(channel, jaring, clock)
    fake.fail("sendMessage", 500)
    await say(channel, fake, 1)
    await worker.drain()
    [row] = await outbox_rows(jaring.store)
    assert (row.status, row.attempts, row.last_error) == ("pending", 1, "NetworkError: Internal Server Error")
    assert row.next_attempt_at == clock() + timedelta(seconds=2)  # the worker's first backoff
    clock.advance(seconds=2)
    await worker.drain()
    [row] = await outbox_rows(jaring.store)
    assert (row.status, row.attempts, row.provider_message_id) == ("sent", 2, str(fake.sent_to(1)[0].message_id))


async def test_after_the_last_attempt_the_reason_is_recorded(
    fake: FakeTelegram, channel: TelegramChannel, jaring: Jaring, clock: FixedClock
) -> None:
    worker = worker_for(channel, jaring, clock)
    fake.fail("sendMessage", 502, times=None, description="Bad Gateway")
    await say(channel, fake, 1)
    for _ in range(3):
        await worker.drain()
        clock.advance(minutes=5)
    [row] = await outbox_rows(jaring.store)
    assert (row.status, row.last_error) == ("failed", "gave up after 3 attempts: NetworkError: Bad Gateway")
    assert len(fake.calls_to("sendMessage")) == 3


async def test_a_network_error_is_retried_later(fake: FakeTelegram) -> None:
    nobody_listens = f"http://127.0.0.1:{free_port()}"
    client = TelegramClient(fake.token, nobody_listens)  # not initialised: getMe would fail the same way
    sender = TelegramSender(client, Pacer(Rate(1.0, 3), Rate(30.0, 30)), backoff=lambda attempt: 2.0 * attempt)
    try:
        result = await sender.send(OutgoingMessage(id=1, channel="telegram", recipient="1", body="halo", attempt=2))
    finally:
        await client.shutdown()
    assert isinstance(result, RetryLater)
    assert (result.after_seconds, result.rate_limited) == (4.0, False)
    assert result.reason.startswith("NetworkError: ")
    assert fake.token not in result.reason


async def test_a_long_text_is_split_at_line_breaks_with_the_keyboard_on_the_last_part(
    fake: FakeTelegram, channel: TelegramChannel, jaring: Jaring, clock: FixedClock
) -> None:
    paragraphs = [f"Paragraf {n}:" + " kata" * 150 for n in range(12)]  # ~9 000 characters
    body = "\n\n".join(paragraphs)
    await say(channel, fake, 1)
    await worker_for(channel, jaring, clock).drain()
    await enqueue(
        jaring, clock, 1, body, [{"id": "agree", "label": "Setuju"}, {"id": "decline", "label": "Tidak setuju"}]
    )
    await worker_for(channel, jaring, clock).drain()
    sent = fake.sent_to(1)[1:]
    assert len(sent) == 3
    assert all(len(part.text) <= 4096 for part in sent)
    assert [part.reply_markup is None for part in sent] == [True, True, False]
    assert sent[-1].buttons == [("1. Setuju", "agree"), ("2. Tidak setuju", "decline")]
    assert all(part.text.startswith("Paragraf") for part in sent)  # cut between paragraphs
    assert "\n\n".join(part.text for part in sent) == body  # nothing lost
    [_, row] = await outbox_rows(jaring.store)
    assert row.provider_message_id == str(sent[-1].message_id)  # the part with the keyboard


async def test_choices_whose_ids_do_not_fit_callback_data_become_numbered_text(
    fake: FakeTelegram, channel: TelegramChannel, jaring: Jaring, clock: FixedClock
) -> None:
    await say(channel, fake, 1)
    async with jaring.store.transaction() as session:
        person = (await session.execute(select(Contact))).scalar_one()
        choices = [{"id": "kelurahan:" + "x" * 60, "label": "Kauman"}, {"id": "lain", "label": "Lainnya"}]
        await outbox.enqueue(
            session,
            contact_id=person.id,
            channel="telegram",
            recipient="1",
            body="Pilih:",
            choices=choices,
            now=clock(),
        )
    await worker_for(channel, jaring, clock).drain()
    sent = fake.sent_to(1)[-1]
    assert sent.reply_markup is None
    assert sent.text == "Pilih:\n\n1. Kauman\n2. Lainnya"


async def test_the_pacer_follows_the_settings(settings: Settings, jaring: Jaring, clock: FixedClock) -> None:
    custom = settings.model_copy(
        update={
            "telegram_bot_token": "1:x",
            "telegram_messages_per_second": 12.0,
            "telegram_messages_per_second_per_chat": 0.5,
        }
    )
    channel = TelegramChannel.from_settings(custom, jaring.pipeline, clock=clock, backoff=float)
    assert (channel.pacer.overall.per_second, channel.pacer.per_chat.per_second) == (12.0, 0.5)
    await channel.close()


async def test_one_chat_gets_its_rate_after_a_short_burst(fake: FakeTelegram) -> None:
    async with TelegramClient(fake.token, fake.url) as client:
        sender = TelegramSender(client, Pacer(Rate(10.0, 2), Rate(100.0, 100)), backoff=float)
        started_at = time.monotonic()
        for n in range(4):
            await sender.send(OutgoingMessage(id=n, channel="telegram", recipient="1", body=f"pesan {n}"))
    arrivals = [call.at - started_at for call in fake.calls_to("sendMessage")]
    assert arrivals[1] < 0.05  # the burst: two at once
    assert arrivals[2] >= 0.1 - 0.005
    # Then one every 1/10 s, on the bucket's schedule: no more than 2 + 10·t sent by time t (a late third
    # send, delayed on its way, does not push the fourth back, so the gap between them can be shorter).
    assert arrivals[3] >= 0.2 - 0.005


async def test_a_blank_message_is_failed_not_sent(fake: FakeTelegram) -> None:
    blank = OutgoingMessage(id=1, channel="telegram", recipient="1", body="  \n ")
    only_choices = OutgoingMessage(
        id=2, channel="telegram", recipient="1", body="", choices=(OutgoingChoice("a", "A"),)
    )
    async with TelegramClient(fake.token, fake.url) as client:
        sender = TelegramSender(client, Pacer(Rate(1.0, 3), Rate(30.0, 30)), backoff=float)
        assert await sender.send(blank) == Failed("nothing to send: the message is blank")
        await sender.send(only_choices)
    [sent] = fake.sent_to(1)
    assert (sent.text, sent.reply_markup) == ("1. A", None)


async def test_a_document_keeps_its_file_name_as_written(fake: FakeTelegram) -> None:
    letter = OutgoingFile("Surat Edaran Dinas é.pdf", "application/pdf", b"%PDF-1.4 surat")
    async with TelegramClient(fake.token, fake.url) as client:
        sender = TelegramSender(client, Pacer(Rate(1.0, 3), Rate(30.0, 30)), backoff=float)
        result = await sender.send(OutgoingMessage(id=1, channel="telegram", recipient="1", body="Surat", file=letter))
    assert not isinstance(result, (Failed, RetryLater))
    [sent] = fake.sent_to(1)
    assert sent.file is not None
    assert (sent.kind, sent.file.name, sent.file.content) == ("document", "Surat Edaran Dinas é.pdf", b"%PDF-1.4 surat")
