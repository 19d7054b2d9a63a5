"""Announcements from the Dinas: who an audience is, per channel; queuing that never gives anyone a
second copy; the runner's start, progress and report; cancelling; only admins; `jaring broadcast`.

Store tests run on SQLite and PostgreSQL; the end-to-end test talks to the fake Bot API over HTTP."""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta

import pytest
from cryptography.fernet import Fernet
from sqlalchemy import select, update

from bot.app import Jaring
from bot.cli import main
from bot.commands.administer import add_admin
from bot.desks.broadcasts import broadcast_report, cancel_broadcast, record_broadcast
from bot.inbound.dispatcher import RequestAnswerer
from bot.inbound.outbox_writer import OutboxWriter
from bot.outbound.broadcast_runner import BroadcastRunner
from bot.outbound.outbox_worker import OutboxWorker, RetryPolicy
from bot.serve import serving
from bot.settings import Settings
from conversations.audiences import Audience, count_text
from conversations.flows import build_engine
from conversations.flows.broadcast import BROADCAST_MAX_CHARS, preview_parts
from conversations.messages import msg
from conversations.requests.broadcasts import (
    AudienceCount,
    BroadcastCreated,
    BroadcastNotAllowed,
    BroadcastPreview,
    BroadcastRefused,
    CancelBroadcast,
    CreateBroadcast,
    ListBroadcasts,
    PreviewBroadcast,
    ShowBroadcast,
)
from conversations.state import SessionState
from db.connection import Store
from db.models import AuditEntry, Broadcast, Contact, OutboxMessage, Registration
from db.personal_data import PersonalDataCipher
from db.repositories import broadcasts, contacts, outbox, roles
from tests.conftest import FixedClock
from tests.core_support import MENU, catalogs, context, inbound, keys, programme, region, render_reply, run
from tests.fake_telegram import FakeTelegram
from tests.telegram_support import fake_server, make_channel, started, telegram_settings, use_migrated_database

NOW = datetime(2026, 11, 21, 8, 0, tzinfo=UTC)
MEDONO, PODOSUGIH, NOYONTAANSARI = "33.75.01.1002", "33.75.01.1003", "33.75.02.1002"
PEKALONGAN_BARAT = "33.75.01"


# ---- helpers --------------------------------------------------------------------------------------


async def _person(
    store: Store,
    channel: str,
    channel_id: str,
    *,
    wrote: datetime | None = NOW,
    opted_out: bool = False,
    unreachable: bool = False,
) -> int:
    async with store.transaction() as session:
        person = await contacts.get_or_create_contact(session, channel, channel_id, NOW)
        person.last_inbound_at, person.opted_out, person.unreachable = wrote, opted_out, unreachable
        return person.id


async def _admin(store: Store, channel: str, channel_id: str) -> Contact:
    person_id = await _person(store, channel, channel_id)
    async with store.transaction() as session:
        await roles.grant_role(session, person_id, "admin", granted_by="test", now=NOW)
        found = await session.get(Contact, person_id)
        assert found is not None
        return found


async def _registration(
    store: Store, registrant: int | None, *, status: str, kelurahan: str, job: str, operator: int | None = None
) -> None:
    async with store.transaction() as session:
        session.add(
            Registration(
                programme_id=programme().id,
                kelurahan_code=kelurahan,
                job_type=job,
                poverty_register="unknown",
                status=status,
                registrant_contact_id=registrant,
                operator_contact_id=operator,
                consent_via="self" if operator is None else "operator",
                consent_notice_version="test",
                consent_recorded_at=NOW,
                created_at=NOW,
                updated_at=NOW,
            )
        )


async def _count(store: Store, kind: str, value: str = "", *, template: bool = True) -> AudienceCount:
    async with store.transaction() as session:
        return await broadcasts.count_audience(
            session, Audience(kind, value), programme().id, NOW, template_configured=template
        )


async def _record(store: Store, author: Contact | None, *, kind: str = "everyone", at: datetime | None = None) -> int:
    async with store.transaction() as session:
        created = await record_broadcast(
            session,
            programme(),
            region(),
            text="Posko pendaftaran buka Sabtu pagi di balai kelurahan.",
            audience=Audience(kind),
            send_at=at,
            now=NOW,
            author_contact=author,
        )
    assert isinstance(created, int)
    return created


def _runner(store: Store, clock: FixedClock, channels: tuple[str, ...] = ("telegram", "whatsapp")) -> BroadcastRunner:
    writer = OutboxWriter(catalogs(), PersonalDataCipher(Fernet.generate_key()))  # no file is sent here
    return BroadcastRunner(store, writer, programme(), region(), channels=channels, clock=clock)


async def _rows(store: Store, broadcast_id: int | None = None) -> list[OutboxMessage]:
    async with store.transaction() as session:
        statement = select(OutboxMessage).order_by(OutboxMessage.id)
        if broadcast_id is not None:
            statement = statement.where(OutboxMessage.broadcast_id == broadcast_id)
        return list((await session.execute(statement)).scalars())


async def _to(store: Store, contact_id: int) -> list[OutboxMessage]:
    return [row for row in await _rows(store) if row.contact_id == contact_id and row.broadcast_id is None]


async def _broadcast(store: Store, broadcast_id: int) -> Broadcast:
    async with store.transaction() as session:
        found = await session.get(Broadcast, broadcast_id)
        assert found is not None
        return found


async def _mark_sent(store: Store, *row_ids: int) -> None:
    async with store.transaction() as session:
        for row_id in row_ids:
            await outbox.mark_sent(session, row_id, f"provider-{row_id}", NOW)


async def _audit_actions(store: Store) -> list[str]:
    async with store.transaction() as session:
        return list((await session.execute(select(AuditEntry.action).order_by(AuditEntry.id))).scalars())


# ---- the flow (pure) ------------------------------------------------------------------------------


def test_only_an_admin_gets_the_broadcast_flow() -> None:
    engine = build_engine()
    for roles_held in (frozenset(), frozenset({"verifier"}), frozenset({"rtrw"})):
        outcome = run(engine, MENU, inbound("siaran"), context(roles=roles_held))
        assert keys(outcome) == [["broadcast.admins_only", "engine.menu"]]
        assert outcome.state.flow == "menu"
    outcome = run(engine, MENU, inbound("siaran"), context(roles=frozenset({"admin"})))
    assert keys(outcome) == [["broadcast.home"]]


def test_an_admin_composes_previews_and_sends() -> None:
    engine, ctx = build_engine(), context(roles=frozenset({"admin"}))
    state = SessionState()
    said: list[list[str]] = []
    for text in ("siaran", "1", "Posko pendaftaran buka Sabtu pagi.", "1", "1"):
        outcome = run(engine, state, inbound(text), ctx)
        state = outcome.state
        said += keys(outcome)
    assert said == [
        ["broadcast.home"],
        ["broadcast.ask_text"],
        ["broadcast.ask_audience"],
        ["broadcast.preview_text", "broadcast.preview_counts", "broadcast.left_out", "broadcast.preview_ask"],
        ["broadcast.created_now", "broadcast.how_to_cancel", "engine.type_menu"],
    ]


@pytest.mark.parametrize(("length", "counted"), [(BROADCAST_MAX_CHARS + 1, "1.001"), (5000, "5.000")])
def test_a_text_too_long_for_a_whatsapp_template_is_refused_with_its_count(length: int, counted: str) -> None:
    engine, ctx = build_engine(), context(roles=frozenset({"admin"}))
    state = run(engine, run(engine, MENU, inbound("siaran"), ctx).state, inbound("1"), ctx).state
    # Words and spaces, so that no cut at any length could end on a space and pass as shorter.
    text = ("kerja bakti " * length)[:length]
    outcome = run(engine, state, inbound(text), ctx)
    assert keys(outcome) == [["limit.too_long", "broadcast.ask_text"]]
    assert outcome.state == state, "refused, not accepted cut"
    body, _ = render_reply(outcome.replies[0], "id")
    assert f"Pengumuman maksimal 1.000 huruf; pesan Anda {counted} huruf." in body


def test_the_preview_warns_when_whatsapp_has_no_template() -> None:
    count = AudienceCount(telegram=1_200, whatsapp_window=300, whatsapp_template=45, template_configured=False)
    parts = preview_parts("Teks.", msg("broadcast.audience_everyone"), count, "id")
    text = "\n\n".join(catalogs().render(part, "id") for part in parts)
    assert "- Telegram: 1.200" in text
    assert "- WhatsApp, chat dalam 24 jam terakhir: 300" in text
    assert "- WhatsApp lewat template, lebih dari 24 jam: 45" in text
    assert "Jumlah: 1.545 orang." in text
    assert "PERHATIAN: template WhatsApp belum diatur (WHATSAPP_TEMPLATE_NAME). 45 pesan" in text
    configured = preview_parts("Teks.", msg("broadcast.audience_everyone"), AudienceCount(whatsapp_template=45), "id")
    assert "broadcast.no_template_warning" not in [part.key for part in configured]


def test_counts_are_written_the_way_people_read_them() -> None:
    assert (count_text(5_000, "id"), count_text(5_000, "en"), count_text(12, "id")) == ("5.000", "5,000", "12")


# ---- audiences ------------------------------------------------------------------------------------


async def test_audiences_are_counted_per_channel_and_who_is_left_out(store: Store) -> None:
    telegram = await _person(store, "telegram", "101")
    recent = await _person(store, "whatsapp", "6281100000001", wrote=NOW - timedelta(hours=23))
    older = await _person(store, "whatsapp", "6281100000002", wrote=NOW - timedelta(hours=25))
    terminal = await _person(store, "terminal", "siti")
    opted_out = await _person(store, "telegram", "102", opted_out=True)
    await _person(store, "whatsapp", "6281100000003", unreachable=True)
    await _person(store, "telegram", "103", wrote=None)  # made by `jaring admin add`, never wrote

    assert await _count(store, "everyone") == AudienceCount(
        telegram=1, whatsapp_window=1, whatsapp_template=1, terminal=1, opted_out=1, unreachable=1
    )

    await _registration(store, telegram, status="approved", kelurahan=MEDONO, job="tukang_becak")
    await _registration(store, None, status="approved", kelurahan=MEDONO, job="tukang_becak", operator=terminal)
    await _registration(store, recent, status="submitted", kelurahan=PODOSUGIH, job="buruh_batik")
    await _registration(store, older, status="corrected", kelurahan=NOYONTAANSARI, job="buruh_batik")
    await _registration(store, opted_out, status="approved", kelurahan=NOYONTAANSARI, job="tukang_becak")
    await _registration(store, None, status="deleted", kelurahan=MEDONO, job="tukang_becak")

    approved = await _count(store, "status", "approved")
    assert (approved.telegram, approved.opted_out, approved.without_chat, approved.reachable) == (1, 1, 1, 1)
    waiting = await _count(store, "status", "submitted")  # corrected ones wait for the kelurahan again
    assert (waiting.whatsapp_window, waiting.whatsapp_template, waiting.reachable) == (1, 1, 2)
    medono = await _count(store, "kelurahan", MEDONO)  # the deleted registration is nobody's
    assert (medono.telegram, medono.without_chat, medono.reachable) == (1, 1, 1)
    barat = await _count(store, "kecamatan", PEKALONGAN_BARAT)
    assert (barat.telegram, barat.whatsapp_window, barat.without_chat) == (1, 1, 1)
    batik = await _count(store, "job", "buruh_batik")
    assert (batik.whatsapp_window, batik.whatsapp_template, batik.without_chat) == (1, 1, 0)

    async with store.transaction() as session:
        await roles.grant_role(session, terminal, "rtrw", granted_by="test", now=NOW, kelurahan_code=MEDONO)
        await roles.grant_role(session, telegram, "rtrw", granted_by="test", now=NOW, kelurahan_code=MEDONO)
        await roles.revoke_role(session, telegram, "rtrw", NOW)
    assert await _count(store, "leaders") == AudienceCount(terminal=1)


# ---- queuing and starting -------------------------------------------------------------------------


async def test_starting_twice_queues_nobody_twice(store: Store, clock: FixedClock) -> None:
    for n in range(3):
        await _person(store, "telegram", f"20{n}")
    await _person(store, "telegram", "209", opted_out=True)
    await _person(store, "whatsapp", "6281200000001", unreachable=True)
    await _person(store, "terminal", "siti")  # on a channel this server does not run
    broadcast_id = await _record(store, None)
    runner = _runner(store, clock)
    assert (await runner.run_round()).started == (broadcast_id,)

    for _ in range(2):  # as if a second runner, or a restart, started it again
        async with store.transaction() as session:
            row = await broadcasts.get_broadcast(session, broadcast_id)
            assert row is not None
            await runner.start(session, row, NOW)
    rows = await _rows(store, broadcast_id)
    assert len(rows) == len({row.contact_id for row in rows}) == 3
    assert {(row.kind, row.priority, row.status, row.channel) for row in rows} == {
        ("broadcast", 2, "pending", "telegram")
    }
    found = await _broadcast(store, broadcast_id)
    assert (found.status, found.recipients, found.skipped_opted_out, found.skipped_unreachable) == ("sending", 3, 1, 2)


async def test_a_scheduled_broadcast_waits_for_its_time(store: Store, clock: FixedClock) -> None:
    await _person(store, "telegram", "301")
    broadcast_id = await _record(store, None, at=NOW + timedelta(hours=1))
    runner = _runner(store, clock)
    assert (await runner.run_round()).started == ()
    clock.advance(minutes=59, seconds=59)
    assert (await runner.run_round()).started == ()
    assert await _rows(store, broadcast_id) == []
    clock.advance(seconds=1)
    assert (await runner.run_round()).started == (broadcast_id,)
    assert len(await _rows(store, broadcast_id)) == 1


# ---- progress and the report ----------------------------------------------------------------------


async def test_a_telegram_author_sees_one_progress_message_kept_up_to_date(store: Store, clock: FixedClock) -> None:
    admin = await _admin(store, "telegram", "900")
    for n in range(3):
        await _person(store, "telegram", f"40{n}")
    broadcast_id = await _record(store, admin)
    runner = _runner(store, clock)
    await runner.run_round()
    [progress] = await _to(store, admin.id)
    assert (progress.body, progress.priority, progress.replaces) == ("Siaran No. 1: terkirim 0 / 4", 1, None)
    announcements = [row.id for row in await _rows(store, broadcast_id)]

    await _mark_sent(store, *announcements[:2])
    assert (await runner.run_round()).progress_updates == 0  # the progress message itself has not gone yet
    await _mark_sent(store, progress.id)
    assert (await runner.run_round()).progress_updates == 1
    edit = (await _to(store, admin.id))[-1]
    assert (edit.body, edit.priority, edit.replaces) == ("Siaran No. 1: terkirim 2 / 4", 0, f"provider-{progress.id}")

    await _mark_sent(store, announcements[2])
    assert (await runner.run_round()).progress_updates == 0  # the last edit has not gone yet
    await _mark_sent(store, edit.id)
    clock.advance(seconds=4)
    assert (await runner.run_round()).progress_updates == 0  # at most one edit every 5 seconds
    clock.advance(seconds=1)
    assert (await runner.run_round()).progress_updates == 1
    assert (await _to(store, admin.id))[-1].body == "Siaran No. 1: terkirim 3 / 4"
    clock.advance(seconds=10)
    assert (await runner.run_round()).progress_updates == 0  # nothing moved: nothing to say

    await _mark_sent(store, announcements[3])
    assert (await runner.run_round()).finished == (broadcast_id,)
    *_, final, report = await _to(store, admin.id)
    assert (final.body, final.replaces, final.priority) == (
        "Siaran No. 1: terkirim 4 / 4",
        f"provider-{progress.id}",
        0,
    )
    assert report.body.startswith("Siaran No. 1: selesai, terkirim 4 dari 4.\nPenerima: semua yang pernah chat")
    assert "- Dibaca: 0 (Telegram tidak melaporkan dibaca)" in report.body
    assert (report.replaces, report.priority) == (None, 1)
    found = await _broadcast(store, broadcast_id)
    assert (found.status, found.finished_at) == ("done", clock())
    assert await _audit_actions(store) == ["broadcast.created", "broadcast.started", "broadcast.finished"]
    assert (await runner.run_round()).queued is False  # done is done


async def test_a_whatsapp_author_is_told_at_each_quarter(store: Store, clock: FixedClock) -> None:
    admin = await _admin(store, "whatsapp", "6281900000000")
    for n in range(7):
        await _person(store, "telegram", f"50{n}")
    broadcast_id = await _record(store, admin)
    runner = _runner(store, clock)
    await runner.run_round()
    announcements = [row.id for row in await _rows(store, broadcast_id)]
    told = []
    for row_id in announcements[:7]:
        await _mark_sent(store, row_id)
        await runner.run_round()
        told = [row.body for row in await _to(store, admin.id)]
    assert told == [
        "Siaran No. 1: terkirim 0 / 8",
        "Siaran No. 1: terkirim 2 / 8",
        "Siaran No. 1: terkirim 4 / 8",
        "Siaran No. 1: terkirim 6 / 8",
    ]
    assert all(row.replaces is None for row in await _to(store, admin.id))
    await _mark_sent(store, announcements[7])
    await runner.run_round()
    assert (await _to(store, admin.id))[-1].body.startswith("Siaran No. 1: selesai, terkirim 8 dari 8.")


async def test_the_report_counts_every_row_by_how_it_ended(store: Store, clock: FixedClock) -> None:
    people = [await _person(store, "whatsapp", f"62813000000{n:02d}") for n in range(8)]
    await _person(store, "whatsapp", "6281300000099", opted_out=True)
    await _person(store, "telegram", "601", unreachable=True)
    broadcast_id = await _record(store, None)
    await _runner(store, clock).run_round()
    rows = {row.contact_id: row.id for row in await _rows(store, broadcast_id)}
    async with store.transaction() as session:
        for person in people[:3]:
            await outbox.mark_sent(session, rows[person], f"wamid.{person}", NOW)
        await outbox.record_delivery_status(
            session, "whatsapp", f"wamid.{people[1]}", status="delivered", error=None, now=NOW
        )
        await outbox.record_delivery_status(
            session, "whatsapp", f"wamid.{people[2]}", status="read", error=None, now=NOW
        )
        await outbox.mark_failed(session, rows[people[3]], "131026 message undeliverable", NOW)
        await outbox.mark_failed(session, rows[people[4]], "131026 message undeliverable", NOW)
        await outbox.mark_failed(session, rows[people[5]], "unreachable: 131026 not on WhatsApp", NOW)
        # said BERHENTI after it started: the outbox worker skips the row when it claims it
        await session.execute(
            update(OutboxMessage)
            .where(OutboxMessage.id == rows[people[6]])
            .values(status="skipped", last_error=outbox.OPTED_OUT)
        )
    async with store.transaction() as session:
        cancelled = await cancel_broadcast(session, programme(), broadcast_id, NOW, actor_contact_id=None, actor="test")
    assert (cancelled.cancelled, cancelled.already_sent) == (1, 3)  # type: ignore[union-attr]

    async with store.transaction() as session:
        report = await broadcast_report(session, await _broadcast(store, broadcast_id))
    assert (report.status, report.recipients, report.sent, report.delivered, report.read) == ("cancelled", 8, 3, 2, 1)
    assert (report.failed, report.unreachable, report.opted_out, report.cancelled, report.waiting) == (2, 2, 2, 1, 0)
    assert [(r.reason, r.count) for r in report.failure_reasons] == [("131026 message undeliverable", 2)]
    assert (report.sent_whatsapp, report.sent_telegram) == (3, 0)


async def test_cancelling_stops_what_is_waiting_and_keeps_what_was_sent(store: Store, clock: FixedClock) -> None:
    people = [await _person(store, "telegram", f"70{n}") for n in range(4)]
    broadcast_id = await _record(store, None)
    runner = _runner(store, clock)
    await runner.run_round()
    rows = {row.contact_id: row for row in await _rows(store, broadcast_id)}
    await _mark_sent(store, rows[people[0]].id)
    async with store.transaction() as session:  # one is in the worker's hands while the admin cancels
        await session.execute(
            update(OutboxMessage).where(OutboxMessage.id == rows[people[1]].id).values(status="sending")
        )
        result = await cancel_broadcast(session, programme(), broadcast_id, NOW, actor_contact_id=None, actor="test")
    assert (result.cancelled, result.already_sent, result.started) == (2, 1, True)  # type: ignore[union-attr]
    async with store.transaction() as session:  # the send fails and would be tried again later
        await outbox.schedule_retry(session, rows[people[1]].id, NOW + timedelta(seconds=2), "HTTP 502", NOW)
    assert (await runner.run_round()).stopped == 1
    assert sorted(row.status for row in await _rows(store, broadcast_id)) == [
        "cancelled",
        "cancelled",
        "cancelled",
        "sent",
    ]
    assert (await _broadcast(store, broadcast_id)).status == "cancelled"
    async with store.transaction() as session:
        again = await cancel_broadcast(session, programme(), broadcast_id, NOW, actor_contact_id=None, actor="test")
    assert isinstance(again, BroadcastRefused)
    assert "broadcast.cancelled" in await _audit_actions(store)


async def test_cancelling_before_its_time_sends_nothing(store: Store, clock: FixedClock) -> None:
    await _person(store, "telegram", "801")
    broadcast_id = await _record(store, None, at=NOW + timedelta(days=1))
    async with store.transaction() as session:
        result = await cancel_broadcast(session, programme(), broadcast_id, NOW, actor_contact_id=None, actor="test")
    assert (result.cancelled, result.started) == (0, False)  # type: ignore[union-attr]
    clock.advance(days=2)
    assert (await _runner(store, clock).run_round()).started == ()
    assert await _rows(store, broadcast_id) == []


# ---- only admins: the store checks, not just the flow ---------------------------------------------


REQUESTS = (
    PreviewBroadcast("everyone"),
    CreateBroadcast("Posko pendaftaran buka Sabtu pagi.", "everyone"),
    ListBroadcasts(),
    ShowBroadcast(1),
    CancelBroadcast(1),
)


async def test_nobody_but_an_admin_gets_an_answer(store: Store) -> None:
    await _person(store, "telegram", "901")
    admin = await _admin(store, "telegram", "900")
    verifier = await _person(store, "telegram", "902")
    revoked = await _admin(store, "whatsapp", "6281999999999")
    async with store.transaction() as session:
        await roles.grant_role(session, verifier, "verifier", granted_by="test", now=NOW, kelurahan_code=MEDONO)
        await roles.revoke_role(session, revoked.id, "admin", NOW)
    nobody = await _person(store, "telegram", "903")
    cipher = PersonalDataCipher(Fernet.generate_key())
    desk = RequestAnswerer(cipher, programme(), catalogs(), region(), whatsapp_template_configured=True)
    async with store.transaction() as session:
        for person_id in (verifier, revoked.id, nobody):
            person = await session.get(Contact, person_id)
            assert person is not None
            for request in REQUESTS:
                assert isinstance(await desk.answer(session, person, request, NOW), BroadcastNotAllowed), request
        preview = await desk.answer(session, admin, PreviewBroadcast("everyone"), NOW)
        assert isinstance(preview, BroadcastPreview)
        assert preview.count.telegram == 4  # the admin, the verifier and two people wrote on Telegram
        created = await desk.answer(session, admin, REQUESTS[1], NOW)
        assert isinstance(created, BroadcastCreated)
        assert (created.now, created.send_at) == (True, NOW)
        bad = await desk.answer(session, admin, CreateBroadcast("Teks " * 300, "everyone"), NOW)
        assert isinstance(bad, BroadcastRefused)
        nowhere = await desk.answer(session, admin, PreviewBroadcast("kelurahan", "33.75.99.9999"), NOW)
        assert isinstance(nowhere, BroadcastRefused)
    assert await _audit_actions(store) == ["broadcast.created"]


# ---- end to end: Telegram over HTTP --------------------------------------------------------------


@pytest.fixture
async def fake(settings: Settings) -> AsyncIterator[FakeTelegram]:
    await use_migrated_database(settings)
    async with fake_server() as server:
        yield server


async def test_an_admin_broadcasts_on_telegram_and_watches_it_go(
    fake: FakeTelegram, jaring: Jaring, clock: FixedClock
) -> None:
    """Composed in chat, sent through the real Telegram client to the fake Bot API: every worker gets it
    once, one of them is blocked, one send fails once and is retried, and the admin's progress message
    is edited in place before the report arrives."""
    async with started(make_channel(jaring, fake, clock)) as channel:
        worker = OutboxWorker(jaring.store, {"telegram": channel.sender}, clock, retry=RetryPolicy(max_attempts=3))
        for chat_id in (11, 12, 13, 14):
            await channel.handle_update(fake.text_update(chat_id, "halo"))
        await add_admin(jaring, "telegram:90")
        for text in ("siaran", "1", "Posko pendaftaran buka Sabtu pagi di balai kelurahan.", "1"):
            await channel.handle_update(fake.text_update(90, text))
        await worker.drain()
        assert "- Telegram: 5" in fake.sent_to(90)[-1].text
        await channel.handle_update(fake.text_update(90, "1"))  # Kirim sekarang
        await worker.drain()
        assert fake.sent_to(90)[-1].text.startswith("Siaran No. 1 dicatat")

        fake.fail("sendMessage", 403, chat_id=13)
        fake.fail("sendMessage", 500, chat_id=14)
        runner = BroadcastRunner.for_jaring(jaring, ["telegram"])
        await runner.run_round()
        await worker.drain()
        clock.advance(seconds=1)
        await runner.run_round()  # 14 waits for its retry: the progress so far
        await worker.drain()
        progress = next(m for m in fake.sent_to(90) if m.text.startswith("Siaran No. 1: terkirim"))
        assert progress.text == "Siaran No. 1: terkirim 3 / 5 (1 tidak terkirim)"
        assert progress.edits == ["Siaran No. 1: terkirim 0 / 5"]

        clock.advance(seconds=5)
        await worker.drain()  # the retry goes
        await runner.run_round()
        await worker.drain()
        assert progress.text == "Siaran No. 1: terkirim 4 / 5 (1 tidak terkirim)"
        report = fake.sent_to(90)[-1].text
        assert report.startswith("Siaran No. 1: selesai, terkirim 4 dari 5.")
        assert "- Tidak bisa dihubungi: 1" in report
        assert "(Telegram 4, WhatsApp 0)" in report

    announcement = "Posko pendaftaran buka Sabtu pagi di balai kelurahan."
    for chat_id in (11, 12, 14, 90):
        assert [m.text for m in fake.sent_to(chat_id)].count(announcement) == 1
    assert announcement not in [m.text for m in fake.sent_to(13)]


async def test_jaring_serve_sends_what_the_command_line_recorded(fake: FakeTelegram, settings: Settings) -> None:
    """The broadcast runner runs inside `jaring serve`: a broadcast recorded beforehand goes out at start."""
    store = Store.from_url(settings.resolved_database_url)
    try:
        for person in ("21", "22"):
            await _person(store, "telegram", person)
        broadcast_id = await _record(store, None)
    finally:
        await store.close()
    async with serving(telegram_settings(settings, fake), host="127.0.0.1", port=0) as service:
        await fake.wait_for(lambda: fake.sent_to(21) and fake.sent_to(22), "the announcement to both")
        deadline = asyncio.get_running_loop().time() + 10
        while (await _broadcast(service.jaring.store, broadcast_id)).status != "done":
            assert asyncio.get_running_loop().time() < deadline, "the broadcast was not finished"
            await asyncio.sleep(0.1)
    assert [m.text for m in fake.sent_to(21)] == ["Posko pendaftaran buka Sabtu pagi di balai kelurahan."]


# ---- `jaring broadcast` ---------------------------------------------------------------------------


def test_the_command_line_records_lists_reports_and_cancels(
    settings: Settings, capsys: pytest.CaptureFixture[str], monkeypatch: pytest.MonkeyPatch
) -> None:
    assert main(["broadcast", "preview", "--audience", "kelurahan:medono"]) == 0
    preview = capsys.readouterr().out
    assert "Penerima: warga yang terdaftar di Kelurahan Medono." in preview
    assert "Jumlah: 0 orang." in preview

    text = "Posko pendaftaran buka Sabtu pagi."
    assert main(["broadcast", "send", "--text", text, "--audience", "everyone", "--at", "1-1-2030 08.00"]) == 2
    assert "lebih dari setahun lagi" in capsys.readouterr().err
    monkeypatch.setattr("builtins.input", lambda question: "n")
    assert main(["broadcast", "send", "--text", text, "--audience", "everyone"]) == 1
    assert "Tidak ada yang dicatat." in capsys.readouterr().out
    assert main(["broadcast", "send", "--text", text, "--audience", "job:tukang_becak", "--yes"]) == 0
    out = capsys.readouterr().out
    assert "Pratinjau siaran. Pesan yang akan dikirim:\n\nPosko pendaftaran buka Sabtu pagi." in out
    assert "Siaran No. 1 dicatat" in out
    assert "`jaring serve` yang mengirimnya" in out

    assert main(["broadcast", "list"]) == 0
    assert "No. 1  terjadwal" in capsys.readouterr().out
    assert main(["broadcast", "report", "1"]) == 0
    assert "Siaran No. 1: terjadwal" in capsys.readouterr().out
    assert main(["broadcast", "cancel", "1"]) == 0
    assert "dibatalkan sebelum waktunya" in capsys.readouterr().out
    assert main(["broadcast", "cancel", "1"]) == 2
    assert main(["broadcast", "preview", "--audience", "kelurahan:atlantis"]) == 2
    assert "tidak ada kelurahan bernama 'atlantis'" in capsys.readouterr().err
