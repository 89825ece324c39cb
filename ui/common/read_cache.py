"""Workbooks read once are not read again while they have not changed: the app's start on the last
workbooks (or the sample) decodes the dataset it read last time instead of reading every sheet.

An entry is keyed by the bytes of every workbook (BLAKE2 of the files' content, not their dates),
their paths and order, and the code that reads them (the size and time of every kcplanner module):
a changed byte, another file or a new version of the readers is a miss and the workbooks are read as
always.  It holds the dataset in the project file's exact column codec (kcplanner/project/store.py:
values, dtypes and indexes come back as read), the validation report (warnings included) and the
plan/budget classification.  Only reads without errors and without import mappings are kept; the
newest `MAX_ENTRIES` stay.  The folder is the user's cache (`QStandardPaths.CacheLocation`/reads, or
`KCPLANNER_CACHE_DIR`); every write goes to a temporary file renamed into place, and anything that
does not decode is a miss (the entry is removed), never an error.  Off until `enable()`: the app
turns it on at start (ui/app.py); tests and scripts that open workbooks read them every time.
"""

from __future__ import annotations

import hashlib
import json
import os
import sqlite3
from collections import Counter
from pathlib import Path

CACHE_VERSION = 1
MAX_ENTRIES = 4
ENV = "KCPLANNER_CACHE_DIR"
_KCPLANNER = Path(__file__).resolve().parents[2] / "kcplanner"
_enabled = False  # the app turns it on (ui/app.py run_app); tests and scripts read workbooks as ever


def enable(on: bool = True) -> None:
    global _enabled
    _enabled = on


def enabled() -> bool:
    return _enabled


def cache_dir() -> Path:
    base = os.environ.get(ENV)
    if not base:
        from PySide6.QtCore import QStandardPaths

        base = QStandardPaths.writableLocation(QStandardPaths.StandardLocation.CacheLocation)
    return Path(base) / "reads"


def _code_stamp(h) -> None:
    for p in sorted(_KCPLANNER.rglob("*.py")):
        st = p.stat()
        h.update(f"{p.relative_to(_KCPLANNER)}:{st.st_size}:{st.st_mtime_ns};".encode())


def input_files(paths) -> list[Path]:
    """The workbook files a load of `paths` (files and folders) reads, in order."""
    from kcplanner.readers.workbook import expand_paths

    return [Path(p) for p in expand_paths([Path(p) for p in paths])]


def key(files: list[Path], plan: str | None = None) -> str | None:
    """The cache key of reading `files` (`plan` the plan's path when it is already known), None when a
    file cannot be read (the readers report that)."""
    h = hashlib.blake2b(digest_size=20)
    h.update(f"kcplanner-read-cache {CACHE_VERSION}\n{plan or ''}\n".encode())
    _code_stamp(h)
    try:
        for f in files:
            h.update(f"\n{f.resolve()}\n".encode())
            h.update(hashlib.blake2b(f.read_bytes(), digest_size=20).digest())
    except OSError:
        return None
    return h.hexdigest()


def load(k: str | None):
    """(Project, Dataset, ValidationReport) kept under key `k`, or None."""
    if k is None or not _enabled:
        return None
    path = cache_dir() / f"{k}.sqlite"
    if not path.is_file():
        return None
    try:
        from kcplanner.project.store import decode_dataset
        from kcplanner.report import Problem, RowCount, ValidationReport

        from .settings import Project

        c = sqlite3.connect(f"file:{path}?mode=ro", uri=True)
        try:
            meta = dict(c.execute("SELECT name, value FROM meta"))
            frames = {name: (json.loads(spec), []) for name, spec in c.execute("SELECT name, spec FROM frames")}
            for name, _i, data in c.execute("SELECT frame, part, data FROM parts ORDER BY frame, part"):
                frames[name][1].append(data)
        finally:
            c.close()
        dataset = decode_dataset(json.loads(meta["dataset"]), frames)
        rep = json.loads(meta["report"])
        report = ValidationReport([Problem(**p) for p in rep["problems"]],
                                  [RowCount(r["file"], r["sheet"], r["read"], r["imported"], Counter(r["excluded"]))
                                   for r in rep["rows"]])
        project = Project.from_json(json.loads(meta["project"]))
        if project is None:
            raise ValueError("no project")
    except Exception:  # noqa: BLE001 - a damaged or old entry is a miss, and goes
        path.unlink(missing_ok=True)
        return None
    os.utime(path)  # the newest entries stay
    return project, dataset, report


def store(k: str | None, project, dataset, report) -> None:
    """Keep a read without errors under key `k` (best effort: a full disk only loses the speed-up)."""
    if k is None or not _enabled or dataset is None or report.errors:
        return
    folder = cache_dir()
    tmp = folder / f".{k}.{os.getpid()}.tmp"
    try:
        from kcplanner.project.store import dataset_record, encode_dataset

        folder.mkdir(parents=True, exist_ok=True)
        tmp.unlink(missing_ok=True)
        with sqlite3.connect(tmp) as c:
            c.execute("CREATE TABLE meta (name TEXT PRIMARY KEY, value TEXT)")
            c.execute("CREATE TABLE frames (name TEXT PRIMARY KEY, spec TEXT)")
            c.execute("CREATE TABLE parts (frame TEXT, part INTEGER, data BLOB)")
            for name, (spec, blobs, _digest) in encode_dataset(dataset).items():
                c.execute("INSERT INTO frames VALUES (?, ?)", (name, json.dumps(spec)))
                c.executemany("INSERT INTO parts VALUES (?, ?, ?)", [(name, i, b) for i, b in enumerate(blobs)])
            c.executemany("INSERT INTO meta VALUES (?, ?)", [
                ("dataset", json.dumps(dataset_record(dataset), ensure_ascii=False)),
                ("report", report.to_json()), ("project", json.dumps(project.to_json()))])
        c.close()
        os.replace(tmp, folder / f"{k}.sqlite")
        entries = sorted(folder.glob("*.sqlite"), key=lambda p: p.stat().st_mtime_ns, reverse=True)
        for old in entries[MAX_ENTRIES:]:
            old.unlink(missing_ok=True)
    except Exception:  # noqa: BLE001 - the cache is a speed-up, never a reason to fail a load
        tmp.unlink(missing_ok=True)
