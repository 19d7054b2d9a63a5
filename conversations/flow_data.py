"""A flow's saved data, typed: each flow declares a small frozen dataclass of what it keeps between
messages, and reads and writes it through this one codec instead of picking strings out of a dict.

    @dataclass(frozen=True, slots=True)
    class InviteData(FlowData):
        argument: str = ""

    def _start(ctx: Context, data: Data) -> Transition:
        code = InviteData.load(data).argument

The stored form stays a JSON object (SessionState.data), keyed by field name, so sealing
(state.SEALED_KEYS: the NIK is encrypted at rest) keeps working, plus `_v`, the data's VERSION. Raise
VERSION when a field changes meaning or type: saved data of another version raises `StaleFlowData`, and
the engine restarts that flow politely instead of reading it wrongly. Data saved before a flow had a
VERSION (no `_v`) is read field by field. A value of the wrong type reads as the field's default, as
a missing one does: the data came from our own earlier steps, never from the person typing.

Every field has a default: a flow starts from `{}` (or the engine's `argument`, `question`, `then`).
A flow names its data class in its declaration (`Flow(data=InviteData)`), so the engine can tell
saved data of another VERSION before any step reads it."""

from __future__ import annotations

import dataclasses
import types
import typing
from collections.abc import Callable, Mapping
from datetime import date, datetime
from typing import Any, ClassVar, Literal, Self

from conversations.state import Json

__all__ = ["VERSION_KEY", "FlowData", "StaleFlowData"]

VERSION_KEY = "_v"
_MISSING = object()


class StaleFlowData(Exception):
    """Saved data of another version of the flow: restart the flow rather than misread it."""


@dataclasses.dataclass(frozen=True, slots=True)
class FlowData:
    VERSION: ClassVar[int] = 1

    @classmethod
    def load(cls, data: Mapping[str, Json]) -> Self:
        version = data.get(VERSION_KEY)
        if version is not None and version != cls.VERSION:
            raise StaleFlowData(f"{cls.__name__}: saved as version {version}, reading version {cls.VERSION}")
        values = {}
        for name, read in _readers(cls).items():
            if name in data:
                value = read(data[name])
                if value is not _MISSING:
                    values[name] = value
        return cls(**values)

    def dump(self) -> dict[str, Json]:
        dumped: dict[str, Json] = {VERSION_KEY: self.VERSION}
        for field in dataclasses.fields(self):
            dumped[field.name] = _write(getattr(self, field.name))
        return dumped

    def answered(self, name: str) -> bool:
        """For a form whose fields are None until asked: is the field `name` answered?"""
        return getattr(self, name) is not None

    def but(self, **changes: Any) -> Self:
        """A copy with `changes`: the data is never changed in place."""
        return dataclasses.replace(self, **changes)


def _write(value: object) -> Json:
    if isinstance(value, FlowData):
        return {k: v for k, v in value.dump().items() if k != VERSION_KEY}
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, tuple | list):
        return [_write(item) for item in value]
    if isinstance(value, dict):
        return {str(k): _write(v) for k, v in value.items()}
    if value is None or isinstance(value, str | int | float | bool):
        return value
    raise TypeError(f"a flow cannot save a {type(value).__name__}")


_READERS: dict[type[FlowData], dict[str, Callable[[Json], object]]] = {}


def _readers(cls: type[FlowData]) -> dict[str, Callable[[Json], object]]:
    if cls not in _READERS:
        _READERS[cls] = _field_readers(cls)
    return _READERS[cls]


def _field_readers(cls: type[FlowData]) -> dict[str, Callable[[Json], object]]:
    hints = typing.get_type_hints(cls)
    found = {}
    for field in dataclasses.fields(cls):
        if field.default is dataclasses.MISSING and field.default_factory is dataclasses.MISSING:
            raise TypeError(f"{cls.__name__}.{field.name} needs a default: a flow starts with no data")
        found[field.name] = _reader(hints[field.name])
    return found


def _reader(kind: Any) -> Callable[[Json], object]:
    origin, args = typing.get_origin(kind), typing.get_args(kind)
    if origin in (typing.Union, types.UnionType):
        return _either([_reader(arg) for arg in args], none_allowed=type(None) in args)
    if kind is type(None):
        return lambda value: None if value is None else _MISSING
    if origin is Literal:
        return lambda value: value if value in args else _MISSING
    if origin is tuple and len(args) == 2 and args[1] is Ellipsis:
        return _sequence(_reader(args[0]))
    if origin is tuple:
        return _fixed([_reader(arg) for arg in args])
    if isinstance(kind, type) and issubclass(kind, FlowData):
        return lambda value: kind.load(value) if isinstance(value, dict) else _MISSING
    if kind is date:
        return lambda value: _iso(date.fromisoformat, value)
    if kind is datetime:
        return lambda value: _iso(datetime.fromisoformat, value)
    if kind is bool:
        return lambda value: value if isinstance(value, bool) else _MISSING
    if kind is int:
        return lambda value: value if isinstance(value, int) and not isinstance(value, bool) else _MISSING
    if kind in (str, float):
        return lambda value: value if isinstance(value, kind) else _MISSING
    return lambda value: value  # Json, dict[str, Json], list[Json]: kept as saved


def _either(readers: list[Callable[[Json], object]], *, none_allowed: bool) -> Callable[[Json], object]:
    def read(value: Json) -> object:
        if value is None:
            return None if none_allowed else _MISSING
        for reader in readers:
            found = reader(value)
            if found is not _MISSING:
                return found
        return _MISSING

    return read


def _sequence(item: Callable[[Json], object]) -> Callable[[Json], object]:
    def read(value: Json) -> object:
        if not isinstance(value, list):
            return _MISSING
        items = [item(entry) for entry in value]
        return tuple(found for found in items if found is not _MISSING)

    return read


def _fixed(items: list[Callable[[Json], object]]) -> Callable[[Json], object]:
    """tuple[int, str]: a list of exactly that many values, each of its type."""

    def read(value: Json) -> object:
        if not isinstance(value, list) or len(value) != len(items):
            return _MISSING
        found = tuple(item(entry) for item, entry in zip(items, value, strict=True))
        return _MISSING if _MISSING in found else found

    return read


def _iso(parse: Callable[[str], object], value: Json) -> object:
    if not isinstance(value, str):
        return _MISSING
    try:
        return parse(value)
    except ValueError:
        return _MISSING
