"""The simulator and the integration's glue read layer by layer: no import circle, short files.

The import graph is read from the files with `ast`: every import of a module of the package,
at the top, inside a function or under `TYPE_CHECKING` alike, since a circle that only the
type checker follows still means two modules that cannot be read one without the other.
"""

from __future__ import annotations

import ast
from collections.abc import Iterator
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[2]
SIMULATOR = ROOT / "simulator"
GLUE = ROOT / "custom_components" / "dvrip"
# Lines a simulator module may have; glue modules (directly in custom_components/dvrip/)
# keep to fewer: they only call down into the client and the domain packages.
SIMULATOR_MAX_LINES = 500
GLUE_MAX_LINES = 400


def _module_name(path: Path, package: str) -> str:
    return package if path.name == "__init__.py" else f"{package}.{path.stem}"


def import_graph(directory: Path, package: str) -> dict[str, set[str]]:
    """Each module of a flat package and the modules of the same package it imports."""
    modules = {_module_name(path, package): path for path in sorted(directory.glob("*.py"))}
    graph: dict[str, set[str]] = {}
    for name, path in modules.items():
        imported: set[str] = set()
        for node in ast.walk(ast.parse(path.read_text(), str(path))):
            if isinstance(node, ast.Import):
                imported.update(alias.name for alias in node.names)
            elif isinstance(node, ast.ImportFrom) and node.level <= 1:
                # `from simulator import session` (or `from . import session`) imports the
                # module; `from simulator import CameraSimulator` the package's __init__.
                # `from .session import X` is relative to the package, flat as it is.
                if node.level:
                    origin = f"{package}.{node.module}" if node.module else package
                elif node.module is not None:
                    origin = node.module
                else:
                    continue
                for alias in node.names:
                    submodule = f"{origin}.{alias.name}"
                    imported.add(submodule if submodule in modules else origin)
        graph[name] = {target for target in imported if target in modules and target != name}
    return graph


def find_circle(graph: dict[str, set[str]]) -> list[str] | None:
    """One import circle of the graph (its modules in order, the first repeated), or None."""
    done: set[str] = set()

    def visit(name: str, path: list[str]) -> list[str] | None:
        if name in path:
            return [*path[path.index(name) :], name]
        if name in done:
            return None
        for target in sorted(graph[name]):
            if (circle := visit(target, [*path, name])) is not None:
                return circle
        done.add(name)
        return None

    for name in sorted(graph):
        if (circle := visit(name, [])) is not None:
            return circle
    return None


def _long_files(paths: Iterator[Path], limit: int) -> list[str]:
    return [
        f"{path.relative_to(ROOT)}: {count} lines"
        for path in sorted(paths)
        if (count := len(path.read_text().splitlines())) > limit
    ]


def test_no_import_circle_in_the_simulator() -> None:
    """Lower modules never import higher ones (device state below sessions below the camera)."""
    graph = import_graph(SIMULATOR, "simulator")
    assert "simulator.camera" in graph
    assert find_circle(graph) is None


def test_no_import_circle_in_the_glue() -> None:
    """Features build on the coordinator, the runtime data on the features: never back."""
    graph = import_graph(GLUE, "custom_components.dvrip")
    assert "custom_components.dvrip.coordinator" in graph
    assert find_circle(graph) is None


def test_no_simulator_module_imports_the_camera() -> None:
    """Only the package's front (and the command line) import the top, camera.py."""
    graph = import_graph(SIMULATOR, "simulator")
    importers = {name for name, targets in graph.items() if "simulator.camera" in targets}
    assert importers <= {"simulator", "simulator.__main__"}


def test_simulator_files_are_short() -> None:
    assert _long_files(SIMULATOR.glob("*.py"), SIMULATOR_MAX_LINES) == []


def test_glue_files_are_short() -> None:
    assert _long_files(GLUE.glob("*.py"), GLUE_MAX_LINES) == []


@pytest.mark.parametrize(
    ("graph", "circle"),
    [
        ({"a": {"b"}, "b": {"c"}, "c": set()}, None),
        ({"a": {"b"}, "b": {"c"}, "c": {"a"}}, ["a", "b", "c", "a"]),
        ({"a": {"b", "c"}, "b": {"c"}, "c": {"b"}}, ["b", "c", "b"]),
    ],
)
def test_find_circle(graph: dict[str, set[str]], circle: list[str] | None) -> None:
    """The check itself finds a circle where there is one, and none where there is none."""
    assert find_circle(graph) == circle


def test_import_graph_counts_type_checking_imports(tmp_path: Path) -> None:
    """An import only the type checker follows is part of the graph."""
    (tmp_path / "low.py").write_text(
        "from typing import TYPE_CHECKING\nif TYPE_CHECKING:\n    from pkg.high import High\n"
    )
    (tmp_path / "high.py").write_text("from pkg import low\n")
    graph = import_graph(tmp_path, "pkg")
    assert graph == {"pkg.high": {"pkg.low"}, "pkg.low": {"pkg.high"}}
    assert find_circle(graph) == ["pkg.high", "pkg.low", "pkg.high"]


def test_import_graph_follows_relative_imports(tmp_path: Path) -> None:
    """`from .high import High` and `from . import high` import the package's module."""
    (tmp_path / "__init__.py").write_text("from .low import Low\n")
    (tmp_path / "low.py").write_text("from . import high\n")
    (tmp_path / "high.py").write_text("from .client import Client\nfrom .low import Low\n")
    graph = import_graph(tmp_path, "pkg")
    assert graph == {"pkg": {"pkg.low"}, "pkg.high": {"pkg.low"}, "pkg.low": {"pkg.high"}}
    assert find_circle(graph) == ["pkg.low", "pkg.high", "pkg.low"]
