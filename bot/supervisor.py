"""`jaring serve --workers N`: N worker processes behind one port, on one PostgreSQL database.

A pre-fork supervisor. The parent checks the settings, refuses N > 1 on SQLite (it has one writer:
several processes would only queue for it; PostgreSQL is the several-workers path), migrates the
database once (children racing Alembic could fail or, worse, half-apply a migration), binds the
listening socket, then starts N children (`jaring serve` with a hidden `--listen-fd`) that inherit the
socket and accept from it: the kernel hands each new connection to one of them. The parent does no
other work: it forwards SIGTERM and SIGINT to the children (each stops gracefully, as one `jaring
serve` does, and a second signal stops them at once), starts another child when one dies unexpectedly
(SIGKILL, a crash) after a short pause that grows while they keep dying young, logs one line per event,
and exits once every child has stopped. Each child is in a process group of its own, so a Ctrl+C in a
terminal reaches the parent only, which forwards it once. A child whose parent dies stops by itself.

Why pre-fork here rather than uvicorn's own `--workers`: a `jaring serve` process is more than the
ASGI app. It runs the outbox worker with its lease heartbeat, the channels (Telegram's start-up and
polling), and one leader's rounds (bot/leadership.py); uvicorn's workers would only copy the web app.
Why not only N separate units behind a reverse proxy: that works just as well (each unit on its own
port, `jaring serve --port`, the proxy spreading requests; docs/DEPLOY.md describes both), but one
port and one unit is simpler to run on a small VPS, and the supervisor migrates once and restarts a
dead worker within a second or two instead of waiting for systemd. Under systemd, use
`KillMode=mixed`, so that `systemctl stop` signals the supervisor only, and it its children once."""

from __future__ import annotations

import asyncio
import contextlib
import logging
import os
import signal
import sys
import time
from collections.abc import Sequence
from dataclasses import dataclass, field

from bot import metrics
from bot.app import open_jaring
from bot.serve import SUPERVISOR_PID_VARIABLE, check_settings, listen
from bot.settings import Settings, SettingsError
from db.connection import is_sqlite

__all__ = ["CONFIG_ERROR_EXIT", "SQLITE_REFUSED", "run_supervisor", "worker_command"]

log = logging.getLogger(__name__)

SQLITE_REFUSED = (
    "--workers {workers} (JARING_WORKERS) needs PostgreSQL: SQLite has one writer, so more workers would "
    "only wait for each other; set DATABASE_URL=postgresql+asyncpg://… (docs/DEPLOY.md) or serve with one worker"
)
CONFIG_ERROR_EXIT = 2  # what `jaring` exits with for a setting to fix: starting the worker again cannot help
LISTEN_BACKLOG = 2048  # connections the kernel queues while every worker is busy
_FIRST_PAUSE_SECONDS = 1.0  # before a dead worker's successor starts
_LONGEST_PAUSE_SECONDS = 30.0  # the pause doubles while workers keep dying young, up to this
_YOUNG_SECONDS = 30.0  # a worker that died younger than this doubles the pause; an older one resets it
_STOP_GRACE_SECONDS = 60.0  # a worker still running this long after the stop signal is killed


def worker_command(fd: int, host: str, port: int) -> list[str]:
    """How a worker is started: the same Python and `jaring`, serving on the inherited socket."""
    return [sys.executable, "-m", "bot", "serve", "--host", host, "--port", str(port), "--listen-fd", str(fd)]


@dataclass(slots=True)
class _Slot:
    """One of the N places a worker runs in; the worker in it changes when one dies."""

    number: int
    process: asyncio.subprocess.Process | None = None
    started_at: float = 0.0
    pause: float = _FIRST_PAUSE_SECONDS
    exits: list[int] = field(default_factory=list)


async def run_supervisor(settings: Settings, *, workers: int, host: str | None = None, port: int | None = None) -> int:
    """The command with N > 1: exit code 0 once every worker stopped after SIGTERM/SIGINT, 2 when a
    worker found a setting to fix (all are stopped), 1 when a worker had to be killed at the end."""
    if is_sqlite(settings.resolved_database_url):
        raise SettingsError(SQLITE_REFUSED.format(workers=workers))
    check_settings(settings)
    host = settings.host if host is None else host
    port = settings.port if port is None else port
    # Migrated once, here (and the programme file, the key and the database checked once, with one line
    # each, before any worker starts); the workers then find the schema current.
    await (await open_jaring(settings)).close()
    listener = listen(host, port)
    listener.listen(LISTEN_BACKLOG)  # connections queue from now on, even before a worker accepts
    bound_port = listener.getsockname()[1]
    metrics.prepare_multiprocess(settings.data_dir / "metrics")
    supervisor = _Supervisor(listener.fileno(), host, bound_port)
    log.info("supervising %d workers on http://%s:%s", workers, host, bound_port)
    try:
        return await supervisor.run([_Slot(n) for n in range(1, workers + 1)])
    finally:
        listener.close()


class _Supervisor:
    def __init__(self, fd: int, host: str, port: int) -> None:
        self.fd = fd
        self.host = host
        self.port = port
        self.stopping = asyncio.Event()
        self.config_error = False
        self.killed_at_end = False
        self._slots: list[_Slot] = []

    async def run(self, slots: Sequence[_Slot]) -> int:
        self._slots = list(slots)
        loop = asyncio.get_running_loop()
        for signum in (signal.SIGINT, signal.SIGTERM):
            loop.add_signal_handler(signum, self._forward, signum)
        try:
            await asyncio.gather(*(self._keep_running(slot) for slot in self._slots))
        finally:
            for signum in (signal.SIGINT, signal.SIGTERM):
                loop.remove_signal_handler(signum)
        log.info("all workers stopped")
        if self.config_error:
            return CONFIG_ERROR_EXIT
        return 1 if self.killed_at_end else 0

    def _forward(self, signum: int) -> None:
        """The first signal stops every worker gracefully; a second one, forwarded too, at once."""
        if not self.stopping.is_set():
            log.info("stopping %d workers (%s)", len(self._slots), signal.Signals(signum).name)
        self.stopping.set()
        self._signal_all(signum)

    def _signal_all(self, signum: int) -> None:
        for slot in self._slots:
            if slot.process is not None and slot.process.returncode is None:
                with contextlib.suppress(ProcessLookupError):
                    slot.process.send_signal(signum)

    async def _keep_running(self, slot: _Slot) -> None:
        while not self.stopping.is_set():
            process = await self._start(slot)
            code = await self._wait(process)
            metrics.worker_exited(process.pid)
            lived = time.monotonic() - slot.started_at
            slot.exits.append(code)
            if self.stopping.is_set():
                log.info("worker %d (pid %d) stopped: %s", slot.number, process.pid, _how(code))
                return
            if code == CONFIG_ERROR_EXIT:  # every worker would meet the same setting: stop them all
                log.error(
                    "worker %d (pid %d) stopped on a setting to fix (above): stopping all", slot.number, process.pid
                )
                self.config_error = True
                self.stopping.set()
                self._signal_all(signal.SIGTERM)
                return
            if lived >= _YOUNG_SECONDS:
                slot.pause = _FIRST_PAUSE_SECONDS
            pause, slot.pause = slot.pause, min(slot.pause * 2, _LONGEST_PAUSE_SECONDS)
            log.warning(
                "worker %d (pid %d) ended unexpectedly: %s, after %.0f s; starting another in %g s",
                slot.number,
                process.pid,
                _how(code),
                lived,
                pause,
            )
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(pause):
                    await self.stopping.wait()

    async def _start(self, slot: _Slot) -> asyncio.subprocess.Process:
        process = await asyncio.create_subprocess_exec(
            *worker_command(self.fd, self.host, self.port),
            pass_fds=(self.fd,),
            env={**os.environ, SUPERVISOR_PID_VARIABLE: str(os.getpid())},
            process_group=0,  # a terminal's Ctrl+C reaches the supervisor only; it forwards it once
        )
        slot.process, slot.started_at = process, time.monotonic()
        log.info("worker %d started: pid %d", slot.number, process.pid)
        if self.stopping.is_set():  # the stop came while it was being started: it missed the signal
            with contextlib.suppress(ProcessLookupError):
                process.send_signal(signal.SIGTERM)
        return process

    async def _wait(self, process: asyncio.subprocess.Process) -> int:
        """Its exit code (negative: the signal that ended it); killed when it outlives a stop by far."""
        waiting = asyncio.create_task(process.wait())
        stopped = asyncio.create_task(self.stopping.wait())
        await asyncio.wait([waiting, stopped], return_when=asyncio.FIRST_COMPLETED)
        stopped.cancel()
        if not waiting.done():
            try:
                async with asyncio.timeout(_STOP_GRACE_SECONDS):
                    return await asyncio.shield(waiting)
            except TimeoutError:
                log.error(
                    "worker pid %d still running %g s after the stop: killing it", process.pid, _STOP_GRACE_SECONDS
                )
                self.killed_at_end = True
                with contextlib.suppress(ProcessLookupError):
                    process.kill()
        return await waiting


def _how(code: int) -> str:
    if code < 0:
        with contextlib.suppress(ValueError):
            return f"killed by {signal.Signals(-code).name}"
        return f"killed by signal {-code}"
    return f"exit code {code}"
