"""Every write is atomic: write to a temporary file beside the target, then rename it into place.

A crash or a full disk leaves the previous file intact; a target that is open elsewhere or
read-only gives a clear `OutputError` instead of a half-written file.
"""

from __future__ import annotations

import contextlib
import os
import stat
import tempfile
from pathlib import Path
from typing import Iterator


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
    # A file whose write permission is off was marked read-only on purpose: honour it even when
    # running as an administrator, who could otherwise replace it.
    if target.exists() and (not os.access(target, os.W_OK) or not target.stat().st_mode & stat.S_IWUSR):
        raise OutputError(f"{target}: the file is read-only; nothing was written")
    fd, tmp = tempfile.mkstemp(prefix=f".{target.stem}.", suffix=suffix or target.suffix, dir=folder)
    os.close(fd)
    tmp_path = Path(tmp)
    # mkstemp makes a private 0600 file; give the result the permissions a plain open() would
    # (or the replaced file's own).
    os.chmod(tmp_path, target.stat().st_mode & 0o7777 if target.exists() else 0o666 & ~_umask())
    try:
        yield tmp_path
        try:
            os.replace(tmp_path, target)
        except PermissionError as exc:
            raise OutputError(f"{target}: cannot replace the file (is it open in another program?): {exc}") from exc
    except BaseException:
        with contextlib.suppress(OSError):
            tmp_path.unlink()
        raise


def atomic_write_bytes(target: str | Path, data: bytes) -> None:
    with atomic_path(target) as tmp:
        with open(tmp, "wb") as fh:
            fh.write(data)
            fh.flush()
            os.fsync(fh.fileno())


def atomic_write_text(target: str | Path, text: str) -> None:
    atomic_write_bytes(target, text.encode("utf-8"))
