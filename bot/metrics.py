"""The process's metrics for /metrics, in Prometheus's text format through `prometheus_client`.

The rest of the code calls the few functions here and never imports prometheus_client, so the names,
labels and buckets are decided in one place (docs/DEPLOY.md lists what to watch):

- `jaring_messages_in_total{channel, result}`: messages handed to the pipeline, by what became of them
  (handled, duplicate, failed, flood, or error: the pipeline raised and the platform delivers again);
- `jaring_handling_seconds{channel}`: how long `Pipeline.handle` took, message stored and answered;
- `jaring_messages_out_total{channel, outcome}`: each send's outcome (sent, retry, rate_limited — a 429
  or "slow down", counted on its own —, failed, unreachable);
- `jaring_webhook_refusals_total{channel, status}`: webhook requests answered 4xx or 5xx;
- read from the database when scraped (the same whichever worker answers): `jaring_database_up`;
  `jaring_outbox_waiting_messages{channel, priority}` (reply, notification, announcement);
  `jaring_outbox_due_messages` and `jaring_outbox_oldest_waiting_seconds`, both by channel and
  priority for replies and notifications (announcements wait by design and are only counted).

Labels carry channel names, results and HTTP statuses only: never a person, a number or a text.

Only a process that serves /metrics records: `start_recording` (called when the web app is made)
imports prometheus_client and creates the metrics. Before it every function here returns at once, so
`jaring chat` and the other commands neither pay the import (about 40 ms of start-up) nor keep figures
nobody can read.

Several workers behind one port (`jaring serve --workers N`): a scrape reaches one of them, so with
PROMETHEUS_MULTIPROC_DIR set (by `prepare_multiprocess`, in the supervisor before the children start)
each worker writes its counters to files there and /metrics adds up every worker's, those of workers
that died included (a counter never goes back); the database's figures are added once. Without it, the
default registry of this process (with its process_* and python_* metrics)."""

from __future__ import annotations

import os
import time
from collections.abc import Iterable, Iterator
from datetime import datetime
from pathlib import Path
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from prometheus_client import Counter, Histogram
    from prometheus_client.core import Metric

    from db.repositories.outbox_health import OutboxWaiting

__all__ = [
    "CONTENT_TYPE",
    "ERROR",
    "HANDLING_BUCKETS",
    "MULTIPROCESS_ENV",
    "OUTCOMES",
    "exposition",
    "handling_started",
    "message_in",
    "message_out",
    "prepare_multiprocess",
    "start_recording",
    "webhook_refused",
    "worker_exited",
]

MULTIPROCESS_ENV = "PROMETHEUS_MULTIPROC_DIR"
CONTENT_TYPE = "text/plain; version=0.0.4; charset=utf-8"  # what generate_latest writes

ERROR = "error"  # the result of a message whose handling raised (nothing committed; delivered again)
OUTCOMES = ("sent", "retry", "rate_limited", "failed", "unreachable")
# A reply is stored and queued in a few milliseconds when the database is idle (docs/PERFORMANCE.md);
# seconds mean a queue in front of the database.
HANDLING_BUCKETS = (0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1.0, 2.5, 5.0)
_PRIORITIES = {0: "reply", 1: "notification"}
_URGENT = tuple(_PRIORITIES)
_ANNOUNCEMENT = "announcement"  # only counted: a broadcast waits by design, and its rows can be 100 000


class _Metrics:
    """The metrics this process records, created once, on the default registry."""

    def __init__(self) -> None:
        from prometheus_client import Counter, Histogram  # noqa: PLC0415 (see the module's docstring)

        self.messages_in: Counter = Counter(
            "jaring_messages_in", "Messages handed to the pipeline, by result.", ["channel", "result"]
        )
        self.handling: Histogram = Histogram(
            "jaring_handling_seconds",
            "Time to store and answer one message (Pipeline.handle).",
            ["channel"],
            buckets=HANDLING_BUCKETS,
        )
        self.messages_out: Counter = Counter(
            "jaring_messages_out", "Outcomes of sending a message, by channel.", ["channel", "outcome"]
        )
        self.refusals: Counter = Counter(
            "jaring_webhook_refusals", "Webhook requests answered with an HTTP error.", ["channel", "status"]
        )
        self.channels: set[str] = set()
        # Read when the metrics are made, as prometheus_client did when imported (just before): whether
        # they live in files for /metrics to add up, or in this process's memory.
        self.directory = os.environ.get(MULTIPROCESS_ENV) or None

    def declare(self, channels: Iterable[str], results: Iterable[str]) -> None:
        """Series at 0 for what is expected, so a graph or an alert sees 0 rather than nothing."""
        for channel in channels:
            self.channels.add(channel)
            for result in (*results, ERROR):
                self.messages_in.labels(channel, result)
            for outcome in OUTCOMES:
                self.messages_out.labels(channel, outcome)
            self.handling.labels(channel)


_metrics: _Metrics | None = None


def start_recording(channels: Iterable[str] = (), results: Iterable[str] = ()) -> None:
    """From now on this process records. `channels` and the pipeline's `results` get their series at 0.
    Called again (a test's second web app), it only adds what is new."""
    global _metrics  # noqa: PLW0603 (one set of metrics per process, as prometheus_client's registry)
    if _metrics is None:
        _metrics = _Metrics()
    _metrics.declare(channels, tuple(results))


def handling_started() -> float:
    """A start time for `message_in` (monotonic: the bot's clock may be a test's fixed one)."""
    return time.perf_counter()


def message_in(channel: str, result: str, started: float) -> None:
    """One message handled (its `result`), `started` at `handling_started()`."""
    if _metrics is None:
        return
    _metrics.messages_in.labels(channel, result).inc()
    _metrics.handling.labels(channel).observe(time.perf_counter() - started)


def message_out(channel: str, outcome: str) -> None:
    """One send's outcome, once it is recorded in the outbox: one of OUTCOMES."""
    if _metrics is not None:
        _metrics.messages_out.labels(channel, outcome).inc()


def webhook_refused(channel: str, status: int) -> None:
    if _metrics is not None:
        _metrics.refusals.labels(channel, str(status)).inc()


def prepare_multiprocess(directory: Path) -> None:
    """Before the workers start: an empty `directory` (figures of an earlier run would be added to
    this one's) for their metrics, named in the environment they inherit. prometheus_client reads
    the variable when it is imported, so it must be set before a worker starts."""
    directory.mkdir(parents=True, exist_ok=True)
    directory.chmod(0o700)  # the workers' figures are nobody else's business
    for stale in directory.glob("*.db"):  # prometheus_client's files only: nothing else is touched
        stale.unlink()
    os.environ[MULTIPROCESS_ENV] = str(directory)


def worker_exited(pid: int) -> None:
    """A worker is gone: its live gauges stop counting (its counters stay in the sums)."""
    directory = os.environ.get(MULTIPROCESS_ENV)
    if not directory:
        return
    from prometheus_client import multiprocess  # noqa: PLC0415 (the supervisor records nothing itself)

    multiprocess.mark_process_dead(pid, directory)  # type: ignore[no-untyped-call]


def exposition(waiting: OutboxWaiting | None, now: datetime) -> bytes:
    """The text for /metrics: this process's metrics (every worker's, in multiprocess mode) and the
    outbox as read from the database (`waiting`; None when the database did not answer)."""
    from prometheus_client import REGISTRY, CollectorRegistry, generate_latest  # noqa: PLC0415
    from prometheus_client.multiprocess import MultiProcessCollector  # noqa: PLC0415

    start_recording()
    assert _metrics is not None
    if _metrics.directory:
        workers = CollectorRegistry()
        MultiProcessCollector(workers, _metrics.directory)  # type: ignore[no-untyped-call]
        recorded = generate_latest(workers)
    else:
        recorded = generate_latest(REGISTRY)
    stored = CollectorRegistry()
    stored.register(_Stored(list(_stored_metrics(waiting, now, _metrics.channels))))
    return recorded + generate_latest(stored)


class _Stored:
    """A collector for figures read from the database just before (prometheus_client collects
    synchronously; the database is read asynchronously, so it is read first)."""

    def __init__(self, metrics: list[Metric]) -> None:
        self._metrics = metrics

    def collect(self) -> Iterator[Metric]:
        yield from self._metrics


def _stored_metrics(waiting: OutboxWaiting | None, now: datetime, channels: Iterable[str]) -> Iterator[Metric]:
    from prometheus_client.core import GaugeMetricFamily  # noqa: PLC0415

    yield GaugeMetricFamily(
        "jaring_database_up", "1 when the database answered this scrape, 0 when it did not.", int(waiting is not None)
    )
    if waiting is None:
        return
    labels = ["channel", "priority"]
    count = GaugeMetricFamily(
        "jaring_outbox_waiting_messages", "Messages not yet sent (pending or being sent).", labels=labels
    )
    due = GaugeMetricFamily(
        "jaring_outbox_due_messages",
        "Replies and notifications due now and not yet sent (pending past their time, or being sent).",
        labels=labels,
    )
    oldest = GaugeMetricFamily(
        "jaring_outbox_oldest_waiting_seconds", "Age of the oldest reply or notification not yet sent.", labels=labels
    )
    found = {(w.channel, w.priority): w for w in waiting.urgent}
    for channel, priority in sorted({*found, *((c, p) for c in channels for p in _URGENT)}):
        label = [channel, _PRIORITIES.get(priority, str(priority))]
        row = found.get((channel, priority))
        count.add_metric(label, row.waiting if row else 0)
        due.add_metric(label, row.due if row else 0)
        oldest.add_metric(label, max(0.0, (now - row.oldest_created_at).total_seconds()) if row else 0)
    announcements = {a.channel: a.waiting for a in waiting.announcements}
    for channel in sorted({*announcements, *channels}):
        count.add_metric([channel, _ANNOUNCEMENT], announcements.get(channel, 0))
    yield from (count, due, oldest)
