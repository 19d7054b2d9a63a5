"""Helpers for the WhatsApp tests: the fake Graph API server, settings pointing at it, a channel on
the fixed clock, and waiting for replies."""

from __future__ import annotations

import asyncio
import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from sqlalchemy import select

from bot.app import Jaring
from bot.channels.whatsapp import WhatsAppChannel
from bot.outbound.outbox_worker import RetryPolicy
from bot.settings import Settings
from db.connection import Store
from db.models import Contact, OutboxMessage
from handlers.whatsapp import GraphClient, Template, Throttle
from tests.conftest import FixedClock
from tests.fake_whatsapp import APP_SECRET, VERIFY_TOKEN, FakeGraph, Sent

__all__ = [
    "TEMPLATE",
    "contact_row",
    "fake_graph",
    "make_channel",
    "recorded_send",
    "replies",
    "whatsapp_settings",
]

TEMPLATE = Template("jaring_pemberitahuan", "id")


@asynccontextmanager
async def fake_graph() -> AsyncIterator[FakeGraph]:
    fake = FakeGraph()
    await fake.start()
    try:
        yield fake
    finally:
        await fake.close()


def whatsapp_settings(settings: Settings, fake: FakeGraph, *, port: int, template: bool = True) -> Settings:
    """`settings` with WhatsApp pointed at the fake, and the fake's webhook at 127.0.0.1:`port`."""
    fake.webhook_url = f"http://127.0.0.1:{port}/webhook/whatsapp"
    return settings.model_copy(
        update={
            "telegram_bot_token": "",
            "whatsapp_token": fake.token,
            "whatsapp_phone_number_id": fake.phone_number_id,
            "whatsapp_app_secret": APP_SECRET,
            "whatsapp_verify_token": VERIFY_TOKEN,
            "whatsapp_api_base": fake.api_base,
            "whatsapp_template_name": TEMPLATE.name if template else "",
            "whatsapp_template_language": TEMPLATE.language,
        }
    )


def make_channel(
    jaring: Jaring,
    fake: FakeGraph,
    clock: FixedClock,
    *,
    template: Template | None = TEMPLATE,
    retry: RetryPolicy | None = None,
    api_base: str | None = None,
) -> WhatsAppChannel:
    """A WhatsApp channel on the fixed clock (its throttle too), without the rest of `jaring serve`.
    Its throttle lets bursts through (pacing has a test of its own), but a slow-down still pauses it."""
    return WhatsAppChannel(
        GraphClient(fake.token, fake.phone_number_id, api_base or fake.api_base, timeout_seconds=5),
        jaring.pipeline,
        jaring.store,
        clock=clock,
        throttle=Throttle(1000.0, burst=100, monotonic=lambda: clock().timestamp()),
        backoff=(retry or RetryPolicy()).backoff,
        app_secret=APP_SECRET,
        verify_token=VERIFY_TOKEN,
        template=template,
    )


async def replies(fake: FakeGraph, wa_id: str, count: int, within: float = 5.0) -> list[Sent]:
    """The first `count` messages the bot sent to `wa_id`, once they have all arrived."""
    await fake.wait_for(lambda: len(fake.sent_to(wa_id)) >= count, f"{count} message(s) to {wa_id}", within)
    return fake.sent_to(wa_id)[:count]


async def contact_row(store: Store, wa_id: str) -> Contact:
    async with store.transaction() as session:
        statement = select(Contact).where(Contact.channel == "whatsapp", Contact.channel_id == wa_id)
        return (await session.execute(statement)).scalar_one()


async def recorded_send(store: Store, provider_message_id: str, within: float = 5.0) -> OutboxMessage:
    """The outbox row of a message the fake accepted, once the worker has recorded it as sent (it does
    so just after the fake answers)."""
    deadline = time.monotonic() + within
    while True:
        async with store.transaction() as session:
            statement = select(OutboxMessage).where(OutboxMessage.provider_message_id == provider_message_id)
            row = (await session.execute(statement)).scalar_one_or_none()
        if row is not None:
            return row
        if time.monotonic() > deadline:
            raise AssertionError(f"timed out waiting for the outbox to record {provider_message_id}")
        await asyncio.sleep(0.01)
