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
| `mappings/files`   | JSON `{path: {"mapping": {...}, "loaded": bool}}` (see below)   |

`mappings/files` holds the import mapping chosen for each file in another layout (ui/mapping/flow.py),
most recent first, at most 32; `loaded` stays false until a load with it succeeded.

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
KEY_FILE_MAPPINGS = "mappings/files"
MAX_FILE_MAPPINGS = 32


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
    settings().setValue(KEY_FILE_MAPPINGS, "{}")  # the mappings are remembered with the recent files


def _file_key(path) -> str:
    return str(Path(path).resolve())


def _file_mappings() -> dict:
    data = _load_json(KEY_FILE_MAPPINGS)
    return data if isinstance(data, dict) else {}


def file_mapping(path) -> tuple[dict, bool] | None:
    """(the mapping JSON object, whether a load with it succeeded) remembered for the file, or None."""
    entry = _file_mappings().get(_file_key(path))
    if not isinstance(entry, dict) or not isinstance(entry.get("mapping"), dict):
        return None
    return entry["mapping"], bool(entry.get("loaded"))


def remember_file_mapping(path, mapping: dict, loaded: bool) -> None:
    """Remember the mapping chosen for the file (`loaded`: a load with it succeeded)."""
    key = _file_key(path)
    entries = {key: {"mapping": mapping, "loaded": bool(loaded)}}
    entries.update((k, v) for k, v in _file_mappings().items() if k != key)
    entries = dict(list(entries.items())[:MAX_FILE_MAPPINGS])
    settings().setValue(KEY_FILE_MAPPINGS, json.dumps(entries, ensure_ascii=False))


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
