"""Approval and quota on the web desk, for real: `jaring serve` on 127.0.0.1, registrations stored as the
registration flow stores them, workers on the fake Telegram, an admin signed in through the chat link.
The lists follow the desk's priority order; approving by name or up to the quota changes exactly the
rows the desk decides and the workers get the news; flagged ones are held until overridden with a
reason; the quota changes only with a reason; a verifier is refused."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import timedelta
from html import unescape

import httpx
import pytest
from sqlalchemy import select

from bot.desks import quota
from bot.settings import Settings
from conversations.letters import Letter
from conversations.priority import Candidate, in_priority_order
from db.models import AuditEntry, QuotaChange, Registration, RegistrationEvent
from db.repositories import contacts
from tests.conftest import FixedClock
from tests.review_support import nik_for, seed_registration
from tests.telegram_support import fake_server
from tests.web_support import DeskServer, browser_page, csrf_of, desk_server, screenshot

ADMIN = 601
VERIFIER = 602
MEDONO = "33.75.01.1002"
APPROVED_NEWS = "sudah DISETUJUI"
WAITING_NEWS = "DAFTAR TUNGGU"


@pytest.fixture
async def desk(settings: Settings, clock: FixedClock) -> AsyncIterator[DeskServer]:
    async with fake_server() as fake, desk_server(settings, fake, clock) as server:
        yield server


@dataclass(frozen=True, slots=True)
class Worker:
    """A registration to seed: its worker's Telegram chat, priorities, age, status and flags."""

    chat: int
    breadwinner: bool = False
    dtsen: str = "no"
    days_ago: int = 30
    status: str = "verified"
    flags: tuple[str, ...] = ()


async def seed(desk: DeskServer, *workers: Worker) -> list[int]:
    """The registrations, as the registration flow stores them, each by its worker on the fake Telegram;
    the registration numbers in the order given. Its name is `Pekerja <chat>`."""
    jaring, now = desk.jaring, desk.clock()
    ids = []
    async with jaring.store.transaction() as session:
        for worker in workers:
            contact = await contacts.get_or_create_contact(session, "telegram", str(worker.chat), now)
            row = await seed_registration(
                session,
                jaring.cipher,
                jaring.programme,
                serial=worker.chat,
                registrant=contact,
                breadwinner=worker.breadwinner,
                dtsen=worker.dtsen,
                created_at=now - timedelta(days=worker.days_ago),
                status=worker.status,
            )
            row.flags = list(worker.flags)
            ids.append(row.id)
    return ids


async def set_places(desk: DeskServer, places: int) -> None:
    async with desk.jaring.store.transaction() as session:
        post: list[Letter] = []
        await quota.change_quota(session, post, desk.jaring.programme, places, now=desk.clock(), actor="test")
        assert not post  # nothing on the waiting list to move up when the tests set it


async def statuses(desk: DeskServer) -> dict[int, tuple[str, int | None]]:
    async with desk.jaring.store.transaction() as session:
        rows = (await session.execute(select(Registration))).scalars()
        return {row.id: (row.status, row.quota_year) for row in rows}


def names_in(html: str, caption: str) -> list[str]:
    """The names (row headers) of the table with this caption, top to bottom."""
    table = html.split(f"<caption>{caption}</caption>", 1)[1].split("</table>", 1)[0]
    return [unescape(re.sub(r"<[^>]+>", "", cell)).strip() for cell in re.findall(r'<th scope="row">(.*?)</th>', table)]


async def news_for(desk: DeskServer, chat: int, words: str) -> None:
    await desk.fake.wait_for(lambda: any(words in sent.text for sent in desk.fake.sent_to(chat)), f"{words} to {chat}")


def got_news(desk: DeskServer, chat: int) -> bool:
    return bool(desk.fake.sent_to(chat))


async def approve(client: httpx.AsyncClient, **fields: str | list[str]) -> httpx.Response:
    page = await client.get("/persetujuan")
    return await client.post("/persetujuan/setujui", data={"csrf": csrf_of(page.text), **fields})


# ---- the lists --------------------------------------------------------------------------------------------


async def test_the_lists_show_names_in_the_desks_priority_order_with_the_flags_in_words(desk: DeskServer) -> None:
    await desk.officer(ADMIN)
    workers = (
        Worker(701, days_ago=40),
        Worker(702, breadwinner=True, days_ago=20),
        Worker(703, breadwinner=True, dtsen="yes", days_ago=10),
        Worker(704, dtsen="yes", days_ago=30),
        Worker(705, days_ago=50, flags=("not_resident",)),
        Worker(706, days_ago=5, status="waiting_list"),
        Worker(707, breadwinner=True, days_ago=1, status="waiting_list"),
    )
    await set_places(desk, 10)
    ids = await seed(desk, *workers)
    verified = [
        Candidate(i, w.breadwinner, w.dtsen, (desk.clock() - timedelta(days=w.days_ago)).date())
        for i, w in zip(ids, workers, strict=True)
        if w.status == "verified"
    ]
    name_of = {i: f"Pekerja {w.chat}" for i, w in zip(ids, workers, strict=True)}
    expected = [name_of[c.id] for c in in_priority_order(verified, ("breadwinner", "extremely_poor"))]
    assert expected == ["Pekerja 703", "Pekerja 704", "Pekerja 702", "Pekerja 705", "Pekerja 701"]
    async with desk.client(ADMIN) as client:
        page = await client.get("/persetujuan")
    assert page.status_code == 200
    assert names_in(page.text, "Menunggu persetujuan, menurut urutan prioritas") == expected
    assert names_in(page.text, "Daftar tunggu, menurut urutan prioritas") == ["Pekerja 707", "Pekerja 706"]
    assert "KTP bukan warga daerah ini." in page.text  # Pekerja 705's flag, in plain words
    assert f'name="pilih" value="{ids[4]}"' not in page.text  # a flagged one is not ticked: overridden with a reason
    assert f"/persetujuan/kecualikan/{ids[4]}" in page.text
    assert all(nik_for(w.chat) not in page.text for w in workers)  # no NIK on the lists
    async with desk.jaring.store.transaction() as session:
        viewed = (await session.execute(select(AuditEntry).where(AuditEntry.action == "web.viewed"))).scalars().all()
    assert [entry.detail["page"] for entry in viewed] == ["approval.overview"]
    assert set(viewed[0].detail["shown"].split(",")) == {str(i) for i in ids}


async def test_a_long_list_is_paged_in_order(desk: DeskServer) -> None:
    await desk.officer(ADMIN)
    await seed(desk, *(Worker(800 + n, days_ago=60 - n) for n in range(25)))
    async with desk.client(ADMIN) as client:
        first = await client.get("/persetujuan")
        second = await client.get("/persetujuan?v=20&t=0&k=0")
    caption = "Menunggu persetujuan, menurut urutan prioritas"
    assert names_in(first.text, caption) == [f"Pekerja {800 + n}" for n in range(20)]
    assert names_in(second.text, caption) == [f"Pekerja {800 + n}" for n in range(20, 25)]
    assert "Nomor urut 21 sampai 25 dari 25" in second.text
    assert 'href="?v=0&amp;t=0&amp;k=0#verified"' in second.text  # back to the first page


# ---- approving --------------------------------------------------------------------------------------------


async def test_approving_two_chosen_by_name_approves_exactly_those_and_tells_their_workers(
    desk: DeskServer,
) -> None:
    await desk.officer(ADMIN)
    ids = await seed(desk, Worker(711), Worker(712), Worker(713, breadwinner=True), Worker(714))
    await set_places(desk, 10)
    chosen = [str(ids[1]), str(ids[3])]
    async with desk.client(ADMIN) as client:
        confirm = await client.get("/persetujuan/konfirmasi", params={"cara": "pilih", "pilih": chosen})
        assert confirm.status_code == 200
        assert names_in(confirm.text, "Yang Anda pilih, menurut urutan prioritas") == ["Pekerja 712", "Pekerja 714"]
        assert {status for status, _ in (await statuses(desk)).values()} == {"verified"}  # asked, not done
        done = await client.post(
            "/persetujuan/setujui", data={"csrf": csrf_of(confirm.text), "cara": "pilih", "pilih": chosen}
        )
        assert done.status_code == 303
        assert re.fullmatch(r"/dinas/persetujuan/hasil/\d+", done.headers["location"])
        result = await client.get(done.headers["location"].removeprefix("/dinas"))
        assert (await client.get("/persetujuan/hasil/999999")).status_code == 404
    assert "2 nama yang dipilih." in result.text
    assert re.search(r"<dt>Disetujui</dt><dd>2</dd>", result.text)
    now = await statuses(desk)
    assert [now[i] for i in ids] == [("verified", None), ("approved", 2026), ("verified", None), ("approved", 2026)]
    await news_for(desk, 712, APPROVED_NEWS)
    await news_for(desk, 714, APPROVED_NEWS)
    assert not got_news(desk, 711)
    assert not got_news(desk, 713)
    async with desk.jaring.store.transaction() as session:
        entry = (await session.execute(select(AuditEntry).where(AuditEntry.action == "quota.approved"))).scalar_one()
    assert entry.detail["selected"] == ",".join(chosen)
    assert entry.detail["by"] == f"telegram:{ADMIN}"


async def test_approving_all_stops_at_the_quota_and_the_rest_go_on_the_waiting_list(desk: DeskServer) -> None:
    await desk.officer(ADMIN)
    ids = await seed(desk, Worker(721, days_ago=9), Worker(722, dtsen="yes"), Worker(723, days_ago=8), Worker(724))
    await set_places(desk, 2)
    async with desk.client(ADMIN) as client:
        overview = await client.get("/persetujuan")
        shown = names_in(overview.text, "Menunggu persetujuan, menurut urutan prioritas")
        confirm = await client.get("/persetujuan/konfirmasi", params={"cara": "semua"})
        assert "Sampai 2 orang akan disetujui" in confirm.text
        done = await client.post("/persetujuan/setujui", data={"csrf": csrf_of(confirm.text), "cara": "semua"})
        result = await client.get(done.headers["location"].removeprefix("/dinas"))
        history = await client.get("/persetujuan/kuota")
    assert re.search(r"<dt>Disetujui</dt><dd>2</dd>", result.text)
    assert re.search(r"<dt>Masuk daftar tunggu</dt><dd>2</dd>", result.text)
    assert "terpakai 2 dari 2 tempat" in result.text
    now = await statuses(desk)
    by_name = {f"Pekerja {721 + n}": now[i] for n, i in enumerate(ids)}
    assert [by_name[name] for name in shown] == [("approved", 2026)] * 2 + [("waiting_list", None)] * 2
    for name, news in zip(shown, (APPROVED_NEWS, APPROVED_NEWS, WAITING_NEWS, WAITING_NEWS), strict=True):
        await news_for(desk, int(name.removeprefix("Pekerja ")), news)
    assert "semua sampai kuota" in history.text  # the approval is in the history


async def test_a_flagged_one_is_held_until_an_admin_overrides_it_with_a_reason(desk: DeskServer) -> None:
    await desk.officer(ADMIN)
    flagged, plain = await seed(desk, Worker(731, flags=("not_resident",)), Worker(732))
    await set_places(desk, 5)
    async with desk.client(ADMIN) as client:
        everyone = await client.get("/persetujuan/konfirmasi", params={"cara": "semua"})
        assert "Ditahan, tidak ikut disetujui (1 orang)" in everyone.text
        assert "KTP bukan warga daerah ini." in everyone.text
        done = await approve(client, cara="pilih", pilih=[str(flagged), str(plain)])
        result = await client.get(done.headers["location"].removeprefix("/dinas"))
        assert re.search(r"<dt>Ditahan</dt><dd>1</dd>", result.text)
        assert "KTP bukan warga daerah ini." in result.text
        assert (await statuses(desk))[flagged] == ("verified", None)
        assert (await client.get(f"/persetujuan/kecualikan/{plain}")).status_code == 404  # not flagged (any more)
        form = await client.get(f"/persetujuan/kecualikan/{flagged}")
        csrf = csrf_of(form.text)
        short = await client.post(
            f"/persetujuan/kecualikan/{flagged}", data={"csrf": csrf, "alasan": "ok", "yakin": "ya"}
        )
        assert short.status_code == 400
        assert "Tulis alasannya, paling sedikit 5 huruf" in short.text
        reason = "Sudah dicek ke kelurahan: KTP baru pindah"
        unsure = await client.post(f"/persetujuan/kecualikan/{flagged}", data={"csrf": csrf, "alasan": reason})
        assert unsure.status_code == 400
        assert "Centang kotak" in unsure.text
        assert f">{reason}</textarea>" in unsure.text  # what was typed is kept
        assert (await statuses(desk))[flagged] == ("verified", None)
        sure = await client.post(
            f"/persetujuan/kecualikan/{flagged}", data={"csrf": csrf, "alasan": reason, "yakin": "ya"}
        )
        assert sure.status_code == 303
        assert (
            "Sudah disetujui dengan alasan Anda"
            in (await client.get(sure.headers["location"].removeprefix("/dinas"))).text
        )
    assert (await statuses(desk))[flagged] == ("approved", 2026)
    await news_for(desk, 731, APPROVED_NEWS)
    async with desk.jaring.store.transaction() as session:
        event = (
            await session.execute(
                select(RegistrationEvent).where(
                    RegistrationEvent.registration_id == flagged, RegistrationEvent.status == "approved"
                )
            )
        ).scalar_one()
        override = (
            await session.execute(select(AuditEntry).where(AuditEntry.action == "registration.flags_overridden"))
        ).scalar_one()
    assert event.reason == reason
    assert override.detail["flags"] == "not_resident"


# ---- the quota --------------------------------------------------------------------------------------------


async def test_the_quota_changes_only_with_a_reason_confirmed_and_the_waiting_list_moves_up(
    desk: DeskServer,
) -> None:
    await desk.officer(ADMIN)
    await set_places(desk, 1)
    first, waiting = await seed(desk, Worker(741, status="approved"), Worker(742, status="waiting_list"))
    async with desk.jaring.store.transaction() as session:
        (await session.get(Registration, first)).quota_year = 2026  # type: ignore[union-attr]
    async with desk.client(ADMIN) as client:
        page = await client.get("/persetujuan/kuota")
        csrf = csrf_of(page.text)
        no_reason = await client.post("/persetujuan/kuota", data={"csrf": csrf, "tempat": "2.700", "alasan": ""})
        assert no_reason.status_code == 400
        assert "Tulis alasan perubahan kuota" in no_reason.text
        assert 'value="2.700"' in no_reason.text  # what was typed is kept
        words = await client.post("/persetujuan/kuota", data={"csrf": csrf, "tempat": "banyak", "alasan": "APBD-P"})
        assert "Jumlah tempat harus angka" in words.text
        assert ">APBD-P</textarea>" in words.text
        below = await client.post("/persetujuan/kuota", data={"csrf": csrf, "tempat": "0", "alasan": "APBD-P"})
        assert "Tulis 1 atau lebih" in below.text
        reason = "APBD Perubahan menambah anggaran"
        check = await client.post("/persetujuan/kuota", data={"csrf": csrf, "tempat": "2.700", "alasan": reason})
        assert check.status_code == 200
        assert "diubah dari 1 menjadi 2.700 tempat?" in check.text
        async with desk.jaring.store.transaction() as session:
            assert len((await session.execute(select(QuotaChange))).scalars().all()) == 1  # asked, not done
        again = await client.post(
            "/persetujuan/kuota/simpan", data={"csrf": csrf, "tempat": "2.700", "alasan": reason, "jawab": "ubah"}
        )
        assert 'value="2.700"' in again.text
        assert "Tulis alasan" not in again.text
        saved = await client.post(
            "/persetujuan/kuota/simpan", data={"csrf": csrf, "tempat": "2.700", "alasan": reason, "jawab": "ya"}
        )
        assert saved.status_code == 303
        history = await client.get(saved.headers["location"].removeprefix("/dinas"))
    assert "Kuota sudah diubah" in history.text
    changes = history.text.split("<caption>Perubahan kuota", 1)[1].split("</table>", 1)[0]
    assert reason in changes
    assert ">2.700</td>" in changes
    assert f"telegram:{ADMIN}" in changes
    async with desk.jaring.store.transaction() as session:
        newest = (await session.execute(select(QuotaChange).order_by(QuotaChange.id.desc()))).scalars().first()
    assert newest is not None
    assert (newest.places, newest.reason) == (2700, reason)
    assert (await statuses(desk))[waiting] == ("approved", 2026)  # the waiting list moved up
    await news_for(desk, 742, APPROVED_NEWS)


# ---- who may ----------------------------------------------------------------------------------------------


async def test_a_verifier_is_refused_and_nothing_changes(desk: DeskServer) -> None:
    await desk.officer(VERIFIER, "verifier", MEDONO)
    ids = await seed(desk, Worker(751))
    await set_places(desk, 5)
    async with desk.client(VERIFIER) as client:
        home = await client.get("/")
        for path in ("/persetujuan", "/persetujuan/kuota", "/persetujuan/konfirmasi?cara=semua"):
            assert (await client.get(path)).status_code == 403, path
        refused = await client.post(
            "/persetujuan/setujui", data={"csrf": csrf_of(home.text), "cara": "pilih", "pilih": str(ids[0])}
        )
        assert refused.status_code == 403
        quota_refused = await client.post(
            "/persetujuan/kuota/simpan",
            data={"csrf": csrf_of(home.text), "tempat": "9", "alasan": "coba", "jawab": "ya"},
        )
        assert quota_refused.status_code == 403
    assert (await statuses(desk))[ids[0]] == ("verified", None)
    async with desk.jaring.store.transaction() as session:
        assert [c.places for c in (await session.execute(select(QuotaChange))).scalars()] == [5]


# ---- in a real browser -------------------------------------------------------------------------------------


async def test_an_admin_approves_two_by_name_and_changes_the_quota_in_a_browser(desk: DeskServer) -> None:
    await desk.officer(ADMIN)
    await set_places(desk, 2)
    ids = await seed(
        desk,
        Worker(761, breadwinner=True, dtsen="yes"),
        Worker(762),
        Worker(763, flags=("already_participant",)),
        Worker(764, status="waiting_list"),
    )
    link = await desk.link_from_chat(ADMIN)
    async with browser_page() as page:
        await page.goto(link)
        await page.get_by_role("button", name="Masuk").click()
        await page.wait_for_url(f"{desk.url}/")
        await page.get_by_role("link", name="Persetujuan").first.click()
        await page.wait_for_url(f"{desk.url}/persetujuan")
        await screenshot(page, "approval-overview")
        await page.get_by_label("Pekerja 761").check()
        await page.get_by_label("Pekerja 762").check()
        await page.get_by_role("button", name="Setujui yang dipilih…").click()
        await page.wait_for_url(re.compile(r".*/persetujuan/konfirmasi\?.*"))
        assert await page.get_by_role("heading", level=1).inner_text() == "Setujui nama yang dipilih?"
        await screenshot(page, "approval-confirm")
        await page.get_by_role("button", name="Ya, setujui").click()
        await page.wait_for_url(re.compile(r".*/persetujuan/hasil/\d+"))
        assert "2 nama yang dipilih." in await page.content()
        await screenshot(page, "approval-result")
        await page.get_by_role("link", name="Lihat riwayat").click()
        await page.get_by_label("Kuota baru tahun 2026").fill("4")
        await page.get_by_label("Alasan perubahan").fill("APBD Perubahan menambah anggaran")
        await page.get_by_role("button", name="Periksa dulu…").click()
        await page.get_by_role("button", name="Ya, ubah kuota").click()
        await page.wait_for_url(re.compile(r".*/persetujuan/kuota\?pesan=.*"))
        changes = await page.get_by_role("table", name="Perubahan kuota tahun 2026, yang terbaru di atas").inner_text()
        assert "APBD Perubahan menambah anggaran" in changes
        await screenshot(page, "approval-quota")
    now = await statuses(desk)
    assert [now[i] for i in ids] == [
        ("approved", 2026),
        ("approved", 2026),
        ("verified", None),  # flagged: not chosen, and never moved up without an override
        ("approved", 2026),  # moved up from the waiting list into the new places
    ]
    await news_for(desk, 762, APPROVED_NEWS)
    await news_for(desk, 764, APPROVED_NEWS)
