"""File names made from user text (a scenario name, a department): safe on every system.

    safe_file_name("x/../../escaped", ".xlsx")   -> "x_._._escaped.xlsx"
    path_inside(folder, folder / name)            -> the resolved path, or OutputError when outside

`safe_file_name` keeps a name readable and refuses nothing: path separators and the characters
Windows forbids become `_`; NUL and other control characters are dropped; runs of dots become one
dot and leading or trailing dots and spaces go (no `..`, no hidden file, no name Windows trims);
Windows' reserved device names (CON, PRN, AUX, NUL, COM1-9, LPT1-9, with any extension) get a
leading `_`; the result is at most `MAX_NAME_BYTES` bytes of UTF-8, extension included.
"""

from __future__ import annotations

import re
import unicodedata
from pathlib import Path

from .atomic import OutputError

MAX_NAME_BYTES = 120
_FORBIDDEN = re.compile(r'[<>:"/\\|?*]')
_RESERVED = {"con", "prn", "aux", "nul", "conin$", "conout$", "clock$"} | \
    {f"{d}{i}" for d in ("com", "lpt") for i in list("123456789") + ["¹", "²", "³"]}


def _clean(text: str) -> str:
    text = "".join(" " if ch in "\t\n\r" else ch for ch in str(text))
    text = "".join(ch for ch in text if unicodedata.category(ch) not in ("Cc", "Cs", "Co", "Cn")
                   and ch not in "\u2028\u2029\u200b\u200e\u200f\u202a\u202b\u202c\u202d\u202e")
    text = _FORBIDDEN.sub("_", text)
    text = re.sub(r"\.{2,}", ".", text)
    text = " ".join(text.split())
    return text.strip(" .")


def _fit(text: str, limit: int) -> str:
    """`text` cut to at most `limit` bytes of UTF-8, on a character boundary."""
    data = text.encode("utf-8")
    if len(data) <= limit:
        return text
    return data[:max(limit, 0)].decode("utf-8", "ignore")


def safe_file_name(name: str, suffix: str = "", *, fallback: str = "unnamed",
                   max_bytes: int = MAX_NAME_BYTES) -> str:
    """A file name for `name` + `suffix` (e.g. ".xlsx") that is one plain name in any folder."""
    suffix = _clean(suffix)
    if suffix and not suffix.startswith("."):
        suffix = "." + suffix
    stem = _clean(name)
    stem = _fit(stem, max_bytes - len(suffix.encode("utf-8"))).rstrip(" .")
    if not stem:
        stem = fallback
    if stem.split(".")[0].strip().casefold() in _RESERVED:
        stem = "_" + stem
        stem = _fit(stem, max_bytes - len(suffix.encode("utf-8"))).rstrip(" .")
    return stem + suffix


def path_inside(folder: str | Path, path: str | Path) -> Path:
    """`path`, resolved, when it lies inside `folder`; OutputError (nothing written) otherwise."""
    base = Path(folder).resolve()
    full = Path(path)
    full = (full if full.is_absolute() else base / full).resolve()
    if full == base or base not in full.parents:
        raise OutputError(f"{path}: outside the chosen folder {base}; nothing was written there")
    return full


def file_in(folder: str | Path, name: str, suffix: str = "") -> Path:
    """The path of a safe file name made from `name` in `folder` (checked to stay inside it)."""
    path = Path(folder) / safe_file_name(name, suffix)
    path_inside(folder, path)
    return path


__all__ = ["safe_file_name", "path_inside", "file_in", "MAX_NAME_BYTES"]
