"""One writer per project file: the files open for writing in this process, the OS write lock
(lock.py), refusing a file another live kcplanner has open, and the session row that makes an
unclean end visible as a recovery on the next open."""

from __future__ import annotations

import json
import os
import sqlite3
import sys
import threading
from pathlib import Path

from .. import __version__ as APP_VERSION
from .audit import EDIT_ACTIONS, host_name, utc_now
from .errors import ProjectError, ProjectInUse
from .history import _insert_edit
from .lock import LockHeld, LockUnavailable, ProjectLock
from .records import RecoveryInfo
from .schema import SQLITE_MAGIC


_OPEN_FOR_WRITING: set[str] = set()   # resolved paths open for writing in this process
_REGISTRY_LOCK = threading.Lock()


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


class SessionMixin:
    """The session row of the open project (part of `Project`)."""

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
