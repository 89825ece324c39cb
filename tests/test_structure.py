"""The house rules of the code base (issue 12): no module over 500 lines, no import cycle.

The import graph is grimp's (import-linter's own library). It reads every import statement,
function-level ones included, so an import moved into a function to dodge a cycle is still seen.
`graphlib` (standard library) finds a cycle if there is one.  `lint-imports` checks the layers.
"""

from __future__ import annotations

import graphlib
from pathlib import Path

import grimp
import pytest

ROOT = Path(__file__).resolve().parent.parent
PACKAGES = ("kcplanner", "ui")
MAX_LINES = 500


def python_files() -> list[Path]:
    return sorted(p for pkg in PACKAGES for p in (ROOT / pkg).rglob("*.py"))


def test_no_module_is_over_500_lines():
    files = python_files()
    assert len(files) > 50  # the walk really found the code base
    sizes = {str(p.relative_to(ROOT)): len(p.read_text(encoding="utf-8").splitlines()) for p in files}
    too_big = {name: n for name, n in sizes.items() if n > MAX_LINES}
    assert not too_big, f"split these along their seams (at most {MAX_LINES} lines): {too_big}"


def module_graph() -> dict[str, set[str]]:
    graph = grimp.build_graph(*PACKAGES, include_external_packages=False)
    return {m: set(graph.find_modules_directly_imported_by(m)) for m in graph.modules}


def find_cycle(graph: dict[str, set[str]]) -> list[str] | None:
    try:
        graphlib.TopologicalSorter(graph).prepare()
    except graphlib.CycleError as err:
        return list(err.args[1])
    return None


def test_find_cycle_sees_a_cycle_and_none_in_a_tree():
    assert find_cycle({"a": {"b"}, "b": {"c"}, "c": set()}) is None
    cycle = find_cycle({"a": {"b"}, "b": {"c"}, "c": {"a"}, "d": {"a"}})
    assert cycle is not None and set(cycle) == {"a", "b", "c"}


def test_the_graph_sees_function_level_imports():
    """An import inside a function is an edge too (or the cycle check would miss dodged cycles)."""
    grimp_graph = grimp.build_graph("kcplanner", include_external_packages=False)
    lazy = [(m, d) for m in grimp_graph.modules for d in grimp_graph.find_modules_directly_imported_by(m)
            for detail in grimp_graph.get_import_details(importer=m, imported=d)
            if detail["line_contents"] and not _at_top_level(m, detail["line_number"])]
    assert lazy, "expected at least one function-level import to be found (a lazy import of a heavy library)"


def _at_top_level(module: str, line: int) -> bool:
    path = ROOT / Path(*module.split("."))
    path = path / "__init__.py" if path.is_dir() else path.with_suffix(".py")
    text = path.read_text(encoding="utf-8").splitlines()[line - 1]
    return not text[:1].isspace()


@pytest.mark.parametrize("package", PACKAGES)
def test_no_import_cycle(package):
    graph = {m: {d for d in deps if d.split(".")[0] == package}
             for m, deps in module_graph().items() if m.split(".")[0] == package}
    cycle = find_cycle(graph)
    assert cycle is None, "import cycle: " + " → ".join(cycle or [])
