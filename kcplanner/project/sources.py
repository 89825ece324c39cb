"""The workbooks a project's data came from: recorded with their hashes when the data are stored,
found again when they or the project move, and checked for changes (what a re-import would read)."""

from __future__ import annotations

import json
import os
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable, Mapping

from .records import ImportArguments, SourceChange, SourceFile, file_sha256

if TYPE_CHECKING:
    from ..dataset import Dataset


def _mtime_iso(path: Path) -> str | None:
    try:
        return datetime.fromtimestamp(path.stat().st_mtime, timezone.utc).isoformat(timespec="seconds")
    except OSError:
        return None


def _has_plan(dataset: "Dataset") -> bool:
    plan = dataset.plan
    return any(len(getattr(plan, n)) for n in ("goals", "kpis", "funds", "revenue", "assumptions", "drivers")) \
        or plan.settings.city is not None or plan.settings.first_plan_year is not None


def _write_sources(c, sources: list[SourceFile]) -> None:
    c.executemany("INSERT INTO sources VALUES (?, ?, ?, ?, ?, ?, ?)",
                  [(i, s.role, s.path, s.relative, s.sha256, s.size, s.modified) for i, s in enumerate(sources)])


def _write_mappings(c, mappings: Iterable[Mapping]) -> None:
    c.executemany("INSERT INTO mappings VALUES (?, ?)",
                  [(i, json.dumps(dict(m), ensure_ascii=False)) for i, m in enumerate(mappings)])


def _rebase_relative_paths(c, project_path: Path) -> None:
    """After a copy to another folder: source paths relative to the new project file."""
    for position, path in c.execute("SELECT position, path FROM sources").fetchall():
        c.execute("UPDATE sources SET relative = ? WHERE position = ?", (_relative(Path(path), project_path), position))
    row = c.execute("SELECT value FROM meta WHERE key = 'import_args'").fetchone()
    if row:
        args = json.loads(row[0])
        args["relative"] = {a: _relative(Path(a), project_path)
                            for a in ([args.get("plan")] if args.get("plan") else []) + list(args.get("budgets", []))}
        c.execute("UPDATE meta SET value = ? WHERE key = 'import_args'", (json.dumps(args, ensure_ascii=False),))


def _relative(path: Path, project_path: Path) -> str | None:
    try:
        return os.path.relpath(path, project_path.resolve().parent)
    except ValueError:  # another drive on Windows
        return None


def _source_file(role: str, path: Path, project_path: Path) -> SourceFile:
    p = Path(path)
    absolute = p.resolve() if p.exists() else p.absolute()
    try:
        sha, size = file_sha256(absolute), absolute.stat().st_size
    except OSError:
        sha, size = None, None
    return SourceFile(role, str(absolute), _relative(absolute, project_path), sha, size, _mtime_iso(absolute))


def _normalize_sources(sources: Any, dataset: Dataset, project_path: Path) -> tuple[list[SourceFile], dict]:
    """(source files with hashes, import arguments {plan, budgets, relative}) from the accepted forms."""
    plan = None
    budgets: list = []
    given: list[SourceFile] | None = None
    if sources is None:
        sources = list(dataset.sources)
    if hasattr(sources, "plan") and hasattr(sources, "budgets"):
        plan, budgets = sources.plan, list(sources.budgets)
    elif isinstance(sources, Mapping):
        plan, budgets = sources.get("plan"), list(sources.get("budgets", []))
    else:
        items = list(sources)
        if items and all(isinstance(s, SourceFile) for s in items):
            given = items
            plan = next((s.path for s in items if s.role == "plan"), None)
            budgets = [s.path for s in items if s.role != "plan"]
        elif items and _has_plan(dataset):
            plan, budgets = items[0], items[1:]
        else:
            budgets = items
    files: list[SourceFile] = []
    if given is not None:
        files = list(given)
    else:
        if plan is not None:
            files.append(_source_file("plan", Path(plan), project_path))
        expanded = []
        for b in budgets:
            b = Path(b)
            if b.is_dir():
                from ..readers.workbook import expand_paths
                expanded.extend(expand_paths([b]))
            else:
                expanded.append(b)
        files.extend(_source_file("budget", Path(b), project_path) for b in expanded)
    def absolute(p):
        q = Path(p)
        return str(q.resolve() if q.exists() else q.absolute())
    args = {"plan": absolute(plan) if plan is not None else None, "budgets": [absolute(b) for b in budgets]}
    args["relative"] = {a: _relative(Path(a), project_path) for a in ([args["plan"]] if plan else []) + args["budgets"]}
    return files, args


class SourcesMixin:
    """The source workbooks of an open project (part of `Project`)."""

    @property
    def sources(self) -> list[SourceFile]:
        with self._lock:
            self._check_open()
            return [SourceFile(*row) for row in self._conn.execute(
                "SELECT role, path, relative, sha256, size, modified FROM sources ORDER BY position")]

    @property
    def mappings(self) -> list[dict]:
        with self._lock:
            self._check_open()
            return [json.loads(m) for (m,) in self._conn.execute("SELECT mapping FROM mappings ORDER BY position")]

    def _locate(self, source: SourceFile) -> Path | None:
        p = Path(source.path)
        if p.is_file():
            return p
        if source.relative:
            q = (self.path.parent / source.relative)
            if q.is_file():
                return q.resolve()
        return None

    def changed_sources(self) -> list[SourceChange]:
        """Source workbooks whose content differs from when they were imported (SHA-256), that are
        missing, or that are new in a budget folder.  Empty when the data are up to date."""
        out = []
        known = set()
        for s in self.sources:
            where = self._locate(s)
            if where is None:
                out.append(SourceChange(s, "missing", None))
                continue
            known.add(str(where.resolve()))
            try:
                now = file_sha256(where)
            except OSError:
                out.append(SourceChange(s, "missing", str(where)))
                continue
            if now != s.sha256:
                out.append(SourceChange(s, "changed", str(where), now))
        args = self.import_arguments()
        folders = [p for p in args.budgets if p.is_dir()]
        if folders:
            from ..readers.workbook import expand_paths
            for f in expand_paths(folders):
                if str(Path(f).resolve()) not in known:
                    try:
                        sha = file_sha256(f)
                    except OSError:
                        sha = None
                    out.append(SourceChange(None, "added", str(f), sha))
        return out

    def import_arguments(self) -> ImportArguments:
        """The plan, budgets (files or folders, as first given) and mappings to read the sources again:
        `read_dataset(args.plan, args.budgets, args.mappings)`.  Moved files are found beside the project."""
        raw = json.loads(self._meta_value("import_args") or "{}")

        def find(p: str | None) -> Path | None:
            if p is None:
                return None
            q = Path(p)
            if q.exists():
                return q
            rel = raw.get("relative", {}).get(p)
            if rel and (self.path.parent / rel).exists():
                return (self.path.parent / rel).resolve()
            return q

        return ImportArguments(find(raw.get("plan")), [find(b) for b in raw.get("budgets", [])], self.mappings)
