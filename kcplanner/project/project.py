"""The project file (`.kcplan`): one SQLite database that keeps everything (docs/project-file.md).

    project = Project.create("budget.kcplan", dataset, sources)   # or Project.open(path)
    project.put_scenario(scenario)                               # every change is on disk at once
    project.record_edit("Police plan", None, before, after)      # the app's undo commands
    project.history()                                            # the audit trail
    project.save(); project.close()

Every change is one SQLite transaction (WAL mode) that writes the new state and its audit row
together, so the file always holds every edit the app showed; `save()` marks a save point.
"""

from __future__ import annotations

import contextlib
import hashlib
import json
import os
import sqlite3
import sys
import threading
import uuid
from dataclasses import dataclass, field
from datetime import datetime, timezone
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable, Mapping

from .. import __version__ as APP_VERSION
from ..atomic import OutputError, atomic_path
from ..scenario import Scenario, ScenarioError, scenario_from_dict
from .audit import (EDIT_ACTIONS, HistoryEntry, current_user, describe_change, history_rows, host_name,
                    scenario_json, utc_now)
from .lock import LockHeld, LockUnavailable, ProjectLock

if TYPE_CHECKING:  # pandas is imported only when the data are read or written: a project opens
    from ..dataset import Dataset  # for scenario edits without it (fast start, light crash tests)
    from .diff import DatasetDiff

#: The project file format this version writes.  Bump it whenever an older kcplanner could
#: misread a file written by this one; `READ_COMPAT_VERSION` is the oldest format version whose
#: readers can still read (not write) files written in this format.
FORMAT_VERSION = 1
READ_COMPAT_VERSION = 1
APPLICATION_ID = 0x4B43506C  # "KCPl" in the SQLite header (PRAGMA application_id)
SUFFIX = ".kcplan"
SQLITE_MAGIC = b"SQLite format 3\x00"
MERGE_WINDOW_SECONDS = 30.0

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

_OPEN_FOR_WRITING: set[str] = set()   # resolved paths open for writing in this process
_REGISTRY_LOCK = threading.Lock()


class ProjectError(Exception):
    """A project file that cannot be opened, created or changed; the message says which file and why."""


class ProjectInUse(ProjectError):
    """The file says another kcplanner has it open.  `same_computer` False: it may be a session that
    ended without closing on another computer; the app may offer `Project.open(path, take_over=True)`."""

    def __init__(self, message: str, *, user: str, host: str, started: str, same_computer: bool,
                 locked: bool = False) -> None:
        super().__init__(message)
        self.user, self.host, self.started, self.same_computer = user, host, started, same_computer
        self.locked = locked  # a running kcplanner holds the OS write lock: never "open anyway"


class NewerFormatError(ProjectError):
    """The file comes from a newer kcplanner.  `read_only_possible`: `Project.open(path, read_only=True)` works."""

    def __init__(self, message: str, *, format_version: int, read_only_possible: bool) -> None:
        super().__init__(message)
        self.format_version, self.read_only_possible = format_version, read_only_possible


# -- value objects --------------------------------------------------------------------------------

@dataclass(frozen=True)
class SourceFile:
    """A workbook the data came from, as it was when read."""

    role: str                    # "plan", "budget" or "source" (role unknown)
    path: str                    # absolute path when read
    relative: str | None = None  # path relative to the project's folder (found again if both move)
    sha256: str | None = None    # None when the file could not be read at the time
    size: int | None = None
    modified: str | None = None  # UTC ISO of the file's mtime


@dataclass(frozen=True)
class SourceChange:
    """A source workbook that differs from the one the project's data came from."""

    source: SourceFile | None    # None for a new workbook in a budget folder
    status: str                  # "changed" | "missing" | "added"
    current_path: str | None     # where it is now (None if missing)
    sha256: str | None = None    # its hash now

    def describe(self) -> str:
        name = Path(self.current_path or (self.source.path if self.source else "")).name
        return {"changed": f"{name} has changed since it was imported",
                "missing": f"{name} is missing (was {self.source.path if self.source else ''})",
                "added": f"{name} is a new workbook in a budget folder"}[self.status]


@dataclass(frozen=True)
class ImportArguments:
    """What to pass to `readers.read_dataset` to read the project's sources again."""

    plan: Path | None
    budgets: list[Path]
    mappings: list[dict]


@dataclass(frozen=True)
class RecoveryInfo:
    """The previous session did not close cleanly (crash, kill, power loss); what was recovered."""

    previous_user: str
    previous_host: str
    session_started: str          # UTC ISO
    last_edit_time: str | None    # UTC ISO of the last edit that session made
    edits_in_session: int         # edits that session made (all of them are in the file)
    unsaved_edits: int            # edits since the last explicit save

    @property
    def message(self) -> str:
        when = self.last_edit_time or self.session_started
        return (f"kcplanner did not close cleanly last time (session of {self.previous_user} started "
                f"{self.session_started}). Every edit was kept: {self.edits_in_session} edit"
                f"{'s' * (self.edits_in_session != 1)} from that session, the last at {when}; "
                f"{self.unsaved_edits} edit{'s' * (self.unsaved_edits != 1)} since the last save.")


@dataclass(frozen=True)
class SavePoint:
    id: int
    seq: int         # the last audit row included
    time: str
    user: str
    path: str


@dataclass
class ReplaceReport:
    """What `replace_dataset` did: the differences and the scenarios with rules that no longer apply."""

    diff: DatasetDiff
    invalid: dict[str, list[str]] = field(default_factory=dict)   # scenario name → messages
    seq: int = 0


@dataclass
class _Stored:
    id: int
    position: float
    scenario: Scenario


# -- helpers --------------------------------------------------------------------------------------

def file_sha256(path: str | Path) -> str:
    h = hashlib.sha256()
    with open(path, "rb") as fh:
        for chunk in iter(lambda: fh.read(1 << 20), b""):
            h.update(chunk)
    return h.hexdigest()


def _key(name: str) -> str:
    return " ".join(str(name).split()).casefold()


def _mtime_iso(path: Path) -> str | None:
    try:
        return datetime.fromtimestamp(path.stat().st_mtime, timezone.utc).isoformat(timespec="seconds")
    except OSError:
        return None


def _pid_alive(pid: int) -> bool:
    if pid <= 0:
        return False
    if sys.platform == "win32":  # pragma: no cover - exercised on Windows only
        import ctypes
        kernel32 = ctypes.windll.kernel32
        handle = kernel32.OpenProcess(0x1000, False, pid)  # PROCESS_QUERY_LIMITED_INFORMATION
        if not handle:
            return False
        code = ctypes.c_ulong()
        ok = kernel32.GetExitCodeProcess(handle, ctypes.byref(code))
        kernel32.CloseHandle(handle)
        return bool(ok) and code.value == 259  # STILL_ACTIVE
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except PermissionError:
        return True
    except OSError:
        return False
    return True


def _has_plan(dataset: "Dataset") -> bool:
    plan = dataset.plan
    return any(len(getattr(plan, n)) for n in ("goals", "kpis", "funds", "revenue", "assumptions", "drivers")) \
        or plan.settings.city is not None or plan.settings.first_plan_year is not None


def _remove_sidecars(path: Path) -> None:
    for suffix in ("-wal", "-shm", "-journal"):
        with contextlib.suppress(FileNotFoundError):
            os.remove(str(path) + suffix)


def _fsync(path: Path) -> None:
    with open(path, "rb+") as fh:
        os.fsync(fh.fileno())


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


# -- the project ----------------------------------------------------------------------------------

class Project:
    """An open project file.  Create with `Project.create` or `Project.open`; close with `close()`.

    Thread-safe (one lock); the GUI may call it from any single thread at a time.
    """

    def __init__(self, path: Path, conn: sqlite3.Connection, meta: dict[str, str], *, read_only: bool,
                 user: str) -> None:
        self.path = path
        self._conn = conn
        self._meta = meta
        self.read_only = read_only
        self.user = user
        self.host = host_name()
        self.session = uuid.uuid4().hex
        self.recovered: RecoveryInfo | None = None
        self._lock = threading.RLock()
        self._dataset: Dataset | None = None
        self._scenarios: dict[str, _Stored] = {}
        self._closed = False
        self._needs_sync = False
        self._registered: str | None = None
        self._os_lock: ProjectLock | None = None   # the write lock (lock.py); None when read-only

    # -- creating and opening ---------------------------------------------------------------------
    @classmethod
    def create(cls, path: str | Path, dataset: Dataset, sources: Any = None, *,
               mappings: Iterable[Mapping] | None = None, scenarios: Iterable[Scenario] = (),
               narratives: Mapping[str, Any] | None = None, user: str | None = None,
               durability: str = "normal") -> "Project":
        """Write a new project file (atomically: a temporary file renamed into place) and open it.

        `sources`: what the data were read from, to detect later changes and to re-import:
        an object with `.plan` and `.budgets` (e.g. `SampleFiles`), a mapping with `plan`/`budgets`
        keys, a list of paths (the plan first when the dataset has a plan, as `read_dataset` lists
        them), a list of `SourceFile`, or None for `dataset.sources`.
        `narratives`: request ID → justification narrative (a dict or an object with `to_dict()`),
        stored with the project (no audit row: they are part of what the project was created with).
        """
        path = Path(path)
        user = user or current_user()
        lock = _take_lock(path, user)
        try:
            _refuse_if_in_use(path)
            cls._create(path, dataset, sources, mappings=mappings, scenarios=scenarios, narratives=narratives,
                        user=user)
            project = cls.open(path, user=user, durability=durability, _lock=lock)
        except BaseException:
            lock.release()
            raise
        project._dataset = dataset
        return project

    @classmethod
    def _create(cls, path: Path, dataset: Dataset, sources: Any, *, mappings, scenarios, narratives,
                user: str) -> None:
        from .store import dataset_record, encode_dataset
        source_files, import_args = _normalize_sources(sources, dataset, path)
        encoded = encode_dataset(dataset)
        now = utc_now()
        session = uuid.uuid4().hex
        host = host_name()
        try:
            with atomic_path(path, suffix=".tmp") as tmp:
                conn = sqlite3.connect(str(tmp), isolation_level=None)
                try:
                    conn.execute("PRAGMA journal_mode=OFF")
                    conn.execute("PRAGMA synchronous=OFF")
                    conn.execute(f"PRAGMA application_id={APPLICATION_ID}")
                    conn.execute(f"PRAGMA user_version={FORMAT_VERSION}")
                    conn.execute("BEGIN")
                    for statement in SCHEMA.split(";"):
                        if statement.strip():
                            conn.execute(statement)
                    conn.execute(NARRATIVES_SCHEMA)
                    for request_id, narrative in (narratives or {}).items():
                        data = _narrative_json(narrative)
                        if data is not None:
                            conn.execute("INSERT OR REPLACE INTO narratives VALUES (?, ?, ?, ?, ?)",
                                         (_key(request_id), str(request_id), data, now, user))
                    meta = {"app": "kcplanner", "format_version": str(FORMAT_VERSION),
                            "read_compat_version": str(READ_COMPAT_VERSION), "app_version": APP_VERSION,
                            "created": now, "created_by": user, "dataset_modified": now,
                            "import_args": json.dumps(import_args, ensure_ascii=False),
                            "dataset": json.dumps(dataset_record(dataset), ensure_ascii=False)}
                    conn.executemany("INSERT INTO meta VALUES (?, ?)", list(meta.items()))
                    _write_sources(conn, source_files)
                    _write_mappings(conn, mappings or [])
                    _write_frames(conn, encoded)
                    n_lines = len(dataset.budget.line_items)
                    n_req = len(dataset.budget.requests)
                    _insert_edit(conn, now, user, host, session, None, "project",
                                 f"Created the project from {len(source_files)} workbook"
                                 f"{'s' * (len(source_files) != 1)} ({n_lines:,} line items, {n_req:,} requests)",
                                 None, json.dumps({"sources": [s.path for s in source_files]}), None)
                    position = 0.0
                    seen: set[str] = set()
                    for s in scenarios:
                        _check_name(s.name)
                        if _key(s.name) in seen:
                            raise ProjectError(f"two scenarios are named '{s.name}'")
                        seen.add(_key(s.name))
                        position += 1
                        cur = conn.execute("INSERT INTO scenarios (name, name_key, position, data, created, modified) "
                                           "VALUES (?, ?, ?, ?, ?, ?)", (s.name, _key(s.name), position,
                                                                         scenario_json(s), now, now))
                        _insert_edit(conn, now, user, host, session, s.name, "create", describe_change(None, s),
                                     None, scenario_json(s), None, cur.lastrowid)
                    _insert_save(conn, now, user, str(path), "Created")
                    conn.execute("COMMIT")
                    conn.execute("PRAGMA journal_mode=DELETE")
                finally:
                    conn.close()
                _fsync(tmp)
                _remove_sidecars(path)
        except OutputError as exc:
            raise ProjectError(str(exc)) from exc
        except sqlite3.Error as exc:
            raise ProjectError(f"{path}: cannot write the project file ({exc})") from exc
        except OSError as exc:
            raise ProjectError(f"{path}: cannot write the project file ({exc.strerror or exc})") from exc

    @classmethod
    def open(cls, path: str | Path, *, read_only: bool = False, take_over: bool = False,
             user: str | None = None, durability: str = "normal", _lock: ProjectLock | None = None) -> "Project":
        """Open a project file.  ProjectError (with a message for the user) when it is not a
        kcplanner project, is damaged, comes from a newer kcplanner, or is open elsewhere.

        `read_only`: nothing is written (a newer format that says older readers may read it opens
        this way).  `take_over`: open even though the file says another kcplanner has it open
        (after the user confirmed that one is gone; a kcplanner still running holds the OS write lock,
        lock.py, and is never taken over).  `durability`: "normal" (WAL with
        synchronous=NORMAL: an edit survives a crash or kill of kcplanner the moment it returns,
        and a power loss once `sync()` ran, at most a second later) or "full" (fsync every edit).
        """
        path = Path(path)
        user = user or current_user()
        _check_file(path)
        meta = _inspect(path)
        try:
            fmt = int(meta.get("format_version", "0"))
            compat = int(meta.get("read_compat_version", str(fmt)))
        except ValueError:
            raise ProjectError(f"{path}: unknown project format version {meta.get('format_version')!r}") from None
        writer = f"kcplanner {meta.get('app_version', '?')}"
        if fmt > FORMAT_VERSION and not (read_only and compat <= FORMAT_VERSION):
            raise NewerFormatError(
                f"{path}: this project was saved by a newer {writer} (project format {fmt}); this kcplanner "
                f"({APP_VERSION}) understands format {FORMAT_VERSION} and will not change the file. "
                "Open it with a newer kcplanner." + (" It can be opened read-only." if compat <= FORMAT_VERSION else ""),
                format_version=fmt, read_only_possible=compat <= FORMAT_VERSION)
        if fmt < 1:
            raise ProjectError(f"{path}: unknown project format version {meta.get('format_version')!r}")
        resolved = str(path.resolve())
        conn = None
        lock = _lock
        if not read_only:
            with _REGISTRY_LOCK:
                if resolved in _OPEN_FOR_WRITING:
                    if lock is not None:
                        lock.release()
                    raise ProjectError(f"{path}: the project is already open in this kcplanner")
                _OPEN_FOR_WRITING.add(resolved)
        try:
            if not read_only and lock is None:  # exactly one writer: the OS lock decides, atomically
                lock = _take_lock(path, user)
            conn = _connect(path, read_only=read_only)
            try:
                if not read_only:
                    conn.execute("PRAGMA journal_mode=WAL")
                    conn.execute("PRAGMA synchronous=" + ("FULL" if durability == "full" else "NORMAL"))
                    conn.execute(NARRATIVES_SCHEMA)  # a file from before the narratives table
                project = cls(path, conn, meta, read_only=read_only, user=user)
                project._registered = None if read_only else resolved
                project._os_lock = None if read_only else lock
                project._load_scenarios()
                if not read_only:
                    project._start_session(take_over)
            except sqlite3.Error as exc:
                hint = " It can be opened read-only." if not read_only else ""
                raise ProjectError(f"{path}: cannot open the project file for {'reading' if read_only else 'writing'} "
                                   f"({exc}).{hint}") from exc
            return project
        except BaseException:
            if not read_only:
                with _REGISTRY_LOCK:
                    _OPEN_FOR_WRITING.discard(resolved)
            if conn is not None:
                with contextlib.suppress(Exception):
                    conn.close()
            if lock is not None:
                lock.release()
            raise

    def _start_session(self, take_over: bool) -> None:
        row = self._conn.execute("SELECT token, pid, host, user, started FROM session WHERE id = 1").fetchone()
        if row is not None and not take_over:
            token, pid, host, user, started = row
            if host == self.host and pid != os.getpid() and _pid_alive(pid):
                raise ProjectInUse(f"{self.path}: the project is open in another kcplanner (user {user}, since "
                                   f"{started}). Close it there first.", user=user, host=host, started=started,
                                   same_computer=True)
            if host != self.host:
                raise ProjectInUse(f"{self.path}: the project may be open in kcplanner on computer {host} (user "
                                   f"{user}, since {started}). If kcplanner is no longer running there, open it "
                                   "anyway (the edits it made are in the file).", user=user, host=host,
                                   started=started, same_computer=False)
        now = utc_now()
        with self._tx() as c:
            if row is not None:
                token, pid, host, user, started = row
                n_session, last = c.execute("SELECT count(*), max(time) FROM edits WHERE session = ? AND action IN "
                                            f"({','.join('?' * len(EDIT_ACTIONS))})",
                                            (token, *EDIT_ACTIONS)).fetchone()
                unsaved = self._count_unsaved(c)
                self.recovered = RecoveryInfo(user, host, started, last, n_session, unsaved)
                _insert_edit(c, now, self.user, self.host, self.session, None, "recover",
                             f"Reopened after kcplanner did not close cleanly (session of {user} on {host} "
                             f"started {started}); {n_session} edits of that session kept",
                             None, json.dumps({"session": token, "edits": n_session, "unsaved": unsaved}), None)
            c.execute("INSERT OR REPLACE INTO session VALUES (1, ?, ?, ?, ?, ?, ?)",
                      (self.session, os.getpid(), self.host, self.user, now, APP_VERSION))

    def _load_scenarios(self) -> None:
        scenarios = {}
        for sid, name, position, data in self._conn.execute(
                "SELECT id, name, position, data FROM scenarios ORDER BY position, id"):
            try:
                scenario = scenario_from_dict(json.loads(data), default_name=name)
            except (ScenarioError, json.JSONDecodeError) as exc:
                raise ProjectError(f"{self.path}: scenario '{name}' is damaged: {exc}") from exc
            scenarios[_key(scenario.name)] = _Stored(sid, position, scenario)
        self._scenarios = scenarios

    # -- plumbing ---------------------------------------------------------------------------------
    @contextlib.contextmanager
    def _tx(self):
        """One write transaction (BEGIN IMMEDIATE … COMMIT); rolled back on any error."""
        with self._lock:
            self._check_writable()
            c = self._conn
            try:
                c.execute("BEGIN IMMEDIATE")
                try:
                    yield c
                    c.execute("COMMIT")
                except BaseException:
                    with contextlib.suppress(sqlite3.Error):
                        c.execute("ROLLBACK")
                    raise
            except sqlite3.Error as exc:
                raise ProjectError(f"{self.path}: the change could not be written to the project file ({exc}); "
                                   "it was not applied") from exc
            self._needs_sync = True

    def _check_open(self) -> None:
        if self._closed:
            raise ProjectError(f"{self.path}: the project is closed")

    def _check_writable(self) -> None:
        self._check_open()
        if self.read_only:
            raise ProjectError(f"{self.path}: the project is open read-only")

    def _last_save_seq(self, c=None) -> int:
        row = (c or self._conn).execute("SELECT max(seq) FROM saves").fetchone()
        return int(row[0] or 0)

    def _count_unsaved(self, c=None) -> int:
        c = c or self._conn
        return int(c.execute(f"SELECT count(*) FROM edits WHERE seq > ? AND action IN "
                             f"({','.join('?' * len(EDIT_ACTIONS))})",
                             (self._last_save_seq(c), *EDIT_ACTIONS)).fetchone()[0])

    # -- the data ---------------------------------------------------------------------------------
    @property
    def dataset(self) -> Dataset:
        """The imported data, exactly as stored (decoded on first use, then kept)."""
        with self._lock:
            self._check_open()
            if self._dataset is None:
                self._dataset = self._read_dataset()
            return self._dataset

    def _read_dataset(self) -> Dataset:
        from .frames import FrameCodecError
        from .store import decode_dataset
        c = self._conn
        specs = {name: (json.loads(spec), parts) for name, spec, parts in
                 c.execute("SELECT name, spec, parts FROM frames")}
        blobs: dict[str, list[bytes]] = {name: [] for name in specs}
        for name, _part, data in c.execute("SELECT frame, part, data FROM frame_parts ORDER BY frame, part"):
            blobs.setdefault(name, []).append(data)
        frames = {}
        for name, (spec, parts) in specs.items():
            if len(blobs[name]) != parts:
                raise ProjectError(f"{self.path}: the project file is damaged (table {name} has "
                                   f"{len(blobs[name])} of {parts} parts)")
            frames[name] = (spec, blobs[name])
        try:
            record = json.loads(self._meta_value("dataset", c) or "{}")
            return decode_dataset(record, frames)
        except (FrameCodecError, json.JSONDecodeError, TypeError) as exc:
            raise ProjectError(f"{self.path}: the project file is damaged: {exc}") from exc

    def _meta_value(self, key: str, c=None) -> str | None:
        row = (c or self._conn).execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else row[0]

    @property
    def info(self) -> dict[str, str]:
        """format_version, app_version (that wrote the file), created, created_by, …"""
        return {k: v for k, v in self._meta.items() if k not in ("dataset", "import_args")}

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

    def replace_dataset(self, new_dataset: Dataset, sources: Any = None, *, mappings: Iterable[Mapping] | None = None,
                        description: str | None = None) -> ReplaceReport:
        """Take re-imported data, keeping every scenario.  Returns the differences and, per scenario,
        the rules and funded requests that no longer match anything (kcplanner.scenario.validate_scenario)."""
        from .diff import diff_datasets
        from .store import dataset_record, encode_dataset
        with self._lock:
            self._check_writable()
            old = self.dataset
            diff = diff_datasets(old, new_dataset)
            source_files, import_args = _normalize_sources(sources, new_dataset, self.path)
            encoded = encode_dataset(new_dataset)
            now = utc_now()
            old_sources = [s.path for s in self.sources]
            text = description or (f"Re-imported the data from {len(source_files)} workbook"
                                   f"{'s' * (len(source_files) != 1)}: {diff.summary()}")
            with self._tx() as c:
                c.execute("DELETE FROM frame_parts")
                c.execute("DELETE FROM frames")
                _write_frames(c, encoded)
                c.execute("DELETE FROM sources")
                _write_sources(c, source_files)
                if mappings is not None:
                    c.execute("DELETE FROM mappings")
                    _write_mappings(c, mappings)
                c.execute("INSERT OR REPLACE INTO meta VALUES ('import_args', ?)",
                          (json.dumps(import_args, ensure_ascii=False),))
                c.execute("INSERT OR REPLACE INTO meta VALUES ('dataset', ?)",
                          (json.dumps(dataset_record(new_dataset), ensure_ascii=False),))
                c.execute("INSERT OR REPLACE INTO meta VALUES ('dataset_modified', ?)", (now,))
                seq = _insert_edit(c, now, self.user, self.host, self.session, None, "import", text,
                                   json.dumps({"sources": old_sources}),
                                   json.dumps({"sources": [s.path for s in source_files], **diff.counts()}), None)
            self._dataset = new_dataset
            return ReplaceReport(diff, self.invalid_scenarios(), seq)

    def invalid_scenarios(self) -> dict[str, list[str]]:
        """{scenario name: messages} for scenarios whose rules or funded requests match nothing."""
        try:
            from ..engine import prepare
            from ..engine import validate_scenario
        except ImportError:  # pragma: no cover - the engine is always there in a full install
            return {}
        prepared = prepare(self.dataset)
        out = {}
        for s in self.scenarios:
            messages = validate_scenario(s, prepared)
            if messages:
                out[s.name] = messages
        return out

    def update_dataset(self, dataset: Dataset | None = None, *, description: str | None = None,
                       tables: Iterable[str] | None = None) -> int | None:
        """Store the tables of `dataset` (default: `project.dataset`, changed in place) that differ
        from the file, e.g. requests created in the app (`budget.requests`, `budget.request_costs`).
        `tables` limits the comparison to those names.  Returns the audit row's seq, None if nothing changed."""
        from .diff import diff_requests
        from .store import dataset_record, encode_dataset
        with self._lock:
            self._check_writable()
            dataset = self.dataset if dataset is None else dataset
            encoded = encode_dataset(dataset, tables)
            stored = dict(self._conn.execute("SELECT name, digest FROM frames"))
            changed = {n: e for n, e in encoded.items() if stored.get(n) != e[2]}
            record = json.dumps(dataset_record(dataset), ensure_ascii=False)
            record_changed = record != self._meta_value("dataset")
            if not changed and not record_changed:
                return None
            text = description
            if text is None:
                parts = []
                if {"budget.requests", "budget.request_costs"} & set(changed):
                    old_req = self._read_frames(["budget.requests", "budget.request_costs"])
                    req_changes = diff_requests(old_req["budget.requests"], old_req["budget.request_costs"],
                                                dataset.budget.requests, dataset.budget.request_costs)
                    parts.extend(r.describe() for r in req_changes)
                others = [n for n in changed if n not in ("budget.requests", "budget.request_costs")]
                if others:
                    parts.append("Changed table" + "s" * (len(others) > 1) + " " + ", ".join(others))
                if record_changed and not parts:
                    parts.append("Changed the plan settings")
                text = "; ".join(parts) or "Changed the data"
            now = utc_now()
            with self._tx() as c:
                for name in changed:
                    c.execute("DELETE FROM frame_parts WHERE frame = ?", (name,))
                    c.execute("DELETE FROM frames WHERE name = ?", (name,))
                _write_frames(c, changed)
                c.execute("INSERT OR REPLACE INTO meta VALUES ('dataset', ?)", (record,))
                c.execute("INSERT OR REPLACE INTO meta VALUES ('dataset_modified', ?)", (now,))
                seq = _insert_edit(c, now, self.user, self.host, self.session, None, "data", text, None,
                                   json.dumps({"tables": sorted(changed)}), None)
            self._dataset = dataset
            return seq

    def _read_frames(self, names: list[str]) -> dict:
        from .frames import decode_frame
        out = {}
        for name in names:
            row = self._conn.execute("SELECT spec FROM frames WHERE name = ?", (name,)).fetchone()
            blobs = [b for (b,) in self._conn.execute(
                "SELECT data FROM frame_parts WHERE frame = ? ORDER BY part", (name,))]
            out[name] = decode_frame(json.loads(row[0]), blobs) if row else None
        return out

    # -- justification narratives ---------------------------------------------------------------
    def narratives(self) -> dict[str, dict]:
        """Request ID → the justification narrative managers wrote (`JustificationNarrative.to_dict()`).
        {} for a file from before narratives were stored."""
        with self._lock:
            self._check_open()
            try:
                rows = self._conn.execute("SELECT request_id, data FROM narratives ORDER BY request_id").fetchall()
            except sqlite3.OperationalError as exc:
                if "no such table" in str(exc):  # an older file opened read-only
                    return {}
                raise ProjectError(f"{self.path}: cannot read the narratives ({exc})") from exc
            try:
                return {rid: json.loads(data) for rid, data in rows}
            except json.JSONDecodeError as exc:
                raise ProjectError(f"{self.path}: the project file is damaged: a narrative: {exc}") from exc

    def put_narrative(self, request_id: str, narrative: Mapping[str, Any] | Any | None, *,
                      description: str | None = None) -> int | None:
        """Store (or with None remove) the justification narrative of a request — a dict or an object
        with `to_dict()` — and its audit row ("data") in ONE transaction.  Request IDs compare ignoring
        case and spaces.  Returns the audit row's seq, None when nothing changed."""
        if not isinstance(request_id, str) or not request_id.strip():
            raise ProjectError("a narrative needs a request ID")
        data = _narrative_json(narrative)
        with self._lock:
            self._check_writable()
            key = _key(request_id)
            row = self._conn.execute("SELECT request_id, data FROM narratives WHERE key = ?", (key,)).fetchone()
            old = row[1] if row else None
            if old == data:  # the same narrative (its request ID spelled otherwise, or none to remove)
                return None
            if description is None:
                description = (f"Removed the justification of request {request_id}" if data is None else
                               f"{'Changed' if old else 'Wrote'} the justification of request {request_id}")
            now = utc_now()
            with self._tx() as c:
                if data is None:
                    c.execute("DELETE FROM narratives WHERE key = ?", (key,))
                else:
                    c.execute("INSERT OR REPLACE INTO narratives VALUES (?, ?, ?, ?, ?)",
                              (key, request_id, data, now, self.user))
                before = json.dumps({"request_id": row[0], "narrative": json.loads(old)}, ensure_ascii=False) \
                    if row else None
                after = json.dumps({"request_id": request_id, "narrative": json.loads(data)}, ensure_ascii=False) \
                    if data is not None else None
                return _insert_edit(c, now, self.user, self.host, self.session, None, "data", description,
                                    before, after, None)

    # -- scenarios --------------------------------------------------------------------------------
    @property
    def scenarios(self) -> list[Scenario]:
        """Every scenario, in the order they were created (or arranged with `move_scenario`)."""
        with self._lock:
            return [s.scenario for s in sorted(self._scenarios.values(), key=lambda s: (s.position, s.id))]

    @property
    def scenario_names(self) -> list[str]:
        return [s.name for s in self.scenarios]

    def scenario(self, name: str) -> Scenario:
        with self._lock:
            stored = self._scenarios.get(_key(name))
            if stored is None:
                raise ProjectError(f"no scenario named '{name}'")
            return stored.scenario

    def __contains__(self, name: str) -> bool:
        return _key(name) in self._scenarios

    def put_scenario(self, scenario: Scenario, description: str | None = None) -> int:
        """Add the scenario, or replace the one with its name.  Returns the audit row's seq."""
        with self._lock:
            stored = self._scenarios.get(_key(scenario.name))
            return self.record_edit(scenario.name, description, stored.scenario if stored else None, scenario)

    def rename_scenario(self, old_name: str, new_name: str) -> int:
        before = self.scenario(old_name)
        return self.record_edit(old_name, None, before, before.rename(new_name))

    def delete_scenario(self, name: str) -> int:
        return self.record_edit(name, None, self.scenario(name), None)

    def move_scenario(self, name: str, index: int) -> int:
        """Put a scenario at position `index` of `scenarios` (audited, no change to the scenario)."""
        with self._lock:
            order = self.scenarios
            stored = self._scenarios.get(_key(name))
            if stored is None:
                raise ProjectError(f"no scenario named '{name}'")
            order = [s for s in order if _key(s.name) != _key(name)]
            index = max(0, min(index, len(order)))
            order.insert(index, stored.scenario)
            now = utc_now()
            with self._tx() as c:
                for i, s in enumerate(order):
                    c.execute("UPDATE scenarios SET position = ? WHERE name_key = ?", (float(i + 1), _key(s.name)))
                seq = _insert_edit(c, now, self.user, self.host, self.session, stored.scenario.name, "update",
                                   f"Moved scenario '{stored.scenario.name}' to position {index + 1}", None, None, None,
                                   stored.id)
            for i, s in enumerate(order):
                self._scenarios[_key(s.name)].position = float(i + 1)
            return seq

    def record_edit(self, scenario_name: str, description: str | None, before: Scenario | None,
                    after: Scenario | None, *, merge_key: str | None = None) -> int:
        """Write one edit of one scenario: its new state and its audit row, in ONE transaction.

        `before` None creates `after`; `after` None deletes the scenario; otherwise the scenario
        named `scenario_name` becomes `after` (renamed if `after.name` differs).  `description`
        None describes the change automatically (`describe_change`).  The audit keeps the state the
        file held as "before".  `merge_key` (e.g. "slider:Police plan:3"): consecutive edits with
        the same key in this session (no save in between, within 30 s) update one audit row,
        so a slider drag is one entry.  Returns the audit row's seq.
        """
        with self._lock:
            self._check_writable()
            key = _key(scenario_name)
            stored = self._scenarios.get(key)
            now = utc_now()
            with self._tx() as c:
                if after is None:
                    if stored is None:
                        raise ProjectError(f"no scenario named '{scenario_name}'")
                    c.execute("DELETE FROM scenarios WHERE id = ?", (stored.id,))
                    action, name = "delete", stored.scenario.name
                    new_stored = None
                else:
                    _check_name(after.name)
                    new_key = _key(after.name)
                    if new_key in self._scenarios and (stored is None or new_key != key):
                        raise ProjectError(f"a scenario named '{self._scenarios[new_key].scenario.name}' "
                                           "already exists")
                    if stored is None:
                        position = max((s.position for s in self._scenarios.values()), default=0.0) + 1
                        cur = c.execute("INSERT INTO scenarios (name, name_key, position, data, created, modified) "
                                        "VALUES (?, ?, ?, ?, ?, ?)",
                                        (after.name, new_key, position, scenario_json(after), now, now))
                        new_stored = _Stored(cur.lastrowid, position, after)
                        action = "create"
                    else:
                        c.execute("UPDATE scenarios SET name = ?, name_key = ?, data = ?, modified = ? WHERE id = ?",
                                  (after.name, new_key, scenario_json(after), now, stored.id))
                        new_stored = _Stored(stored.id, stored.position, after)
                        action = "rename" if stored.scenario.rename(after.name) == after \
                            and stored.scenario.name != after.name else "update"
                    name = after.name
                real_before = stored.scenario if stored is not None else None
                seq = None
                if merge_key is not None and action == "update":
                    seq = self._merge(c, merge_key, name, description, after, now)
                if seq is None:
                    seq = _insert_edit(c, now, self.user, self.host, self.session, name, action,
                                       description or describe_change(real_before, after),
                                       scenario_json(real_before), scenario_json(after), merge_key,
                                       (new_stored or stored).id)
            if stored is not None:
                self._scenarios.pop(key, None)
            if new_stored is not None:
                self._scenarios[_key(new_stored.scenario.name)] = new_stored
            return seq

    def _merge(self, c, merge_key, name, description, after, now) -> int | None:
        row = c.execute("SELECT seq, time, session, scenario, action, before, merge_key FROM edits "
                        "ORDER BY seq DESC LIMIT 1").fetchone()
        if row is None:
            return None
        seq, time, session, scenario, action, before_json, key = row
        if (key != merge_key or session != self.session or scenario != name or action != "update"
                or seq <= self._last_save_seq(c)):
            return None
        try:
            age = (datetime.fromisoformat(now.replace("Z", "+00:00"))
                   - datetime.fromisoformat(time.replace("Z", "+00:00"))).total_seconds()
        except ValueError:
            return None
        if age > MERGE_WINDOW_SECONDS:
            return None
        before = scenario_from_dict(json.loads(before_json)) if before_json else None
        c.execute("UPDATE edits SET time = ?, description = ?, after = ? WHERE seq = ?",
                  (now, description or describe_change(before, after), scenario_json(after), seq))
        return seq

    # -- save points ------------------------------------------------------------------------------
    @property
    def unsaved_edits(self) -> int:
        """Edits since the last save point (they are in the file all the same)."""
        with self._lock:
            self._check_open()
            return self._count_unsaved()

    @property
    def is_modified(self) -> bool:
        return self.unsaved_edits > 0

    @property
    def last_save(self) -> SavePoint | None:
        row = self._conn.execute("SELECT id, seq, time, user, path FROM saves ORDER BY id DESC LIMIT 1").fetchone()
        return SavePoint(*row) if row else None

    def save(self) -> SavePoint:
        """Mark a save point (File > Save): every edit is already in the file; this records that the
        analyst accepted them, keeps a snapshot for `revert_to_saved`, and folds the WAL into the file."""
        with self._lock:
            now = utc_now()
            with self._tx() as c:
                _insert_save(c, now, self.user, str(self.path), "Saved", self.session, self.host)
            self._checkpoint("TRUNCATE")
            return self.last_save

    def revert_to_saved(self) -> int | None:
        """Put the scenarios back as they were at the last save point (an audited edit itself).
        Data re-imports are not reverted.  Returns the audit row's seq, None when nothing changed."""
        with self._lock:
            self._check_writable()
            row = self._conn.execute("SELECT time, scenarios FROM saves ORDER BY id DESC LIMIT 1").fetchone()
            if row is None:
                return None
            time, snapshot = row
            saved = [scenario_from_dict(d) for d in json.loads(snapshot)]
            current = self.scenarios
            if saved == current:
                return None
            n = self._count_unsaved()
            now = utc_now()
            with self._tx() as c:
                c.execute("DELETE FROM scenarios")
                stored = {}
                for i, s in enumerate(saved):
                    cur = c.execute("INSERT INTO scenarios (name, name_key, position, data, created, modified) "
                                    "VALUES (?, ?, ?, ?, ?, ?)",
                                    (s.name, _key(s.name), float(i + 1), scenario_json(s), now, now))
                    stored[_key(s.name)] = _Stored(cur.lastrowid, float(i + 1), s)
                seq = _insert_edit(c, now, self.user, self.host, self.session, None, "revert",
                                   f"Reverted the scenarios to the save of {time} ({n} edit{'s' * (n != 1)} undone)",
                                   json.dumps([s.to_dict() for s in current], ensure_ascii=False),
                                   json.dumps([s.to_dict() for s in saved], ensure_ascii=False), None)
            self._scenarios = stored
            return seq

    def save_as(self, path: str | Path, *, keep_original: bool = True) -> None:
        """Copy the project to `path` (SQLite backup API into a temporary file, then an atomic
        rename) and continue there.  The original file keeps everything up to now; with
        `keep_original=False` it is deleted afterwards (an untitled project being named)."""
        target = Path(path)
        with self._lock:
            self._check_open()
            if int(self._meta.get("format_version", FORMAT_VERSION)) > FORMAT_VERSION:
                raise ProjectError(f"{self.path}: a project from a newer kcplanner cannot be saved by this one")
            if target.exists() and target.resolve() == self.path.resolve():
                self.save()
                return
            _refuse_if_in_use(target)
            resolved = str(target.resolve())
            with _REGISTRY_LOCK:
                if resolved in _OPEN_FOR_WRITING:
                    raise ProjectError(f"{target}: that project is open in this kcplanner")
            lock = _take_lock(target, self.user)
            try:
                self._copy_to(target)
            except BaseException:
                lock.release()
                raise
            self._continue_in(target, lock, keep_original)

    def _copy_to(self, target: Path) -> None:
        """The backup of this project as `target` (atomic: a temporary file renamed into place)."""
        try:
            with atomic_path(target, suffix=".tmp") as tmp:
                dst = sqlite3.connect(str(tmp), isolation_level=None)
                try:
                    self._conn.backup(dst)
                    dst.execute("PRAGMA journal_mode=DELETE")
                    dst.execute("BEGIN IMMEDIATE")
                    dst.execute("DELETE FROM session")
                    _rebase_relative_paths(dst, target)
                    _insert_save(dst, utc_now(), self.user, str(target), f"Saved as {target.name} "
                                 f"(a copy of {self.path.name})", self.session, self.host)
                    dst.execute("COMMIT")
                finally:
                    dst.close()
                _fsync(tmp)
                _remove_sidecars(target)
        except OutputError as exc:
            raise ProjectError(str(exc)) from exc
        except (sqlite3.Error, OSError) as exc:
            raise ProjectError(f"{target}: cannot write the project file ({exc})") from exc

    def _continue_in(self, target: Path, lock: ProjectLock, keep_original: bool) -> None:
        with self._lock:
            old_path = self.path
            dataset = self._dataset
            was_read_only = self.read_only
            self.close()
            try:
                new = Project.open(target, user=self.user, _lock=lock)
            except ProjectError:
                again = Project.open(old_path, read_only=was_read_only, user=self.user, take_over=True)
                again._dataset = dataset
                self.__dict__.update(again.__dict__)
                again._closed, again._registered, again._os_lock = True, None, None
                raise
            new._dataset = dataset
            self.__dict__.update(new.__dict__)
            new._closed = True  # `self` owns the connection now
            new._registered = None
            new._os_lock = None
            if not keep_original and not was_read_only:
                with contextlib.suppress(OSError):
                    os.remove(old_path)
                _remove_sidecars(old_path)

    # -- durability -------------------------------------------------------------------------------
    @property
    def needs_sync(self) -> bool:
        return self._needs_sync

    def sync(self) -> None:
        """Make the edits so far survive a power loss too (a WAL checkpoint, which fsyncs).  Edits
        already survive a crash or kill of kcplanner when `record_edit` returns; the app calls this
        from a one-second timer while `needs_sync`, and on Save and close."""
        with self._lock:
            if self._closed or self.read_only or not self._needs_sync:
                return
            self._checkpoint("PASSIVE")

    def _checkpoint(self, mode: str) -> None:
        with contextlib.suppress(sqlite3.Error):
            self._conn.execute(f"PRAGMA wal_checkpoint({mode})").fetchall()
        self._needs_sync = False

    def check(self) -> list[str]:
        """A full check: `PRAGMA integrity_check` and every stored table decoded.  [] = healthy."""
        with self._lock:
            self._check_open()
            problems = [r[0] for r in self._conn.execute("PRAGMA integrity_check") if r[0] != "ok"]
            if not problems:
                try:
                    self._read_dataset()
                except ProjectError as exc:
                    problems.append(str(exc))
            return problems

    # -- history ----------------------------------------------------------------------------------
    def history(self, scenario: str | None = None, *, actions: Iterable[str] | None = None,
                limit: int | None = None) -> list[HistoryEntry]:
        """The audit rows, oldest first (`limit`: only the newest n).  `scenario`: the rows of that
        scenario, including those from before it was renamed."""
        with self._lock:
            self._check_open()
            sql = "SELECT seq, time, user, host, session, scenario, action, description, before, after FROM edits"
            where, args = [], []
            if scenario is not None:  # this scenario across its renames (by id), or a deleted one by name
                stored = self._scenarios.get(_key(scenario))
                if stored is not None:
                    sid, name = stored.id, stored.scenario.name
                else:  # deleted: the last scenario that had this name
                    row = self._conn.execute("SELECT scenario_id FROM edits WHERE scenario = ? AND scenario_id IS "
                                             "NOT NULL ORDER BY seq DESC LIMIT 1", (scenario,)).fetchone()
                    sid, name = (row[0] if row else None), scenario
                where.append("(scenario_id = ? OR (scenario_id IS NULL AND scenario = ?))")
                args.extend([sid, name])
            if actions is not None:
                actions = list(actions)
                where.append(f"action IN ({','.join('?' * len(actions))})")
                args.extend(actions)
            if where:
                sql += " WHERE " + " AND ".join(where)
            sql += " ORDER BY seq DESC"
            if limit is not None:
                sql += f" LIMIT {int(limit)}"
            rows = self._conn.execute(sql, args).fetchall()
            out = []
            for seq, time, user, host, session, scen, action, text, before, after in reversed(rows):
                out.append(HistoryEntry(seq, time, user, host, session, scen, action, text,
                                        json.loads(before) if before else None, json.loads(after) if after else None))
            return out

    def export_history_rows(self, scenario: str | None = None, header: bool = True) -> list[list]:
        """Plain rows (header first) for a History sheet: #, time, user, scenario, action, change, before, after."""
        return history_rows(self.history(scenario), header=header)

    # -- closing ----------------------------------------------------------------------------------
    def close(self) -> None:
        """Close cleanly: clear the session (so the next open is not a recovery) and fold the WAL
        into the file, leaving one self-contained `.kcplan` file."""
        with self._lock:
            if self._closed:
                return
            try:
                if not self.read_only:
                    with contextlib.suppress(sqlite3.Error):
                        self._conn.execute("BEGIN IMMEDIATE")
                        self._conn.execute("DELETE FROM session WHERE token = ?", (self.session,))
                        self._conn.execute("COMMIT")
                    self._checkpoint("TRUNCATE")
                    # back to a rollback journal: the closed file is self-contained, and a read-only
                    # look at it later creates no -wal/-shm (the next open for writing turns WAL on)
                    with contextlib.suppress(sqlite3.Error):
                        self._conn.execute("PRAGMA journal_mode=DELETE").fetchall()
                self._conn.close()
            finally:
                self._closed = True
                if self._registered:
                    with _REGISTRY_LOCK:
                        _OPEN_FOR_WRITING.discard(self._registered)
                    self._registered = None
                if self._os_lock is not None:
                    self._os_lock.release()
                    self._os_lock = None

    @property
    def closed(self) -> bool:
        return self._closed

    def __enter__(self) -> "Project":
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __repr__(self) -> str:
        state = "closed" if self._closed else ("read-only" if self.read_only else "open")
        return f"<Project {self.path} ({state}, {len(self._scenarios)} scenarios)>"


# -- module helpers -------------------------------------------------------------------------------

def _narrative_json(narrative: Any) -> str | None:
    """A narrative (dict, object with `to_dict()`, or None) as canonical JSON text."""
    if narrative is None:
        return None
    if hasattr(narrative, "to_dict"):
        narrative = narrative.to_dict()
    if not isinstance(narrative, Mapping):
        raise ProjectError(f"a narrative must be a dict, not {type(narrative).__name__}")
    try:
        return json.dumps(dict(narrative), ensure_ascii=False, sort_keys=True)
    except (TypeError, ValueError) as exc:
        raise ProjectError(f"the narrative cannot be stored: {exc}") from exc


def _check_name(name: str) -> None:
    if not isinstance(name, str) or not name.strip():
        raise ProjectError("a scenario needs a name")


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


def _refuse_if_in_use(path: Path) -> None:
    """Refuse to replace a project file that a live kcplanner has open."""
    if not path.exists():
        return
    with _REGISTRY_LOCK:
        if str(path.resolve()) in _OPEN_FOR_WRITING:
            raise ProjectError(f"{path}: that project is open in this kcplanner; close it first")
    try:
        with open(path, "rb") as fh:
            if not fh.read(16).startswith(SQLITE_MAGIC):
                return
        conn = sqlite3.connect(path.resolve().as_uri() + "?mode=ro", uri=True)
        try:
            row = conn.execute("SELECT pid, host, user, started FROM session WHERE id = 1").fetchone()
        finally:
            conn.close()
    except (sqlite3.Error, OSError):
        return
    if row and row[1] == host_name() and _pid_alive(row[0]) and row[0] != os.getpid():
        raise ProjectError(f"{path}: that project is open in another kcplanner (user {row[2]}, since {row[3]}); "
                           "close it there first")


def _take_lock(path: Path, user: str) -> ProjectLock:
    """The OS write lock of `path` (lock.py), or ProjectInUse naming who holds it."""
    try:
        return ProjectLock.acquire(path, user=user)
    except LockHeld as exc:
        info = exc.info
        raise ProjectInUse(str(exc), user=info.user if info else "unknown", host=info.host if info else "unknown",
                           started=info.time if info else "", same_computer=info.same_computer if info else True,
                           locked=True) from None
    except LockUnavailable as exc:
        raise ProjectError(f"{path}: {exc}; the project can be opened read-only") from None


def _insert_edit(c, time, user, host, session, scenario, action, description, before, after, merge_key,
                 scenario_id=None) -> int:
    cur = c.execute("INSERT INTO edits (time, user, host, session, scenario, action, description, before, after, "
                    "merge_key, scenario_id) VALUES (?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
                    (time, user, host, session, scenario, action, description, before, after, merge_key, scenario_id))
    return int(cur.lastrowid)


def _insert_save(c, time, user, path, text, session="", host=None) -> None:
    snapshot = [scenario_from_dict(json.loads(d)).to_dict() for (d,) in
                c.execute("SELECT data FROM scenarios ORDER BY position, id")]
    seq = _insert_edit(c, time, user, host or host_name(), session, None, "save", text, None,
                       json.dumps({"path": path}, ensure_ascii=False), None)
    c.execute("INSERT INTO saves (seq, time, user, path, scenarios) VALUES (?, ?, ?, ?, ?)",
              (seq, time, user, path, json.dumps(snapshot, ensure_ascii=False)))


def _write_frames(c, encoded: dict) -> None:
    for name, (spec, blobs, dig) in encoded.items():
        c.execute("INSERT INTO frames VALUES (?, ?, ?, ?)", (name, json.dumps(spec), len(blobs), dig))
        c.executemany("INSERT INTO frame_parts (frame, part, data) VALUES (?, ?, ?)",
                      [(name, i, b) for i, b in enumerate(blobs)])


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


def inspect_project(path: str | Path) -> dict[str, str]:
    """A project's meta data (format_version, app_version, created, created_by, …) without opening it
    for writing; ProjectError when it is not a healthy kcplanner project."""
    path = Path(path)
    _check_file(path)
    meta = _inspect(path)
    return {k: v for k, v in meta.items() if k not in ("dataset", "import_args")}


__all__ = ["Project", "ProjectError", "ProjectInUse", "NewerFormatError", "SourceFile", "SourceChange", "RecoveryInfo", "SavePoint", "ReplaceReport",
           "ImportArguments", "FORMAT_VERSION", "READ_COMPAT_VERSION", "APPLICATION_ID", "SUFFIX", "file_sha256",
           "inspect_project"]
