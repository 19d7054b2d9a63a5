"""Files sent in chat (an enrolment export, a chart) end to end: stored encrypted by the outbox writer, sent
by the worker over real HTTP to the fake Telegram (sendDocument, sendPhoto) and WhatsApp (upload, then
a document or image message) servers, or written to a folder in the terminal; emptied from the
database once their message is final. And messages that rewrite an earlier one (`replaces`): edited
on Telegram, sent anew on WhatsApp and in the terminal."""

from __future__ import annotations

import io
import json
from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from sqlalchemy import select

from bot.app import Jaring
from bot.channels.telegram import TelegramChannel
from bot.channels.terminal import chat_jsonl, files_dir
from bot.channels.whatsapp import WhatsAppChannel
from bot.outbound.outbox_worker import OutboxWorker, RetryPolicy
from bot.settings import Settings
from conversations.letters import Attachment, Letter
from conversations.messages import msg
from db.models import Contact, OutboxFile, OutboxMessage
from db.repositories import contacts, outbox
from handlers.sending import Failed, OutgoingFile, OutgoingMessage
from handlers.terminal import JsonlSender, PersonSender
from handlers.whatsapp.sender import FILE_OUTSIDE_WINDOW
from tests.conftest import FixedClock
from tests.fake_telegram import FakeTelegram
from tests.fake_whatsapp import FakeGraph
from tests.outbox_support import queue_notification
from tests.telegram_support import fake_server, make_channel, outbox_rows, started, use_migrated_database
from tests.whatsapp_support import fake_graph
from tests.whatsapp_support import make_channel as make_whatsapp_channel

CHAT = 4242
WA = "6281234567890"
XLSX = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
# An export holds NIKs in full: this one is what must never stay in the database unencrypted.
EXPORT = b"PK\x03\x04 NIK 3375010101900001; NIK 3375010202900002 \x00\xff" * 50
PNG = b"\x89PNG\r\n\x1a\n" + bytes(range(256)) * 8
CAPTION = "Daftar pendaftaran disetujui untuk BPJS TK: 2 orang."


@pytest.fixture
async def migrated(settings: Settings) -> None:
    await use_migrated_database(settings)  # a copy: quicker than migrating for every test


# ---- Telegram --------------------------------------------------------------------------------


@pytest.fixture
async def telegram(migrated: None) -> AsyncIterator[FakeTelegram]:
    async with fake_server() as server:
        yield server


@pytest.fixture
async def telegram_channel(telegram: FakeTelegram, jaring: Jaring, clock: FixedClock) -> AsyncIterator[TelegramChannel]:
    async with started(make_channel(jaring, telegram, clock, retry=RetryPolicy(max_attempts=3))) as channel:
        yield channel


async def telegram_worker(
    channel: TelegramChannel, fake: FakeTelegram, jaring: Jaring, clock: FixedClock
) -> OutboxWorker:
    """The admin has written to the bot (so they are a contact); the worker that delivers to them."""
    await channel.handle_update(fake.text_update(CHAT, "halo"))
    worker = OutboxWorker(
        jaring.store, {"telegram": channel.sender}, clock, retry=RetryPolicy(max_attempts=3), cipher=jaring.cipher
    )
    await worker.drain()
    return worker


async def contact_of(jaring: Jaring, channel: str, channel_id: str) -> Contact:
    async with jaring.store.transaction() as session:
        statement = select(Contact).where(Contact.channel == channel, Contact.channel_id == channel_id)
        return (await session.execute(statement)).scalar_one()


async def send_file(
    jaring: Jaring, clock: FixedClock, contact: Contact, name: str, media_type: str, content: bytes, caption: str
) -> None:
    # "broadcast.label" is only its parameter: the caption arrives as written here
    letter = Letter.of(
        contact.id, msg("broadcast.label", name=caption), attachment=Attachment(name, media_type, content)
    )
    async with jaring.store.transaction() as session:
        await jaring.outbox_writer.letters(session, [letter], clock())


async def stored_files(jaring: Jaring) -> list[OutboxFile]:
    async with jaring.store.transaction() as session:
        return list((await session.execute(select(OutboxFile).order_by(OutboxFile.id))).scalars())


async def notify(jaring: Jaring, clock: FixedClock, contact: Contact, body: str, replaces: str | None = None) -> None:
    async with jaring.store.transaction() as session:
        await queue_notification(session, contact, body, clock(), priority=outbox.PRIORITY_REPLY, replaces=replaces)


async def test_an_export_goes_to_telegram_as_a_document_and_is_then_purged(
    telegram: FakeTelegram, telegram_channel: TelegramChannel, jaring: Jaring, clock: FixedClock
) -> None:
    worker = await telegram_worker(telegram_channel, telegram, jaring, clock)
    admin = await contact_of(jaring, "telegram", str(CHAT))
    await send_file(jaring, clock, admin, "pendaftaran-disetujui.xlsx", XLSX, EXPORT, CAPTION)

    [stored] = await stored_files(jaring)
    assert stored.content is not None
    assert b"3375010101900001" not in stored.content  # encrypted at rest
    row = (await outbox_rows(jaring.store))[-1]
    assert (row.kind, row.priority, row.file_id, row.body) == ("file", 1, stored.id, CAPTION)

    clock.advance(seconds=1)
    assert await worker.drain() == 1
    document = telegram.sent_to(CHAT)[-1]
    assert document.kind == "document"
    assert document.file is not None
    assert (document.file.name, document.file.content, document.text) == ("pendaftaran-disetujui.xlsx", EXPORT, CAPTION)
    row = (await outbox_rows(jaring.store))[-1]
    assert (row.status, row.provider_message_id) == ("sent", str(document.message_id))
    [purged] = await stored_files(jaring)
    assert (purged.content, purged.purged_at) == (None, clock())


async def test_a_chart_goes_to_telegram_as_a_photo_and_a_long_text_goes_first(
    telegram: FakeTelegram, telegram_channel: TelegramChannel, jaring: Jaring, clock: FixedClock
) -> None:
    worker = await telegram_worker(telegram_channel, telegram, jaring, clock)
    admin = await contact_of(jaring, "telegram", str(CHAT))
    await send_file(jaring, clock, admin, "grafik.png", "image/png", PNG, "Pendaftaran per bulan")
    long_text = "Kuota terpakai 423 dari 1.000. " * 40  # more than a caption's 1024 characters
    await send_file(jaring, clock, admin, "grafik-2.png", "image/png", PNG, long_text)
    await worker.drain()
    photo, text, bare_photo = telegram.sent_to(CHAT)[-3:]
    assert (photo.kind, photo.text) == ("photo", "Pendaftaran per bulan")
    assert photo.file is not None
    assert photo.file.content == PNG
    assert (text.kind, text.text) == ("text", long_text.strip())
    assert (bare_photo.kind, bare_photo.text) == ("photo", "")
    assert [row.status for row in await outbox_rows(jaring.store)][-2:] == ["sent", "sent"]
    assert [f.content for f in await stored_files(jaring)] == [None, None]


async def test_a_file_keeps_its_content_until_a_retry_has_sent_it(
    telegram: FakeTelegram, telegram_channel: TelegramChannel, jaring: Jaring, clock: FixedClock
) -> None:
    worker = await telegram_worker(telegram_channel, telegram, jaring, clock)
    admin = await contact_of(jaring, "telegram", str(CHAT))
    await send_file(jaring, clock, admin, "ekspor.csv", "text/csv", EXPORT, CAPTION)
    telegram.fail("sendDocument", 500)
    await worker.drain()
    row = (await outbox_rows(jaring.store))[-1]
    assert row.status == "pending"
    assert (await stored_files(jaring))[0].content is not None  # the retry needs it
    clock.advance(seconds=5)
    await worker.drain()
    assert (await outbox_rows(jaring.store))[-1].status == "sent"
    assert telegram.sent_to(CHAT)[-1].file is not None
    assert (await stored_files(jaring))[0].content is None


async def test_a_file_that_fails_for_good_is_purged_too(
    telegram: FakeTelegram, telegram_channel: TelegramChannel, jaring: Jaring, clock: FixedClock
) -> None:
    worker = await telegram_worker(telegram_channel, telegram, jaring, clock)
    admin = await contact_of(jaring, "telegram", str(CHAT))
    await send_file(jaring, clock, admin, "ekspor.csv", "text/csv", EXPORT, CAPTION)
    telegram.fail("sendDocument", 400, description="Bad Request: file is too big")
    await worker.drain()
    row = (await outbox_rows(jaring.store))[-1]
    assert (row.status, row.last_error) == ("failed", "400: File is too big")
    assert (await stored_files(jaring))[0].content is None


async def test_without_the_key_a_file_fails_and_is_never_sent(
    telegram: FakeTelegram, telegram_channel: TelegramChannel, jaring: Jaring, clock: FixedClock
) -> None:
    await telegram_worker(telegram_channel, telegram, jaring, clock)
    admin = await contact_of(jaring, "telegram", str(CHAT))
    await send_file(jaring, clock, admin, "ekspor.csv", "text/csv", EXPORT, CAPTION)
    keyless = OutboxWorker(jaring.store, {"telegram": telegram_channel.sender}, clock)
    await keyless.drain()
    row = (await outbox_rows(jaring.store))[-1]
    assert (row.status, row.last_error) == ("failed", "no key to decrypt the file")
    assert telegram.calls_to("sendDocument") == []


async def test_a_progress_message_is_edited_in_place_on_telegram(
    telegram: FakeTelegram, telegram_channel: TelegramChannel, jaring: Jaring, clock: FixedClock
) -> None:
    worker = await telegram_worker(telegram_channel, telegram, jaring, clock)
    admin = await contact_of(jaring, "telegram", str(CHAT))
    await notify(jaring, clock, admin, "Terkirim 0 / 5.000")
    await worker.drain()
    progress = telegram.sent_to(CHAT)[-1]
    provider_id = str(progress.message_id)

    await notify(jaring, clock, admin, "Terkirim 1.234 / 5.000", replaces=provider_id)
    await worker.drain()
    assert telegram.sent_to(CHAT)[-1] is progress  # no new message
    assert (progress.text, progress.edits) == ("Terkirim 1.234 / 5.000", ["Terkirim 0 / 5.000"])
    assert (await outbox_rows(jaring.store))[-1].provider_message_id == provider_id

    await notify(jaring, clock, admin, "Terkirim 1.234 / 5.000", replaces=provider_id)  # nothing new to show
    await worker.drain()
    row = (await outbox_rows(jaring.store))[-1]
    assert (row.status, row.provider_message_id) == ("sent", provider_id)
    assert len(telegram.calls_to("editMessageText")) == 2


@pytest.mark.parametrize("gone", ["deleted", "too old"])
async def test_a_message_that_cannot_be_edited_is_sent_anew(
    gone: str, telegram: FakeTelegram, telegram_channel: TelegramChannel, jaring: Jaring, clock: FixedClock
) -> None:
    worker = await telegram_worker(telegram_channel, telegram, jaring, clock)
    admin = await contact_of(jaring, "telegram", str(CHAT))
    await notify(jaring, clock, admin, "Terkirim 0 / 5.000")
    await worker.drain()
    old = telegram.sent_to(CHAT)[-1]
    if gone == "deleted":
        telegram.delete(old.message_id)
    else:
        telegram.forbid_edits(old.message_id)
    await notify(jaring, clock, admin, "Terkirim 10 / 5.000", replaces=str(old.message_id))
    await worker.drain()
    new = telegram.sent_to(CHAT)[-1]
    assert new is not old
    assert new.text == "Terkirim 10 / 5.000"
    assert (await outbox_rows(jaring.store))[-1].provider_message_id == str(new.message_id)


async def test_an_edit_to_someone_who_blocked_the_bot_makes_them_unreachable(
    telegram: FakeTelegram, telegram_channel: TelegramChannel, jaring: Jaring, clock: FixedClock
) -> None:
    worker = await telegram_worker(telegram_channel, telegram, jaring, clock)
    admin = await contact_of(jaring, "telegram", str(CHAT))
    await notify(jaring, clock, admin, "Terkirim 0 / 5.000")
    await worker.drain()
    telegram.fail("editMessageText", 403)
    await notify(jaring, clock, admin, "Terkirim 9 / 5.000", replaces=str(telegram.sent_to(CHAT)[-1].message_id))
    await worker.drain()
    assert (await outbox_rows(jaring.store))[-1].status == "failed"
    assert (await contact_of(jaring, "telegram", str(CHAT))).unreachable


# ---- WhatsApp --------------------------------------------------------------------------------


@pytest.fixture
async def graph(migrated: None, jaring: Jaring) -> AsyncIterator[FakeGraph]:
    async with fake_graph() as server:
        yield server


@pytest.fixture
async def whatsapp_channel(graph: FakeGraph, jaring: Jaring, clock: FixedClock) -> AsyncIterator[WhatsAppChannel]:
    channel = make_whatsapp_channel(jaring, graph, clock, retry=RetryPolicy(max_attempts=3))
    yield channel
    await channel.close()


async def whatsapp_worker(channel: WhatsAppChannel, fake: FakeGraph, jaring: Jaring, clock: FixedClock) -> OutboxWorker:
    await channel.handle_payload(fake.text(WA, "halo"))
    worker = OutboxWorker(
        jaring.store, {"whatsapp": channel.sender}, clock, retry=RetryPolicy(max_attempts=3), cipher=jaring.cipher
    )
    await worker.drain()
    return worker


async def test_an_export_goes_to_whatsapp_uploaded_then_as_a_document(
    graph: FakeGraph, whatsapp_channel: WhatsAppChannel, jaring: Jaring, clock: FixedClock
) -> None:
    worker = await whatsapp_worker(whatsapp_channel, graph, jaring, clock)
    admin = await contact_of(jaring, "whatsapp", WA)
    await send_file(jaring, clock, admin, "pendaftaran-disetujui.xlsx", XLSX, EXPORT, CAPTION)
    clock.advance(hours=2)  # inside the 24-hour window
    await worker.drain()

    [upload] = [call for call in graph.calls if call.path.endswith("/media")]
    assert upload.body == {"messaging_product": "whatsapp", "type": XLSX}
    document = graph.sent_to(WA)[-1]
    assert document.type == "document"
    assert document.body["document"]["filename"] == "pendaftaran-disetujui.xlsx"
    assert document.text == CAPTION
    assert document.file is not None
    assert document.file.content == EXPORT
    row = (await outbox_rows(jaring.store))[-1]
    assert (row.status, row.provider_message_id) == ("sent", document.id)
    assert (await stored_files(jaring))[0].content is None


async def test_a_chart_goes_to_whatsapp_as_an_image(
    graph: FakeGraph, whatsapp_channel: WhatsAppChannel, jaring: Jaring, clock: FixedClock
) -> None:
    worker = await whatsapp_worker(whatsapp_channel, graph, jaring, clock)
    admin = await contact_of(jaring, "whatsapp", WA)
    await send_file(jaring, clock, admin, "grafik.png", "image/png", PNG, "Pendaftaran per bulan")
    await worker.drain()
    image = graph.sent_to(WA)[-1]
    assert (image.type, image.text) == ("image", "Pendaftaran per bulan")
    assert image.file is not None
    assert image.file.content == PNG


async def test_a_text_too_long_for_a_caption_goes_before_the_file_on_whatsapp(
    graph: FakeGraph, whatsapp_channel: WhatsAppChannel, jaring: Jaring, clock: FixedClock
) -> None:
    worker = await whatsapp_worker(whatsapp_channel, graph, jaring, clock)
    admin = await contact_of(jaring, "whatsapp", WA)
    long_text = "Kuota terpakai 423 dari 1.000. " * 40
    await send_file(jaring, clock, admin, "ekspor.csv", "text/csv", EXPORT, long_text)
    await worker.drain()
    text, document = graph.sent_to(WA)[-2:]
    assert (text.type, text.text) == ("text", long_text.strip())
    assert (document.type, document.text, document.body["document"]["filename"]) == ("document", "", "ekspor.csv")
    assert (await outbox_rows(jaring.store))[-1].provider_message_id == document.id


async def test_a_failed_send_after_the_upload_does_not_upload_again(
    graph: FakeGraph, whatsapp_channel: WhatsAppChannel, jaring: Jaring, clock: FixedClock
) -> None:
    worker = await whatsapp_worker(whatsapp_channel, graph, jaring, clock)
    admin = await contact_of(jaring, "whatsapp", WA)
    await send_file(jaring, clock, admin, "ekspor.csv", "text/csv", EXPORT, CAPTION)
    graph.fail(131000, endpoint="messages")
    await worker.drain()
    assert (await outbox_rows(jaring.store))[-1].status == "pending"
    clock.advance(seconds=5)
    await worker.drain()
    assert (await outbox_rows(jaring.store))[-1].status == "sent"
    assert len([call for call in graph.calls if call.path.endswith("/media")]) == 1


async def test_a_refused_upload_fails_with_metas_reason(
    graph: FakeGraph, whatsapp_channel: WhatsAppChannel, jaring: Jaring, clock: FixedClock
) -> None:
    worker = await whatsapp_worker(whatsapp_channel, graph, jaring, clock)
    admin = await contact_of(jaring, "whatsapp", WA)
    await send_file(jaring, clock, admin, "ekspor.csv", "text/csv", EXPORT, CAPTION)
    graph.fail(131053, endpoint="media", message="Media upload error")
    await worker.drain()
    row = (await outbox_rows(jaring.store))[-1]
    assert (row.status, row.last_error) == ("failed", "131053: (#131053) Media upload error")
    assert (await stored_files(jaring))[0].content is None


async def test_a_file_outside_the_24_hour_window_fails_with_the_reason(
    graph: FakeGraph, whatsapp_channel: WhatsAppChannel, jaring: Jaring, clock: FixedClock
) -> None:
    worker = await whatsapp_worker(whatsapp_channel, graph, jaring, clock)
    admin = await contact_of(jaring, "whatsapp", WA)
    clock.advance(hours=25)
    await send_file(jaring, clock, admin, "ekspor.csv", "text/csv", EXPORT, CAPTION)
    await worker.drain()
    row = (await outbox_rows(jaring.store))[-1]
    assert (row.status, row.last_error) == ("failed", FILE_OUTSIDE_WINDOW)
    assert not [call for call in graph.calls if call.path.endswith("/media")]  # not even uploaded
    assert (await stored_files(jaring))[0].content is None


async def test_a_closed_window_found_at_sending_fails_the_file_too(
    graph: FakeGraph, whatsapp_channel: WhatsAppChannel, jaring: Jaring, clock: FixedClock
) -> None:
    worker = await whatsapp_worker(whatsapp_channel, graph, jaring, clock)
    admin = await contact_of(jaring, "whatsapp", WA)
    graph.close_window(WA)  # Meta knows better than our clock
    await send_file(jaring, clock, admin, "ekspor.csv", "text/csv", EXPORT, CAPTION)
    await worker.drain()
    row = (await outbox_rows(jaring.store))[-1]
    assert (row.status, row.last_error) == ("failed", FILE_OUTSIDE_WINDOW)


async def test_an_edit_on_whatsapp_is_sent_as_a_new_message(
    graph: FakeGraph, whatsapp_channel: WhatsAppChannel, jaring: Jaring, clock: FixedClock
) -> None:
    worker = await whatsapp_worker(whatsapp_channel, graph, jaring, clock)
    admin = await contact_of(jaring, "whatsapp", WA)
    await notify(jaring, clock, admin, "Terkirim 0 / 5.000")
    await worker.drain()
    first = graph.sent_to(WA)[-1]
    await notify(jaring, clock, admin, "Terkirim 1.234 / 5.000", replaces=first.id)
    await worker.drain()
    second = graph.sent_to(WA)[-1]
    assert (second.type, second.text) == ("text", "Terkirim 1.234 / 5.000")
    assert second.id != first.id
    assert (await outbox_rows(jaring.store))[-1].provider_message_id == second.id


# ---- the terminal ----------------------------------------------------------------------------


def outgoing_file(name: str = "pendaftaran-disetujui.xlsx", content: bytes = EXPORT) -> OutgoingMessage:
    return OutgoingMessage(
        id=1, channel="terminal", recipient="admin", body=CAPTION, file=OutgoingFile(name, XLSX, content)
    )


async def test_the_terminal_writes_files_to_a_folder_never_overwriting(tmp_path: Path) -> None:
    out = io.StringIO()
    sender = JsonlSender(out, tmp_path / "files")
    await sender.send(outgoing_file())
    await sender.send(outgoing_file(content=b"second"))
    await sender.send(OutgoingMessage(id=3, channel="terminal", recipient="admin", body="teks", replaces="1"))
    first, second, edit = (json.loads(line) for line in out.getvalue().splitlines())
    assert first == {"to": "admin", "text": CAPTION, "choices": [], "file": "pendaftaran-disetujui.xlsx"}
    assert second["file"] == "pendaftaran-disetujui-2.xlsx"
    assert edit == {"to": "admin", "text": "teks", "choices": []}  # an edit is a new line; no "file" key
    assert (tmp_path / "files" / "pendaftaran-disetujui.xlsx").read_bytes() == EXPORT
    assert (tmp_path / "files" / "pendaftaran-disetujui-2.xlsx").read_bytes() == b"second"


async def test_a_person_in_the_terminal_sees_where_the_file_is(tmp_path: Path) -> None:
    out = io.StringIO()
    await PersonSender(out, tmp_path / "files").send(outgoing_file(name="../../etc/passwd x.csv"))
    path = tmp_path / "files" / "passwd_x.csv"  # no way out of the folder
    assert path.read_bytes() == EXPORT
    assert out.getvalue() == f"\nJaring:\n{CAPTION}\n[berkas: {path}, 3 KB]\n"


async def test_jaring_chat_jsonl_delivers_a_queued_file_into_the_data_folder(jaring: Jaring, clock: FixedClock) -> None:
    async with jaring.store.transaction() as session:
        admin = await contacts.get_or_create_contact(session, "terminal", "admin", clock())
    await send_file(jaring, clock, admin, "grafik.png", "image/png", PNG, "Grafik")
    out = io.StringIO()
    assert await chat_jsonl(jaring, io.StringIO(""), out, io.StringIO()) == 0
    assert json.loads(out.getvalue()) == {"to": "admin", "text": "Grafik", "choices": [], "file": "grafik.png"}
    assert (files_dir(jaring) / "grafik.png").read_bytes() == PNG
    async with jaring.store.transaction() as session:
        row = (await session.execute(select(OutboxMessage).where(OutboxMessage.kind == "file"))).scalar_one()
    assert row.status == "sent"
    assert (await stored_files(jaring))[0].content is None


async def test_a_terminal_without_a_folder_fails_the_file() -> None:
    assert await JsonlSender(io.StringIO()).send(outgoing_file()) == Failed("no folder for files in this terminal")
