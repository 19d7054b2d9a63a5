"""The Dinas desk's pages under load: each page's server time with 10.000 registrations and 100 officers
at once (issue 17: p99 ≤ 200 ms).

What runs: a database seeded through the real repositories (10.000 registrations across the region's
kelurahan in every status, a quota, broadcasts, claim cases, accident reports, unanswered questions),
100 officers (admins and kelurahan verifiers) signed in through the real sign-in desk, then the real
`jaring serve` **in a process of its own** (Telegram pointed at a fake Bot API in this process), and 100
HTTP clients here, one per officer, each opening its role's pages one after another for `--rounds`
rounds, all officers at once.

What it prints, per page: requests, errors (must be 0), the server's own time (the `Server-Timing`
header the desk sets around each page: from the request reaching the page to its answer being ready)
p50 / p99, and the round trip seen by the client p50 / p99 (it adds queueing in uvicorn and the
client's share of the same 2 cores); then the server process's peak RSS.

    uv run python -m bench.web_desk                 # SQLite
    uv run python -m bench.web_desk --database-url postgresql+asyncpg://postgres@127.0.0.1:5432/test
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import os
import random
import re
import subprocess
import sys
import tempfile
import time
import uuid
from collections.abc import AsyncIterator, Sequence
from dataclasses import dataclass, field
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

import asyncpg
import httpx
from cryptography.fernet import Fernet
from sqlalchemy.engine import make_url

from bench.server_thread import ServerInThread
from bot.app import open_jaring
from bot.desks.web_sign_in import sign_in
from bot.settings import load_settings
from db.models import AccidentReport, Broadcast, ClaimCase, UnansweredQuestion
from db.repositories import contacts, quotas, registrations, roles, web_sign_ins
from tests.fake_telegram import FakeTelegram

NOW = datetime.now(UTC)  # the server runs on the real clock: sessions and dates are made around it
JOBS = ("buruh_batik", "tukang_becak", "kuli_bangunan", "pedagang_keliling", "marbot", "penggali_kubur")
# Of 10.000: how many in each status (the rest approved).
STATUSES = {"submitted": 900, "corrected": 100, "verified": 800, "waiting_list": 500, "rejected": 300, "active": 4000}
_SERVER_TIMING = re.compile(r"app;dur=([0-9.]+)")


@dataclass(frozen=True, slots=True)
class Page:
    name: str
    path: str  # under /dinas; "{id}" is a registration the officer may open
    admin_only: bool = True


# Every page an officer opens at their desk (GET): the queue and one registration for every officer,
# the rest for admins.
PAGES: tuple[Page, ...] = (
    Page("beranda", "/", admin_only=False),
    Page("verifikasi", "/verifikasi", admin_only=False),
    Page("cari nama", "/verifikasi?cari=PEKERJA+12", admin_only=False),
    Page("cari NIK 4 angka", "/verifikasi?cari=4567", admin_only=False),
    Page("satu pendaftaran", "/verifikasi/{id}", admin_only=False),
    Page("persetujuan", "/persetujuan"),
    Page("kuota", "/persetujuan/kuota"),
    Page("siaran", "/siaran"),
    Page("siaran baru", "/siaran/baru"),
    Page("satu siaran", "/siaran/1"),
    Page("angka", "/angka"),
    Page("berkas", "/berkas"),
    Page("peran", "/peran"),
    Page("kasus", "/kasus"),
    Page("satu klaim", "/kasus/klaim/1"),
    Page("satu kecelakaan", "/kasus/kecelakaan/1"),
)


@dataclass(slots=True)
class Officer:
    cookie: str
    admin: bool
    registration_id: int  # one waiting in their kelurahan


@dataclass(slots=True)
class Timings:
    server_ms: list[float] = field(default_factory=list)
    round_trip_ms: list[float] = field(default_factory=list)
    errors: dict[int, int] = field(default_factory=dict)  # by HTTP status; 0: no answer at all
    resent: int = 0  # sent again after the connection closed under it, as a browser does


async def seed(settings_env: dict[str, str], officers: int) -> list[Officer]:
    os.environ.update(settings_env)
    settings = load_settings()
    jaring = await open_jaring(settings, lambda: NOW)
    try:
        kelurahan = [k.code for k in jaring.region.all_kelurahan]
        statuses = [status for status, count in STATUSES.items() for _ in range(count)]
        statuses += ["approved"] * (10_000 - len(statuses))
        random.Random(7).shuffle(statuses)
        waiting_in: dict[str, int] = {}
        async with jaring.store.transaction() as session:
            registrant = await contacts.get_or_create_contact(session, "telegram", "9000000", NOW)
            for serial, status in enumerate(statuses, start=1):
                nik = f"3375014506{serial:06d}"
                created = NOW - timedelta(minutes=serial * 7)
                fields = {
                    "programme_id": jaring.programme.id,
                    "nik_cipher": jaring.cipher.encrypt(nik),
                    "nik_hash": jaring.cipher.blind_index(nik),
                    "full_name": f"PEKERJA {serial}",
                    "birth_date": date(1985, 6, 5),
                    "female": serial % 2 == 0,
                    "kelurahan_code": kelurahan[serial % len(kelurahan)],
                    "rt": f"{serial % 12 + 1:03d}",
                    "rw": f"{serial % 6 + 1:03d}",
                    "street": "Jl. Sampangan",
                    "job_type": JOBS[serial % len(JOBS)],
                    "job_text": "",
                    "phone": "6281234567890",
                    "breadwinner": serial % 3 == 0,
                    "poverty_register": "yes" if serial % 4 == 0 else "no",
                    "registrant_contact_id": registrant.id,
                    "consent_via": "self",
                    "consent_notice_version": "bench",
                    "consent_recorded_at": created,
                }
                row = await registrations.add_registration(session, fields, None, created)
                row.status = status
                if status in ("approved", "active"):
                    row.quota_year = 2026
                if status == "active":
                    row.kpj = f"{serial:011d}"
                    row.coverage_start = date(2026, 3, 1)
                if status == "submitted":
                    waiting_in.setdefault(row.kelurahan_code, row.id)
            await quotas.record_quota_change(
                session, jaring.programme.id, 2026, 11_000, actor="bench", actor_contact_id=None, reason="APBD", now=NOW
            )
            for number in range(20):
                session.add(
                    Broadcast(
                        programme_id=jaring.programme.id,
                        author="bench",
                        body=f"Pengumuman {number}",
                        audience={"kind": "everyone", "value": ""},
                        status="done",
                        send_at=NOW - timedelta(days=number),
                        recipients=4_400,
                        created_at=NOW - timedelta(days=number),
                    )
                )
            for number in range(200):
                session.add(
                    ClaimCase(
                        programme_id=jaring.programme.id,
                        contact_id=registrant.id,
                        data={},
                        status="collecting",
                        created_at=NOW - timedelta(days=number),
                        updated_at=NOW - timedelta(days=number),
                    )
                )
                session.add(
                    AccidentReport(
                        programme_id=jaring.programme.id,
                        what="Jatuh dari becak",
                        place="Jl. Sampangan",
                        occurred_on=date(2026, 11, 1),
                        treated_at="RSUD Bendan",
                        reporter_phone="6281234567890",
                        relation="self",
                        created_at=NOW - timedelta(days=number),
                    )
                )
                session.add(
                    UnansweredQuestion(text=f"pertanyaan {number}", language="id", asked_in="menu", created_at=NOW)
                )
        signed_in: list[Officer] = []
        codes = sorted(waiting_in)
        async with jaring.store.transaction() as session:
            for number in range(officers):
                admin = number % 2 == 0
                code = codes[number % len(codes)]
                contact = await contacts.get_or_create_contact(session, "telegram", str(8_000_000 + number), NOW)
                await roles.grant_role(
                    session,
                    contact.id,
                    "admin" if admin else "verifier",
                    granted_by="bench",
                    now=NOW,
                    kelurahan_code=None if admin else code,
                )
                token = uuid.uuid4().hex
                await web_sign_ins.add_link(session, token, contact.id, now=NOW, expires_at=NOW + timedelta(days=400))
                signed = await sign_in(session, token, now=NOW, hours=24)
                assert signed is not None
                signed_in.append(Officer(signed.token, admin, waiting_in[code]))
        return signed_in
    finally:
        await jaring.close()


def percentile(values: Sequence[float], share: float) -> float:
    """Nearest rank."""
    ordered = sorted(values)
    return ordered[max(0, min(len(ordered) - 1, round(share * len(ordered) + 0.5) - 1))]


async def officer_rounds(
    url: str, officer: Officer, rounds: int, timings: dict[str, Timings], *, think_ms: float = 0, seed: int = 0
) -> None:
    """The officer opens their pages one after another, pausing to read each (0 to 2 × `think_ms`)."""
    cookies = {"jaring_desk": officer.cookie}
    pauses = random.Random(seed)
    async with httpx.AsyncClient(base_url=url, cookies=cookies, timeout=60) as client:
        for _ in range(rounds):
            for page in PAGES:
                if page.admin_only and not officer.admin:
                    continue
                await asyncio.sleep(pauses.uniform(0, 2 * think_ms) / 1000)
                path = page.path.replace("{id}", str(officer.registration_id))
                started = time.perf_counter()
                seen = timings.setdefault(page.name, Timings())
                try:
                    answer = await client.get(path)
                except httpx.TransportError:
                    # The server closed the idle kept-alive connection (after 5 s) as this request went out
                    # on it: a browser sends it again on a new connection, and so does this officer.
                    seen.resent += 1
                    try:
                        answer = await client.get(path)
                    except httpx.TransportError:
                        seen.errors[0] = seen.errors.get(0, 0) + 1
                        continue
                took = (time.perf_counter() - started) * 1000
                if answer.status_code != 200 or "Masuk ke Meja Dinas" in answer.text:
                    seen.errors[answer.status_code] = seen.errors.get(answer.status_code, 0) + 1
                    continue
                seen.round_trip_ms.append(took)
                found = _SERVER_TIMING.search(answer.headers.get("server-timing", ""))
                if found:
                    seen.server_ms.append(float(found.group(1)))


@contextlib.asynccontextmanager
async def scratch_database(url: str | None) -> AsyncIterator[str | None]:
    if url is None:
        yield None
        return
    parsed = make_url(url)
    name = f"jaring_bench_{uuid.uuid4().hex[:8]}"
    admin = await asyncpg.connect(
        host=parsed.host, port=parsed.port or 5432, user=parsed.username, database=parsed.database
    )
    await admin.execute(f'CREATE DATABASE "{name}"')
    try:
        yield parsed.set(database=name).render_as_string(hide_password=False)
    finally:
        await admin.execute(f'DROP DATABASE "{name}" WITH (FORCE)')
        await admin.close()


def server_peak_rss_mb(pid: int) -> float:
    for line in Path(f"/proc/{pid}/status").read_text().splitlines():
        if line.startswith("VmHWM:"):
            return int(line.split()[1]) / 1024
    return 0.0


async def wait_until_serving(url: str, process: subprocess.Popen[bytes]) -> None:
    async with httpx.AsyncClient(timeout=2) as client:
        for _ in range(300):
            if process.poll() is not None:
                raise RuntimeError("jaring serve stopped at start")
            with contextlib.suppress(httpx.HTTPError):
                if (await client.get(f"{url}/healthz")).status_code == 200:
                    return
            await asyncio.sleep(0.1)
    raise RuntimeError("jaring serve did not start")


async def run(options: argparse.Namespace) -> int:
    with tempfile.TemporaryDirectory(prefix="jaring-bench-desk-") as folder, ServerInThread(FakeTelegram) as fake:
        async with scratch_database(options.database_url) as database_url:
            port = options.port
            env = {
                "JARING_DATA_DIR": folder,
                "JARING_SECRET_KEY": Fernet.generate_key().decode(),
                "TELEGRAM_BOT_TOKEN": fake.fake.token,
                "TELEGRAM_API_BASE": fake.fake.url,
                "JARING_PORT": str(port),
                "JARING_WEB_URL": f"http://127.0.0.1:{port}",
                "JARING_LOG_LEVEL": "WARNING",
            }
            if database_url:
                env["DATABASE_URL"] = database_url
            else:
                os.environ.pop("DATABASE_URL", None)
            started = time.perf_counter()
            officers = await seed(env, options.officers)
            print(
                f"seeded 10.000 registrations and {len(officers)} signed-in officers"
                f" in {time.perf_counter() - started:.1f} s"
            )
            process = subprocess.Popen(  # noqa: ASYNC220  # started once, before the load
                [sys.executable, "-m", "bot.cli", "serve"], env={**os.environ, **env}
            )
            try:
                root = f"http://127.0.0.1:{port}"
                await wait_until_serving(root, process)
                timings: dict[str, Timings] = {}
                # One warm round for a handful, so the first requests' imports are not counted.
                await asyncio.gather(*(officer_rounds(f"{root}/dinas", o, 1, {}) for o in officers[:4]))
                started = time.perf_counter()
                await asyncio.gather(
                    *(
                        officer_rounds(f"{root}/dinas", o, options.rounds, timings, think_ms=options.think_ms, seed=n)
                        for n, o in enumerate(officers)
                    )
                )
                elapsed = time.perf_counter() - started
                peak = server_peak_rss_mb(process.pid)
            finally:
                process.terminate()
                process.wait(timeout=30)
    report(options, timings, elapsed, peak)
    return 1 if any(t.errors for t in timings.values()) else 0


def report(options: argparse.Namespace, timings: dict[str, Timings], elapsed: float, peak: float) -> None:
    database = "PostgreSQL" if options.database_url else "SQLite"
    total = sum(len(t.round_trip_ms) for t in timings.values())
    print(
        f"web desk, {database}: {options.officers} officers at once, {options.rounds} rounds,"
        f" reading {options.think_ms / 1000:.1f} s a page on average,"
        f" {total} pages in {elapsed:.1f} s ({total / elapsed:.0f} pages/s)"
    )
    print(f"{'page':<18}{'requests':>9}{'errors':>8}   server p50 / p99 ms   round trip p50 / p99 ms")
    for page in PAGES:
        seen = timings.get(page.name)
        if seen is None or not seen.round_trip_ms:
            print(f"{page.name:<18}{0:>9}{sum(seen.errors.values()) if seen else 0:>8}")
            continue
        server = seen.server_ms or [0.0]
        print(
            f"{page.name:<18}{len(seen.round_trip_ms):>9}{sum(seen.errors.values()):>8}"
            f"   {percentile(server, 0.5):>8.1f} / {percentile(server, 0.99):>6.1f}"
            f"        {percentile(seen.round_trip_ms, 0.5):>8.1f} / {percentile(seen.round_trip_ms, 0.99):>6.1f}"
        )
    statuses: dict[int, int] = {}
    for seen in timings.values():
        for status, count in seen.errors.items():
            statuses[status] = statuses.get(status, 0) + count
    resent = sum(seen.resent for seen in timings.values())
    print(f"requests sent again on a new connection (the old one closed idle under them): {resent}")
    if statuses:  # 200 here is the sign-in page: the session was not taken
        print("errors by HTTP status: " + ", ".join(f"{status}: {count}" for status, count in sorted(statuses.items())))
    print(f"server peak RSS {peak:.1f} MB")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description="Each web desk page's server time under 100 officers at once.")
    parser.add_argument("--officers", type=int, default=100)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--port", type=int, default=18_765)
    parser.add_argument(
        "--think-ms",
        type=float,
        default=5_000,
        help="each officer's mean pause to read a page (0 to twice this); 0: flat out, the desk's capacity",
    )
    parser.add_argument("--database-url", default=None, help="a PostgreSQL server (a scratch database is made there)")
    return asyncio.run(run(parser.parse_args(argv)))


if __name__ == "__main__":
    sys.exit(main())
