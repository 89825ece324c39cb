"""The file format: the format version, the SQLite schema and the table added within format 1
(created on open, the one migration so far), and the checks that a file is a healthy kcplanner
project before anything is read from it or written to it."""

from __future__ import annotations

import os
import sqlite3
from pathlib import Path

from .errors import ProjectError


#: The project file format this version writes.  Bump it whenever an older kcplanner could
#: misread a file written by this one; `READ_COMPAT_VERSION` is the oldest format version whose
#: readers can still read (not write) files written in this format.
FORMAT_VERSION = 1
READ_COMPAT_VERSION = 1
APPLICATION_ID = 0x4B43506C  # "KCPl" in the SQLite header (PRAGMA application_id)
SUFFIX = ".kcplan"
SQLITE_MAGIC = b"SQLite format 3\x00"

SCHEMA = """
CREATE TABLE meta (key TEXT PRIMARY KEY, value TEXT NOT NULL);
CREATE TABLE sources (position INTEGER PRIMARY KEY, role TEXT NOT NULL, path TEXT NOT NULL, relative TEXT,
                      sha256 TEXT, size INTEGER, modified TEXT);
CREATE TABLE mappings (position INTEGER PRIMARY KEY, mapping TEXT NOT NULL);
CREATE TABLE frames (name TEXT PRIMARY KEY, spec TEXT NOT NULL, parts INTEGER NOT NULL, digest TEXT NOT NULL);
CREATE TABLE frame_parts (frame TEXT NOT NULL, part INTEGER NOT NULL, data BLOB NOT NULL, UNIQUE (frame, part));
CREATE TABLE scenarios (id INTEGER PRIMARY KEY AUTOINCREMENT, name TEXT NOT NULL, name_key TEXT NOT NULL UNIQUE,
                        position REAL NOT NULL, data TEXT NOT NULL, created TEXT NOT NULL, modified TEXT NOT NULL);
CREATE TABLE edits (seq INTEGER PRIMARY KEY, time TEXT NOT NULL, user TEXT NOT NULL,
                    host TEXT NOT NULL, session TEXT NOT NULL, scenario TEXT, action TEXT NOT NULL,
                    description TEXT NOT NULL, before TEXT, after TEXT, merge_key TEXT, scenario_id INTEGER);
CREATE TABLE saves (id INTEGER PRIMARY KEY, seq INTEGER NOT NULL, time TEXT NOT NULL,
                    user TEXT NOT NULL, path TEXT NOT NULL, scenarios TEXT NOT NULL);
CREATE TABLE session (id INTEGER PRIMARY KEY CHECK (id = 1), token TEXT NOT NULL, pid INTEGER NOT NULL,
                      host TEXT NOT NULL, user TEXT NOT NULL, started TEXT NOT NULL, app_version TEXT NOT NULL);
"""
#: Added within format 1: created on open (for writing) when missing; a file without it has no narratives.
NARRATIVES_SCHEMA = """
CREATE TABLE IF NOT EXISTS narratives (key TEXT PRIMARY KEY, request_id TEXT NOT NULL, data TEXT NOT NULL,
                                       modified TEXT NOT NULL, user TEXT NOT NULL)
"""
#: Added within format 1 like the narratives (the open budget site's stories, stories.py): created on
#: open (for writing) when missing; a file without it has no stories.  An older kcplanner opens a file
#: that has it (it reads only the tables it knows, and its Save As copies the whole database), so the
#: format version and READ_COMPAT_VERSION stay 1.
STORIES_SCHEMA = """
CREATE TABLE IF NOT EXISTS stories (slug TEXT PRIMARY KEY, title TEXT NOT NULL, markdown TEXT NOT NULL,
                                    position INTEGER NOT NULL, modified TEXT NOT NULL, user TEXT NOT NULL)
"""


def _check_file(path: Path) -> None:
    """Existence, the SQLite header, truncation: clear messages before SQLite sees the file."""
    if not path.exists():
        raise ProjectError(f"{path}: no such project file")
    if path.is_dir():
        raise ProjectError(f"{path}: is a folder, not a kcplanner project file")
    try:
        size = path.stat().st_size
        with open(path, "rb") as fh:
            head = fh.read(100)
    except OSError as exc:
        raise ProjectError(f"{path}: cannot read the file: {exc.strerror or exc}") from exc
    if size == 0:
        raise ProjectError(f"{path}: the file is empty (0 bytes); it is not a kcplanner project")
    if not head.startswith(SQLITE_MAGIC):
        hint = ""
        if head.startswith(b"PK\x03\x04"):
            hint = " It looks like a workbook (.xlsx/.ods): use File > New project to import workbooks."
        elif head.startswith(b"\xd0\xcf\x11\xe0"):
            hint = " It looks like an old Excel workbook (.xls): use File > New project to import workbooks."
        raise ProjectError(f"{path}: not a kcplanner project (the file is not an SQLite database, or it is damaged)."
                           + hint)
    if len(head) < 100:
        raise ProjectError(f"{path}: the project file is damaged: truncated ({size} bytes)")
    page_size = int.from_bytes(head[16:18], "big")
    page_size = 65536 if page_size == 1 else page_size
    pages = int.from_bytes(head[28:32], "big")
    header_valid = head[24:28] == head[92:96]
    wal = Path(str(path) + "-wal")
    wal_size = wal.stat().st_size if wal.exists() else 0
    if page_size < 512 or page_size & (page_size - 1):
        raise ProjectError(f"{path}: the project file is damaged (bad page size {page_size})")
    if header_valid and pages and wal_size == 0 and size < pages * page_size:
        raise ProjectError(f"{path}: the project file is damaged: truncated ({size:,} bytes of "
                           f"{pages * page_size:,} expected). Use an earlier copy or re-create the project "
                           "from the workbooks.")


def _ro_connect(path: Path, **kwargs) -> sqlite3.Connection:
    """A read-only connection; on read-only media (where SQLite cannot create the WAL index) the
    file is opened as immutable instead."""
    base = path.resolve().as_uri()
    conn = sqlite3.connect(base + "?mode=ro", uri=True, isolation_level=None, **kwargs)
    try:
        conn.execute("SELECT count(*) FROM sqlite_master").fetchone()
        return conn
    except sqlite3.OperationalError:
        conn.close()
        if os.path.exists(str(path) + "-wal") and os.path.getsize(str(path) + "-wal") > 0:
            raise  # immutable would ignore edits still in the WAL
        return sqlite3.connect(base + "?mode=ro&immutable=1", uri=True, isolation_level=None, **kwargs)


def _connect(path: Path, read_only: bool) -> sqlite3.Connection:
    try:
        if read_only:
            conn = _ro_connect(path, check_same_thread=False, timeout=5.0)
        else:
            conn = sqlite3.connect(path.resolve().as_uri() + "?mode=rw", uri=True, isolation_level=None,
                                   check_same_thread=False, timeout=5.0)
        conn.execute("PRAGMA busy_timeout=5000")
        return conn
    except sqlite3.Error as exc:
        raise ProjectError(f"{path}: cannot open the project file ({exc})") from exc


def _inspect(path: Path) -> dict[str, str]:
    """Check a file is a healthy kcplanner project without writing to it; its meta table."""
    try:
        conn = _ro_connect(path)
    except sqlite3.DatabaseError as exc:
        raise ProjectError(f"{path}: the project file is damaged or not a kcplanner project ({exc}). Use an "
                           "earlier copy or re-create the project from the workbooks.") from exc
    except sqlite3.Error as exc:
        raise ProjectError(f"{path}: cannot open the project file ({exc})") from exc
    try:
        app_id = conn.execute("PRAGMA application_id").fetchone()[0]
        tables = {r[0] for r in conn.execute("SELECT name FROM sqlite_master WHERE type = 'table'")}
        if app_id != APPLICATION_ID or "meta" not in tables:
            raise ProjectError(f"{path}: not a kcplanner project (an SQLite database of another program)")
        problems = [r[0] for r in conn.execute("PRAGMA quick_check")]
        if problems != ["ok"]:
            raise ProjectError(f"{path}: the project file is damaged ({'; '.join(problems[:3])}). Use an earlier "
                               "copy or re-create the project from the workbooks.")
        meta = dict(conn.execute("SELECT key, value FROM meta"))
        if meta.get("app") != "kcplanner":
            raise ProjectError(f"{path}: not a kcplanner project")
        return meta
    except sqlite3.DatabaseError as exc:
        raise ProjectError(f"{path}: the project file is damaged or not a kcplanner project ({exc}). Use an "
                           "earlier copy or re-create the project from the workbooks.") from exc
    finally:
        conn.close()


def inspect_project(path: str | Path) -> dict[str, str]:
    """A project's meta data (format_version, app_version, created, created_by, …) without opening it
    for writing; ProjectError when it is not a healthy kcplanner project."""
    path = Path(path)
    _check_file(path)
    meta = _inspect(path)
    return {k: v for k, v in meta.items() if k not in ("dataset", "import_args")}
