"""This process as the holder of outbox leases. A `jaring serve` records itself at start (`processes`),
names itself on every lease it takes, beats a heartbeat while it runs and marks itself stopped when it
stops cleanly. Any process can then tell a lease whose holder is gone, and take it over at once rather
than when it runs out: a SIGKILL costs seconds, not the lease's 60.

A holder is gone when it stopped (cleanly, or found dead earlier); when its heartbeat is older than
`stale_after` (the only sign for a process on another machine); or, on this machine, when its pid runs
no process, or another one (its start time differs). "This machine" is the PID namespace of this boot
(`pid_space`): two containers on one host, or one host before and after a reboot, are different
machines, since a pid means nothing across them. A live holder's leases are never touched; several
processes sharing one PostgreSQL keep claiming with `FOR UPDATE SKIP LOCKED`."""

from __future__ import annotations

import logging
import os
import socket
import uuid
from dataclasses import dataclass
from datetime import datetime, timedelta

from bot.clock import Clock
from db.connection import Store
from db.models import Process
from db.repositories import processes

__all__ = ["LeaseHolder", "ProcessIdentity", "is_gone", "start_ticks", "this_process"]

log = logging.getLogger(__name__)

_STOPPED_KEPT = timedelta(days=7)  # a stopped process's record, for whoever looks into a past incident
_NOT_JUDGED = timedelta(days=3650)  # a heartbeat age no process reaches: other machines left alone this round


@dataclass(frozen=True, slots=True)
class ProcessIdentity:
    host: str
    pid_space: str
    pid: int
    pid_started: int | None  # clock ticks after boot (Linux); None where /proc is missing


def this_process() -> ProcessIdentity:
    pid = os.getpid()
    return ProcessIdentity(socket.gethostname(), _pid_space(), pid, start_ticks(pid))


def _pid_space() -> str:
    try:
        with open("/proc/sys/kernel/random/boot_id", encoding="ascii") as boot:
            boot_id = boot.read().strip()
        namespace = os.readlink("/proc/self/ns/pid")  # "pid:[4026531836]"
    except OSError:  # no /proc: the host's name stands for it (and the heartbeat catches a reboot)
        return f"host {socket.gethostname()}"
    return f"{boot_id} {namespace}"


def start_ticks(pid: int) -> int | None:
    """When process `pid` started (field 22 of /proc/<pid>/stat); None when no such process runs here
    or there is no /proc."""
    try:
        with open(f"/proc/{pid}/stat", encoding="utf-8", errors="replace") as stat:
            line = stat.read()
    except OSError:
        return None
    # The command name (field 2) is in parentheses and may hold spaces or parentheses itself.
    fields = line[line.rfind(")") + 2 :].split()
    try:
        return int(fields[19])  # field 22; fields[0] is field 3
    except (IndexError, ValueError):
        return None


def _pid_runs(pid: int) -> bool:
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:  # someone else's process: it runs
        return True
    return True


def is_gone(record: Process | None, here: ProcessIdentity, now: datetime, *, stale_after: timedelta) -> bool:
    """Whether the process `record` describes can no longer finish what it holds."""
    if record is None or record.stopped_at is not None:
        return True
    if record.pid_space != here.pid_space:  # another machine: only its heartbeat tells
        return record.heartbeat_at < now - stale_after
    # This machine: the pid says it, whatever the heartbeat (a process whose database stalled for
    # minutes is slow, not gone). A start time we cannot read (/proc with hidepid) proves nothing.
    started = start_ticks(record.pid) if record.pid_started is not None else None
    if started is not None:
        return started != record.pid_started
    return not _pid_runs(record.pid)


class LeaseHolder:
    """This process, recorded. `every`: how often to beat the heartbeat and look for gone holders;
    `stale_after`: a heartbeat older than this means the process is gone (a few leases' length, far
    above `every`, so a busy or briefly disconnected process is not taken for dead)."""

    def __init__(
        self,
        store: Store,
        clock: Clock,
        identity: ProcessIdentity,
        process_id: str,
        *,
        every: timedelta,
        stale_after: timedelta,
    ) -> None:
        self.store = store
        self.clock = clock
        self.identity = identity
        self.id = process_id
        self.every = every
        self.stale_after = stale_after
        self.lease = every * 4  # how long a lease runs: extended at each heartbeat
        self._last_beat: datetime | None = None  # this process's own last heartbeat that was written

    @classmethod
    async def register(
        cls,
        store: Store,
        clock: Clock,
        *,
        lease: timedelta = timedelta(seconds=60),
        identity: ProcessIdentity | None = None,
    ) -> LeaseHolder:
        """Record this process (`identity`: tests pass another one's)."""
        identity = identity or this_process()
        holder = cls(store, clock, identity, uuid.uuid4().hex, every=lease / 4, stale_after=lease * 3)
        async with store.transaction() as session:
            await processes.register(
                session,
                process_id=holder.id,
                host=identity.host,
                pid_space=identity.pid_space,
                pid=identity.pid,
                pid_started=identity.pid_started,
                now=clock(),
            )
        holder._last_beat = clock()
        return holder

    async def look_after(self) -> int:
        """Beat the heartbeat and take over the leases of processes that are gone; the number taken."""
        now = self.clock()
        # After this process could not beat for a while (the database was down), the others could not
        # either: their old heartbeats say nothing yet. Judge other machines by them from the next round.
        fresh = self._last_beat is not None and now - self._last_beat <= self.stale_after
        stale_after = self.stale_after if fresh else _NOT_JUDGED
        async with self.store.transaction() as session:
            await processes.heartbeat(session, self.id, now, lease_until=now + self.lease)
            holders = await processes.holders_of_leases(session, other_than=self.id)
            gone = [
                holder
                for holder, record in holders.items()
                if is_gone(record, self.identity, now, stale_after=stale_after)
            ]
            released = await processes.release_leases_of(session, gone, now)
            await processes.mark_stopped(session, gone, now)
            await processes.purge_stopped(session, now, older_than=_STOPPED_KEPT)
        self._last_beat = now
        if released:
            log.warning("took over %d outbox message(s) from %d process(es) that are gone", released, len(gone))
        return released

    async def stop(self) -> None:
        """A clean stop: what this process still holds (a send cut off at shutdown) is free at once."""
        now = self.clock()
        async with self.store.transaction() as session:
            await processes.release_leases_of(session, [self.id], now)
            await processes.mark_stopped(session, [self.id], now)
