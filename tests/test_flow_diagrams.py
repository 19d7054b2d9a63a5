"""The Mermaid diagram beside each flow (conversations/flows/<flow id>.md) is drawn from the flow's
declaration, and a page that no longer matches its flow fails here."""

from __future__ import annotations

import dataclasses
import shutil
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import pytest

import conversations.flows
from conversations.flow import Answer, Context, Data, Fetch, Finish, Flow, Goto, Invalid, Step, Transition
from conversations.flow_diagrams import diagram, diagram_page, stale_diagrams, write_diagrams
from conversations.flows import ALL_FLOWS
from conversations.messages import Reply, msg
from conversations.requests.registrations import CheckNik, ListRegistrations, NikCheck

FOLDER = Path(conversations.flows.__file__).parent

# `Fetch` is moving from `Fetch(request, step="a Resume step")` to `Fetch(request, then=fn)`; the
# diagrams read both. Called through this name, the test flow below type-checks before and after.
FETCH: Callable[..., Fetch[object]] = Fetch


def test_every_flow_has_its_diagram_up_to_date() -> None:
    stale = stale_diagrams(FOLDER, ALL_FLOWS)
    assert stale == [], f"stale flow diagrams {stale}: run `uv run jaring flow-diagrams` and commit the pages"


def test_a_changed_flow_makes_its_page_stale(tmp_path: Path) -> None:
    for flow in ALL_FLOWS:
        shutil.copy(FOLDER / f"{flow.id}.md", tmp_path)
    registration = next(f for f in ALL_FLOWS if f.id == "registration")
    without_last = dict(list(registration.steps.items())[:-1])
    changed = [dataclasses.replace(registration, steps=without_last) if f is registration else f for f in ALL_FLOWS]

    assert stale_diagrams(tmp_path, ALL_FLOWS) == []
    assert stale_diagrams(tmp_path, changed) == ["registration"]

    (tmp_path / "privacy.md").unlink()
    assert stale_diagrams(tmp_path, changed) == ["registration", "privacy"]
    assert write_diagrams(tmp_path, changed) == [tmp_path / "registration.md", tmp_path / "privacy.md"]
    assert stale_diagrams(tmp_path, changed) == []
    assert write_diagrams(tmp_path, changed) == []


def test_every_arrow_of_every_flow_ends_at_a_declared_step() -> None:
    for flow in ALL_FLOWS:
        drawn = diagram(flow)
        assert "(no such step)" not in drawn, flow.id
        assert "%% not derived" not in drawn, flow.id


# ---- a small flow, to see exactly which arrows are drawn ----------------------------------------------


def _ask(_: Context, __: Data) -> Reply:
    return Reply.of(msg("engine.pick_a_number"))


def _on_nik(_: Context, __: Data, answer: Answer) -> Transition:
    if not answer.text:
        return Invalid(msg("engine.pick_a_number"))
    if not answer.text.isdecimal():  # a second problem: still one "asks again" loop
        return Invalid(msg("engine.pick_a_number"))
    return _check(answer.text)  # the arrows are in the helper


def _check(nik: str) -> Transition:
    return FETCH(CheckNik(nik), then=_after_check)


def _after_check(_: Context, data: Data, result: object) -> Transition:
    if isinstance(result, NikCheck) and result.registered:
        return Finish(then="status")
    return Goto("confirm" if data.get("sure") else "phone")


def _on_phone(_: Context, __: Data, answer: Answer) -> Transition:
    if answer.choice == "back":
        return _go("nik")  # a helper given the step's name
    return FETCH(ListRegistrations("mine"), step="listed")


def _go(step: str) -> Transition:
    return Goto(step)


def _on_confirm(_: Context, data: Data, answer: Answer) -> Transition:
    if answer.choice == "yes":
        return Finish()
    return Goto(str(data.get("back", "nik")))  # not known before it runs


@dataclass(frozen=True)
class _Waits:
    """The shape of a step waiting for the store's answer (a `Resume`): `on_result`, no question."""

    on_result: Any


def _on_listed(_: Context, __: Data, result: object) -> Transition:
    return Finish(say=(Reply.of(msg("engine.help")),)) if result else Goto("phone")


SMALL_STEPS: dict[str, Any] = {
    "nik": Step(ask=_ask, on_answer=_on_nik),
    "phone": Step(ask=_ask, on_answer=_on_phone),
    "confirm": Step(ask=_ask, on_answer=_on_confirm),
    "listed": _Waits(on_result=_on_listed),
}
SMALL = Flow(id="small", version=1, title=msg("help.title"), start=lambda _, __: Goto("nik"), steps=SMALL_STEPS)


def _arrows(drawn: str) -> list[str]:
    return [line.strip() for line in drawn.splitlines() if "-->" in line]


def test_the_arrows_of_a_small_flow() -> None:
    assert _arrows(diagram(SMALL)) == [
        "[*] --> nik",
        "nik --> nik : asks again",
        "nik --> phone : CheckNik",
        "nik --> confirm : CheckNik",
        "nik --> [*] : CheckNik, then flow status",
        "phone --> nik",
        "phone --> listed : ListRegistrations",
        "confirm --> chosen_at_run_time",
        "confirm --> [*]",
        "listed --> phone",
        "listed --> [*]",
    ]


def test_a_step_that_waits_for_the_store_is_drawn_apart() -> None:
    drawn = diagram(SMALL)
    assert "    listed : waits for the store\n" in drawn
    assert "    class listed waits\n" in drawn
    assert '    state "(chosen at run time)" as chosen_at_run_time\n' in drawn


def test_two_lambdas_on_one_line_each_keep_their_own_arrows() -> None:
    steps = {"a": Step(ask=_ask, on_answer=lambda *_: Goto("b")), "b": Step(ask=_ask, on_answer=lambda *_: Goto("a"))}
    flow = Flow(id="two", version=1, title=msg("help.title"), start=lambda _, __: Goto("a"), steps=steps)
    assert _arrows(diagram(flow)) == ["[*] --> a", "a --> b", "b --> a"]


def test_the_page_around_the_diagram() -> None:
    page = diagram_page(SMALL)
    assert page.startswith(
        "# Flow `small`\n\n"
        "Generated by `jaring flow-diagrams` from the flow's declaration; do not edit.\n\n"
        "```mermaid\nstateDiagram-v2\n"
    )
    assert page.endswith("```\n")
    assert diagram(SMALL) in page


def test_the_command_checks_the_pages_in_the_cli_language(capsys: pytest.CaptureFixture[str]) -> None:
    from bot.cli import main

    assert main(["flow-diagrams", "--check"]) == 0
    assert capsys.readouterr().out.startswith(f"Semua {len(ALL_FLOWS)} diagram alur sesuai")
