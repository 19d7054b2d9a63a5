"""The broadcasts pages of the web desk, for real: `jaring serve` on 127.0.0.1 with the fake Telegram, an
admin signed in through the chat link, announcements composed, previewed, sent or scheduled, followed
and cancelled through the same broadcast desk as the chat; and in Chromium, an admin who sends one now
and watches its progress reach 100% while the contacts get it at the fake Telegram."""

from __future__ import annotations

import asyncio
import re
from collections.abc import AsyncIterator, Awaitable, Callable
from dataclasses import replace
from datetime import UTC, datetime, timedelta

import httpx
import pytest
from playwright.async_api import expect
from sqlalchemy import select

from bot.clock import utc_now
from bot.desks.broadcasts import channel_tallies
from bot.settings import Settings
from bot.web.pages.broadcasts import next_poll_seconds, percent_done, report_rows
from conversations.requests.broadcasts import BroadcastReport, ChannelTally
from db.models import AuditEntry, Broadcast, OutboxMessage
from db.repositories import contacts
from db.repositories.broadcasts import RowCount
from tests.conftest import FixedClock
from tests.review_support import MEDONO, seed_registration
from tests.telegram_support import fake_server
from tests.web_support import DeskServer, browser_page, csrf_of, desk_server, screenshot

ADMIN = 601
VERIFIER = 602
WORKERS = (611, 612, 613)
NOW = datetime(2026, 11, 21, 8, 0, tzinfo=UTC)  # the FixedClock's start: 15.00 WIB
TEXT = "Posko pendaftaran BPJS buka Sabtu pagi\ndi balai Kelurahan Medono."


@pytest.fixture
async def desk(settings: Settings, clock: FixedClock) -> AsyncIterator[DeskServer]:
    async with fake_server() as fake, desk_server(settings, fake, clock) as server:
        yield server


async def _person(
    desk: DeskServer, channel: str, channel_id: str, *, wrote: datetime | None = NOW, **flags: bool
) -> int:
    async with desk.jaring.store.transaction() as session:
        person = await contacts.get_or_create_contact(session, channel, channel_id, NOW)
        person.last_inbound_at = wrote
        person.opted_out = flags.get("opted_out", False)
        person.unreachable = flags.get("unreachable", False)
        return person.id


async def _registered_in_medono(desk: DeskServer, serial: int, contact_id: int | None) -> None:
    async with desk.jaring.store.transaction() as session:
        registrant = await contacts.contact_by_id(session, contact_id) if contact_id else None
        await seed_registration(
            session, desk.jaring.cipher, desk.jaring.programme, serial=serial, registrant=registrant, kelurahan=MEDONO
        )


def _form(csrf: str, text: str = TEXT, kind: str = "everyone", **fields: str) -> dict[str, str]:
    return {"csrf": csrf, "teks": text, "penerima": kind, "kapan": "now", **fields}


def _counts(html: str) -> dict[str, int]:
    """The preview's count per channel, as the page writes them."""
    return {key: int(value.replace(".", "")) for key, value in re.findall(r'data-channel="(\w+)">([\d.]+)<', html)}


async def _csrf(client: httpx.AsyncClient) -> str:
    return csrf_of((await client.get("/siaran/baru")).text)


async def _broadcasts(desk: DeskServer) -> list[Broadcast]:
    async with desk.jaring.store.transaction() as session:
        return list((await session.execute(select(Broadcast).order_by(Broadcast.id))).scalars())


async def _rows(desk: DeskServer, broadcast_id: int) -> list[OutboxMessage]:
    async with desk.jaring.store.transaction() as session:
        statement = select(OutboxMessage).where(OutboxMessage.broadcast_id == broadcast_id)
        return list((await session.execute(statement)).scalars())


async def _until(check: Callable[[], Awaitable[bool]], what: str, within: float = 10.0) -> None:
    loop = asyncio.get_running_loop()
    deadline = loop.time() + within
    while not await check():
        assert loop.time() < deadline, f"waited {within} s for {what}"
        await asyncio.sleep(0.05)


def test_the_report_is_counted_per_channel_and_only_whatsapp_tells_delivered_and_read() -> None:
    tallies = channel_tallies(
        [
            RowCount("read", "whatsapp", False, 2),
            RowCount("delivered", "whatsapp", False, 1),
            RowCount("failed", "whatsapp", True, 1),  # blocked: unreachable, not a failure
            RowCount("failed", "whatsapp", False, 3),
            RowCount("sent", "telegram", False, 5),
            RowCount("pending", "telegram", False, 4),
            RowCount("skipped", "telegram", False, 1),
            RowCount("cancelled", "telegram", False, 2),
        ]
    )
    assert tallies == (
        ChannelTally("telegram", sent=5, waiting=4, opted_out=1, cancelled=2),
        ChannelTally("whatsapp", sent=3, delivered=3, read=2, failed=3, unreachable=1),
    )
    report = BroadcastReport(
        1, "sending", "everyone", "", TEXT, "cli", NOW, recipients=19, sent=8, delivered=3, read=2, waiting=4
    )
    rows = {row.key: row for row in report_rows(replace(report, by_channel=tallies))}
    assert (rows["delivered"].total, rows["delivered"].by_channel) == (3, (None, 3))  # Telegram cannot tell
    assert (rows["waiting"].total, rows["waiting"].by_channel) == (4, (4, 0))
    assert report_rows(replace(report, by_channel=tallies[:1]))[1].total is None  # no WhatsApp: no receipts at all
    assert percent_done(report) == 78  # 15 of 19 no longer waiting
    assert next_poll_seconds(report, NOW) == 2
    assert next_poll_seconds(replace(report, status="done"), NOW) is None
    assert percent_done(replace(report, status="done", recipients=0, waiting=0)) == 100
    scheduled = replace(report, status="scheduled", send_at=NOW + timedelta(minutes=5))
    assert (next_poll_seconds(scheduled, NOW), next_poll_seconds(scheduled, NOW + timedelta(minutes=4.5))) == (30, 2)


async def test_the_preview_counts_each_channel_as_the_seeded_contacts_are(desk: DeskServer) -> None:
    await desk.officer(ADMIN)
    async with desk.client(ADMIN) as client:  # the admin wrote `masuk web`: a Telegram contact of now
        telegram = await _person(desk, "telegram", "11")
        await _person(desk, "telegram", "12")
        await _person(desk, "whatsapp", "6281100000001", wrote=NOW - timedelta(hours=23))
        await _person(desk, "whatsapp", "6281100000002", wrote=NOW - timedelta(hours=25))
        await _person(desk, "telegram", "13", opted_out=True)
        await _person(desk, "whatsapp", "6281100000003", unreachable=True)
        await _person(desk, "telegram", "14", wrote=None)  # never wrote: nobody's audience but a registration's
        await _registered_in_medono(desk, 1, telegram)
        await _registered_in_medono(desk, 2, None)  # registered by an RT/RW leader; no chat of their own

        everyone = await client.post("/siaran/pratinjau", data=_form(await _csrf(client)))
        assert everyone.status_code == 200, everyone.text
        assert _counts(everyone.text) == {
            "telegram": 3,
            "whatsapp_window": 1,
            "whatsapp_template": 1,
            "reachable": 5,
            "opted_out": 1,
            "unreachable": 1,
        }
        # No WHATSAPP_TEMPLATE_NAME here, and this server runs Telegram only: both said before sending.
        assert "1 pesan WhatsApp untuk orang yang chat terakhirnya lebih dari 24 jam akan GAGAL" in everyone.text
        assert "2 penerima memakai WhatsApp, yang tidak dijalankan di server ini" in everyone.text
        assert "Tidak terkirim: template WhatsApp belum diatur." in everyone.text
        assert "Ya, kirim sekarang ke 5 orang" in everyone.text
        # the text as Telegram and WhatsApp show it: line breaks kept
        assert everyone.text.count('<div class="message">Posko pendaftaran BPJS buka Sabtu pagi\ndi balai') == 2

        medono = await client.post(
            "/siaran/pratinjau", data=_form(csrf_of(everyone.text), kind="kelurahan", kelurahan=MEDONO)
        )
        assert _counts(medono.text) == {
            "telegram": 1,
            "whatsapp_window": 0,
            "whatsapp_template": 0,
            "reachable": 1,
            "opted_out": 0,
            "unreachable": 0,
            "without_chat": 1,
        }
        assert "warga yang terdaftar di Kelurahan Medono" in medono.text
    assert await _broadcasts(desk) == []  # a preview records nothing


async def test_the_preview_shows_the_whatsapp_template_as_it_is_sent(settings: Settings, clock: FixedClock) -> None:
    configured = settings.model_copy(update={"whatsapp_template_name": "pengumuman_dinas"})
    async with fake_server() as fake, desk_server(configured, fake, clock) as desk:
        await desk.officer(ADMIN)
        async with desk.client(ADMIN) as client:
            preview = await client.post("/siaran/pratinjau", data=_form(await _csrf(client)))
    assert "Template pengumuman_dinas (bahasa id)" in preview.text
    # one line inside the template: Meta refuses line breaks in a variable
    assert '<div class="message">Posko pendaftaran BPJS buka Sabtu pagi · di balai Kelurahan Medono.</div>' in (
        preview.text
    )
    assert "akan GAGAL" not in preview.text


async def test_the_form_refuses_an_empty_text_or_a_past_time_and_keeps_what_was_typed(desk: DeskServer) -> None:
    await desk.officer(ADMIN)
    async with desk.client(ADMIN) as client:
        csrf = await _csrf(client)
        empty = await client.post("/siaran/pratinjau", data=_form(csrf, text="  ", kind="kelurahan", kelurahan=MEDONO))
        assert empty.status_code == 400
        assert "Isi pengumuman masih kosong. Tulis pengumumannya dulu" in empty.text
        assert 'value="kelurahan" checked' in empty.text  # the audience picked is kept
        assert f'value="{MEDONO}" selected' in empty.text

        past = _form(csrf, kapan="later", waktu="21-11-2026 14.30")  # it is 15.00 WIB
        refused = await client.post("/siaran/pratinjau", data=past)
        assert refused.status_code == 400
        assert "Waktu itu sudah lewat (sekarang 21-11-2026 15.00 WIB). Ketik waktu yang akan datang" in refused.text
        assert "misalnya 22-11-2026 08.00" in refused.text
        assert f">{TEXT}</textarea>" in refused.text  # the text typed is still there
        assert 'value="21-11-2026 14.30"' in refused.text

        # The same checks when confirming: a time that passed while the preview was open is refused too.
        late = await client.post("/siaran/kirim", data=past)
        assert late.status_code == 400
        assert "Waktu itu sudah lewat" in late.text

        vague = await client.post("/siaran/pratinjau", data=_form(csrf, kapan="later", waktu="kapan-kapan"))
        assert "Waktunya tidak saya kenali. Ketik tanggal dan jam, misalnya 22-11-2026 08.00" in vague.text
        blank = await client.post("/siaran/pratinjau", data=_form(csrf, kapan="later"))
        assert "Ketik tanggal dan jam kirimnya, misalnya 22-11-2026 08.00, atau pilih Kirim sekarang." in blank.text
        too_long = await client.post("/siaran/pratinjau", data=_form(csrf, text="Kata " * 201))
        assert "Pengumuman maksimal 1.000 huruf; pesan Anda 1.004 huruf." in too_long.text
        nobody = await client.post("/siaran/pratinjau", data=_form(csrf, kind=""))
        assert "Pilih siapa penerima siaran ini." in nobody.text
        no_job = await client.post("/siaran/pratinjau", data=_form(csrf, kind="job", pekerjaan="astronot"))
        assert "Pilih jenis pekerjaannya dari daftar." in no_job.text
    assert await _broadcasts(desk) == []


async def test_creating_records_the_broadcast_with_the_chosen_audience(desk: DeskServer) -> None:
    await desk.officer(ADMIN)
    async with desk.client(ADMIN) as client:
        form = _form(await _csrf(client), kind="kelurahan", kelurahan=MEDONO, kapan="later", waktu="besok 08.00")
        edit = await client.post("/siaran/baru", data=form)  # "Ubah" on the preview: the form, filled in
        assert f">{TEXT}</textarea>" in edit.text
        assert 'id="kapan-later" name="kapan" value="later" checked' in edit.text
        created = await client.post("/siaran/kirim", data=form)
        assert created.status_code == 303
        assert created.headers["location"] == "/dinas/siaran/1?pesan=web.broadcasts.created_scheduled"
        report = await client.get("/siaran/1?pesan=web.broadcasts.created_scheduled")
        assert "Siaran dicatat dan akan dikirim pada waktunya." in report.text
        assert "Terjadwal" in report.text
        assert "22-11-2026 08:00 WIB" in report.text
        assert "Belum mulai: menunggu waktu kirim." in report.text
        listed = await client.get("/siaran")
        assert "Siaran No. 1" in listed.text
        assert "warga yang terdaftar di Kelurahan Medono" in listed.text
    [row] = await _broadcasts(desk)
    assert (row.audience, row.status, row.body) == ({"kind": "kelurahan", "value": MEDONO}, "scheduled", TEXT)
    assert row.send_at.replace(tzinfo=UTC) == datetime(2026, 11, 22, 1, 0, tzinfo=UTC)  # 08.00 WIB
    async with desk.jaring.store.transaction() as session:
        actions = (await session.execute(select(AuditEntry.action))).scalars().all()
    assert "broadcast.created" in actions


async def test_a_double_click_on_send_records_one_broadcast(desk: DeskServer) -> None:
    """The confirmation form carries a one-time key: two submits of it at once, or a retry, record one."""
    await desk.officer(ADMIN)
    async with desk.client(ADMIN) as client:
        preview = await client.post("/siaran/pratinjau", data=_form(await _csrf(client)))
        key = re.search(r'name="kunci" value="([^"]+)"', preview.text)
        assert key is not None
        confirm = {**_form(csrf_of(preview.text)), "kunci": key.group(1)}
        first, second = await asyncio.gather(
            client.post("/siaran/kirim", data=confirm), client.post("/siaran/kirim", data=confirm)
        )
        again = await client.post("/siaran/kirim", data=confirm)
        assert [first.status_code, second.status_code, again.status_code] == [303, 303, 303]
        assert {first.headers["location"], second.headers["location"], again.headers["location"]} == {
            "/dinas/siaran/1?pesan=web.broadcasts.created_now"
        }
        another = await client.post("/siaran/pratinjau", data=_form(await _csrf(client)))
        new_key = re.search(r'name="kunci" value="([^"]+)"', another.text)
        assert new_key is not None
        assert new_key.group(1) != key.group(1)  # a new preview is a new broadcast
    assert [row.id for row in await _broadcasts(desk)] == [1]
    async with desk.jaring.store.transaction() as session:
        created = (await session.execute(select(AuditEntry).where(AuditEntry.action == "broadcast.created"))).all()
    assert len(created) == 1


async def test_cancel_stops_the_waiting_messages(desk: DeskServer) -> None:
    await desk.officer(ADMIN)
    for worker in WORKERS:
        await desk.say(worker, "halo")
    # Two sends fail for now; with the tests' clock standing still, their retries stay waiting.
    desk.fake.fail("sendMessage", 500, chat_id=WORKERS[1])
    desk.fake.fail("sendMessage", 500, chat_id=WORKERS[2])
    async with desk.client(ADMIN) as client:
        everyone = _form(await _csrf(client))
        created = await client.post("/siaran/kirim", data=everyone)
        assert created.status_code == 303
        await desk.fake.wait_for(lambda: TEXT in [m.text for m in desk.fake.sent_to(WORKERS[0])], "the first copy", 10)

        async def one_worker_has_it() -> bool:  # the admin wrote `masuk web`: everyone includes them
            live = (await client.get("/siaran/1/kemajuan")).json()
            return bool(live["status"] == "sending" and live["counts"]["sent"] == "2")

        await _until(one_worker_has_it, "two copies sent, two waiting")
        page = await client.get("/siaran/1")
        assert "Sedang dikirim" in page.text
        assert 'data-count="waiting">2<' in page.text

        confirm = await client.get("/siaran/1/batal")
        assert "Siaran ini sedang dikirim. 2 pesan yang belum terkirim tidak akan dikirim" in confirm.text
        assert (await _broadcasts(desk))[0].status == "sending"  # asking is not cancelling
        cancelled = await client.post("/siaran/1/batal", data={"csrf": csrf_of(confirm.text)})
        assert cancelled.headers["location"] == "/dinas/siaran/1?pesan=web.broadcasts.cancelled"
        after = await client.get("/siaran/1")
        assert "Dibatalkan" in after.text
        assert 'data-count="cancelled">2<' in after.text
        again = await client.post("/siaran/1/batal", data={"csrf": csrf_of(confirm.text)})
        assert again.headers["location"].endswith("pesan=web.broadcasts.cannot_cancel")
    assert sorted(row.status for row in await _rows(desk, 1)) == ["cancelled", "cancelled", "sent", "sent"]
    assert (await _broadcasts(desk))[0].status == "cancelled"
    for worker in WORKERS[1:]:
        assert TEXT not in [m.text for m in desk.fake.sent_to(worker)]


async def test_only_an_admin_sees_the_broadcasts(desk: DeskServer) -> None:
    await desk.officer(ADMIN)
    await desk.officer(VERIFIER, "verifier", MEDONO)
    async with desk.client(ADMIN) as admin:
        await admin.post("/siaran/kirim", data=_form(await _csrf(admin), kapan="later", waktu="besok 08.00"))
        assert (await admin.get("/siaran/99")).status_code == 404
        assert (await admin.get("/siaran/99/kemajuan")).status_code == 404
        live = (await admin.get("/siaran/1/kemajuan")).json()
        assert (live["status"], live["percent"], live["next"]) == ("scheduled", 0, 30)
    async with desk.client(VERIFIER) as verifier:
        for path in ("/siaran", "/siaran/baru", "/siaran/1", "/siaran/1/kemajuan", "/siaran/1/batal"):
            assert (await verifier.get(path)).status_code == 403, path
        csrf = csrf_of((await verifier.get("/")).text)
        assert (await verifier.post("/siaran/1/batal", data={"csrf": csrf})).status_code == 403
        assert (await verifier.post("/siaran/kirim", data=_form(csrf))).status_code == 403
    async with desk.client() as stranger:
        signed_out = await stranger.get("/siaran/1/kemajuan")
        assert signed_out.status_code == 401  # the script stops asking
        assert signed_out.headers["content-type"].startswith("text/html")  # the sign-in page, no figures
        assert "Untuk masuk, ketik" in signed_out.text
    assert [row.status for row in await _broadcasts(desk)] == ["scheduled"]


async def test_an_admin_sends_a_broadcast_and_watches_it_reach_every_contact(settings: Settings) -> None:
    """The issue's browser test: the real clock, so the broadcast runner and the outbox worker of
    `jaring serve` deliver to the fake Telegram while the page follows."""
    async with fake_server() as fake, desk_server(settings, fake, utc_now) as desk:
        await desk.officer(ADMIN)
        for serial, worker in enumerate(WORKERS, start=1):
            await desk.say(worker, "halo")
            async with desk.jaring.store.transaction() as session:
                contact = await contacts.get_or_create_contact(session, "telegram", str(worker), utc_now())
            await _registered_in_medono(desk, serial, contact.id)
        link = await desk.link_from_chat(ADMIN)
        async with browser_page() as page:
            await page.goto(link)
            await page.get_by_role("button", name="Masuk").click()
            await page.wait_for_url(f"{desk.url}/")
            await page.get_by_role("navigation").get_by_role("link", name="Siaran").click()
            await page.wait_for_url(f"{desk.url}/siaran")

            await page.get_by_role("link", name="Tulis siaran baru").click()
            await page.get_by_label("Isi pengumuman").fill(TEXT)
            await page.get_by_label("Satu kelurahan").check()
            await page.get_by_label("Kelurahan", exact=True).select_option(label="Medono")
            await screenshot(page, "broadcasts-compose")
            await page.get_by_role("button", name="Lihat pratinjau").click()

            await page.wait_for_url(f"{desk.url}/siaran/pratinjau")
            assert await page.locator('[data-channel="telegram"]').inner_text() == "3"
            await screenshot(page, "broadcasts-preview")
            await page.get_by_role("button", name="Ya, kirim sekarang ke 3 orang").click()

            await page.wait_for_url(re.compile(r"/dinas/siaran/1"))
            # the page's own script follows the runner: no reload by the test
            await expect(page.locator("[data-state]")).to_have_text("Selesai", timeout=30_000)
            assert await page.locator("progress").get_attribute("value") == "100"
            summary = await page.locator("[data-summary]").inner_text()
            assert summary.startswith("100%: 3 dari 3 pesan sudah diproses, 3 di antaranya terkirim.")
            assert await page.locator('[data-count="telegram.sent"]').inner_text() == "3"
            await screenshot(page, "broadcasts-progress")

            await page.get_by_role("link", name="Kembali ke daftar siaran").click()
            row = page.get_by_role("row", name=re.compile("Siaran No. 1"))
            assert "Selesai" in await row.inner_text()
            assert "3 / 3" in await row.inner_text()
            await screenshot(page, "broadcasts-list")
        for worker in WORKERS:
            assert [m.text for m in fake.sent_to(worker)].count(TEXT) == 1
        assert TEXT not in [m.text for m in fake.sent_to(ADMIN)]  # not in Medono's audience
