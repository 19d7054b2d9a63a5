"""Benchmark: 1 000 people each registering through the WhatsApp webhook of a real `jaring serve`.

What runs: `jaring serve` as a child process (uvicorn on 127.0.0.1; with `--workers N`, `jaring serve
--workers N`, N processes sharing one port), WhatsApp pointed at a fake Graph API (tests/fake_whatsapp.py)
that this process hosts, beside the load generator. Each simulated person sends a registration's
messages (privacy consent first, then NIK, name, birth date, kelurahan, RT, RW, street, job, the three
yes/no questions, "kirim") as Meta sends them: JSON payloads signed with the app secret, POSTed to
/webhook/whatsapp. A person sends the next message only once the bot's reply to the previous one has
reached the fake (people read before they answer), all people at once.

Checked, and counted as errors (there must be none): a webhook answered other than 200; a reply missing
(none within `--reply-timeout`) or not the one expected (each turn's replies are recognised by words of
their texts); more replies than a registration gets; a send the fake refused; a registration missing
from the database at the end.

    uv run python -m bench.serve_load                                   # every run, 1 000 people each
    uv run python -m bench.serve_load --only sqlite-1 --only postgresql-2
    uv run python -m bench.serve_load --people 50 --only sqlite-1 --show-one   # a quick look, one transcript
    uv run python -m bench.serve_load --postgres-url postgresql+asyncpg://postgres@127.0.0.1:5432/test
"""

from __future__ import annotations

import argparse
import asyncio
import contextlib
import json
import math
import os
import platform
import signal
import socket
import ssl
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import AsyncIterator, Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from pathlib import Path
from typing import Any

import httpx
from cryptography.fernet import Fernet
from sqlalchemy import func, select
from sqlalchemy.engine import make_url
from starlette.requests import Request
from starlette.responses import JSONResponse

from bench.inbound_path import scratch_postgres
from bot.settings import PROJECT_DIR
from db.connection import Store
from db.models import InboxMessage, OutboxMessage, Process, Registration
from tests import fake_whatsapp
from tests.fake_whatsapp import FakeGraph

__all__ = ["main"]

RUNS: dict[str, tuple[str, int]] = {  # name → (database, workers)
    "sqlite-1": ("sqlite", 1),
    "postgresql-1": ("postgresql", 1),
    "postgresql-2": ("postgresql", 2),
    "postgresql-4": ("postgresql", 4),
}
DEFAULT_POSTGRES = "postgresql+asyncpg://postgres@127.0.0.1:5432/test"
PACING = 5_000.0  # WHATSAPP_MESSAGES_PER_SECOND: far above what the machine reaches, so it never paces
STARTUP_SECONDS = 120.0


# ---- what a person says, and what the bot answers ------------------------------------------------


@dataclass(frozen=True, slots=True)
class Turn:
    """One message and the replies it gets: each reply recognised by words of its text, in order."""

    says: str
    replies: tuple[str, ...]


KELURAHAN = ("medono", "podosugih", "kauman", "tirto", "krapyak", "banyurip", "degayu", "setono", "poncol", "jenggot")
JOBS = ("narik becak", "mbatik", "kuli bangunan", "pedagang keliling", "buruh batik")
FIRST_NAMES = ("Siti", "Budi", "Sri", "Agus", "Dewi", "Joko", "Rina", "Slamet", "Wati", "Bambang", "Nur", "Eko")
LAST_NAMES = ("Aminah", "Santoso", "Rahayu", "Wibowo", "Lestari", "Purnomo", "Handayani", "Saputra", "Wiryo")


def person_number(index: int) -> str:
    return f"62857{index:08d}"


def registration(index: int) -> list[Turn]:
    """Person `index`'s registration: a valid Kota Pekalongan NIK whose birth date (and sex) agrees with
    the date typed, a name, a kelurahan typed by name and confirmed, a job in their own words. On
    WhatsApp the bot knows the number, so it does not ask for a phone."""
    female = index % 2 == 0
    born = date(1970 + index % 30, 1 + index % 12, 1 + index % 28)
    day = born.day + (40 if female else 0)
    nik = f"3375{1 + index % 4:02d}{day:02d}{born.month:02d}{born.year % 100:02d}{1 + index // 120:04d}"
    name = f"{FIRST_NAMES[index % len(FIRST_NAMES)]} {LAST_NAMES[(index // 12) % len(LAST_NAMES)]}"
    return [
        Turn("daftar", ("Pemberitahuan privasi", "Apakah Anda setuju")),  # one reply, in two parts
        Turn("setuju", ("Persetujuan Anda sudah dicatat", "Siapkan KTP", "Tulis NIK Anda")),
        Turn(nik, ("nama lengkap",)),
        Turn(name, ("Tanggal lahir",)),
        Turn(born.strftime("%d-%m-%Y"), ("Di kelurahan mana",)),
        Turn(KELURAHAN[index % len(KELURAHAN)], ("Maksud Anda Kelurahan",)),
        Turn("ya", ("Nomor RT",)),
        Turn(str(1 + index % 9), ("Nomor RW",)),
        Turn(str(1 + index % 7), ("Nama jalan",)),
        Turn(f"Gg. Kenanga {1 + index % 50}", ("Apa pekerjaan Anda",)),
        Turn(JOBS[index % len(JOBS)], ("tulang punggung keluarga",)),
        Turn("ya", ("DTSEN",)),
        Turn("tidak" if index % 3 else "ya", ("sudah menjadi peserta BPJS",)),
        Turn("tidak", ("Periksa data berikut",)),
        Turn("kirim", ("Pendaftaran terkirim",)),
    ]


# ---- the fake Graph API, telling each person of their replies ------------------------------------


@dataclass(slots=True)
class Person:
    index: int
    number: str
    turns: list[Turn]
    received: list[tuple[float, str]] = field(default_factory=list)  # (perf_counter at the fake, text)
    arrived: asyncio.Event = field(default_factory=asyncio.Event)
    done: bool = False


class LoadGraph(FakeGraph):
    """The fake Graph API, handing each accepted message to the person it is for."""

    def __init__(self, people: Mapping[str, Person]) -> None:
        super().__init__()
        self.people = people
        self.refused: Counter[str] = Counter()  # sends the fake refused (a WhatsApp limit broken), by reason
        self.strangers = 0

    def _answer(self, request: Request, body: dict[str, Any], authorization: str) -> JSONResponse:
        answer = super()._answer(request, body, authorization)
        if answer.status_code != 200:
            self.refused[bytes(answer.body).decode(errors="replace")[:160]] += 1
            return answer
        sent = self.sent[-1]
        person = self.people.get(sent.to)
        if person is None:
            self.strangers += 1
        else:
            person.received.append((time.perf_counter(), sent.text))
            person.arrived.set()
        return answer


# ---- the load ----------------------------------------------------------------------------------------


@dataclass(slots=True)
class Tally:
    latencies: list[float] = field(default_factory=list)  # POST sent → the turn's last reply at the fake
    answers: list[float] = field(default_factory=list)  # POST sent → its 200 (the message stored and handled)
    after_answer: list[float] = field(default_factory=list)  # its 200 → the turn's last reply at the fake
    messages: int = 0
    non_200: Counter[int] = field(default_factory=Counter)
    missing: int = 0  # a turn whose replies did not all come
    wrong: int = 0  # a reply that was not the one expected
    completed: int = 0
    first_errors: list[str] = field(default_factory=list)

    def error(self, what: str) -> None:
        if len(self.first_errors) < 5:
            self.first_errors.append(what)


class Webhook:
    """POSTs signed payloads as Meta does, over `connections` kept-alive connections: each a client of
    its own (httpx's pool walks every connection it holds on every request, bench/whatsapp_throughput.py)."""

    def __init__(self, url: str, fake: FakeGraph, connections: int) -> None:
        self.url = url
        self.fake = fake
        tls = ssl.create_default_context()  # one for all: each client would load the CA certificates again
        self.clients: asyncio.Queue[httpx.AsyncClient] = asyncio.Queue()
        for _ in range(connections):
            self.clients.put_nowait(httpx.AsyncClient(timeout=120, limits=httpx.Limits(max_connections=1), verify=tls))

    async def post(self, number: str, text: str) -> tuple[float, float, int]:
        """(perf_counter when the POST went out, when its answer came, the HTTP status)."""
        body = json.dumps(self.fake.text(number, text), separators=(",", ":")).encode()
        headers = {"Content-Type": "application/json", "X-Hub-Signature-256": self.fake.signature(body)}
        client = await self.clients.get()
        try:
            sent = time.perf_counter()
            try:
                response = await client.post(self.url, content=body, headers=headers)
            except httpx.HTTPError:
                return sent, time.perf_counter(), 0
            return sent, time.perf_counter(), response.status_code
        finally:
            self.clients.put_nowait(client)

    async def close(self) -> None:
        while not self.clients.empty():
            await self.clients.get_nowait().aclose()


async def converse(person: Person, webhook: Webhook, tally: Tally, reply_timeout: float) -> None:
    seen = 0
    for number, turn in enumerate(person.turns):
        person.arrived.clear()
        sent, answered, status = await webhook.post(person.number, turn.says)
        tally.messages += 1
        tally.answers.append(answered - sent)
        if status != 200:
            tally.non_200[status] += 1
            tally.error(f"person {person.index} turn {number}: webhook answered {status}")
            return
        deadline = time.monotonic() + reply_timeout
        while not _has(person.received[seen:], turn.replies[-1]):
            left = deadline - time.monotonic()
            if left <= 0:
                tally.missing += 1
                got = [text[:60] for _, text in person.received[seen:]]
                tally.error(f"person {person.index} turn {number} ({turn.says!r}): no {turn.replies[-1]!r}; got {got}")
                return
            person.arrived.clear()
            with contextlib.suppress(TimeoutError):
                await asyncio.wait_for(person.arrived.wait(), left)
        replies = person.received[seen:]
        last = next(i for i, (_, text) in enumerate(replies) if turn.replies[-1] in text)
        turn_replies = replies[: last + 1]
        if not _as_expected([text for _, text in turn_replies], turn.replies):
            tally.wrong += 1
            tally.error(f"person {person.index} turn {number}: {[t[:60] for _, t in turn_replies]}")
            return
        tally.latencies.append(turn_replies[-1][0] - sent)
        tally.after_answer.append(turn_replies[-1][0] - answered)
        seen += len(turn_replies)
    person.done = True
    tally.completed += 1


def _has(replies: Sequence[tuple[float, str]], words: str) -> bool:
    return any(words in text for _, text in replies)


def _as_expected(texts: Sequence[str], expected: Sequence[str]) -> bool:
    """One message per expected piece of text, each holding its words, nothing else. (A reply too long
    for one WhatsApp message arrives in parts: the turns list each part.)"""
    return len(texts) == len(expected) and all(words in text for text, words in zip(texts, expected, strict=True))


# ---- `jaring serve` ----------------------------------------------------------------------------------


def free_port() -> int:
    with socket.socket() as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def serve_env(folder: Path, database_url: str, graph: FakeGraph, port: int) -> dict[str, str]:
    env = {k: v for k, v in os.environ.items() if not k.startswith(("TELEGRAM_", "WHATSAPP_", "JARING_"))}
    env.pop("DATABASE_URL", None)
    env.update(
        {
            "JARING_DATA_DIR": str(folder),
            "JARING_SECRET_KEY": Fernet.generate_key().decode(),
            "JARING_PORT": str(port),
            "JARING_LOG_LEVEL": "WARNING",
            "DATABASE_URL": database_url,
            "WHATSAPP_TOKEN": graph.token,
            "WHATSAPP_PHONE_NUMBER_ID": graph.phone_number_id,
            "WHATSAPP_APP_SECRET": fake_whatsapp.APP_SECRET,
            "WHATSAPP_VERIFY_TOKEN": fake_whatsapp.VERIFY_TOKEN,
            "WHATSAPP_API_BASE": graph.api_base,
            "WHATSAPP_MESSAGES_PER_SECOND": str(PACING),
        }
    )
    return env


def start_serve(env: Mapping[str, str], workers: int, log: Path) -> subprocess.Popen[bytes]:
    arguments = ["serve"] if workers == 1 else ["serve", "--workers", str(workers)]
    command = [sys.executable, "-c", f"import sys; from bot.cli import main; sys.exit(main({arguments!r}))"]
    with log.open("ab") as out:
        return subprocess.Popen(command, env=dict(env), cwd=PROJECT_DIR, stdout=out, stderr=subprocess.STDOUT)


def children_of(pid: int) -> list[int]:
    found = []
    for entry in Path("/proc").iterdir():
        if not entry.name.isdigit():
            continue
        with contextlib.suppress(OSError):
            stat = (entry / "stat").read_text()
            if int(stat[stat.rfind(")") + 2 :].split()[1]) == pid:
                found.append(int(entry.name))
    return found


def cpu_seconds(pid: int) -> float | None:
    """User + system CPU time the process has used so far, or None when it is gone."""
    with contextlib.suppress(OSError, ValueError, IndexError):
        stat = Path(f"/proc/{pid}/stat").read_text()
        fields = stat[stat.rfind(")") + 2 :].split()
        return (int(fields[11]) + int(fields[12])) / os.sysconf("SC_CLK_TCK")  # fields 14 and 15
    return None


def peak_rss_mb(pid: int) -> float | None:
    """The process's peak resident memory (VmHWM), or None when it is gone."""
    with contextlib.suppress(OSError):
        for line in Path(f"/proc/{pid}/status").read_text().splitlines():
            if line.startswith("VmHWM:"):
                return int(line.split()[1]) / 1024
    return None


class Peaks:
    """The peak memory and CPU time of the serving processes, looked at every second (a worker that died
    and was started again keeps its figures): the parent, and each child process when there are workers."""

    def __init__(self, parent: int) -> None:
        self.parent = parent
        self.by_pid: dict[int, float] = {}
        self.cpu_by_pid: dict[int, float] = {}

    def look(self) -> None:
        for pid in [self.parent, *children_of(self.parent)]:
            mb, cpu = peak_rss_mb(pid), cpu_seconds(pid)
            if mb is not None:
                self.by_pid[pid] = max(mb, self.by_pid.get(pid, 0.0))
            if cpu is not None:
                self.cpu_by_pid[pid] = cpu

    async def watch(self) -> None:
        while True:
            await asyncio.to_thread(self.look)
            await asyncio.sleep(1.0)


async def until_serving(url: str, process: subprocess.Popen[bytes], store: Store, workers: int, log: Path) -> None:
    """/healthz answers and every worker has recorded itself (a `processes` row not stopped)."""
    deadline = time.monotonic() + STARTUP_SECONDS
    async with httpx.AsyncClient(timeout=5) as client:
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"jaring serve exited with {process.returncode}:\n{await _tail(log)}")
            if time.monotonic() > deadline:
                raise RuntimeError(f"jaring serve not ready after {STARTUP_SECONDS:g} s:\n{await _tail(log)}")
            with contextlib.suppress(httpx.HTTPError, OSError):
                if (await client.get(url)).status_code == 200 and await live_processes(store) >= workers:
                    return
            await asyncio.sleep(0.2)


async def _tail(log: Path) -> str:
    return (await asyncio.to_thread(log.read_text, errors="replace"))[-3000:]


async def live_processes(store: Store) -> int:
    async with store.transaction() as session:
        statement = select(func.count()).select_from(Process).where(Process.stopped_at.is_(None))
        return int((await session.execute(statement)).scalar_one())


def stop(process: subprocess.Popen[bytes]) -> None:
    if process.poll() is None:
        process.send_signal(signal.SIGTERM)
        with contextlib.suppress(subprocess.TimeoutExpired):
            process.wait(timeout=30)
    if process.poll() is None:
        process.kill()
        process.wait()


# ---- one run -------------------------------------------------------------------------------------


@dataclass(slots=True)
class Outcome:
    name: str
    people: int
    seconds: float
    tally: Tally
    refused: Counter[str]
    extra_replies: int
    registrations: int
    inbox_failed: int
    outbox_open: int
    outbox_retried: int  # delivered at a later attempt
    cpu_during_load: dict[int, float]  # pid → CPU seconds it used from the first POST to the last reply
    peaks: dict[int, float]
    parent: int
    log_errors: int
    log_tracebacks: int
    log_warnings: Counter[str]  # by what they say (bench/serve_load._gist)
    first_transcript: list[str]

    @property
    def cpu_per_message_ms(self) -> float:
        """CPU the serving processes spent per message: less sensitive than messages/s to what else runs."""
        return 1000 * sum(self.cpu_during_load.values()) / max(1, self.tally.messages)

    @property
    def errors(self) -> int:
        t = self.tally
        return (
            sum(t.non_200.values())
            + t.missing
            + t.wrong
            + sum(self.refused.values())
            + self.extra_replies
            + (self.people - self.registrations)
            + self.inbox_failed
        )


@dataclass(frozen=True, slots=True)
class Options:
    people: int
    runs: tuple[str, ...]
    postgres_url: str
    connections: int
    reply_timeout: float
    show_one: bool


@contextlib.asynccontextmanager
async def database(kind: str, options: Options, folder: Path) -> AsyncIterator[str]:
    if kind == "sqlite":
        yield f"sqlite+aiosqlite:///{folder / 'jaring.db'}"
        return
    async with scratch_postgres(options.postgres_url) as url:
        yield url


async def one_run(name: str, options: Options) -> Outcome:
    kind, workers = RUNS[name]
    people = {person_number(n): Person(n, person_number(n), registration(n)) for n in range(options.people)}
    fake = LoadGraph(people)
    await fake.start()
    try:
        with tempfile.TemporaryDirectory(prefix="jaring-load-") as folder_name:
            folder = Path(folder_name)
            async with database(kind, options, folder) as url:
                return await _serve_and_load(name, workers, url, folder, fake, people, options)
    finally:
        await fake.close()


async def _serve_and_load(  # noqa: PLR0917 - one run's parts, passed on from one_run
    name: str,
    workers: int,
    url: str,
    folder: Path,
    fake: LoadGraph,
    people: Mapping[str, Person],
    options: Options,
) -> Outcome:
    port = free_port()
    log = folder / "serve.log"
    process = start_serve(serve_env(folder, url, fake, port), workers, log)
    store = Store.from_url(url)
    peaks = Peaks(process.pid)
    watching = asyncio.create_task(peaks.watch())
    try:
        base = f"http://127.0.0.1:{port}"
        await until_serving(f"{base}/healthz", process, store, workers, log)
        fake.webhook_url = f"{base}/webhook/whatsapp"
        webhook = Webhook(fake.webhook_url, fake, options.connections)
        tally = Tally()
        try:
            await asyncio.to_thread(peaks.look)
            cpu_before = dict(peaks.cpu_by_pid)
            started = time.perf_counter()
            async with asyncio.TaskGroup() as group:
                for person in people.values():
                    group.create_task(converse(person, webhook, tally, options.reply_timeout))
            seconds = time.perf_counter() - started
            await asyncio.to_thread(peaks.look)
            cpu_after = dict(peaks.cpu_by_pid)
            await asyncio.sleep(2.0)  # a reply too many would arrive now
        finally:
            await webhook.close()
        await asyncio.to_thread(peaks.look)
        expected = {p.number: sum(len(t.replies) for t in p.turns) for p in people.values()}
        extra = sum(max(0, len(p.received) - expected[p.number]) for p in people.values() if p.done)
        registrations, failed, still_open, retried = await database_figures(store)
    finally:
        watching.cancel()
        stop(process)
        await store.close()
    text = await asyncio.to_thread(log.read_text, errors="replace")
    lines = text.splitlines()
    first = people[person_number(0)]
    transcript = [f"{text[:100]!r}" for _, text in first.received]
    return Outcome(
        name,
        len(people),
        seconds,
        tally,
        fake.refused,
        extra,
        registrations,
        failed,
        still_open,
        retried,
        {pid: cpu - cpu_before.get(pid, 0.0) for pid, cpu in cpu_after.items()},
        dict(peaks.by_pid),
        process.pid,
        sum(1 for line in lines if " ERROR " in line or '"levelname": "ERROR"' in line),
        text.count("Traceback"),
        Counter(_gist(line) for line in lines if " WARNING " in line),
        transcript,
    )


def _gist(line: str) -> str:
    """A log line without its time and numbers, so that lines saying the same thing count together."""
    said = line.split(" WARNING ", 1)[-1]
    return "".join("#" if c.isdigit() else c for c in said)[:150]


async def database_figures(store: Store) -> tuple[int, int, int, int]:
    """Registrations stored, inbound messages that failed, outbox rows not yet delivered, and rows
    delivered only at a later attempt."""
    async with store.transaction() as session:
        registrations = (await session.execute(select(func.count()).select_from(Registration))).scalar_one()
        failed = (
            await session.execute(select(func.count()).select_from(InboxMessage).where(InboxMessage.status == "failed"))
        ).scalar_one()
        still_open = (
            await session.execute(select(func.count()).select_from(OutboxMessage).where(OutboxMessage.status != "sent"))
        ).scalar_one()
        retried = (
            await session.execute(
                select(func.count())
                .select_from(OutboxMessage)
                .where(OutboxMessage.status == "sent", OutboxMessage.attempts > 1)
            )
        ).scalar_one()
    return int(registrations), int(failed), int(still_open), int(retried)


# ---- the report ------------------------------------------------------------------------------------


def percentile(values: Sequence[float], p: float) -> float:
    """Nearest-rank percentile."""
    ordered = sorted(values)
    if not ordered:
        return math.nan
    return ordered[max(0, math.ceil(p / 100 * len(ordered)) - 1)]


def report(outcome: Outcome, show_one: bool) -> None:
    t = outcome.tally
    workers = sorted(pid for pid in outcome.peaks if pid != outcome.parent)
    print(f"\n{outcome.name}: {outcome.people} people, {t.messages} messages in {outcome.seconds:.1f} s")
    print(f"  messages/s        {t.messages / outcome.seconds:8.1f}")
    print(
        f"  latency           p50 {percentile(t.latencies, 50) * 1000:7.1f} ms   p99 "
        f"{percentile(t.latencies, 99) * 1000:7.1f} ms   max {max(t.latencies, default=math.nan) * 1000:7.1f} ms"
        "   (webhook POST sent → the turn's last reply at the fake)"
    )
    print(
        f"  of which          POST → 200 p50 {percentile(t.answers, 50) * 1000:7.1f} ms   p99 "
        f"{percentile(t.answers, 99) * 1000:7.1f} ms (stored and handled); then 200 → last reply p50 "
        f"{percentile(t.after_answer, 50) * 1000:7.1f} ms   p99 {percentile(t.after_answer, 99) * 1000:7.1f} ms"
    )
    slow = Counter(int(wait) for wait in t.after_answer if wait >= 1)
    if slow:
        shown = ", ".join(f"{second}–{second + 1} s: {slow[second]}" for second in sorted(slow))
        print(f"  200 → last reply  over a second: {shown}")
    print(f"  registrations     {t.completed} completed by the people, {outcome.registrations} in the database")
    print(
        f"  errors            {outcome.errors}: non-200 {dict(t.non_200) or 0}, missing {t.missing}, wrong {t.wrong}, "
        f"refused by the fake {sum(outcome.refused.values())}, extra replies {outcome.extra_replies}, "
        f"inbox failed {outcome.inbox_failed}"
    )
    for line in t.first_errors:
        print(f"    {line}")
    for reason, count in outcome.refused.most_common(3):
        print(f"    refused {count} × {reason}")
    print(
        f"  outbox            {outcome.outbox_open} row(s) not sent at the end; "
        f"{outcome.outbox_retried} sent only at a later attempt"
    )
    cpu = ", ".join(f"{outcome.cpu_during_load[pid]:.1f}" for pid in workers or [outcome.parent])
    print(
        f"  CPU during load   {cpu} s per {'worker' if workers else 'process'} ({outcome.seconds:.1f} s of load); "
        f"{outcome.cpu_per_message_ms:.1f} ms of CPU a message, all serving processes together"
    )
    print(
        f"  server log        {outcome.log_errors} ERROR line(s), {outcome.log_tracebacks} traceback(s), "
        f"{sum(outcome.log_warnings.values())} WARNING line(s)"
    )
    for said, count in outcome.log_warnings.most_common(3):
        print(f"    {count:6} × {said}")
    parent = outcome.peaks.get(outcome.parent, math.nan)
    if workers:
        each = ", ".join(f"{outcome.peaks[pid]:.0f}" for pid in workers)
        print(f"  peak RSS          supervisor {parent:.0f} MB; workers {each} MB ({len(workers)} process(es))")
    else:
        print(f"  peak RSS          {parent:.0f} MB (one process)")
    if show_one:
        print("  person 0's replies:")
        for line in outcome.first_transcript:
            print(f"    {line}")


def table(outcomes: Sequence[Outcome]) -> None:
    print(
        "\n| run | people | messages/s | p50 ms | p99 ms | errors | registrations | CPU ms a message "
        "| peak RSS per worker MB |"
    )
    print("|---|---|---|---|---|---|---|---|---|")
    for o in outcomes:
        t = o.tally
        workers = sorted(pid for pid in o.peaks if pid != o.parent) or [o.parent]
        rss = " / ".join(f"{o.peaks[pid]:.0f}" for pid in workers)
        print(
            f"| {o.name} | {o.people} | {t.messages / o.seconds:.1f} | {percentile(t.latencies, 50) * 1000:.0f} | "
            f"{percentile(t.latencies, 99) * 1000:.0f} | {o.errors} | {o.registrations} | "
            f"{o.cpu_per_message_ms:.1f} | {rss} |"
        )
    base = next((o for o in outcomes if o.name == "postgresql-1"), None)
    for o in outcomes:
        if base is not None and o.name.startswith("postgresql-") and o is not base:
            ratio = (o.tally.messages / o.seconds) / (base.tally.messages / base.seconds)
            print(f"  {o.name} / postgresql-1: {ratio:.2f}×")


async def run(options: Options) -> int:
    print("Load over real HTTP — people registering through the WhatsApp webhook of `jaring serve` (child process)")
    print(
        f"  python {platform.python_version()} on {platform.machine()}, {os.cpu_count()} CPU(s); "
        f"load average {os.getloadavg()[0]:.2f} over the minute before the runs"
    )
    print(
        f"  {options.people} people × {len(registration(0))} messages each; {options.connections} webhook connections; "
        f"WHATSAPP_MESSAGES_PER_SECOND={PACING:g} (pacing never binds); flood limit left at its default "
        "(20 messages in 10 s a person: a registration is 15)"
    )
    print("  the fake Graph API and the load generator share this process (one event loop)")
    outcomes = []
    for name in options.runs:
        outcome = await one_run(name, options)
        report(outcome, options.show_one)
        outcomes.append(outcome)
    table(outcomes)
    return 1 if any(o.errors for o in outcomes) else 0


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(prog="python -m bench.serve_load", description=__doc__.splitlines()[0])
    parser.add_argument("--people", type=int, default=1000, help="people registering at once (default 1 000)")
    parser.add_argument(
        "--only", action="append", choices=list(RUNS), help="the runs to make (repeatable; default all)"
    )
    parser.add_argument("--postgres-url", default=DEFAULT_POSTGRES, help="the server to make scratch databases on")
    parser.add_argument("--connections", type=int, default=40, help="webhook connections kept open (default 40)")
    parser.add_argument("--reply-timeout", type=float, default=120.0, help="seconds a person waits for a reply")
    parser.add_argument("--show-one", action="store_true", help="print the replies person 0 got")
    args = parser.parse_args(argv)
    if args.people < 1 or args.connections < 1:
        parser.error("--people and --connections must be at least 1")
    if make_url(args.postgres_url).get_backend_name() != "postgresql":
        parser.error("--postgres-url must be a postgresql+asyncpg:// URL")
    runs = tuple(args.only or RUNS)
    return asyncio.run(
        run(Options(args.people, runs, args.postgres_url, args.connections, args.reply_timeout, args.show_one))
    )


if __name__ == "__main__":
    sys.exit(main())
