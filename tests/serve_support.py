"""The real `jaring serve` command as a child process of a test: its environment, starting it, stopping it."""

from __future__ import annotations

import asyncio
import os
import signal
import sys
from collections.abc import AsyncIterator, Mapping
from contextlib import asynccontextmanager
from pathlib import Path

from cryptography.fernet import Fernet

from tests.fake_whatsapp import APP_SECRET, VERIFY_TOKEN, FakeGraph

__all__ = ["JARING", "command_env", "jaring_serve", "stop_cleanly", "whatsapp_env"]

JARING = str(Path(sys.executable).with_name("jaring"))


def command_env(tmp_path: Path, **settings: str) -> dict[str, str]:
    """This machine's environment without our settings, plus a data folder, a new key and `settings`."""
    ours = ("JARING_", "DATABASE_URL", "TELEGRAM_")
    environment = {k: v for k, v in os.environ.items() if not k.startswith(ours)}
    return environment | {
        "JARING_DATA_DIR": str(tmp_path / "data"),
        "JARING_SECRET_KEY": Fernet.generate_key().decode(),
        **settings,
    }


def whatsapp_env(graph: FakeGraph) -> dict[str, str]:
    """The settings that point the WhatsApp channel at the fake Graph API."""
    return {
        "WHATSAPP_TOKEN": graph.token,
        "WHATSAPP_PHONE_NUMBER_ID": graph.phone_number_id,
        "WHATSAPP_APP_SECRET": APP_SECRET,
        "WHATSAPP_VERIFY_TOKEN": VERIFY_TOKEN,
        "WHATSAPP_API_BASE": graph.api_base,
    }


@asynccontextmanager
async def jaring_serve(env: Mapping[str, str], cwd: Path) -> AsyncIterator[asyncio.subprocess.Process]:
    """`jaring serve` on 127.0.0.1, its stderr piped; killed if the test leaves it running."""
    process = await asyncio.create_subprocess_exec(
        JARING, "serve", "--host", "127.0.0.1", env=dict(env), cwd=cwd, stderr=asyncio.subprocess.PIPE
    )
    try:
        yield process
    finally:
        if process.returncode is None:
            process.kill()
            await process.wait()


async def stop_cleanly(process: asyncio.subprocess.Process) -> None:
    """SIGTERM, and a clean exit (0) within 20 s."""
    process.send_signal(signal.SIGTERM)
    async with asyncio.timeout(20):
        assert await process.wait() == 0
