"""Unauthenticated floods of the WhatsApp webhook, from outside (issue 12): the real `jaring serve` of
any checkout in a child process on 127.0.0.1, WhatsApp configured (its Graph API address is a closed
local port: nothing here needs it), and raw sockets that misbehave. Prints what the server wrote to
its log and how long it held each connection; asserts nothing.

    uv run python -m bench.webhook_flood                   # this checkout
    uv run python -m bench.webhook_flood --project ../old  # another checkout, the same probes

Probes:
- `--hangups` (1000) POSTs with `Content-Length: 100000` that send 100 bytes of body and hang up:
  seconds taken, log bytes and lines written, tracebacks;
- a body trickled at one byte a second for `--trickle` (15) seconds: when the server answered, with
  what;
- a JSON body nested 100 000 deep with a valid signature: the status."""

from __future__ import annotations

import argparse
import asyncio
import hashlib
import hmac
import os
import socket
import subprocess
import tempfile
import time
from pathlib import Path

from cryptography.fernet import Fernet

HERE = Path(__file__).resolve().parent.parent
SECRET = "bench-app-secret"
PATH = "/webhook/whatsapp"


def _free_port() -> int:
    with socket.socket(socket.AF_INET, socket.SOCK_STREAM) as probe:
        probe.bind(("127.0.0.1", 0))
        return int(probe.getsockname()[1])


def _head(port: int, length: int, signature: str = "sha256=" + "0" * 64) -> bytes:
    return (
        f"POST {PATH} HTTP/1.1\r\nHost: 127.0.0.1:{port}\r\nContent-Type: application/json\r\n"
        f"X-Hub-Signature-256: {signature}\r\nContent-Length: {length}\r\n\r\n"
    ).encode()


async def _hang_up(port: int) -> None:
    _, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(_head(port, 100_000) + b"{" + b" " * 99)
    await writer.drain()
    writer.close()
    await writer.wait_closed()


async def _hang_ups(port: int, count: int) -> float:
    started = time.monotonic()
    for start in range(0, count, 50):
        await asyncio.gather(*(_hang_up(port) for _ in range(start, min(count, start + 50))))
    return time.monotonic() - started


async def _trickle(port: int, seconds: int) -> str:
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(_head(port, seconds + 100))
    await writer.drain()
    started = time.monotonic()
    answer = asyncio.create_task(reader.read(200))
    for _ in range(seconds):
        if answer.done():
            break
        try:
            writer.write(b" ")
            await writer.drain()
        except ConnectionError:
            break
        await asyncio.sleep(1)
    if not answer.done():
        writer.close()
        return f"held all {seconds} s of {seconds} s, no answer"
    status = (await answer).split(b"\r\n", 1)[0].decode(errors="replace")
    writer.close()
    return f"answered after {time.monotonic() - started:.1f} s: {status or 'connection closed'}"


async def _nested(port: int) -> str:
    body = b'{"entry":' + b"[" * 100_000 + b"]" * 100_000 + b"}"
    signature = "sha256=" + hmac.new(SECRET.encode(), body, hashlib.sha256).hexdigest()
    reader, writer = await asyncio.open_connection("127.0.0.1", port)
    writer.write(_head(port, len(body), signature) + body)
    await writer.drain()
    status = (await reader.read(200)).split(b"\r\n", 1)[0].decode(errors="replace")
    writer.close()
    return status


async def _probe(port: int, hangups: int, trickle: int, log: Path) -> None:
    before = len(await asyncio.to_thread(log.read_bytes))
    took = await _hang_ups(port, hangups)
    await asyncio.sleep(1)
    written = (await asyncio.to_thread(log.read_bytes))[before:]
    lines = len(written.splitlines())
    print(
        f"{hangups} hang-ups mid-body: {took:.2f} s; log {len(written)} bytes, {lines} lines, "
        f"{written.count(b'Traceback')} tracebacks, {len(written) / hangups:.0f} bytes per request"
    )
    print(f"a body at 1 byte/s: {await _trickle(port, trickle)}")
    print(f"JSON nested 100 000 deep, valid signature: {await _nested(port)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    parser.add_argument("--project", type=Path, default=HERE)
    parser.add_argument("--hangups", type=int, default=1000)
    parser.add_argument("--trickle", type=int, default=15)
    args = parser.parse_args()
    project = args.project.resolve()
    port = _free_port()
    with tempfile.TemporaryDirectory() as folder:
        env = {k: v for k, v in os.environ.items() if not k.startswith(("JARING_", "DATABASE_URL", "WHATSAPP_"))}
        env |= {
            "JARING_DATA_DIR": str(Path(folder) / "data"),
            "JARING_SECRET_KEY": Fernet.generate_key().decode(),
            "WHATSAPP_TOKEN": "bench",
            "WHATSAPP_PHONE_NUMBER_ID": "1",
            "WHATSAPP_APP_SECRET": SECRET,
            "WHATSAPP_VERIFY_TOKEN": "bench",
            "WHATSAPP_API_BASE": f"http://127.0.0.1:{_free_port()}/v23.0",
        }
        log = Path(folder) / "serve.log"
        with log.open("wb") as sink:
            command = ["uv", "run", "--quiet", "--project", str(project), "jaring", "serve", "--port", str(port)]
            server = subprocess.Popen(command, cwd=project, env=env, stdout=sink, stderr=sink)
            try:
                deadline = time.monotonic() + 60
                while time.monotonic() < deadline:
                    with socket.socket() as probe:
                        if probe.connect_ex(("127.0.0.1", port)) == 0:
                            break
                    time.sleep(0.2)
                print(f"project: {project}")
                asyncio.run(_probe(port, args.hangups, args.trickle, log))
            finally:
                server.terminate()
                server.wait(timeout=30)


if __name__ == "__main__":
    main()
