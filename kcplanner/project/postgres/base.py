"""What every part of an open shared project uses: the connection (re-made after it was lost),
the login's role and departments, and one write transaction that carries the words the audit
row will show."""

from __future__ import annotations

import contextlib
import threading
import uuid
from datetime import datetime, timezone
from typing import Iterator

import psycopg

from ..audit import host_name
from .connection import connect, safe_url, translated
from .errors import ConnectionLost, NotAllowed, TeamError

ROLES = ("omb_analyst", "department_manager", "viewer")


def iso(value) -> str:
    """A server timestamp as the file's UTC ISO text (`2026-12-02T09:12:03.123Z`)."""
    if isinstance(value, datetime):
        return value.astimezone(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    return "" if value is None else str(value)


class TeamBase:
    """The state of an open shared project and its plumbing (the other parts of `TeamProject` build on it)."""

    def __init__(self, url: str, conn: psycopg.Connection) -> None:
        self.url = url
        self.location = safe_url(url)
        self.path = None             # a shared project has no file
        self._conn: psycopg.Connection | None = conn
        self._lock = threading.RLock()
        self.session = uuid.uuid4().hex
        self.host = host_name()
        self._closed = False
        self._dataset = None
        self._scenarios: dict = {}
        self._read_identity()

    def _read_identity(self) -> None:
        row = self._conn.execute(
            "SELECT session_user, is_omb(), pg_has_role(session_user, 'department_manager', 'MEMBER'), "
            "array(SELECT department FROM department_members WHERE login = session_user ORDER BY department)"
        ).fetchone()
        self.user, omb, manager, departments = row
        self.role = "omb_analyst" if omb else ("department_manager" if manager else "viewer")
        self.departments: list[str] = list(departments)
        self.read_only = self.role == "viewer"

    # -- plumbing ---------------------------------------------------------------------------------
    @property
    def conn(self) -> psycopg.Connection:
        """The connection, made again when the last one was lost."""
        self._check_open()
        if self._conn is None or self._conn.closed or self._conn.broken:
            with contextlib.suppress(Exception):
                if self._conn is not None:
                    self._conn.close()
            self._conn = None
            self._conn = connect(self.url, session=self.session, autocommit=True)
        return self._conn

    @contextlib.contextmanager
    def _tx(self, action: str, *, description: str | None = None, comment: str | None = None) -> Iterator:
        """One transaction: everything in it is written, or nothing (a lost connection included)."""
        with self._lock:
            conn = self.conn
            try:
                with translated(self.location, action), conn.transaction():
                    if description is not None or comment is not None:
                        conn.execute("SELECT set_config('kcplanner.description', %s, true), "
                                     "set_config('kcplanner.comment', %s, true)", (description or "", comment or ""))
                    yield conn
            except ConnectionLost:
                self._drop_connection()
                raise

    @contextlib.contextmanager
    def _read(self, action: str) -> Iterator:
        with self._lock:
            conn = self.conn
            try:
                with translated(self.location, action), conn.transaction():
                    yield conn
            except ConnectionLost:
                self._drop_connection()
                raise

    def _drop_connection(self) -> None:
        with contextlib.suppress(Exception):
            if self._conn is not None:
                self._conn.close()
        self._conn = None

    def _check_open(self) -> None:
        if self._closed:
            raise TeamError(f"{self.location}: the shared project is closed")

    def _check_writable(self, what: str = "changing the project") -> None:
        self._check_open()
        if self.read_only:
            raise NotAllowed(f"{self.location}: {what} is not allowed for {self.user} (a viewer reads only)")

    def _last_seq(self, c) -> int:
        """The seq of the audit row this transaction's last change wrote."""
        return int(c.execute("SELECT currval(pg_get_serial_sequence('kcplanner.edits', 'seq'))").fetchone()[0])

    # -- what the file has and a shared project does not need ---------------------------------------
    @property
    def unsaved_edits(self) -> int:
        """Always 0: every change is on the server (and seen by the others) once it returns."""
        return 0

    @property
    def needs_sync(self) -> bool:
        return False

    def sync(self) -> None:
        """Nothing to do: the server made each change durable when it committed."""

    def save(self) -> None:
        """Nothing to do: each change was committed to the server as it was made."""
        self._check_open()

    @property
    def closed(self) -> bool:
        return self._closed

    def close(self) -> None:
        with self._lock:
            if self._closed:
                return
            self._drop_connection()
            self._closed = True

    def __enter__(self):
        return self

    def __exit__(self, *exc) -> None:
        self.close()

    def __repr__(self) -> str:
        return f"<TeamProject {self.location} ({self.user}, {self.role})>"


__all__ = ["TeamBase", "ROLES", "iso"]
