"""Benchmark: one announcement to 100 000 contacts through `jaring serve`, against the fake Telegram
Bot API and Graph API servers, with failures injected; then the same with the process killed
(SIGKILL) halfway and started again.

What runs: a SQLite file (or a scratch PostgreSQL database) seeded with N contacts, half on Telegram
and half on WhatsApp (of those, half wrote within 24 hours, half need the template), 1% opted out,
and one Dinas admin on Telegram who writes the announcement. The real `jaring serve` runs as a child
process (so it can be killed for real) with both channels pointed at the fakes, which run on threads
of this process. The broadcast is recorded as the admin's chat records it (audience: everyone who has
talked to the bot) and `jaring serve`'s broadcast runner starts it.

Injected: Telegram answers 429 (retry_after 1 s) to one sendMessage in 5 000 and 403 (blocked) for
0.5% of the chats; WhatsApp answers 130429 (slow down) to one send in 5 000, 503 (transient) to one
in 2 000, 131026 (undeliverable) for 0.5% of the numbers and 131051 for 0.1%.

What it prints, per run: the rate achieved per channel against the configured limit (messages the
fake accepted ÷ the time from the first to the last of them), duplicates (a person who received the
announcement more than once), losses (a person who should have received it and did not), how every
outbox row ended, the progress messages the admin got, and with --kill the messages in flight when
the process died (rows `sending`), how many of those the fakes had already accepted (the most that can
arrive twice: the rest had not been sent yet), and how long after the restart the new process had taken
over every one of them (each row no longer under the dead process's lease).

    uv run python -m bench.broadcast_delivery                       # 100 000 contacts, both runs
    uv run python -m bench.broadcast_delivery --contacts 10000 --rate 100
    uv run python -m bench.broadcast_delivery --only kill
    uv run python -m bench.broadcast_delivery --database-url postgresql+asyncpg://postgres@127.0.0.1:5432/test
"""

from __future__ import annotations

import argparse
import asyncio
import collections
import contextlib
import os
import platform
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import AsyncIterator, Mapping
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

from cryptography.fernet import Fernet
from sqlalchemy import func, insert, select, text
from starlette.responses import JSONResponse

from bench.server_thread import ServerInThread
from bot.settings import PROJECT_DIR
from db import migrate
from db.connection import Store
from db.models import Broadcast, Contact, OutboxMessage, RoleGrant
from db.repositories import broadcasts
from tests import fake_telegram, fake_whatsapp
from tests.fake_telegram import FakeTelegram
from tests.fake_whatsapp import FakeGraph

__all__ = ["main"]

ANNOUNCEMENT = "Pengumuman Dinas: pendaftaran pekerja rentan tahap 2 dibuka sampai 30 November. Balas MENU."
ADMIN_CHAT = 9_999_999
TEMPLATE = "jaring_pemberitahuan"


# ---- the fakes, with failures injected ------------------------------------------------------------


class BenchTelegram(FakeTelegram):
    """The fake Bot API, blocking some chats and asking to slow down now and then."""

    def __init__(self, blocked: set[int], every_429: int) -> None:
        super().__init__()
        self.blocked = blocked
        self.every_429 = every_429
        self._sends = 0

    def _fault(self, method: str, params: Mapping[str, Any]) -> JSONResponse | None:
        if method != "sendMessage":
            return super()._fault(method, params)
        self._sends += 1
        if int(params.get("chat_id", 0)) in self.blocked:
            return fake_telegram._error(403, "Forbidden: bot was blocked by the user")
        if self._sends % self.every_429 == 0:
            return fake_telegram._error(429, "Too Many Requests: retry after 1", parameters={"retry_after": 1})
        return None


@dataclass(frozen=True, slots=True)
class _GraphFault:
    code: int
    http_status: int
    message: str


class BenchGraph(FakeGraph):
    """The fake Graph API, with undeliverable numbers, slow-downs and transient errors."""

    def __init__(self, undeliverable: set[str], unsupported: set[str], every_slow: int, every_503: int) -> None:
        super().__init__()
        self.undeliverable = undeliverable
        self.unsupported = unsupported
        self.every_slow = every_slow
        self.every_503 = every_503
        self._sends = 0

    def _fault(self, to: str) -> Any:
        self._sends += 1
        if to in self.undeliverable:
            return _GraphFault(131026, 400, "Message undeliverable")
        if to in self.unsupported:
            return _GraphFault(131051, 400, "Unsupported message type")
        if self._sends % self.every_slow == 0:
            return _GraphFault(130429, 429, "Rate limit hit")
        if self._sends % self.every_503 == 0:
            return _GraphFault(2, 503, "Service temporarily unavailable")
        return None


# ---- the people -------------------------------------------------------------------------------------


@dataclass(frozen=True, slots=True)
class People:
    telegram: list[int]
    whatsapp: list[str]
    opted_out: set[str]  # channel ids
    blocked: set[int]
    undeliverable: set[str]
    unsupported: set[str]

    @property
    def expected_telegram(self) -> set[int]:
        return {c for c in self.telegram if str(c) not in self.opted_out and c not in self.blocked}

    @property
    def expected_whatsapp(self) -> set[str]:
        gone = self.opted_out | self.undeliverable | self.unsupported
        return {c for c in self.whatsapp if c not in gone}


def make_people(contacts: int) -> People:
    telegram = [10_000_000 + n for n in range(contacts // 2)]
    whatsapp = [f"62812{n:08d}" for n in range(contacts - contacts // 2)]
    opted_out = {str(c) for c in telegram[7::100]} | set(whatsapp[7::100])
    return People(
        telegram=telegram,
        whatsapp=whatsapp,
        opted_out=opted_out,
        blocked=set(telegram[3::200]),
        undeliverable=set(whatsapp[3::200]),
        unsupported=set(whatsapp[5::1000]),
    )


async def seed(store: Store, people: People, now: datetime) -> int:
    """The contacts, and the admin; the admin's contact id."""
    await migrate.ensure_current(store.engine)
    rows: list[dict[str, Any]] = []
    for n, chat in enumerate(people.telegram):
        rows.append(_contact("telegram", str(chat), now - timedelta(days=n % 30), str(chat) in people.opted_out, now))
    for n, number in enumerate(people.whatsapp):
        wrote = now - timedelta(hours=2) if n % 2 == 0 else now - timedelta(days=3)
        rows.append(_contact("whatsapp", number, wrote, number in people.opted_out, now))
    async with store.transaction() as session:
        for start in range(0, len(rows), 5_000):
            await session.execute(insert(Contact), rows[start : start + 5_000])
        admin = Contact(channel="telegram", channel_id=str(ADMIN_CHAT), language="id", created_at=now)
        admin.last_inbound_at = now
        session.add(admin)
        await session.flush()
        session.add(RoleGrant(contact_id=admin.id, role="admin", granted_by="bench", granted_at=now))
        return admin.id


def _contact(channel: str, channel_id: str, wrote: datetime, opted_out: bool, now: datetime) -> dict[str, Any]:
    return {
        "channel": channel,
        "channel_id": channel_id,
        "language": "id",
        "opted_out": opted_out,
        "unreachable": False,
        "last_inbound_at": wrote,
        "created_at": now,
    }


async def record_broadcast(store: Store, admin_id: int, now: datetime) -> int:
    """The announcement as the admin's chat records it: to everyone, to be sent now."""
    async with store.transaction() as session:
        return await broadcasts.create_broadcast(
            session,
            programme_id="kota_pekalongan_batik_berlian",
            author_contact_id=admin_id,
            author=f"telegram:{ADMIN_CHAT}",
            body=ANNOUNCEMENT,
            audience={"kind": "everyone", "value": ""},
            send_at=now,
            now=now,
        )


# ---- `jaring serve` as a child process ----------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def serve_env(folder: Path, database_url: str, telegram: FakeTelegram, graph: FakeGraph, rate: float) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "WHATSAPP_", "JARING_"))}
    env.update(
        {
            "JARING_DATA_DIR": str(folder),
            "JARING_SECRET_KEY": Fernet.generate_key().decode(),
            "JARING_PORT": str(free_port()),
            "JARING_LOG_LEVEL": "WARNING",
            "DATABASE_URL": database_url,
            "TELEGRAM_BOT_TOKEN": telegram.token,
            "TELEGRAM_API_BASE": telegram.url,
            "TELEGRAM_MESSAGES_PER_SECOND": str(rate),
            "WHATSAPP_TOKEN": graph.token,
            "WHATSAPP_PHONE_NUMBER_ID": graph.phone_number_id,
            "WHATSAPP_APP_SECRET": fake_whatsapp.APP_SECRET,
            "WHATSAPP_VERIFY_TOKEN": fake_whatsapp.VERIFY_TOKEN,
            "WHATSAPP_API_BASE": graph.api_base,
            "WHATSAPP_TEMPLATE_NAME": TEMPLATE,
            "WHATSAPP_MESSAGES_PER_SECOND": str(rate),
        }
    )
    return env


def start_serve(env: Mapping[str, str], log: Path) -> subprocess.Popen[bytes]:
    command = [sys.executable, "-c", "import sys; from bot.cli import main; sys.exit(main(['serve']))"]
    with log.open("ab") as out:
        return subprocess.Popen(command, env=dict(env), cwd=PROJECT_DIR, stdout=out, stderr=subprocess.STDOUT)


# ---- watching --------------------------------------------------------------------------------------------


@dataclass(slots=True)
class Receipts:
    """What each fake accepted, read on the fakes' own threads."""

    telegram: collections.Counter[int]
    whatsapp: collections.Counter[str]
    telegram_times: list[float]
    whatsapp_times: list[float]
    admin_texts: list[str]


def receipts(telegram: FakeTelegram, graph: FakeGraph) -> Receipts:
    tg = [m for m in telegram.state.messages if m.text == ANNOUNCEMENT]
    wa = [s for s in graph.sent if ANNOUNCEMENT in str(s.body)]
    tg_times = [
        c.at
        for c in telegram.calls
        if c.method == "sendMessage" and c.status == 200 and c.params["text"] == ANNOUNCEMENT
    ]
    wa_times = [c.at for c in graph.calls if c.status == 200 and ANNOUNCEMENT in str(c.body)]
    admin = [m.text for m in telegram.state.messages if m.chat_id == ADMIN_CHAT]
    admin += [str(c.params.get("text", "")) for c in telegram.calls if c.method == "editMessageText"]
    return Receipts(
        collections.Counter(m.chat_id for m in tg),
        collections.Counter(s.to for s in wa),
        tg_times,
        wa_times,
        admin,
    )


async def outbox_states(store: Store, broadcast_id: int) -> dict[str, int]:
    async with store.transaction() as session:
        rows = await session.execute(
            select(OutboxMessage.status, func.count())
            .where(OutboxMessage.broadcast_id == broadcast_id)
            .group_by(OutboxMessage.status)
        )
        return {str(status): int(count) for status, count in rows.all()}


async def broadcast_status(store: Store, broadcast_id: int) -> str:
    async with store.transaction() as session:
        row = await session.get(Broadcast, broadcast_id)
        return row.status if row is not None else "missing"


# ---- one run ---------------------------------------------------------------------------------------------


@dataclass(slots=True)
class Outcome:
    seconds: float
    receipts: Receipts
    states: dict[str, int]
    in_flight_at_kill: int | None
    accepted_in_flight: int | None = None  # of those, already accepted by the fakes when the process died
    takeover_seconds: float | None = None  # from the restart until none was under the dead process's lease


@dataclass(frozen=True, slots=True)
class Held:
    id: int
    channel: str
    recipient: str
    lease_until: datetime | None


async def held_rows(store: Store, broadcast_id: int) -> list[Held]:
    async with store.transaction() as session:
        rows = await session.execute(
            select(OutboxMessage.id, OutboxMessage.channel, OutboxMessage.recipient, OutboxMessage.lease_until).where(
                OutboxMessage.broadcast_id == broadcast_id, OutboxMessage.status == "sending"
            )
        )
        return [Held(*row) for row in rows.all()]


async def still_held(store: Store, held: list[Held]) -> int:
    """How many of `held` are still `sending` under the lease they had when the process died."""
    if not held:
        return 0
    leases = {row.id: row.lease_until for row in held}
    async with store.transaction() as session:
        rows = await session.execute(
            select(OutboxMessage.id, OutboxMessage.status, OutboxMessage.lease_until).where(
                OutboxMessage.id.in_(leases)
            )
        )
        return sum(1 for id_, status, lease in rows.all() if status == "sending" and lease == leases[id_])


def accepted_among(telegram: FakeTelegram, graph: FakeGraph, held: list[Held]) -> int:
    got = receipts(telegram, graph)
    return sum(
        1
        for row in held
        if (row.channel == "telegram" and got.telegram[int(row.recipient)])
        or (row.channel == "whatsapp" and got.whatsapp[row.recipient])
    )


@contextlib.asynccontextmanager
async def scratch_database(database_url: str | None, folder: Path) -> AsyncIterator[str]:
    if not database_url:
        yield f"sqlite+aiosqlite:///{folder / 'jaring.db'}"
        return
    name = f"jaring_bench_{os.getpid()}_{int(time.time())}"
    admin = Store.from_url(database_url)
    async with admin.engine.connect() as connection:
        await connection.execution_options(isolation_level="AUTOCOMMIT")
        await connection.execute(text(f'CREATE DATABASE "{name}"'))
    try:
        yield database_url.rsplit("/", 1)[0] + "/" + name
    finally:
        async with admin.engine.connect() as connection:
            await connection.execution_options(isolation_level="AUTOCOMMIT")
            await connection.execute(text(f'DROP DATABASE IF EXISTS "{name}" WITH (FORCE)'))
        await admin.close()


async def one_run(people: People, rate: float, kill_at: float | None, database_url: str | None) -> Outcome:
    expected = len(people.expected_telegram) + len(people.expected_whatsapp)
    with (
        tempfile.TemporaryDirectory(prefix="jaring-bench-") as name,
        ServerInThread(lambda: BenchTelegram(people.blocked, every_429=5_000)) as tg_server,
        ServerInThread(lambda: BenchGraph(people.undeliverable, people.unsupported, 5_000, 2_000)) as wa_server,
    ):
        folder = Path(name)
        async with scratch_database(database_url, folder) as url:
            store = Store.from_url(url)
            now = datetime.now(UTC)
            admin_id = await seed(store, people, now)
            env = serve_env(folder, url, tg_server.fake, wa_server.fake, rate)
            log = folder / "serve.log"
            started = time.monotonic()
            process = start_serve(env, log)
            broadcast_id = await record_broadcast(store, admin_id, now)
            in_flight: int | None = None
            accepted: int | None = None
            takeover: float | None = None
            try:
                if kill_at is not None:
                    while _delivered(tg_server.fake, wa_server.fake) < kill_at * expected:
                        await _check_alive(process, log)
                        await asyncio.sleep(0.05)
                    process.send_signal(signal.SIGKILL)
                    process.wait()
                    held = await held_rows(store, broadcast_id)
                    in_flight = len(held)
                    accepted = accepted_among(tg_server.fake, wa_server.fake, held)
                    restarted = time.monotonic()
                    process = start_serve(env, log)
                    while await still_held(store, held):
                        await _check_alive(process, log)
                        await asyncio.sleep(0.1)
                    takeover = time.monotonic() - restarted
                while await broadcast_status(store, broadcast_id) != "done":
                    await _check_alive(process, log)
                    await asyncio.sleep(0.5)
                seconds = time.monotonic() - started
            finally:
                process.send_signal(signal.SIGTERM)
                with contextlib.suppress(subprocess.TimeoutExpired):
                    process.wait(timeout=30)
                if process.poll() is None:
                    process.kill()
            states = await outbox_states(store, broadcast_id)
            await store.close()
        got = receipts(tg_server.fake, wa_server.fake)
    return Outcome(seconds, got, states, in_flight, accepted, takeover)


def _delivered(telegram: FakeTelegram, graph: FakeGraph) -> int:
    return len(telegram.state.messages) + len(graph.sent)


async def _check_alive(process: subprocess.Popen[bytes], log: Path) -> None:
    if process.poll() is not None:
        tail = await asyncio.to_thread(log.read_text)
        raise RuntimeError(f"jaring serve exited with {process.returncode}:\n{tail[-3000:]}")


# ---- reporting ---------------------------------------------------------------------------------------------


def report(title: str, people: People, rate: float, outcome: Outcome) -> None:
    got = outcome.receipts
    print(f"\n{title}: {outcome.seconds:.1f} s until the broadcast was done")
    for channel, times, expected, counts in (
        ("telegram", got.telegram_times, people.expected_telegram | {ADMIN_CHAT}, got.telegram),
        ("whatsapp", got.whatsapp_times, people.expected_whatsapp, got.whatsapp),
    ):
        span = (max(times) - min(times)) if len(times) > 1 else 0.0
        achieved = (len(times) - 1) / span if span else 0.0
        duplicates = sum(1 for n in counts.values() if n > 1)
        lost = len({str(k) for k in expected} - {str(k) for k in counts})
        buckets = collections.Counter(int((t - min(times)) // 10) for t in times) if times else collections.Counter()
        print(
            f"  {channel}: {len(times)} accepted in {span:.1f} s = {achieved:.1f}/s of {rate:g}/s configured "
            f"({100 * achieved / rate:.1f}%); expected {len(expected)}, duplicates {duplicates}, lost {lost}"
        )
        print("    per 10 s: " + " ".join(str(buckets[n]) for n in range(max(buckets, default=-1) + 1)))
    print("  outbox rows: " + ", ".join(f"{status} {count}" for status, count in sorted(outcome.states.items())))
    print(f"  admin: {len(got.admin_texts)} progress/report messages or edits; last: {got.admin_texts[-1:]!r}")
    if outcome.in_flight_at_kill is not None:
        print(
            f"  SIGKILL: {outcome.in_flight_at_kill} message(s) in flight (outbox rows `sending`) when killed, "
            f"{outcome.accepted_in_flight} of them already accepted by the fakes (the most that can arrive twice); "
            f"all taken over {outcome.takeover_seconds:.1f} s after the restart"
        )


async def run(contacts: int, rate: float, only: str | None, database_url: str | None) -> None:
    print(
        f"python {platform.python_version()} on {platform.machine()}, {os.cpu_count()} CPU(s); "
        f"{'PostgreSQL' if database_url else 'SQLite'}; {contacts} contacts; limit {rate:g}/s per channel"
    )
    people = make_people(contacts)
    if only in (None, "plain"):
        report("without a crash", people, rate, await one_run(people, rate, None, database_url))
    if only in (None, "kill"):
        report("SIGKILL at 50% and restarted", people, rate, await one_run(people, rate, 0.5, database_url))


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0] if __doc__ else None)
    parser.add_argument("--contacts", type=int, default=100_000)
    parser.add_argument("--rate", type=float, default=200.0, help="messages/s allowed per channel")
    parser.add_argument("--only", choices=["plain", "kill"])
    parser.add_argument("--database-url", help="a PostgreSQL server to make a scratch database on")
    args = parser.parse_args()
    asyncio.run(run(args.contacts, args.rate, args.only, args.database_url))


if __name__ == "__main__":
    main()
