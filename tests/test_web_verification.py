"""Verification on the web desk, for real: `jaring serve` on 127.0.0.1 with the fake Telegram, officers
signed in through the link the chat gives them, registrations seeded in the store as the registration
flow stores them (NIK encrypted), the worker's chat on the fake Telegram.

The queue is oldest first and a verifier's own kelurahan only (a URL into another kelurahan is 404); it
is searched by name, number and the NIK's last four digits; a registration shows its rule flags and the
NIK masked; verify, reject and return each change the row and the worker's chat gets the news, after a
confirmation; a reject or return without its reason is refused with the typed words kept; a decision
taken meanwhile is shown plainly; a renewal "no" is decided the same way. In Chromium, a verifier finds a
registration by the NIK's last four and verifies it."""

from __future__ import annotations

import html
import re
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, timedelta

import httpx
import pytest
from sqlalchemy import select

from bot.desks.review import QueueSearch, queue_search
from bot.settings import Settings
from conversations.nik import mask_nik
from db.models import AuditEntry, Registration, Renewal, RenewalRound
from db.repositories import contacts
from tests.conftest import FixedClock
from tests.review_support import MEDONO, NOYONTAANSARI, nik_for, seed_registration
from tests.telegram_support import fake_server
from tests.web_support import DeskServer, browser_page, csrf_of, desk_server, screenshot

ADMIN = 701
VERIFIER = 702  # Medono's
OTHER_VERIFIER = 703  # Noyontaansari's
WORKERS = (7101, 7102, 7103, 7104)
_REGISTERED = datetime(2026, 11, 20, 3, 0, tzinfo=UTC)
_QUEUE_LINK = re.compile(r'href="/dinas/verifikasi/(\d+)"')
_HIDDEN = re.compile(r'<input type="hidden" name="(\w+)" value="([^"]*)">')


@pytest.fixture
async def desk(settings: Settings, clock: FixedClock) -> AsyncIterator[DeskServer]:
    async with fake_server() as fake, desk_server(settings, fake, clock) as server:
        yield server


async def _seed(
    desk: DeskServer,
    serial: int,
    *,
    kelurahan: str = MEDONO,
    created_at: datetime = _REGISTERED,
    status: str = "submitted",
    worker_chat: int | None = None,
) -> Registration:
    """A registration as the registration flow stores it; `worker_chat`: made by that Telegram chat."""
    jaring = desk.jaring
    async with jaring.store.transaction() as session:
        worker = None
        if worker_chat is not None:
            worker = await contacts.get_or_create_contact(session, "telegram", str(worker_chat), desk.clock())
        return await seed_registration(
            session,
            jaring.cipher,
            jaring.programme,
            serial=serial,
            registrant=worker,
            kelurahan=kelurahan,
            created_at=created_at,
            status=status,
        )


async def _row(desk: DeskServer, registration_id: int) -> Registration:
    async with desk.jaring.store.transaction() as session:
        row = await session.get(Registration, registration_id)
        assert row is not None
        return row


async def _queue(client: httpx.AsyncClient, **params: str) -> list[int]:
    """The registration numbers the queue lists, in order."""
    page = await client.get("/verifikasi", params=params)
    assert page.status_code == 200, page.text
    return [int(found) for found in _QUEUE_LINK.findall(page.text)]


async def _confirm(client: httpx.AsyncClient, number: int, **fields: str) -> httpx.Response:
    """The decision's form on the registration's page, sent: the confirmation page (or the page again)."""
    opened = await client.get(f"/verifikasi/{number}")
    assert opened.status_code == 200, opened.text
    return await client.post(f"/verifikasi/{number}/periksa", data={"csrf": csrf_of(opened.text), **fields})


async def _confirmed(client: httpx.AsyncClient, number: int, confirmation: httpx.Response) -> httpx.Response:
    """The confirmation page's "Ya" pressed: its form's hidden fields, sent."""
    assert confirmation.status_code == 200, confirmation.text
    fields = {name: html.unescape(value) for name, value in _HIDDEN.findall(confirmation.text)}
    return await client.post(f"/verifikasi/{number}/putuskan", data=fields)


async def _news(desk: DeskServer, chat: int, words: str) -> str:
    """The message the worker's chat got with `words` in it."""

    def found() -> str:
        return next((sent.text for sent in desk.fake.sent_to(chat) if words in sent.text), "")

    await desk.fake.wait_for(found, f"news with {words!r} in chat {chat}")
    return found()


async def _audits(desk: DeskServer, action: str) -> list[AuditEntry]:
    async with desk.jaring.store.transaction() as session:
        statement = select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)
        return list((await session.execute(statement)).scalars())


# ---- the queue ---------------------------------------------------------------------------------------------


async def test_a_verifier_sees_only_their_kelurahan_oldest_first_and_another_is_404(desk: DeskServer) -> None:
    verifier = await desk.officer(VERIFIER, "verifier", MEDONO)
    await desk.officer(ADMIN)
    now = desk.clock()
    newest = await _seed(desk, 1, created_at=now - timedelta(hours=1))
    oldest = await _seed(desk, 2, created_at=now - timedelta(days=5))
    corrected = await _seed(desk, 3, created_at=now - timedelta(days=2), status="corrected")
    await _seed(desk, 4, created_at=now - timedelta(days=6), status="verified")  # decided already
    elsewhere = await _seed(desk, 5, kelurahan=NOYONTAANSARI, created_at=now - timedelta(days=7))
    async with desk.client(VERIFIER) as client:
        assert await _queue(client) == [oldest.id, corrected.id, newest.id]
        page = (await client.get("/verifikasi")).text
        assert "Pekerja 5" not in page
        assert "Medono (3 menunggu)" in page
        assert "Noyontaansari" not in page
        assert "sudah diperbaiki, periksa lagi" in page  # the state in words, not colour alone
        assert "5 hari" in page  # how long the oldest has waited
        assert await _queue(client, kelurahan=NOYONTAANSARI) == []
        other = await client.get(f"/verifikasi/{elsewhere.id}")
        assert other.status_code == 404
        assert "Pekerja 5" not in other.text
        assert (await client.get("/verifikasi/999999")).status_code == 404
        assert (await client.get(f"/verifikasi/{2**63}")).status_code == 404  # no number the store can hold
        crafted = await client.post(
            f"/verifikasi/{elsewhere.id}/putuskan", data={"csrf": csrf_of(page), "keputusan": "verified"}
        )
        assert crafted.status_code == 404
    assert (await _row(desk, elsewhere.id)).status == "submitted"
    refused = await _audits(desk, "access.refused")
    assert {(entry.actor_contact_id, entry.subject) for entry in refused} == {
        (verifier.id, f"registration:{elsewhere.id}"),
        (verifier.id, "registration:999999"),
    }
    viewed = await _audits(desk, "web.viewed")
    pages = [entry.detail["page"] for entry in viewed if entry.actor_contact_id == verifier.id]
    assert pages[:2] == ["verification.queue", "verification.queue"]
    async with desk.client(ADMIN) as client:
        assert await _queue(client) == [elsewhere.id, oldest.id, corrected.id, newest.id]
        assert await _queue(client, kelurahan=NOYONTAANSARI) == [elsewhere.id]
        page = (await client.get("/verifikasi")).text
        assert "Noyontaansari (1 menunggu)" in page
        assert "Semua kelurahan (4 menunggu)" in page


async def test_the_queue_is_paged_twenty_at_a_time(desk: DeskServer) -> None:
    await desk.officer(VERIFIER, "verifier", MEDONO)
    seeded = [await _seed(desk, serial, created_at=_REGISTERED + timedelta(minutes=serial)) for serial in range(1, 22)]
    async with desk.client(VERIFIER) as client:
        first = await client.get("/verifikasi")
        assert "21 pendaftaran menunggu verifikasi (halaman 1 dari 2)" in first.text
        assert await _queue(client) == [row.id for row in seeded[:20]]
        assert await _queue(client, halaman="2") == [seeded[20].id]


async def test_the_queue_is_searched_by_name_number_and_the_niks_last_four(desk: DeskServer) -> None:
    await desk.officer(VERIFIER, "verifier", MEDONO)
    await desk.officer(ADMIN)
    sri = await _seed(desk, 1234)
    darto = await _seed(desk, 5678, created_at=_REGISTERED + timedelta(hours=1))
    elsewhere = await _seed(desk, 9012, kelurahan=NOYONTAANSARI)
    async with desk.client(VERIFIER) as client:
        assert await _queue(client, cari="5678") == [darto.id]  # the NIK's last four
        assert await _queue(client, cari="1234") == [sri.id]
        assert await _queue(client, cari=nik_for(1234)) == []  # a whole NIK is never searched (it is in the URL)
        assert await _queue(client, cari="pekerja 12") == [sri.id]  # a part of the name, any case
        assert await _queue(client, cari="PEKERJA") == [sri.id, darto.id]
        assert await _queue(client, cari=str(darto.id)) == [darto.id]  # the registration number
        assert await _queue(client, cari=f"No. {sri.id}") == [sri.id]
        assert await _queue(client, cari="9012") == []  # another kelurahan's, by its NIK
        assert await _queue(client, cari="Pekerja 9012") == []  # or by its name
        missing = await client.get("/verifikasi", params={"cari": "Sumarno"})
        assert "Tidak ada pendaftaran menunggu yang cocok" in missing.text
        assert 'value="Sumarno"' in missing.text  # what was typed stays in the box
        nik = nik_for(5678)
        assert nik not in (await client.get("/verifikasi", params={"cari": "5678"})).text
    async with desk.client(ADMIN) as client:
        assert await _queue(client, cari="9012") == [elsewhere.id]
        assert await _queue(client, cari="9012", kelurahan=MEDONO) == []


# ---- one registration --------------------------------------------------------------------------------------


async def test_a_registration_shows_its_flags_in_plain_words_and_the_nik_masked(desk: DeskServer) -> None:
    verifier = await desk.officer(VERIFIER, "verifier", MEDONO)
    row = await _seed(desk, 4321)
    async with desk.jaring.store.transaction() as session:
        stored = await session.get(Registration, row.id)
        assert stored is not None
        stored.birth_date = date(1956, 3, 1)  # 70 on the day of registration: outside 18–65
        stored.flags = ["not_in_poverty_register"]
    async with desk.client(VERIFIER) as client:
        page = await client.get(f"/verifikasi/{row.id}")
    assert page.status_code == 200
    text = html.unescape(page.text)
    assert "Umur 70 tahun saat mendaftar, di luar batas program (18 sampai 65 tahun)." in text
    assert "Tidak terdaftar di DTSEN (data kemiskinan), padahal program ini mensyaratkannya." in text
    assert mask_nik(nik_for(4321)) in text
    assert nik_for(4321) not in text
    assert "orangnya sendiri" in text
    assert "menunggu verifikasi kelurahan" in text  # the status and its history, in words
    opened = await _audits(desk, "personal_data.viewed")
    assert [(entry.actor_contact_id, entry.subject) for entry in opened] == [(verifier.id, f"registration:{row.id}")]


async def test_verify_reject_and_return_each_change_the_row_and_tell_the_worker(desk: DeskServer) -> None:
    await desk.officer(VERIFIER, "verifier", MEDONO)
    verified = await _seed(desk, 1, worker_chat=WORKERS[0])
    rejected = await _seed(desk, 2, worker_chat=WORKERS[1])
    returned = await _seed(desk, 3, worker_chat=WORKERS[2])
    async with desk.client(VERIFIER) as client:
        asked = await _confirm(client, verified.id, keputusan="verified")
        assert f"Verifikasi pendaftaran No. {verified.id}, Pekerja 1: data benar sesuai KTP?" in asked.text
        assert (await _row(desk, verified.id)).status == "submitted"  # nothing yet: only the question
        done = await _confirmed(client, verified.id, asked)
        assert done.status_code == 303
        assert done.headers["location"] == "/dinas/verifikasi?pesan=web.verification.verified_done"
        shown = await client.get(done.headers["location"].removeprefix("/dinas"))
        assert "Tersimpan: pendaftaran sudah diverifikasi" in shown.text
        assert verified.id not in [int(n) for n in _QUEUE_LINK.findall(shown.text)]

        asked = await _confirm(
            client, rejected.id, keputusan="rejected", alasan="mismatch", alasan_lain="nama di KTP Sri Wahyuningsih"
        )
        reason = "data tidak sesuai dengan KTP: nama di KTP Sri Wahyuningsih"
        assert reason in html.unescape(asked.text)
        assert (await _confirmed(client, rejected.id, asked)).status_code == 303

        fix = "Nomor RT salah, seharusnya RT 004"
        asked = await _confirm(client, returned.id, keputusan="returned", perbaikan=fix)
        assert (await _confirmed(client, returned.id, asked)).status_code == 303
    assert [((row := await _row(desk, r.id)).status, row.status_reason) for r in (verified, rejected, returned)] == [
        ("verified", None),
        ("rejected", reason),
        ("returned", fix),
    ]
    assert "dinyatakan benar oleh kelurahan" in await _news(desk, WORKERS[0], f"nomor {verified.id}")
    told = await _news(desk, WORKERS[1], "TIDAK DISETUJUI")
    assert f"Alasannya: {reason}" in told
    told = await _news(desk, WORKERS[2], "DIKEMBALIKAN")
    assert f"Yang harus diperbaiki: {fix}" in told


async def test_a_reject_or_return_without_its_reason_is_refused_and_keeps_what_was_typed(desk: DeskServer) -> None:
    await desk.officer(VERIFIER, "verifier", MEDONO)
    row = await _seed(desk, 1, worker_chat=WORKERS[0])
    async with desk.client(VERIFIER) as client:
        nothing = await _confirm(client, row.id, keputusan="rejected")
        assert nothing.status_code == 400
        assert "Alasan penolakan belum ada. Pilih salah satu alasan" in nothing.text
        short = await _confirm(client, row.id, keputusan="rejected", alasan="other", alasan_lain="KTP")
        assert short.status_code == 400
        assert ">KTP</textarea>" in short.text
        assert 'value="other" checked' in short.text
        empty = await _confirm(client, row.id, keputusan="returned", perbaikan="RT <")
        assert empty.status_code == 400
        assert "Tulis apa yang harus diperbaiki, paling sedikit 5 huruf" in empty.text
        assert ">RT &lt;</textarea>" in empty.text  # kept, and shown as text
        crafted = await client.post(
            f"/verifikasi/{row.id}/putuskan", data={"csrf": csrf_of(empty.text), "keputusan": "rejected"}
        )
        assert crafted.status_code == 400
        picked = await _confirm(client, row.id, keputusan="rejected", alasan="twice")
        assert picked.status_code == 200
        assert "orang yang sama sudah terdaftar di pendaftaran lain" in picked.text  # a listed reason is enough
    assert (await _row(desk, row.id)).status == "submitted"
    assert desk.fake.sent_to(WORKERS[0]) == []


async def test_a_registration_decided_meanwhile_is_said_plainly_and_not_decided_twice(desk: DeskServer) -> None:
    await desk.officer(VERIFIER, "verifier", MEDONO)
    await desk.officer(ADMIN)
    row = await _seed(desk, 1, worker_chat=WORKERS[0])
    async with desk.client(VERIFIER) as verifier, desk.client(ADMIN) as admin:
        mine = await _confirm(verifier, row.id, keputusan="verified")
        fix = "Foto KTP tidak terbaca"
        theirs = await _confirm(admin, row.id, keputusan="returned", perbaikan=fix)
        assert (await _confirmed(admin, row.id, theirs)).status_code == 303
        late = await _confirmed(verifier, row.id, mine)
        assert late.headers["location"] == f"/dinas/verifikasi/{row.id}?pesan=web.verification.decided_meanwhile"
        shown = await verifier.get(late.headers["location"].removeprefix("/dinas"))
        assert "sudah diputuskan petugas lain sebelum Anda. Tidak ada yang diubah" in shown.text
        assert f"dikembalikan untuk diperbaiki: {fix}" in shown.text
        assert "Verifikasi…" not in shown.text  # nothing left to decide
        stale = await verifier.post(
            f"/verifikasi/{row.id}/periksa", data={"csrf": csrf_of(shown.text), "keputusan": "verified"}
        )
        assert stale.status_code == 409
        assert "sudah diputuskan petugas lain sebelum Anda" in stale.text
    assert (await _row(desk, row.id)).status == "returned"
    await _news(desk, WORKERS[0], "DIKEMBALIKAN")
    assert len(desk.fake.sent_to(WORKERS[0])) == 1


# ---- a renewal "no" ----------------------------------------------------------------------------------------


async def test_a_renewal_no_is_decided_after_confirming_and_the_worker_told(desk: DeskServer) -> None:
    await desk.officer(VERIFIER, "verifier", MEDONO)
    await desk.officer(OTHER_VERIFIER, "verifier", NOYONTAANSARI)
    row = await _seed(desk, 4444, status="active", worker_chat=WORKERS[3])
    now = desk.clock()
    async with desk.jaring.store.transaction() as session:
        opened = RenewalRound(
            programme_id=desk.jaring.programme.id, year=2027, status="open", opened_by="cli", opened_at=now
        )
        session.add(opened)
        await session.flush()
        session.add(
            Renewal(
                round_id=opened.id,
                registration_id=row.id,
                decision="check",
                reason="moved",
                contact_id=row.registrant_contact_id,
                asked_at=now - timedelta(days=2),
                answer="moved",
                answered_at=now - timedelta(days=1),
            )
        )
    async with desk.client(OTHER_VERIFIER) as other:
        assert (await other.get(f"/verifikasi/perpanjangan/{row.id}")).status_code == 404
    async with desk.client(VERIFIER) as client:
        listed = await client.get("/verifikasi")
        assert "Perpanjangan 2027: warga yang menjawab tidak" in listed.text
        assert f'href="/dinas/verifikasi/perpanjangan/{row.id}"' in listed.text
        page = await client.get(f"/verifikasi/perpanjangan/{row.id}")
        assert mask_nik(nik_for(4444)) in page.text
        assert "sudah pindah" in page.text
        form = {"csrf": csrf_of(page.text)}
        unpicked = await client.post(f"/verifikasi/perpanjangan/{row.id}/periksa", data={**form, "catatan": "cek RT"})
        assert unpicked.status_code == 400
        assert "Pilih salah satu keputusan" in unpicked.text
        assert ">cek RT</textarea>" in unpicked.text
        asked = await client.post(
            f"/verifikasi/perpanjangan/{row.id}/periksa", data={**form, "keputusan": "moved", "catatan": "cek RT"}
        )
        assert "berhenti menjadi peserta mulai 1 Januari 2027 karena sudah pindah?" in asked.text
        fields = {name: html.unescape(value) for name, value in _HIDDEN.findall(asked.text)}
        done = await client.post(f"/verifikasi/perpanjangan/{row.id}/putuskan", data=fields)
        assert done.headers["location"] == "/dinas/verifikasi?pesan=web.verification.renewal_ends_done"
        again = await client.post(f"/verifikasi/perpanjangan/{row.id}/putuskan", data=fields)
        assert again.status_code == 409
        assert "sudah diputuskan oleh petugas lain" in again.text
    async with desk.jaring.store.transaction() as session:
        decided = (await session.execute(select(Renewal))).scalar_one()
        assert (decided.decision, decided.reason) == ("ends", "moved")
    assert "memutuskan berhenti karena sudah pindah" in await _news(desk, WORKERS[3], "Kabar perpanjangan")


# ---- in a real browser -------------------------------------------------------------------------------------


async def test_a_verifier_finds_a_registration_by_the_niks_last_four_and_verifies_it_in_a_browser(
    desk: DeskServer,
) -> None:
    await desk.officer(VERIFIER, "verifier", MEDONO)
    for serial in (1111, 2222, 3333):
        await _seed(desk, serial, created_at=_REGISTERED - timedelta(days=serial // 1111))
    row = await _seed(desk, 4567, worker_chat=WORKERS[0])
    async with desk.jaring.store.transaction() as session:
        flagged = await session.get(Registration, row.id)
        assert flagged is not None
        flagged.flags = ["not_in_poverty_register"]  # the kelurahan decides, and may verify it
    link = await desk.link_from_chat(VERIFIER)
    async with browser_page() as page:
        await page.goto(link)
        await page.get_by_role("button", name="Masuk").click()
        await page.wait_for_url(f"{desk.url}/")
        await page.get_by_role("navigation").get_by_role("link", name="Verifikasi").click()
        await page.wait_for_url(f"{desk.url}/verifikasi")
        await screenshot(page, "verification-queue")
        await page.get_by_label("Cari").fill("4567")
        await page.get_by_role("button", name="Tampilkan").click()
        await page.wait_for_url(re.compile(r".*cari=4567.*"))
        rows = page.locator("tbody tr")
        assert await rows.count() == 1
        await page.get_by_role("link", name="Pekerja 4567").click()
        await page.wait_for_url(f"{desk.url}/verifikasi/{row.id}")
        assert mask_nik(nik_for(4567)) in await page.content()
        flags = await page.get_by_role("region", name="Aturan program yang tidak dipenuhi").inner_text()
        assert "Tidak terdaftar di DTSEN" in flags
        await screenshot(page, "verification-detail")
        await page.get_by_role("button", name="Verifikasi…").click()
        await page.wait_for_url(f"{desk.url}/verifikasi/{row.id}/periksa")
        assert await page.get_by_role("heading", level=1).inner_text() == "Konfirmasi keputusan"
        await screenshot(page, "verification-confirm")
        assert (await _row(desk, row.id)).status == "submitted"
        await page.get_by_role("button", name="Ya, verifikasi").click()
        await page.wait_for_url(re.compile(r".*/verifikasi\?pesan=.*"))
        assert "Tersimpan: pendaftaran sudah diverifikasi" in await page.get_by_role("status").first.inner_text()
    assert (await _row(desk, row.id)).status == "verified"
    assert "dinyatakan benar oleh kelurahan" in await _news(desk, WORKERS[0], f"nomor {row.id}")


@pytest.mark.parametrize(
    ("typed", "expected"),
    [
        ("", None),
        ("   ", None),
        ("Sri  Wahyuni", QueueSearch(name="Sri Wahyuni")),
        ("No. 12", QueueSearch(numbers=(12,))),
        ("#12", QueueSearch(numbers=(12,))),
        ("0500", QueueSearch(numbers=(500,), nik_ending="0500")),
        (nik_for(7), QueueSearch()),  # a whole NIK: too long for a number, and never searched for
        ("Nonik", QueueSearch(name="Nonik")),  # a name that starts like "No"
    ],
)
def test_what_a_search_of_the_queue_looks_for(typed: str, expected: QueueSearch | None) -> None:
    assert queue_search(typed) == expected
