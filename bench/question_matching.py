"""How well free-text questions find their topic, on the labelled sets in tests/data/.

- benefit_questions.jsonl: the development set (the topics' phrases and thresholds were tuned on it);
- benefit_questions_heldout.jsonl: written separately and never tuned on: the honest figure.

For each question the matcher either answers a topic (right, or confidently wrong), offers two or three
topics (asked back: counted as right-or-asked-back only when the right topic is among them, or when
the question is off-topic), or says it does not know (right for off-topic questions).

    uv run python -m bench.question_matching [--show-misses]
"""

from __future__ import annotations

import argparse
import json
import time
from collections import Counter
from dataclasses import dataclass, field
from pathlib import Path

from conversations.questions.matching import QuestionMatcher

DATA = Path(__file__).resolve().parent.parent / "tests" / "data"
SETS = ("benefit_questions.jsonl", "benefit_questions_heldout.jsonl")


@dataclass
class Tally:
    total: int = 0
    right: int = 0  # answered the labelled topic (or an accepted alternative), or "none" for off-topic
    asked_back: int = 0  # offered choices that include the right topic (or any choices for off-topic)
    asked_back_without_it: int = 0
    confidently_wrong: int = 0
    unknown_when_on_topic: int = 0
    misses: list[str] = field(default_factory=list)
    wrong_pairs: Counter[tuple[str, str]] = field(default_factory=Counter)


def load(path: Path) -> list[dict[str, object]]:
    return [json.loads(line) for line in path.read_text(encoding="utf-8").splitlines() if line.strip()]


def measure(matcher: QuestionMatcher, rows: list[dict[str, object]]) -> Tally:
    tally = Tally()
    for row in rows:
        text, topic = str(row["text"]), str(row["topic"])
        accepted = {topic, *(str(a) for a in row.get("also", []))}  # type: ignore[attr-defined]
        found = matcher.match(text)
        tally.total += 1
        if found.sure is not None:
            if found.sure in accepted:
                tally.right += 1
            else:
                tally.confidently_wrong += 1
                tally.wrong_pairs[(topic, found.sure)] += 1
                tally.misses.append(f"WRONG  {topic:>28} → {found.sure:<28} {text}")
        elif found.closest:
            if topic == "none" or accepted & set(found.closest):
                tally.asked_back += 1
            else:
                tally.asked_back_without_it += 1
                tally.misses.append(f"OFFER  {topic:>28} → {','.join(found.closest):<28} {text}")
        elif topic == "none":
            tally.right += 1
        else:
            tally.unknown_when_on_topic += 1
            tally.misses.append(f"NONE   {topic:>28}   {'':<28} {text}")
    return tally


def report(name: str, tally: Tally) -> None:
    def pct(n: int) -> str:
        return f"{100 * n / tally.total:5.1f}%"

    print(f"\n{name}: {tally.total} questions")
    print(f"  top-1 right                      {pct(tally.right)}")
    print(f"  unsure, right topic offered      {pct(tally.asked_back)}")
    print(f"  right or asked back              {pct(tally.right + tally.asked_back)}   (aim ≥ 95%)")
    print(f"  confidently wrong                {pct(tally.confidently_wrong)}   (aim ≤ 2%)")
    print(f"  unsure, right topic not offered  {pct(tally.asked_back_without_it)}")
    print(f"  'do not know' for a real topic   {pct(tally.unknown_when_on_topic)}")


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--show-misses", action="store_true")
    args = parser.parse_args()
    started = time.perf_counter()
    matcher = QuestionMatcher()
    built = time.perf_counter() - started
    for name in SETS:
        rows = load(DATA / name)
        started = time.perf_counter()
        tally = measure(matcher, rows)
        per_question = (time.perf_counter() - started) / max(1, tally.total) * 1000
        report(name, tally)
        print(f"  time per question                {per_question:.2f} ms (matcher built in {built * 1000:.0f} ms)")
        if args.show_misses:
            print("\n".join(f"    {m}" for m in tally.misses))


if __name__ == "__main__":
    main()
