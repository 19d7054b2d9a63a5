"""Claim cases and accident reports to follow up on the web desk, for real: `jaring serve` on 127.0.0.1,
an admin signed in through the chat link, cases and reports stored by the real repositories."""

from __future__ import annotations

import re
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import date, timedelta

import pytest
from sqlalchemy import select

from bot.settings import Settings
from db.models import AccidentReport, AuditEntry
from db.repositories import accident_reports, claim_cases, contacts
from tests.conftest import FixedClock
from tests.review_support import MEDONO, nik_for, seed_registration
from tests.telegram_support import fake_server
from tests.web_support import DeskServer, browser_page, csrf_of, desk_server, screenshot

ADMIN = 721
VERIFIER = 722
HEIR = 723
OTHER_HEIR = 724
REPORTER = 725
UNREGISTERED_NIK = "3375011007800003"
_SIDEWAYS = "() => document.documentElement.scrollWidth - window.innerWidth"
DOCUMENTS = ["kartu_peserta", "akta_kematian", "kartu_keluarga"]


@dataclass(frozen=True, slots=True)
class Seeded:
    idle_10_days: int  # linked to Pekerja 1
    idle_2_days: int  # linked to Pekerja 2
    idle_5_days: int  # not linked, a KPJ only
    paid: int  # closed: not to follow up
    report_old: int  # new, about an unregistered NIK
    report_followed: int  # followed up already
    report_recent: int  # new, about Pekerja 1


@pytest.fixture
async def desk(settings: Settings, clock: FixedClock) -> AsyncIterator[DeskServer]:
    async with fake_server() as fake, desk_server(settings, fake, clock) as server:
        yield server


def _case(programme_id: str, heir: int, registration: int | None, **data: object) -> dict[str, object]:
    case: dict[str, object] = {"status": "collecting", "cause": "illness", "died_on": "2026-11-01"}
    case.update({"relationship": "spouse", "children": 0, "documents": DOCUMENTS, "collected": [], **data})
    status = str(case["status"])
    return {
        "programme_id": programme_id,
        "contact_id": heir,
        "registration_id": registration,
        "data": case,
        "status": status,
    }


def _report(
    programme_id: str, reporter: int, registration: int | None, *, days_ago: int, **fields: object
) -> dict[str, object]:
    return {
        "programme_id": programme_id,
        "registration_id": registration,
        "nik_cipher": None,
        "kpj": None,
        "what": "Jatuh dari perancah",
        "place": "Proyek ruko Jl. Hayam Wuruk",
        "occurred_on": date(2026, 11, 21) - timedelta(days=days_ago),
        "occurred_time": "09:30",
        "treated_at": "RSUD Bendan",
        "reporter_contact_id": reporter,
        "reporter_phone": "081234567890",
        "relation": "coworker",
        **fields,
    }


async def _seed(desk: DeskServer, clock: FixedClock) -> Seeded:
    jaring, now = desk.jaring, clock()
    programme = jaring.programme.id
    async with jaring.store.transaction() as session:
        first = await seed_registration(session, jaring.cipher, jaring.programme, serial=1, status="active")
        second = await seed_registration(session, jaring.cipher, jaring.programme, serial=2, status="active")
        heir = await contacts.get_or_create_contact(session, "telegram", str(HEIR), now)
        other = await contacts.get_or_create_contact(session, "telegram", str(OTHER_HEIR), now)
        reporter = await contacts.get_or_create_contact(session, "telegram", str(REPORTER), now)

        async def case(days_ago: int, fields: dict[str, object]) -> int:
            return (await claim_cases.add_case(session, fields, now - timedelta(days=days_ago))).id

        async def report(days_ago: int, fields: dict[str, object]) -> int:
            return (
                await accident_reports.add_report(session, {**fields, "created_at": now - timedelta(days=days_ago)})
            ).id

        collected = {"collected": ["kartu_peserta"], "pending": ["akta_kematian"]}
        seeded = Seeded(
            idle_2_days=await case(2, _case(programme, heir.id, second.id, **collected)),
            idle_10_days=await case(10, _case(programme, heir.id, first.id, coverage="covered")),
            idle_5_days=await case(5, _case(programme, other.id, None, kpj="12345678901", status="ready")),
            paid=await case(30, _case(programme, other.id, second.id, status="paid")),
            report_recent=await report(1, _report(programme, reporter.id, first.id, days_ago=1)),
            report_followed=await report(20, _report(programme, reporter.id, None, days_ago=20)),
            report_old=await report(
                6,
                _report(programme, reporter.id, None, days_ago=6, nik_cipher=jaring.cipher.encrypt(UNREGISTERED_NIK)),
            ),
        )
        followed = await session.get(AccidentReport, seeded.report_followed)
        assert followed is not None
        followed.status = accident_reports.FOLLOWED_UP
    return seeded


async def _audited(desk: DeskServer, action: str) -> list[AuditEntry]:
    async with desk.jaring.store.transaction() as session:
        statement = select(AuditEntry).where(AuditEntry.action == action).order_by(AuditEntry.id)
        return list((await session.execute(statement)).scalars())


def _order(html: str, what: str) -> list[int]:
    return [int(n) for n in re.findall(rf'href="/dinas/kasus/{what}/(\d+)"', html)]


async def test_the_lists_are_ordered_by_idle_time_and_show_masked_niks_only(
    desk: DeskServer, clock: FixedClock
) -> None:
    seeded = await _seed(desk, clock)
    await desk.officer(ADMIN)
    async with desk.client(ADMIN) as client:
        page = await client.get("/kasus")
    assert page.status_code == 200
    html = page.text
    # Open claims only, the longest idle first; the paid one is done.
    assert _order(html, "klaim") == [seeded.idle_10_days, seeded.idle_5_days, seeded.idle_2_days]
    assert "Klaim 1 sampai 3 dari 3" in html
    assert "10 hari tanpa kegiatan" in html
    assert "1 dari 3 siap" in html
    assert "dokumen lengkap, belum diajukan" in html  # the status in words
    assert "Pekerja 1" in html
    assert f"telegram:{HEIR}" in html
    # Reports: those not followed up first, the oldest first.
    assert _order(html, "kecelakaan") == [seeded.report_old, seeded.report_recent, seeded.report_followed]
    assert "belum ditindaklanjuti" in html
    assert "oleh telegram:725 (Teman kerja / kelompok)" in html
    # NIKs masked, never in full.
    assert "NIK 3375••••••••0001" in html
    assert "NIK 3375••••••••0003" in html  # the reporter's NIK of an unregistered worker
    for nik in (nik_for(1), nik_for(2), UNREGISTERED_NIK):
        assert nik not in html
    assert [e.detail["page"] for e in await _audited(desk, "web.viewed")] == ["cases"]


async def test_a_claim_case_page_shows_the_checklist_and_its_view_is_audited(
    desk: DeskServer, clock: FixedClock
) -> None:
    seeded = await _seed(desk, clock)
    await desk.officer(ADMIN)
    async with desk.client(ADMIN) as client:
        page = await client.get(f"/kasus/klaim/{seeded.idle_2_days}")
        missing = await client.get("/kasus/klaim/999999")
        huge = await client.get("/kasus/klaim/99999999999999999999")
    assert page.status_code == 200
    html = page.text
    assert "Klaim ahli waris #" in html
    assert "Pekerja 2" in html
    assert "NIK 3375••••••••0002" in html
    assert nik_for(2) not in html
    assert "Dokumen klaim: 1 dari 3 siap" in html
    assert re.search(r"Kartu[^<]*</th>\s*<td><span class=\"badge ok\">sudah ada", html)
    assert re.search(r"Akta kematian</th>\s*<td><span class=\"badge warn\">belum ada<", html)
    assert re.search(r"Kartu Keluarga</th>\s*<td><span class=\"badge warn\">belum ditanyakan<", html)
    assert "Suami/istri" in html
    assert "Sakit atau sebab lain" in html
    assert (missing.status_code, huge.status_code) == (404, 404)
    viewed = await _audited(desk, "web.viewed")
    assert [(e.subject, e.detail["page"]) for e in viewed] == [(f"claim:{seeded.idle_2_days}", "cases.claim")]


async def test_an_accident_report_is_followed_up_only_once_confirmed(desk: DeskServer, clock: FixedClock) -> None:
    seeded = await _seed(desk, clock)
    await desk.officer(ADMIN)
    path = f"/kasus/kecelakaan/{seeded.report_recent}"
    async with desk.client(ADMIN) as client:
        page = await client.get(path)
        assert "Pekerja 1" in page.text
        assert "Jatuh dari perancah" in page.text
        assert "RSUD Bendan" in page.text
        unconfirmed = await client.post(f"{path}/tindak-lanjut", data={"csrf": csrf_of(page.text)})
        assert unconfirmed.status_code == 400
        assert "Centang kotak" in unconfirmed.text
        assert await _status(desk, seeded.report_recent) == "new"
        done = await client.post(f"{path}/tindak-lanjut", data={"csrf": csrf_of(page.text), "konfirmasi": "yakin"})
        assert done.status_code == 303
        assert done.headers["location"] == f"/dinas{path}?pesan=web.cases.followed_up"
        after = await client.get(f"{path}?pesan=web.cases.followed_up")
        assert "Laporan sudah ditandai: sudah ditindaklanjuti." in after.text
        assert "tindak-lanjut" not in after.text  # nothing more to mark
        again = await client.post(f"{path}/tindak-lanjut", data={"csrf": csrf_of(page.text), "konfirmasi": "yakin"})
        assert again.headers["location"] == f"/dinas{path}?pesan=web.cases.already_followed_up"
        assert (await client.get("/kasus/kecelakaan/424242")).status_code == 404
    assert await _status(desk, seeded.report_recent) == "followed_up"
    marked = await _audited(desk, "accident.followed_up")
    assert [e.subject for e in marked] == [f"accident:{seeded.report_recent}"]
    assert [e.detail["page"] for e in await _audited(desk, "web.viewed")] == ["cases.accident"] * 3


async def _status(desk: DeskServer, report_id: int) -> str:
    async with desk.jaring.store.transaction() as session:
        report = await session.get(AccidentReport, report_id)
        assert report is not None
        return report.status


async def test_a_verifier_gets_403_and_nothing_is_shown_or_changed(desk: DeskServer, clock: FixedClock) -> None:
    seeded = await _seed(desk, clock)
    await desk.officer(VERIFIER, "verifier", MEDONO)
    async with desk.client(VERIFIER) as client:
        home = await client.get("/")
        for path in ("/kasus", f"/kasus/klaim/{seeded.idle_2_days}", f"/kasus/kecelakaan/{seeded.report_old}"):
            refused = await client.get(path)
            assert refused.status_code == 403, path
            assert "Pekerja" not in refused.text
        marked = await client.post(
            f"/kasus/kecelakaan/{seeded.report_old}/tindak-lanjut",
            data={"csrf": csrf_of(home.text), "konfirmasi": "yakin"},
        )
    assert marked.status_code == 403
    assert await _status(desk, seeded.report_old) == "new"
    assert await _audited(desk, "web.viewed") == []


async def test_an_admin_opens_an_idle_claim_case_and_an_accident_report_in_a_real_browser(
    desk: DeskServer, clock: FixedClock
) -> None:
    seeded = await _seed(desk, clock)
    await desk.officer(ADMIN)
    link = await desk.link_from_chat(ADMIN)
    async with browser_page() as page:
        await page.goto(link)
        await page.get_by_role("button", name="Masuk").click()
        await page.wait_for_url(f"{desk.url}/")
        await page.get_by_role("navigation").get_by_role("link", name="Klaim & kecelakaan").click()
        await page.wait_for_url(f"{desk.url}/kasus")
        await screenshot(page, "cases")
        first_claim = page.get_by_role("table", name="Klaim ahli waris yang masih berjalan").get_by_role("link").first
        assert await first_claim.inner_text() == f"Klaim #{seeded.idle_10_days}"  # the longest idle
        await first_claim.click()
        await page.wait_for_url(f"{desk.url}/kasus/klaim/{seeded.idle_10_days}")
        assert "Pekerja 1" in await page.content()
        await screenshot(page, "cases-claim")
        await page.get_by_role("link", name="Kembali ke daftar").click()
        await page.get_by_role("link", name=f"Laporan #{seeded.report_old}").click()
        await page.wait_for_url(f"{desk.url}/kasus/kecelakaan/{seeded.report_old}")
        await page.get_by_label("Ya, laporan ini sudah ditindaklanjuti oleh Dinas.").check()
        await screenshot(page, "cases-accident")
        await page.get_by_role("button", name="Simpan: sudah ditindaklanjuti").click()
        await page.wait_for_url(re.compile(r".*pesan=web\.cases\.followed_up$"))
        assert "sudah ditindaklanjuti" in await page.get_by_role("status").inner_text()
        # On a phone the page does not scroll sideways: the wide tables scroll inside their box.
        await page.set_viewport_size({"width": 390, "height": 844})
        for path in ("/kasus", f"/kasus/klaim/{seeded.idle_10_days}", f"/kasus/kecelakaan/{seeded.report_recent}"):
            await page.goto(desk.url + path)
            assert await page.evaluate(_SIDEWAYS) <= 0, path
    assert await _status(desk, seeded.report_old) == "followed_up"
