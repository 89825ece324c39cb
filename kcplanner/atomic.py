"""Every write is atomic: write to a temporary file beside the target, then rename it into place.

A crash or a full disk leaves the previous file intact; a target that is open elsewhere or
read-only, or a write that fails (disk full, folder gone), gives a clear `OutputError` naming the
target instead of a traceback or a half-written file.

Temporary files and scratch folders beside a target are named `.kcplanner-tmp-<pid>-<host>-...`
(`TMP_PREFIX`), so that leftovers of a killed process are recognisably ours: every atomic write
into a folder first removes the leftovers there of processes that are gone (`clean_leftovers`).
"""

from __future__ import annotations

import contextlib
import os
import re
import shutil
import socket
import stat
import tempfile
import time
from pathlib import Path
from typing import Iterator

TMP_PREFIX = ".kcplanner-tmp-"
#: Leftovers of another computer (a shared folder) are removed only when this old (seconds).
FOREIGN_LEFTOVER_AGE = 7 * 24 * 3600
_STARTED = time.time()  # leftovers older than this process and of a dead process are removed
_LEFTOVER = re.compile(re.escape(TMP_PREFIX) + r"(\d+)-([A-Za-z0-9_.]*)-")


def _host() -> str:
    return re.sub(r"[^A-Za-z0-9_.]", "_", socket.gethostname())[:24]


def _prefix(kind: str) -> str:
    """`.kcplanner-tmp-<pid>-<host>-<kind>-`: whose (process, computer) a temporary file is."""
    return f"{TMP_PREFIX}{os.getpid()}-{_host()}-{kind}-"


def _alive(pid: int) -> bool:
    """Whether a process with this id is running (when unsure: yes, so nothing of it is removed)."""
    if os.name == "nt":  # os.kill(pid, 0) would send CTRL_C_EVENT on Windows
        try:
            import ctypes

            kernel32 = ctypes.windll.kernel32  # type: ignore[attr-defined]
            handle = kernel32.OpenProcess(0x1000, False, pid)  # PROCESS_QUERY_LIMITED_INFORMATION
            if not handle:
                return kernel32.GetLastError() == 5  # access denied: it exists
            try:
                code = ctypes.c_ulong()
                kernel32.GetExitCodeProcess(handle, ctypes.byref(code))
                return code.value == 259  # STILL_ACTIVE
            finally:
                kernel32.CloseHandle(handle)
        except Exception:
            return True
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return False
    except OSError:  # PermissionError: it exists, owned by someone else
        return True
    return True


def clean_leftovers(folder: str | Path) -> list[Path]:
    """Remove our temporary files and scratch folders in `folder` that a killed process left.

    Only names starting with TMP_PREFIX are touched, and only those older than this process whose
    process is gone (or, written from another computer, older than a week).  Returns what was
    removed; never raises."""
    removed: list[Path] = []
    try:
        entries = list(os.scandir(folder))
    except OSError:
        return removed
    host, me = _host(), os.getpid()
    now = time.time()
    for entry in entries:
        m = _LEFTOVER.match(entry.name)
        if m is None:
            continue
        try:
            mtime = entry.stat(follow_symlinks=False).st_mtime
            pid = int(m.group(1))
            if m.group(2) == host:
                stale = pid != me and mtime < _STARTED and not _alive(pid)
            else:
                stale = now - mtime > FOREIGN_LEFTOVER_AGE
            if not stale:
                continue
            if entry.is_dir(follow_symlinks=False):
                shutil.rmtree(entry.path)
            else:
                os.unlink(entry.path)
            removed.append(Path(entry.path))
        except (OSError, ValueError):
            continue
    return removed


def _short(stem: str) -> str:
    return re.sub(r"[^\w.-]", "_", stem)[:40]


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask


class OutputError(Exception):
    """A file could not be written; the message says which and why."""


@contextlib.contextmanager
def atomic_path(target: str | Path, suffix: str | None = None) -> Iterator[Path]:
    """Yield a temporary path in the target's folder; on success it replaces `target`."""
    target = Path(target)
    folder = target.parent if str(target.parent) else Path(".")
    if not folder.exists():
        raise OutputError(f"{target}: the folder {folder} does not exist")
    if target.is_dir():
        raise OutputError(f"{target}: is a folder; choose a file name; nothing was written")
    # A file whose write permission is off was marked read-only on purpose: honour it even when
    # running as an administrator, who could otherwise replace it.
    if target.exists() and (not os.access(target, os.W_OK) or not target.stat().st_mode & stat.S_IWUSR):
        raise OutputError(f"{target}: the file is read-only; nothing was written")
    clean_leftovers(folder)
    try:
        fd, tmp = tempfile.mkstemp(prefix=_prefix(_short(target.stem)), suffix=suffix or target.suffix, dir=folder)
    except OSError as exc:
        raise OutputError(f"{target}: cannot write in the folder {folder}: {exc.strerror or exc}") from exc
    os.close(fd)
    tmp_path = Path(tmp)
    try:
        # mkstemp makes a private 0600 file; give the result the permissions a plain open() would
        # (or the replaced file's own).
        os.chmod(tmp_path, target.stat().st_mode & 0o7777 if target.exists() else 0o666 & ~_umask())
        yield tmp_path
        try:
            os.replace(tmp_path, target)
        except PermissionError as exc:
            raise OutputError(f"{target}: cannot replace the file (is it open in another program?): {exc}") from exc
    except OutputError:
        _remove(tmp_path)
        raise
    except Exception as exc:
        _remove(tmp_path)
        cause = _os_error(exc)
        if cause is None:
            raise
        kept = "the previous file is unchanged" if target.exists() else "nothing was written"
        raise OutputError(f"{target}: could not be written ({cause.strerror or cause}); {kept}") from exc
    except BaseException:
        _remove(tmp_path)
        raise


def _remove(path: Path) -> None:
    with contextlib.suppress(OSError):
        path.unlink()


def _os_error(exc: BaseException) -> OSError | None:
    """The OSError behind a failed write: the exception itself, or the one a writer library
    wrapped (xlsxwriter raises FileCreateError from the OSError of a full disk)."""
    if isinstance(exc, OSError):
        return exc
    if type(exc).__module__.startswith("xlsxwriter"):
        for e in (*exc.args[:1], exc.__cause__, exc.__context__):
            if isinstance(e, OSError):
                return e
    return None


@contextlib.contextmanager
def scratch_dir(target: str | Path) -> Iterator[Path]:
    """A scratch folder beside `target` for a writer's temporary files (xlsxwriter's `tmpdir`),
    removed when the block ends; a killed process's one is removed by the next write there."""
    target = Path(target)
    folder = target.parent if str(target.parent) else Path(".")
    try:
        path = Path(tempfile.mkdtemp(prefix=_prefix("scratch"), dir=folder))
    except OSError as exc:
        raise OutputError(f"{target}: cannot write in the folder {folder}: {exc.strerror or exc}") from exc
    try:
        yield path
    finally:
        shutil.rmtree(path, ignore_errors=True)


def atomic_write_bytes(target: str | Path, data: bytes) -> None:
    with atomic_path(target) as tmp:
        with open(tmp, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())


def atomic_write_text(target: str | Path, text: str) -> None:
    atomic_write_bytes(target, text.encode("utf-8"))
