"""The code runs on Windows and macOS too (issue 18): no path joined with "/", no POSIX-only call
outside a platform check, nothing written to a hard-coded /tmp, the package data found through
importlib.resources (kcplanner/bundled.py), never a path built from the source tree."""

from __future__ import annotations

import ast
import re
from pathlib import Path

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


def _offenders(check) -> list[str]:
    return [f"{path.relative_to(ROOT)}: {found}" for path in FILES for found in check(path)]


def test_no_posix_only_call_or_hard_coded_tmp():
    def check(path):
        text = _source(path)
        found = [m.group(0) for m in POSIX_ONLY.finditer(text)]
        return found + [m.group(0) + " (use tempfile)" for m in re.finditer(r"""["']/tmp\b""", text)]
    assert not _offenders(check)


def _guarded(tree: ast.Module, node: ast.AST) -> bool:
    """The import sits in a branch of an `if` that tests sys.platform or os.name."""
    for parent in ast.walk(tree):
        if isinstance(parent, ast.If) and re.search(r"sys\.platform|os\.name", ast.unparse(parent.test)):
            if any(node is n for branch in (parent.body, parent.orelse) for stmt in branch for n in ast.walk(stmt)):
                return True
    return False


def _posix_imports(path: Path) -> list[str]:
    tree = ast.parse(_source(path))
    found = []
    for node in ast.walk(tree):
        names = [a.name for a in node.names] if isinstance(node, ast.Import) else \
            [node.module] if isinstance(node, ast.ImportFrom) and node.module else []
        found += [f"line {node.lineno}: import {n} without a platform check" for n in names
                  if n.split(".")[0] in POSIX_MODULES and not _guarded(tree, node)]
    return found


def test_posix_modules_only_behind_a_platform_check():
    assert not _offenders(_posix_imports)


def test_the_platform_check_is_seen(tmp_path):
    """The check above can fail: an unguarded `import fcntl` is found, a guarded one is not."""
    bare, guarded = tmp_path / "bare.py", tmp_path / "guarded.py"
    bare.write_text("import fcntl\n", encoding="utf-8")
    guarded.write_text("import sys\nif sys.platform == 'win32':\n    import msvcrt\nelse:\n    import fcntl\n",
                       encoding="utf-8")
    assert _posix_imports(bare) and not _posix_imports(guarded)


def test_no_path_joined_with_a_slash_string():
    """`str(folder) + "/" + name` or os.path.join(folder, "a/b") breaks on Windows: Path / name does not."""
    pattern = re.compile(r"""\+\s*["']/["']\s*\+|os\.path\.join\([^)]*["'][^"']*/[^"']*["']""")
    assert not _offenders(lambda path: [m.group(0) for m in pattern.finditer(_source(path))])


def test_package_data_is_not_found_through_the_source_tree():
    """Files the program ships are package data (kcplanner/bundled.py), so they are found the same in a
    checkout, an installed wheel and the bundle."""
    pattern = re.compile(r"""(parent|parents\[\d\]|ROOT)\s*/\s*["']resources["']""")
    assert not _offenders(lambda path: [m.group(0) for m in pattern.finditer(_source(path))])
