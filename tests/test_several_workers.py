"""`jaring serve --workers 4` on one port and one PostgreSQL database, for real: the supervisor and its
workers are subprocesses, Telegram (webhook) and WhatsApp are the fakes over real HTTP, and every
message is delivered twice at once, as Telegram and Meta may. Every message is handled once, each
person's replies are exactly those one process gives, in order, and sent once; a worker killed with
SIGKILL mid-conversation or mid-broadcast loses nothing, sends again only what it had started, has
its leases taken over within seconds and a successor started; platforms failing for a minute lose
nothing either."""

from __future__ import annotations

import asyncio
import itertools
import os
import signal
import time
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import UTC, datetime
from pathlib import Path

import pytest
from sqlalchemy import select, update

from bot.outbound.outbox_worker import RetryPolicy
from bot.settings import Settings
from db.models import Broadcast, Contact
from db.repositories import contacts
from tests.fake_telegram import FakeTelegram
from tests.fake_whatsapp import FakeGraph
from tests.postgres_databases import postgres_database
from tests.serve_support import JARING
from tests.telegram_support import fake_server
from tests.waiting import wait_until
from tests.whatsapp_support import fake_graph
from tests.workers_support import (
    CONVERSATION,
    Person,
    ServedWorkers,
    converse,
    last_lines,
    one_process_replies,
    people,
    sent_with_arrival,
    served_workers,
    shown,
    wait_for,
)

pytestmark = [pytest.mark.postgres, pytest.mark.slow]

REPLIES = 5  # what one process answers CONVERSATION with (checked against it below)


@pytest.fixture
async def fakes() -> AsyncIterator[tuple[FakeTelegram, FakeGraph]]:
    async with fake_server() as telegram, fake_graph() as graph:
        yield telegram, graph


@pytest.fixture
async def expected(settings: Settings) -> dict[str, list[tuple[str, ...]]]:
    """The replies one process (in this process, on SQLite) gives the conversation, per channel."""
    async with fake_server() as telegram, fake_graph() as graph:
        found = await one_process_replies(settings, telegram, graph)
    assert [len(replies) for replies in found.values()] == [REPLIES, REPLIES]
    return found


def _served_dir(tmp_path: Path) -> Path:
    folder = tmp_path / "served"
    folder.mkdir()
    return folder


async def _sample_holders(served: ServedWorkers, seen: set[str]) -> None:
    while True:
        seen.update((await served.holders_in_flight()).keys())
        await asyncio.sleep(0.05)


def _without_repeats(replies: list[tuple[str, ...]]) -> list[tuple[str, ...]]:
    return [reply for reply, _ in itertools.groupby(replies)]


async def test_one_stream_with_duplicates_through_both_webhooks(
    request: pytest.FixtureRequest,
    tmp_path: Path,
    fakes: tuple[FakeTelegram, FakeGraph],
    expected: dict[str, list[tuple[str, ...]]],
) -> None:
    telegram, graph = fakes
    crowd = people(30)
    async with (
        postgres_database(request) as url,
        served_workers(url, _served_dir(tmp_path), telegram, graph) as served,
    ):
        assert len(await served.live_processes()) == 4
        # Each send takes a little while at the fakes, so that what is in flight can be seen.
        telegram.answer_delay = graph.answer_delay = 0.05
        holders: set[str] = set()
        sampling = asyncio.create_task(_sample_holders(served, holders))
        try:
            await converse(crowd, telegram, graph)
            await served.settled(within=60)
        finally:
            sampling.cancel()
        inbox = await served.inbox()
        statuses = await served.outbox_statuses()
        assert await served.stop() == 0, last_lines(served.log)

    for person in crowd:
        assert shown(person, telegram, graph) == expected[person.channel], person
    assert statuses == {"sent": len(crowd) * REPLIES}
    assert len(inbox) == len(crowd) * len(CONVERSATION)  # each message once, though delivered twice
    assert {row.status for row in inbox} == {"processed"}
    assert len({(row.channel, row.message_id) for row in inbox}) == len(inbox)
    assert len(holders) >= 2, "the outbox was delivered by one worker only"
    twice_each = len(crowd) // 2 * len(CONVERSATION) * 2  # half the people on each channel
    assert len(telegram.webhook_answers) == len(graph.webhook_answers) == twice_each
    assert set(telegram.webhook_answers) == set(graph.webhook_answers) == {200}
    print(f"\n{len(holders)} workers seen delivering")
    assert served.lines("all workers stopped")
    assert not served.lines("Traceback"), last_lines(served.log)


@dataclass(frozen=True, slots=True)
class Killed:
    pid: int
    holder: str  # its id in `processes`, which its leases name
    in_flight: list[int]  # the outbox messages it held
    at: float  # time.monotonic() just after the SIGKILL


async def _kill_a_holder(served: ServedWorkers, *, not_pid: int | None = None) -> Killed:
    """SIGKILL a worker that is sending (not `not_pid`)."""
    while True:
        held = await served.holders_in_flight()
        for holder, ids in sorted(held.items(), key=lambda item: -len(item[1])):
            pid = await served.pid_of(holder)
            if pid != not_pid:
                os.kill(pid, signal.SIGKILL)
                return Killed(pid, holder, ids, time.monotonic())
        await asyncio.sleep(0.01)


async def _kill_when_sending(served: ServedWorkers, pid: int) -> Killed:
    """SIGKILL process `pid` once it holds messages being sent."""
    holder = next(p.id for p in await served.live_processes() if p.pid == pid)
    ids: list[int] = []

    async def sending() -> bool:
        nonlocal ids
        ids = (await served.holders_in_flight()).get(holder, [])
        return bool(ids)

    await wait_for(sending, "the leader sending the broadcast", 60)
    os.kill(pid, signal.SIGKILL)
    return Killed(pid, holder, ids, time.monotonic())


def _repeated_after(sent: list[tuple[tuple[str, ...], float]], moment: float) -> list[tuple[str, ...]]:
    """Messages sent again whose first copy had not reached the platform by `moment`: a repeat is
    allowed only for a send that had started before the kill."""
    return [
        reply for (before, first_at), (reply, _) in itertools.pairwise(sent) if reply == before and first_at > moment
    ]


async def _taken_over(served: ServedWorkers, killed: Killed, within: float = 15.0) -> float:
    """Seconds from the kill until none of its leases is left. `within` is below the 20 s its leases run
    after its last heartbeat: only a takeover (the pid found dead) passes, not the leases running out."""
    await wait_for(lambda: _holds_nothing(served, killed.holder), "the killed worker's leases taken over", within)
    return time.monotonic() - killed.at


async def _holds_nothing(served: ServedWorkers, holder: str) -> bool:
    return holder not in await served.holders_in_flight()


async def _successor_started(served: ServedWorkers, killed: int) -> int:
    def started() -> list[int]:
        return [int(m.group(1)) for m in served.lines(r"worker \d+ started: pid (\d+)")]

    await wait_until(lambda: len(started()) > 4, "a worker started in the killed one's place", 60)
    await wait_until(lambda: served.lines(rf"pid {killed}\) ended unexpectedly: killed by SIGKILL"), "the death", 5)
    successor = started()[-1]
    await wait_for(lambda: _registered(served, successor), "the successor serving", 60)
    return successor


async def _registered(served: ServedWorkers, pid: int) -> bool:
    return pid in {p.pid for p in await served.live_processes()}


async def _add_recipients(served: ServedWorkers, count: int) -> list[Person]:
    """People who wrote to the bot once (today), so that "everyone" reaches them."""
    now = datetime.now(UTC)
    crowd = people(count, first=1000)
    async with served.store.transaction() as session:
        for person in crowd:
            await contacts.get_or_create_contact(session, person.channel, person.address, now)
        await session.execute(update(Contact).values(last_inbound_at=now))
    return crowd


async def _record_broadcast(served: ServedWorkers, text: str) -> None:
    """The real command, as an admin runs it on the server."""
    process = await asyncio.create_subprocess_exec(
        JARING,
        "broadcast",
        "send",
        "--text",
        text,
        "--audience",
        "everyone",
        "--yes",
        env=served.env,
        cwd=served.cwd,
        stdout=asyncio.subprocess.DEVNULL,
        stderr=asyncio.subprocess.PIPE,
    )
    _, err = await process.communicate()
    assert process.returncode == 0, err.decode()


async def _broadcast_done(served: ServedWorkers) -> bool:
    async with served.store.transaction() as session:
        return (await session.scalar(select(Broadcast.status))) == "done"


async def test_a_worker_killed_mid_conversation_and_the_leader_mid_broadcast(
    request: pytest.FixtureRequest,
    tmp_path: Path,
    fakes: tuple[FakeTelegram, FakeGraph],
    expected: dict[str, list[tuple[str, ...]]],
) -> None:
    telegram, graph = fakes
    crowd = people(16)
    announcement = "Pengumuman: pendaftaran Batik Berlian dibuka lagi mulai Senin."
    async with (
        postgres_database(request) as url,
        served_workers(url, _served_dir(tmp_path), telegram, graph, per_second=40) as served,
    ):
        # Mid-conversation: a worker that is sending (each send takes 0.3 s at the fakes) is killed.
        telegram.answer_delay = graph.answer_delay = 0.3
        leader = await served.leader_pid()
        assert leader is not None
        talking = asyncio.create_task(converse(crowd, telegram, graph))
        await wait_until(lambda: len(telegram.state.messages) + len(graph.sent) >= 10, "the conversations going", 60)
        killed = await _kill_a_holder(served, not_pid=leader)
        conversation_takeover = await _taken_over(served, killed)
        await talking
        await served.settled(within=60)
        successor = await _successor_started(served, killed.pid)

        # Mid-broadcast: the leader, which runs the broadcasts and sends its share, is killed.
        recipients = await _add_recipients(served, 300)
        await _record_broadcast(served, announcement)
        leader = await served.leader_pid()
        assert leader is not None
        await wait_until(
            lambda: any(announcement in m.text for m in telegram.state.messages), "the broadcast going", 60
        )
        killed_leader = await _kill_when_sending(served, leader)
        broadcast_takeover = await _taken_over(served, killed_leader)
        await wait_for(lambda: _broadcast_done(served), "the broadcast finished by the new leader", 90)
        await served.settled(within=60)
        new_leader = await served.leader_pid()
        statuses = await served.outbox_statuses()
        assert await served.stop() == 0, last_lines(served.log)

    print(
        f"\nmid-conversation: killed pid {killed.pid} holding {len(killed.in_flight)} message(s), its leases taken "
        f"over after {conversation_takeover:.1f} s, successor pid {successor}"
        f"\nmid-broadcast: killed the leader pid {killed_leader.pid} holding {len(killed_leader.in_flight)} "
        f"message(s), its leases taken over after {broadcast_takeover:.1f} s, new leader pid {new_leader}"
    )
    # Nothing lost, in order; a reply sent twice only when the killed worker had started sending it.
    repeats = 0
    for person in crowd:
        talk = [(reply, at) for reply, at in sent_with_arrival(person, telegram, graph) if announcement not in reply[0]]
        assert _without_repeats([reply for reply, _ in talk]) == expected[person.channel], person
        assert not _repeated_after(talk, killed.at), person
        repeats += len(talk) - REPLIES
    assert repeats <= len(killed.in_flight)
    # Every recipient got the announcement; twice only where the killed leader had started sending it.
    everyone = [*crowd, *recipients]
    broadcast_repeats = 0
    for person in everyone:
        copies = [at for reply, at in sent_with_arrival(person, telegram, graph) if announcement in reply[0]]
        assert copies, person
        assert len(copies) == 1 or copies[0] <= killed_leader.at, person
        broadcast_repeats += len(copies) - 1
    assert broadcast_repeats <= len(killed_leader.in_flight)
    print(f"sent twice: {repeats} repl(ies), {broadcast_repeats} announcement(s)")
    assert set(statuses) == {"sent"}
    assert new_leader not in (None, killed_leader.pid)
    assert not served.lines("Traceback"), last_lines(served.log)


OUTAGE_SECONDS = 60.0  # the minute


async def test_the_platforms_failing_for_a_minute_lose_nothing(
    request: pytest.FixtureRequest,
    tmp_path: Path,
    fakes: tuple[FakeTelegram, FakeGraph],
    expected: dict[str, list[tuple[str, ...]]],
) -> None:
    telegram, graph = fakes
    crowd = people(12)
    async with (
        postgres_database(request) as url,
        served_workers(url, _served_dir(tmp_path), telegram, graph) as served,
    ):
        telegram.outage((429, 500, 502), retry_after=2)
        graph.outage((130429, 131000, 2))
        began = time.monotonic()
        await converse(crowd, telegram, graph)  # the webhooks still answer: messages are stored
        await asyncio.sleep(max(0.0, OUTAGE_SECONDS - (time.monotonic() - began)))
        during = await served.outbox_statuses()
        attempts = await served.most_attempts()
        telegram.heal()
        graph.heal()
        healed = time.monotonic()
        await served.settled(within=120)
        recovered = time.monotonic() - healed
        statuses = await served.outbox_statuses()
        assert await served.stop() == 0, last_lines(served.log)

    print(
        f"\noutage of {OUTAGE_SECONDS:.0f} s: {telegram.outage_answers} Telegram and {graph.outage_answers} WhatsApp "
        f"sends refused; outbox at its end {during}, most attempts of a message {attempts} (of "
        f"{RetryPolicy().max_attempts}); all delivered {recovered:.1f} s after healing"
    )
    assert telegram.outage_answers
    assert graph.outage_answers
    for person in crowd:
        assert shown(person, telegram, graph) == expected[person.channel], person
    assert statuses == {"sent": len(crowd) * REPLIES}  # nothing given up
