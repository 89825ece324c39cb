"""The site folder is written whole or not at all: files go into a temporary folder beside the
target, which is renamed into place at the end.  An existing target is replaced only when it is
empty or holds the marker file of a site kcplanner wrote, never a folder of the user's."""

from __future__ import annotations

import contextlib
import json
import os
import shutil
import tempfile
from pathlib import Path
from typing import Iterator

from ..atomic import OutputError, _prefix, clean_leftovers
from .options import PublishError

SITE_MARKER = ".kcplanner-site"


def check_target(out_dir: Path) -> None:
    """PublishError unless `out_dir` may receive the site: missing, an empty folder, or our site."""
    if out_dir.exists() and not out_dir.is_dir():
        raise PublishError(f"{out_dir}: is a file; the site needs a folder (created if missing); nothing was written")
    if out_dir.is_dir() and not (out_dir / SITE_MARKER).is_file() and any(out_dir.iterdir()):
        raise PublishError(f"{out_dir}: this folder holds files that kcplanner did not write (it has no "
                           f"{SITE_MARKER} file), so it is not replaced; choose a new or empty folder; "
                           "nothing was written")
    parent = out_dir.parent
    if not parent.is_dir():
        raise PublishError(f"{out_dir}: the folder {parent} does not exist; nothing was written")


@contextlib.contextmanager
def site_folder(out_dir: Path, marker: dict) -> Iterator[Path]:
    """Yield a temporary folder beside `out_dir`; when the block ends normally it becomes `out_dir`
    (the marker file written last); on any exception it is removed and `out_dir` is unchanged."""
    out_dir = Path(out_dir)
    check_target(out_dir)
    parent = out_dir.parent
    clean_leftovers(parent)
    try:
        tmp = Path(tempfile.mkdtemp(prefix=_prefix("site"), dir=parent))
    except OSError as exc:
        raise OutputError(f"{out_dir}: cannot write in the folder {parent}: {exc.strerror or exc}") from exc
    try:
        os.chmod(tmp, 0o777 & ~_umask())
        yield tmp
        (tmp / SITE_MARKER).write_text(json.dumps(marker, indent=1) + "\n", encoding="utf-8")
        _swap(tmp, out_dir)
    except BaseException as exc:
        shutil.rmtree(tmp, ignore_errors=True)
        if isinstance(exc, OSError):
            raise OutputError(f"{out_dir}: the site could not be written ({exc.strerror or exc}); "
                              "nothing was changed") from exc
        raise


def _swap(tmp: Path, out_dir: Path) -> None:
    """Rename `tmp` to `out_dir`; an earlier site (checked again: it may have changed) is moved
    aside first and removed once the new one is in place."""
    check_target(out_dir)
    if not out_dir.exists():
        os.replace(tmp, out_dir)
        return
    if not any(out_dir.iterdir()):
        out_dir.rmdir()
        os.replace(tmp, out_dir)
        return
    old = Path(tempfile.mkdtemp(prefix=_prefix("old-site"), dir=out_dir.parent))
    old.rmdir()
    os.replace(out_dir, old)
    try:
        os.replace(tmp, out_dir)
    except OSError:
        os.replace(old, out_dir)  # put the earlier site back
        raise
    shutil.rmtree(old, ignore_errors=True)


def _umask() -> int:
    mask = os.umask(0)
    os.umask(mask)
    return mask
