"""Persistent settings (QSettings, INI format, organisation/application `kcplanner`).

Only plain values and JSON text are stored (never pickled Python objects):

| key                | value                                                          |
|--------------------|----------------------------------------------------------------|
| `project/last`     | JSON `{"plan": str or null, "budgets": [str, ...]}`             |
| `project/recent`   | JSON list of such objects, most recent first (at most 8)        |
| `window/geometry`  | base64 text of `QMainWindow.saveGeometry()`                     |
| `window/state`     | base64 text of `QMainWindow.saveState()` (docks and toolbars)   |
| `view/year`        | index of the selected plan year (0..4)                          |
| `view/tree_mode`   | `fund` (Fund → Department → Program) or `department`           |
| `view/tab`         | index of the open tab                                           |
| `dirs/last`        | the folder last used in a file dialog                           |

Tests isolate settings with `QSettings.setPath(IniFormat, UserScope, tmp_path)`.
"""

from __future__ import annotations

import json
from dataclasses import dataclass
from pathlib import Path

from PySide6.QtCore import QByteArray, QSettings

ORGANIZATION = "kcplanner"
APPLICATION = "kcplanner"
MAX_RECENT = 8

KEY_LAST = "project/last"
KEY_RECENT = "project/recent"
KEY_GEOMETRY = "window/geometry"
KEY_STATE = "window/state"
KEY_YEAR = "view/year"
KEY_TREE_MODE = "view/tree_mode"
KEY_TAB = "view/tab"
KEY_LAST_DIR = "dirs/last"


@dataclass(frozen=True)
class Project:
    """What the app opens: a plan workbook (optional) and budget workbooks or folders."""

    plan: str | None
    budgets: tuple[str, ...]

    def to_json(self) -> dict:
        return {"plan": self.plan, "budgets": list(self.budgets)}

    @classmethod
    def from_json(cls, data) -> "Project | None":
        if not isinstance(data, dict):
            return None
        plan = data.get("plan")
        budgets = data.get("budgets") or []
        if plan is not None and not isinstance(plan, str):
            return None
        if not isinstance(budgets, list) or not all(isinstance(b, str) for b in budgets):
            return None
        return cls(plan, tuple(budgets))

    @property
    def label(self) -> str:
        paths = ([self.plan] if self.plan else []) + list(self.budgets)
        if not paths:
            return "(empty)"
        folders = {str(Path(p).parent) for p in paths}
        first = Path(paths[0])
        if len(folders) == 1:
            return f"{first.parent.name or first.parent}/ ({len(paths)} workbooks)"
        return f"{first.name} + {len(paths) - 1} more"

    def exists(self) -> bool:
        paths = ([self.plan] if self.plan else []) + list(self.budgets)
        return bool(self.budgets) and all(Path(p).exists() for p in paths)


def settings() -> QSettings:
    return QSettings(QSettings.Format.IniFormat, QSettings.Scope.UserScope, ORGANIZATION, APPLICATION)


def _load_json(key: str):
    value = settings().value(key, "")
    if not isinstance(value, str) or not value:
        return None
    try:
        return json.loads(value)
    except ValueError:
        return None


def last_project() -> Project | None:
    return Project.from_json(_load_json(KEY_LAST))


def recent_projects() -> list[Project]:
    data = _load_json(KEY_RECENT)
    if not isinstance(data, list):
        return []
    return [p for p in (Project.from_json(d) for d in data) if p is not None]


def remember_project(project: Project) -> None:
    """Make `project` the last one opened and the first of the recent list."""
    s = settings()
    s.setValue(KEY_LAST, json.dumps(project.to_json()))
    recent = [p for p in recent_projects() if p != project]
    recent.insert(0, project)
    s.setValue(KEY_RECENT, json.dumps([p.to_json() for p in recent[:MAX_RECENT]]))


def clear_recent() -> None:
    settings().setValue(KEY_RECENT, "[]")


def save_bytes(key: str, data: QByteArray) -> None:
    settings().setValue(key, bytes(data.toBase64()).decode("ascii"))


def load_bytes(key: str) -> QByteArray | None:
    value = settings().value(key, "")
    if not isinstance(value, str) or not value:
        return None
    return QByteArray.fromBase64(value.encode("ascii"))


def get_int(key: str, default: int) -> int:
    value = settings().value(key, default)
    try:
        return int(value)
    except (TypeError, ValueError):
        return default


def get_str(key: str, default: str) -> str:
    value = settings().value(key, default)
    return value if isinstance(value, str) else default


def set_value(key: str, value: int | str) -> None:
    settings().setValue(key, value)
