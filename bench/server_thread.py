"""A fake server (Bot API, Graph API) on an event loop of its own thread, so the fake's work does not
sit on the loop of the bot being measured (the GIL is still shared, equally for every contender)."""

from __future__ import annotations

import asyncio
import threading
from collections.abc import Awaitable, Callable
from concurrent.futures import Future
from typing import Any, Generic, Protocol, Self, TypeVar

__all__ = ["ServerInThread"]


class _Server(Protocol):
    async def start(self) -> None: ...
    async def close(self) -> None: ...


S = TypeVar("S", bound=_Server)


class ServerInThread(Generic[S]):
    def __init__(self, make: Callable[[], S]) -> None:
        self.loop = asyncio.new_event_loop()
        self.thread = threading.Thread(target=self.loop.run_forever, daemon=True)
        self.thread.start()
        self.fake: S = make()
        self.call(self.fake.start()).result()

    def call(self, work: Awaitable[Any]) -> Future[Any]:
        """Run `work` on the server's loop; the future is for the caller's thread."""

        async def run() -> Any:
            return await work

        return asyncio.run_coroutine_threadsafe(run(), self.loop)

    def close(self) -> None:
        self.call(self.fake.close()).result()
        self.loop.call_soon_threadsafe(self.loop.stop)
        self.thread.join()
        self.loop.close()

    def __enter__(self) -> Self:
        return self

    def __exit__(self, *_: object) -> None:
        self.close()
