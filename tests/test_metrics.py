"""GET /metrics of `jaring serve`, over real HTTP with the fake platforms: what moves the counters, the
outbox as the database has it, who may read it, and several workers' figures added up.

Counters belong to the process and other tests in it move them too: each test compares a scrape
before with one after."""

from __future__ import annotations

import asyncio
import os
import signal
import socket
import sys
import time
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest

from bot import metrics
from bot.serve import serving
from bot.settings import Settings
from db.repositories.outbox import PRIORITY_BROADCAST
from tests.fake_telegram import FakeTelegram
from tests.fake_whatsapp import FakeGraph
from tests.operations_support import figure, figure_soon, queue_waiting, scrape
from tests.serve_support import JARING, command_env, whatsapp_env
from tests.telegram_support import fake_server, free_port, telegram_settings, use_migrated_database
from tests.telegram_support import replies as telegram_replies
from tests.whatsapp_support import fake_graph, replies, whatsapp_settings

WA = "6281234567890"
IN = "jaring_messages_in_total"
OUT = "jaring_messages_out_total"
REFUSED = "jaring_webhook_refusals_total"
HANDLING = "jaring_handling_seconds_count"


@pytest.fixture
async def graph(settings: Settings) -> AsyncIterator[FakeGraph]:
    await use_migrated_database(settings)
    async with fake_graph() as server:
        yield server


@pytest.fixture
async def telegram(settings: Settings) -> AsyncIterator[FakeTelegram]:
    await use_migrated_database(settings)
    async with fake_server() as server:
        yield server


async def test_a_message_in_a_duplicate_and_a_bad_signature_are_counted(graph: FakeGraph, settings: Settings) -> None:
    port = free_port()
    async with serving(whatsapp_settings(settings, graph, port=port), host="127.0.0.1", port=port):
        before = (await scrape(port)).text
        payload = graph.text(WA, "halo")
        assert await graph.deliver(payload) == 200
        await replies(graph, WA, 1)
        assert await graph.deliver(payload) == 200  # Meta delivering it again
        assert await graph.deliver(graph.text(WA, "menu"), signature="sha256=" + "0" * 64) == 401
        await figure_soon(port, OUT, _sent("whatsapp"), figure(before, OUT, **_sent("whatsapp")) + 1)
        after = (await scrape(port)).text

    def moved(name: str, **labels: str) -> float:
        return figure(after, name, **labels) - figure(before, name, **labels)

    assert moved(IN, channel="whatsapp", result="handled") == 1
    assert moved(IN, channel="whatsapp", result="duplicate") == 1
    assert moved(IN, channel="whatsapp", result="failed") == 0
    assert moved(HANDLING, channel="whatsapp") == 2  # the duplicate took time too
    assert moved("jaring_handling_seconds_bucket", channel="whatsapp", le="+Inf") == 2
    assert moved(OUT, channel="whatsapp", outcome="sent") == 1
    assert moved(REFUSED, channel="whatsapp", status="401") == 1
    buckets = {line.split('le="')[1].split('"')[0] for line in after.splitlines() if "_bucket{" in line}
    assert {"0.005", "0.01", "1.0", "5.0", "+Inf"} <= buckets


async def test_a_flood_is_counted_as_its_own_result(graph: FakeGraph, settings: Settings) -> None:
    port = free_port()
    strict = whatsapp_settings(settings, graph, port=port).model_copy(
        update={"flood_messages": 2, "flood_seconds": 600}
    )
    async with serving(strict, host="127.0.0.1", port=port):
        before = (await scrape(port)).text
        for text in ("halo", "menu", "1", "2", "3"):  # one person, within the window
            assert await graph.deliver(graph.text(WA, text)) == 200
        after = (await scrape(port)).text
    assert 'jaring_messages_in_total{channel="whatsapp",result="flood"}' in before  # there before any flood
    assert (
        figure(after, IN, channel="whatsapp", result="flood") - figure(before, IN, channel="whatsapp", result="flood")
        == 3
    )
    assert (
        figure(after, IN, channel="whatsapp", result="handled")
        - figure(before, IN, channel="whatsapp", result="handled")
        == 2
    )


async def test_a_429_is_counted_as_rate_limited_and_the_message_still_goes(
    telegram: FakeTelegram, settings: Settings
) -> None:
    port = free_port()
    async with serving(telegram_settings(settings, telegram), host="127.0.0.1", port=port):
        before = (await scrape(port)).text
        telegram.fail("sendMessage", 429, retry_after=1)
        telegram.push(telegram.text_update(42, "halo"))
        await telegram_replies(telegram, 42, 1, within=15)
        sent = await figure_soon(port, OUT, _sent("telegram"), figure(before, OUT, **_sent("telegram")) + 1)
        after = (await scrape(port)).text
    assert (
        figure(after, OUT, channel="telegram", outcome="rate_limited")
        - figure(before, OUT, channel="telegram", outcome="rate_limited")
        == 1
    )
    assert sent - figure(before, OUT, **_sent("telegram")) == 1
    assert figure(after, OUT, channel="telegram", outcome="failed") == figure(
        before, OUT, channel="telegram", outcome="failed"
    )


async def test_the_outbox_waiting_is_read_from_the_database_at_each_scrape(
    graph: FakeGraph, settings: Settings
) -> None:
    port = free_port()
    async with serving(whatsapp_settings(settings, graph, port=port), host="127.0.0.1", port=port) as service:
        empty = (await scrape(port)).text
        # Messages for terminal windows wait until `jaring chat --as` opens them: `serve` never sends them.
        await queue_waiting(service.jaring.store, "terminal", "ani", age_seconds=90)
        await queue_waiting(service.jaring.store, "terminal", "budi", age_seconds=30)
        await queue_waiting(service.jaring.store, "terminal", "ani", age_seconds=600, priority=PRIORITY_BROADCAST)
        full = (await scrape(port)).text

    terminal_replies = {"channel": "terminal", "priority": "reply"}
    assert figure(empty, "jaring_database_up") == 1
    assert figure(empty, "jaring_outbox_waiting_messages", **terminal_replies) == 0
    assert figure(empty, "jaring_outbox_waiting_messages", channel="whatsapp", priority="reply") == 0
    assert 'jaring_outbox_waiting_messages{channel="whatsapp",priority="announcement"} 0.0' in empty  # served: at 0
    assert figure(full, "jaring_outbox_waiting_messages", **terminal_replies) == 2
    assert figure(full, "jaring_outbox_due_messages", **terminal_replies) == 2
    assert 90 <= figure(full, "jaring_outbox_oldest_waiting_seconds", **terminal_replies) < 200
    # Announcements wait by design (and can be a broadcast's 100 000 rows): counted, nothing more.
    assert figure(full, "jaring_outbox_waiting_messages", channel="terminal", priority="announcement") == 1
    assert 'priority="announcement"' not in "".join(
        line for line in full.splitlines() if line.startswith(("jaring_outbox_due", "jaring_outbox_oldest"))
    )


async def test_without_a_token_only_this_machine_not_through_a_proxy_may_read(
    graph: FakeGraph, settings: Settings
) -> None:
    port = free_port()
    async with serving(whatsapp_settings(settings, graph, port=port), host="127.0.0.1", port=port):
        plain = await scrape(port)
        proxied = [
            await scrape(port, **{"X-Forwarded-For": "203.0.113.7"}),
            await scrape(port, Forwarded="for=203.0.113.7;proto=https"),
            await scrape(port, **{"X-Real-IP": "203.0.113.7"}),
        ]
        with_a_token = await scrape(port, Authorization="Bearer tebakan")
    assert plain.status_code == 200
    assert plain.headers["content-type"] == metrics.CONTENT_TYPE
    assert "jaring_messages_in_total" in plain.text
    assert [r.status_code for r in proxied] == [404, 404, 404]
    assert "jaring_" not in "".join(r.text for r in proxied)
    assert with_a_token.status_code == 200  # no token configured: a header changes nothing


async def test_without_a_token_another_machine_gets_404(graph: FakeGraph, settings: Settings) -> None:
    address = _outward_address()
    if address is None:
        pytest.skip("this machine has no address but loopback: no request can come from elsewhere")
    port = free_port()
    async with (
        serving(whatsapp_settings(settings, graph, port=port), host="0.0.0.0", port=port),
        httpx.AsyncClient() as client,
    ):
        remote = await client.get(f"http://{address}:{port}/metrics")
        health = await client.get(f"http://{address}:{port}/healthz")
    assert remote.status_code == 404
    assert health.status_code == 200  # /healthz is for load balancers: not guarded


async def test_with_a_token_only_the_bearer_of_it_may_read(graph: FakeGraph, settings: Settings) -> None:
    port = free_port()
    token = "metrik-rahasia_123"
    guarded = whatsapp_settings(settings, graph, port=port).model_copy(update={"metrics_token": token})
    async with serving(guarded, host="127.0.0.1", port=port):
        none = await scrape(port)
        wrong = await scrape(port, Authorization="Bearer metrik-rahasia_124")
        basic = await scrape(port, Authorization=f"Basic {token}")
        right = await scrape(port, Authorization=f"Bearer {token}")
        through_the_proxy = await scrape(port, Authorization=f"bearer {token}", **{"X-Forwarded-For": "203.0.113.7"})
    assert [none.status_code, wrong.status_code, basic.status_code] == [401, 401, 401]
    assert none.headers["www-authenticate"] == "Bearer"
    assert (right.status_code, through_the_proxy.status_code) == (200, 200)
    assert "jaring_database_up 1.0" in right.text


@pytest.mark.slow
async def test_several_workers_figures_are_added_up(
    graph: FakeGraph, tmp_path: Path, monkeypatch: pytest.MonkeyPatch
) -> None:
    """Two processes record through bot.metrics into one multiprocess folder, as the children of `jaring
    serve --workers` do; the /metrics of a real `jaring serve` started on that folder adds them up (and
    its own), and gives the database's figures once."""
    metrics.start_recording()  # this process's metrics are made first: they stay in its memory
    monkeypatch.delenv(metrics.MULTIPROCESS_ENV, raising=False)  # put back as it was after the test
    folder = tmp_path / "metrics"
    folder.mkdir()
    (folder / "counter_99999.db").write_bytes(b"left by an earlier run")
    metrics.prepare_multiprocess(folder)
    assert os.environ[metrics.MULTIPROCESS_ENV] == str(folder)
    assert not (folder / "counter_99999.db").exists()
    assert oct(folder.stat().st_mode & 0o777) == "0o700"

    children = await asyncio.gather(_record_in_a_child(3), _record_in_a_child(4))
    for pid in children:
        metrics.worker_exited(pid)
    port = free_port()
    env = command_env(
        tmp_path,
        **whatsapp_env(graph),
        JARING_PORT=str(port),
    )
    assert env[metrics.MULTIPROCESS_ENV] == str(folder)
    server = await asyncio.create_subprocess_exec(JARING, "serve", "--host", "127.0.0.1", env=env, cwd=tmp_path)
    try:
        text = await _scraped_once_up(port)
    finally:
        server.send_signal(signal.SIGTERM)
        await asyncio.wait_for(server.wait(), 30)
    assert figure(text, IN, channel="whatsapp", result="handled") == 7
    assert figure(text, HANDLING, channel="whatsapp") == 7
    assert figure(text, OUT, channel="whatsapp", outcome="rate_limited") == 2
    assert figure(text, REFUSED, channel="whatsapp", status="401") == 2
    assert text.count("# TYPE jaring_database_up gauge") == 1
    assert text.count("# TYPE jaring_outbox_waiting_messages gauge") == 1
    assert len(list(folder.glob("counter_*.db"))) == 3  # the two children and the server


async def _scraped_once_up(port: int, within: float = 60.0) -> str:
    deadline = time.monotonic() + within
    while True:
        try:
            return (await scrape(port)).raise_for_status().text
        except httpx.ConnectError:
            if time.monotonic() > deadline:
                raise
            await asyncio.sleep(0.1)


async def _record_in_a_child(messages: int) -> int:
    """A separate Python process that records `messages` handled, one 429 and one refusal; its pid."""
    script = (
        "import sys\n"
        "from bot import metrics\n"
        "metrics.start_recording(['whatsapp'], ['handled'])\n"
        "for _ in range(int(sys.argv[1])):\n"
        "    metrics.message_in('whatsapp', 'handled', metrics.handling_started())\n"
        "metrics.message_out('whatsapp', 'rate_limited')\n"
        "metrics.webhook_refused('whatsapp', 401)\n"
    )
    process = await asyncio.create_subprocess_exec(sys.executable, "-c", script, str(messages))
    assert await asyncio.wait_for(process.wait(), 60) == 0
    return process.pid


def _sent(channel: str) -> dict[str, str]:
    return {"channel": channel, "outcome": "sent"}


def _outward_address() -> str | None:
    """An address of this machine other than loopback (no packet is sent: UDP only picks a route)."""
    with socket.socket(socket.AF_INET, socket.SOCK_DGRAM) as probe:
        try:
            probe.connect(("192.0.2.1", 9))
        except OSError:
            return None
        address = str(probe.getsockname()[0])
    return None if address.startswith("127.") else address
