"""The house rules a newcomer relies on, read from the source: no import circle anywhere (type-only
imports included), and one way out (only the pipeline's outbox writer queues outgoing messages)."""

from __future__ import annotations

import ast
from collections.abc import Iterator, Mapping
from pathlib import Path

ROOT = Path(__file__).resolve().parents[1]
PACKAGES = ("bot", "handlers", "conversations", "db", "locales")
OUTBOX_WRITER = "bot/inbound/outbox_writer.py"
# The repository functions that insert outbox rows: only the writer calls them.
_QUEUEING = {
    "outbox": {"enqueue", "add_file"},
    "broadcasts": {"queue_recipients", "add_progress_message"},
}
# Where rows are built: the repository functions above, and nowhere else.
_ROW_BUILDERS = {
    "db/repositories/outbox.py": {"enqueue"},
    "db/repositories/broadcasts.py": {"queue_recipients", "add_progress_message"},
}


def _module_name(path: Path) -> str:
    parts = path.relative_to(ROOT).with_suffix("").parts
    return ".".join(parts[:-1] if parts[-1] == "__init__" else parts)


def _sources() -> dict[str, Path]:
    return {_module_name(p): p for package in PACKAGES for p in (ROOT / package).rglob("*.py")}


def _imports(tree: ast.AST, name: str, is_package: bool, known: Mapping[str, Path]) -> set[str]:
    """The project modules a module imports, at any level (inside functions and TYPE_CHECKING too)."""
    found: set[str] = set()
    for node in ast.walk(tree):
        if isinstance(node, ast.Import):
            found.update(alias.name for alias in node.names)
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                anchor = name.split(".") if is_package else name.split(".")[:-1]
                anchor = anchor[: len(anchor) - (node.level - 1)]
                base = ".".join([*anchor, base] if base else anchor)
            found.add(base)
            found.update(f"{base}.{alias.name}" for alias in node.names)
    return {module for module in found if module in known and module != name}


def import_graph(sources: Mapping[str, Path]) -> dict[str, set[str]]:
    graph = {}
    for name, path in sources.items():
        tree = ast.parse(path.read_text(encoding="utf-8"))
        graph[name] = _imports(tree, name, path.name == "__init__.py", sources)
    return graph


def circles(graph: Mapping[str, set[str]]) -> list[list[str]]:
    """Every group of modules that import each other, directly or round about (Tarjan's algorithm)."""
    index: dict[str, int] = {}
    low: dict[str, int] = {}
    stack: list[str] = []
    on_stack: set[str] = set()
    found: list[list[str]] = []

    def visit(node: str) -> None:
        index[node] = low[node] = len(index)
        stack.append(node)
        on_stack.add(node)
        for nxt in sorted(graph.get(node, ())):
            if nxt not in index:
                visit(nxt)
                low[node] = min(low[node], low[nxt])
            elif nxt in on_stack:
                low[node] = min(low[node], index[nxt])
        if low[node] == index[node]:
            group = []
            while True:
                member = stack.pop()
                on_stack.discard(member)
                group.append(member)
                if member == node:
                    break
            if len(group) > 1:
                found.append(sorted(group))

    for node in sorted(graph):
        if node not in index:
            visit(node)
    return found


def test_no_module_imports_itself_round_about() -> None:
    graph = import_graph(_sources())
    assert len(graph) > 150  # the whole project was read
    assert circles(graph) == []


def test_a_planted_circle_is_found() -> None:
    graph = {"bot.a": {"bot.b"}, "bot.b": {"bot.c"}, "bot.c": {"bot.a"}, "bot.d": {"bot.a"}}
    assert circles(graph) == [["bot.a", "bot.b", "bot.c"]]


def _queueing_calls(tree: ast.AST) -> Iterator[tuple[int, str]]:
    for node in ast.walk(tree):
        if isinstance(node, ast.Call) and isinstance(node.func, ast.Attribute):
            owner = node.func.value
            if isinstance(owner, ast.Name) and node.func.attr in _QUEUEING.get(owner.id, set()):
                yield node.lineno, f"{owner.id}.{node.func.attr}"


def _row_builders(tree: ast.AST) -> Iterator[tuple[str, int]]:
    """(the enclosing function, line) of each `OutboxMessage(...)` or `insert(OutboxMessage)`."""
    for function in ast.walk(tree):
        if not isinstance(function, ast.FunctionDef | ast.AsyncFunctionDef):
            continue
        for node in ast.walk(function):
            if isinstance(node, ast.Call) and (_names(node.func, "OutboxMessage") or _inserts_outbox_rows(node)):
                yield function.name, node.lineno


def _names(node: ast.expr, name: str) -> bool:
    return isinstance(node, ast.Name) and node.id == name


def _inserts_outbox_rows(call: ast.Call) -> bool:
    """`insert(OutboxMessage)`, `insert_ignoring_duplicates(session, OutboxMessage)` and the like."""
    called = call.func.id if isinstance(call.func, ast.Name) else getattr(call.func, "attr", "")
    return "insert" in called and any(_names(arg, "OutboxMessage") for arg in call.args)


def outbox_writers(files: Mapping[str, str]) -> list[str]:
    """Every place, other than the outbox writer and its repository functions, that queues a message."""
    found = []
    for path, text in sorted(files.items()):
        tree = ast.parse(text)
        if path != OUTBOX_WRITER and not path.startswith("db/"):
            found += [f"{path}:{line} calls {call}" for line, call in _queueing_calls(tree)]
        allowed = _ROW_BUILDERS.get(path, set())
        found += [f"{path}:{line} builds an outbox row" for fn, line in _row_builders(tree) if fn not in allowed]
    return found


def _project_files() -> dict[str, str]:
    return {
        str(path.relative_to(ROOT)): path.read_text(encoding="utf-8")
        for package in ("bot", "handlers", "db")
        for path in (ROOT / package).rglob("*.py")
    }


def test_only_the_outbox_writer_queues_messages() -> None:
    files = _project_files()
    assert OUTBOX_WRITER in files
    assert outbox_writers(files) == []


def test_a_desk_queueing_its_own_message_is_caught() -> None:
    files = _project_files()
    files["bot/desks/sneaky.py"] = (
        "from db.repositories import outbox\n"
        "async def tell(session, contact, now):\n"
        "    await outbox.enqueue(session, contact_id=contact.id, body='kabar', now=now)\n"
    )
    files["db/repositories/sneaky.py"] = (
        "from db.models import OutboxMessage\ndef row():\n    return OutboxMessage(body='x')\n"
    )
    assert outbox_writers(files) == [
        "bot/desks/sneaky.py:3 calls outbox.enqueue",
        "db/repositories/sneaky.py:3 builds an outbox row",
    ]
