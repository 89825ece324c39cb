"""The write lock of a project file: exactly one kcplanner may write a `.kcplan` at a time.

A lock file beside the project, `.NAME.kcplan.lock`, holds an OS lock (`fcntl.flock` on POSIX,
`msvcrt.locking` on Windows) for as long as the project is open for writing, and a line of JSON
saying who holds it (user, host, pid, time).  The OS lock is what decides: taking it is atomic, two
processes racing for it cannot both win, and it is released by the OS when the holder dies (a crash,
kill -9, a power cut), so a lock left by a dead kcplanner is taken over without asking.  The JSON is
only for the message the loser sees:

    project.kcplan is open in another kcplanner window (user jdoe on OMB-LAPTOP-7, process 4242,
    since 2026-12-02T09:12:03Z).

    lock = ProjectLock.acquire(path)      # LockHeld when another process (or window) holds it
    ...
    lock.release()                         # removes the lock file

`holder(path)` reads who holds a lock without taking it (None when nobody does).
"""

from __future__ import annotations

import contextlib
import json
import os
import sys
import time
from dataclasses import dataclass
from pathlib import Path

from .audit import current_user, host_name, utc_now

if sys.platform == "win32":  # pragma: no cover - exercised on Windows only
    import msvcrt
else:
    import fcntl

#: Windows locks byte ranges, and a locked range cannot be read by others: lock one byte far past
#: the JSON text so that the loser can still read who holds the lock.
_WIN_LOCK_OFFSET = 1 << 20
#: The winner writes its JSON just after taking the lock; a loser that reads it in between waits this long.
_READ_WAIT_SECONDS = 1.0


def lock_path(path: str | Path) -> Path:
    """`.NAME.kcplan.lock` beside the project file."""
    path = Path(path)
    return path.with_name(f".{path.name}.lock")


@dataclass(frozen=True)
class LockInfo:
    """Who holds (or last held) a project's lock."""

    user: str
    host: str
    pid: int
    time: str

    @property
    def same_computer(self) -> bool:
        return self.host == host_name()

    def describe(self) -> str:
        if self.same_computer and self.pid == os.getpid():
            who = "in another window of this kcplanner"
        elif self.same_computer:
            who = f"in another kcplanner window (user {self.user} on {self.host}, process {self.pid}"
            who += f", since {self.time})" if self.time else ")"
        else:
            who = f"by {self.user} on {self.host}" + (f" (since {self.time})" if self.time else "")
        return who


class LockHeld(Exception):
    """Another process (or another window of this one) holds the project's write lock."""

    def __init__(self, path: Path, info: LockInfo | None) -> None:
        self.path, self.info = path, info
        who = info.describe() if info is not None else "in another kcplanner window (who is not known yet)"
        super().__init__(f"{path}: the project is open {who}. Only one kcplanner can change a project at a "
                         "time: close it there first, or open it read-only to look at it.")


class LockUnavailable(Exception):
    """The lock file cannot be created (a read-only folder, no permission)."""


def _try_lock(fd: int) -> bool:
    if sys.platform == "win32":  # pragma: no cover
        os.lseek(fd, _WIN_LOCK_OFFSET, os.SEEK_SET)
        try:
            msvcrt.locking(fd, msvcrt.LK_NBLCK, 1)
        except OSError:
            return False
        return True
    try:
        fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
    except BlockingIOError:
        return False
    except OSError as exc:  # e.g. ENOLCK on a share without locks
        raise LockUnavailable(f"cannot lock the project file ({exc.strerror or exc})") from exc
    return True


def _unlock(fd: int) -> None:
    if sys.platform == "win32":  # pragma: no cover
        os.lseek(fd, _WIN_LOCK_OFFSET, os.SEEK_SET)
        with contextlib.suppress(OSError):
            msvcrt.locking(fd, msvcrt.LK_UNLCK, 1)
        return
    with contextlib.suppress(OSError):
        fcntl.flock(fd, fcntl.LOCK_UN)


def _read_info(path: Path) -> LockInfo | None:
    try:
        with open(path, "rb") as fh:
            text = fh.read(4096).split(b"\n", 1)[0].decode("utf-8", "replace")
        data = json.loads(text)
        return LockInfo(str(data.get("user", "unknown")), str(data.get("host", "unknown")),
                        int(data.get("pid", 0)), str(data.get("time", "")))
    except (OSError, ValueError, TypeError, AttributeError):
        return None


_EXTRA = getattr(os, "O_BINARY", 0) | getattr(os, "O_NOINHERIT", 0) | getattr(os, "O_CLOEXEC", 0)


def _open(lp: Path, project_path: Path) -> int:
    try:
        return os.open(lp, os.O_RDWR | os.O_CREAT | _EXTRA, 0o644)
    except PermissionError as exc:
        # on a shared folder the lock file may belong to another user (0644): who holds it, or is it stale?
        if not lp.exists() or sys.platform == "win32":
            raise LockUnavailable(f"{lp.parent}: cannot create the lock file {lp.name} "
                                  f"({exc.strerror or exc})") from exc
        try:
            fd = os.open(lp, os.O_RDONLY | _EXTRA)
        except OSError:
            raise LockUnavailable(f"{lp.parent}: cannot open the lock file {lp.name} ({exc.strerror or exc})") \
                from exc
        try:
            if not _try_lock(fd):
                raise LockHeld(project_path, _wait_for_info(lp))
            os.remove(lp)  # another user's lock file, left by a kcplanner that died: remove it, start again
        except OSError as err:
            raise LockUnavailable(f"{lp.parent}: cannot remove the stale lock file {lp.name} "
                                  f"({err.strerror or err})") from err
        finally:
            _unlock(fd)
            os.close(fd)
        try:
            return os.open(lp, os.O_RDWR | os.O_CREAT | _EXTRA, 0o644)
        except OSError as err:
            raise LockUnavailable(f"{lp.parent}: cannot create the lock file {lp.name} "
                                  f"({err.strerror or err})") from err
    except OSError as exc:
        raise LockUnavailable(f"{lp.parent}: cannot create the lock file {lp.name} "
                              f"({exc.strerror or exc})") from exc


def _same_file(fd: int, lp: Path) -> bool:
    """The lock is on the file that is at the path now (not one the previous holder just removed)."""
    if sys.platform == "win32":  # pragma: no cover - a file that is open cannot be removed there
        return True
    try:
        a, b = os.fstat(fd), os.stat(lp)
    except OSError:
        return False
    return (a.st_dev, a.st_ino) == (b.st_dev, b.st_ino)


class ProjectLock:
    """The held write lock of one project file (see the module's docstring)."""

    def __init__(self, project_path: Path, lock_file: Path, fd: int) -> None:
        self.project_path, self.path, self._fd = project_path, lock_file, fd

    @classmethod
    def acquire(cls, project_path: str | Path, *, user: str | None = None) -> "ProjectLock":
        """Take the lock now or raise `LockHeld` (who holds it) / `LockUnavailable` (no lock file)."""
        project_path = Path(project_path)
        lp = lock_path(project_path)
        for _attempt in range(20):
            fd = _open(lp, project_path)
            try:
                if not _try_lock(fd):
                    os.close(fd)
                    raise LockHeld(project_path, _wait_for_info(lp))
                if not _same_file(fd, lp):  # the holder released and removed it meanwhile: again
                    _unlock(fd)
                    os.close(fd)
                    continue
                info = {"user": user or current_user(), "host": host_name(), "pid": os.getpid(), "time": utc_now(),
                        "project": project_path.name}
                data = (json.dumps(info, ensure_ascii=False) + "\n").encode("utf-8")
                os.lseek(fd, 0, os.SEEK_SET)
                os.write(fd, data)
                with contextlib.suppress(OSError):
                    os.ftruncate(fd, len(data))
                return cls(project_path, lp, fd)
            except LockHeld:
                raise
            except BaseException:
                with contextlib.suppress(OSError):
                    os.close(fd)
                raise
        raise LockHeld(project_path, _read_info(lp))  # pragma: no cover - 20 holders in a row

    @property
    def held(self) -> bool:
        return self._fd is not None

    def release(self, *, remove: bool = True) -> None:
        """Give the lock up.  `remove`: delete the lock file first (while still holding it, so that
        nobody can take a lock on a file that is about to disappear).  `remove=False` leaves the file
        as a killed process does (tests)."""
        fd, self._fd = self._fd, None
        if fd is None:
            return
        if remove and sys.platform != "win32":
            with contextlib.suppress(OSError):
                os.remove(self.path)
        _unlock(fd)
        with contextlib.suppress(OSError):
            os.close(fd)
        if remove and sys.platform == "win32":  # pragma: no cover - open files cannot be removed there
            with contextlib.suppress(OSError):
                os.remove(self.path)

    def __del__(self) -> None:  # a Project dropped without close(): the OS would free it at exit anyway
        with contextlib.suppress(Exception):
            self.release(remove=False)


def _wait_for_info(lp: Path) -> LockInfo | None:
    """Who holds the lock: the winner of a race writes its line just after taking the lock."""
    deadline = time.monotonic() + _READ_WAIT_SECONDS
    while True:
        info = _read_info(lp)
        if info is not None or time.monotonic() > deadline:
            return info
        time.sleep(0.01)


def holder(project_path: str | Path) -> LockInfo | None:
    """Who holds the project's write lock now, or None when nobody does (no lock file, or a file
    left by a process that died: its OS lock is gone)."""
    lp = lock_path(project_path)
    if not lp.exists():
        return None
    try:
        fd = os.open(lp, os.O_RDWR | getattr(os, "O_BINARY", 0))
    except OSError:
        return None
    try:
        if _try_lock(fd):
            _unlock(fd)
            return None
    except LockUnavailable:
        return None
    finally:
        os.close(fd)
    return _read_info(lp) or LockInfo("unknown", "unknown", 0, "")


def is_locked(project_path: str | Path) -> bool:
    return holder(project_path) is not None


__all__ = ["ProjectLock", "LockHeld", "LockUnavailable", "LockInfo", "lock_path", "holder", "is_locked"]
