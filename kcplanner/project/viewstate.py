"""Where the analyst was: the current scenario, tab and plan year, kept in the project file so that
a reopened project comes back to them (`meta` key `view`, JSON).  Not an edit: no audit row, it
does not make the project unsaved, and a read-only project is never written.

    write_view_state(project, {"scenario": "Police plan", "tab": "Rules", "year": 2029})
    read_view_state(project)   # → that dict, or {} (none stored, or damaged: never an error)
"""

from __future__ import annotations

import json
import sqlite3
from typing import Any

META_KEY = "view"


def read_view_state(project) -> dict[str, Any]:
    """The stored view state, {} when there is none or it does not read."""
    try:
        with project._lock:
            project._check_open()
            text = project._meta_value(META_KEY)
    except (sqlite3.Error, Exception):  # noqa: BLE001 - the view is a convenience, never an error
        return {}
    if not text:
        return {}
    try:
        data = json.loads(text)
    except ValueError:
        return {}
    return data if isinstance(data, dict) else {}


def write_view_state(project, state: dict[str, Any]) -> bool:
    """Store the view state (plain JSON values); True when it was written, False when unchanged,
    read-only or closed.  A failure to write is not an error either (returns False)."""
    if project.closed or project.read_only:
        return False
    text = json.dumps(dict(state), ensure_ascii=False, sort_keys=True)
    try:
        with project._lock:
            if project._meta_value(META_KEY) == text:
                return False
            with project._tx() as c:
                c.execute("INSERT OR REPLACE INTO meta VALUES (?, ?)", (META_KEY, text))
    except Exception:  # noqa: BLE001 - ProjectError/sqlite3.Error: the view is not worth a message
        return False
    return True


__all__ = ["read_view_state", "write_view_state", "META_KEY"]
