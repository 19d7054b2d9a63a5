"""Benefit questions as a newcomer meets the bot: each question is the first message of a fresh person,
sent through the real `jaring chat --jsonl` (SQLite, terminal channel), and the first reply is read.

A reply is "answered directly" when it is a topic's answer (recognised by the start of that topic's
answer text, rendered in-process from the same programme file), "asked back" when it is the "did you
mean" menu, "not known" when the bot says it cannot answer. Answered directly is right when the topic is
the labelled one (or its second topic), else wrong; for an off-topic question any answer is wrong.

    uv run python -m bench.first_messages                         # the held-out set, this tree
    uv run python -m bench.first_messages --before /tmp/before    # the same run against another checkout

`--before` runs the other checkout's code (PYTHONPATH) with this environment's packages, in the same run.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import tempfile
import time
from collections import Counter
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path

from bench.question_matching import HELD_OUT, Row, load_rows
from bot.app import read_programme_file
from conversations.flow import ContactInfo, Context
from conversations.messages import msg
from conversations.questions.answers import answer
from conversations.questions.topics import topic_ids
from locales import Catalogs

PROJECT = Path(__file__).resolve().parent.parent
PROGRAMME = PROJECT / "programmes" / "kota-pekalongan.toml"
_PREFIX = 60  # characters of an answer's first message that tell the topics apart


def answer_openings() -> dict[str, str]:
    """The start of each topic's first answer message, as the bot renders it in Indonesian."""
    catalogs = Catalogs.load()
    ctx = Context(
        now=datetime.now(UTC),
        language="id",
        programme=read_programme_file(PROGRAMME),
        contact=ContactInfo(channel="terminal"),
        renderer=catalogs,
    )
    return {topic: catalogs.render(answer(topic, ctx)[0], "id")[:_PREFIX] for topic in topic_ids()}


def first_replies(rows: Sequence[Row], tree: Path) -> tuple[list[str], float]:
    """The first reply each question got, and the wall time of the run."""
    lines = "".join(json.dumps({"from": f"person-{i}", "text": row.text}) + "\n" for i, row in enumerate(rows))
    with tempfile.TemporaryDirectory(prefix="jaring-first-") as folder:
        env = {**os.environ, "JARING_DATA_DIR": folder, "PYTHONPATH": str(tree)}
        env.pop("DATABASE_URL", None)
        started = time.perf_counter()
        done = subprocess.run(
            [sys.executable, "-c", "import sys; from bot.cli import main; sys.exit(main())", "chat", "--jsonl"],
            cwd=tree,
            env=env,
            input=lines,
            capture_output=True,
            text=True,
            check=True,
        )
        took = time.perf_counter() - started
    first: dict[str, str] = {}
    for line in done.stdout.splitlines():
        reply = json.loads(line)
        first.setdefault(str(reply["to"]), str(reply["text"]))
    return [first.get(f"person-{i}", "") for i in range(len(rows))], took


def classify(rows: Sequence[Row], replies: Sequence[str], openings: dict[str, str]) -> Counter[str]:
    catalogs = Catalogs.load()
    asked_back = catalogs.render(msg("questions.did_you_mean"), "id")
    not_known = catalogs.render(msg("questions.not_known", dinas="", call_centre=""), "id")[:20]
    counts: Counter[str] = Counter()
    for row, reply in zip(rows, replies, strict=True):
        topic = next((t for t, opening in openings.items() if reply.startswith(opening)), None)
        if topic is not None:
            counts["direct-right" if topic in row.accepted else "direct-wrong"] += 1
        elif reply.startswith(asked_back):
            counts["asked back"] += 1
        elif reply.startswith(not_known):
            counts["not known" if row.topic != "none" else "direct-right"] += 1
        else:
            counts["other (menu, a conversation started)"] += 1
    return counts


def report(name: str, counts: Counter[str], total: int, took: float) -> None:
    print(f"\n{name}: {total} first messages, {took:.1f} s for the whole run")
    for key in ("direct-right", "direct-wrong", "asked back", "not known", "other (menu, a conversation started)"):
        print(f"  {key:<38} {100 * counts[key] / total:5.1f}%  ({counts[key]})")


def main(argv: Sequence[str] | None = None) -> int:
    parser = argparse.ArgumentParser(description=(__doc__ or "").split("\n")[0])
    parser.add_argument("--set", type=Path, default=HELD_OUT, help="a labelled .jsonl set (default: held-out)")
    parser.add_argument("--before", type=Path, help="another checkout to run in the same bench run")
    args = parser.parse_args(argv)
    rows = load_rows(args.set)
    openings = answer_openings()
    trees = [("before: " + str(args.before), args.before)] if args.before else []
    for name, tree in [*trees, ("this tree", PROJECT)]:
        replies, took = first_replies(rows, tree)
        report(name, classify(rows, replies, openings), len(rows), took)
    return 0


if __name__ == "__main__":
    raise SystemExit(main())
