"""The WhatsApp sender under the outbox worker, over real HTTP to the fake Graph API: the 24-hour
window and the template, each error code, network errors. On the fixed clock, so waiting out a
slow-down or a backoff is a step of the clock, not a sleep."""

from __future__ import annotations

from collections.abc import AsyncIterator
from datetime import timedelta

import pytest

from bot.app import Jaring
from bot.channels.whatsapp import WhatsAppChannel
from bot.outbound.outbox_worker import OutboxWorker, RetryPolicy
from bot.settings import Settings
from db.models import OutboxMessage
from db.repositories import outbox
from handlers.whatsapp import NO_TEMPLATE, Template
from tests.conftest import FixedClock
from tests.fake_whatsapp import FakeGraph
from tests.telegram_support import free_port, outbox_rows, use_migrated_database
from tests.whatsapp_support import TEMPLATE, contact_row, fake_graph, make_channel

WA = "6281234567890"
ANNOUNCEMENT = "Pendaftaran gelombang 2 dibuka.\nDatang ke kelurahan   Senin, 1 Desember."


@pytest.fixture
async def migrated(settings: Settings) -> None:
    await use_migrated_database(settings)  # a copy: quicker than migrating for every test


@pytest.fixture
async def fake(migrated: None, jaring: Jaring) -> AsyncIterator[FakeGraph]:
    async with fake_graph() as server:
        yield server


@pytest.fixture
async def channel(fake: FakeGraph, jaring: Jaring, clock: FixedClock) -> AsyncIterator[WhatsAppChannel]:
    channel = make_channel(jaring, fake, clock, retry=RetryPolicy(max_attempts=3))
    yield channel
    await channel.close()


def worker_for(channel: WhatsAppChannel, jaring: Jaring, clock: FixedClock) -> OutboxWorker:
    return OutboxWorker(jaring.store, {"whatsapp": channel.sender}, clock, retry=RetryPolicy(max_attempts=3))


async def say_halo(channel: WhatsAppChannel, fake: FakeGraph, jaring: Jaring, clock: FixedClock) -> OutboxWorker:
    """The person writes; the menu goes out; the worker is returned for what follows."""
    await channel.handle_payload(fake.text(WA, "halo"))
    worker = worker_for(channel, jaring, clock)
    await worker.drain()
    assert len(fake.sent_to(WA)) == 1
    return worker


async def announce(jaring: Jaring, clock: FixedClock, body: str = ANNOUNCEMENT) -> None:
    """A message the bot sends on its own (kind "announcement"), not a reply."""
    person = await contact_row(jaring.store, WA)
    async with jaring.store.transaction() as session:
        await outbox.enqueue(
            session,
            contact_id=person.id,
            channel="whatsapp",
            recipient=WA,
            body=body,
            choices=[],
            now=clock(),
            kind="announcement",
        )


async def last_row(jaring: Jaring) -> OutboxMessage:
    return (await outbox_rows(jaring.store))[-1]


async def test_an_announcement_inside_the_window_goes_free_form(
    fake: FakeGraph, channel: WhatsAppChannel, jaring: Jaring, clock: FixedClock
) -> None:
    worker = await say_halo(channel, fake, jaring, clock)
    clock.advance(hours=23, minutes=59)
    await announce(jaring, clock)
    await worker.drain()
    sent = fake.sent_to(WA)[-1]
    assert (sent.type, sent.text) == ("text", ANNOUNCEMENT)
    assert (await last_row(jaring)).status == "sent"


async def test_an_announcement_outside_the_window_goes_as_the_template(
    fake: FakeGraph, channel: WhatsAppChannel, jaring: Jaring, clock: FixedClock
) -> None:
    worker = await say_halo(channel, fake, jaring, clock)
    clock.advance(hours=24, seconds=1)
    await announce(jaring, clock)
    await worker.drain()
    sent = fake.sent_to(WA)[-1]
    assert sent.type == "template"
    assert sent.body["template"]["name"] == TEMPLATE.name
    assert sent.body["template"]["language"] == {"code": "id"}
    # One line: Meta refuses new lines, tabs and runs of spaces in a variable.
    assert sent.text == "Pendaftaran gelombang 2 dibuka. · Datang ke kelurahan Senin, 1 Desember."
    row = await last_row(jaring)
    assert (row.status, row.provider_message_id) == ("sent", sent.id)


async def test_outside_the_window_without_a_template_the_row_fails_with_the_reason(
    fake: FakeGraph, jaring: Jaring, clock: FixedClock
) -> None:
    channel = make_channel(jaring, fake, clock, template=None)
    try:
        worker = await say_halo(channel, fake, jaring, clock)
        clock.advance(days=3)
        await announce(jaring, clock)
        await worker.drain()
    finally:
        await channel.close()
    assert len(fake.sent_to(WA)) == 1  # nothing more went out
    row = await last_row(jaring)
    assert (row.status, row.last_error) == ("failed", NO_TEMPLATE)
    assert "no template configured" in NO_TEMPLATE


async def test_131047_sends_the_template_instead(
    fake: FakeGraph, channel: WhatsAppChannel, jaring: Jaring, clock: FixedClock
) -> None:
    worker = await say_halo(channel, fake, jaring, clock)
    fake.close_window(WA)  # Meta's clock says the window has closed, though ours does not yet
    await announce(jaring, clock)
    await worker.drain()
    assert [c.body["type"] for c in fake.calls][-2:] == ["text", "template"]
    assert fake.calls[-2].status == 400
    assert fake.sent_to(WA)[-1].type == "template"
    assert (await last_row(jaring)).status == "sent"


async def test_131047_without_a_template_fails_with_the_reason(
    fake: FakeGraph, jaring: Jaring, clock: FixedClock
) -> None:
    channel = make_channel(jaring, fake, clock, template=None)
    try:
        worker = await say_halo(channel, fake, jaring, clock)
        fake.close_window(WA)
        await announce(jaring, clock)
        await worker.drain()
    finally:
        await channel.close()
    row = await last_row(jaring)
    assert (row.status, row.last_error) == ("failed", NO_TEMPLATE)


async def test_an_unapproved_template_fails_with_metas_reason(
    fake: FakeGraph, jaring: Jaring, clock: FixedClock
) -> None:
    channel = make_channel(jaring, fake, clock, template=Template("belum_disetujui", "id"))
    try:
        worker = await say_halo(channel, fake, jaring, clock)
        clock.advance(days=2)
        await announce(jaring, clock)
        await worker.drain()
    finally:
        await channel.close()
    row = await last_row(jaring)
    assert row.status == "failed"
    assert (row.last_error or "").startswith("132001: ")


@pytest.mark.parametrize("code", [130429, 131056])
async def test_slow_down_codes_pause_and_retry_without_using_attempts(
    code: int, fake: FakeGraph, channel: WhatsAppChannel, jaring: Jaring, clock: FixedClock
) -> None:
    worker = await say_halo(channel, fake, jaring, clock)
    fake.fail(code, times=2)
    await announce(jaring, clock)
    await worker.drain()
    row = await last_row(jaring)
    assert (row.status, row.attempts) == ("pending", 0)  # a slow-down is not the message's fault
    assert row.next_attempt_at == clock() + timedelta(seconds=1)
    assert (row.last_error or "").startswith(f"{code}: ")

    clock.advance(seconds=1)
    await worker.drain()
    row = await last_row(jaring)
    assert row.next_attempt_at == clock() + timedelta(seconds=2)  # Meta said it again: twice as long

    clock.advance(seconds=1)
    assert await worker.drain() == 0  # still paused: nothing is due yet
    clock.advance(seconds=1)
    await worker.drain()
    assert (await last_row(jaring)).status == "sent"
    assert fake.sent_to(WA)[-1].text == ANNOUNCEMENT


async def test_131026_marks_the_contact_unreachable(
    fake: FakeGraph, channel: WhatsAppChannel, jaring: Jaring, clock: FixedClock
) -> None:
    worker = await say_halo(channel, fake, jaring, clock)
    fake.fail(131026)
    await announce(jaring, clock)
    await announce(jaring, clock, "Pengumuman kedua")
    await worker.drain()
    first, second = (await outbox_rows(jaring.store))[-2:]
    assert first.status == "failed"
    assert (first.last_error or "").startswith("unreachable: 131026: ")
    assert (second.status, second.last_error) == ("failed", "recipient unreachable: not sent")
    person = await contact_row(jaring.store, WA)
    assert person.unreachable
    assert len(fake.calls) == 2  # the menu, and the one refused; the second was never tried


@pytest.mark.parametrize(("code", "status"), [(131051, 400), (100, 400), (131009, 400), (190, 401)])
async def test_other_4xx_fail_with_the_code_and_message(
    code: int, status: int, fake: FakeGraph, channel: WhatsAppChannel, jaring: Jaring, clock: FixedClock
) -> None:
    worker = await say_halo(channel, fake, jaring, clock)
    fake.fail(code, http_status=status, message="Parameter value is not valid")
    await announce(jaring, clock)
    await worker.drain()
    row = await last_row(jaring)
    assert (row.status, row.attempts) == ("failed", 1)
    assert row.last_error == f"{code}: (#{code}) Parameter value is not valid"
    assert not (await contact_row(jaring.store, WA)).unreachable


async def test_5xx_is_retried_with_backoff_up_to_the_limit(
    fake: FakeGraph, channel: WhatsAppChannel, jaring: Jaring, clock: FixedClock
) -> None:
    worker = await say_halo(channel, fake, jaring, clock)
    fake.fail(131000, times=None)  # HTTP 500, every time
    await announce(jaring, clock)
    await worker.drain()
    row = await last_row(jaring)
    assert (row.status, row.attempts, row.next_attempt_at) == ("pending", 1, clock() + timedelta(seconds=2))
    clock.advance(seconds=2)
    await worker.drain()
    row = await last_row(jaring)
    assert (row.status, row.attempts, row.next_attempt_at) == ("pending", 2, clock() + timedelta(seconds=4))
    clock.advance(seconds=4)
    await worker.drain()
    row = await last_row(jaring)
    assert row.status == "failed"
    assert (row.last_error or "").startswith("gave up after 3 attempts: 131000: ")


async def test_a_5xx_then_success_is_delivered(
    fake: FakeGraph, channel: WhatsAppChannel, jaring: Jaring, clock: FixedClock
) -> None:
    worker = await say_halo(channel, fake, jaring, clock)
    fake.fail(2, http_status=503)
    await announce(jaring, clock)
    await worker.drain()
    clock.advance(seconds=2)
    await worker.drain()
    assert (await last_row(jaring)).status == "sent"


async def test_a_network_error_is_retried_with_backoff(fake: FakeGraph, jaring: Jaring, clock: FixedClock) -> None:
    channel = make_channel(jaring, fake, clock)
    nowhere = make_channel(jaring, fake, clock, api_base=f"http://127.0.0.1:{free_port()}/v23.0")  # nothing listens
    try:
        worker = await say_halo(channel, fake, jaring, clock)
        await announce(jaring, clock)
        await worker_for(nowhere, jaring, clock).drain()
        row = await last_row(jaring)
        assert (row.status, row.attempts) == ("pending", 1)
        assert row.last_error == "network error: ClientConnectorError"
        clock.advance(seconds=2)
        await worker.drain()  # the network is back
        assert (await last_row(jaring)).status == "sent"
    finally:
        await nowhere.close()
        await channel.close()


async def test_a_long_text_goes_in_parts_split_at_line_breaks(
    fake: FakeGraph, channel: WhatsAppChannel, jaring: Jaring, clock: FixedClock
) -> None:
    worker = await say_halo(channel, fake, jaring, clock)
    paragraphs = [f"Paragraf {n}: " + "kata " * 150 for n in range(12)]  # ~9,000 characters
    await announce(jaring, clock, "\n\n".join(p.strip() for p in paragraphs))
    await worker.drain()
    parts = fake.sent_to(WA)[1:]
    assert len(parts) == 3
    assert all(len(p.text) <= 4096 and p.text.endswith("kata") for p in parts)
    assert [p.text.split(":")[0] for p in parts] == ["Paragraf 0", "Paragraf 5", "Paragraf 10"]
    assert (await last_row(jaring)).provider_message_id == parts[-1].id


async def test_a_split_message_resumes_at_the_part_that_failed(
    fake: FakeGraph, channel: WhatsAppChannel, jaring: Jaring, clock: FixedClock
) -> None:
    worker = await say_halo(channel, fake, jaring, clock)
    await announce(jaring, clock, "\n\n".join(f"{n}" * 3000 for n in range(3)))
    fake.fail(131000, after=1)  # the first part goes; the second meets a 500
    await worker.drain()
    assert [p.text[0] for p in fake.sent_to(WA)[1:]] == ["0"]
    clock.advance(seconds=2)
    await worker.drain()
    assert [p.text[0] for p in fake.sent_to(WA)[1:]] == ["0", "1", "2"]  # the first part was not sent twice
    assert (await last_row(jaring)).status == "sent"
