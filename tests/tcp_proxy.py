"""A TCP proxy on 127.0.0.1 in front of a real server (PostgreSQL), for tests of what a database restart
looks like to its clients: `cut()` drops every connection (each side gets a reset), `refuse()` stops
listening (connecting is refused), `listen()` starts again on the same port. The shared test server
itself is never restarted: other tests run against it at the same time."""

from __future__ import annotations

import asyncio
import contextlib
import socket

__all__ = ["TcpProxy"]


class TcpProxy:
    def __init__(self, upstream_host: str, upstream_port: int) -> None:
        self.upstream = (upstream_host, upstream_port)
        self.port = _free_port()
        self.connections = 0  # accepted since the start, for a test to see that clients came back
        self._server: asyncio.Server | None = None
        self._pipes: set[asyncio.StreamWriter] = set()
        self._tasks: set[asyncio.Task[None]] = set()

    async def listen(self) -> None:
        if self._server is None:
            self._server = await asyncio.start_server(self._serve, "127.0.0.1", self.port, reuse_address=True)

    def refuse(self) -> None:
        """New connections are refused (nothing listens); those open go on until `cut`."""
        if self._server is not None:
            self._server.close()
            self._server = None

    def cut(self) -> None:
        """Every open connection dropped at once, both ways."""
        for writer in list(self._pipes):
            writer.transport.abort()
        self._pipes.clear()

    async def close(self) -> None:
        self.refuse()
        self.cut()
        for task in list(self._tasks):
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)

    async def _serve(self, client_reader: asyncio.StreamReader, client_writer: asyncio.StreamWriter) -> None:
        self.connections += 1
        try:
            server_reader, server_writer = await asyncio.open_connection(*self.upstream)
        except OSError:
            client_writer.transport.abort()
            return
        self._pipes.update((client_writer, server_writer))
        both = [
            asyncio.create_task(_pump(client_reader, server_writer)),
            asyncio.create_task(_pump(server_reader, client_writer)),
        ]
        self._tasks.update(both)
        try:
            await asyncio.wait(both, return_when=asyncio.FIRST_COMPLETED)
        finally:
            for writer in (client_writer, server_writer):
                writer.transport.abort()
                self._pipes.discard(writer)
            for task in both:
                task.cancel()
                self._tasks.discard(task)


async def _pump(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
    with contextlib.suppress(OSError, asyncio.IncompleteReadError):
        while data := await reader.read(65536):
            writer.write(data)
            await writer.drain()


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])
