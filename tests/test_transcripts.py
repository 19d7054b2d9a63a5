"""Golden transcripts: whole conversations in the `jaring chat --jsonl` format, run through the same
path as every channel (inbox → engine → outbox → sender), on a fresh database with a fixed clock.

A transcript file holds input lines `{"from", "text"}` and, after each, the lines the bot must send
`{"to", "text", "choices"}`. To re-record after an intended change of wording, run
`JARING_UPDATE_TRANSCRIPTS=1 uv run pytest tests/test_transcripts.py` and review the diff."""

from __future__ import annotations

import io
import json
import os
from pathlib import Path

import pytest

from bot.app import Jaring
from bot.chat import chat_jsonl

TRANSCRIPTS = sorted((Path(__file__).parent / "transcripts").glob("*.jsonl"))
UPDATE = os.environ.get("JARING_UPDATE_TRANSCRIPTS") == "1"


def _split(path: Path) -> tuple[list[str], list[dict[str, object]]]:
    inputs, expected = [], []
    for line in path.read_text(encoding="utf-8").splitlines():
        if not line.strip():
            continue
        record = json.loads(line)
        if "from" in record:
            inputs.append(json.dumps(record, ensure_ascii=False))
        else:
            expected.append(record)
    return inputs, expected


async def _run(jaring: Jaring, inputs: list[str]) -> list[tuple[str, list[dict[str, object]]]]:
    """Each input with the lines the bot sent in answer to it."""
    exchanges = []
    for line in inputs:
        out = io.StringIO()
        assert await chat_jsonl(jaring, io.StringIO(line + "\n"), out, io.StringIO()) == 0
        exchanges.append((line, [json.loads(sent) for sent in out.getvalue().splitlines()]))
    return exchanges


def _record(path: Path, exchanges: list[tuple[str, list[dict[str, object]]]]) -> None:
    lines = [text for line, sent in exchanges for text in (line, *(json.dumps(s, ensure_ascii=False) for s in sent))]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


@pytest.mark.parametrize("path", TRANSCRIPTS, ids=[p.stem for p in TRANSCRIPTS])
async def test_transcript(path: Path, jaring: Jaring) -> None:
    inputs, expected = _split(path)
    exchanges = await _run(jaring, inputs)
    if UPDATE:
        _record(path, exchanges)
    actual = [sent for _, replies in exchanges for sent in replies]
    assert actual == expected


def test_there_are_transcripts() -> None:
    assert len(TRANSCRIPTS) >= 5
