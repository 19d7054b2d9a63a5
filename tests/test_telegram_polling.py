"""`jaring serve` on Telegram by long polling, against the fake Bot API server over real HTTP."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from sqlalchemy import select

from bot.app import Jaring
from bot.inbound.pipeline import Handled, Pipeline
from bot.outbound.outbox_worker import OutboxWorker
from bot.serve import serving
from bot.settings import Settings
from conversations.inbound import Inbound, InboundKind
from db.models import Contact, InboxMessage
from tests.conftest import FixedClock
from tests.fake_telegram import BOT_ID, FakeTelegram
from tests.telegram_support import (
    count_rows,
    fake_server,
    make_channel,
    outbox_rows,
    replies,
    sent_rows,
    started,
    telegram_settings,
    use_migrated_database,
)


@pytest.fixture
async def fake(settings: Settings) -> AsyncIterator[FakeTelegram]:
    await use_migrated_database(settings)
    async with fake_server() as server:
        yield server


async def test_a_whole_conversation_by_polling(fake: FakeTelegram, settings: Settings) -> None:
    async with serving(telegram_settings(settings, fake), host="127.0.0.1", port=0) as service:
        fake.push(fake.text_update(42, "halo"))
        [menu] = await replies(fake, 42, 1)
        assert menu.text.startswith("Halo! Saya Jaring")
        [row] = await sent_rows(service.jaring.store, 1)
        numbered = [(f"{n}. {c['label']}", c["id"]) for n, c in enumerate(row.choices, start=1)]
        assert menu.buttons == numbered  # one button per choice, numbered as the text asks
        assert any(label.endswith(". Privasi dan data pribadi") for label, _ in menu.buttons)
        assert row.provider_message_id == str(menu.message_id)
        assert "parse_mode" not in menu.params  # plain text: nothing typed can break formatting

        tap = fake.tap_update(42, "privacy", menu.message_id)
        fake.push(tap)
        [_, notice] = await replies(fake, 42, 2)
        assert "Pemberitahuan privasi" in notice.text
        assert notice.buttons == [("1. Setuju", "agree"), ("2. Tidak setuju", "decline")]
        await fake.wait_for(lambda: menu.reply_markup is None, "the menu's keyboard to be removed")
        await fake.wait_for(lambda: tap["callback_query"]["id"] in fake.state.answered_taps, "the tap acknowledged")

        typed = fake.text_update(42, "setuju")  # typing the answer works as well as tapping it
        fake.push(typed)
        [*_, thanks] = await replies(fake, 42, 3)
        assert thanks.text.startswith("Terima kasih. Persetujuan Anda sudah dicatat.")
        await fake.wait_for(lambda: notice.reply_markup is None, "the notice's keyboard to be removed")
    assert fake.state.confirmed == typed["update_id"] + 1  # everything stored was confirmed
    assert [c.params.get("language_code", "") for c in fake.calls_to("setMyCommands")] == ["", "en"]
    assert [c["command"] for c in fake.state.commands[""]] == ["menu", "batal", "bantuan"]
    assert fake.state.commands[""][0]["description"] == "Menu utama"
    assert fake.calls_to("deleteWebhook"), "polling makes sure no webhook is set"


async def test_the_same_update_twice_gets_one_reply(fake: FakeTelegram, settings: Settings) -> None:
    update = fake.text_update(7, "halo")
    async with serving(telegram_settings(settings, fake), host="127.0.0.1", port=0) as service:
        fake.push(update, update)
        fake.push(fake.text_update(8, "halo"))  # something after it, to know both copies were read
        await replies(fake, 8, 1)
        await replies(fake, 7, 1)
        assert await count_rows(service.jaring.store, InboxMessage) == 2
        async with service.jaring.store.transaction() as session:
            ids = set((await session.execute(select(InboxMessage.message_id))).scalars())
    assert ids == {f"{BOT_ID}:{update['update_id']}", f"{BOT_ID}:{update['update_id'] + 1}"}
    assert len(fake.sent_to(7)) == 1


async def test_photos_stickers_voice_locations_and_documents_get_a_text_only_answer(
    fake: FakeTelegram, settings: Settings
) -> None:
    media: dict[int, dict[str, Any]] = {
        1: {"photo": [{"file_id": "p", "file_unique_id": "p", "width": 1, "height": 1}]},
        2: {"sticker": {"file_id": "s", "file_unique_id": "s", "width": 1, "height": 1, "is_animated": False,
                        "is_video": False, "type": "regular"}},
        3: {"voice": {"file_id": "v", "file_unique_id": "v", "duration": 2}},
        4: {"location": {"latitude": -6.89, "longitude": 109.67}},
        5: {"document": {"file_id": "d", "file_unique_id": "d", "file_name": "ktp.pdf"}},
    }  # fmt: skip
    async with serving(telegram_settings(settings, fake), host="127.0.0.1", port=0):
        for chat, content in media.items():
            fake.push(fake.message(chat, **content))
        for chat in media:
            [answer, *_] = await replies(fake, chat, 1)
            assert answer.text.startswith("Maaf, saya hanya bisa membaca pesan tulisan.")


async def test_a_shared_contact_gives_the_phone_number(fake: FakeTelegram, settings: Settings) -> None:
    contact = {"phone_number": "6281234567890", "first_name": "Siti", "user_id": 9}
    async with serving(telegram_settings(settings, fake), host="127.0.0.1", port=0) as service:
        fake.push(fake.message(9, contact=contact))
        await replies(fake, 9, 1)
        async with service.jaring.store.transaction() as session:
            person = (await session.execute(select(Contact).where(Contact.channel_id == "9"))).scalar_one()
    assert (person.channel, person.phone) == ("telegram", "6281234567890")


async def test_in_a_group_the_bot_only_says_it_works_in_a_private_chat(fake: FakeTelegram, settings: Settings) -> None:
    async with serving(telegram_settings(settings, fake), host="127.0.0.1", port=0) as service:
        fake.push(fake.text_update(-100500, "/menu@jaring_test_bot", chat_type="supergroup", user_id=5))
        fake.push(fake.text_update(-100500, "halo semua", chat_type="supergroup", user_id=6))
        fake.push(fake.text_update(5, "halo"))  # afterwards, so both group messages have been read
        await replies(fake, 5, 1)
        [notice] = await replies(fake, -100500, 1)
        assert await count_rows(service.jaring.store, Contact) == 1  # the group never reached the core
        assert await count_rows(service.jaring.store, InboxMessage) == 1
    assert notice.text == (
        "Maaf, Jaring hanya melayani lewat chat pribadi. Buka https://t.me/jaring_test_bot lalu kirim /start."
    )
    assert len(fake.sent_to(-100500)) == 1  # a busy group is not answered message after message


async def test_healthz_answers_while_polling(fake: FakeTelegram, settings: Settings) -> None:
    async with (
        serving(telegram_settings(settings, fake), host="127.0.0.1", port=0) as service,
        httpx.AsyncClient() as client,
    ):
        response = await client.get(f"http://127.0.0.1:{service.port}/healthz")
        webhook = await client.post(f"http://127.0.0.1:{service.port}/webhook/telegram", json={})
    assert response.status_code == 200
    body = response.json()
    assert (body["status"], body["database"], body["channels"], body["problems"]) == ("ok", "ok", ["telegram"], [])
    assert webhook.status_code in (404, 405)  # no webhook route while polling


class Crash(BaseException):
    """The process dying: nothing of ours catches it, nothing after it runs."""


class CrashAfterStoring:
    """The pipeline, until the `stored`-th update is stored: then the process dies, before the
    poller could ask Telegram past that update (the worst moment)."""

    def __init__(self, pipeline: Pipeline, stored: int) -> None:
        self.pipeline = pipeline
        self.left = stored

    async def handle(self, inbound: Inbound) -> Handled:
        result = await self.pipeline.handle(inbound)
        self.left -= 1
        if self.left == 0:
            raise Crash
        return result


async def test_a_crash_mid_stream_loses_and_repeats_nothing(
    fake: FakeTelegram, jaring: Jaring, clock: FixedClock
) -> None:
    updates = [fake.text_update(person, "halo") for person in range(1, 11)]
    fake.push(*updates)
    first_id = updates[0]["update_id"]

    dying = make_channel(jaring, fake, clock, pipeline=CrashAfterStoring(jaring.pipeline, 6), poll_limit=4)
    async with started(dying):
        with pytest.raises(Crash):
            await dying.poll(asyncio.Event())
    # The second batch of 4 was handed over together (one group commit): all four were stored before the
    # process died at the sixth, but none of them was confirmed.
    assert await count_rows(jaring.store, InboxMessage) == 8
    assert fake.state.confirmed == first_id + 4  # only the first batch of 4 was confirmed

    async with started(make_channel(jaring, fake, clock, poll_limit=4)) as restarted:
        stopping = asyncio.Event()
        polling = asyncio.create_task(restarted.poll(stopping))
        await fake.wait_for(lambda: fake.state.confirmed == first_id + 10, "every update to be confirmed")
        stopping.set()
        await polling
        assert await count_rows(jaring.store, InboxMessage) == 10  # 5 to 8 came again: duplicates, not new
        worker = OutboxWorker(jaring.store, {"telegram": restarted.sender}, clock)
        await worker.drain()
    rows = await outbox_rows(jaring.store)
    assert sorted(int(row.recipient) for row in rows) == list(range(1, 11))  # one reply each, none twice
    assert all(len(fake.sent_to(person)) == 1 for person in range(1, 11))


class FailingFirst:
    """A database that is down for the first update it is given."""

    def __init__(self, pipeline: Pipeline) -> None:
        self.pipeline = pipeline
        self.failed = False

    async def handle(self, inbound: Inbound) -> Handled:
        if not self.failed:
            self.failed = True
            raise ConnectionError("database unreachable")
        return await self.pipeline.handle(inbound)


async def test_an_update_that_could_not_be_stored_is_fetched_again(
    fake: FakeTelegram, jaring: Jaring, clock: FixedClock
) -> None:
    update = fake.text_update(3, "halo")
    fake.push(update)
    async with started(make_channel(jaring, fake, clock, pipeline=FailingFirst(jaring.pipeline))) as channel:
        stopping = asyncio.Event()
        polling = asyncio.create_task(channel.poll(stopping))
        await fake.wait_for(lambda: fake.state.confirmed == update["update_id"] + 1, "the update to be confirmed")
        stopping.set()
        await polling
    assert await count_rows(jaring.store, InboxMessage) == 1
    offsets = [call.params.get("offset") for call in fake.calls_to("getUpdates")]
    assert offsets[:2] == [None, None]  # not stored: the same update asked for again
    assert update["update_id"] + 1 in offsets


async def test_start_payloads_and_commands_with_the_bot_name_reach_the_core_as_typed(
    fake: FakeTelegram, jaring: Jaring, clock: FixedClock
) -> None:
    seen: list[Inbound] = []

    class Recording:
        async def handle(self, inbound: Inbound) -> Handled:
            seen.append(inbound)
            return await jaring.pipeline.handle(inbound)

    async with started(make_channel(jaring, fake, clock, pipeline=Recording())) as channel:
        await channel.handle_update(fake.text_update(4, "/start undangan-RT03"))
        await channel.handle_update(fake.text_update(4, "/bantuan@jaring_test_bot"))
    assert [(i.text, i.sender_id, i.kind) for i in seen] == [
        ("/start undangan-RT03", "4", InboundKind.TEXT),
        ("/bantuan", "4", InboundKind.TEXT),
    ]
