"""What every part of an open `Project` shares: the connection, the thread lock, the checks that
the project is open (and writable), and one write transaction."""

from __future__ import annotations

import contextlib
import sqlite3
import threading
import uuid
from pathlib import Path
from typing import TYPE_CHECKING

from .audit import host_name
from .errors import ProjectError
from .lock import ProjectLock
from .records import RecoveryInfo, _Stored

if TYPE_CHECKING:
    from ..dataset import Dataset


class ProjectBase:
    """The state of an open project file and its plumbing (the other parts of `Project` build on it)."""

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

    def _meta_value(self, key: str, c=None) -> str | None:
        row = (c or self._conn).execute("SELECT value FROM meta WHERE key = ?", (key,)).fetchone()
        return None if row is None else row[0]

    @property
    def info(self) -> dict[str, str]:
        """format_version, app_version (that wrote the file), created, created_by, …"""
        return {k: v for k, v in self._meta.items() if k not in ("dataset", "import_args")}

    @property
    def closed(self) -> bool:
        return self._closed

    def __repr__(self) -> str:
        state = "closed" if self._closed else ("read-only" if self.read_only else "open")
        return f"<Project {self.path} ({state}, {len(self._scenarios)} scenarios)>"
