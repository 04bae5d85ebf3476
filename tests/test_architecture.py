"""The shape design.md draws, read from the source: imports point down the layers, no import
circles, command modules never import each other, and only the core's Delivery writes to a
session's outbox (so no new writer can jump the queue of channel runs and durability gates).

Read with :mod:`ast` from src/chinwag, so a test fails the moment a change breaks the shape,
whatever the change's own tests say.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

SRC = Path(__file__).resolve().parent.parent / "src"
PACKAGE = SRC / "chinwag"


def modules() -> dict[str, Path]:
    """Every module of the package by dotted name (a package by its own name)."""
    found: dict[str, Path] = {}
    for path in PACKAGE.rglob("*.py"):
        parts = list(path.relative_to(SRC).with_suffix("").parts)
        if parts[-1] == "__init__":
            parts.pop()
        found[".".join(parts)] = path
    return found


MODULES = modules()


def imports_of(name: str) -> set[str]:
    """The package's modules that ``name`` imports (TYPE_CHECKING imports too)."""
    path = MODULES[name]
    tree = ast.parse(path.read_text(encoding="utf-8"))
    package = name if path.name == "__init__.py" else name.rpartition(".")[0]
    targets: set[str] = set()
    for node in ast.walk(tree):
        names: list[str] = []
        if isinstance(node, ast.Import):
            names = [alias.name for alias in node.names]
        elif isinstance(node, ast.ImportFrom):
            base = node.module or ""
            if node.level:
                parts = package.split(".")[: len(package.split(".")) - node.level + 1]
                base = ".".join([*parts, base] if base else parts)
            names = [base, *(f"{base}.{alias.name}" for alias in node.names)]
        for target in names:
            while target and target not in MODULES:
                target = target.rpartition(".")[0]
            if target and target != name and not target.startswith(name + "."):
                targets.add(target)
    return targets


GRAPH = {name: imports_of(name) for name in MODULES}


def in_layer(name: str, *prefixes: str) -> bool:
    return any(name == prefix or name.startswith(prefix + ".") for prefix in prefixes)


def test_there_are_no_import_circles() -> None:
    done: set[str] = set()

    def visit(name: str, path: list[str]) -> Iterator[list[str]]:
        if name in path:
            yield [*path[path.index(name) :], name]
            return
        if name in done:
            return
        for target in sorted(GRAPH[name]):
            yield from visit(target, [*path, name])
        done.add(name)

    circles = [circle for name in sorted(GRAPH) for circle in visit(name, [])]
    assert circles == []


def test_command_modules_never_import_each_other() -> None:
    offending = [
        (name, target)
        for name, targets in GRAPH.items()
        if in_layer(name, "chinwag.server.commands") and name != "chinwag.server.commands"
        for target in targets
        if in_layer(target, "chinwag.server.commands")
    ]
    assert offending == []


LOWER_SERVER = (
    "chinwag.server.state",
    "chinwag.server.tags",
    "chinwag.server.delivery",
    "chinwag.server.replies",
    "chinwag.server.history",
    "chinwag.server.effects",
    "chinwag.server.accounts",
    "chinwag.server.deps",
    "chinwag.server.context",
    "chinwag.server.dispatch",
)

FORBIDDEN = [
    # (who, may not import)
    ("chinwag.protocol", ("chinwag.server", "chinwag.client", "chinwag.transport", "chinwag.tui")),
    ("chinwag.storage", ("chinwag.server", "chinwag.transport", "chinwag.client")),
    ("chinwag.server.state", ("chinwag.server.delivery", "chinwag.server.history")),
    *(
        (module, ("chinwag.server.commands", "chinwag.server.core", "chinwag.server.app"))
        for module in LOWER_SERVER
    ),
    (
        "chinwag.server.services",
        ("chinwag.server.commands", "chinwag.server.core", "chinwag.server.app"),
    ),
    ("chinwag.server.commands", ("chinwag.server.core", "chinwag.server.app")),
    ("chinwag.server", ("chinwag.client", "chinwag.tui", "chinwag.gui")),
    ("chinwag.transport", ("chinwag.server.app", "chinwag.server.commands")),
    ("chinwag.client", ("chinwag.server", "chinwag.transport", "chinwag.tui", "chinwag.gui")),
    ("chinwag.tui", ("chinwag.server", "chinwag.transport", "chinwag.gui")),
    ("chinwag.gui", ("chinwag.server", "chinwag.transport", "chinwag.tui")),
    ("chinwag.bots", ("chinwag.server", "chinwag.transport", "chinwag.tui", "chinwag.gui")),
    (
        "chinwag.client",
        ("chinwag.bots",),
    ),  # bots sit on the client core, never under it
]


@pytest.mark.parametrize(("layer", "forbidden"), FORBIDDEN)
def test_imports_point_down_the_layers(layer: str, forbidden: tuple[str, ...]) -> None:
    offending = [
        (name, target)
        for name, targets in GRAPH.items()
        if in_layer(name, layer)
        for target in targets
        if in_layer(target, *forbidden) and not in_layer(target, layer)
    ]
    assert offending == []


def _attribute_uses(path: Path, attribute: str) -> list[int]:
    tree = ast.parse(path.read_text(encoding="utf-8"))
    return [
        node.lineno
        for node in ast.walk(tree)
        if isinstance(node, ast.Attribute) and node.attr == attribute
    ]


def test_only_delivery_touches_a_sessions_outbox() -> None:
    """``Session._outbox`` is written by :class:`chinwag.server.delivery.Delivery` alone."""
    allowed = {"chinwag.server.delivery", "chinwag.server.state"}
    offending = {
        name: lines
        for name, path in MODULES.items()
        if name not in allowed and (lines := _attribute_uses(path, "_outbox"))
    }
    assert offending == {}


def test_no_server_module_writes_lines_but_delivery() -> None:
    offending = {
        name: lines
        for name, path in MODULES.items()
        if in_layer(name, "chinwag.server") and name != "chinwag.server.delivery"
        for lines in [_attribute_uses(path, "write_line") + _attribute_uses(path, "write_lines")]
        if lines
    }
    assert offending == {}


def test_the_server_keeps_no_state_in_module_globals() -> None:
    """Two cores in one process must be independent: no ``global`` in the server or the
    transports."""
    offending = [
        name
        for name, path in MODULES.items()
        if in_layer(name, "chinwag.server", "chinwag.transport")
        and any(isinstance(node, ast.Global) for node in ast.walk(ast.parse(path.read_text())))
    ]
    assert offending == []


def test_the_checks_see_the_whole_package() -> None:
    """The graph is read right: it knows the modules, and a known import shows in it."""
    assert "chinwag.server.core" in MODULES and "chinwag.transport.tcp" in MODULES
    assert "chinwag.server.delivery" in GRAPH["chinwag.server.core"]
    assert "chinwag.server.core" in GRAPH["chinwag.transport.link"]
