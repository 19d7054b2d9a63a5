"""Benchmark of `jaring chat --jsonl` start-up: the real command in a subprocess, fed one line
({"from": "a", "text": "halo"}), timed until its first output line (the reply) arrives, with the
command's peak memory (maximum resident set size, from wait4).

Two data folders: fresh (a new, empty folder each run, so the run creates the secret key and the
SQLite database and migrates it) and warm (a folder an earlier, unmeasured run has set up). Two
ways to start it: the virtualenv's script (`.venv/bin/jaring`, no uv in the way) and `uv run jaring`
(what the README tells people to type, including uv's own environment check). A bare interpreter
(`python -c pass`) is measured alongside as the floor.

    uv run python -m bench.chat_startup
    uv run python -m bench.chat_startup --repeat 10 --ways venv
"""

from __future__ import annotations

import argparse
import json
import os
import shutil
import statistics
import subprocess
import sys
import tempfile
import time
from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from pathlib import Path

__all__ = ["main"]

PROJECT_DIR = Path(__file__).resolve().parent.parent
VENV_BIN = PROJECT_DIR / ".venv" / "bin"
FIRST_LINE = json.dumps({"from": "a", "text": "halo"}) + "\n"
WAYS = ("venv", "uv", "python")


class StartupError(RuntimeError):
    pass


@dataclass(frozen=True, slots=True)
class Sample:
    first_reply: float  # seconds from start until the first output line
    exited: float  # seconds from start until the process had exited (stdin closed after the reply)
    peak_mb: float


def command_for(way: str) -> list[str]:
    if way == "venv":
        return [str(VENV_BIN / "jaring"), "chat", "--jsonl"]
    if way == "uv":
        uv = shutil.which("uv")
        if uv is None:
            raise StartupError("uv is not on PATH")
        return [uv, "run", "jaring", "chat", "--jsonl"]
    return [str(VENV_BIN / "python"), "-c", "print('ready', flush=True); import sys; sys.stdin.read()"]


def child_environment(data_dir: Path) -> dict[str, str]:
    env = {**os.environ, "JARING_DATA_DIR": str(data_dir)}
    env.pop("DATABASE_URL", None)  # always the default: a SQLite file in the data folder
    env.pop("JARING_SECRET_KEY", None)  # a first run makes the development key, as it does for a new user
    return env


def bytecode_mode(env: Mapping[str, str]) -> str:
    """How the child gets its modules' bytecode: the figures differ by a factor of several."""
    if env.get("PYTHONDONTWRITEBYTECODE"):
        return (
            "not written (PYTHONDONTWRITEBYTECODE is set): every start compiles each module that has no "
            "__pycache__ entry yet"
        )
    if prefix := env.get("PYTHONPYCACHEPREFIX"):
        return f"cached under {prefix} (PYTHONPYCACHEPREFIX), written by the first run"
    return "cached in __pycache__ beside the sources, written by the first run"


def run_once(command: Sequence[str], data_dir: Path) -> Sample:
    with tempfile.TemporaryFile(mode="w+") as errors:
        started = time.perf_counter()
        process = subprocess.Popen(
            command,
            cwd=PROJECT_DIR,
            env=child_environment(data_dir),
            stdin=subprocess.PIPE,
            stdout=subprocess.PIPE,
            stderr=errors,
            text=True,
        )
        assert process.stdin is not None
        assert process.stdout is not None
        process.stdin.write(FIRST_LINE)
        process.stdin.flush()
        reply = process.stdout.readline()
        first_reply = time.perf_counter() - started
        process.stdin.close()
        _, status, usage = os.wait4(process.pid, 0)  # this child's own rusage (children it waited for included)
        exited = time.perf_counter() - started
        process.returncode = os.waitstatus_to_exitcode(status)
        process.stdout.close()
        if not reply or process.returncode != 0:
            errors.seek(0)
            raise StartupError(f"{' '.join(command)} exited with {process.returncode}: {errors.read()[-2000:]}")
    return Sample(first_reply, exited, usage.ru_maxrss / 1024)  # ru_maxrss is in kilobytes on Linux


def fresh_samples(command: Sequence[str], repeat: int) -> list[Sample]:
    samples = []
    for _ in range(repeat):
        with tempfile.TemporaryDirectory(prefix="jaring-startup-") as folder:
            samples.append(run_once(command, Path(folder)))
    return samples


def warm_samples(command: Sequence[str], repeat: int) -> list[Sample]:
    with tempfile.TemporaryDirectory(prefix="jaring-startup-") as folder:
        run_once(command, Path(folder))  # sets the folder up; not counted
        return [run_once(command, Path(folder)) for _ in range(repeat)]


def summary(values: Sequence[float], unit: str, digits: int) -> str:
    return "  ".join(f"{name} {value:.{digits}f}{unit}" for name, value in spread(values))


def spread(values: Sequence[float]) -> list[tuple[str, float]]:
    return [("median", statistics.median(values)), ("min", min(values)), ("max", max(values))]


def report(way: str, command: Sequence[str], data: str, samples: Sequence[Sample]) -> None:
    shown = " ".join(Path(part).name if index == 0 else part for index, part in enumerate(command))
    print(f"{way:6} {data:5}  {shown}")
    print(f"         first reply  {summary([s.first_reply * 1000 for s in samples], ' ms', 0)}")
    print(f"         exited       {summary([s.exited * 1000 for s in samples], ' ms', 0)}")
    print(f"         peak RSS     {summary([s.peak_mb for s in samples], ' MB', 1)}")


def parse_args(argv: Sequence[str] | None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        prog="python -m bench.chat_startup",
        description="Time and peak memory of `jaring chat --jsonl` until its first reply.",
    )
    parser.add_argument("--repeat", type=int, default=5, help="measured runs per case (default 5)")
    parser.add_argument(
        "--text", default="halo", help='the first message (default "halo"; a question loads the question model)'
    )
    parser.add_argument(
        "--ways",
        nargs="+",
        choices=WAYS,
        default=list(WAYS),
        help="venv: .venv/bin/jaring; uv: uv run jaring; python: a bare interpreter, the floor (default: all)",
    )
    args = parser.parse_args(argv)
    if args.repeat < 1:
        parser.error("--repeat must be at least 1")
    return args


def main(argv: Sequence[str] | None = None) -> int:
    args = parse_args(argv)
    global FIRST_LINE  # noqa: PLW0603  # one setting for the whole run, read by run_once
    FIRST_LINE = json.dumps({"from": "a", "text": args.text}) + "\n"
    print(f"first message: {args.text!r}")
    print(f"jaring chat --jsonl to its first reply — {args.repeat} runs per case, {os.cpu_count()} CPUs")
    print(f"bytecode: {bytecode_mode(os.environ)}")
    try:
        for way in args.ways:
            command = command_for(way)
            if way == "python":  # a bare interpreter has no data folder
                report(way, command, "-", fresh_samples(command, args.repeat))
                continue
            report(way, command, "fresh", fresh_samples(command, args.repeat))
            report(way, command, "warm", warm_samples(command, args.repeat))
    except StartupError as exc:
        print(f"chat_startup: {exc}", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
