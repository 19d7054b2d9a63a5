"""The hostile-input corpus through both webhooks of the real `jaring serve`, over HTTP on 127.0.0.1:
every text is accepted (200), stored once, answered, and nothing kept or sent back holds an unclean
text or a NIK in clear."""

from __future__ import annotations

import json
from collections.abc import AsyncIterator, Iterator, Sequence

import httpx
import pytest
from sqlalchemy import select

from bot.serve import serving
from bot.settings import Settings
from conversations.nik import find_niks
from conversations.state import SEALED_KEYS, Json
from db.connection import Store
from db.models import ConversationSession, InboxMessage
from tests.fake_telegram import FakeTelegram
from tests.fake_whatsapp import FakeGraph
from tests.hostile_inputs import HOSTILE, NIK_DIGITS, unclean
from tests.telegram_support import fake_server, free_port, telegram_settings
from tests.whatsapp_support import fake_graph, whatsapp_settings

pytestmark = pytest.mark.slow


@pytest.fixture
async def graph() -> AsyncIterator[FakeGraph]:
    async with fake_graph() as server:
        yield server


@pytest.fixture
async def telegram() -> AsyncIterator[FakeTelegram]:
    async with fake_server() as server:
        yield server


def _texts(value: Json, key: str = "") -> Iterator[tuple[str, str]]:
    if isinstance(value, str):
        yield key, value
    elif isinstance(value, dict):
        for inner_key, inner in value.items():
            yield from _texts(inner, inner_key)
    elif isinstance(value, list):
        for item in value:
            yield from _texts(item, key)


async def _check_store(store: Store) -> None:
    async with store.transaction() as session:
        inbox = (await session.execute(select(InboxMessage))).scalars().all()
        sessions = (await session.execute(select(ConversationSession))).scalars().all()
    assert len(inbox) == len(HOSTILE), "each message stored once"
    assert {row.status for row in inbox} == {"processed"}, [row.error for row in inbox if row.status != "processed"]
    for row in sessions:
        for key, text in (*_texts(row.data), *_texts(row.paused)):
            assert not unclean(text), text[:80]
            if key not in SEALED_KEYS:
                assert NIK_DIGITS not in find_niks(text), f"{key} keeps a NIK in clear"


def _check_sent(bodies: Sequence[str]) -> None:
    for body in bodies:
        assert not unclean(body), body[:120]
        assert NIK_DIGITS not in find_niks(body), "a reply shows a NIK in full"


# On SQLite and PostgreSQL (which refuses a NUL in text outright: the door must have removed it).
async def test_the_corpus_through_the_whatsapp_webhook(graph: FakeGraph, settings: Settings, store: Store) -> None:
    port = free_port()
    people = [f"62811{n:07d}" for n in range(len(HOSTILE))]
    configured = whatsapp_settings(settings, graph, port=port)
    async with serving(configured, host="127.0.0.1", port=port, store=store) as service:
        answers = [await graph.deliver(graph.text(wa, text)) for wa, text in zip(people, HOSTILE, strict=True)]
        assert answers == [200] * len(HOSTILE)
        await graph.wait_for(lambda: all(graph.sent_to(wa) for wa in people), "an answer to everyone", 30)
        await _check_store(service.jaring.store)
    _check_sent([sent.text for wa in people for sent in graph.sent_to(wa)])


async def test_the_corpus_through_the_telegram_webhook(
    telegram: FakeTelegram, settings: Settings, store: Store
) -> None:
    port = free_port()
    chats = [5000 + n for n in range(len(HOSTILE))]
    configured = telegram_settings(settings, telegram, webhook_port=port)
    async with serving(configured, host="127.0.0.1", port=port, store=store) as run:
        webhook = telegram.state.webhook
        assert webhook is not None
        headers = {"X-Telegram-Bot-Api-Secret-Token": webhook["secret_token"], "Content-Type": "application/json"}
        async with httpx.AsyncClient(timeout=10) as client:
            answers = []
            for chat, text in zip(chats, HOSTILE, strict=True):
                # json.dumps escapes a lone surrogate as \ud83d, as a sender's broken emoji arrives
                body = json.dumps(telegram.text_update(chat, text)).encode()
                answers.append((await client.post(webhook["url"], content=body, headers=headers)).status_code)
        assert answers == [200] * len(HOSTILE)
        await telegram.wait_for(lambda: all(telegram.sent_to(chat) for chat in chats), "an answer to everyone", 30)
        await _check_store(run.jaring.store)
    _check_sent([sent.text for chat in chats for sent in telegram.sent_to(chat)])
