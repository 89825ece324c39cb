"""The code runs on Windows and macOS too (issue 18): no path joined with "/", no POSIX-only call
outside a platform check, nothing written to a hard-coded /tmp, the package data found through
importlib.resources (kcplanner/bundled.py), never a path built from the source tree."""

from __future__ import annotations

import ast
import re
from pathlib import Path

import pytest

ROOT = Path(__file__).resolve().parents[1]
FILES = sorted(p for pkg in ("kcplanner", "ui") for p in (ROOT / pkg).rglob("*.py"))
#: calls and modules that exist on POSIX only (or do something else on Windows)
POSIX_ONLY = re.compile(r"\b(os\.(getuid|geteuid|getgid|getpwnam|fork|setsid|killpg|getpgid|sync|uname)|"
                        r"signal\.SIG(KILL|HUP|USR1|USR2|ALRM|CHLD)|pwd\.getpw|resource\.getrlimit)\b")
#: modules importable on POSIX only: each use must sit under a `sys.platform`/`os.name` check
POSIX_MODULES = ("fcntl", "termios", "pwd", "grp", "resource")


def _source(path: Path) -> str:
    return path.read_text(encoding="utf-8")


def test_the_scan_sees_the_code_base():
    assert len(FILES) > 100


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_posix_only_call_or_hard_coded_tmp(path):
    text = _source(path)
    assert not POSIX_ONLY.search(text), f"{path}: a POSIX-only call ({POSIX_ONLY.search(text).group(0)})"
    assert not re.search(r"""["']/tmp\b""", text), f"{path}: a hard-coded /tmp (use tempfile)"


def _guarded(tree: ast.Module, node: ast.AST) -> bool:
    """The import sits in the `else` or body of an `if` that tests sys.platform or os.name."""
    for parent in ast.walk(tree):
        if isinstance(parent, ast.If) and re.search(r"sys\.platform|os\.name", ast.unparse(parent.test)):
            if any(node is n for branch in (parent.body, parent.orelse) for stmt in branch for n in ast.walk(stmt)):
                return True
    return False


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_posix_modules_only_behind_a_platform_check(path):
    tree = ast.parse(_source(path))
    for node in ast.walk(tree):
        names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
            [node.module] if isinstance(node, ast.ImportFrom) and node.module else []
        for name in names:
            if name.split(".")[0] in POSIX_MODULES:
                assert _guarded(tree, node), f"{path}:{node.lineno}: import {name} without a platform check"


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_no_path_joined_with_a_slash_string(path):
    """`str(folder) + "/" + name` or f"{folder}/{name}" breaks on Windows: Path / name does not."""
    text = _source(path)
    bad = re.search(r"""\+\s*["']/["']\s*\+|os\.path\.join\([^)]*["'][^"']*/[^"']*["']""", text)
    assert not bad, f"{path}: a path joined by hand ({bad.group(0)})"


@pytest.mark.parametrize("path", FILES, ids=lambda p: str(p.relative_to(ROOT)))
def test_package_data_is_not_found_through_the_source_tree(path):
    """Files the program ships are package data (kcplanner/bundled.py), so they are found the same in a
    checkout, an installed wheel and the bundle."""
    text = _source(path)
    assert not re.search(r"""parents?\[?\d?\]?\s*/\s*["']resources["']""", text), \
        f"{path}: builds a path to resources/ from the source tree; use kcplanner.bundled"
