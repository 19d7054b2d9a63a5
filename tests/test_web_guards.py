"""What guards the web desk beyond each area's own tests: the desks refuse a verifier's admin requests
themselves (not only the pages), whatever a worker typed is shown as text, and a form the desk cannot
read is refused with a page that says so, changing nothing."""

from __future__ import annotations

from collections.abc import AsyncIterator
from typing import Any

import httpx
import pytest
from sqlalchemy import func, select

from bot.app import Jaring
from bot.settings import Settings
from conversations.requests.base import Request, RoleRefused
from conversations.requests.casework import (
    ListAccidentFollowUps,
    ListClaimFollowUps,
    MarkAccidentFollowedUp,
    OpenAccidentFollowUp,
    OpenClaimFollowUp,
    OpenRoleHolder,
)
from conversations.requests.export import DownloadEnrolment, ImportKpj, ImportParticipants
from conversations.requests.figures import OnlyForAdmins, ShowFiguresOverTime
from conversations.requests.quota import ApproveSelected, ListForApproval, QuotaHistory
from db.models import AuditEntry, Registration
from tests.conftest import FixedClock
from tests.review_support import MEDONO, person, seed_registration
from tests.telegram_support import fake_server
from tests.web_support import DeskServer, csrf_of, desk_server

VERIFIER = 701
ADMIN_ONLY: list[Request[Any]] = [
    ApproveSelected((1,)),
    ListForApproval(),
    QuotaHistory(),
    ShowFiguresOverTime(2026),
    DownloadEnrolment("all", "csv"),
    ImportKpj(b"NIK;KPJ;TMT\n", "csv"),
    ImportParticipants(b"NIK\n", "csv"),
    OpenRoleHolder(1),
    ListClaimFollowUps(),
    OpenClaimFollowUp(1),
    ListAccidentFollowUps(),
    OpenAccidentFollowUp(1),
    MarkAccidentFollowedUp(1),
]


@pytest.mark.parametrize("request_", ADMIN_ONLY, ids=lambda r: type(r).__name__)
async def test_each_new_admin_request_is_refused_to_a_verifier_by_the_desk_itself(
    jaring: Jaring, clock: FixedClock, request_: Request[Any]
) -> None:
    async with jaring.store.transaction() as session:
        verifier = await person(session, "verifikator", clock(), ("verifier", MEDONO))
        await seed_registration(session, jaring.cipher, jaring.programme, serial=1, status="verified")
        answer = await jaring.pipeline.answerer.answer(session, verifier, request_, clock())
    assert isinstance(answer, RoleRefused | OnlyForAdmins)
    async with jaring.store.transaction() as session:
        row = (await session.execute(select(Registration))).scalar_one()
        assert row.status == "verified"  # nothing approved


@pytest.fixture
async def desk(settings: Settings, clock: FixedClock) -> AsyncIterator[DeskServer]:
    async with fake_server() as fake, desk_server(settings, fake, clock) as server:
        yield server


async def test_what_a_worker_typed_is_shown_as_text_never_as_markup(desk: DeskServer) -> None:
    hostile = '<script>alert("x")</script> & "Siti"'
    async with desk.jaring.store.transaction() as session:
        row = await seed_registration(session, desk.jaring.cipher, desk.jaring.programme, serial=5)
        row.full_name = hostile
        row.street = '<img src=x onerror="alert(1)">'
    await desk.officer(VERIFIER, "verifier", MEDONO)
    async with desk.client(VERIFIER) as client:
        for path in ("/verifikasi", f"/verifikasi/{row.id}", "/verifikasi?cari=script"):
            page = await client.get(path)
            assert page.status_code == 200, path
            assert "<script>alert" not in page.text, path
            assert "&lt;script&gt;alert(&#34;x&#34;)&lt;/script&gt; &amp; &#34;Siti&#34;" in page.text, path
        detail = await client.get(f"/verifikasi/{row.id}")
        assert "<img src=x" not in detail.text
        assert "&lt;img src=x onerror=" in detail.text


async def _audit_count(desk: DeskServer) -> int:
    async with desk.jaring.store.transaction() as session:
        return int((await session.execute(select(func.count()).select_from(AuditEntry))).scalar_one())


async def test_a_form_the_desk_cannot_read_is_refused_with_a_page_and_changes_nothing(desk: DeskServer) -> None:
    await desk.officer(VERIFIER, "verifier", MEDONO)
    async with desk.client(VERIFIER) as client:
        csrf = csrf_of((await client.get("/")).text)
        before = await _audit_count(desk)

        async def chunks() -> AsyncIterator[bytes]:  # no Content-Length: the size cap could not hold
            yield f"csrf={csrf}&".encode()
            yield b"x=" + b"1" * 1000

        chunked = await client.post(
            "/keluar/kirim", content=chunks(), headers={"content-type": "application/x-www-form-urlencoded"}
        )
        assert chunked.status_code == 411
        assert "Formulir ini tidak bisa dibaca" in chunked.text
        two_files = await client.post(
            "/keluar/kirim",
            data={"csrf": csrf},
            files=[("a", ("a.csv", b"1", "text/csv")), ("b", ("b.csv", b"2", "text/csv"))],
        )
        assert two_files.status_code == 400
        assert "Formulir ini tidak bisa dibaca" in two_files.text
        assert two_files.headers["content-security-policy"].startswith("default-src 'none'")
        assert two_files.headers["cache-control"] == "no-store"
        assert "Pekerjaan hari ini" in (await client.get("/")).text  # still signed in: nothing was done
    assert await _audit_count(desk) == before


async def test_signed_out_pages_answer_401_with_the_way_to_sign_in(desk: DeskServer) -> None:
    async with httpx.AsyncClient(base_url=desk.url) as stranger:
        for path in ("/", "/verifikasi", "/persetujuan", "/siaran/1/kemajuan"):
            answer = await stranger.get(path)
            assert answer.status_code == 401, path
            assert "masuk web" in answer.text
            assert answer.headers["cache-control"] == "no-store"
        assert (await stranger.post("/keluar/kirim", data={"csrf": "x"})).status_code == 401
