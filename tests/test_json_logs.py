"""JARING_LOG_FORMAT=json: the real `jaring serve` writes one JSON object per line on stderr, with the
time (ISO 8601, UTC), level, logger and message, and a failure's traceback without the exception's
message, NIKs masked. The failure is a real one: the database refuses every inbound message with a
text that quotes a NIK (a trigger), as a constraint's or a driver's message may quote what it was given."""

from __future__ import annotations

import asyncio
import io
import json
import logging
import sqlite3
from collections.abc import Iterator
from datetime import datetime, timedelta
from pathlib import Path

import httpx
import pytest

from bot.logging_setup import configure_logging
from tests.serve_support import command_env, jaring_serve, stop_cleanly, whatsapp_env
from tests.telegram_support import free_port, use_migrated_database
from tests.whatsapp_support import fake_graph

NIK = "3375014107800002"
REFUSAL = f"ditolak untuk NIK {NIK}"
FIELDS = {"time", "level", "logger", "message"}


def records(stderr: str) -> list[dict[str, object]]:
    """Every line of `stderr` as the JSON object it must be."""
    lines = stderr.splitlines()
    assert lines, "something was logged"
    parsed = []
    for line in lines:
        record = json.loads(line)  # fails the test on a line that is not one JSON object
        assert isinstance(record, dict), line
        assert record.keys() >= FIELDS, line
        parsed.append(record)
    return parsed


def utc_time(text: object) -> datetime:
    assert isinstance(text, str)
    moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    assert moment.utcoffset() == timedelta(0), text
    return moment


@pytest.mark.slow
async def test_serve_logs_json_lines_without_the_exceptions_message_or_a_nik(tmp_path: Path) -> None:
    from bot.settings import load_settings

    env = command_env(tmp_path, JARING_LOG_FORMAT="json", JARING_LOG_LEVEL="DEBUG")
    database = tmp_path / "data" / "jaring.db"
    await use_migrated_database(load_settings(data_dir=tmp_path / "data"))
    with sqlite3.connect(database) as connection:
        connection.execute(
            f"CREATE TRIGGER refuse_inbound BEFORE INSERT ON inbox BEGIN SELECT RAISE(ABORT, '{REFUSAL}'); END"
        )
    connection.close()
    async with fake_graph() as fake:
        port = free_port()
        fake.webhook_url = f"http://127.0.0.1:{port}/webhook/whatsapp"
        env |= whatsapp_env(fake) | {"JARING_PORT": str(port)}
        async with jaring_serve(env, tmp_path) as process:
            status = 0
            async with asyncio.timeout(60):
                while status == 0:  # until the web app listens
                    try:
                        status = await fake.deliver(fake.text("6281234567890", f"NIK saya {NIK}"))
                    except httpx.ConnectError:
                        await asyncio.sleep(0.1)
            assert status == 500, "refused by the database: not stored, delivered again later"
            await stop_cleanly(process)
        assert process.stderr is not None
        stderr = (await process.stderr.read()).decode()

    logged = records(stderr)
    for record in logged:
        utc_time(record["time"])
    assert {record["level"] for record in logged} >= {"INFO", "ERROR"}
    failures = [record for record in logged if "traceback" in record]
    assert failures, "the step that failed is logged with its traceback"
    assert all("IntegrityError (message withheld)" in str(record["traceback"]) for record in failures)
    assert "File " in str(failures[0]["traceback"]), "frames are kept"
    assert any("serving whatsapp" in str(record["message"]) for record in logged)
    assert REFUSAL not in stderr
    assert NIK not in stderr
    assert NIK[:8] not in stderr


@pytest.fixture
def json_log() -> Iterator[io.StringIO]:
    """The root logger writing JSON lines to a buffer, as configured for stderr; put back afterwards."""
    root = logging.getLogger()
    handlers, level = root.handlers[:], root.level
    buffer = io.StringIO()
    configure_logging("INFO", json=True)
    root.handlers[0].setStream(buffer)  # type: ignore[attr-defined]
    try:
        yield buffer
    finally:
        root.handlers[:] = handlers
        root.setLevel(level)
        logging.captureWarnings(False)


def test_a_nik_in_a_message_or_an_extra_field_is_masked(json_log: io.StringIO) -> None:
    log = logging.getLogger("jaring.test")
    log.info("lookup for %s", f"{NIK[:4]} {NIK[4:8]} {NIK[8:12]} {NIK[12:]}")
    log.warning("registration checked", extra={"subject": NIK, "count": 3})
    first, second = records(json_log.getvalue())
    assert (first["level"], first["logger"]) == ("INFO", "jaring.test")
    assert NIK[4:12] not in json.dumps(first)
    assert "3375" in str(first["message"])
    assert second["subject"] != NIK
    assert second["count"] == 3
