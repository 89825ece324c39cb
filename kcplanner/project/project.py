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
import json
import os
import sqlite3
import uuid
from pathlib import Path
from typing import TYPE_CHECKING, Any, Iterable, Mapping

from .. import __version__ as APP_VERSION
from ..atomic import OutputError, atomic_path
from ..scenario import Scenario
from .audit import current_user, describe_change, host_name, scenario_json, utc_now
from .base import ProjectBase
from .errors import NewerFormatError, ProjectError
from .history import HistoryMixin, _insert_edit, _insert_save
from .lock import ProjectLock
from .narratives import NarrativesMixin, _narrative_json
from .records import _key
from .reimport import ReimportMixin
from .savepoints import SavePointsMixin
from .scenarios import ScenariosMixin, _check_name
from .schema import (APPLICATION_ID, FORMAT_VERSION, NARRATIVES_SCHEMA, READ_COMPAT_VERSION, SCHEMA, STORIES_SCHEMA,
                     _check_file, _connect, _inspect)
from .session import _OPEN_FOR_WRITING, _REGISTRY_LOCK, SessionMixin, _refuse_if_in_use, _take_lock
from .sources import SourcesMixin, _normalize_sources, _rebase_relative_paths, _write_mappings, _write_sources
from .stories import StoriesMixin
from .tables import DataTablesMixin, _write_frames

if TYPE_CHECKING:
    from ..dataset import Dataset


# -- the project ----------------------------------------------------------------------------------

class Project(ScenariosMixin, NarrativesMixin, StoriesMixin, DataTablesMixin, SourcesMixin, ReimportMixin,
              SavePointsMixin, HistoryMixin, SessionMixin, ProjectBase):
    """An open project file.  Create with `Project.create` or `Project.open`; close with `close()`.

    Thread-safe (one lock); the GUI may call it from any single thread at a time.  Composed of its
    parts, one module each: the scenarios, the narratives, the stories, the data tables, the source workbooks,
    re-import, save points, the history, the session; this module creates, opens, copies (Save As)
    and closes the file.
    """

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
                    conn.execute(STORIES_SCHEMA)
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
                    conn.execute(STORIES_SCHEMA)  # … or before the stories table
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

    def __enter__(self) -> "Project":
        return self

    def __exit__(self, *exc) -> None:
        self.close()


def _remove_sidecars(path: Path) -> None:
    for suffix in ("-wal", "-shm", "-journal"):
        with contextlib.suppress(FileNotFoundError):
            os.remove(str(path) + suffix)


def _fsync(path: Path) -> None:
    with open(path, "rb+") as fh:
        os.fsync(fh.fileno())


__all__ = ["Project"]
