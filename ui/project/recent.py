"""The last and the recent project files, kept in QSettings (ui/common/settings.py): File > Open
Recent Project, and the project reopened at start.  A shared project is listed by its URL without
the password (ui/project/where.py); it is not reopened at start (a server may be slow to answer)."""

from __future__ import annotations

import json
from pathlib import Path

from ..common import settings as st

KEY_PROJECT_LAST = "projectfile/last"      # JSON text: the path of the last project file, or null
KEY_PROJECT_RECENT = "projectfile/recent"  # JSON list of paths, most recent first (at most 8)


def last_project_file() -> str | None:
    value = st.settings().value(KEY_PROJECT_LAST, "")
    try:
        path = json.loads(value) if isinstance(value, str) and value else None
    except ValueError:
        return None
    return path if isinstance(path, str) and path else None


def recent_project_files() -> list[str]:
    value = st.settings().value(KEY_PROJECT_RECENT, "")
    try:
        data = json.loads(value) if isinstance(value, str) and value else []
    except ValueError:
        return []
    return [p for p in data if isinstance(p, str)] if isinstance(data, list) else []


def remember_project_file(path: str | Path) -> None:
    """Remember a project file's path, or a shared project's URL (its password left out)."""
    from .where import is_shared_location, url_without_password

    path = url_without_password(path) if is_shared_location(str(path)) else str(Path(path).resolve())
    s = st.settings()
    s.setValue(KEY_PROJECT_LAST, json.dumps(path))
    recent = [p for p in recent_project_files() if p != path]
    s.setValue(KEY_PROJECT_RECENT, json.dumps([path] + recent[: st.MAX_RECENT - 1]))


def forget_last_project_file() -> None:
    st.settings().setValue(KEY_PROJECT_LAST, json.dumps(None))
