"""The one codec for a flow's saved data (conversations/flow_data.py): what it writes, what it reads
back, how it treats data of another version, and the engine restarting a flow whose saved data it
cannot read."""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import UTC, date, datetime
from typing import Literal

import pytest

from conversations.engine import Engine
from conversations.flow import Answer, Context, Data, Finish, Flow, Goto, Step, Transition
from conversations.flow_data import VERSION_KEY, FlowData, StaleFlowData
from conversations.flows import ALL_FLOWS
from conversations.flows.privacy import privacy_flow
from conversations.messages import Reply, msg
from conversations.state import Json, SessionState
from tests.core_support import context, inbound, keys


@dataclass(frozen=True, slots=True)
class Child(FlowData):
    name: str = ""
    born: date | None = None


@dataclass(frozen=True, slots=True)
class Everything(FlowData):
    VERSION = 3
    text: str = ""
    count: int = 0
    maybe: int | None = None
    flag: bool = False
    day: date | None = None
    at: datetime | None = None
    ids: tuple[str, ...] = ()
    options: tuple[tuple[int, str], ...] = ()
    kind: Literal["self", "other"] = "self"
    children: tuple[Child, ...] = ()
    free: dict[str, Json] = field(default_factory=dict)


SAMPLE = Everything(
    text="Siti",
    count=2,
    maybe=7,
    flag=True,
    day=date(1985, 6, 5),
    at=datetime(2026, 11, 21, 8, 0, tzinfo=UTC),
    ids=("ktp", "kk"),
    options=((12, "#12 Siti"), (13, "#13 Budi")),
    kind="other",
    children=(Child("Ani", date(2015, 3, 1)),),
    free={"a": [1, "b"]},
)


def test_what_is_saved_is_plain_json_keyed_by_field_and_reads_back_the_same() -> None:
    saved = SAMPLE.dump()
    assert saved == {
        VERSION_KEY: 3,
        "text": "Siti",
        "count": 2,
        "maybe": 7,
        "flag": True,
        "day": "1985-06-05",
        "at": "2026-11-21T08:00:00+00:00",
        "ids": ["ktp", "kk"],
        "options": [[12, "#12 Siti"], [13, "#13 Budi"]],
        "kind": "other",
        "children": [{"name": "Ani", "born": "2015-03-01"}],
        "free": {"a": [1, "b"]},
    }
    assert Everything.load(saved) == SAMPLE


def test_missing_or_wrongly_typed_values_read_as_the_defaults() -> None:
    assert Everything.load({}) == Everything()
    odd: dict[str, Json] = {
        "text": 5,
        "count": True,
        "maybe": "7",
        "flag": "yes",
        "day": "05-06-1985",
        "ids": "ktp",
        "options": [[12, "ok"], [13]],
        "kind": "someone",
    }
    assert Everything.load(odd) == Everything(options=((12, "ok"),))


def test_data_of_another_version_is_refused_and_data_from_before_versions_is_read() -> None:
    with pytest.raises(StaleFlowData):
        Everything.load({VERSION_KEY: 2, "text": "Siti"})
    assert Everything.load({"text": "Siti"}).text == "Siti"  # saved before the flow had a version


def test_a_field_without_a_default_is_refused() -> None:
    @dataclass(frozen=True, slots=True)
    class NoDefault(FlowData):
        name: str

    with pytest.raises(TypeError, match="needs a default"):
        NoDefault.load({})


def test_but_changes_a_copy() -> None:
    changed = SAMPLE.but(count=3)
    assert (SAMPLE.count, changed.count, changed.text) == (2, 3, "Siti")


# ---- the engine: saved data of another version restarts the flow politely ---------------------------------


@dataclass(frozen=True, slots=True)
class NameData(FlowData):
    VERSION = 2
    name: str = ""


def _ask(_: Context, __: Data) -> Reply:
    return Reply.of(msg("registration.ask_full_name"))


def _named(_: Context, data: Data, answer: Answer) -> Transition:
    return Finish(say=(Reply.of(msg("engine.cancelled")),)) if NameData.load(data).name else Goto("name")


def _start(_: Context, __: Data) -> Transition:
    return Goto("name", NameData().dump())


NAME_FLOW = Flow(
    id="name_test",
    version=1,
    title=msg("registration.title"),
    start=_start,
    steps={"name": Step(ask=_ask, on_answer=_named)},
    data=NameData,
)


def test_the_engine_restarts_a_flow_whose_saved_data_is_of_another_version() -> None:
    engine = Engine((NAME_FLOW, privacy_flow), menu=("name_test",))
    saved = SessionState("name_test", 1, "name", {VERSION_KEY: 1, "name": "Siti"})
    outcome = engine.handle(saved, inbound("Siti"), context())
    assert keys(outcome) == [["engine.flow_restarted"], ["registration.ask_full_name"]]
    assert outcome.state.data == {VERSION_KEY: 2, "name": ""}
    current = SessionState("name_test", 1, "name", {VERSION_KEY: 2, "name": "Siti"})
    assert keys(engine.handle(current, inbound("Siti"), context()))[0][0] == "engine.cancelled"


def test_every_flow_that_keeps_data_declares_its_class() -> None:
    """A flow's data class is named in its declaration, so the engine can check the version first.
    Only flows that keep nothing between messages (a menu, a page of text, a switch) declare none."""
    keep_nothing = {"about", "dinas_door", "help", "language", "review_door", "status", "web_sign_in"}
    assert {flow.id for flow in ALL_FLOWS if flow.data is None} == keep_nothing
    for flow in ALL_FLOWS:
        if flow.data is not None:
            assert flow.data.load({}) == flow.data(), flow.id  # every field has a default
